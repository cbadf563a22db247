"""Coordinate reference systems: CGCS2000 Gauss–Krüger zones and area guards.

Facts from shared/domain.md §6:

* CGCS2000 geographic is EPSG:4490 (lat/lon axis order: always use ``always_xy``).
* 3° Gauss–Krüger zones 25–45: EPSG:4513–4533 carry the zone number prefixed to the
  easting (false easting = zone × 10⁶ + 500000); EPSG:4534–4554 are the same zones
  without prefix (false easting 500000). Zone n = round(lon / 3), central meridian 3n.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
from pyproj import CRS

from geo.units import m2_to_mu

CGCS2000_GEOGRAPHIC = 4490
GK3_ZONES = range(25, 46)


class CRSError(ValueError):
    """A coordinate reference system is missing, unsuitable or inconsistent."""


def gk3_zone_for_lon(lon: float) -> int:
    """Return the 3° Gauss–Krüger zone number for a longitude: ``round(lon / 3)``.

    Raises
    ------
    CRSError
        If the zone falls outside the CGCS2000 3° zones 25–45 (China's extent).
    """
    zone = int(np.floor(lon / 3.0 + 0.5))
    if zone not in GK3_ZONES:
        raise CRSError(
            f"longitude {lon:.4f} gives 3° zone {zone}, outside CGCS2000 zones 25–45; "
            "is the data in degrees and inside China?"
        )
    return zone


def gk3_epsg(zone: int, *, prefixed: bool = False) -> int:
    """EPSG code of a CGCS2000 3° Gauss–Krüger zone.

    ``4513 + zone − 25`` with the zone prefix on eastings, ``4534 + zone − 25`` without.
    """
    if zone not in GK3_ZONES:
        raise CRSError(f"3° zone {zone} is not a CGCS2000 zone (25–45)")
    return (4513 if prefixed else 4534) + zone - 25


def working_crs_for_lonlat(lon: float) -> CRS:
    """The working CRS for data centred on ``lon``: unprefixed CGCS2000 3° GK zone."""
    return CRS.from_epsg(gk3_epsg(gk3_zone_for_lon(lon)))


def require_projected(crs: CRS | str | int | None, *, what: str = "area") -> CRS:
    """Return ``crs`` as a pyproj CRS, raising unless it is a projected metric CRS.

    Areas are computed only in a projected metric CRS (shared/domain.md §2); asking for
    one in degrees is an error, never a warning.
    """
    if crs is None:
        raise CRSError(f"cannot compute {what}: the data has no CRS; set one (e.g. EPSG:4546)")
    crs = CRS.from_user_input(crs)
    if not crs.is_projected:
        raise CRSError(
            f"cannot compute {what} in {crs.name} (EPSG:{crs.to_epsg()}): it is geographic "
            "(degrees); reproject to a CGCS2000 Gauss–Krüger zone first"
        )
    unit = crs.axis_info[0].unit_name if crs.axis_info else ""
    if unit not in ("metre", "meter"):
        raise CRSError(f"cannot compute {what} in {crs.name}: axis unit is {unit!r}, not metre")
    return crs


def area_mu(geoms: npt.ArrayLike, crs: CRS | str | int | None) -> np.ndarray:
    """Planar area of shapely geometries in 亩; ``crs`` must be projected in metres."""
    import shapely

    require_projected(crs)
    return np.asarray(m2_to_mu(shapely.area(np.asarray(geoms))), dtype="float64")

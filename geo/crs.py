"""Coordinate reference systems: CGCS2000 Gauss–Krüger zones and area guards.

Facts from shared/domain.md §6:

* CGCS2000 geographic is EPSG:4490 (lat/lon axis order: always use ``always_xy``).
* 3° Gauss–Krüger zones 25–45: EPSG:4513–4533 carry the zone number prefixed to the
  easting (false easting = zone × 10⁶ + 500000); EPSG:4534–4554 are the same zones
  without prefix (false easting 500000). Zone n = round(lon / 3), central meridian 3n.
* 6° zones 13–23: EPSG:4491–4501 with prefix, 4502–4512 without.
* Files without a CRS give clues (§6): an 8-digit easting starting with the zone number is
  prefixed GK; 6-digit eastings around 500000 are GK without prefix (the zone must be given);
  in Chinese surveying X is the *northing*, so X/Y columns often arrive swapped.
  :func:`detect_gk` reads those clues; :func:`detect_lonlat` does the same for degrees.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from pyproj import CRS

from geo.errors import DataError
from geo.units import m2_to_mu

CGCS2000_GEOGRAPHIC = 4490
GK3_ZONES = range(25, 46)
GK6_ZONES = range(13, 24)
GK_EASTING_RANGE = (100_000.0, 900_000.0)
"""Plausible GK eastings without prefix: 500000 ± 400 km (a 3° zone is ±170 km wide at the
equator; data sometimes runs past the zone edge)."""
GK_NORTHING_RANGE = (1_000_000.0, 6_000_000.0)
"""Plausible GK northings in China (about 9°N to 54°N)."""
CHINA_LON_RANGE = (72.0, 136.0)
CHINA_LAT_RANGE = (0.8, 56.0)


class CRSError(DataError):
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


EXTENT_MARGIN_DEG = 1e-4
"""Slack (≈ 10 m) around a reprojected extent's longitudes, covering the curvature between
the densified points of its edges."""


def working_crs_for_extent(crs: CRS | str | int,
                           bounds: tuple[float, float, float, float]) -> CRS | None:
    """The working CRS :func:`working_crs_for_lonlat` gives for *any* longitude inside an
    extent, or ``None`` when the extent reaches into two zones (or cannot be reprojected).

    Every mean of longitudes taken inside ``bounds`` (``xmin, ymin, xmax, ymax`` in ``crs``)
    lies between the extent's westmost and eastmost longitude; when both ends fall in one
    3° zone, so does the mean, and the zone is known without reprojecting any feature.
    """
    from pyproj import Transformer
    from pyproj.exceptions import ProjError

    if not np.all(np.isfinite(bounds)):
        return None
    try:
        to_lonlat = Transformer.from_crs(CRS.from_user_input(crs), CGCS2000_GEOGRAPHIC,
                                         always_xy=True)
        west, _, east, _ = to_lonlat.transform_bounds(*bounds, densify_pts=21)
        first = working_crs_for_lonlat(west - EXTENT_MARGIN_DEG)
        last = working_crs_for_lonlat(east + EXTENT_MARGIN_DEG)
    except (CRSError, ProjError):
        return None
    return first if first == last else None


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


def gk6_epsg(zone: int, *, prefixed: bool = False) -> int:
    """EPSG code of a CGCS2000 6° Gauss–Krüger zone: ``4491 + zone − 13`` (prefixed) or
    ``4502 + zone − 13``."""
    if zone not in GK6_ZONES:
        raise CRSError(f"6° zone {zone} is not a CGCS2000 zone (13–23)")
    return (4491 if prefixed else 4502) + zone - 13


def choose_working_crs(lons: npt.ArrayLike, *, epsg: int | str | None = None) -> CRS:
    """The working CRS of one dataset: the configured ``epsg``, else the CGCS2000 3° GK zone
    (no prefix) of the middle of the data's longitude range.

    Raises
    ------
    CRSError
        If ``epsg`` is not a projected metric CRS, or there is no finite longitude.
    """
    if epsg is not None:
        return require_projected(epsg, what="areas")
    values = np.asarray(lons, dtype="float64")
    values = values[np.isfinite(values)]
    if values.size == 0:
        raise CRSError("no coordinates to choose a working CRS from")
    return working_crs_for_lonlat(float((values.min() + values.max()) / 2))


@dataclass(frozen=True)
class GKGuess:
    """What raw Gauss–Krüger coordinates reveal about their CRS (see :func:`detect_gk`).

    Attributes
    ----------
    zone : zone number (3° or 6° per ``width``); ``None`` when unprefixed and not given.
    prefixed : eastings carry the zone number (8 digits, e.g. 37 512 345.6).
    swapped : the first column holds northings (surveying X) and the second eastings.
    epsg : CGCS2000 GK EPSG code; ``None`` when the zone is unknown.
    width : zone width in degrees, 3 or 6.
    """

    zone: int | None
    prefixed: bool
    swapped: bool
    epsg: int | None
    width: int = 3

    def easting_northing(self, x: npt.ArrayLike, y: npt.ArrayLike,
                         ) -> tuple[np.ndarray, np.ndarray]:
        """The two coordinate columns in (easting, northing) order for this guess."""
        first, second = np.asarray(x, dtype="float64"), np.asarray(y, dtype="float64")
        return (second, first) if self.swapped else (first, second)


def _finite(values: npt.ArrayLike, name: str) -> np.ndarray:
    arr = np.asarray(values, dtype="float64").ravel()
    arr = arr[np.isfinite(arr)]
    if arr.size == 0:
        raise CRSError(f"no finite {name} coordinates to detect a CRS from")
    return arr


def _in(values: np.ndarray, bounds: tuple[float, float]) -> bool:
    return bool(((values >= bounds[0]) & (values <= bounds[1])).all())


def _prefix_zone(values: np.ndarray) -> int | None:
    """The common zone prefix of 8-digit eastings, or ``None`` when they are not such."""
    zones = np.unique(np.floor(values / 1e6).astype("int64"))
    if len(zones) != 1:
        return None
    zone = int(zones[0])
    if zone not in GK3_ZONES and zone not in GK6_ZONES:
        return None
    return zone if _in(values - zone * 1e6, GK_EASTING_RANGE) else None


def _axis_kind(values: np.ndarray) -> str:
    if _prefix_zone(values) is not None:
        return "prefixed"
    if _in(values, GK_EASTING_RANGE):
        return "easting"
    if _in(values, GK_NORTHING_RANGE):
        return "northing"
    if np.abs(values).max() <= 180:
        return "degrees"
    return "unknown"


def detect_gk(x: npt.ArrayLike, y: npt.ArrayLike, *, zone: int | None = None,
              lon: float | None = None, width: int = 3) -> GKGuess:
    """Detect a CGCS2000 Gauss–Krüger CRS from raw coordinate columns (shared/domain.md §6).

    Parameters
    ----------
    x, y : the two coordinate columns as they arrive (``x`` meant as easting in GIS order;
        in Chinese surveying files X is the northing — that case is reported as ``swapped``).
    zone : zone number given by the user or the file (带号). With prefixed eastings it must
        agree with the prefix; without a prefix it is the only way to know the zone.
    lon : approximate longitude of the data (e.g. the county's), used to pick the 3° zone
        of unprefixed eastings when ``zone`` is not given.
    width : zone width (3 or 6) assumed for unprefixed eastings with a given ``zone``.
        Prefixed eastings tell it themselves: prefixes 13–23 are 6° zones, 25–45 3° zones.

    Returns
    -------
    GKGuess
        ``epsg`` is ``None`` when the eastings are unprefixed and neither ``zone`` nor ``lon``
        is given; ask the user for the zone then.

    Raises
    ------
    CRSError
        When the values are degrees, mix zone prefixes, contradict ``zone`` or look like no GK
        coordinates at all; the message says what was found.
    """
    if width not in (3, 6):
        raise CRSError(f"zone width {width}° is not 3 or 6")
    xs, ys = _finite(x, "x"), _finite(y, "y")
    kinds = (_axis_kind(xs), _axis_kind(ys))
    if kinds == ("degrees", "degrees"):
        raise CRSError("the coordinates look like degrees (longitude/latitude), not "
                       "Gauss–Krüger metres; read them as EPSG:4490 (CGCS2000) instead")
    if kinds[0] in ("easting", "prefixed") and kinds[1] == "northing":
        swapped, eastings = False, xs
    elif kinds[1] in ("easting", "prefixed") and kinds[0] == "northing":
        swapped, eastings = True, ys
    else:
        raise CRSError(
            f"cannot tell eastings from northings: x values {xs.min():.0f}–{xs.max():.0f} "
            f"look like {kinds[0]}, y values {ys.min():.0f}–{ys.max():.0f} like {kinds[1]}; "
            "expected eastings near 500000 (or 8 digits with the zone prefix, all one zone) "
            "and northings between 1000000 and 6000000; give the CRS explicitly")
    prefix = _prefix_zone(eastings)
    if prefix is not None:
        if zone is not None and zone != prefix:
            raise CRSError(f"the eastings carry zone prefix {prefix} but zone {zone} was given "
                           "(带号); check which one is right")
        if prefix in GK6_ZONES:
            return GKGuess(prefix, True, swapped, gk6_epsg(prefix, prefixed=True), width=6)
        return GKGuess(prefix, True, swapped, gk3_epsg(prefix, prefixed=True))
    if zone is None and lon is not None:
        zone, width = gk3_zone_for_lon(lon), 3
    if zone is None:
        return GKGuess(None, False, swapped, None, width=width)
    epsg = gk6_epsg(zone) if width == 6 else gk3_epsg(zone)
    return GKGuess(zone, False, swapped, epsg, width=width)


@dataclass(frozen=True)
class LonLatGuess:
    """Axis order of degree coordinates (see :func:`detect_lonlat`)."""

    swapped: bool  # the first column holds latitudes


def detect_lonlat(x: npt.ArrayLike, y: npt.ArrayLike) -> LonLatGuess:
    """Detect whether degree columns are (lon, lat) or swapped (lat, lon), for data in China.

    Raises
    ------
    CRSError
        If the values are not degrees inside China's extent in either order.
    """
    xs, ys = _finite(x, "x"), _finite(y, "y")
    lon_lat = _in(xs, CHINA_LON_RANGE) and _in(ys, CHINA_LAT_RANGE)
    lat_lon = _in(xs, CHINA_LAT_RANGE) and _in(ys, CHINA_LON_RANGE)
    if lon_lat and not lat_lon:
        return LonLatGuess(swapped=False)
    if lat_lon and not lon_lat:
        return LonLatGuess(swapped=True)
    raise CRSError(f"x {xs.min():.4f}–{xs.max():.4f}, y {ys.min():.4f}–{ys.max():.4f} are not "
                   "longitude/latitude degrees inside China in either order")


def geodesic_area_mu(geoms: npt.ArrayLike, crs: CRS | str | int | None) -> np.ndarray:
    """Ellipsoidal area of polygons in 亩 (pyproj ``Geod`` on the CGCS2000 ellipsoid).

    A check of planar areas, slower than :func:`area_mu`: geometries are transformed to
    CGCS2000 longitude/latitude and measured on the ellipsoid.
    """
    import shapely
    from pyproj import Geod, Transformer

    if crs is None:
        raise CRSError("cannot compute geodesic areas: the data has no CRS")
    src = CRS.from_user_input(crs)
    geographic = CRS.from_epsg(CGCS2000_GEOGRAPHIC)
    arr = np.asarray(geoms, dtype=object)
    if not src.equals(geographic):
        transformer = Transformer.from_crs(src, geographic, always_xy=True)
        arr = shapely.transform(arr, lambda xy: np.column_stack(
            transformer.transform(xy[:, 0], xy[:, 1])))
    geod = Geod(ellps="GRS80")  # CGCS2000 ellipsoid: GRS80 to within 0.1 mm in b
    areas = [abs(geod.geometry_area_perimeter(g)[0]) for g in arr]
    return np.asarray(m2_to_mu(np.asarray(areas, dtype="float64")), dtype="float64")

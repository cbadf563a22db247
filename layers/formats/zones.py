"""Areas in a file's own Gauss–Krüger zone, and files drawn far outside it (issue 14 item 6).

A CAD drawing or coordinate TXT is measured officially in the zone it is drawn in; the working
CRS may be another zone, where the same boundary measures differently (0.2 % at 286 km from
the central meridian). :func:`official_area_mu` keeps the area in the source zone;
:func:`zone_warning` notices eastings beyond a zone's half width (a wrong ``--crs``?).
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from pyproj import CRS, Transformer

from geo.units import m2_to_mu

OFFICIAL_AREA = "area_official_mu"
"""Parcel column: area (亩) measured in the file's own projected CRS."""


def official_area_mu(frame: pd.DataFrame) -> pd.Series | None:
    """Area (亩) of each polygon in the frame's own projected CRS (NaN for other shapes), or
    ``None`` when the frame is not in a projected CRS."""
    if (not isinstance(frame, gpd.GeoDataFrame) or frame.crs is None
            or not CRS(frame.crs).is_projected):
        return None
    geoms = frame.geometry.values
    polygonal = np.isin(shapely.get_type_id(geoms), [3, 6])
    area = np.where(polygonal, m2_to_mu(shapely.area(geoms)), np.nan)
    return pd.Series(area, index=frame.index, dtype="float64")


def zone_warning(frame: pd.DataFrame, *, margin_deg: float) -> tuple[str, str] | None:
    """(message, fix) when eastings lie beyond a Transverse Mercator zone's half width (3° zones
    ±1.5°, 6° zones ±3°) plus ``margin_deg`` from its central meridian; else ``None``."""
    if not isinstance(frame, gpd.GeoDataFrame) or frame.crs is None or frame.empty:
        return None
    crs = CRS(frame.crs)
    operation = crs.coordinate_operation if crs.is_projected else None
    if operation is None or "transverse mercator" not in operation.method_name.lower():
        return None
    params = {p.name.lower(): p.value for p in operation.params}
    lon0 = params.get("longitude of natural origin")
    false_easting = params.get("false easting", 0.0)
    if lon0 is None:
        return None
    width = 6.0 if "6-degree" in crs.name else 3.0
    x0, y0, x1, y1 = frame.total_bounds
    if not np.isfinite([x0, y0, x1, y1]).all():
        return None
    to_geo = Transformer.from_crs(crs, crs.geodetic_crs, always_xy=True)
    lons, _ = to_geo.transform([x0, x1], [(y0 + y1) / 2] * 2)
    offset = max(abs(lon - lon0) for lon in lons)
    if offset <= width / 2 + margin_deg:
        return None
    far = x1 if abs(x1 - false_easting) >= abs(x0 - false_easting) else x0
    return (f"eastings reach {far / 1000:,.0f} km, {abs(far - false_easting) / 1000:,.0f} km "
            f"({offset:.2f}°) from the central meridian {lon0:g}° of {crs.name} (EPSG:"
            f"{crs.to_epsg()}), beyond its zone's ±{width / 2:g}°; reprojected into the "
            "working CRS, the areas differ from those measured in this zone",
            "check the CRS (a drawing made in another zone needs that zone's EPSG); if it is "
            f"right, {OFFICIAL_AREA} keeps each area as measured in this zone beside area_mu")

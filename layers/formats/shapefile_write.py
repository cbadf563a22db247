"""Layers written as shapefiles that GIS tools and ``investmap load`` read back whole.

A shapefile holds one geometry type and 10-character dBASE field names. So:

* a layer of mixed geometries (``facility``, ``context``) is written as one shapefile per
  geometry family — ``<layer>_point.shp``, ``<layer>_line.shp``, ``<layer>_polygon.shp`` —
  each read back into the same layer by ``investmap load``;
* polygons are written as MultiPolygons (one type for the whole file), in the layer's CRS
  with its ``.prj``, text as UTF-8 with a ``.cpg``;
* field names are cut by GDAL in registry column order, which is exactly what
  :func:`layers.validate.dbf_names` maps back (``descriptio`` → description, ``descript_1`` →
  description_en); the names written are returned so the caller can list them.

Confidential columns are left out unless asked for (staff exchanging data with a GIS team).
"""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import numpy as np
import pyogrio
import shapely

from layers.registry import LayerSpec
from layers.validate import dbf_name

FAMILIES: dict[str, tuple[str, ...]] = {
    "point": ("Point", "MultiPoint"),
    "line": ("LineString", "MultiLineString", "LinearRing"),
    "polygon": ("Polygon", "MultiPolygon"),
}
"""Geometry family → the geometry types written into its shapefile."""
_TYPE_IDS = {"Point": 0, "LineString": 1, "LinearRing": 2, "Polygon": 3, "MultiPoint": 4,
             "MultiLineString": 5, "MultiPolygon": 6}


def write_shapefiles(frame: gpd.GeoDataFrame, spec: LayerSpec, folder: Path, *,
                     confidential: bool = False) -> dict[Path, list[str]]:
    """Write a layer into ``folder``; returns each ``.shp`` written with its field names.

    Raises
    ------
    ValueError
        The layer has no geometry, the frame no CRS, or a feature has no point, line or
        polygon geometry (nothing is written then).
    OSError
        The folder cannot be written.
    """
    if not spec.has_geometry or frame.crs is None:
        raise ValueError(f"{spec.name}: a shapefile needs geometries with a CRS")
    columns = [c.name for c in spec.columns if c.name in frame.columns
               and (confidential or not c.confidential)]
    names: list[str] = []
    taken: set[str] = set()
    for name in columns:
        names.append(dbf_name(name, taken))
        taken.add(names[-1].lower())
    folder.mkdir(parents=True, exist_ok=True)
    types = shapely.get_type_id(frame.geometry.values)
    known = np.isin(types, [_TYPE_IDS[k] for kinds in FAMILIES.values() for k in kinds])
    if not known.all():
        rows = frame.loc[~known, spec.id_column].astype(str).tolist()
        raise ValueError(f"{spec.name}: {len(rows)} feature(s) without a point, line or "
                         f"polygon geometry ({spec.id_column} {rows[:5]}); a shapefile cannot "
                         "hold them")
    written: dict[Path, list[str]] = {}
    for family, kinds in FAMILIES.items():
        mask = np.isin(types, [_TYPE_IDS[k] for k in kinds])
        part = frame.loc[mask, [*columns, frame.geometry.name]].rename(
            columns=dict(zip(columns, names, strict=True)))
        if part.empty:
            continue
        path = folder / (f"{spec.name}.shp" if spec.geometry != "any"
                         else f"{spec.name}_{family}.shp")
        _write(part, path, promote=family != "point")
        written[path] = names
    return written


def _write(part: gpd.GeoDataFrame, path: Path, *, promote: bool) -> None:
    """Write one shapefile through a temporary name, so a failed write leaves nothing."""
    tmp = path.with_name(f".partial-{path.stem}.shp")
    pyogrio.write_dataframe(part, tmp, driver="ESRI Shapefile", encoding="UTF-8",
                            promote_to_multi=promote)
    for suffix in (".shp", ".shx", ".dbf", ".prj", ".cpg"):
        source = tmp.with_suffix(suffix)
        if source.exists():
            source.replace(path.with_suffix(suffix))

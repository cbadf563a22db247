"""Write parcels as the ministry's coordinate TXT (部标 format, shared/domain.md §7).

The writer is the reader's inverse: :func:`write_coord_txt` then
:func:`layers.formats.coord_txt.parse_coord_txt` gives back the geometry (to the written
precision, 1 mm) and the attributes (地块编号, 地块名称, 图幅号, 地块用途, 地类编码).
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Mapping
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from pyproj import CRS

from geo.crs import gk3_zone_for_lon
from layers.formats.coord_txt import COORD_SECTION, HEADER_KEYS, HEADER_SECTION
from layers.formats.gk import DATUM_LABELS, GKZone, gk_zone, zone_of_crs
from layers.registry import LAND_USES

DEFAULT_HEADER = {
    "格式版本号": "1.01版本",
    "数据产生单位": "InvestMap",
    "投影类型": "高斯克吕格",
    "计量单位": "米",
    "精度": "0.001",
    "转换参数": ",,,,,,",
}
COLUMN_SOURCES = {
    "地块编号": ("parcel_id", "地块编号", "redline_id"),
    "地块名称": ("地块名称", "name"),
    "图幅号": ("图幅号",),
    "地类编码": ("land_use", "地类编码"),
    "地块用途": ("地块用途",),
}
"""Header-line field → frame columns it is taken from, first present wins."""


def target_zone(frame: gpd.GeoDataFrame, *, zone_prefix: bool) -> GKZone:
    """The GK zone to write in: the frame's own GK system, else CGCS2000 3° from longitude."""
    if frame.crs is None:
        raise ValueError("the parcels have no CRS; validate them first")
    own = zone_of_crs(CRS(frame.crs))
    if own is not None:
        return gk_zone(own.datum, own.width, own.zone, prefixed=zone_prefix)
    lon = float(frame.to_crs(4490).geometry.union_all().centroid.x)
    return gk_zone("cgcs2000", 3, gk3_zone_for_lon(lon), prefixed=zone_prefix)


def _value(row: Mapping[str, object], key: str) -> str:
    for column in COLUMN_SOURCES[key]:
        value = row.get(column)
        if value is not None and not (isinstance(value, float) and np.isnan(value)):
            text = str(value).strip()
            if text and text not in ("nan", "None", "<NA>"):
                return text
    return ""


def _rings(geom: shapely.Geometry) -> list[np.ndarray]:
    """Outer ring then its holes, part after part (orientation set by the caller)."""
    parts = list(getattr(geom, "geoms", [geom]))
    rings: list[np.ndarray] = []
    for part in parts:
        rings.append(np.asarray(part.exterior.coords)[:, :2])
        rings.extend(np.asarray(hole.coords)[:, :2] for hole in part.interiors)
    return rings


def _parcel_lines(row: Mapping[str, object], geom: shapely.Geometry) -> list[str]:
    rings = _rings(geom)
    lines: list[str] = []
    number = 0
    for ring_no, ring in enumerate(rings, start=1):
        first_name = ""
        for i, (easting, northing) in enumerate(ring):
            if i == len(ring) - 1:
                name = first_name
            else:
                number += 1
                name = f"J{number}"
                first_name = first_name or name
            lines.append(f"{name},{ring_no},{northing:.3f},{easting:.3f}")
    use_code = _value(row, "地类编码")
    use_label = _value(row, "地块用途") or LAND_USES.get(use_code, ("", ""))[0]
    head = ",".join([str(len(lines)), f"{geom.area / 10_000:.4f}", _value(row, "地块编号"),
                     _value(row, "地块名称"), "面", _value(row, "图幅号"), use_label, use_code,
                     "@"])
    return [head, *lines]


def render_coord_txt(frame: gpd.GeoDataFrame, *, zone_prefix: bool = True,
                     header: Mapping[str, str] | None = None) -> str:
    """The file's text (``\\n`` line ends) for polygon parcels in any projected CRS.

    Parameters
    ----------
    frame : parcels (Polygon/MultiPolygon) with ``parcel_id`` or ``地块编号``; ``land_use``
        or ``地类编码``; optional ``地块名称``/``name`` and ``图幅号``.
    zone_prefix : write Y with the zone number in front (the usual 8-digit easting).
    header : values for [属性描述] keys other than 坐标系/几度分带/带号 (which follow the CRS).
    """
    zone = target_zone(frame, zone_prefix=zone_prefix)
    projected = frame.to_crs(zone.epsg)
    values = {**DEFAULT_HEADER, "数据产生日期": dt.date.today().isoformat(), **(header or {})}
    values.update({"坐标系": DATUM_LABELS[zone.datum], "几度分带": str(zone.width),
                   "带号": str(zone.zone)})
    keys = [*HEADER_KEYS, *(k for k in values if k not in HEADER_KEYS)]
    lines = [HEADER_SECTION, *(f"{k}={values.get(k, '')}" for k in keys), COORD_SECTION]
    # outer rings clockwise, holes counter-clockwise: the surveyors' habit
    geoms = shapely.orient_polygons(np.asarray(projected.geometry.values), exterior_cw=True)
    rows = pd.DataFrame(projected.drop(columns=projected.geometry.name)).to_dict("records")
    for row, geom in zip(rows, geoms, strict=True):
        if geom is None or geom.is_empty or geom.geom_type not in ("Polygon", "MultiPolygon"):
            raise ValueError(f"parcel {_value(row, '地块编号')!r}: geometry {geom!r} is not a "
                             "polygon; only polygons can be written")
        lines.extend(_parcel_lines(row, geom))
    return "\n".join(lines) + "\n"


def write_coord_txt(frame: gpd.GeoDataFrame, path: str | Path, *, encoding: str = "gbk",
                    zone_prefix: bool = True, header: Mapping[str, str] | None = None,
                    newline: str = "\r\n") -> Path:
    """Write parcels as a coordinate TXT, atomically (temporary file, then rename).

    Parameters
    ----------
    frame, zone_prefix, header : see :func:`render_coord_txt`.
    path : output file.
    encoding : ``gbk`` (what most receiving systems expect), ``utf-8``, ``utf-8-sig``,
        ``utf-16``.
    newline : line ending, CRLF by default as files from Windows tools.
    """
    path = Path(path)
    data = render_coord_txt(frame, zone_prefix=zone_prefix, header=header)
    payload = data.replace("\n", newline).encode(encoding)
    tmp = path.with_name(f".{path.name}.partial")
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        tmp.write_bytes(payload)
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
    return path

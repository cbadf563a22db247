"""Compliance review pipeline (合规审查): read a boundary file, judge it against a county.

Every boundary source funnels into :func:`boundary_frame` — a file through the same readers as
``investmap import`` (:func:`layers.io.read_frame`), a polygon drawn in the app through
:func:`drawn_boundary` — and then :func:`review`, which calls the pure kernel
:mod:`geo.compliance`. Nothing is stored.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from pyproj import CRS

from geo.chinacoords import bd09_to_wgs84, gcj02_to_wgs84, transform_geometries
from geo.compliance import (
    FEATURE_ID,
    BoundaryError,
    check_boundaries,
    compliance_table,
    conflict_areas,
    corner_points,
    touched,
)
from geo.redlines import RedlineCategory
from layers.county import County
from layers.io import ReadError, ReadOptions, read_frame
from layers.registry import LAYERS
from layers.supply import supply_rules

COORDS = ("wgs84", "cgcs2000", "gcj02", "bd09")
ID_NAMES = ("feature_id", "parcel_id", "地块编号", "编号", "id", "name", "名称", "地块名称")
RING_NAMES = ("ring", "圈号")
EXTENT_MARGIN_M = 2_000.0
"""The county extent, when no county boundary is loaded, is its layers' envelope plus this."""


class CoordsNeeded(BoundaryError):
    """The boundary is in degrees and nobody said which lon/lat system (WGS84, CGCS2000,
    GCJ-02 or BD-09): a wrong guess moves it 300–700 m, so the caller must ask."""


@dataclass
class Boundary:
    """Boundary features in the county's working CRS, with names for messages."""

    frame: gpd.GeoDataFrame  # feature_id + geometry
    labels: list[str]
    source: str
    source_crs: str


@dataclass
class LayerInfo:
    """A control layer as the report names it."""

    name: str
    label_zh: str
    label_en: str
    features: int
    as_of: str


@dataclass
class Review:
    """Everything a compliance report shows."""

    boundary: Boundary
    table: pd.DataFrame
    points: pd.DataFrame
    points_crs: CRS
    parcels: pd.DataFrame  # long form: feature_id, parcel_id, overlap_mu, share
    layers: list[LayerInfo]
    user: str
    when: dt.datetime
    categories: Mapping[str, RedlineCategory] = field(default_factory=dict)
    conflicts: gpd.GeoDataFrame | None = None  # conflicting parts per category (maps)


def boundary_frame(path: str | Path, *, crs: object = None, coords: str | None = None,
                   encoding: str | None = None, working_crs: object) -> Boundary:
    """Read a boundary file (coordinate TXT, DXF, Shapefile, GeoJSON, KML, GeoPackage, or a
    CSV/XLSX of points in ring order) into the working CRS.

    Raises
    ------
    layers.io.ReadError
        The file cannot be read.
    CoordsNeeded
        Degrees without ``coords`` (a :class:`geo.compliance.BoundaryError`).
    geo.compliance.BoundaryError
        No CRS, open rings; names the feature and the fix.
    """
    path = Path(path)
    if coords is not None and coords not in COORDS:
        raise BoundaryError(f"--coords {coords!r} is unknown; fix: use one of {list(COORDS)}")
    raw = read_frame(path, ReadOptions(crs=crs, coords=coords, encoding=encoding))
    frame = raw.frame
    labels = list(raw.row_labels or [f"feature {i + 1}" for i in range(len(frame))])
    if not isinstance(frame, gpd.GeoDataFrame):
        raise BoundaryError(f"{path}: no geometry found; fix: give a spatial file or a table "
                            "with lon/lat (or x/y and --crs) columns of the 界址点 in ring order")
    if frame.crs is None:
        raise BoundaryError(f"{path}: no coordinate system; fix: pass --crs EPSG (e.g. 4546 "
                            "for CGCS2000 GK zone 37 without zone prefix, 4525 with it)")
    frame = frame[~frame.geometry.isna()]
    if len(frame) and (shapely.get_type_id(frame.geometry.values) == 0).all():
        frame, labels = _rings_from_points(frame, labels, str(path))
    source_crs = CRS(frame.crs).name
    if CRS(frame.crs).is_geographic:
        if coords is None:
            raise CoordsNeeded(
                f"{path}: the boundary is in degrees ({source_crs}) and the coordinate "
                "system is not stated; fix: pass --coords wgs84 (GPS, GeoJSON), cgcs2000, "
                "gcj02 (Gaode/Tencent pickers) or bd09 (Baidu) — a wrong guess moves it "
                "300–700 m")
        if path.suffix.lower() not in (".csv", ".xlsx"):  # tables shift rows themselves
            frame = _shift_to_wgs84(frame, coords)
        source_crs = f"{source_crs} ({coords})"
    ids = _feature_ids(frame, len(labels))
    labels = [f"{label} ({fid})" if str(fid) not in label else label
              for label, fid in zip(labels, ids, strict=True)]
    out = gpd.GeoDataFrame({FEATURE_ID: ids}, geometry=frame.geometry.values, crs=frame.crs)
    return Boundary(out.to_crs(working_crs), labels, str(path), source_crs)


def drawn_boundary(geojson_geometry: dict, *, working_crs: object,
                   name: str = "drawn") -> Boundary:
    """A polygon drawn on the web map (GeoJSON in WGS84 lon/lat) as a :class:`Boundary`."""
    geom = shapely.geometry.shape(geojson_geometry)
    frame = gpd.GeoDataFrame({FEATURE_ID: [name]}, geometry=[geom], crs=4326)
    return Boundary(frame.to_crs(working_crs), [f"drawn polygon ({name})"], "map",
                    "WGS 84 (drawn)")


def review(county: County, boundary: Boundary, *, user: str,
           when: dt.datetime | None = None, threads: int = 1) -> Review:
    """Judge ``boundary`` against ``county``'s red lines; list touched parks and parcels.

    Raises
    ------
    geo.compliance.BoundaryError
        Open, self-crossing or empty boundaries, or boundaries outside the county.
    """
    check_boundaries(boundary.frame, labels=boundary.labels, extent=county_extent(county))
    rules = supply_rules(county.policy)
    redlines = county.layers.get("redline")
    if redlines is None:
        redlines = gpd.GeoDataFrame({"category": pd.Series([], dtype=object)},
                                    geometry=gpd.GeoSeries([], crs=county.crs), crs=county.crs)
    parcels = county.layers.get("parcel")
    table = compliance_table(boundary.frame, redlines, rules, parcels=parcels,
                             parks=county.layers.get("park"), threads=threads)
    points, points_crs = corner_points(boundary.frame)
    hits = pd.DataFrame(columns=[FEATURE_ID, "parcel_id", "overlap_mu", "share"])
    if parcels is not None:
        hits = touched(boundary.frame, parcels, "parcel_id", rules)
        hits.insert(0, FEATURE_ID, boundary.frame[FEATURE_ID].to_numpy()[hits.pop("row")])
    infos = [layer_info(county, name) for name in ("redline", "park", "parcel")
             if name in county.layers]
    return Review(boundary, table, points, points_crs, hits, infos, user,
                  when or dt.datetime.now().astimezone(), rules.categories,
                  conflict_areas(boundary.frame, redlines, rules))


def county_extent(county: County) -> shapely.Geometry:
    """The county's area: its ``context`` county boundary when loaded, else the envelope of
    its parks, parcels and red lines widened by :data:`EXTENT_MARGIN_M`."""
    context = county.layers.get("context")
    if context is not None and "kind" in context.columns:
        outline = context[context["kind"] == "county_boundary"]
        polys = outline.geometry.values[np.isin(shapely.get_type_id(outline.geometry.values),
                                                (3, 6))]
        if len(polys):
            return shapely.union_all(polys).buffer(EXTENT_MARGIN_M / 4)
    bounds = [county[name].total_bounds for name in ("park", "parcel", "redline")
              if name in county.layers and len(county[name])]
    if not bounds:
        raise BoundaryError(f"{county.source}: the county has no spatial layer to check the "
                            "boundary against; fix: load parks, parcels or red lines first")
    b = np.array(bounds)
    return shapely.box(b[:, 0].min(), b[:, 1].min(), b[:, 2].max(),
                       b[:, 3].max()).buffer(EXTENT_MARGIN_M, join_style="mitre")


def layer_info(county: County, name: str) -> LayerInfo:
    """Name, feature count and as-of date of one layer.

    The as-of date is the layer's ``attrs["as_of"]`` when its loader recorded one, else the
    date recorded in the store when the layer was loaded (layers/freshness.py), else ``""``
    (not recorded: a file's copy date says nothing about the data).
    """
    from layers.freshness import layer_freshness

    frame = county[name]
    spec = LAYERS[name]
    as_of = frame.attrs.get("as_of")
    recorded = layer_freshness(county).get(name)
    if as_of is None and recorded is not None and recorded.as_of is not None:
        as_of = recorded.as_of.date().isoformat()
    return LayerInfo(name, spec.zh, spec.en, len(frame), "" if as_of is None else str(as_of)[:10])


def _feature_ids(frame: pd.DataFrame, n: int) -> list[str]:
    lower = {str(c).strip().lower(): c for c in frame.columns}
    for name in ID_NAMES:
        column = lower.get(name)
        if column is not None and frame[column].notna().all():
            values = [str(v).strip() for v in frame[column]]
            if all(values) and len(set(values)) == len(values):
                return values
    return [str(i + 1) for i in range(n)]


def _rings_from_points(frame: gpd.GeoDataFrame, labels: list[str], source: str,
                       ) -> tuple[gpd.GeoDataFrame, list[str]]:
    """Points in ring order → one polygon per feature (first ring outer, later rings holes).

    The feature is the value of the first id column (:data:`ID_NAMES`) present, the ring the
    ``ring``/``圈号`` column; every ring must be closed (last point = first point).
    """
    lower = {str(c).strip().lower(): c for c in frame.columns}
    fcol = next((lower[n] for n in ID_NAMES if n in lower), None)
    rcol = next((lower[n] for n in RING_NAMES if n in lower), None)
    feature = frame[fcol].astype(str).to_numpy() if fcol else np.full(len(frame), "1")
    ring = frame[rcol].astype(str).to_numpy() if rcol else np.full(len(frame), "1")
    xy = shapely.get_coordinates(frame.geometry.values)
    rows, names = [], []
    for fid in pd.unique(feature):
        shells = []
        for rid in pd.unique(ring[feature == fid]):
            idx = np.flatnonzero((feature == fid) & (ring == rid))
            pts = xy[idx]
            where = f"{source}: feature {fid}, ring {rid} ({labels[idx[0]]}–{labels[idx[-1]]})"
            if len(pts) < 4:
                raise BoundaryError(f"{where}: only {len(pts)} points; fix: a ring needs at "
                                    "least 3 corners plus the closing point")
            if not np.allclose(pts[0], pts[-1], rtol=0, atol=1e-9):
                raise BoundaryError(f"{where}: the ring is open (last point differs from the "
                                    "first); fix: repeat the first 界址点 at the end of the ring")
            shells.append(pts)
        rows.append({FEATURE_ID: fid, "geometry": shapely.Polygon(shells[0], shells[1:])})
        names.append(f"feature {fid}")
    if not rows:
        raise ReadError(f"{source}: no points; fix: list the 界址点 in ring order")
    return gpd.GeoDataFrame(rows, geometry="geometry", crs=frame.crs), names


def _shift_to_wgs84(frame: gpd.GeoDataFrame, coords: str) -> gpd.GeoDataFrame:
    """GCJ-02/BD-09 degrees (stored as if WGS84) → WGS84; WGS84/CGCS2000 unchanged."""
    func = {"gcj02": gcj02_to_wgs84, "bd09": bd09_to_wgs84}.get(coords)
    if func is None:
        return frame
    lonlat = frame.to_crs(4326)
    shifted = transform_geometries(lonlat.geometry.values, func)
    return gpd.GeoDataFrame(lonlat.drop(columns=lonlat.geometry.name), geometry=shifted,
                            crs=4326)

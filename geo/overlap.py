"""Red-line overlaps per parcel and category, in 亩 (shared/domain.md §2, §3).

For every parcel and every red-line category the *conflicting* area: the part inside the
category's polygons (``conflict="inside"``: eco red line, farmland, another plot's red line) or
the part outside them (``conflict="outside"``: the urban development boundary).

How it stays exact and fast (shared/pitfalls.md, "Geometry and speed"):

1. Polygons of one category are dissolved (``union_all``) so that overlapping polygons are
   never counted twice, split into their parts, and huge parts are subdivided; the resulting
   pieces are disjoint, so a parcel's overlap is the plain sum over the pieces it meets.
2. Plot red lines that name their own parcel (``parcel_id``) are kept as drawn: a plot's own
   用地红线 never conflicts with that plot, so it cannot be merged into a shared union. Where a
   parcel meets such a polygon and something else of the same category, the clipped parts are
   unioned per parcel.
3. One bulk ``STRtree.query`` per category gives candidate pairs; a parcel properly inside a
   (prepared) piece takes its own area without an intersection; only the remaining pairs are
   intersected.
4. Parcels are processed in chunks on a thread pool: shapely releases the GIL in GEOS calls.
   GEOS prepared geometries are not thread-safe (lazy internal indexes, libgeos/geos#825), so
   every worker thread gets its own copy of the red-line pieces, prepared and indexed.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from geo.crs import CRSError, require_projected
from geo.redlines import RedlineCategory
from geo.units import M2_PER_MU

OVERLAP_PREFIX = "overlap_mu_"
SHARE_PREFIX = "share_"
MAX_PIECE_VERTICES = 256
"""Dissolved parts with more vertices than this are subdivided (cheaper intersections)."""
CHUNK_SIZE = 20_000
"""Parcels per unit of work on the thread pool."""

_POLYGON_TYPES = (3, 6)  # shapely type ids: Polygon, MultiPolygon


def overlap_column(category: str) -> str:
    """Name of the column holding the conflicting area (亩) of ``category``."""
    return f"{OVERLAP_PREFIX}{category}"


def share_column(category: str) -> str:
    """Name of the column holding the conflicting share (0..1) of ``category``."""
    return f"{SHARE_PREFIX}{category}"


def overlap_table(parcels: gpd.GeoDataFrame, redlines: gpd.GeoDataFrame,
                  categories: Mapping[str, RedlineCategory], *, threads: int = 1,
                  ) -> pd.DataFrame:
    """Conflicting red-line area and share of every parcel, per category.

    Parameters
    ----------
    parcels : ``parcel_id`` and polygon geometry, in a projected metric CRS.
    redlines : ``category`` (+ optional ``parcel_id``, the plot a 用地红线 belongs to) and
        polygon geometry, in the same CRS as ``parcels``.
    categories : the categories to report (from the policy); every category found in
        ``redlines`` must be among them. A category with no polygon in ``redlines`` is still
        reported: 0 for ``conflict="inside"``, the whole parcel for ``conflict="outside"``.
    threads : worker threads for the geometry work (GEOS releases the GIL); 0 uses every
        core.

    Returns
    -------
    pandas.DataFrame
        Same index as ``parcels``. Columns ``parcel_id``, ``area_mu`` and, per category,
        ``overlap_mu_<cat>`` (conflicting area in 亩: ``inside`` → area(parcel ∩ ⋃ polygons);
        ``outside`` → area(parcel) − area(parcel ∩ ⋃ polygons)) and ``share_<cat>``
        (= overlap ÷ area, 0..1; 0 for an empty parcel).

    Raises
    ------
    geo.crs.CRSError
        If either layer has no CRS, a geographic CRS, or the two CRS differ.
    ValueError
        If a required column is missing or ``redlines`` holds undeclared categories.
    """
    _check_inputs(parcels, redlines, categories)
    geoms = np.asarray(parcels.geometry.values, dtype=object)
    ids = parcels["parcel_id"].astype(object).to_numpy()
    area_m2 = shapely.area(geoms)
    try:
        layers = {name: _CategoryLayer.build(redlines, name) for name in categories}
        inside = _inside_areas(geoms, ids, area_m2, layers, threads=threads)
    except shapely.errors.GEOSException as exc:
        raise _invalid_geometry_error(parcels, redlines, exc) from exc

    out = pd.DataFrame({"parcel_id": ids, "area_mu": area_m2 / M2_PER_MU}, index=parcels.index)
    safe_area = np.where(area_m2 > 0, area_m2, 1.0)
    for name, category in categories.items():
        within = np.clip(inside[name], 0.0, area_m2)
        conflict = within if category.conflict == "inside" else area_m2 - within
        out[overlap_column(name)] = conflict / M2_PER_MU
        out[share_column(name)] = np.where(area_m2 > 0, conflict / safe_area, 0.0)
    return out


# -- validate -----------------------------------------------------------------------------


def _check_inputs(parcels: gpd.GeoDataFrame, redlines: gpd.GeoDataFrame,
                  categories: Mapping[str, RedlineCategory]) -> None:
    for frame, what, needed in ((parcels, "parcels", "parcel_id"),
                                (redlines, "red lines", "category")):
        if not isinstance(frame, gpd.GeoDataFrame):
            raise ValueError(f"{what}: expected a GeoDataFrame, got {type(frame).__name__}")
        if needed not in frame.columns:
            raise ValueError(f"{what}: column {needed!r} is missing; columns: "
                             f"{list(frame.columns)}")
    crs = require_projected(parcels.crs, what="parcel overlaps")
    if len(redlines):
        other = require_projected(redlines.crs, what="red-line overlaps")
        if not crs.equals(other):
            raise CRSError(f"parcels are in {crs.name} but red lines in {other.name}; "
                           "reproject both to the working CRS first")
    found = set(redlines["category"].dropna().astype(str))
    unknown = sorted(found - set(categories))
    if unknown:
        raise ValueError(f"red lines: undeclared categories {unknown}; declare them under "
                         f"redlines.categories in the policy file (declared: {list(categories)})")
    for frame, what in ((parcels, "parcels"), (redlines, "red lines")):
        types = shapely.get_type_id(np.asarray(frame.geometry.values, dtype=object))
        bad = ~np.isin(types, _POLYGON_TYPES)
        if bad.any():
            row = frame.index[int(np.flatnonzero(bad)[0])]
            raise ValueError(f"{what}: row {row!r} is not a Polygon/MultiPolygon "
                             f"({int(bad.sum())} such rows); validate the layer first")


def _invalid_geometry_error(parcels: gpd.GeoDataFrame, redlines: gpd.GeoDataFrame,
                            exc: Exception) -> ValueError:
    """Name the invalid rows that made GEOS fail (the validator repairs them on import)."""
    found = []
    for frame, what in ((parcels, "parcels"), (redlines, "red lines")):
        geoms = np.asarray(frame.geometry.values, dtype=object)
        bad = np.flatnonzero(~shapely.is_valid(geoms))
        found += [f"{what} row {frame.index[i]!r} ({shapely.is_valid_reason(geoms[i])})"
                  for i in bad[:5]]
    where = "; ".join(found) or "no invalid row found"
    return ValueError(f"geometry error ({exc}): {where}; run the layers through "
                      "`investmap validate` (it repairs or reports invalid polygons)")


# -- prepare one category -------------------------------------------------------------------


@dataclass(frozen=True)
class _CategoryLayer:
    """Disjoint dissolved pieces plus owned plot red lines of one category, indexed."""

    geoms: np.ndarray  # shapely geometries, prepared
    owners: np.ndarray  # parcel_id owning the polygon, None for dissolved pieces
    has_owned: bool
    tree: shapely.STRtree

    @classmethod
    def build(cls, redlines: gpd.GeoDataFrame, category: str) -> _CategoryLayer:
        rows = (redlines["category"].astype(object) == category).to_numpy(dtype=bool)
        geoms = np.asarray(redlines.geometry.values, dtype=object)[rows]
        if "parcel_id" in redlines.columns:
            owner_col = redlines["parcel_id"].astype(object)
            owners = owner_col.where(owner_col.notna(), None).to_numpy()[rows]
        else:
            owners = np.full(len(geoms), None, dtype=object)
        owned = np.array([o is not None for o in owners], dtype=bool)
        pieces = dissolve_pieces(geoms[~owned])
        all_geoms = np.concatenate([pieces, geoms[owned]])
        all_owners = np.concatenate([np.full(len(pieces), None, dtype=object), owners[owned]])
        shapely.prepare(all_geoms)
        return cls(all_geoms, all_owners, bool(owned.any()), shapely.STRtree(all_geoms))

    def copy(self) -> _CategoryLayer:
        """An independent copy (new GEOS objects, prepared and indexed) for another thread."""
        geoms = shapely.from_wkb(shapely.to_wkb(self.geoms, output_dimension=2))
        shapely.prepare(geoms)
        return _CategoryLayer(geoms, self.owners, self.has_owned, shapely.STRtree(geoms))


def dissolve_pieces(geoms: np.ndarray, *, max_vertices: int = MAX_PIECE_VERTICES,
                    ) -> np.ndarray:
    """Dissolve polygons into disjoint polygonal pieces of at most ``max_vertices`` vertices.

    The union of the pieces equals the union of ``geoms``; pieces share at most edges, so
    areas summed over pieces never double-count an overlap.
    """
    if len(geoms) == 0:
        return np.empty(0, dtype=object)
    component = _overlap_components(geoms)
    order = np.argsort(component, kind="stable")
    groups = np.split(order, np.flatnonzero(np.diff(component[order])) + 1)
    merged = [geoms[g[0]] if len(g) == 1 else shapely.union_all(geoms[g]) for g in groups]
    parts = shapely.get_parts(np.array(merged, dtype=object))
    parts = parts[np.isin(shapely.get_type_id(parts), _POLYGON_TYPES)]
    out: list[shapely.Geometry] = []
    for part in parts:
        out.extend(_subdivide(part, max_vertices))
    return np.array(out, dtype=object)


def _overlap_components(geoms: np.ndarray) -> np.ndarray:
    """Label of the connected component (by ``intersects``) of every polygon.

    Unioning each component on its own is much cheaper than one ``union_all`` over thousands
    of far-apart polygons, and gives the same pieces.
    """
    left, right = shapely.STRtree(geoms).query(geoms, predicate="intersects")
    label = np.arange(len(geoms))
    while True:
        before = label.copy()
        np.minimum.at(label, left, label[right])
        np.minimum.at(label, right, label[left])
        label = label[label]
        if np.array_equal(label, before):
            return label


def _subdivide(geom: shapely.Geometry, max_vertices: int, depth: int = 0) -> list:
    """Split ``geom`` in halves of its bounding box until each piece is small enough."""
    if shapely.get_num_coordinates(geom) <= max_vertices or depth >= 24:
        return [geom]
    xmin, ymin, xmax, ymax = geom.bounds
    if xmax - xmin >= ymax - ymin:
        mid = (xmin + xmax) / 2
        halves = [shapely.box(xmin, ymin, mid, ymax), shapely.box(mid, ymin, xmax, ymax)]
    else:
        mid = (ymin + ymax) / 2
        halves = [shapely.box(xmin, ymin, xmax, mid), shapely.box(xmin, mid, xmax, ymax)]
    out: list[shapely.Geometry] = []
    for half in shapely.intersection(geom, halves):
        parts = shapely.get_parts(half)
        for part in parts[shapely.get_type_id(parts) == 3]:
            if not part.is_empty:
                out.extend(_subdivide(part, max_vertices, depth + 1))
    return out


# -- compute ------------------------------------------------------------------------------


def _inside_areas(geoms: np.ndarray, ids: np.ndarray, area_m2: np.ndarray,
                  layers: Mapping[str, _CategoryLayer], *, threads: int,
                  ) -> dict[str, np.ndarray]:
    """Area (m²) of each parcel inside the union of each category's polygons."""
    n = len(geoms)
    starts = list(range(0, n, CHUNK_SIZE)) or [0]
    results = {name: np.zeros(n) for name in layers}

    workers = max(1, min(int(threads or os.cpu_count() or 1), len(starts)))

    def work(worker: int) -> None:
        own = layers if worker == 0 else {k: v.copy() for k, v in layers.items()}
        for start in starts[worker::workers]:
            stop = min(start + CHUNK_SIZE, n)
            for name, layer in own.items():
                results[name][start:stop] = _inside_chunk(geoms[start:stop], ids[start:stop],
                                                          area_m2[start:stop], layer)

    if workers == 1:
        work(0)
    else:
        with ThreadPoolExecutor(max_workers=workers) as pool:
            list(pool.map(work, range(workers)))
    return results


def _inside_chunk(geoms: np.ndarray, ids: np.ndarray, area_m2: np.ndarray,
                  layer: _CategoryLayer) -> np.ndarray:
    inside = np.zeros(len(geoms))
    if len(layer.geoms) == 0 or len(geoms) == 0:
        return inside
    src, dst = layer.tree.query(geoms, predicate="intersects")
    if layer.has_owned:
        own = layer.owners[dst] == ids[src]
        src, dst = src[~own], dst[~own]
    if len(src) == 0:
        return inside
    full = shapely.contains_properly(layer.geoms[dst], geoms[src])
    pair_area = np.where(full, area_m2[src], 0.0)
    part = np.flatnonzero(~full)
    clipped = np.empty(len(src), dtype=object)
    clipped[full] = geoms[src[full]]
    clipped[part] = shapely.intersection(geoms[src[part]], layer.geoms[dst[part]])
    pair_area[part] = shapely.area(clipped[part])
    np.add.at(inside, src, pair_area)
    if layer.has_owned:
        _union_where_owned_overlap(inside, src, dst, pair_area, clipped, area_m2, layer)
    return inside


def _union_where_owned_overlap(inside: np.ndarray, src: np.ndarray, dst: np.ndarray,
                               pair_area: np.ndarray, clipped: np.ndarray,
                               area_m2: np.ndarray, layer: _CategoryLayer) -> None:
    """Replace summed areas by the area of the union where owned polygons may overlap others.

    Dissolved pieces are disjoint, but an owned plot red line may overlap another owned one or
    a piece; the summed areas would then count the shared part twice.
    """
    positive = pair_area > 0
    owned = np.array([o is not None for o in layer.owners[dst]], dtype=bool)
    hits = np.bincount(src[positive], minlength=len(inside))
    owned_hits = np.bincount(src[positive & owned], minlength=len(inside))
    redo = np.flatnonzero((hits > 1) & (owned_hits > 0))
    if len(redo) == 0:
        return
    order = np.argsort(src, kind="stable")
    s_src = src[order]
    bounds = np.searchsorted(s_src, redo), np.searchsorted(s_src, redo, side="right")
    for parcel, lo, hi in zip(redo, *bounds, strict=True):
        pairs = order[lo:hi]
        pairs = pairs[positive[pairs]]
        union = shapely.union_all(clipped[pairs])
        inside[parcel] = min(float(shapely.area(union)), float(area_m2[parcel]))

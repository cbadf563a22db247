"""Compliance review of a boundary (合规审查, shared/domain.md §3, §10).

A planner hands in a boundary (界址点 coordinates, a drawing, a drawn polygon) and asks: does it
conflict with the red lines, and which parks and parcels does it touch? The answer uses the
same kernel and the same rules as parcel availability, so the column names and their meaning
equal ``investmap availability``: per category ``overlap_mu_<cat>`` (亩 inside the polygons, or
*outside* them for ``conflict: outside`` — the 城镇开发边界) and ``share_<cat>``.

How it stays exact and fast:

1. :func:`check_boundaries` refuses what cannot be judged (lines and open rings, self-crossing
   rings, empty parts, boundaries outside the county), naming the feature and the fix.
2. Only red-line polygons meeting a boundary are handed to :func:`geo.overlap.overlap_table`
   (one query of the red-line layer's spatial index, built once per loaded county). The set
   of judged categories is taken from the *whole* layer, so a boundary far from every urban
   boundary polygon is still reported as lying outside it.
3. Verdicts come from :func:`geo.availability.verdicts`: a boundary has no supply status, so it
   is judged as if offerable and only red lines speak.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from pyproj import CRS

from geo.availability import SupplyRules, verdicts
from geo.crs import CRSError, gk3_epsg, gk3_zone_for_lon, require_projected
from geo.errors import DataError
from geo.overlap import overlap_column, overlap_table
from geo.units import M2_PER_MU

FEATURE_ID = "feature_id"
VERDICTS: dict[str, tuple[str, str]] = {
    "compliant": ("符合管控要求", "Compliant"),
    "warning": ("符合，但有提示", "Compliant, with warnings"),
    "conflict": ("存在硬性冲突，不可供地", "Hard conflict: cannot be supplied"),
}
"""Overall verdict of one boundary: code → (中文, English)."""

_POLYGONAL = (3, 6)


class BoundaryError(DataError):
    """A boundary that cannot be judged; the message names the feature and the fix."""


def check_boundaries(boundaries: gpd.GeoDataFrame, *, labels: Sequence[str],
                     extent: shapely.Geometry | None = None) -> None:
    """Refuse boundaries that cannot be judged.

    Parameters
    ----------
    boundaries : boundary polygons in a projected metric CRS.
    labels : how to name each feature in messages ("feature 2 (J-01)", "line 14").
    extent : the county's area (or an envelope of its layers); a boundary that does not meet
        it is refused.

    Raises
    ------
    BoundaryError
        For the first kind of problem found, listing every feature that has it.
    geo.crs.CRSError
        When the boundaries are not in a projected metric CRS.
    """
    require_projected(boundaries.crs, what="boundary areas")
    geoms = np.asarray(boundaries.geometry.values, dtype=object)
    if len(geoms) == 0:
        raise BoundaryError("the file holds no boundary; fix: give a file with at least one "
                            "closed polygon")

    def named(mask: np.ndarray) -> str:
        return ", ".join(labels[i] for i in np.flatnonzero(mask)[:5]) + (
            f" and {int(mask.sum()) - 5} more" if mask.sum() > 5 else "")

    missing = shapely.is_missing(geoms) | shapely.is_empty(geoms)
    if missing.any():
        raise BoundaryError(f"{named(missing)}: empty geometry; fix: draw the boundary or "
                            "delete the feature")
    types = shapely.get_type_id(geoms)
    lines = np.isin(types, (1, 2, 5))
    if lines.any():
        raise BoundaryError(f"{named(lines)}: the boundary is an open line, not a closed "
                            "polygon; fix: close every ring (the last point must repeat the "
                            "first) and export it as a polygon")
    other = ~np.isin(types, _POLYGONAL)
    if other.any():
        raise BoundaryError(f"{named(other)}: points or mixed geometry, not a polygon; fix: "
                            "give the boundary as a polygon (or as points in ring order)")
    invalid = ~shapely.is_valid(geoms)
    if invalid.any():
        reasons = "; ".join(f"{labels[i]}: {shapely.is_valid_reason(geoms[i])}"
                            for i in np.flatnonzero(invalid)[:5])
        raise BoundaryError(f"self-crossing or overlapping rings ({reasons}); fix: put the "
                            "界址点 in order along the boundary so that no edge crosses another "
                            "(a bow-tie has two points swapped)")
    if extent is not None:
        outside = ~shapely.intersects(geoms, extent)
        if outside.any():
            x, y = shapely.get_coordinates(shapely.centroid(geoms[outside][0]))[0]
            raise BoundaryError(
                f"{named(outside)}: outside the county (centre at E {x:,.0f} m, N {y:,.0f} m "
                f"in {boundaries.crs.name}); fix: check the coordinate system (--crs, --coords "
                "and the zone prefix of Y) or that the boundary belongs to this county")


def compliance_table(boundaries: gpd.GeoDataFrame, redlines: gpd.GeoDataFrame,
                     rules: SupplyRules, *, parcels: gpd.GeoDataFrame | None = None,
                     parks: gpd.GeoDataFrame | None = None, threads: int = 1,
                     ) -> pd.DataFrame:
    """Red-line overlaps, touched parks and parcels, and a verdict per boundary feature.

    Parameters
    ----------
    boundaries : ``feature_id`` and polygon geometry (checked by :func:`check_boundaries`),
        in the county's working CRS.
    redlines : the county's red lines (``category``, optional ``parcel_id``), same CRS.
    rules : supply rules (categories, touch tolerance).
    parcels, parks : optional layers whose features the boundary touches are listed; a touch
        smaller than the tolerance (shared/domain.md §3) does not count.
    threads : worker threads for the overlap kernel.

    Returns
    -------
    pandas.DataFrame
        Same index as ``boundaries``: ``feature_id``, ``area_mu``, per category present in
        ``redlines`` ``overlap_mu_<cat>`` and ``share_<cat>``, ``verdict`` (a key of
        :data:`VERDICTS`), ``compliant`` (no hard conflict), ``reasons`` (tuple of codes),
        ``reasons_zh``, ``reasons_en``, ``parks`` and ``parcels`` (touched ids,
        comma-separated, largest overlap first).
    """
    if FEATURE_ID not in boundaries.columns:
        raise ValueError(f"boundaries: column {FEATURE_ID!r} is missing")
    present = set(redlines["category"].dropna().astype(str)) if len(redlines) else set()
    categories = {k: v for k, v in rules.categories.items() if k in present}
    near = _near(redlines, boundaries)
    frame = gpd.GeoDataFrame({"parcel_id": boundaries[FEATURE_ID].astype(str).to_numpy()},
                             geometry=boundaries.geometry.values, crs=boundaries.crs,
                             index=boundaries.index)
    overlaps = overlap_table(frame, near, categories, threads=threads)
    # A boundary has no supply status: judge it as offerable so that only red lines speak.
    judged = dataclasses.replace(rules, offerable_statuses=("boundary",))
    status = pd.DataFrame({"status": "boundary"}, index=boundaries.index)
    out = verdicts(status, overlaps, judged).rename(columns={"parcel_id": FEATURE_ID})
    out[FEATURE_ID] = boundaries[FEATURE_ID].to_numpy()
    hard = ~out["available"].to_numpy(dtype=bool)
    warned = out["reasons"].map(len).to_numpy() > 0
    out["verdict"] = np.where(hard, "conflict", np.where(warned, "warning", "compliant"))
    out["compliant"] = ~hard
    out = out.drop(columns=["available"])
    clean = ~warned
    out.loc[clean, "reasons_zh"] = "未发现与管控红线冲突"
    out.loc[clean, "reasons_en"] = "no red-line conflict found"
    for layer, id_column, column in ((parks, "park_id", "parks"),
                                     (parcels, "parcel_id", "parcels")):
        ids = touched(boundaries, layer, id_column, rules) if layer is not None else None
        out[column] = ("" if ids is None else
                       ids.groupby("row")[id_column].agg(",".join)
                       .reindex(range(len(out)), fill_value="").to_numpy())
    return out


def touched(boundaries: gpd.GeoDataFrame, layer: gpd.GeoDataFrame, id_column: str,
            rules: SupplyRules) -> pd.DataFrame:
    """Features of ``layer`` that each boundary overlaps beyond the touch tolerance.

    Returns
    -------
    pandas.DataFrame
        Long form, one row per (boundary, feature): ``row`` (position of the boundary),
        ``id_column``, ``overlap_mu`` and ``share`` (of the feature's own area); largest
        overlap first within a boundary.
    """
    geoms = np.asarray(boundaries.geometry.values, dtype=object)
    others = np.asarray(layer.geometry.values, dtype=object)
    src, dst = layer.sindex.query(geoms, predicate="intersects")
    inter = shapely.area(shapely.intersection(geoms[src], others[dst]))
    own = shapely.area(others[dst])
    share = np.divide(inter, own, out=np.zeros_like(inter), where=own > 0)
    mu = inter / M2_PER_MU
    tol = rules.tolerance
    keep = (mu > 0) & ((mu >= tol.min_mu) | (share >= tol.min_share))
    ids = layer[id_column].iloc[dst[keep]].astype(str).to_numpy()  # only the hits: cheap
    out = pd.DataFrame({"row": src[keep], id_column: ids,
                        "overlap_mu": mu[keep], "share": share[keep]})
    return out.sort_values(["row", "overlap_mu", id_column],
                           ascending=[True, False, True]).reset_index(drop=True)


def _near(redlines: gpd.GeoDataFrame, boundaries: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Red-line rows meeting any boundary (others cannot change the result)."""
    if not len(redlines):
        return redlines
    crs = require_projected(boundaries.crs, what="boundary overlaps")
    if not crs.equals(require_projected(redlines.crs, what="red-line overlaps")):
        raise CRSError(f"the boundary is in {crs.name} but the red lines in "
                       f"{redlines.crs.name}; reproject the boundary to the working CRS")
    _, hit = redlines.sindex.query(np.asarray(boundaries.geometry.values, dtype=object),
                                   predicate="intersects")
    return redlines.iloc[np.unique(hit)]


def corner_points(boundaries: gpd.GeoDataFrame) -> tuple[pd.DataFrame, CRS]:
    """The 界址点 table of every boundary in its CGCS2000 3° Gauss–Krüger zone.

    Points are numbered J1, J2 … per feature along each ring (ring 1 = outer ring of the
    first part, further rings are holes or further parts); the closing point that repeats
    the first is not listed again. X is the northing, Y the easting with the zone prefix
    (surveying convention, shared/domain.md §6-7), both rounded to 0.001 m.

    Returns
    -------
    (table, crs)
        ``feature_id``, ``ring``, ``point_no``, ``x_northing``, ``y_easting``; and the
        prefixed GK CRS the figures are in (zone of the boundaries' mean longitude).
    """
    lonlat = boundaries.geometry.to_crs(4490)
    lon = float(np.mean(shapely.get_coordinates(lonlat.values.envelope)[:, 0]))
    crs = CRS.from_epsg(gk3_epsg(gk3_zone_for_lon(lon), prefixed=True))
    gk = boundaries.geometry.to_crs(crs).values
    rows: list[tuple[object, int, str, float, float]] = []
    for fid, geom in zip(boundaries[FEATURE_ID].to_numpy(), gk, strict=True):
        number, ring_no = 0, 0
        for part in shapely.get_parts(geom):
            for ring in [part.exterior, *part.interiors]:
                ring_no += 1
                for x, y in np.asarray(ring.coords)[:-1, :2]:
                    number += 1
                    rows.append((fid, ring_no, f"J{number}", round(float(y), 3),
                                 round(float(x), 3)))
    table = pd.DataFrame(rows, columns=[FEATURE_ID, "ring", "point_no", "x_northing",
                                        "y_easting"])
    return table, crs


def overlap_columns(table: pd.DataFrame) -> list[str]:
    """Categories judged in a compliance (or availability) table, in column order."""
    prefix = overlap_column("")
    return [c[len(prefix):] for c in table.columns if c.startswith(prefix)]


def conflict_areas(boundaries: gpd.GeoDataFrame, redlines: gpd.GeoDataFrame,
                   rules: SupplyRules) -> gpd.GeoDataFrame:
    """The conflicting parts of the boundaries, for maps: per category present, the part
    inside its polygons (``conflict: inside``) or outside them (``conflict: outside``).

    Returns
    -------
    geopandas.GeoDataFrame
        ``category``, ``severity`` and the (multi)polygon, one row per category with a
        non-empty conflict; same CRS as ``boundaries``.
    """
    whole = shapely.union_all(np.asarray(boundaries.geometry.values, dtype=object))
    near = _near(redlines, boundaries)
    present = set(redlines["category"].dropna().astype(str)) if len(redlines) else set()
    rows = []
    for name, category in rules.categories.items():
        if name not in present:
            continue
        polys = near.geometry.values[(near["category"] == name).to_numpy()]
        inside = shapely.intersection(whole, shapely.union_all(polys)) if len(polys) \
            else shapely.Polygon()
        part = inside if category.conflict == "inside" else shapely.difference(whole, inside)
        if not part.is_empty and part.area > 0:
            rows.append({"category": name, "severity": category.severity, "geometry": part})
    return gpd.GeoDataFrame(rows, columns=["category", "severity", "geometry"],
                            geometry="geometry", crs=boundaries.crs)


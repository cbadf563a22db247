"""Geometry and CRS: geometry presence and type, finite and plausible coordinates, safe
polygon repairs and the transform to the working CRS."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from pyproj import CRS

from geo.crs import (
    CRSError,
    require_projected,
    working_crs_for_extent,
    working_crs_for_lonlat,
)
from geo.units import m2_to_mu
from layers.registry import LayerSpec
from layers.validation.report import ValidationReport, bad_rows
from layers.validation.zone import check_in_zone, check_placeable, lonlat_centres

REPAIR_AREA_TOLERANCE = 1e-6
"""A make_valid repair is safe when it keeps one polygon part and changes |area| by less than
this relative amount (duplicate vertices, spikes of zero area, ring orientation)."""

_POLYGONAL = {"Polygon", "MultiPolygon"}
MAX_PROJECTED_COORDINATE = 1e9
"""Largest |x| or |y| accepted in a projected CRS (m); prefixed GK eastings are ~4.5e7."""


def check_geometry(frame: pd.DataFrame, spec: LayerSpec, report: ValidationReport,
                    labels: Sequence[str], working_crs: CRS | int | str | None,
                    ) -> gpd.GeoDataFrame | pd.DataFrame:
    earlier = len(report.errors)  # value errors do not stop the geometry checks
    if not isinstance(frame, gpd.GeoDataFrame) or frame.geometry.name not in frame:
        report.add("error", "the source has no geometry",
                   "use a spatial format (GeoPackage, GeoJSON, Shapefile) or a CSV with "
                   "lon/lat or x/y columns")
        return frame
    if frame.crs is None:
        report.add("error", "no coordinate reference system (CRS)",
                   "add a .prj file or pass --crs EPSG (e.g. 4490 for CGCS2000 lon/lat, "
                   "4546 for GK zone 37 without prefix)")
        return frame
    geoms = frame.geometry.values
    optional_by = spec.geometry_optional_when
    missing = shapely.is_missing(geoms) | shapely.is_empty(geoms)
    if optional_by is not None:
        missing &= frame[optional_by].isna().to_numpy()
    if missing.any():
        fix = "draw the feature or delete the row"
        if optional_by:
            fix = f"give a location or a {optional_by!r}"
        report.add("error", "empty or missing geometry", fix, rows=bad_rows(missing, labels))
    present = ~(shapely.is_missing(geoms) | shapely.is_empty(geoms))
    types = shapely.get_type_id(geoms)
    if spec.geometry == "polygon":
        wrong = present & ~np.isin(types, [3, 6])
        expected = "Polygon/MultiPolygon"
    elif spec.geometry == "any":
        wrong = present & ~np.isin(types, [0, 1, 3, 4, 5, 6])
        expected = "Point, LineString or Polygon (or their Multi- forms)"
    else:
        wrong = present & (types != 0)
        expected = "Point"
    if wrong.any():
        found = sorted({shapely.get_type_id(g) for g in geoms[wrong]})
        names = {0: "Point", 1: "LineString", 2: "LinearRing", 3: "Polygon", 4: "MultiPoint",
                 5: "MultiLineString", 6: "MultiPolygon", 7: "GeometryCollection"}
        report.add("error", f"geometry type {[names[t] for t in found]} where {expected} "
                   "is required", f"export the {spec.en.lower()} layer as {expected}",
                   rows=bad_rows(wrong, labels))
    crs = CRS(frame.crs)
    _check_coordinates(geoms, present & ~wrong, crs, report, labels)
    if len(report.errors) > earlier:
        return frame
    centres = lonlat_centres(geoms, crs)
    check_placeable(geoms, centres, present & ~wrong, crs, report, labels)
    if len(report.errors) > earlier:
        return frame
    out = gpd.GeoDataFrame(frame, geometry=frame.geometry.name, crs=frame.crs)
    if spec.geometry in ("polygon", "any"):
        out = _repair_polygons(out, report, labels)
    return _to_working_crs(out, spec, report, labels, working_crs, centres)


COORDINATE_CHUNK = 50_000
"""Features whose vertices are checked together (bounds the memory of the check)."""


def _check_coordinates(geoms: np.ndarray, present: np.ndarray, crs: CRS,
                       report: ValidationReport, labels: Sequence[str]) -> None:
    """Refuse NaN/Inf coordinates, absurd magnitudes, and lon/lat outside the globe.

    These checks run for every source (file, upload, store, demo) so that no path can store a
    geometry that later breaks exports, maps or area sums.
    """
    if not present.any():
        return
    idx = np.flatnonzero(present)
    nonfinite_rows: list[np.ndarray] = []
    beyond_rows: list[np.ndarray] = []
    # Vertices a chunk of features at a time: every vertex of 1,000,000 parcels at once
    # (coordinates, owners, |x|, masks) held about 1 GiB more at the peak of a load.
    for start in range(0, len(idx), COORDINATE_CHUNK):
        rows = idx[start:start + COORDINATE_CHUNK]
        coords, owner = shapely.get_coordinates(geoms[rows], return_index=True)
        nonfinite = ~np.isfinite(coords).all(axis=1)
        with np.errstate(invalid="ignore"):
            if crs.is_geographic:
                beyond = (np.abs(coords[:, 0]) > 180) | (np.abs(coords[:, 1]) > 90)
            else:
                beyond = (np.abs(coords) > MAX_PROJECTED_COORDINATE).any(axis=1)
        bad = np.unique(owner[nonfinite])
        nonfinite_rows.append(rows[bad])
        beyond_rows.append(rows[np.setdiff1d(np.unique(owner[beyond & ~nonfinite]), bad)])
    bad_rows = np.concatenate(nonfinite_rows)
    if len(bad_rows):
        report.add("error", "coordinate is not a finite number (NaN, Inf or an overflow such "
                   "as 1e400)", "correct the coordinate values or delete the vertex",
                   rows=[labels[int(r)] for r in bad_rows])
    if crs.is_geographic:
        what = "longitude/latitude outside ±180°/±90°"
        fix = ("write lon/lat in decimal degrees; projected x/y need their own CRS "
               "(e.g. --crs EPSG:4549)")
    else:
        what = f"coordinate beyond ±{MAX_PROJECTED_COORDINATE:.0e} m"
        fix = "check the CRS and the units (metres) of the coordinates"
    out_rows = np.concatenate(beyond_rows)
    if len(out_rows):
        report.add("error", what, fix, rows=[labels[int(r)] for r in out_rows])


def _repair_polygons(frame: gpd.GeoDataFrame, report: ValidationReport,
                     labels: Sequence[str]) -> gpd.GeoDataFrame:
    geoms = frame.geometry.values
    invalid = (~shapely.is_valid(geoms) & ~shapely.is_missing(geoms)
               & np.isin(shapely.get_type_id(geoms), [3, 6]))
    if not invalid.any():
        return frame
    fixed = geoms.copy()
    unsafe: list[str] = []
    unsafe_rows: list[str] = []
    for i in np.flatnonzero(invalid):
        geom = geoms[i]
        repaired = _polygonal_part(shapely.make_valid(geom))
        n_before = shapely.get_num_geometries(geom)
        n_after = shapely.get_num_geometries(repaired)
        before, after = abs(_signed_ring_area(geom)), shapely.area(repaired)
        safe = (n_after <= n_before and not shapely.is_empty(repaired)
                and abs(after - before) <= REPAIR_AREA_TOLERANCE * max(before, 1e-12))
        if safe:
            fixed[i] = repaired
            report.repaired += 1
        else:
            reason = shapely.is_valid_reason(geom)
            unsafe.append(f"{labels[int(i)]} ({reason})")
            unsafe_rows.append(labels[int(i)])
    if unsafe:
        report.add("error", "invalid polygon that cannot be repaired safely (self-intersection "
                   "such as a bow-tie ring, or overlapping parts): " + "; ".join(unsafe[:5]),
                   "redraw the boundary so that it does not cross itself",
                   rows=unsafe_rows)
    if report.repaired:
        report.add("warning", f"{report.repaired} invalid polygon(s) repaired with make_valid "
                   "without changing their area", "none needed; check them if in doubt")
    out = frame.copy()
    out[frame.geometry.name] = gpd.GeoSeries(fixed, index=frame.index, crs=frame.crs)
    return out


def _signed_ring_area(geom: shapely.Geometry) -> float:
    """Shoelace area as drawn, without validity repairs (a bow-tie's lobes cancel)."""
    total = 0.0
    for part in getattr(geom, "geoms", [geom]):
        if part.geom_type != "Polygon":
            continue
        total += abs(_shoelace(part.exterior.coords))
        total -= sum(abs(_shoelace(ring.coords)) for ring in part.interiors)
    return total


def _shoelace(coords: Iterable[tuple[float, ...]]) -> float:
    xy = np.asarray([c[:2] for c in coords], dtype="float64")
    x, y = xy[:, 0], xy[:, 1]
    return 0.5 * float(np.dot(x[:-1], y[1:]) - np.dot(x[1:], y[:-1]))


def _polygonal_part(geom: shapely.Geometry) -> shapely.Geometry:
    if geom.geom_type in _POLYGONAL:
        return geom
    parts = [g for g in getattr(geom, "geoms", []) if g.geom_type in _POLYGONAL]
    if not parts:
        return shapely.Polygon()
    return shapely.union_all(parts)


def _to_working_crs(frame: gpd.GeoDataFrame, spec: LayerSpec, report: ValidationReport,
                    labels: Sequence[str], working_crs: CRS | int | str | None,
                    centres: np.ndarray) -> gpd.GeoDataFrame:
    try:
        target = (require_projected(working_crs, what="areas") if working_crs is not None
                  else auto_working_crs(frame))
    except CRSError as exc:
        report.add("error", str(exc), "set crs.working_epsg in the policy file")
        return frame
    check_in_zone(centres, target, report, labels)
    out = frame.to_crs(target) if not CRS(frame.crs).equals(target) else frame
    if spec.geometry == "polygon" and "area_mu" in out.columns:
        out["area_mu"] = np.asarray(m2_to_mu(shapely.area(out.geometry.values)))
    return out


def auto_working_crs(frame: gpd.GeoDataFrame) -> CRS:
    """The zone of the mean longitude of all features' envelope corners (README, Working CRS).

    Decided from the layer's total bounds when they lie in one zone (a county nearly always
    does), which needs one reprojected rectangle instead of every polygon; otherwise the mean
    is taken over every reprojected envelope.
    """
    geoms = frame.geometry.values
    present = ~(shapely.is_missing(geoms) | shapely.is_empty(geoms))
    if not present.any():
        raise CRSError("no geometry to choose a working CRS from")
    decided = working_crs_for_extent(frame.crs, tuple(shapely.total_bounds(geoms[present])))
    if decided is not None:
        return decided
    # Reprojected a chunk at a time: all 1,000,000 polygons of a two-zone layer at once
    # held 0.8 GiB more at the peak of a load (same mean, summed by chunk).
    shown = frame.geometry[present]
    total, count = 0.0, 0
    for start in range(0, len(shown), COORDINATE_CHUNK):
        lonlat = shown.iloc[start:start + COORDINATE_CHUNK].to_crs(4490)
        corners = shapely.get_coordinates(lonlat.values.envelope)[:, 0]
        total += float(np.nansum(corners))
        count += int(np.count_nonzero(~np.isnan(corners)))
    if not count:
        raise CRSError("no finite coordinate to choose a working CRS from")
    return working_crs_for_lonlat(total / count)

"""One validator for every layer, whatever its source (file, upload, database, demo).

:func:`validate_layer` reads as three steps — normalise columns, check and coerce values,
check and repair geometry — and returns a GeoDataFrame in the working CRS, or raises
:class:`ValidationError` whose message names the source, the row/feature, the column and the
fix for every problem found (all problems, not just the first).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Literal

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from pyproj import CRS

from geo.crs import CRSError, require_projected, working_crs_for_lonlat
from geo.units import m2_to_mu
from layers.registry import Column, LayerSpec, get_spec

Severity = Literal["error", "warning"]

MAX_LISTED_ROWS = 10
"""Rows named per problem before the message says "and N more"."""

REPAIR_AREA_TOLERANCE = 1e-6
"""A make_valid repair is safe when it keeps one polygon part and changes |area| by less than
this relative amount (duplicate vertices, spikes of zero area, ring orientation)."""


@dataclass(frozen=True)
class Problem:
    """One finding: what is wrong, where, and how to fix it."""

    severity: Severity
    message: str
    fix: str
    column: str | None = None
    rows: tuple[str, ...] = ()

    def format(self, source: str) -> str:
        where = source
        if self.rows:
            shown = ", ".join(self.rows[:MAX_LISTED_ROWS])
            more = len(self.rows) - MAX_LISTED_ROWS
            where += f": {shown}" + (f" and {more} more" if more > 0 else "")
        if self.column:
            where += f", column {self.column!r}"
        return f"{self.severity.upper()} {where}: {self.message}; fix: {self.fix}"


@dataclass
class ValidationReport:
    """Everything found while validating one layer from one source."""

    source: str
    layer: str
    problems: list[Problem] = field(default_factory=list)
    n_features: int = 0
    repaired: int = 0
    columns: tuple[str, ...] = ()  # registry columns the source has (after aliases)

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "error"]

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "warning"]

    @property
    def ok(self) -> bool:
        return not self.errors

    def add(self, severity: Severity, message: str, fix: str, *, column: str | None = None,
            rows: Iterable[str] = ()) -> None:
        self.problems.append(Problem(severity, message, fix, column, tuple(rows)))

    def format(self) -> str:
        head = (f"{self.source} [{self.layer}]: {self.n_features} features, "
                f"{len(self.errors)} error(s), {len(self.warnings)} warning(s)")
        return "\n".join([head, *(p.format(self.source) for p in self.problems)])


class ValidationError(ValueError):
    """A layer failed validation; ``report`` holds every problem found."""

    def __init__(self, report: ValidationReport):
        self.report = report
        super().__init__(report.format())


# -- public API ---------------------------------------------------------------------------


def validate_layer(
    frame: pd.DataFrame,
    layer: str | LayerSpec,
    *,
    source: str,
    working_crs: CRS | int | str | None = None,
    allowed_extra: Mapping[str, Sequence[str]] | None = None,
    row_labels: Sequence[str] | None = None,
) -> tuple[gpd.GeoDataFrame | pd.DataFrame, ValidationReport]:
    """Validate ``frame`` against a layer spec and return it canonical and in the working CRS.

    Parameters
    ----------
    frame : GeoDataFrame (spatial layers) or DataFrame (``enterprise``) as read from a source.
    layer : layer name or spec from :mod:`layers.registry`.
    source : file name, URL or other label used in every message.
    working_crs : target projected CRS; ``None`` chooses the CGCS2000 3° GK zone from the
        data's longitude (shared/domain.md §6).
    allowed_extra : extra allowed values per column, e.g. red-line categories declared in
        the policy: ``{"category": [...]}``.
    row_labels : how to name each row in messages (e.g. ``"line 7"`` for CSV); defaults to
        ``"feature N"`` (1-based).

    Returns
    -------
    (frame, report) : the validated frame (warnings only in ``report``).

    Raises
    ------
    ValidationError
        When any error is found; nothing is returned half-validated.
    """
    spec = get_spec(layer) if isinstance(layer, str) else layer
    report = ValidationReport(source=source, layer=spec.name, n_features=len(frame))
    labels = list(row_labels) if row_labels is not None else [
        f"feature {i + 1}" for i in range(len(frame))
    ]
    out = _normalise_columns(frame, spec, report)
    out = _check_values(out, spec, report, labels, allowed_extra or {})
    _check_ids(out, spec, report, labels)
    if spec.has_geometry:
        out = _check_geometry(out, spec, report, labels, working_crs)
    if report.errors:
        raise ValidationError(report)
    return out, report


# -- step 1: columns ----------------------------------------------------------------------


def _normalise_columns(frame: pd.DataFrame, spec: LayerSpec,
                       report: ValidationReport) -> pd.DataFrame:
    lookup: dict[str, str] = {}
    for col in spec.columns:
        for name in (col.name, *col.aliases):
            lookup.setdefault(name.strip().lower(), col.name)
    for short, name in _dbf_truncated_names(spec).items():
        lookup.setdefault(short, name)
    renames: dict[str, str] = {}
    for original in frame.columns:
        if original == getattr(frame, "_geometry_column_name", None):
            continue
        canonical = lookup.get(str(original).strip().lower())
        if canonical and canonical not in renames.values():
            renames[original] = canonical
    out = frame.rename(columns=renames)
    report.columns = tuple(c.name for c in spec.columns if c.name in out.columns)
    missing = [c for c in spec.required_columns if c not in out.columns]
    for name in missing:
        col = spec.column(name)
        report.add("error", f"required column missing ({col.zh} / {col.en})",
                   f"add a column named {name!r}"
                   + (f" (or one of {list(col.aliases)})" if col.aliases else ""),
                   column=name)
    for col in spec.columns:
        if col.name not in out.columns:
            out[col.name] = None
    return out


DBF_NAME_LENGTH = 10
"""Shapefile (DBF) field names are cut to 10 characters by GDAL."""


def _dbf_truncated_names(spec: LayerSpec) -> dict[str, str]:
    """``name[:10]`` → name for the spec's long column names whose cut form is unambiguous."""
    cut: dict[str, list[str]] = {}
    for col in spec.columns:
        if len(col.name) > DBF_NAME_LENGTH:
            cut.setdefault(col.name[:DBF_NAME_LENGTH].lower(), []).append(col.name)
    return {short: names[0] for short, names in cut.items() if len(names) == 1}


# -- step 2: values -----------------------------------------------------------------------


def _bad_rows(mask: np.ndarray | pd.Series, labels: Sequence[str]) -> list[str]:
    return [labels[int(i)] for i in np.flatnonzero(np.asarray(mask))]


def _is_blank(series: pd.Series) -> pd.Series:
    return series.isna() | series.astype(str).str.strip().isin(["", "nan", "None", "NaT"])


def _coerce(series: pd.Series, col: Column) -> tuple[pd.Series, pd.Series]:
    """Return (coerced series, mask of values that could not be coerced)."""
    blank = _is_blank(series)
    if col.type == "str":
        values = series.map(_as_text).where(~blank, None)
        return values.astype(object), pd.Series(False, index=series.index)
    if col.type in ("float", "int"):
        values = pd.to_numeric(series.where(~blank), errors="coerce")
        bad = values.isna() & ~blank
        if col.type == "int":
            frac = values.notna() & (values % 1 != 0)
            bad |= frac
            return values.round().astype("Int64"), bad
        return values.astype("float64"), bad
    if col.type == "date":
        values = pd.to_datetime(series.where(~blank), errors="coerce")
        return values, values.isna() & ~blank
    if col.type == "bool":
        mapping = {"true": True, "1": True, "yes": True, "是": True, "y": True,
                   "false": False, "0": False, "no": False, "否": False, "n": False}
        values = series.map(lambda v: mapping.get(str(v).strip().lower()) if v is not None
                            else None)
        values = values.where(~blank, False)
        return values.astype("boolean"), values.isna() & ~blank
    # list: comma-, semicolon- or 、-separated text, or an actual list
    values = series.map(_as_list).where(~blank, None)
    values = values.map(lambda v: v if isinstance(v, list) else [])
    return values, pd.Series(False, index=series.index)


def _as_text(value: object) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _as_list(value: object) -> list[str]:
    if isinstance(value, list | tuple | np.ndarray):
        return [str(v).strip() for v in value if str(v).strip()]
    text = str(value)
    for sep in (";", "；", "、", "，", "|"):
        text = text.replace(sep, ",")
    return [part.strip() for part in text.split(",") if part.strip()]


def _check_values(frame: pd.DataFrame, spec: LayerSpec, report: ValidationReport,
                  labels: Sequence[str],
                  allowed_extra: Mapping[str, Sequence[str]]) -> pd.DataFrame:
    out = frame.copy()
    for col in spec.columns:
        series = out[col.name]
        if col.derived:
            continue
        coerced, bad = _coerce(series, col)
        if bad.any():
            examples = series[bad].astype(str).unique()[:3].tolist()
            report.add("error", f"cannot read {examples} as {col.type}",
                       f"write {col.type} values in {col.name!r}"
                       + (" as YYYY-MM-DD" if col.type == "date" else ""),
                       column=col.name, rows=_bad_rows(bad, labels))
        out[col.name] = coerced
        if col.required:
            blank = coerced.isna() if col.type != "list" else coerced.map(len) == 0
            blank &= ~bad
            if blank.any():
                report.add("error", "value is empty", f"fill in {col.name!r} ({col.zh})",
                           column=col.name, rows=_bad_rows(blank, labels))
        allowed = list(col.allowed or ()) + list(allowed_extra.get(col.name, ()))
        if allowed:
            _check_allowed(out[col.name], col, allowed, report, labels)
        if col.minimum is not None and col.type in ("float", "int"):
            low = out[col.name].notna() & (out[col.name] < col.minimum)
            if low.any():
                report.add("error", f"value below {col.minimum}",
                           f"correct {col.name!r}; it cannot be negative",
                           column=col.name, rows=_bad_rows(low, labels))
    return out


def _check_allowed(series: pd.Series, col: Column, allowed: list[str],
                   report: ValidationReport, labels: Sequence[str]) -> None:
    allowed_set = set(allowed)
    if col.type == "list":
        bad = series.map(lambda items: any(i not in allowed_set for i in items))
        found = sorted({i for items in series[bad] for i in items if i not in allowed_set})
    else:
        bad = series.notna() & ~series.isin(allowed_set)
        found = sorted(series[bad].astype(str).unique().tolist())
    if bad.any():
        report.add("error", f"unknown value(s) {found[:5]}",
                   f"use one of {allowed}", column=col.name, rows=_bad_rows(bad, labels))


def _check_ids(frame: pd.DataFrame, spec: LayerSpec, report: ValidationReport,
               labels: Sequence[str]) -> None:
    ids = frame[spec.id_column]
    dup = ids.notna() & ids.duplicated(keep=False)
    if dup.any():
        values = sorted(ids[dup].astype(str).unique().tolist())
        report.add("error", f"duplicate id(s) {values[:5]}",
                   "give every feature a unique id", column=spec.id_column,
                   rows=_bad_rows(dup, labels))


# -- step 3: geometry ---------------------------------------------------------------------


_POLYGONAL = {"Polygon", "MultiPolygon"}
MAX_PROJECTED_COORDINATE = 1e9
"""Largest |x| or |y| accepted in a projected CRS (m); prefixed GK eastings are ~4.5e7."""


def _check_geometry(frame: pd.DataFrame, spec: LayerSpec, report: ValidationReport,
                    labels: Sequence[str], working_crs: CRS | int | str | None,
                    ) -> gpd.GeoDataFrame | pd.DataFrame:
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
        report.add("error", "empty or missing geometry", fix, rows=_bad_rows(missing, labels))
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
                   rows=_bad_rows(wrong, labels))
    _check_coordinates(geoms, present & ~wrong, CRS(frame.crs), report, labels)
    if report.errors:
        return frame
    out = gpd.GeoDataFrame(frame, geometry=frame.geometry.name, crs=frame.crs)
    if spec.geometry in ("polygon", "any"):
        out = _repair_polygons(out, report, labels)
    return _to_working_crs(out, spec, report, working_crs)


def _check_coordinates(geoms: np.ndarray, present: np.ndarray, crs: CRS,
                       report: ValidationReport, labels: Sequence[str]) -> None:
    """Refuse NaN/Inf coordinates, absurd magnitudes, and lon/lat outside the globe.

    These checks run for every source (file, upload, store, demo) so that no path can store a
    geometry that later breaks exports, maps or area sums.
    """
    if not present.any():
        return
    idx = np.flatnonzero(present)
    coords, owner = shapely.get_coordinates(geoms[idx], return_index=True)
    if not len(coords):
        return
    nonfinite = ~np.isfinite(coords).all(axis=1)
    bad_rows = np.unique(owner[nonfinite])
    if len(bad_rows):
        report.add("error", "coordinate is not a finite number (NaN, Inf or an overflow such "
                   "as 1e400)", "correct the coordinate values or delete the vertex",
                   rows=[labels[int(idx[r])] for r in bad_rows])
    with np.errstate(invalid="ignore"):
        if crs.is_geographic:
            beyond = (np.abs(coords[:, 0]) > 180) | (np.abs(coords[:, 1]) > 90)
            what = "longitude/latitude outside ±180°/±90°"
            fix = ("write lon/lat in decimal degrees; projected x/y need their own CRS "
                   "(e.g. --crs EPSG:4549)")
        else:
            beyond = (np.abs(coords) > MAX_PROJECTED_COORDINATE).any(axis=1)
            what = f"coordinate beyond ±{MAX_PROJECTED_COORDINATE:.0e} m"
            fix = "check the CRS and the units (metres) of the coordinates"
    out_rows = np.setdiff1d(np.unique(owner[beyond & ~nonfinite]), bad_rows)
    if len(out_rows):
        report.add("error", what, fix, rows=[labels[int(idx[r])] for r in out_rows])


def _repair_polygons(frame: gpd.GeoDataFrame, report: ValidationReport,
                     labels: Sequence[str]) -> gpd.GeoDataFrame:
    geoms = frame.geometry.values
    invalid = (~shapely.is_valid(geoms) & ~shapely.is_missing(geoms)
               & np.isin(shapely.get_type_id(geoms), [3, 6]))
    if not invalid.any():
        return frame
    fixed = geoms.copy()
    unsafe: list[str] = []
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
    if unsafe:
        report.add("error", "invalid polygon that cannot be repaired safely (self-intersection "
                   "such as a bow-tie ring, or overlapping parts): " + "; ".join(unsafe[:5]),
                   "redraw the boundary so that it does not cross itself",
                   rows=[u.split(" (")[0] for u in unsafe])
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
                    working_crs: CRS | int | str | None) -> gpd.GeoDataFrame:
    try:
        target = (require_projected(working_crs, what="areas") if working_crs is not None
                  else _auto_working_crs(frame))
    except CRSError as exc:
        report.add("error", str(exc), "set crs.working_epsg in the policy file")
        return frame
    out = frame.to_crs(target) if not CRS(frame.crs).equals(target) else frame
    if spec.geometry == "polygon" and "area_mu" in out.columns:
        out["area_mu"] = np.asarray(m2_to_mu(shapely.area(out.geometry.values)))
    return out


def _auto_working_crs(frame: gpd.GeoDataFrame) -> CRS:
    present = frame.geometry[~(frame.geometry.is_empty | frame.geometry.isna())]
    if present.empty:
        raise CRSError("no geometry to choose a working CRS from")
    lonlat = present.to_crs(4490)
    lon = float(np.nanmean(shapely.get_coordinates(lonlat.values.envelope)[:, 0]))
    return working_crs_for_lonlat(lon)

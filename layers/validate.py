"""One validator for every layer, whatever its source (file, upload, database, demo).

:func:`validate_layer` reads as three steps — normalise columns, check and coerce values,
check and repair geometry — and returns a GeoDataFrame in the working CRS, or raises
:class:`ValidationError` whose message names the source, the row/feature, the column and the
fix for every problem found (all problems, not just the first).
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from types import MappingProxyType
from typing import Literal

import geopandas as gpd
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import shapely
from pyproj import CRS

from geo.crs import (
    CRSError,
    require_projected,
    working_crs_for_extent,
    working_crs_for_lonlat,
)
from geo.units import m2_to_mu
from layers.registry import (
    CONTEXT_KINDS,
    FACILITY_KINDS,
    LAND_USES,
    PARCEL_STATUSES,
    PARK_LEVELS,
    PROJECT_STAGES,
    SCALES,
    UTILITIES,
    Column,
    LayerSpec,
    get_spec,
)

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
    columns: Iterable[str] | None = None,
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
    columns : only these spec columns (plus the id column) are required, checked and
        returned — what a command needs (:func:`columns_spec`); default all.

    Returns
    -------
    (frame, report) : the validated frame (warnings only in ``report``).

    Raises
    ------
    ValidationError
        When any error is found; nothing is returned half-validated.
    """
    spec = get_spec(layer) if isinstance(layer, str) else layer
    if columns is not None:
        spec = columns_spec(spec, columns)
    report = ValidationReport(source=source, layer=spec.name, n_features=len(frame))
    labels = list(row_labels) if row_labels is not None else FeatureLabels(len(frame))
    out = _normalise_columns(frame, spec, report)
    out = _codes_from_labels(out, spec)
    out = _check_values(out, spec, report, labels, allowed_extra or {})
    _check_ids(out, spec, report, labels)
    if spec.has_geometry:
        out = _check_geometry(out, spec, report, labels, working_crs)
    if report.errors:
        raise ValidationError(report)
    if columns is not None:  # what the command asked for, not what else the source holds
        geometry = getattr(out, "_geometry_column_name", None)
        out = out[[c for c in out.columns if c in spec.column_names or c == geometry]]
    return out, report


def columns_spec(spec: LayerSpec, columns: Iterable[str]) -> LayerSpec:
    """``spec`` narrowed to ``columns`` (plus the id column and the column that makes the
    geometry optional), in spec order.

    Raises
    ------
    KeyError
        A name that is not a column of the layer (the message lists the valid ones).
    """
    wanted = {spec.id_column, *columns}
    if spec.geometry_optional_when:
        wanted.add(spec.geometry_optional_when)
    for name in wanted:
        spec.column(name)
    return dataclasses.replace(spec, columns=tuple(c for c in spec.columns if c.name in wanted))


class FeatureLabels(Sequence[str]):
    """``"feature N"`` (1-based) for row N-1, made when a message names the row."""

    def __init__(self, n: int) -> None:
        self._n = n

    def __len__(self) -> int:
        return self._n

    def __getitem__(self, i):  # noqa: ANN001, ANN204 - int or slice, as Sequence
        if isinstance(i, slice):
            return [f"feature {k + 1}" for k in range(*i.indices(self._n))]
        k = range(self._n)[i]  # negative indices and IndexError as for a list
        return f"feature {k + 1}"


# -- step 1: columns ----------------------------------------------------------------------


def column_lookup(spec: LayerSpec) -> dict[str, str]:
    """Lower-cased header (canonical name or alias) → canonical column name."""
    lookup: dict[str, str] = {}
    for col in spec.columns:
        for name in (col.name, *col.aliases):
            lookup.setdefault(name.strip().lower(), col.name)
    return lookup


def canonical_renames(frame: pd.DataFrame, spec: LayerSpec) -> dict[str, str]:
    """Header → canonical name for the headers of ``frame`` that name a column of ``spec``.

    A column already under its canonical name wins over an alias of it (``name`` over
    ``NAME``, ``land_use`` over 地类编码); otherwise the first alias in file order wins and
    later ones keep their header.
    """
    lookup = column_lookup(spec)
    dbf = dbf_names(spec)
    geometry = getattr(frame, "_geometry_column_name", None)
    taken = {c for c in frame.columns if c in lookup.values()}
    renames: dict[str, str] = {}
    for original in frame.columns:
        if original == geometry or original in taken:
            continue
        header = str(original).strip().lower()
        canonical = lookup.get(header) or dbf.get(header) or _truncated_match(header, lookup)
        if canonical and canonical not in taken:
            renames[original] = canonical
            taken.add(canonical)
    return renames


DBF_NAME_BYTES = 10
"""dBASE field names are cut at 10 bytes (shapefiles): ``LEADING_IN`` for leading_industries."""


def dbf_name(name: str, taken: set[str]) -> str:
    """The dBASE field name GDAL writes for ``name`` into a shapefile whose fields so far are
    ``taken`` (lower-cased): cut at 10 characters, a repeated cut numbered ``_1`` … ``_9``
    on 8 characters, then ``_10`` … ``_99`` on 7 (GDAL's OGRShapeLayer::CreateField)."""
    cut = name[:DBF_NAME_BYTES]
    if cut.lower() not in taken:
        return cut
    for i in range(1, 100):
        numbered = f"{name[:8 if i < 10 else 7]}_{i}"
        if numbered.lower() not in taken:
            return numbered
    return cut


def dbf_names(spec: LayerSpec) -> dict[str, str]:
    """Lower-cased dBASE field name → canonical column, for the stored columns of ``spec``
    written to a shapefile in registry order (``descriptio`` → description, ``descript_1``
    → description_en)."""
    taken: set[str] = set()
    out: dict[str, str] = {}
    for col in spec.columns:
        name = dbf_name(col.name, taken).lower()
        taken.add(name)
        if name != col.name.lower():
            out[name] = col.name
    return out


_DBF_NUMBERED = re.compile(r"^(.{1,8})_\d{1,2}$")


def truncated_leftovers(headers: Iterable[object], spec: LayerSpec) -> dict[str, list[str]]:
    """Headers that look like shapefile-cut names (10 characters, or GDAL's ``_1`` …
    numbering) of registry columns but were matched to none: header → the columns it may
    stand for. Their values were not imported; the validator warns about each."""
    out: dict[str, list[str]] = {}
    for original in headers:
        header = str(original).strip().lower()
        numbered = _DBF_NUMBERED.match(header)
        size = len(header.encode("gb18030", errors="replace"))
        if numbered is None and not DBF_NAME_BYTES - 1 <= size <= DBF_NAME_BYTES:
            continue
        stem = numbered.group(1) if numbered else header
        found = [c.name for c in spec.columns
                 if any(n.lower().startswith(stem) and n.lower() != header
                        for n in (c.name, *c.aliases))]
        if found:
            out[str(original)] = found
    return out


def _truncated_match(header: str, lookup: Mapping[str, str]) -> str | None:
    """The one canonical column whose name or alias starts with ``header`` when ``header`` is
    as long as a shapefile allows (10 bytes; a cut GBK character may take one more)."""
    size = len(header.encode("gb18030", errors="replace"))
    if size < DBF_NAME_BYTES - 1 or size > DBF_NAME_BYTES:
        return None
    found = {canonical for name, canonical in lookup.items()
             if name.startswith(header) and name != header}
    return found.pop() if len(found) == 1 else None


def _normalise_columns(frame: pd.DataFrame, spec: LayerSpec,
                       report: ValidationReport) -> pd.DataFrame:
    renames = canonical_renames(frame, spec)
    out = frame.rename(columns=renames)
    report.columns = tuple(c.name for c in spec.columns if c.name in out.columns)
    declared = set(spec.column_names)
    leftover = [c for c in frame.columns if c not in renames and c not in declared
                and c != getattr(frame, "_geometry_column_name", None)]
    for header, candidates in truncated_leftovers(leftover, spec).items():
        report.add("warning", f"column {header!r} looks like a shapefile's cut name of "
                   f"{' or '.join(candidates)} but matches none of them: its values were "
                   "not imported", f"rename the column to {candidates[0]!r} (or read the "
                   "layer from a GeoPackage, which keeps full names)", column=header)
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


# -- step 1b: coded values written as labels -----------------------------------------------


CODE_TABLES: tuple[Mapping[str, tuple[str, str]], ...] = (
    PARK_LEVELS, PARCEL_STATUSES, PROJECT_STAGES, LAND_USES, UTILITIES, SCALES,
    FACILITY_KINDS, CONTEXT_KINDS)
"""Registry code tables whose Chinese and English labels are accepted for their codes."""

LABEL_SPELLINGS: Mapping[str, str] = {
    "规模以上": "above", "规上企业": "above", "规模以下": "below", "规下企业": "below",
}
"""Spellings beyond the labels that county sheets use for a code (shared/domain.md §4)."""


@lru_cache(maxsize=64)
def label_codes(allowed: tuple[str, ...]) -> Mapping[str, str]:
    """Lower-cased label → code for the code table whose codes are ``allowed``.

    Accepted: the Chinese and English label (规上, "Above designated size"), each part of a
    label written with "/" (意向/洽谈 → 意向, 洽谈), a Chinese label without its leading 已
    (已签约 → 签约, 已出让 → 出让), and :data:`LABEL_SPELLINGS`. Empty for free-text columns.
    """
    table = next((t for t in CODE_TABLES if tuple(t) == allowed), None)
    if table is None:
        return MappingProxyType({})
    out: dict[str, str] = {}
    for code, (zh, en) in table.items():
        spellings = [zh, en, *zh.split("/")]
        spellings += [s[1:] for s in spellings if s.startswith("已") and len(s) > 2]
        for spelling in spellings:
            out.setdefault(spelling.strip().lower(), code)
    out.update({k: v for k, v in LABEL_SPELLINGS.items() if v in table})
    for code in table:  # a code is itself, even when it equals another code's label
        out[code.lower()] = code
    return MappingProxyType(out)


def _codes_from_labels(frame: pd.DataFrame, spec: LayerSpec) -> pd.DataFrame:
    """Replace labels of coded columns by their codes (可供应 → ``available``, 规上 →
    ``above``, 工业用地 → ``1001``); anything else is left for the value checks."""
    out = frame
    for col in spec.columns:
        if col.type not in ("str", "list") or not col.allowed or col.name not in frame.columns:
            continue
        codes = label_codes(col.allowed)
        replaced = codes_for_labels(frame[col.name], codes, is_list=col.type == "list")
        if replaced is not None:
            if out is frame:
                out = frame.copy(deep=False)  # only replaced columns are new
            out[col.name] = replaced
    return out


def codes_for_labels(series: pd.Series, codes: Mapping[str, str], *,
                     is_list: bool = False) -> pd.Series | None:
    """``series`` with every value found in ``codes`` (lower-cased, stripped label → code)
    replaced by its code, items of text lists too; ``None`` when nothing changes.

    Text is looked at once per distinct value and mapped back with one dict.
    """
    if not codes:
        return None
    try:
        distinct = pd.Series(series.dropna().unique())
    except TypeError:  # lists already (e.g. from Parquet): nothing written as labels
        return None
    distinct = distinct[~distinct.isin(set(codes.values()))]
    if distinct.empty:
        return None
    if is_list:
        mapped = _list_codes(distinct, codes)
    else:
        mapped = distinct.astype("string").str.strip().str.lower().map(codes)
    found = (mapped.notna() & mapped.ne(distinct.astype("string"))).to_numpy(dtype=bool)
    if not found.any():
        return None
    return series.replace(dict(zip(distinct[found], mapped[found], strict=True)))


def _list_codes(series: pd.Series, codes: Mapping[str, str]) -> pd.Series:
    """Text lists whose items include labels (通路、通电) as code lists (``road,power``);
    ``NaN`` where nothing changes (values that are not text, or hold no label)."""
    index = series.index
    series = series.reset_index(drop=True)  # rows are regrouped by position
    items = (series.str.replace(r"[;；、，|]", ",", regex=True).str.split(",").explode()
             .str.strip())
    items = items[items.notna() & items.ne("")]
    mapped = items.str.lower().map(codes)
    changed = mapped.notna().groupby(level=0).any()
    joined = mapped.fillna(items).groupby(level=0).agg(",".join)
    return pd.Series(joined.where(changed).reindex(series.index).to_numpy(), index=index)


# -- step 2: values -----------------------------------------------------------------------


def _bad_rows(mask: np.ndarray | pd.Series, labels: Sequence[str]) -> list[str]:
    return [labels[int(i)] for i in np.flatnonzero(np.asarray(mask))]


BLANK_TEXTS = ("", "nan", "None", "NaT")
"""Texts that count as an empty cell once stripped (how spreadsheets and str() write blanks)."""

PY_WHITESPACE = ("\t\n\x0b\x0c\r\x1c\x1d\x1e\x1f \x85\xa0\u1680\u2000\u2001\u2002\u2003"
                 "\u2004\u2005\u2006\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000")
"""Exactly the characters ``str.isspace()`` accepts (what ``str.strip()`` removes), for
Arrow's ``utf8_trim``; tests/test_validate_fast.py checks the list against Python."""


def _text_array(series: pd.Series) -> pa.Array | None:
    """The series' values stripped as by ``str.strip()``, as an Arrow string array (nulls where
    missing) — or ``None`` when the series holds anything other than text and missing values,
    whose checks then go value by value (messy input only)."""
    if isinstance(series.dtype, pd.StringDtype):
        arr = pa.array(series.array)
    elif series.dtype == object and pd.api.types.infer_dtype(series, skipna=True) in (
            "string", "empty"):
        values = series.to_numpy()
        missing = pd.isna(values)
        if missing.any():
            values = values.copy()
            values[missing] = None
        arr = pa.array(values, type=pa.large_string())
    else:
        return None
    if isinstance(arr, pa.ChunkedArray):
        arr = arr.combine_chunks()
    return pc.utf8_trim(arr, characters=PY_WHITESPACE)


def _blank_mask(series: pd.Series, text: pa.Array | None) -> pd.Series:
    if text is not None:
        blank = pc.or_(pc.is_null(text), pc.is_in(text, value_set=pa.array(BLANK_TEXTS,
                                                                             text.type)))
        return pd.Series(blank.to_numpy(zero_copy_only=False), index=series.index)
    if series.dtype.kind in "biufcmM":  # numbers and dates: str() is blank only for NaN/NaT
        return series.isna()
    return series.isna() | series.astype(str).str.strip().isin(BLANK_TEXTS)


def _is_blank(series: pd.Series) -> pd.Series:
    """Missing, or text that is empty once stripped (``BLANK_TEXTS``)."""
    return _blank_mask(series, _text_array(series))


def _per_distinct(series: pd.Series, func) -> np.ndarray | None:  # noqa: ANN001
    """``func`` applied once per distinct value and spread to every row (object array), when
    equal values are bound to give equal results: one numpy dtype, or text only. ``None``
    for mixed objects, where ``1 == 1.0 == True`` would merge values that read differently."""
    if series.dtype == np.float64:  # by bit pattern: 0.0 == -0.0 but they read differently
        values = series.to_numpy()
        codes, bits = pd.factorize(values.view(np.int64))
        codes[np.isnan(values)] = -1
        uniques = bits.view(np.float64)
    elif (series.dtype.kind in "biumM" or isinstance(series.dtype, pd.StringDtype)
          or (series.dtype == object
              and pd.api.types.infer_dtype(series, skipna=True) in ("string", "empty"))):
        codes, uniques = pd.factorize(series, use_na_sentinel=True)
    else:
        return None
    results = np.empty(len(uniques) + 1, dtype=object)
    results[:-1] = [func(u) for u in uniques]
    results[-1] = func(None)
    return results[codes]


def _coerce(series: pd.Series, col: Column) -> tuple[pd.Series, pd.Series]:
    """Return (coerced series, mask of values that could not be coerced)."""
    text = _text_array(series)
    blank = _blank_mask(series, text)
    no_errors = pd.Series(False, index=series.index)
    if col.type == "str":
        return _as_texts(series, text, blank), no_errors
    if col.type in ("float", "int"):
        raw = series if series.dtype.kind in "biuf" else series.where(~blank)
        values = pd.to_numeric(raw, errors="coerce")
        bad = values.isna() & ~blank
        if col.type == "int":
            frac = values.notna() & (values % 1 != 0)
            bad |= frac
            return values.round().astype("Int64"), bad
        return values.astype("float64"), bad
    if col.type == "date":
        raw = series if series.dtype.kind == "M" else series.where(~blank)
        values = pd.to_datetime(raw, errors="coerce")
        return values, values.isna() & ~blank
    if col.type == "bool":
        read = _per_distinct(series, _as_bool)
        values = pd.Series(read, index=series.index) if read is not None else series.map(
            _as_bool)
        values = values.where(~blank, False)
        return values.astype("boolean"), values.isna() & ~blank
    # list: comma-, semicolon- or 、-separated text, or an actual list
    if not len(series):
        return series.copy(), no_errors
    read = _per_distinct(series, lambda v: _as_list(v) if v is not None else [])
    if read is None:
        read = series.map(_as_list).to_numpy()
    lists = [list(items) if isinstance(items, list) and not is_blank else []
             for items, is_blank in zip(read, blank.to_numpy(), strict=True)]
    return pd.Series(lists, index=series.index, dtype=object), no_errors


_BOOLS = {"true": True, "1": True, "yes": True, "是": True, "y": True,
          "false": False, "0": False, "no": False, "否": False, "n": False}


def _as_bool(value: object) -> bool | None:
    return _BOOLS.get(str(value).strip().lower()) if value is not None else None


def _as_texts(series: pd.Series, text: pa.Array | None, blank: pd.Series) -> pd.Series:
    """Text cells as stripped ``str`` (``3.0`` → ``"3"``), blanks as NaN, in an object column."""
    if text is not None:
        values = np.array(text.to_numpy(zero_copy_only=False), dtype=object)
    else:
        read = _per_distinct(series, _as_text)
        values = read if read is not None else series.map(_as_text).to_numpy(dtype=object)
    values = np.asarray(values, dtype=object)
    values[blank.to_numpy()] = np.nan
    return pd.Series(values, index=series.index, dtype=object)


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
            blank = coerced.isna() if col.type != "list" else coerced.str.len() == 0
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
        items = series.reset_index(drop=True).explode()
        unknown = items.notna() & ~items.isin(allowed_set)
        bad = pd.Series(unknown.groupby(level=0).any().reindex(range(len(series)),
                                                               fill_value=False).to_numpy(),
                        index=series.index)
        found = sorted(set(items[unknown].astype(str)))
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
    if len(report.errors) > earlier:
        return frame
    out = gpd.GeoDataFrame(frame, geometry=frame.geometry.name, crs=frame.crs)
    if spec.geometry in ("polygon", "any"):
        out = _repair_polygons(out, report, labels)
    return _to_working_crs(out, spec, report, working_crs)


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

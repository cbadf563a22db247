"""Column names and coded values: headers and aliases to canonical names (shapefile-truncated
ones too), labels of coded columns to their codes, and a spec narrowed to what a command needs."""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterable, Mapping
from functools import lru_cache
from types import MappingProxyType

import pandas as pd

from layers.registry import (
    CONTEXT_KINDS,
    FACILITY_KINDS,
    LAND_USES,
    PARCEL_STATUSES,
    PARK_LEVELS,
    PROJECT_STAGES,
    SCALES,
    UTILITIES,
    LayerSpec,
)
from layers.validation.report import ValidationReport


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


def normalise_columns(frame: pd.DataFrame, spec: LayerSpec,
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


def codes_from_labels(frame: pd.DataFrame, spec: LayerSpec) -> pd.DataFrame:
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

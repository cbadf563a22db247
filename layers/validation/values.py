"""Cell values: blanks, coercion to the registry column's type, required and allowed values,
minimum values and unique ids."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from layers.registry import Column, LayerSpec
from layers.validation.dates import as_dates
from layers.validation.report import ValidationReport, bad_rows
from layers.validation.text import all_digit_ids, leading_zero_clashes

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
            finite = values.notna() & np.isfinite(values.astype("float64"))
            bad |= values.notna() & ~finite  # inf: an int column cannot hold it
            bad |= finite & (values % 1 != 0)
            return values.where(finite).round().astype("Int64"), bad
        return values.astype("float64"), bad
    if col.type == "date":
        return as_dates(series, blank)
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


def check_values(frame: pd.DataFrame, spec: LayerSpec, report: ValidationReport,
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
                       column=col.name, rows=bad_rows(bad, labels))
        out[col.name] = coerced
        if col.required:
            blank = coerced.isna() if col.type != "list" else coerced.str.len() == 0
            blank &= ~bad
            if blank.any():
                report.add("error", "value is empty", f"fill in {col.name!r} ({col.zh})",
                           column=col.name, rows=bad_rows(blank, labels))
        allowed = list(col.allowed or ()) + list(allowed_extra.get(col.name, ()))
        if allowed:
            _check_allowed(out[col.name], col, allowed, report, labels)
        if col.minimum is not None and col.type in ("float", "int"):
            low = out[col.name].notna() & out[col.name].between(-np.inf, col.minimum,
                                                                 inclusive="neither")
            if low.any():
                report.add("error", f"value below {col.minimum}",
                           f"correct {col.name!r}; it cannot be negative",
                           column=col.name, rows=bad_rows(low, labels))
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
                   f"use one of {allowed}", column=col.name, rows=bad_rows(bad, labels))


def check_ids(frame: pd.DataFrame, spec: LayerSpec, report: ValidationReport,
               labels: Sequence[str]) -> None:
    ids = frame[spec.id_column]
    dup = ids.notna() & ids.duplicated(keep=False)
    if dup.any():
        values = sorted(ids[dup].astype(str).unique().tolist())
        report.add("error", f"duplicate id(s) {values[:5]}",
                   "give every feature a unique id", column=spec.id_column,
                   rows=bad_rows(dup, labels))
    digits = all_digit_ids(ids)
    clashes = leading_zero_clashes(digits.tolist()) if len(digits) > 1 else []
    if clashes:
        padded = {v for pair in clashes for v in pair}
        report.add("error", "ids that differ only by leading zeros "
                   f"{[f'{a} / {b}' for a, b in clashes[:5]]}",
                   "format the id column as text in the spreadsheet and retype the ids "
                   "with their zeros (a spreadsheet that reads 007 as a number stores 7)",
                   column=spec.id_column, rows=bad_rows(ids.isin(padded), labels))

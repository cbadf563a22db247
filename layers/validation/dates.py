"""Date cells as dates: ISO text, spreadsheet dates, and the numbers spreadsheets leave behind.

A date column copied out of Excel without its format arrives as a number: the serial day
count since 1899-12-30 (``45292`` is 2024-01-01), which ``pandas.to_datetime`` would read as
nanoseconds since 1970 (1970-01-01 00:00:00.000045292). Text is read as a date first (ISO,
``2024/5/1``, ``20240115``, a year); numeric cells, and text that is no date but a number
(``"45292"`` from a CSV), are read here by their size:

* a whole number from 1900 to 2100 is a year (``2024`` → 2024-01-01);
* a whole number of eight digits that is a valid ``YYYYMMDD`` is that day (``20240115``);
* any other number from 1 to 73050 (2099-12-31) is an Excel serial day (the time of day is
  dropped);
* any other number cannot be read as a date.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

EXCEL_EPOCH = pd.Timestamp("1899-12-30")
"""Day 0 of Excel's (and LibreOffice's, WPS's) 1900 date system, as its serials count."""

EXCEL_SERIAL_MAX = 73050
"""Serial of 2099-12-31, the last day read as a serial."""

YEAR_RANGE = (1900, 2100)
"""Whole numbers read as a year."""

DATE_DTYPE = pd.to_datetime(pd.Series(["2000-01-01"])).dtype
"""The dtype ``pandas.to_datetime`` gives text dates (so every date column has one dtype)."""


def as_dates(series: pd.Series, blank: pd.Series) -> tuple[pd.Series, pd.Series]:
    """``(dates, mask of cells that are not blank and cannot be read as a date)``."""
    if series.dtype.kind == "M":
        values = pd.to_datetime(series, errors="coerce")
        return values, values.isna() & ~blank
    raw = series.where(~blank)
    out = pd.Series(pd.NaT, index=series.index, dtype=DATE_DTYPE)
    if series.dtype.kind in "biuf":
        is_number = raw.notna().to_numpy()
    elif _only_text(raw):  # text: dates as text, numbers as text only where that fails
        if len(raw):
            out[:] = pd.to_datetime(raw, errors="coerce").astype(DATE_DTYPE)
        failed = (out.isna() & raw.notna()).to_numpy()
        # Python's float() reads " 45292\u3000" (any Unicode space around it); to_numeric not
        raw = raw.copy()
        raw[failed] = raw[failed].str.strip()
        numbers = pd.to_numeric(raw[failed], errors="coerce")
        is_number = np.zeros(len(raw), dtype=bool)
        is_number[np.flatnonzero(failed)[numbers.notna().to_numpy()]] = True
    else:  # mixed objects (a workbook's cells): numbers as numbers, the rest as text
        is_number = np.fromiter((isinstance(v, int | float | np.number)
                                 and not isinstance(v, bool) and not pd.isna(v)
                                 for v in raw), bool, len(raw))
        if (~is_number).any():
            out[~is_number] = pd.to_datetime(raw[~is_number], errors="coerce").astype(
                DATE_DTYPE)
    if is_number.any():
        numbers = pd.to_numeric(raw[is_number], errors="coerce").astype("float64")
        out[is_number] = _from_numbers(numbers.to_numpy()).astype(DATE_DTYPE)
    return out, out.isna() & ~blank


def _only_text(series: pd.Series) -> bool:
    return isinstance(series.dtype, pd.StringDtype) or pd.api.types.infer_dtype(
        series, skipna=True) in ("string", "empty")


def _from_numbers(values: np.ndarray) -> np.ndarray:
    """Dates (``datetime64[ns]``, NaT where unreadable) for numbers read as in the module
    docstring."""
    out = np.full(len(values), np.datetime64("NaT"), dtype="datetime64[ns]")
    finite = np.isfinite(values)
    whole = finite & (np.mod(values, 1, where=finite, out=np.ones_like(values)) == 0)
    year = whole & (values >= YEAR_RANGE[0]) & (values <= YEAR_RANGE[1])
    if year.any():
        out[year] = pd.to_datetime(values[year].astype(int).astype(str), format="%Y")
    ymd = whole & (values >= 19000101) & (values <= 21001231)
    if ymd.any():
        read = pd.to_datetime(values[ymd].astype(np.int64).astype(str), format="%Y%m%d",
                              errors="coerce")
        out[ymd] = read.to_numpy(dtype="datetime64[ns]")
    serial = finite & ~year & ~ymd & (values >= 1) & (values <= EXCEL_SERIAL_MAX)
    if serial.any():
        days = np.floor(values[serial]).astype(np.int64)
        out[serial] = (EXCEL_EPOCH + pd.to_timedelta(days, unit="D")).to_numpy()
    return out

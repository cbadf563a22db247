"""Values that read but make no sense: infinite or implausible numbers, dates outside any
plausible range, milestones out of order.

The ranges, the units and the milestone order are data in :mod:`layers.registry`
(``VALUE_RANGES``, ``DATE_RANGE``, ``MILESTONE_ORDER``); this module only applies them, after
the values have been coerced to their column types.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from layers.registry import DATE_RANGE, MILESTONE_ORDER, VALUE_RANGES, Column, LayerSpec
from layers.validation.report import ValidationReport, bad_rows


def check_plausible(frame: pd.DataFrame, spec: LayerSpec, report: ValidationReport,
                    labels: Sequence[str], *, skip: Sequence[str] = ()) -> None:
    """Report non-finite and out-of-range numbers, out-of-range dates and milestones out of
    order in the coerced ``frame`` (columns in ``skip`` could not be read and are left out)."""
    for col in spec.columns:
        if col.derived or col.name not in frame.columns or col.name in skip:
            continue
        if col.type in ("float", "int"):
            _check_number(frame[col.name], col, report, labels)
        elif col.type == "date":
            _check_date(frame[col.name], col, report, labels)
    for chain in MILESTONE_ORDER.get(spec.name, ()):
        _check_order(frame, spec, chain, report, labels)


def _check_number(series: pd.Series, col: Column, report: ValidationReport,
                  labels: Sequence[str]) -> None:
    values = series.astype("float64").to_numpy(na_value=np.nan)
    rng = VALUE_RANGES.get(col.name)
    unit = f" {rng.unit}" if rng else ""
    infinite = np.isinf(values)
    if infinite.any():
        report.add("error", "value is not a finite number (inf)",
                   f"write the real value of {col.name!r} ({col.zh}) in{unit or ' numbers'}",
                   column=col.name, rows=bad_rows(infinite, labels))
    if rng is None:
        return
    with np.errstate(invalid="ignore"):
        high = np.isfinite(values) & (values > rng.high)
        low = np.isfinite(values) & (values < rng.low)
    if col.minimum is not None:  # below the minimum is reported by the value checks
        low &= values >= col.minimum
    outside = high | low
    if outside.any():
        found = sorted({plain_number(v) for v in values[outside]})[:3]
        report.add("error", f"value {found} outside the plausible range "
                   f"{plain_number(rng.low)}–{plain_number(rng.high)}{unit}",
                   f"check the value and its unit: {col.name!r} ({col.zh}) is in{unit}",
                   column=col.name, rows=bad_rows(outside, labels))


def plain_number(value: float) -> str:
    """``10,000`` for 1e4, ``0.5`` for 0.5: how messages and the docs write a bound."""
    return f"{value:,.0f}" if float(value).is_integer() else f"{value:,}"


def _check_date(series: pd.Series, col: Column, report: ValidationReport,
                labels: Sequence[str]) -> None:
    first, last = (pd.Timestamp(d) for d in DATE_RANGE)
    outside = series.notna() & ((series < first) | (series > last))
    if outside.any():
        found = sorted({d.date().isoformat() for d in series[outside]})[:3]
        report.add("error", f"date {found} outside {DATE_RANGE[0]} … {DATE_RANGE[1]}",
                   f"write the date of {col.name!r} ({col.zh}) as YYYY-MM-DD",
                   column=col.name, rows=bad_rows(outside, labels))


def _check_order(frame: pd.DataFrame, spec: LayerSpec, chain: tuple[str, ...],
                 report: ValidationReport, labels: Sequence[str]) -> None:
    present = [name for name in chain if name in frame.columns
               and pd.api.types.is_datetime64_any_dtype(frame[name])]
    for i, earlier in enumerate(present):
        for later in present[i + 1:]:
            backwards = (frame[earlier].notna() & frame[later].notna()
                         & (frame[later] < frame[earlier]))
            if backwards.any():
                a, b = spec.column(earlier), spec.column(later)
                report.add("error", f"{later!r} ({b.zh}) is before {earlier!r} ({a.zh})",
                           "correct the dates: " + " ≤ ".join(
                               f"{spec.column(n).zh}" for n in chain),
                           column=later, rows=bad_rows(backwards, labels))

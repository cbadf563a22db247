"""Spreadsheet cells that cannot run as formulas (CSV/formula injection, OWASP rule).

Excel, WPS and LibreOffice treat a cell whose text starts with ``=``, ``+``, ``-`` or ``@``
(and, after a tab or carriage return, whatever follows) as a formula: a parcel named
``=HYPERLINK("http://evil","x")`` in an investor's workbook becomes a live link, and
``=cmd|' /C calc'!A0`` a DDE command. Every CSV and Excel writer of the product passes its
values through :func:`safe_frame` (tables) or :func:`safe_cell` (cell by cell): such text gets
a leading apostrophe and is shown as text; numbers, dates and booleans stay what they are.

It lives in ``layers/`` (below ``exports/``, ``ui/`` and ``cli/``) because the import
pipeline writes the refused-rows CSV (:func:`layers.importing.refused_csv`) with it too.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

FORMULA_STARTS: tuple[str, ...] = ("=", "+", "-", "@", "\t", "\r")
"""First characters that make a spreadsheet read text as a formula (OWASP CSV injection)."""

TEXT_PREFIX = "'"


def is_formula_text(value: Any) -> bool:
    """True for a string a spreadsheet would read as a formula."""
    return isinstance(value, str) and value.startswith(FORMULA_STARTS)


def safe_cell(value: Any) -> Any:
    """``value`` with a leading ``'`` when it is formula-like text; anything else unchanged."""
    return TEXT_PREFIX + value if is_formula_text(value) else value


def safe_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``frame`` whose text cells and column names cannot run as formulas.

    Only object/string columns are touched (numbers stay numbers). Lists in a cell are
    joined with ``", "`` first, as the Excel lists show them.
    """
    out = pd.DataFrame(frame).copy()
    for name in out.columns:
        series = out[name]
        if not (pd.api.types.is_object_dtype(series) or pd.api.types.is_string_dtype(series)):
            continue
        out[name] = series.map(_safe_value)
    out.columns = [safe_cell(c) if isinstance(c, str) else c for c in out.columns]
    return out


def _safe_value(value: Any) -> Any:
    if isinstance(value, list | tuple):
        value = ", ".join(str(v) for v in value)
    return safe_cell(value)


def csv_text(frame: pd.DataFrame) -> str:
    """``frame`` as CSV text for Excel: safe cells, CRLF line ends (so a CR or LF inside a
    value is always quoted and cannot start a new row)."""
    return safe_frame(frame).to_csv(index=False, lineterminator="\r\n")

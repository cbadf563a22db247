"""Spreadsheet cells that cannot run as formulas (CSV/formula injection, OWASP rule).

Excel, WPS and LibreOffice treat a cell whose text starts with ``=``, ``+``, ``-`` or ``@``
(and, after a tab or carriage return, whatever follows) as a formula: a parcel named
``=HYPERLINK("http://evil","x")`` in an investor's workbook becomes a live link, and
``=cmd|' /C calc'!A0`` a DDE command. Every CSV and Excel writer of the product passes its
values through :func:`safe_frame` (tables) or :func:`safe_cell` (cell by cell): such text gets
a leading apostrophe and is shown as text; numbers, dates and booleans stay what they are.

It lives in ``layers/`` (below ``exports/``, ``ui/`` and ``cli/``) because the import
pipeline writes the refused-rows CSV (:func:`layers.importing.refused_csv`) with it too.

Text also loses the control characters no workbook can hold (openpyxl refuses them and the
export would fail half-written): a vertical tab or form feed pasted from Word becomes a line
break, any other is removed (the same rule the validator applies on input,
:func:`layers.validation.text.clean_text`, for data stored before it did).
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from layers.validation.text import CONTROL_RE, clean_text

FORMULA_STARTS: tuple[str, ...] = ("=", "+", "-", "@", "\t", "\r")
"""First characters that make a spreadsheet read text as a formula (OWASP CSV injection)."""

TEXT_PREFIX = "'"


def is_formula_text(value: Any) -> bool:
    """True for a string a spreadsheet would read as a formula."""
    return isinstance(value, str) and value.startswith(FORMULA_STARTS)


def without_controls(value: Any) -> Any:
    """Text without the control characters a worksheet refuses (Word's ``\x0b`` and
    ``\x0c`` become line breaks); anything that is not text unchanged."""
    if isinstance(value, str) and CONTROL_RE.search(value):
        return clean_text(value)
    return value


def safe_cell(value: Any) -> Any:
    """``value`` with a leading ``'`` when it is formula-like text and without control
    characters; anything that is not text unchanged."""
    value = without_controls(value)
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

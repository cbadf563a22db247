"""Excel lists for investors and promotion teams: offerable parcels and the promotion worklist.

Headers are the registry's Chinese (or English) labels; only public columns are written. The
workbook is written with openpyxl into a temporary file and renamed when complete.

Every cell goes through :func:`put_value`: text that a spreadsheet would read as a formula
(starting with = + - @, see :func:`layers.cells.is_formula_text`) is written as a string
cell with the ``quotePrefix`` style — Excel, WPS and LibreOffice show it as typed ("+86 139 …")
with no visible apostrophe and never evaluate it; figures are rounded as the app shows them
(:data:`NUMBER_FORMATS`, else :func:`rounded`). :func:`write_frames` is the one writer for
every ``.xlsx`` the product makes (CLI tables, app downloads, compliance workbook).
"""

from __future__ import annotations

import io
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import IO, Any

import pandas as pd
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from exports.common import (
    AUDIENCES,
    LANGS,
    ExportError,
    atomic_output,
    check_choice,
    raise_quietly,
    tr,
)
from exports.tables import labelled, offerable_parcels
from exports.worklist import worklist_table
from layers.cells import is_formula_text, without_controls
from layers.county import County
from layers.freshness import as_of_text, layer_freshness
from layers.registry import LAYERS

HEADER_FILL = PatternFill("solid", fgColor="1F4E9C")
HEADER_FONT = Font(bold=True, color="FFFFFF")
NUMBER_FORMATS = {"area_mu": "#,##0.00", "far_min": "0.0#", "far_max": "0.0#",
                  "price_wan_per_mu": "#,##0.0", "investment_min_wan_per_mu": "#,##0",
                  "tax_min_wan_per_mu": "#,##0.0", "score": "0.00"}


def write_sheet(ws: Worksheet, frame: pd.DataFrame, lang: str, *,
                headers: dict[str, str] | None = None,
                formats: Mapping[str, str] | None = None) -> None:
    """Write ``frame`` (canonical column names) to ``ws`` with display headers, a frozen
    header row, an auto-filter, number formats and fitted column widths.

    ``formats`` (column → Excel number format) adds to :data:`NUMBER_FORMATS`; a figure in
    such a column keeps the decimals its format shows (``0.000``: coordinates to the
    millimetre) instead of being :func:`rounded`.
    """
    shown = labelled(frame, lang) if headers is None else frame.rename(columns=headers)
    for col, name in enumerate(shown.columns, start=1):
        put_value(ws.cell(row=1, column=col), str(name))
    given = formats or {}
    digits = [decimals(given[c]) if c in given else None for c in frame.columns]
    for row, values in enumerate(frame.itertuples(index=False), start=2):
        for col, value in enumerate(values, start=1):
            put_value(ws.cell(row=row, column=col), _cell(value), digits=digits[col - 1])
    for idx, column in enumerate(frame.columns, start=1):
        letter = get_column_letter(idx)
        head = ws.cell(row=1, column=idx)
        head.fill, head.font = HEADER_FILL, HEADER_FONT
        head.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
        fmt = given.get(column) or NUMBER_FORMATS.get(column)
        if fmt:
            for cell in ws[letter][1:]:
                cell.number_format = fmt
        texts = [str(shown.columns[idx - 1]), *(str(v) for v in frame[column].head(200))]
        width = max(_display_width(t) for t in texts)
        ws.column_dimensions[letter].width = min(max(width + 2, 8), 48)
    ws.freeze_panes = "A2"
    if len(frame):
        ws.auto_filter.ref = ws.dimensions


def put_value(cell: Any, value: object, *, digits: int | None = None) -> None:
    """Set ``cell`` to ``value``; formula-like text stays a string cell with the
    ``quotePrefix`` style (shown as typed, never run, no apostrophe added); floats are
    :func:`rounded`, or rounded to ``digits`` decimals when given; text loses the control
    characters a worksheet refuses."""
    value = without_controls(value)
    if isinstance(value, str) and is_formula_text(value):
        cell.value = value
        cell.data_type = "s"  # openpyxl made it a formula ("f") on assignment
        cell.quotePrefix = True
        return
    if isinstance(value, float):
        value = rounded(value) if digits is None else round(value, digits)
    cell.value = value


def decimals(number_format: str) -> int:
    """Decimals an Excel number format shows: ``#,##0.00`` → 2, ``0.000`` → 3, ``0`` → 0."""
    _, dot, tail = number_format.partition(".")
    return len(tail) - len(tail.lstrip("0#")) if dot else 0


def rounded(value: float) -> float:
    """A figure as the app shows it: 2 decimals, 4 below 1 (shares, ratios), so float
    noise such as 1.000000000000016 never reaches a cell."""
    return round(value, 4 if abs(value) < 1 else 2)


def _cell(value: object) -> object:
    if isinstance(value, list | tuple):
        return ", ".join(str(v) for v in value)
    if value is None or (not isinstance(value, str) and pd.isna(value)):  # type: ignore[arg-type]
        return None
    if hasattr(value, "item"):
        return value.item()  # numpy scalar → Python
    if isinstance(value, pd.Timestamp):
        return value.to_pydatetime()
    return value


def write_frames(sheets: Mapping[str, pd.DataFrame], out: str | Path | IO[bytes]) -> None:
    """Write tables (sheet name → frame with display headers) as an ``.xlsx`` workbook to a
    path or a binary buffer, each cell through :func:`put_value`, with a frozen header row
    and an auto-filter. The caller makes a path atomic."""
    book = Workbook()
    first = book.active
    assert first is not None
    book.remove(first)
    for name, frame in sheets.items():
        plain = pd.DataFrame(frame).drop(columns=["geometry"], errors="ignore")
        write_sheet(book.create_sheet(str(name)[:31]), plain, "zh",
                    headers={c: str(c) for c in plain.columns})
    book.save(out)


def frames_xlsx_bytes(sheets: Mapping[str, pd.DataFrame]) -> bytes:
    """:func:`write_frames` into memory (for a download button)."""
    buffer = io.BytesIO()
    write_frames(sheets, buffer)
    return buffer.getvalue()


def _display_width(text: str) -> int:
    return sum(2 if ord(ch) > 0x2E80 else 1 for ch in text)


def export_excel(county: County, out: str | Path, *, lang: str = "zh",
                 audience: str = "investor",
                 step: Callable[[str], None] | None = None) -> Path:
    """Write the offerable parcels and the promotion worklist as one ``.xlsx`` workbook.

    Parameters
    ----------
    county : loaded county.
    out : the ``.xlsx`` file (written atomically).
    lang : ``zh`` (Chinese headers and labels, default) or ``en``.
    audience : ``investor`` (default: public columns only) or ``staff``.
    step : called with a short description as each stage starts (progress display).

    Returns
    -------
    Path
        ``out``.
    """
    check_choice(lang, LANGS, "language")
    check_choice(audience, AUDIENCES, "audience")

    if step:
        step(tr("核查可供应地块", "checking offerable parcels", lang))
    parcels = offerable_parcels(county, lang=lang)
    if step:
        step(tr("匹配产业链招商清单", "matching the promotion worklist", lang))
    worklist, headers = worklist_table(county, lang=lang, audience=audience)
    book = Workbook()
    first = book.active
    assert first is not None
    first.title = tr("可供应地块", "Offerable parcels", lang)
    write_sheet(first, parcels, lang)
    write_sheet(book.create_sheet(tr("招商工作清单", "Promotion worklist", lang)), worklist,
                lang, headers=headers)
    _about_sheet(book.create_sheet(tr("数据说明", "About the data", lang)), county, lang,
                 audience)
    if step:
        step(tr("写出 Excel", "writing Excel", lang))
    failure: ExportError | None = None
    try:
        with atomic_output(out) as tmp:
            book.save(tmp)
    except ExportError as exc:  # a refused write (file too large, disk full)
        failure = exc
    if failure is not None:
        raise_quietly(failure)
    return Path(out)


def _about_sheet(sheet: Worksheet, county: County, lang: str, audience: str) -> None:
    """How current each layer of the workbook is (set by ``investmap load --as-of``); an
    unrecorded date is a note for staff only."""
    fresh = layer_freshness(county)
    sheet.append([tr("图层", "Layer", lang), tr("数据日期", "As of", lang)])
    for name in ("park", "parcel", "redline"):
        if name in county.layers:
            spec = LAYERS[name]
            recorded = fresh.get(name) is not None and fresh[name].as_of is not None
            sheet.append([spec.zh if lang == "zh" else spec.en,
                          as_of_text(name, lang, fresh) if recorded or audience == "staff"
                          else "—"])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    sheet.column_dimensions["A"].width = 14
    sheet.column_dimensions["B"].width = 48

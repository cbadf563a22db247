"""Excel lists for investors and promotion teams: offerable parcels and the promotion worklist.

Headers are the registry's Chinese (or English) labels; only public columns are written. The
workbook is written with openpyxl into a temporary file and renamed when complete; every text
cell goes through :func:`layers.cells.safe_cell`, so no value becomes a formula.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

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
from layers.cells import safe_cell
from layers.county import County
from layers.freshness import as_of_text, layer_freshness
from layers.registry import LAYERS

HEADER_FILL = PatternFill("solid", fgColor="1F4E9C")
HEADER_FONT = Font(bold=True, color="FFFFFF")
NUMBER_FORMATS = {"area_mu": "#,##0.00", "far_min": "0.0#", "far_max": "0.0#",
                  "price_wan_per_mu": "#,##0.0", "investment_min_wan_per_mu": "#,##0",
                  "tax_min_wan_per_mu": "#,##0.0", "score": "0.00"}


def write_sheet(ws: Worksheet, frame: pd.DataFrame, lang: str, *,
                headers: dict[str, str] | None = None) -> None:
    """Write ``frame`` (canonical column names) to ``ws`` with display headers, a frozen
    header row, an auto-filter, number formats and fitted column widths."""
    shown = labelled(frame, lang) if headers is None else frame.rename(columns=headers)
    ws.append([safe_cell(str(c)) for c in shown.columns])
    for values in frame.itertuples(index=False):
        ws.append([safe_cell(_cell(v)) for v in values])
    for idx, column in enumerate(frame.columns, start=1):
        letter = get_column_letter(idx)
        head = ws.cell(row=1, column=idx)
        head.fill, head.font = HEADER_FILL, HEADER_FONT
        head.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
        fmt = NUMBER_FORMATS.get(column)
        if fmt:
            for cell in ws[letter][1:]:
                cell.number_format = fmt
        texts = [str(shown.columns[idx - 1]), *(str(v) for v in frame[column].head(200))]
        width = max(_display_width(t) for t in texts)
        ws.column_dimensions[letter].width = min(max(width + 2, 8), 48)
    ws.freeze_panes = "A2"
    if len(frame):
        ws.auto_filter.ref = ws.dimensions


def _cell(value: object) -> object:
    if isinstance(value, list | tuple):
        return ", ".join(str(v) for v in value)
    if value is None or pd.isna(value):
        return None
    if hasattr(value, "item"):
        return value.item()  # numpy scalar → Python
    return value


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
    _about_sheet(book.create_sheet(tr("数据说明", "About the data", lang)), county, lang)
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


def _about_sheet(sheet: Worksheet, county: County, lang: str) -> None:
    """How current each layer of the workbook is (set by ``investmap load --as-of``)."""
    fresh = layer_freshness(county)
    sheet.append([tr("图层", "Layer", lang), tr("数据日期", "As of", lang)])
    for name in ("park", "parcel", "redline"):
        if name in county.layers:
            spec = LAYERS[name]
            sheet.append([safe_cell(spec.zh if lang == "zh" else spec.en),
                          safe_cell(as_of_text(name, lang, fresh))])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    sheet.column_dimensions["A"].width = 14
    sheet.column_dimensions["B"].width = 48

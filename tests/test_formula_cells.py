"""No text becomes a spreadsheet formula in any CSV or Excel the product writes (item 3).

CSV has no cell types: formula-like text gets a leading apostrophe. Excel cells keep the text
as typed — a string cell with the quotePrefix style, so no apostrophe is shown (issue 31)."""

from __future__ import annotations

import csv

import openpyxl
import pandas as pd
import pytest

from cli.common import write_table
from exports.excel import export_excel
from layers.cells import FORMULA_STARTS, safe_cell, safe_frame
from layers.county import load_county

HOSTILE = ['=HYPERLINK("http://evil","x")', "=cmd|' /C calc'!A0", "+1+1", "@SUM(1)", "-2+3",
           "\t=1+1", "\r=1+1"]


def formula_cells(path) -> list[str]:
    """Formula cells, and formula-like text not marked as text (quotePrefix)."""
    book = openpyxl.load_workbook(path)
    return [f"{ws.title}!{c.coordinate}" for ws in book.worksheets for row in ws.iter_rows()
            for c in row if c.data_type == "f"
            or (isinstance(c.value, str) and c.value.startswith(FORMULA_STARTS)
                and not (c.data_type == "s" and c.quotePrefix))]


@pytest.mark.parametrize("text", HOSTILE)
def test_safe_cell_prefixes_formula_text(text):
    assert safe_cell(text) == "'" + text


@pytest.mark.parametrize("value", ["青峰经开区", "a=b", " =1", 12.5, -3, None, True])
def test_safe_cell_leaves_other_values(value):
    assert safe_cell(value) is value


def test_safe_frame_keeps_numbers_and_escapes_headers():
    frame = pd.DataFrame({"name": HOSTILE[:3], "=head": ["x", "y", "z"],
                          "delta": [-2.0, 3.0, -1.5], "tags": [["=a"], ["b"], []]})
    out = safe_frame(frame)
    assert list(out.columns) == ["name", "'=head", "delta", "tags"]
    assert out["delta"].tolist() == [-2.0, 3.0, -1.5]
    assert out["name"].tolist() == ["'" + t for t in HOSTILE[:3]]
    assert out["tags"].tolist() == ["'=a", "b", ""]
    assert frame["name"].tolist() == HOSTILE[:3]  # the input is not modified


def test_write_table_csv_and_xlsx(tmp_path):
    frame = pd.DataFrame({"name": HOSTILE, "value": range(len(HOSTILE))})
    xlsx = write_table(frame, tmp_path / "t.xlsx")
    assert formula_cells(xlsx) == []
    book = openpyxl.load_workbook(xlsx)
    typed = [t.replace("\r", "\n") for t in HOSTILE]  # XML text normalises CR to LF
    assert [c.value for c in book.active["A"]][1:] == typed  # as typed, no apostrophe
    assert all(c.quotePrefix for c in book.active["A"][1:])
    assert [c.value for c in book.active["B"]][1:] == list(range(len(HOSTILE)))
    out = write_table(frame, tmp_path / "t.csv")
    with open(out, encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.reader(fh))
    assert [r[0] for r in rows[1:]] == ["'" + t for t in HOSTILE]
    assert not any(cell.startswith(FORMULA_STARTS) for row in rows for cell in row)


def test_investor_excel_export_has_no_formula(tmp_path):
    county = load_county(layers=("park", "parcel", "project", "redline", "enterprise"))
    parks = county.layers["park"]
    parks["name"] = HOSTILE[0]
    parks["name_en"] = HOSTILE[1]
    parcels = county.layers["parcel"]
    parcels["parcel_id"] = [HOSTILE[i % len(HOSTILE)] + f"#{i}" for i in range(len(parcels))]
    for lang in ("zh", "en"):
        out = export_excel(county, tmp_path / f"x_{lang}.xlsx", lang=lang)
        assert formula_cells(out) == []
        texts = [c.value for ws in openpyxl.load_workbook(out).worksheets
                 for row in ws.iter_rows() for c in row if isinstance(c.value, str)]
        assert HOSTILE[0 if lang == "zh" else 1] in texts  # the park name, as typed
        assert not any(t.startswith("'") for t in texts)


def test_every_csv_and_excel_writer_goes_through_cells():
    """A new writer that forgets the escaping fails here (source scan of the product)."""
    from tests.conftest import ROOT

    writers = ("to_csv(", "to_excel(", "Workbook(", "csv.writer(")
    unsafe = []
    for folder in ("cli", "exports", "ui", "layers", "geo", "scale", "webmap", "app.py"):
        paths = [ROOT / folder] if folder.endswith(".py") else (ROOT / folder).rglob("*.py")
        for path in paths:
            text = path.read_text(encoding="utf-8")
            if path.name != "cells.py" and any(w in text for w in writers) \
                    and "layers.cells import" not in text:
                unsafe.append(str(path.relative_to(ROOT)))
    assert unsafe == []


def test_app_download_bytes_have_no_formula(tmp_path):
    """What ``ui.common.downloads`` offers: ``csv_text`` and ``frames_xlsx_bytes``."""
    import io

    from exports.excel import frames_xlsx_bytes
    from layers.cells import csv_text

    frame = pd.DataFrame({"parcel_id": HOSTILE, "area_mu": [15.0] * len(HOSTILE)})
    rows = list(csv.reader(io.StringIO(csv_text(frame), newline="")))
    assert len(rows) == len(HOSTILE) + 1
    assert not any(cell.startswith(FORMULA_STARTS) for row in rows for cell in row)
    xlsx = tmp_path / "download.xlsx"
    xlsx.write_bytes(frames_xlsx_bytes({"parcels": frame}))
    assert formula_cells(xlsx) == []
    assert [c.value for c in openpyxl.load_workbook(xlsx).active["A"]][1:] == [
        t.replace("\r", "\n") for t in HOSTILE]

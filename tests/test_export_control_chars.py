"""Text pasted from Word (vertical tab, form feed, other control characters) never crashes an
Excel writer nor leaves a partial file (issue 27, root cause 2)."""

from __future__ import annotations

import openpyxl
import pandas as pd

from cli.common import write_table
from exports.excel import export_excel
from layers.cells import safe_cell
from layers.county import load_county

WORD = "第一行\x0b第二行\x0c第三段\x01\x1f"


def test_safe_cell_turns_word_breaks_into_line_breaks():
    assert safe_cell(WORD) == "第一行\n第二行\n第三段"
    assert safe_cell("=1\x0b2") == "'=1\n2"


def test_write_table_xlsx_with_control_characters(tmp_path):
    out = write_table(pd.DataFrame({"name": [WORD]}), tmp_path / "t.xlsx")
    assert openpyxl.load_workbook(out).active["A2"].value == "第一行\n第二行\n第三段"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["t.xlsx"]


def test_investor_workbook_with_control_characters_in_stored_data(tmp_path):
    county = load_county(layers=("park", "parcel", "project", "redline", "enterprise"))
    county.layers["park"]["name"] = WORD  # stored before the validator cleaned text
    out = export_excel(county, tmp_path / "x.xlsx", lang="zh")
    texts = [c.value for ws in openpyxl.load_workbook(out).worksheets
             for row in ws.iter_rows() for c in row if isinstance(c.value, str)]
    assert "第一行\n第二行\n第三段" in texts
    assert sorted(p.name for p in tmp_path.iterdir()) == ["x.xlsx"]

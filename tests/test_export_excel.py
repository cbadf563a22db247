"""Excel export: offerable parcels and the promotion worklist with Chinese headers; investor
workbooks carry no confidential column or value."""

from __future__ import annotations

import openpyxl
import pytest

from exports.excel import export_excel
from exports.tables import offerable_parcels
from layers.supply import availability
from tests.confidential import confidential_hits


@pytest.fixture(scope="module")
def workbook(demo_county, tmp_path_factory):
    out = tmp_path_factory.mktemp("xlsx") / "lists.xlsx"
    export_excel(demo_county, out)
    return openpyxl.load_workbook(out)


def _rows(ws):
    return [[c.value for c in row] for row in ws.iter_rows()]


def test_sheets_and_chinese_headers(workbook):
    assert workbook.sheetnames == ["可供应地块", "招商工作清单", "数据说明"]
    parcels, worklist = (_rows(workbook[n]) for n in workbook.sheetnames[:2])
    about = _rows(workbook["数据说明"])  # how current the data is (issue 18)
    assert about[0] == ["图层", "数据日期"]
    assert [r[0] for r in about[1:]] == ["园区", "地块", "管控红线"]
    # the demo records no as-of dates: investors see "—", never a note for staff
    assert all(r[1] == "—" for r in about[1:])
    assert parcels[0] == ["地块编号", "园区名称", "用地性质", "面积(亩)", "容积率下限",
                          "容积率上限", "出让底价(万元/亩)", "投资强度(万元/亩)",
                          "亩均税收承诺(万元/亩)", "七通一平", "红线核查"]
    assert worklist[0] == ["产业链", "产业链环节", "判定", "地块编号", "所属园区", "面积(亩)"]
    assert workbook["可供应地块"].freeze_panes == "A2"


def test_offerable_sheet_is_exactly_the_available_parcels(workbook, demo_county):
    verdicts = availability(demo_county)
    expected = set(verdicts.loc[verdicts["available"], "parcel_id"])
    ids = [r[0] for r in _rows(workbook["可供应地块"])[1:]]
    assert len(ids) == len(expected) and set(ids) == expected
    parcels = demo_county["parcel"].set_index("parcel_id")
    first = _rows(workbook["可供应地块"])[1]
    assert first[3] == pytest.approx(parcels.loc[first[0], "area_mu"], abs=0.005)
    assert all(parcels.loc[i, "status"] == "available" for i in ids)


def test_red_line_check_text(demo_county):
    table = offerable_parcels(demo_county)
    assert (table["redline_check"] == "不涉及管控红线").sum() > len(table) * 0.9
    warned = table[table["redline_check"].str.startswith("提示：")]
    assert len(warned) >= 1  # soft flood-zone overlaps stay offerable, with the warning


def test_worklist_rows_name_offerable_parcels(workbook, demo_county):
    verdicts = availability(demo_county)
    offerable = set(verdicts.loc[verdicts["available"], "parcel_id"])
    rows = _rows(workbook["招商工作清单"])[1:]
    assert rows and {r[3] for r in rows} <= offerable
    assert {r[2] for r in rows} <= {"重点培育", "招商机会", "延伸方向"}  # investor words


def test_investor_workbook_has_no_confidential_data(workbook, demo_county):
    cells = "\n".join(str(v) for ws in workbook for row in _rows(ws) for v in row)
    assert confidential_hits(cells, demo_county) == []
    targets = ["示例隔膜材料股份公司", "示例新能源材料集团"]
    assert not any(t in cells for t in targets)  # target enterprises are staff material


def test_staff_workbook_adds_targets_and_scores(demo_county, tmp_path):
    out = export_excel(demo_county, tmp_path / "staff.xlsx", audience="staff", lang="en")
    book = openpyxl.load_workbook(out)
    assert book.sheetnames == ["Offerable parcels", "Promotion worklist", "About the data"]
    header = _rows(book["Promotion worklist"])[0]
    assert header[-4:] == ["Rank", "Score", "Target enterprises", "Notes"]
    assert any(r[8] for r in _rows(book["Promotion worklist"])[1:])


def test_cli_export_excel(cli, tmp_path):
    out = tmp_path / "lists.xlsx"
    result = cli("export-excel", "--out", str(out))
    assert result.returncode == 0, result.stderr
    assert [p.name for p in tmp_path.iterdir()] == ["lists.xlsx"]
    bad = cli("export-excel", "--out", str(tmp_path / "lists.csv"))
    assert bad.returncode == 2 and "must be an .xlsx file" in bad.stderr


def libreoffice_csv(xlsx, folder) -> list[list[str]]:
    """The first sheet as LibreOffice Calc reads and shows it (converted to UTF-8 CSV)."""
    import csv
    import shutil
    import subprocess

    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    assert soffice, "LibreOffice is part of the test profile: scripts/setup-system.sh test"
    subprocess.run([soffice, "--headless", "--norestore",
                    f"-env:UserInstallation=file://{folder}/lo-profile",
                    "--convert-to", "csv:Text - txt - csv (StarCalc):44,34,76",
                    "--outdir", str(folder), str(xlsx)],
                   check=True, capture_output=True, timeout=180)
    with open(folder / (xlsx.stem + ".csv"), encoding="utf-8", newline="") as fh:
        return list(csv.reader(fh))


def test_libreoffice_shows_text_as_typed_and_figures_rounded(tmp_path):
    """Cells starting with = + - @ are text in LibreOffice (no apostrophe, never
    evaluated); float noise is rounded away (issue 31)."""
    import pandas as pd

    from exports.excel import write_frames

    texts = ["+86 139 0000 0000", "=1+2", "-5 km", "@home", '=HYPERLINK("http://x","y")']
    frame = pd.DataFrame({"text": texts, "share": [1.000000000000016, 0.123456789, 0.5,
                                                   2 / 3, 12.3456]})
    write_frames({"t": frame}, tmp_path / "t.xlsx")
    rows = libreoffice_csv(tmp_path / "t.xlsx", tmp_path)
    assert [r[0] for r in rows[1:]] == texts
    assert [r[1] for r in rows[1:]] == ["1", "0.1235", "0.5", "0.6667", "12.35"]


def test_libreoffice_reads_the_investor_workbook_without_apostrophes_or_ids(demo_county,
                                                                           tmp_path):
    import re

    out = export_excel(demo_county, tmp_path / "w.xlsx")
    rows = libreoffice_csv(out, tmp_path)
    cells = [c for r in rows for c in r]
    assert len(rows) > 10 and not [c for c in cells if c.startswith("'")]
    assert not [c for c in cells if re.fullmatch(r"P\d\d", c)]  # park names, not ids
    assert not [c for c in cells if re.fullmatch(r"-?\d+\.\d{5,}", c)]  # rounded figures

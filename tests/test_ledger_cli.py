"""``investmap ledger --load`` into GeoPackage and PostGIS stores (versioned, audited, nothing
written on error) and ``investmap ledger --out`` reports (.xlsx, .pdf) in zh and en."""

from __future__ import annotations

import subprocess

import openpyxl
import pandas as pd
import pytest

from layers.policy import load_policy
from layers.store import open_store
from tests import store_county as county
from tests.conftest import BACKENDS, run_cli
from tests.ledger_fixture import AS_OF, ROWS, write_ledger

LEDGER = ("ledger_project", "ledger_step", "ledger_month")


@pytest.fixture(params=BACKENDS)
def store_url(request, tmp_path) -> str:
    if request.param == "postgis":
        url = request.getfixturevalue("postgis_url")
        with open_store(url) as store:
            county.fill(store)
        return url
    path = str(tmp_path / "store.gpkg")
    with open_store(path) as store:
        county.fill(store)
    return path


def test_load_is_versioned_audited_and_idempotent(store_url, tmp_path):
    book = write_ledger(tmp_path / "台账.xlsx")
    first = run_cli("ledger", "--data", store_url, "--load", str(book), "--user", "wang")
    assert first.returncode == 0, first.stderr
    assert "[ledger_step]: 12 inserted" in first.stdout
    again = run_cli("ledger", "--data", store_url, "--load", str(book), "--user", "wang")
    assert again.returncode == 0, again.stderr
    assert "[ledger_step]: 0 inserted, 0 updated, 12 unchanged, 0 audit rows" in again.stdout
    rows = [list(r) for r in ROWS]
    rows[3][9] = "已办（2024.10.20）"  # XM-00003 用地预审 done since
    changed = write_ledger(tmp_path / "台账2.xlsx", rows=rows)
    third = run_cli("ledger", "--data", store_url, "--load", str(changed), "--user", "li",
                    "--reason", "周报更新")
    assert third.returncode == 0, third.stderr
    assert "[ledger_step]: 0 inserted, 1 updated" in third.stdout
    with open_store(store_url) as store:
        step = store.get("ledger_step", "XM-00003/land_pre")
        assert step.version == 2
        assert step.values["state"] == "done" and step.values["done_date"] == "2024-10-20"
        trail = store.history("ledger_step", "XM-00003/land_pre")
        assert [(e.field, e.old_value, e.new_value, e.user) for e in trail[1:]] == [
            ("state", "todo", "done", "li"), ("done_date", None, "2024-10-20", "li")]
        assert store.read_layer("ledger_project").set_index("project_id").at[
            "XM-00001", "leader"] == "张副县长"
    report = tmp_path / "report.xlsx"  # the report reads the same store (either backend)
    done = run_cli("ledger", "--data", store_url, "--out", str(report), "--as-of", AS_OF)
    assert done.returncode == 0, done.stderr
    board = pd.read_excel(report, sheet_name=openpyxl.load_workbook(report).sheetnames[1])
    assert board["逾期天数"].tolist() == [365, 244, 134]


def test_bad_ledger_writes_nothing(store_url, tmp_path):
    rows = [list(r) for r in ROWS]
    rows[2][10] = "卡住了"
    bad = write_ledger(tmp_path / "bad.xlsx", rows=rows)
    with open_store(store_url) as store:
        before = store.snapshot()
    done = run_cli("ledger", "--data", store_url, "--load", str(bad), "--user", "wang")
    assert done.returncode == 2
    assert "sheet 台账 row 8" in done.stderr and "环评" in done.stderr
    assert "fix:" in done.stderr and "nothing was written" in done.stderr
    assert "Traceback" not in done.stderr
    with open_store(store_url) as store:
        assert store.snapshot() == before


def test_load_through_investmap_load(tmp_path):
    """A ledger layer loads like any other layer: ``investmap load FILE --layer NAME``."""
    path = str(tmp_path / "store.gpkg")
    book = write_ledger(tmp_path / "台账.xlsx")
    done = run_cli("load", str(book), "--layer", "ledger_step", "--user", "wang", "--data",
                   path)
    assert done.returncode == 0, done.stderr
    with open_store(path) as store:
        assert len(store.read_layer("ledger_step")) == 12


@pytest.fixture(scope="module")
def loaded_store(tmp_path_factory) -> str:
    folder = tmp_path_factory.mktemp("ledger_store")
    path = str(folder / "store.gpkg")
    with open_store(path) as store:
        county.fill(store)
    book = write_ledger(folder / "台账.xlsx")
    done = run_cli("ledger", "--data", path, "--load", str(book), "--user", "wang")
    assert done.returncode == 0, done.stderr
    return path


def pdftotext(path) -> str:
    return subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True,
                          text=True, check=True).stdout


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_report_xlsx(loaded_store, tmp_path, lang):
    out = tmp_path / f"report_{lang}.xlsx"
    done = run_cli("ledger", "--data", loaded_store, "--out", str(out), "--as-of", AS_OF,
                   "--lang", lang)
    assert done.returncode == 0, done.stderr
    book = openpyxl.load_workbook(out)
    board = pd.read_excel(out, sheet_name=book.sheetnames[1])
    step, days = ("手续环节", "逾期天数") if lang == "zh" else ("Step", "Days late")
    label = "环评" if lang == "zh" else "Environmental impact assessment"
    assert board[step].tolist() == [label, label, "施工许可" if lang == "zh"
                                    else "Construction permit"]
    assert board[days].tolist() == [365, 244, 134]
    leaders = pd.read_excel(out, sheet_name=book.sheetnames[3])
    assert leaders.iloc[:, 0].tolist() == ["张副县长", "李副县长"]
    assert leaders.iloc[:, 1].tolist() == [3, 0]
    rates = pd.read_excel(out, sheet_name=book.sheetnames[4])
    assert rates.iloc[:, -1].tolist() == ["20.0%", "70.0%", "100.0%"]
    text = " ".join(str(c.value) for ws in book for row in ws.iter_rows() for c in row
                    if c.value is not None)
    for code in ("approval", "land_pre", "eia", "construction", "nan", "None", "NaT",
                 "00:00:00", "_wan"):
        assert code not in text, code


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_report_pdf_has_cjk_text(loaded_store, tmp_path, lang):
    out = tmp_path / f"report_{lang}.pdf"
    done = run_cli("ledger", "--data", loaded_store, "--out", str(out), "--as-of", AS_OF,
                   "--lang", lang)
    assert done.returncode == 0, done.stderr
    text = pdftotext(out)
    assert "张副县长" in text and "市生态环境局县分局" in text and "煤焦油深加工项目" in text
    assert ("卡壳环节" if lang == "zh" else "Stuck steps") in text
    assert "365" in text and "244" in text
    assert "70.0%" in text


def test_report_without_ledger_says_how_to_load(tmp_path):
    path = str(tmp_path / "store.gpkg")
    with open_store(path) as store:
        county.fill(store)
    done = run_cli("ledger", "--data", path, "--out", str(tmp_path / "r.xlsx"))
    assert done.returncode == 2 and "--load" in done.stderr and "Traceback" not in done.stderr


def test_step_outside_catalogue_refused(tmp_path):
    """A step code the policy lacks (loaded from a CSV of steps) is refused, naming the codes."""
    csv = tmp_path / "steps.csv"
    csv.write_text("step_key,project_id,step,state\nX/tax,X,tax,todo\n", encoding="utf-8")
    done = run_cli("validate", str(csv), "--layer", "ledger_step")
    assert done.returncode == 1
    assert "tax" in done.stdout + done.stderr
    assert set(load_policy().section("ledger").steps) >= {"eia", "approval"}


def test_workbook_without_ids_matched_by_name(tmp_path):
    """Real 台账 often have no 项目编号: ``ledger --load`` matches 项目名称 with the store's
    projects (here X1 新材料产业园, X2 装备制造基地), and names none or two as problems."""
    path = str(tmp_path / "store.gpkg")
    with open_store(path) as store:
        county.fill(store)
    rows = [list(r) for r in ROWS[2:]]  # XM-00002 and XM-00003, one row each
    for row, name in zip(rows, ["新材料产业园", "装 备 制 造 基 地"], strict=True):
        row[1], row[2] = None, name
    book = write_ledger(tmp_path / "台账.xlsx", rows=rows, merge=False)
    done = run_cli("ledger", "--data", path, "--load", str(book), "--user", "wang")
    assert done.returncode == 0, done.stderr
    with open_store(path) as store:
        assert sorted(store.read_layer("ledger_project")["project_id"]) == ["X1", "X2"]
        assert "X2/eia" in set(store.read_layer("ledger_step")["step_key"])
    rows[1][2] = "不存在的项目"
    bad = write_ledger(tmp_path / "台账2.xlsx", rows=rows, merge=False)
    done = run_cli("ledger", "--data", path, "--load", str(bad), "--user", "wang")
    assert done.returncode == 2
    assert "不存在的项目" in done.stderr and "matches no project" in done.stderr
    plain = run_cli("load", str(bad), "--layer", "ledger_step", "--user", "wang", "--data",
                    path)
    assert plain.returncode == 2 and "no 项目编号" in plain.stderr

"""项目挂图作战 shows the demo's 重点项目台账 to staff in zh and en (labels, never codes), and
no investor view or export carries any of it (tests/confidential.py scans)."""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from layers.registry import LEDGER_MONTH, LEDGER_PROJECT, LEDGER_STEP
from tests.confidential import confidential_hits
from ui.auth import User

APP = str(Path(__file__).resolve().parents[1] / "app.py")
ADMIN = User("admin", "admin", "管理员")
SNAKE = re.compile(r"(?<![A-Za-z0-9/.\-])[a-z][a-z0-9]*_[a-z0-9_]+(?![A-Za-z0-9])")
BLANK = re.compile(r"(?<![A-Za-z])(None|nan|NaN|NaT|<NA>)(?![A-Za-z])|00:00:00")


@pytest.fixture(autouse=True)
def _offline(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("INVESTMAP_BASEMAP", "none")
    monkeypatch.setenv("INVESTMAP_STATE_DIR", str(tmp_path))
    monkeypatch.setenv("INVESTMAP_AS_OF", "2026-06-30")  # the demo's as-of date
    monkeypatch.delenv("TIANDITU_KEY", raising=False)


def _open(lang: str) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=180)
    at.session_state["lang"] = lang
    at.session_state["auth_user"] = ADMIN
    at.run()
    at.switch_page("ui/pipeline_page.py").run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def _table(at: AppTest, *columns: str) -> pd.DataFrame:
    return next(d.value for d in at.dataframe if set(columns) <= set(d.value.columns))


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_board_lines_rates_and_card(lang, demo_county):
    at = _open(lang)
    zh = lang == "zh"
    step_col, days_col = ("手续环节", "逾期天数") if zh else ("Step", "Days late")
    board = _table(at, step_col, days_col)
    assert len(board) > 0  # the demo's board is not empty
    assert list(board[days_col]) == sorted(board[days_col], reverse=True)
    labels = {s for s in board[step_col]}
    codes = {"approval", "land_pre", "eia", "energy", "land", "planning", "construction",
             "utilities"}
    assert labels and not labels & codes
    leader_col = "包抓领导" if zh else "Leader in charge"
    leaders = next(d.value for d in at.dataframe if leader_col in d.value.columns
                   and ("最长逾期天数" if zh else "Most days late") in d.value.columns
                   and d.value.columns[0] == leader_col)
    most = "最长逾期天数" if zh else "Most days late"
    assert list(leaders[most]) == sorted(leaders[most], reverse=True)
    rate_col = "完成率" if zh else "Completion"
    assert _table(at, rate_col)[rate_col].str.endswith("%").all()
    timeline = _table(at, "办理状态" if zh else "State")
    assert len(timeline) == 8
    for frame in (d.value for d in at.dataframe):
        text = " ".join(map(str, frame.columns)) + frame.to_csv(index=False)
        assert not SNAKE.findall(text), SNAKE.findall(text)[:5]
        assert not BLANK.findall(text), BLANK.findall(text)[:5]
    metrics = [m.label for m in at.metric]
    assert ("卡壳环节" if zh else "Stuck steps") in metrics
    buttons = [b.label for b in at.get("download_button")]
    assert ("下载报告（PDF）" if zh else "Download report (PDF)") in buttons


def test_switching_the_card_project(demo_county):
    at = _open("zh")
    box = at.selectbox(key="ledger_card_project")
    other = box.options[-1]
    box.set_value(next(o for o in demo_county["ledger_project"]["project_id"]
                       if demo_county["ledger_project"].set_index("project_id").at[o, "name"]
                       == other)).run()
    assert not at.exception
    months = _table(at, "形象进度")
    assert "月份" in months.columns


def test_investors_never_see_the_ledger(demo_county, tmp_path):
    """The investor map and exports carry no ledger column nor value (leaders, problems)."""
    from exports.excel import export_excel
    from exports.html import export_html

    at = AppTest.from_file(APP, default_timeout=180)
    at.run()
    assert not at.exception
    texts = [str(n.value) for n in at.main if getattr(n, "value", None) is not None]
    page = " ".join(texts)
    html = export_html(demo_county, tmp_path / "map.html", audience="investor").read_text(
        encoding="utf-8")
    book = export_excel(demo_county, tmp_path / "list.xlsx", audience="investor")
    import openpyxl

    cells = " ".join(str(c.value) for ws in openpyxl.load_workbook(book) for row in
                     ws.iter_rows() for c in row if c.value is not None)
    leaders = set(demo_county["ledger_project"]["leader"].dropna())
    problems = set(demo_county["ledger_step"]["problem"].dropna())
    for text in (page, html, cells):
        assert not confidential_hits(text, demo_county)
        assert not [x for x in leaders | problems if x in text]
        for spec in (LEDGER_PROJECT, LEDGER_STEP, LEDGER_MONTH):
            assert spec.zh not in text

"""The hand-made 台账 (tests/ledger_fixture.py) imports exactly and judges as computed by hand."""

from __future__ import annotations

import pandas as pd
import pytest

from geo import ledger
from layers.importing import prepare_import
from layers.ledger_read import LedgerError
from layers.policy import load_policy
from tests.ledger_fixture import AS_OF, ROWS, write_ledger

LAYERS = ("ledger_project", "ledger_step", "ledger_month")


@pytest.fixture(scope="module")
def book(tmp_path_factory):
    return write_ledger(tmp_path_factory.mktemp("ledger") / "台账.xlsx")


@pytest.fixture(scope="module")
def frames(book):
    return {layer: prepare_import(book, layer).frame for layer in LAYERS}


@pytest.fixture(scope="module")
def settings():
    return load_policy().section("ledger")


@pytest.fixture(scope="module")
def judged(frames, settings):
    return ledger.judge_steps(frames["ledger_step"], frames["ledger_project"], settings,
                              as_of=pd.Timestamp(AS_OF))


def test_projects_import_exactly(frames):
    got = frames["ledger_project"].set_index("project_id")
    assert list(got.index) == ["XM-00001", "XM-00002", "XM-00003"]  # no totals, no section
    assert got["total_investment_wan"].tolist() == [35000.0, 12000.0, 8000.0]  # 亿元 → 万元
    assert got["annual_plan_wan"].tolist() == [12000.0, 5000.0, 3000.0]  # 万元 stays
    assert got["year"].tolist() == [2024, 2024, 2024]  # from the title
    assert got["planned_start_date"].tolist() == [
        pd.Timestamp("2024-06-30"), pd.Timestamp("2024-03-01"), pd.Timestamp("2025-03-31")]
    assert got.at["XM-00001", "problem"] == "林地指标未落实；环评待批复"  # both merged rows
    assert got["leader"].tolist() == ["张副县长", "张副县长", "李副县长"]
    assert got["department"].tolist() == ["县工业和信息化局", "县发展和改革局", "县自然资源局"]


def test_steps_import_exactly(frames):
    got = frames["ledger_step"].set_index("step_key")
    assert len(got) == 12
    expected = {  # key: (state, planned, done, problem)
        "XM-00001/approval": ("done", None, "2024-03-05", None),
        "XM-00001/land_pre": ("done", None, None, None),  # undated 已办
        "XM-00001/eia": ("doing", None, None, None),
        "XM-00001/construction": ("todo", None, None, None),
        "XM-00002/approval": ("done", None, "2023-11-20", None),  # half-width brackets
        "XM-00002/eia": ("stuck", None, None, "排污指标未落实"),
        "XM-00002/construction": ("todo", "2024-12-31", None, None),
        "XM-00003/eia": ("na", None, None, None),
    }
    for key, (state, planned, done, problem) in expected.items():
        row = got.loc[key]
        assert row["state"] == state, key
        assert row["planned_date"] == (pd.Timestamp(planned) if planned else None) or (
            planned is None and pd.isna(row["planned_date"])), key
        assert (pd.isna(row["done_date"]) if done is None
                else row["done_date"] == pd.Timestamp(done)), key
        assert (pd.isna(row["problem"]) if problem is None else row["problem"] == problem), key


def test_months_import_exactly(frames):
    got = frames["ledger_month"].set_index("month_key")
    assert list(got.index) == ["XM-00001/2024-10", "XM-00002/2024-10", "XM-00003/2024-10"]
    assert got["cumulative_wan"].tolist() == [8400.0, 5000.0, 600.0]
    assert got.at["XM-00001/2024-10", "progress"] == "主体结构完成80%；设备进场"
    assert (got["month"] == pd.Timestamp("2024-10-01")).all()


def test_warnings_name_left_out_rows_and_columns(book):
    report = prepare_import(book, "ledger_step").report
    text = report.format()
    assert "5, 10" in text and "备注" in text


def test_stuck_steps_and_days_late(judged):
    board = ledger.board(judged)
    assert [(r.project_id, r.step, r.days_late) for r in board.itertuples()] == [
        ("XM-00002", "eia", 365), ("XM-00001", "eia", 244), ("XM-00001", "construction", 134)]
    by_key = judged.set_index(judged["project_id"] + "/" + judged["step"])
    assert by_key.at["XM-00003/approval", "overdue"]  # 30 days late …
    assert not by_key.at["XM-00003/approval", "stuck"]  # … is not more than 30
    assert by_key.at["XM-00003/approval", "planned"] == pd.Timestamp("2024-10-02")  # 倒排
    assert not by_key.at["XM-00003/land_pre", "overdue"]  # due on the as-of day itself
    assert not by_key.at["XM-00002/construction", "overdue"]  # planned 2024-12-31
    assert by_key.at["XM-00001/eia", "department"] == "市生态环境局县分局"  # catalogue default


def test_per_leader_and_department_lines(judged):
    leaders = ledger.lines(judged, "leader").set_index("leader")
    assert leaders.loc["张副县长", ["n_stuck", "n_overdue", "n_projects", "max_days_late"]
                       ].tolist() == [3, 3, 2, 365]
    assert leaders.loc["李副县长", ["n_stuck", "n_overdue", "max_days_late"]].tolist() == \
        [0, 1, 30]
    assert list(leaders.index) == ["张副县长", "李副县长"]  # most days late first
    depts = ledger.lines(judged, "department")
    assert depts["department"].tolist() == [
        "市生态环境局县分局", "县住房和城乡建设局", "县发展和改革局"]
    assert depts["n_stuck"].tolist() == [2, 1, 0]


def test_worst_step_and_stuck_projects(judged):
    assert ledger.worst_steps(judged).to_dict() == {
        "XM-00001": "stuck", "XM-00002": "stuck", "XM-00003": "overdue"}
    assert ledger.stuck_projects(judged, started=["XM-00001"]) == ["XM-00002"]


def test_completion_rates(frames):
    as_of = pd.Timestamp(AS_OF)
    per = ledger.completion_rates(frames["ledger_project"], frames["ledger_month"], as_of=as_of)
    assert per.set_index("project_id")["rate"].to_dict() == pytest.approx(
        {"XM-00001": 0.70, "XM-00002": 1.00, "XM-00003": 0.20})
    leaders = ledger.completion_rates(frames["ledger_project"], frames["ledger_month"],
                                      as_of=as_of, by="leader").set_index("leader")
    assert leaders.at["张副县长", "rate"] == pytest.approx(13400 / 17000)
    assert leaders.at["李副县长", "rate"] == pytest.approx(0.20)
    assert ledger.total_rate(frames["ledger_project"], frames["ledger_month"],
                             as_of=as_of) == pytest.approx(14000 / 20000)
    before = ledger.total_rate(frames["ledger_project"], frames["ledger_month"],
                               as_of=pd.Timestamp("2024-09-30"))
    assert before == 0  # the October figures are not known yet on 30 September


def test_no_progress(frames, settings):
    args = (frames["ledger_project"], frames["ledger_month"], ["XM-00001"], settings)
    assert ledger.no_progress(*args, as_of=pd.Timestamp(AS_OF)).empty
    late = ledger.no_progress(*args, as_of=pd.Timestamp("2024-12-15"))
    assert late["project_id"].tolist() == ["XM-00001"]
    assert late["weeks"].tolist() == [6]  # 2024-10-31 → 2024-12-15 is 45 days


def _bad(row: int, column: int, value: object) -> list[list[object]]:
    rows = [list(r) for r in ROWS]
    rows[row][column] = value
    return rows


@pytest.mark.parametrize(("row", "column", "value", "where", "header"), [
    (0, 8, "已办（2024.13.5）", "row 6", "立项/备案"),
    (2, 3, "约1.2亿", "row 8", "总投资"),
    (3, 10, "快好了", "row 9", "环评"),
    (3, 6, "明年", "row 9", "计划开工时间"),
])
def test_bad_cells_are_listed_with_row_column_and_fix(tmp_path, row, column, value, where,
                                                      header):
    path = write_ledger(tmp_path / "bad.xlsx", rows=_bad(row, column, value))
    with pytest.raises(LedgerError) as err:
        prepare_import(path, "ledger_step")
    problems = err.value.problems
    assert len(problems) == 1
    problem = problems[0]
    assert problem.rows == (f"sheet 台账 {where}",)
    assert header in (problem.column or "")
    assert problem.fix
    assert problem.format(str(path)) in str(err.value)


def test_all_problems_listed_at_once(tmp_path):
    rows = _bad(0, 8, "已办（2024.13.5）")
    rows[3][1] = None  # no 项目编号
    rows[2][4] = "五千"
    path = write_ledger(tmp_path / "bad.xlsx", rows=rows)
    with pytest.raises(LedgerError) as err:
        prepare_import(path, "ledger_project")
    assert len(err.value.problems) == 3


def test_dated_photos_count_as_progress(frames, settings):
    months = frames["ledger_month"].copy()
    months["photos"] = None
    months.loc[months["project_id"] == "XM-00001", "photos"] = \
        "2024-12-01 photos/xm1-a.jpg,2024-11-20 photos/xm1-b.jpg"
    assert ledger.last_progress(months)["XM-00001"] == pd.Timestamp("2024-12-01")
    assert ledger.no_progress(frames["ledger_project"], months, ["XM-00001"], settings,
                              as_of=pd.Timestamp("2024-12-15")).empty


def test_sub_header_row_without_vertical_merges(tmp_path):
    """Some ledgers leave the cells under single headers blank instead of merging them."""
    import openpyxl

    book = openpyxl.Workbook()
    ws = book.active
    ws.append(["2025年重点项目台账"])
    ws.append(["项目编号", "项目名称", "年度投资（万元）", None, "前期手续", None, "包抓领导"])
    ws.append([None, None, "年度计划", "完成投资", "环评", "施工许可", None])
    ws.append(["XM-9", "甲项目", 1000, 250, "已办（2025.1.2）", "在办", "王副县长"])
    ws.merge_cells("C2:D2")
    ws.merge_cells("E2:F2")
    path = tmp_path / "flat.xlsx"
    book.save(path)
    projects = prepare_import(path, "ledger_project").frame
    assert projects["annual_plan_wan"].tolist() == [1000.0]
    assert projects["year"].tolist() == [2025]
    steps = prepare_import(path, "ledger_step").frame.set_index("step_key")
    assert steps.loc["XM-9/eia", "done_date"] == pd.Timestamp("2025-01-02")
    assert steps.loc["XM-9/construction", "state"] == "doing"
    report = prepare_import(path, "ledger_step").report
    assert "完成投资" in report.format()  # no month: said, not guessed

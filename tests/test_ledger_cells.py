"""Ledger cells as counties write them (layers/ledger_cells.py), table-driven."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from layers.ledger_cells import CellError, header_unit, parse_amount, parse_date, parse_step

T = pd.Timestamp


@pytest.mark.parametrize(("cell", "state", "done", "planned", "note"), [
    ("已办（2024.3.5）", "done", T("2024-03-05"), None, None),
    ("已办(2024-03-05)", "done", T("2024-03-05"), None, None),
    ("已批复（2024年3月5日）", "done", T("2024-03-05"), None, None),
    ("已办结", "done", None, None, None),
    ("已办", "done", None, None, None),
    ("在办", "doing", None, None, None),
    ("办理中（计划2024.6.30前完成）", "doing", None, T("2024-06-30"), None),
    ("未办（预计2024.6）", "todo", None, T("2024-06-30"), None),
    ("未办", "todo", None, None, None),
    ("卡壳（林地指标未落实）", "stuck", None, None, "林地指标未落实"),
    ("受阻", "stuck", None, None, None),
    ("不涉及", "na", None, None, None),
    ("/", "na", None, None, None),
    ("—", "na", None, None, None),
    ("2024.3.5", "done", T("2024-03-05"), None, None),
    (dt.datetime(2024, 3, 5), "done", T("2024-03-05"), None, None),
    (" 已办\n（2024.3.5） ", "done", T("2024-03-05"), None, None),
])
def test_step_cells(cell, state, done, planned, note):
    got = parse_step(cell)
    assert got is not None
    assert (got.state, got.done_date, got.planned_date, got.note) == (state, done, planned,
                                                                       note)


@pytest.mark.parametrize("cell", [None, "", "  ", float("nan")])
def test_blank_step_is_not_tracked(cell):
    assert parse_step(cell) is None


@pytest.mark.parametrize("cell", ["快好了", "已办（2024.13.5）", "OK"])
def test_unreadable_step_cells(cell):
    with pytest.raises(CellError):
        parse_step(cell)


@pytest.mark.parametrize(("header", "name", "factor"), [
    ("总投资（亿元）", "总投资", 10_000.0), ("总投资(万元)", "总投资", 1.0),
    ("年度投资（ 万元 ）", "年度投资", 1.0), ("金额（元）", "金额", 0.0001),
    ("总投资亿元", "总投资", 10_000.0), ("形象进度", "形象进度", None),
])
def test_header_units(header, name, factor):
    assert header_unit(header) == (name, factor)


@pytest.mark.parametrize(("cell", "factor", "wan"), [
    (3.5, 10_000.0, 35_000.0), ("3,500", 1.0, 3500.0), ("—", 1.0, None), (None, 1.0, None),
    (0, 1.0, 0.0),
])
def test_amounts(cell, factor, wan):
    assert parse_amount(cell, factor) == wan


def test_bad_amount_and_date():
    with pytest.raises(CellError, match="not a number"):
        parse_amount("约3亿", 1.0)
    with pytest.raises(CellError, match="no date"):
        parse_date("明年")
    assert parse_date("2025.3", month_end=True) == T("2025-03-31")
    assert parse_date("2025.3") == T("2025-03-01")

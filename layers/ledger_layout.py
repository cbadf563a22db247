"""The layout of a 重点项目台账 sheet: where the header is, how many rows it takes, and what
each column holds (:class:`LedgerColumn`), read from the sheet's values with every merged range
filled (:func:`grid`). Used by :mod:`layers.ledger_read`, which turns the rows into layers."""

from __future__ import annotations

import re
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import openpyxl

from geo.ledger_settings import LedgerSettings
from layers.io import ReadError
from layers.ledger_cells import DATE, NA_MARKS, STATE_WORDS, header_unit, is_blank, text

HEADER_SCAN_ROWS = 12

CUMULATIVE = re.compile(r"^1\s*[-—–~～至到]\s*(\d{1,2})月")
MONTH = re.compile(r"^(\d{1,2})月(份)?(完成投资|完成|投资|完成额)?$")
MONTH_PROGRESS = re.compile(r"^(\d{1,2})月(份)?形象进度$")
YEAR = re.compile(r"(20\d\d)\s*年")

SIMPLE: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("project_id", ("项目编号", "项目代码", "编号")),
    ("seq", ("序号",)),
    ("name", ("项目名称", "名称")),
    ("content", ("建设内容", "建设规模及内容", "建设内容及规模", "主要建设内容")),
    ("total_investment_wan", ("总投资",)),
    ("planned_start_date", ("计划开工日期", "计划开工时间", "计划开工")),
    ("progress", ("形象进度", "目前形象进度", "当前形象进度", "项目进展", "进展情况")),
    ("problem", ("存在问题", "存在的问题", "问题及建议", "存在困难和问题")),
    ("department", ("责任单位", "牵头单位", "责任部门")),
    ("leader", ("包抓领导", "包抓县级领导", "联系领导", "责任领导", "包联领导")),
)
"""Ledger column → headers meaning it (after units and spaces are taken out)."""
MONEY = ("total_investment_wan", "annual_plan_wan")


@dataclass(frozen=True)
class LedgerColumn:
    """One read column: its position, header as shown, what it holds and its unit."""

    index: int
    header: str  # as shown to the user (group/leaf)
    kind: str  # SIMPLE name, annual_plan_wan, cumulative, month, month_progress, step
    factor: float = 1.0
    month: int | None = None
    step: str | None = None


# -- workbook → grid ----------------------------------------------------------------------


def grid(path: Path, sheet: str | None) -> tuple[str, list[list[Any]], dict[int, set[int]]]:
    """The sheet's values with every merged range filled from its top-left cell, and per
    column the rows that continue a merged cell from the row above."""
    try:
        book = openpyxl.load_workbook(path, data_only=True)
    except (zipfile.BadZipFile, OSError, KeyError, ValueError) as exc:
        raise ReadError(f"{path}: not a readable .xlsx workbook ({exc}); fix: save it from "
                        "Excel/WPS as .xlsx") from None
    try:
        if sheet is not None and sheet not in book.sheetnames:
            raise ReadError(f"{path}: no sheet {sheet!r}; fix: use one of {book.sheetnames}")
        names = [sheet] if sheet is not None else list(book.sheetnames)
        for name in names:
            ws = book[name]
            rows = [list(r) for r in ws.iter_rows(values_only=True)]
            width = max((len(r) for r in rows), default=0)
            rows = [r + [None] * (width - len(r)) for r in rows]
            continued: dict[int, set[int]] = {}
            for rng in ws.merged_cells.ranges:
                value = rows[rng.min_row - 1][rng.min_col - 1]
                for r in range(rng.min_row - 1, min(rng.max_row, len(rows))):
                    for c in range(rng.min_col - 1, min(rng.max_col, width)):
                        rows[r][c] = value
                        if r > rng.min_row - 1:
                            continued.setdefault(c, set()).add(r)
            if sheet is not None or header_row(rows) is not None:
                return name, rows, continued
    finally:
        book.close()
    raise ReadError(f"{path}: no sheet has a 项目名称 header in its first {HEADER_SCAN_ROWS} "
                    "rows; fix: choose the ledger's sheet with --source-layer, or check that "
                    "this is the 重点项目台账")


def header_row(rows: list[list[Any]]) -> int | None:
    """Index of the first of the top rows holding a 项目名称 header (``None``: none)."""
    for i, row in enumerate(rows[:HEADER_SCAN_ROWS]):
        if any(text(v) in ("项目名称", "项目名称及建设内容") for v in row):
            return i
    return None


def header_depth(rows: list[list[Any]], top: int) -> int:
    """Rows the header takes (1 to 3).

    The row below is part of the header when it holds sub-headers under a group header — a
    text that repeats across merged columns (年度投资 over 年度计划 and 1-10月完成投资) — and
    either repeats the header's vertically merged cells (项目名称 over two rows) or holds
    nothing but header words (no amounts, dates or step states)."""
    depth = 1
    for extra in (1, 2):
        if top + extra >= len(rows):
            break
        above, row = rows[top + extra - 1], rows[top + extra]
        if len({text(b) for b in row if not is_blank(b)}) <= 1:
            break  # one text across the row: a section row (一、续建项目), not sub-headers
        width = len(above)
        repeated = [0 < c < width and text(above[c]) == text(above[c - 1]) or
                    c + 1 < width and text(above[c]) == text(above[c + 1])
                    for c in range(width)]
        under_group = any(rep and not is_blank(a) and not is_blank(b) and text(a) != text(b)
                          and _is_header_word(text(b))
                          for a, b, rep in zip(above, row, repeated, strict=True))
        same = any(not is_blank(a) and text(a) == text(b) for a, b in zip(above, row,
                                                                          strict=True))
        words = all(is_blank(b) or _is_header_word(text(b)) for b in row)
        if under_group and (same or words):
            depth = extra + 1
        else:
            break
    return depth


def _is_header_word(value: str) -> bool:
    """Looks like a sub-header rather than data: not a number, a date, a not-applicable mark
    nor a step state on its own or with a bracket (已办（2024.3.5）); 完成投资 is a header."""
    if not value or _NUMBER_ONLY.match(value) or value in NA_MARKS:
        return False
    if DATE.fullmatch(value.rstrip("日")) is not None:
        return False
    return not any(value == word or value.startswith(word + "(")
                   for _, words in STATE_WORDS for word in words)


_NUMBER_ONLY = re.compile(r"^[\d.,+-]+$")


# -- header → columns ----------------------------------------------------------------------


def columns_of(rows: list[list[Any]], top: int, depth: int, settings: LedgerSettings,
               warnings: list[tuple[str, str]]) -> list[LedgerColumn]:
    """The columns the header rows ``top`` … ``top + depth − 1`` name (group and leaf texts,
    money units, steps of ``settings``); unknown and unit-less money columns are warned of."""
    steps = {}
    for step in settings.steps.values():
        for name in (step.zh, *step.aliases):
            steps[text(name)] = step.code
    out: list[LedgerColumn] = []
    unknown: list[str] = []
    for c in range(len(rows[top])):
        parts = list(dict.fromkeys(text(rows[r][c]) for r in range(top, top + depth)
                                   if not is_blank(rows[r][c])))
        if not parts:
            continue
        shown = " > ".join(parts)
        factor: float | None = None
        names: list[str] = []
        for part in parts:
            name, unit = header_unit(part)
            factor = unit if unit is not None else factor
            names.append(name)
        leaf, parent = names[-1], "/".join(names[:-1])
        column = _classify(c, shown, leaf, parent, factor, steps)
        if column is None:
            unknown.append(shown)
            continue
        if column.kind in MONEY + ("cumulative", "month") and factor is None:
            warnings.append((f"column {shown!r} names no unit; read as 万元",
                             "write the unit in the header, e.g. 总投资（亿元） or （万元）"))
        out.append(column)
    if unknown:
        warnings.append((f"column(s) not read: {', '.join(unknown)}",
                         "none needed when these are remarks; a step column needs its name in "
                         "the policy's ledger.steps (label or alias)"))
    return out


def _classify(c: int, shown: str, leaf: str, parent: str, factor: float | None,
              steps: dict[str, str]) -> LedgerColumn | None:
    f = factor if factor is not None else 1.0
    if leaf in steps:
        return LedgerColumn(c, shown, "step", step=steps[leaf])
    found = CUMULATIVE.match(leaf)
    if found:
        return LedgerColumn(c, shown, "cumulative", f, month=int(found.group(1)))
    found = MONTH_PROGRESS.match(leaf)
    if found:
        return LedgerColumn(c, shown, "month_progress", month=int(found.group(1)))
    found = MONTH.match(leaf)
    if found and 1 <= int(found.group(1)) <= 12:
        return LedgerColumn(c, shown, "month", f, month=int(found.group(1)))
    plain = YEAR.sub("", leaf)
    if "计划" in plain and "开工" not in plain and "竣工" not in plain and (
            "年" in leaf or "年度" in parent or "投资" in plain):
        return LedgerColumn(c, shown, "annual_plan_wan", f)
    for name, headers in SIMPLE:
        if leaf in headers or plain in headers:
            return LedgerColumn(c, shown, name, f)
    return None


def year_of(rows: list[list[Any]]) -> int | None:
    """The ledger's year: the first ``20xx年`` in the title or header rows."""
    for row in rows:
        for value in row:
            found = YEAR.search(text(value))
            if found:
                return int(found.group(1))
    return None

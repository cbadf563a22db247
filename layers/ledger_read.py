"""The county's 重点项目台账 workbook (.xlsx) as it comes → the three ledger layers.

One sheet, one row (or a block of rows under merged project cells) per key project. The
header may take two or three rows under merged group headers ("年度投资" over "年度计划" and
"1-10月完成投资"; "前期手续办理情况" over one column per step). Read here:

* ``项目编号`` (the ids of the ``project`` layer; else 项目名称 matched through
  :data:`PROJECT_NAMES`), ``项目名称``, ``建设内容``,
  ``总投资``, ``年度计划投资``, ``计划开工``, ``形象进度``, ``存在问题``, ``责任单位``,
  ``包抓领导``;
* money in the unit its header names (``（亿元）``, ``（万元）``, ``（元）``; a group header's unit
  applies to the columns under it), stored in 万元;
* ``1-N月完成投资`` (this year's investment to the end of month N), ``N月`` / ``N月完成投资``
  (month N alone), ``N月形象进度``;
* one column per step of the policy's ``ledger.steps`` (by label or alias), cells such as
  ``已办（2024.3.5）``, ``在办``, ``未办（计划2024.6）``, ``卡壳（原因）`` (see
  :mod:`layers.ledger_cells`);
* the year from the title (``2024年重点项目建设台账``) or a header (``2024年计划投资``).

Left out, and said so in a warning: totals rows (合计/总计/小计), section rows (一、续建项目),
blank rows and columns the ledger reader does not know. Every cell that cannot be read is one
problem (row, column, fix); a workbook with any problem yields :class:`LedgerError` listing
them all, and nothing of it is used.

The parse is kept for the last few workbooks (path, size, modification time, catalogue), so
importing the three layers of one workbook reads it once.
"""

from __future__ import annotations

import re
from collections import OrderedDict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from geo.ledger_settings import LedgerSettings
from layers.io import RawFrame, Reader, ReadError, ReadOptions
from layers.ledger_cells import (
    CellError,
    is_blank,
    parse_amount,
    parse_date,
    parse_step,
    text,
)
from layers.ledger_layout import (
    HEADER_SCAN_ROWS,
    MONEY,
    LedgerColumn,
    columns_of,
    grid,
    header_depth,
    header_row,
    year_of,
)
from layers.policy import load_policy
from layers.validate import Problem

LEDGER_LAYERS = ("ledger_project", "ledger_step", "ledger_month")
PROJECT_NAMES = "project_names"
"""``ReadOptions.extra`` key: 项目名称 → project id (:func:`project_names`), used when the
workbook has no 项目编号 column."""
AMBIGUOUS = "\x00ambiguous"
CACHED = 4
"""Parsed workbooks kept (one import reads each workbook once for its three layers)."""

_TOTAL = re.compile(r"^(合计|总计|小计|共计|累计)")
_SECTION = re.compile(r"^[(（]?[一二三四五六七八九十]+[)）、.．]")
class LedgerError(ReadError):
    """A ledger workbook has cells (or a layout) that cannot be read.

    Attributes
    ----------
    problems : every problem found, each with its row, column and fix.
    """

    def __init__(self, source: str, problems: Sequence[Problem]):
        self.problems = list(problems)
        lines = [p.format(source) for p in self.problems[:30]]
        more = len(self.problems) - 30
        super().__init__(f"{source}: the 台账 cannot be read ({len(self.problems)} "
                         "problem(s)):\n  " + "\n  ".join(lines)
                         + (f"\n  … and {more} more" if more > 0 else ""))


@dataclass
class Ledger:
    """A parsed ledger: one frame per ledger layer, row labels and warnings."""

    frames: dict[str, pd.DataFrame]
    labels: dict[str, list[str]]
    warnings: list[tuple[str, str]] = field(default_factory=list)


_CACHE: OrderedDict[tuple[Any, ...], Ledger] = OrderedDict()


def read_ledger(path: Path, options: ReadOptions, layer: str) -> RawFrame:
    """Reader of the ledger layers for a .xlsx workbook (see module docstring).

    Parameters
    ----------
    path : the workbook.
    options : ``source_layer`` names the sheet (default: the first sheet with a 项目名称
        header); ``policy`` gives the step catalogue.
    layer : one of :data:`LEDGER_LAYERS`.

    Raises
    ------
    LedgerError
        Listing every unreadable cell (row, column, fix).
    layers.io.ReadError
        The file is not a workbook or the sheet is missing.
    """
    ledger = parse_ledger(path, options)
    return RawFrame(ledger.frames[layer].copy(), list(ledger.labels[layer]),
                    list(ledger.warnings))


def parse_ledger(path: Path, options: ReadOptions) -> Ledger:
    """The three ledger frames of ``path`` (cached per file version and catalogue)."""
    policy = options.policy or load_policy()
    settings: LedgerSettings = policy.section("ledger")
    stat = path.stat()
    names = options.extra.get(PROJECT_NAMES)
    key = (str(path.resolve()), stat.st_size, stat.st_mtime_ns, options.source_layer,
           tuple((s.code, s.zh, s.aliases) for s in settings.steps.values()),
           None if names is None else tuple(sorted(names.items())))
    if key in _CACHE:
        _CACHE.move_to_end(key)
        return _CACHE[key]
    ledger = _parse(path, options.source_layer, settings, names)
    _CACHE[key] = ledger
    while len(_CACHE) > CACHED:
        _CACHE.popitem(last=False)
    return ledger


# -- rows → frames -------------------------------------------------------------------------


def project_names(projects: pd.DataFrame) -> dict[str, str]:
    """项目名称 → project id of the ``project`` layer, for workbooks without 项目编号 (names
    compared without spaces, brackets full- or half-width); a name two projects share maps
    to :data:`AMBIGUOUS`."""
    out: dict[str, str] = {}
    for pid, name in zip(projects["project_id"].astype(str), projects["name"], strict=True):
        key = text(name)
        if key:
            out[key] = AMBIGUOUS if key in out and out[key] != pid else pid
    return out


def _parse(path: Path, sheet: str | None, settings: LedgerSettings,
           names: Mapping[str, str] | None = None) -> Ledger:
    name, rows, continued = grid(path, sheet)
    top = header_row(rows)
    source = str(path)
    if top is None:
        raise ReadError(f"{source}: sheet {name!r} has no 项目名称 header in its first "
                        f"{HEADER_SCAN_ROWS} rows; fix: keep the ledger's header row")
    depth = header_depth(rows, top)
    problems: list[Problem] = []
    warnings: list[tuple[str, str]] = []
    columns = columns_of(rows, top, depth, settings, warnings)
    kinds = {col.kind for col in columns}
    where = f"sheet {name} row {top + 1}"
    if "project_id" not in kinds and names is None:
        problems.append(Problem("error", "no 项目编号 column", "add a 项目编号 column holding "
                                "each project's id in the project layer (e.g. XM-00012), or "
                                "load the workbook with `investmap ledger --load`, which "
                                "matches 项目名称 with the store's projects", "项目编号",
                                (where,)))
    if "step" not in kinds:
        problems.append(Problem("error", "no step column (前期手续) found", "name the step "
                                "columns as in the policy's ledger.steps (立项/备案, 环评 …) or "
                                "add their headers there as aliases", None, (where,)))
    year = year_of(rows[:top + depth])
    if year is None:
        problems.append(Problem("error", "no year found in the title or the headers",
                                "write the year in the title, e.g. 2024年重点项目建设台账",
                                None, (f"sheet {name} row 1",)))
    blocks, skipped = _blocks(rows, top + depth, columns, continued)
    if skipped:
        warnings.append((f"{len(skipped)} row(s) left out as totals or section rows: "
                         f"{', '.join(str(r + 1) for r in skipped[:10])}",
                         "none needed; keep only project rows between them"))
    frames = _frames(blocks, columns, rows, name, year or 0, settings, problems, names)
    if problems:
        raise LedgerError(source, problems)
    return Ledger(frames=frames, labels={k: v.attrs.pop("labels") for k, v in frames.items()},
                  warnings=warnings)


def _blocks(rows: list[list[Any]], first: int, columns: list[LedgerColumn],
            continued: dict[int, set[int]]) -> tuple[list[list[int]], list[int]]:
    """Data rows grouped by project (rows under one merged name or id cell), and the rows
    left out (totals, sections)."""
    by_kind = {col.kind: col.index for col in columns}
    name_col = by_kind.get("name", by_kind.get("project_id"))
    seq_col = by_kind.get("seq")
    blocks: list[list[int]] = []
    skipped: list[int] = []
    id_col = by_kind.get("project_id")
    joined = set().union(*(continued.get(c, set()) for c in (name_col, id_col)
                           if c is not None))
    open_block = False
    for r in range(first, len(rows)):
        row = rows[r]
        if all(is_blank(v) for v in row):
            open_block = False
            continue
        label = text(row[name_col]) if name_col is not None else ""
        seq = text(row[seq_col]) if seq_col is not None else ""
        if _TOTAL.match(label) or _TOTAL.match(seq) or _SECTION.match(label) or \
                _SECTION.match(seq):
            skipped.append(r)
            open_block = False
            continue
        if open_block and r in joined:
            blocks[-1].append(r)  # a merged project cell spans this row too
        else:
            blocks.append([r])
        open_block = True
    return blocks, skipped


def _first(rows: list[list[Any]], block: list[int], c: int) -> Any:
    for r in block:
        if not is_blank(rows[r][c]):
            return rows[r][c]
    return None


def _joined(rows: list[list[Any]], block: list[int], c: int) -> str | None:
    parts = list(dict.fromkeys(str(rows[r][c]).strip() for r in block
                               if not is_blank(rows[r][c])))
    return "；".join(parts) or None


def _frames(blocks: list[list[int]], columns: list[LedgerColumn], rows: list[list[Any]],
            sheet: str, year: int, settings: LedgerSettings, problems: list[Problem],
            names: Mapping[str, str] | None) -> dict[str, pd.DataFrame]:
    projects: list[dict[str, Any]] = []
    steps: list[dict[str, Any]] = []
    months: list[dict[str, Any]] = []
    labels: dict[str, list[str]] = {name: [] for name in LEDGER_LAYERS}
    for block in blocks:
        where = f"sheet {sheet} row {block[0] + 1}"

        def bad(col: LedgerColumn, exc: Exception, fix: str, where: str = where) -> None:
            problems.append(Problem("error", str(exc), fix, col.header, (where,)))

        project: dict[str, Any] = {"year": year}
        month_values: dict[int, dict[str, Any]] = {}
        for col in columns:
            value = _first(rows, block, col.index)
            try:
                if col.kind in MONEY:
                    project[col.kind] = parse_amount(value, col.factor)
                elif col.kind == "planned_start_date":
                    project[col.kind] = parse_date(value, month_end=True)
                elif col.kind in ("content", "problem", "progress", "department", "leader",
                                  "name"):
                    project[col.kind] = _joined(rows, block, col.index)
                elif col.kind == "project_id":
                    project[col.kind] = text(value) or None
                elif col.kind in ("cumulative", "month"):
                    amount = parse_amount(value, col.factor)
                    key = "cumulative_wan" if col.kind == "cumulative" else "invested_wan"
                    month_values.setdefault(col.month or 0, {})[key] = amount
                elif col.kind == "month_progress":
                    month_values.setdefault(col.month or 0, {})["progress"] = \
                        _joined(rows, block, col.index)
            except CellError as exc:
                fix = ("write a date such as 2024.6.30" if col.kind == "planned_start_date"
                       else f"write the amount as a number in the header's unit "
                       f"({_unit_name(col.factor)})")
                bad(col, exc, fix)
        pid = project.get("project_id")
        if not pid and names is not None:
            pid = names.get(text(project.get("name")))
            project["project_id"] = pid
            if pid == AMBIGUOUS or not pid:
                shown = project.get("name") or ""
                problems.append(Problem(
                    "error", f"项目名称 {shown!r} " + ("names two projects of the project layer"
                                                   if pid == AMBIGUOUS else
                                                   "matches no project of the project layer"),
                    "write the project's 项目编号 in a 项目编号 column, or its name exactly as in "
                    "the project layer", "项目名称", (where,)))
                continue
        if not pid:
            problems.append(Problem("error", "no 项目编号 for this project", "write the "
                                    "project's id from the project layer", "项目编号", (where,)))
            continue
        projects.append({k: v for k, v in project.items() if k != "progress"})
        labels["ledger_project"].append(where)
        for col in columns:
            if col.kind != "step":
                continue
            try:
                cell = parse_step(_first(rows, block, col.index))
            except CellError as exc:
                bad(col, exc, "write 已办（2024.3.5）, 已办, 在办, 未办, 未办（计划2024.6）, "
                    "卡壳（原因） or 不涉及")
                continue
            if cell is None or col.step is None:
                continue
            steps.append({"step_key": f"{pid}/{col.step}", "project_id": pid,
                          "step": col.step, "state": cell.state,
                          "planned_date": cell.planned_date, "done_date": cell.done_date,
                          "department": None, "problem": cell.note})
            labels["ledger_step"].append(f"{where} ({col.header})")
        _month_rows(pid, year, project.get("progress"), month_values, months,
                    labels["ledger_month"], where)
    frames = {
        "ledger_project": pd.DataFrame(projects, columns=[
            "project_id", "name", "year", "content", "total_investment_wan", "annual_plan_wan",
            "planned_start_date", "department", "leader", "problem"]),
        "ledger_step": pd.DataFrame(steps, columns=[
            "step_key", "project_id", "step", "state", "planned_date", "done_date",
            "department", "problem"]),
        "ledger_month": pd.DataFrame(months, columns=[
            "month_key", "project_id", "month", "invested_wan", "cumulative_wan",
            "progress", "photos"]),
    }
    kinds = {col.kind for col in columns}
    absent = {  # columns the workbook does not have: a load leaves their stored values alone
        "ledger_project": [c for c in frames["ledger_project"].columns
                           if c not in kinds and c not in ("project_id", "year")],
        "ledger_step": ["department"],
        "ledger_month": ["photos"] + ([] if kinds & {"progress", "month_progress"}
                                      else ["progress"]),
    }
    for name in frames:
        frames[name] = frames[name].drop(columns=absent[name])
        frames[name].attrs["labels"] = labels[name]
    return frames


def _unit_name(factor: float) -> str:
    return {10_000.0: "亿元", 1.0: "万元", 0.0001: "元"}.get(factor, "万元")


def _month_rows(pid: str, year: int, progress: str | None,
                values: dict[int, dict[str, Any]], out: list[dict[str, Any]],
                labels: list[str], where: str) -> None:
    """One row per month the ledger speaks of; 累计 derived from the monthly figures where
    the ledger gives no 1-N月 column for that month; 形象进度 goes to the latest month."""
    if not values:
        return
    latest = max(values)
    if progress is not None:
        values[latest].setdefault("progress", progress)
    running = 0.0
    known = True
    for month in sorted(values):
        row = values[month]
        invested = row.get("invested_wan")
        if invested is None:
            known = False
        else:
            running += invested
        cumulative = row.get("cumulative_wan")
        if cumulative is None and known and invested is not None:
            cumulative = running
        if all(v is None for v in (invested, cumulative, row.get("progress"))):
            continue
        out.append({"month_key": f"{pid}/{year:04d}-{month:02d}", "project_id": pid,
                    "month": pd.Timestamp(year, month, 1), "invested_wan": invested,
                    "cumulative_wan": cumulative, "progress": row.get("progress"),
                    "photos": None})
        labels.append(where)


def _layer_reader(layer: str) -> Reader:
    def read(path: Path, options: ReadOptions) -> RawFrame:
        return read_ledger(path, options, layer)

    return read


LAYER_READERS: dict[tuple[str, str], Reader] = {
    (layer, ".xlsx"): _layer_reader(layer) for layer in LEDGER_LAYERS}
"""(layer, file suffix) → the reader :func:`layers.importing.prepare_import` uses instead of
the suffix's own: a 台账 workbook is read as each of the three ledger layers."""

"""The weekly 推进会 report of the 重点项目台账 (staff only) as .xlsx or A4 .pdf, in zh or en.

Sections: summary, stuck steps (卡壳环节), per 责任单位 and per 包抓领导 lines sorted by days late,
the annual investment completion rates (per project and per group) and the projects without
new 形象进度. :func:`report_tables` builds the labelled tables once; the app's 项目挂图作战 page
shows the same tables. Users see labels, never codes: steps by their catalogue label, parks by
name, dates as ``YYYY-MM-DD``, rates in %. Text cells cannot run as formulas
(:mod:`layers.cells`); files are written atomically.
"""

from __future__ import annotations

import textwrap
from collections.abc import Mapping
from pathlib import Path

import matplotlib
import pandas as pd
from matplotlib.backends.backend_pdf import PdfPages
from matplotlib.figure import Figure

from exports.common import ExportError, atomic_output, tr
from exports.fonts import cjk_rc
from layers.cells import safe_frame
from layers.ledger import LedgerView

ROWS_PER_PAGE = 18
WRAP = 30
"""Display columns per line in a PDF table cell (a Chinese character takes two)."""


def _date(value: object) -> str:
    return "" if value is None or pd.isna(value) else pd.Timestamp(value).strftime("%Y-%m-%d")


def _text(value: object) -> str:
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return ""
    if isinstance(value, list | tuple):
        return "、".join(str(v) for v in value)
    return str(value)


def _pct(value: object) -> str:
    return "" if value is None or pd.isna(value) else f"{float(value):.1%}"


def _wan(value: object) -> str:
    return "" if value is None or pd.isna(value) else f"{float(value):,.0f}"


def summary_table(view: LedgerView, lang: str) -> pd.DataFrame:
    """Key figures: projects, stuck steps, stuck projects, completion rate, no progress."""
    rows = [
        (tr("截至日期", "As of", lang), _date(view.as_of)),
        (tr("台账项目数", "Ledger projects", lang), str(len(view.projects))),
        (tr("卡壳环节数", "Stuck steps", lang), str(len(view.board))),
        (tr("逾期环节数", "Overdue steps", lang), str(int(view.steps["overdue"].sum()))),
        (tr("前期手续卡壳的未开工项目", "Projects not started with a stuck step", lang),
         str(len(view.stuck_projects))),
        (tr("年度投资完成率", "Annual investment completion", lang), _pct(view.total_rate)),
        (tr(f"{view.settings.no_progress_weeks}周以上无新形象进度",
            f"No new site progress for over {view.settings.no_progress_weeks} weeks", lang),
         str(len(view.stalled))),
    ]
    return pd.DataFrame(rows, columns=[tr("项目", "Item", lang), tr("数值", "Value", lang)])


def board_table(view: LedgerView, lang: str) -> pd.DataFrame:
    """Each stuck step: project, step, 责任单位, 包抓领导, planned date, days late, problem."""
    b = view.board
    planned = [_date(d) + (tr("（倒排）", " (back-scheduled)", lang) if r else "")
               for d, r in zip(b["planned"], b["reverse"], strict=True)]
    return pd.DataFrame({
        tr("项目名称", "Project", lang): [_text(n) or p for n, p in
                                        zip(b["name"], b["project_id"], strict=True)],
        tr("手续环节", "Step", lang): [view.settings.step_label(c, lang) for c in b["step"]],
        tr("责任单位", "Responsible department", lang): b["department"].map(_text).tolist(),
        tr("包抓领导", "Leader in charge", lang): b["leader"].map(_text).tolist(),
        tr("计划办结", "Planned by", lang): planned,
        tr("逾期天数", "Days late", lang): b["days_late"].astype(int).tolist(),
        tr("存在问题", "Problem", lang): b["problem"].map(_text).tolist(),
    })


def lines_table(lines: pd.DataFrame, by: str, lang: str) -> pd.DataFrame:
    """Per 责任单位 or 包抓领导: stuck and overdue steps, projects, days late."""
    head = {"department": tr("责任单位", "Responsible department", lang),
            "leader": tr("包抓领导", "Leader in charge", lang)}[by]
    return pd.DataFrame({
        head: lines[by].map(_text).tolist(),
        tr("卡壳环节", "Stuck steps", lang): lines["n_stuck"].astype(int).tolist(),
        tr("逾期环节", "Overdue steps", lang): lines["n_overdue"].astype(int).tolist(),
        tr("涉及项目", "Projects", lang): lines["n_projects"].astype(int).tolist(),
        tr("最长逾期天数", "Most days late", lang): lines["max_days_late"].astype(int).tolist(),
        tr("项目名单", "Project list", lang): lines["projects"].map(_text).tolist(),
    })


def rates_table(view: LedgerView, lang: str) -> pd.DataFrame:
    """Per project: plan, invested to date and the completion rate, lowest rate first."""
    r = view.rates.sort_values("rate", kind="stable", na_position="last")
    return pd.DataFrame({
        tr("项目名称", "Project", lang): [_text(n) or p for n, p in
                                        zip(r["name"], r["project_id"], strict=True)],
        tr("责任单位", "Responsible department", lang): r["department"].map(_text).tolist(),
        tr("包抓领导", "Leader in charge", lang): r["leader"].map(_text).tolist(),
        tr("年度计划投资(万元)", "Planned this year (10k CNY)", lang):
            r["annual_plan_wan"].map(_wan).tolist(),
        tr("累计完成投资(万元)", "Invested to date (10k CNY)", lang):
            r["invested_wan"].map(_wan).tolist(),
        tr("完成率", "Completion", lang): r["rate"].map(_pct).tolist(),
    })


def group_rates_table(view: LedgerView, lang: str,
                      park_names: Mapping[str, str] | None = None,
                      chain_names: Mapping[str, str] | None = None) -> pd.DataFrame:
    """Completion rate per 责任单位, 包抓领导, park and chain (one block each)."""
    kinds = {"department": tr("责任单位", "Department", lang),
             "leader": tr("包抓领导", "Leader", lang),
             "park_id": tr("园区", "Park", lang), "chain_id": tr("产业链", "Chain", lang)}
    names = {"park_id": park_names or {}, "chain_id": chain_names or {}}
    rows = []
    for by, table in view.group_rates.items():
        for rec in table.itertuples(index=False):
            value = getattr(rec, by)
            shown = names.get(by, {}).get(value, value) if value != "—" else \
                tr("未填写", "Not given", lang)
            rows.append((kinds[by], _text(shown), _wan(rec.annual_plan_wan),
                         _wan(rec.invested_wan), _pct(rec.rate)))
    return pd.DataFrame(rows, columns=[
        tr("分组", "Grouped by", lang), tr("名称", "Name", lang),
        tr("年度计划投资(万元)", "Planned this year (10k CNY)", lang),
        tr("累计完成投资(万元)", "Invested to date (10k CNY)", lang),
        tr("完成率", "Completion", lang)])


def stalled_table(view: LedgerView, lang: str) -> pd.DataFrame:
    """Started projects without new 形象进度: last report and weeks since."""
    s = view.stalled
    return pd.DataFrame({
        tr("项目名称", "Project", lang): [_text(n) or p for n, p in
                                        zip(s["name"], s["project_id"], strict=True)],
        tr("责任单位", "Responsible department", lang): s["department"].map(_text).tolist(),
        tr("包抓领导", "Leader in charge", lang): s["leader"].map(_text).tolist(),
        tr("最近形象进度", "Last site progress", lang):
            [_date(d) or tr("从未报送", "never reported", lang) for d in s["last_progress"]],
        tr("间隔周数", "Weeks since", lang):
            ["" if pd.isna(w) else str(int(w)) for w in s["weeks"]],
    })


def report_tables(view: LedgerView, lang: str = "zh", *,
                  park_names: Mapping[str, str] | None = None,
                  chain_names: Mapping[str, str] | None = None) -> list[tuple[str, pd.DataFrame]]:
    """The report's sections as (title, labelled table), in the report's order."""
    return [
        (tr("汇总", "Summary", lang), summary_table(view, lang)),
        (tr("卡壳环节", "Stuck steps", lang), board_table(view, lang)),
        (tr("责任单位", "By department", lang), lines_table(view.by_department, "department",
                                                        lang)),
        (tr("包抓领导", "By leader", lang), lines_table(view.by_leader, "leader", lang)),
        (tr("投资完成率", "Investment completion", lang), rates_table(view, lang)),
        (tr("分组完成率", "Completion by group", lang),
         group_rates_table(view, lang, park_names, chain_names)),
        (tr("无新形象进度", "No new progress", lang), stalled_table(view, lang)),
    ]


def write_report(view: LedgerView, out: str | Path, *, lang: str = "zh",
                 park_names: Mapping[str, str] | None = None,
                 chain_names: Mapping[str, str] | None = None) -> Path:
    """Write the report to ``out`` (.xlsx: one sheet per section; .pdf: A4 landscape).

    Raises
    ------
    exports.common.ExportError
        For another suffix (naming the ones supported).
    """
    out = Path(out)
    suffix = out.suffix.lower()
    if suffix not in (".xlsx", ".pdf"):
        raise ExportError(f"{out}: unsupported report type {suffix!r}; use .xlsx or .pdf")
    sections = report_tables(view, lang, park_names=park_names, chain_names=chain_names)
    title = tr(f"重点项目推进会报告（截至{_date(view.as_of)}）",
               f"Key projects progress report (as of {_date(view.as_of)})", lang)
    with atomic_output(out) as tmp:
        if suffix == ".xlsx":
            _write_xlsx(sections, tmp)
        else:
            _write_pdf(sections, tmp, title, lang)
    return out


def _write_xlsx(sections: list[tuple[str, pd.DataFrame]], path: Path) -> None:
    with pd.ExcelWriter(path, engine="openpyxl") as writer:
        for title, table in sections:
            safe_frame(table).to_excel(writer, sheet_name=title[:31], index=False)
            sheet = writer.sheets[title[:31]]
            for i, column in enumerate(table.columns, start=1):
                width = max([len(str(column)) * 2, *(len(str(v)) * 2 for v in table[column]
                                                     .head(200))], default=8)
                sheet.column_dimensions[sheet.cell(1, i).column_letter].width = min(width, 60)


def _write_pdf(sections: list[tuple[str, pd.DataFrame]], path: Path, title: str,
               lang: str) -> None:
    with matplotlib.rc_context(cjk_rc()), PdfPages(path) as pdf:
        first = True
        for name, table in sections:
            chunks = [table.iloc[i:i + ROWS_PER_PAGE]
                      for i in range(0, max(len(table), 1), ROWS_PER_PAGE)]
            for k, chunk in enumerate(chunks):
                heading = name if k == 0 else f"{name} ({k + 1})"
                pdf.savefig(_page(title if first else None, heading, chunk, lang))
                first = False


def _width(text: str) -> int:
    """Display width: CJK characters take two columns."""
    return sum(2 if ord(ch) >= 0x2E80 else 1 for ch in text)


def _wrap(text: str, width: int = WRAP) -> str:
    """``text`` in lines of at most ``width`` display columns (words kept whole where the
    text has spaces; CJK text broken between characters)."""
    if _width(text) == len(text):
        return "\n".join(textwrap.wrap(text, width, break_on_hyphens=False)) or text
    lines, line = [], ""
    for ch in text:
        if _width(line + ch) > width:
            lines.append(line)
            line = ""
        line += ch
    return "\n".join([*lines, line])


def _page(title: str | None, heading: str, table: pd.DataFrame, lang: str) -> Figure:
    fig = Figure(figsize=(11.69, 8.27))
    top = 0.95
    if title:
        fig.text(0.04, top, title, fontsize=15, weight="bold", va="top")
        top -= 0.06
    fig.text(0.04, top, heading, fontsize=12, weight="bold", va="top")
    ax = fig.add_axes((0.04, 0.04, 0.92, top - 0.08))
    ax.axis("off")
    if table.empty:
        ax.text(0, 1, tr("（无）", "(none)", lang), va="top", fontsize=10)
        return fig
    cells = [[_wrap(str(v)) for v in row] for row in table.astype(str).to_numpy().tolist()]
    columns = [_wrap(str(c)) for c in table.columns]
    widths = [max(_width(line) for text in [header, *column] for line in text.split("\n"))
              for header, column in zip(columns, zip(*cells, strict=True), strict=True)]
    total = sum(max(w, 3) for w in widths)
    drawn = ax.table(cellText=cells, colLabels=columns, loc="upper left", cellLoc="left",
                     colLoc="left", colWidths=[max(w, 3) / total for w in widths])
    drawn.auto_set_font_size(False)
    drawn.set_fontsize(8)
    lines = [max(1, *(str(c).count("\n") + 1 for c in row)) for row in [columns, *cells]]
    unit = min(0.05, 0.95 / max(sum(lines), 1))
    for (r, _c), cell in drawn.get_celld().items():
        cell.set_height(unit * lines[r])
        if r == 0:
            cell.set_facecolor("#e8eef7")
    return fig

"""The 重点项目台账 part of 项目挂图作战 (staff only): key figures, the step board, the lines per
责任单位 and 包抓领导, the investment completion table, projects without progress, a project card
with its step timeline, monthly progress and photos, and the report downloads.

Every table comes from :func:`exports.ledger_report.report_tables` (labels, never codes), the
same tables ``investmap ledger`` writes; the judging is :func:`layers.ledger.ledger_view`.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import streamlit as st

from exports.ledger_report import (
    board_table,
    group_rates_table,
    lines_table,
    rates_table,
    stalled_table,
    write_report,
)
from layers.county import County
from layers.ledger import LedgerView, has_ledger, ledger_view
from layers.registry import LEDGER_STEP_STATES, label
from ui.i18n import lang, shown_as, t


@st.cache_resource(show_spinner=False, max_entries=8)
def _view(_county: County, source: str, as_of: pd.Timestamp) -> LedgerView:
    return ledger_view(_county, as_of=as_of)


def ring_codes(county: County, as_of: pd.Timestamp) -> dict[str, str]:
    """Key project id → worst step code, for the map's rings (empty without a ledger)."""
    if not has_ledger(county):
        return {}
    view = _view(county, county.source, as_of)
    return dict(zip(view.projects["project_id"].astype(str), view.projects["worst_step"],
                    strict=True))


def render(county: County, as_of: pd.Timestamp) -> None:
    """Draw the ledger section of the page for ``as_of``."""
    st.subheader(t("ledger_title"))
    if not has_ledger(county):
        st.info(t("ledger_none"))
        return
    view = _view(county, county.source, as_of)
    language = lang()
    parks = county.layers.get("park")
    park_names = {} if parks is None else dict(zip(
        parks["park_id"], parks["name_en" if language == "en" else "name"].fillna(
            parks["name"]), strict=True))
    cols = st.columns(4)
    cols[0].metric(t("ledger_stuck_steps"), len(view.board))
    cols[1].metric(t("ledger_stuck_projects"), len(view.stuck_projects))
    cols[2].metric(t("ledger_rate"), "—" if pd.isna(view.total_rate)
                   else f"{view.total_rate:.0%}")
    cols[3].metric(t("ledger_no_progress", weeks=view.settings.no_progress_weeks),
                   len(view.stalled))
    st.caption(t("ledger_ring_note"))

    st.markdown(f"**{t('ledger_board')}**")
    if view.board.empty:
        st.success(t("ledger_board_empty"))
    else:
        st.dataframe(board_table(view, language), hide_index=True, width="stretch")
    left, right = st.columns(2)
    with left:
        st.markdown(f"**{t('ledger_by_department')}**")
        st.dataframe(lines_table(view.by_department, "department", language),
                     hide_index=True, width="stretch")
    with right:
        st.markdown(f"**{t('ledger_by_leader')}**")
        st.dataframe(lines_table(view.by_leader, "leader", language), hide_index=True,
                     width="stretch")

    st.markdown(f"**{t('ledger_rates')}**")
    modes = ["project", "group"]
    mode = st.radio(t("ledger_rates_by"), modes, horizontal=True, key="ledger_rates_mode",
                    format_func=shown_as(modes, lambda m: t(f"ledger_rates_{m}")))
    table = rates_table(view, language) if mode == "project" else \
        group_rates_table(view, language, park_names, _chain_names(county, language))
    st.dataframe(table, hide_index=True, width="stretch")

    st.markdown(f"**{t('ledger_stalled')}**")
    st.dataframe(stalled_table(view, language), hide_index=True, width="stretch")

    _card(view, language)
    _report_buttons(view, language, park_names, _chain_names(county, language))


def _chain_names(county: County, language: str) -> dict[str, str]:
    from layers.chains import ChainsError, load_chains

    try:
        catalog = load_chains()
    except ChainsError:
        return {}
    return {c.chain_id: (c.zh if language == "zh" else c.en) for c in catalog.chains}


def _card(view: LedgerView, language: str) -> None:
    st.subheader(t("ledger_card"))
    projects = view.projects
    names = dict(zip(projects["project_id"].astype(str),
                     projects["name"].fillna(projects["project_id"]).astype(str), strict=True))
    worst_first = view.board["project_id"].astype(str).tolist() + list(names)
    order = list(dict.fromkeys(worst_first))
    chosen = st.selectbox(t("ledger_pick"), order, key="ledger_card_project",
                          format_func=shown_as(order, lambda p: names.get(str(p), str(p))))
    if chosen is None:
        return
    row = projects[projects["project_id"].astype(str) == chosen].iloc[0]
    facts = pd.DataFrame([
        (t("ledger_content"), "" if pd.isna(row.get("content")) else str(row["content"])),
        (t("ledger_department"), "" if pd.isna(row.get("department"))
         else str(row["department"])),
        (t("ledger_leader"), "" if pd.isna(row.get("leader")) else str(row["leader"])),
        (t("ledger_rate"), _rate_text(view, chosen)),
    ], columns=[t("ledger_item"), t("ledger_value")])
    st.dataframe(facts, hide_index=True, width="stretch")
    st.markdown(f"**{t('ledger_timeline')}**")
    st.dataframe(_timeline(view, chosen, language), hide_index=True, width="stretch")
    months = view.months[view.months["project_id"].astype(str) == chosen].sort_values("month")
    st.markdown(f"**{t('ledger_months')}**")
    st.dataframe(pd.DataFrame({
        t("ledger_month"): pd.to_datetime(months["month"]).dt.strftime("%Y-%m").tolist(),
        t("ledger_invested"): [_wan(v) for v in months["invested_wan"]],
        t("ledger_cumulative"): [_wan(v) for v in months["cumulative_wan"]],
        t("ledger_progress"): months["progress"].fillna("").astype(str).tolist(),
    }), hide_index=True, width="stretch")
    _photos(months, _photo_folder(view))


def _rate_text(view: LedgerView, project_id: str) -> str:
    rate = view.rates.set_index("project_id")["rate"].get(project_id)
    return "—" if rate is None or pd.isna(rate) else f"{float(rate):.0%}"


def _wan(value: object) -> str:
    return "" if value is None or pd.isna(value) else f"{float(value):,.0f}"


def _timeline(view: LedgerView, project_id: str, language: str) -> pd.DataFrame:
    steps = view.steps[view.steps["project_id"].astype(str) == project_id]
    order = {code: i for i, code in enumerate(view.settings.steps)}
    steps = steps.sort_values("step", key=lambda s: s.map(order).fillna(len(order)))
    state = [label(LEDGER_STEP_STATES, "stuck" if stuck else s, language)
             for s, stuck in zip(steps["state"], steps["stuck"], strict=True)]
    planned = ["" if pd.isna(d) else pd.Timestamp(d).strftime("%Y-%m-%d")
               + (t("ledger_back_scheduled") if r else "")
               for d, r in zip(steps["planned"], steps["reverse"], strict=True)]
    done = ["" if pd.isna(d) else pd.Timestamp(d).strftime("%Y-%m-%d")
            for d in steps["done_date"]]
    return pd.DataFrame({
        t("ledger_step"): [view.settings.step_label(c, language) for c in steps["step"]],
        t("ledger_state"): state,
        t("ledger_planned"): planned,
        t("ledger_done"): done,
        t("ledger_days_late"): [str(d) if d else "" for d in steps["days_late"]],
        t("ledger_department"): steps["department"].fillna("").astype(str).tolist(),
    })


def _photo_folder(view: LedgerView) -> Path:
    """Relative photo paths are read from the folder of the county's data file."""
    source = Path(view.source) if view.source and "://" not in view.source else Path.cwd()
    return source.parent if source.suffix else source


def _photos(months: pd.DataFrame, folder: Path) -> None:
    st.markdown(f"**{t('ledger_photos')}**")
    items: list[tuple[str, Path]] = []
    for value in months.get("photos", pd.Series(dtype=object)).dropna():
        for item in str(value).split(","):
            date, _, name = item.strip().partition(" ")
            path = Path(name.strip())
            path = path if path.is_absolute() else folder / path
            if path.suffix.lower() in (".jpg", ".jpeg", ".png") and path.is_file():
                items.append((date, path))
    if not items:
        st.caption(t("ledger_no_photos"))
        return
    cols = st.columns(min(3, len(items)))
    for k, (date, path) in enumerate(items[-6:]):
        cols[k % len(cols)].image(str(path), caption=date)


def _report_buttons(view: LedgerView, language: str, parks: dict[str, str],
                    chains: dict[str, str]) -> None:
    st.markdown(f"**{t('ledger_report')}**")
    left, right = st.columns(2)
    stem = f"ledger_{view.as_of:%Y%m%d}_{language}"
    for column, suffix, key, mime in (
            (left, ".xlsx", "ledger_report_xlsx",
             "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
            (right, ".pdf", "ledger_report_pdf", "application/pdf")):
        column.download_button(t(key), data=lambda s=suffix: _report_bytes(
            view, language, parks, chains, s), file_name=stem + suffix, mime=mime, key=key)


def _report_bytes(view: LedgerView, language: str, parks: dict[str, str],
                  chains: dict[str, str], suffix: str) -> bytes:
    import tempfile

    with tempfile.TemporaryDirectory() as folder:
        out = write_report(view, Path(folder) / f"report{suffix}", lang=language,
                           park_names=parks, chain_names=chains)
        return out.read_bytes()


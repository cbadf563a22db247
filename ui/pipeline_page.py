"""项目挂图作战 / Project tracking (staff only): pipeline rates, projects by stage on the
map (key projects ringed by their worst step), overdue and stalled lists, and the 重点项目台账
step board (:mod:`ui.ledger_panel`)."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from geo.pipeline import overdue_projects, pipeline_rates
from ui import ledger_panel, state
from ui.auth import require_role
from ui.common import downloads, header
from ui.i18n import lang, shown_as, t
from ui.labels import column_label, readable
from ui.mapview import basemap_picker, map_view

RATES = ("signing_rate", "start_rate", "completion_rate", "performance_rate")
COUNTS = ("n_projects", "n_signed", "n_started", "n_completed", "n_stalled", "n_lost",
          "n_overdue", "n_due", "n_performed", "investment_wan")


def by_owner(overdue: pd.DataFrame, stalled: pd.DataFrame) -> pd.DataFrame:
    """Flagged projects per responsible officer (到责任人): counts and names, most first."""
    unknown = "—"
    rows = pd.concat([
        pd.DataFrame({"owner": overdue.get("owner", pd.Series(dtype=object)),
                      "name": overdue["name"], "overdue": 1, "stalled": 0}),
        pd.DataFrame({"owner": stalled.get("owner", pd.Series(dtype=object)),
                      "name": stalled["name"], "overdue": 0, "stalled": 1}),
    ], ignore_index=True)
    rows["owner"] = rows["owner"].fillna(unknown).astype(str)
    sep = "、" if lang() == "zh" else "; "
    table = rows.groupby("owner").agg(n=("name", "size"), overdue=("overdue", "sum"),
                                      stalled=("stalled", "sum"),
                                      names=("name", lambda s: sep.join(dict.fromkeys(s))))
    table = table.sort_values("n", ascending=False).reset_index()
    return table.rename(columns={"owner": column_label("owner", layer="project"),
                                 "n": t("n_flagged"), "overdue": t("flag_overdue"),
                                 "stalled": t("flag_stalled"), "names": t("projects_list")})


def render() -> None:
    require_role()
    header("page_pipeline")
    county = state.county()
    projects = county["project"]
    settings = county.policy.section("pipeline")
    as_of = pd.Timestamp(st.date_input(t("as_of"), state.as_of(), key="pipe_as_of"))

    total = pipeline_rates(projects, as_of=as_of, settings=settings).iloc[0]
    cols = st.columns(len(RATES) + 1)
    cols[0].metric(t("n_projects"), int(total["n_projects"]))
    for col, rate in zip(cols[1:], RATES, strict=True):
        value = total[rate]
        col.metric(t(rate), "—" if pd.isna(value) else f"{float(value):.0%}")

    overdue = overdue_projects(projects, as_of=as_of, settings=settings)
    stalled = projects[projects["stage"].isin(["stalled", "lost"])]
    st.subheader(t("projects_by_stage"))
    map_col, list_col = st.columns([3, 2], gap="small")
    with map_col:
        basemap = basemap_picker("pipe_basemap")
        map_view(key="pipe_map", basemap=basemap, layers=("park", "project"), height=520,
                 flag_ids=[*overdue["project_id"].astype(str), *stalled["project_id"].astype(str)],
                 ring_codes=ledger_panel.ring_codes(county, as_of))
    with list_col:
        st.markdown(f"**{t('flagged_by_owner')}**")
        st.dataframe(by_owner(overdue, stalled), hide_index=True, width="stretch", height=520)

    groups = ["park_id", "chain_id"]
    by = st.radio(t("rates_by"), groups, horizontal=True, key="pipe_by",
                  format_func=shown_as(groups, lambda b: t(f"by_{b}")))
    rates = pipeline_rates(projects, by=by, as_of=as_of, settings=settings)
    if by == "park_id":
        parks = county["park"]
        names = dict(zip(parks["park_id"], parks["name_en" if lang() == "en" else "name"],
                         strict=True))
        rates[by] = [names.get(p, t("outside_parks")) for p in rates[by]]
    headers = {c: t(c) for c in (*COUNTS, *RATES)} | {by: t(f"by_{by}")}
    st.dataframe(rates.rename(columns=headers), hide_index=True, width="stretch",
                 column_config={t(r): st.column_config.NumberColumn(format="percent")
                                for r in RATES})

    reason = "reason_zh" if lang() == "zh" else "reason_en"
    st.subheader(t("overdue"))
    overdue_table = readable(overdue[[c for c in (
        "project_id", "name", "stage", "park_id", "owner", "overdue_kind", "planned_date",
        "days_overdue", reason) if c in overdue]], layer="project")
    st.dataframe(overdue_table, hide_index=True, width="stretch")
    downloads(overdue_table, stem="overdue_projects", key="overdue")

    st.subheader(t("stalled"))
    st.dataframe(readable(stalled[["project_id", "name", "stage", "park_id", "investment_wan",
                                   "owner", "notes"]], layer="project"),
                 hide_index=True, width="stretch")

    ledger_panel.render(county, as_of)


render()

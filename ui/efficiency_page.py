"""亩均评价 / Output per mu (staff only): class mix, ranking, map by class, per-park
comparison, low-efficiency and idle-land lists."""

from __future__ import annotations

import contextlib
import datetime as dt

import pandas as pd
import streamlit as st

from geo.aggregates import aggregate, low_efficiency
from geo.idle import idle_land
from ui import state
from ui.auth import require_role
from ui.common import downloads, header
from ui.i18n import lang, t
from ui.labels import readable
from ui.mapview import basemap_picker, map_view
from ui.session import set_view_params, view_param

RANK_COLUMNS = ("enterprise_id", "name", "scale", "park_id", "land_mu", "tax_per_mu",
                "value_added_per_mu", "score", "rank", "class")


def _as_of_from_url() -> None:
    """First run of a session: the evaluation date from ``?as_of=YYYY-MM-DD`` (a date that
    does not parse is ignored: the page opens on the default date)."""
    if "eff_as_of" in st.session_state or not view_param("as_of"):
        return
    with contextlib.suppress(ValueError):
        st.session_state["eff_as_of"] = dt.date.fromisoformat(str(view_param("as_of")))


def render() -> None:
    require_role()
    header("page_efficiency")
    county = state.county()
    _as_of_from_url()
    as_of = pd.Timestamp(st.date_input(t("as_of"), state.as_of(), key="eff_as_of"))
    set_view_params(as_of=None if as_of == state.as_of() else as_of.date().isoformat())
    evaluated = state.efficiency(as_of)
    settings = county.policy.section("efficiency")
    note = "note_zh" if lang() == "zh" else "note"

    st.subheader(t("class_mix"))
    mix = evaluated["class"].value_counts().reindex(["A", "B", "C", "D", "T"], fill_value=0)
    cols = st.columns(len(mix))
    for col, (cls, n) in zip(cols, mix.items(), strict=True):
        col.metric(t("class_n", cls=cls), int(n))
    st.bar_chart(mix)

    st.subheader(t("ranking"))
    ranking = readable(evaluated[[c for c in (*RANK_COLUMNS, note) if c in evaluated]],
                       layer="enterprise")
    st.dataframe(ranking, hide_index=True, width="stretch", height=320)
    downloads(ranking, stem="efficiency", key="eff")

    left, right = st.columns([3, 2])
    with left:
        st.subheader(t("map_by_class"))
        basemap = basemap_picker("eff_basemap")
        map_view(key="eff_map", basemap=basemap, style_mode="efficiency",
                 efficiency_classes=state.efficiency_by_parcel(as_of),
                 layers=("park", "parcel"), height=460)
    with right:
        st.subheader(t("park_comparison"))
        parks = readable(aggregate(evaluated, by="park_id")[
            ["park_id", "tax_per_mu", "value_added_per_mu"]].dropna(subset=["park_id"]))
        st.bar_chart(parks.set_index(parks.columns[0]), stack=False)
        county_row = aggregate(evaluated, by=None).iloc[0]
        st.caption(t("county_figures", tax=float(county_row["tax_per_mu"]),
                     va=float(county_row["value_added_per_mu"])))

    st.subheader(t("low_efficiency"))
    low = low_efficiency(evaluated, settings)
    reason = "reason_zh" if lang() == "zh" else "reason_en"
    st.dataframe(readable(low[[c for c in ("enterprise_id", "name", "park_id", "land_mu",
                                           "tax_per_mu", "class", reason) if c in low]],
                          layer="enterprise"), hide_index=True, width="stretch")

    st.subheader(t("idle_land"))
    idle = idle_land(county["parcel"], as_of=as_of, settings=county.policy.section("idle"),
                     projects=county.layers.get("project"))
    idle = idle[idle["idle"]]
    st.caption(t("idle_summary", n=len(idle), mu=float(idle["area_mu"].sum())))
    st.dataframe(readable(idle[[c for c in ("parcel_id", "park_id", "area_mu", "idle_kind",
                                            "idle_from", "years_idle", "fee_estimate_wan",
                                            "may_reclaim", reason) if c in idle]],
                          layer="parcel"), hide_index=True, width="stretch")


render()

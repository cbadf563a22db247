"""产业链招商 / Industry chains: chain diagram with verdicts, the promotion worklist
(gap → parcels → target enterprises, with reasons) and the parcels on the map.

Investors see names, verdicts and suitable parcels only (:func:`geo.chains.analysis_for`,
:func:`geo.chains.worklist_for`); staff also see figures, scores, reasons and targets.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from charts.chain_diagram import chain_figure, figure_bytes
from geo.chain_catalog import INVESTOR_VERDICT_LABELS, VERDICT_LABELS
from geo.chains import analysis_for, worklist_for
from ui import state
from ui.auth import is_staff
from ui.common import downloads, header
from ui.i18n import lang, shown_as, t
from ui.labels import readable
from ui.mapview import basemap_picker, map_view
from ui.session import choice_from_url, set_view_params
from ui.targets_panel import render_targets_panel


def verdict_first(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` with its ``verdict`` column right after the segment's name (the worklist's
    order): the verdict is what a reader looks for, and on a phone the table shows its
    first two columns, the rest a swipe away."""
    if "verdict" not in frame or "segment_id" not in frame:
        return frame
    columns = [c for c in frame.columns if c != "verdict"]
    columns.insert(columns.index("segment_id") + 1, "verdict")
    return frame[columns]


def render() -> None:
    header("page_chains")
    audience = "staff" if is_staff() else "investor"
    county = state.county()
    catalog = state.chain_catalog()
    parks = county["park"]
    park_names = dict(zip(parks["park_id"], parks["name_en" if lang() == "en" else "name"],
                          strict=True))
    chains = {c.chain_id: c.name(lang()) for c in catalog.chains}
    choice_from_url("chain_id", "chain", chains)  # ?chain=…&park=… (a shared view)
    choice_from_url("chain_park", "park", park_names)
    left, right = st.columns(2)
    chain_id = left.selectbox(t("chain"), list(chains), format_func=chains.get,
                              key="chain_id")
    park = right.selectbox(t("scope"), [""] + list(park_names),
                           format_func=shown_as(["", *park_names],
                                                lambda p: park_names.get(p, t("whole_county"))),
                           key="chain_park")
    park_id = park or None
    set_view_params(chain=chain_id, park=park_id)
    analysis = analysis_for(state.chain_analysis(park_id), audience)
    in_chain = analysis[analysis["chain_id"] == chain_id]
    words = INVESTOR_VERDICT_LABELS if audience == "investor" else VERDICT_LABELS
    fig = chain_figure(catalog, chain_id, in_chain, lang=lang(), verdict_labels=words)
    st.image(figure_bytes(fig, "png", dpi=110), width="stretch")

    st.subheader(t("segments"))
    st.dataframe(readable(verdict_first(in_chain.drop(columns=["scope", "chain_id"],
                                                      errors="ignore")),
                          audience=audience), hide_index=True, width="stretch")

    st.subheader(t("worklist"))
    worklist = worklist_for(state.chain_worklist(park_id), audience)
    worklist = worklist[worklist["chain_id"] == chain_id]
    shown = readable(worklist.drop(columns=["score_parts", "scope", "chain_id"],
                                   errors="ignore"), layer="parcel", audience=audience)
    st.dataframe(shown, hide_index=True, width="stretch", height=300)
    downloads(shown, stem=f"worklist_{chain_id}", key="worklist")

    if audience == "staff":
        render_targets_panel(chain_id, park_id)

    st.subheader(t("chain_map"))
    basemap = basemap_picker("chain_basemap")
    parcels = worklist["parcel_id"].dropna().astype(str).tolist()
    map_view(key="chain_map", basemap=basemap, style_mode="chain", park_ids=[park_id]
             if park_id else None, highlight_ids=parcels, layers=("park", "parcel", "project"),
             height=480)


render()

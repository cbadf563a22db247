"""招商地图 / Investment map: parks, parcels, projects and red lines; click a parcel for its
card; public park facts below."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from layers.registry import LAYERS
from ui import state
from ui.auth import current_user
from ui.common import header, show_card
from ui.i18n import lang, t
from ui.labels import readable
from ui.mapview import basemap_picker, map_view, style_picker
from webmap.card import parcel_card


def park_facts(parks: pd.DataFrame) -> pd.DataFrame:
    """Public park facts (registry public columns only) with labels in the session language."""
    spec = LAYERS["park"]
    cols = [c for c in ("name", "level", "leading_industries", "area_mu", "address",
                        "contact", "description") if c in spec.public_columns]
    out = pd.DataFrame(parks[cols]).copy()
    if lang() == "en":
        for zh_col, en_col in (("name", "name_en"), ("description", "description_en")):
            if en_col in parks:
                out[zh_col] = parks[en_col].where(parks[en_col].notna(), parks[zh_col])
    return readable(out, layer="park", digits=1)


def render() -> None:
    header("page_map")
    county = state.county()
    parks = county["park"]
    names = dict(zip(parks["park_id"], parks["name_en" if lang() == "en" else "name"],
                     strict=True))
    left, mid, right = st.columns([1, 1.4, 2])
    with left:
        basemap = basemap_picker("map_basemap")
    with mid:
        style_mode = style_picker("map_style")
    with right:
        chosen = st.multiselect(t("park_filter"), list(names), format_func=names.get,
                                key="map_parks", placeholder=t("all_parks"))
    only_offerable = st.checkbox(t("only_offerable"), value=current_user() is None,
                                 key="map_offerable")
    offerable = None
    if only_offerable:
        av = state.availability()
        offerable = av.loc[av["available"], "parcel_id"].astype(str).tolist()
    efficiency = state.efficiency_by_parcel(state.as_of()) if style_mode == "efficiency" else None
    map_col, card_col = st.columns([2.4, 1.6])
    with map_col:
        clicked = map_view(key="map_main", basemap=basemap, style_mode=style_mode,
                           park_ids=chosen or None, parcel_ids=offerable,
                           efficiency_classes=efficiency)
    with card_col:
        if clicked:
            audience = "staff" if current_user() else "investor"
            show_card(parcel_card(county, clicked, audience=audience, lang=lang(),
                                  availability=state.availability()))
        else:
            st.info(t("click_hint"))
    st.subheader(t("park_facts"))
    st.dataframe(park_facts(parks), hide_index=True, width="stretch")


render()

"""招商地图 / Investment map page."""

from __future__ import annotations

import streamlit as st
from streamlit_folium import st_folium

from ui.state import county
from webmap.builder import build_map


def render() -> None:
    st.title("招商地图 Investment map")
    st.caption("示例数据：青峰县为虚构县，仅供演示。Sample data: Qingfeng County is fictional.")
    data = county()
    fmap = build_map(data.layers, audience="investor", tiles=None)
    st_folium(fmap, height=620, use_container_width=True, returned_objects=[])


render()

"""InvestMap 招商地图 — Streamlit entry point (thin: pages live in ui/)."""

from __future__ import annotations

import streamlit as st


def main() -> None:
    st.set_page_config(page_title="InvestMap 招商地图", page_icon="🗺️", layout="wide")
    pages = [st.Page("ui/map_page.py", title="招商地图 Investment map", default=True)]
    st.navigation(pages).run()


main()

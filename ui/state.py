"""Cached data access for the pages (GeoDataFrames are cached, never re-read per rerun)."""

from __future__ import annotations

import streamlit as st

from layers.county import County, load_county


@st.cache_resource(show_spinner="正在加载数据… Loading data…")
def county() -> County:
    """The county the app shows (the embedded demo unless INVESTMAP_DATA names a file)."""
    import os

    return load_county(os.environ.get("INVESTMAP_DATA") or None)

"""The floor for bench_app_start: a one-page Streamlit app showing an empty folium map through
streamlit-folium (Leaflet from the same local files), nothing else — what any Streamlit +
streamlit-folium page costs before InvestMap does anything."""

import folium
import streamlit as st
from streamlit_folium import st_folium

from webmap.assets import use_local_assets

m = folium.Map(location=[30.0, 120.0], zoom_start=11, tiles=None)
use_local_assets(m)
st.title("floor")
st_folium(m, height=700, use_container_width=True, returned_objects=["bounds", "zoom"])

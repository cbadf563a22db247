"""The floor for bench_app_start and bench_browser: a one-page Streamlit app showing a folium
map through streamlit-folium (Leaflet from the same local files, canvas renderer) with one
polygon sent as an overlay, nothing else — what any Streamlit + streamlit-folium page costs
before InvestMap does anything."""

import folium
import streamlit as st
from streamlit_folium import st_folium

from webmap.assets import use_local_assets

m = folium.Map(location=[30.0, 120.0], zoom_start=11, tiles=None, prefer_canvas=True)
use_local_assets(m)
square = {"type": "Feature", "properties": {},
          "geometry": {"type": "Polygon", "coordinates": [[[119.99, 29.99], [120.01, 29.99],
                                                           [120.01, 30.01], [119.99, 30.01],
                                                           [119.99, 29.99]]]}}
overlay = folium.FeatureGroup(name="floor")
folium.GeoJson(square).add_to(overlay)
st.title("floor")
st_folium(m, height=700, use_container_width=True, feature_group_to_add=[overlay],
          returned_objects=["bounds", "zoom"])

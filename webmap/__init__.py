"""Interactive map building (folium): shared by the Streamlit app and the HTML export."""

"""Build the investment map: one folium ``GeoJson`` layer per registry layer and style.

Geometry arrives in the working CRS and is transformed to WGS84 for display only.
Only columns an audience may see are put into the map (investor: public columns only).
"""

from __future__ import annotations

from collections.abc import Mapping

import folium
import geopandas as gpd
import pandas as pd

from layers.registry import LAYERS, LayerSpec

MAP_LAYERS = ("park", "redline", "parcel", "project")


def display_frame(frame: gpd.GeoDataFrame, spec: LayerSpec, *, audience: str = "investor",
                  ) -> gpd.GeoDataFrame:
    """Columns the audience may see, as text, in WGS84 (display only, never stored)."""
    keep = spec.public_columns if audience == "investor" else spec.column_names
    cols = [c for c in keep if c in frame.columns]
    out = frame[cols].copy()
    for col in cols:
        out[col] = out[col].map(_display_text)
    return gpd.GeoDataFrame(out, geometry=frame.geometry.values, crs=frame.crs).to_crs(4326)


def _display_text(value: object) -> str:
    if isinstance(value, list | tuple):
        return ", ".join(str(v) for v in value)
    if value is None or (isinstance(value, float) and pd.isna(value)) or value is pd.NaT:
        return ""
    if isinstance(value, float):
        return f"{value:,.2f}"
    if isinstance(value, pd.Timestamp):
        return value.strftime("%Y-%m-%d")
    return str(value)


def _style(spec: LayerSpec):  # noqa: ANN202 - folium style callback
    style = dict(spec.style)
    by, colors = style.get("by"), style.get("colors", {})

    def fn(feature: Mapping) -> dict:
        color = style.get("color", "#333333")
        if by:
            color = colors.get(feature["properties"].get(by), "#666666")
        return {"color": color, "fillColor": style.get("fill_color", color),
                "fillOpacity": style.get("fill_opacity", 0.3),
                "weight": style.get("weight", 1)}

    return fn


def build_map(layers: Mapping[str, gpd.GeoDataFrame], *, audience: str = "investor",
              tiles: str | None = None) -> folium.Map:
    """A folium map with one toggleable layer per registry layer and a layer control."""
    bounds = layers["parcel"].to_crs(4326).total_bounds
    fmap = folium.Map(tiles=tiles, prefer_canvas=True, control_scale=True)
    fmap.fit_bounds([[bounds[1], bounds[0]], [bounds[3], bounds[2]]])
    for name in MAP_LAYERS:
        if name not in layers:
            continue
        spec = LAYERS[name]
        frame = display_frame(layers[name], spec, audience=audience)
        fields = [c for c in frame.columns if c != "geometry"][:6]
        layer = folium.GeoJson(
            frame, name=f"{spec.zh} {spec.en}", style_function=_style(spec),
            tooltip=folium.GeoJsonTooltip(fields=fields) if fields else None,
            marker=folium.CircleMarker(radius=5) if spec.geometry == "point" else None,
        )
        layer.add_to(fmap)
    folium.LayerControl(collapsed=False).add_to(fmap)
    return fmap

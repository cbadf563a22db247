"""The ``context`` layer on the web map: where things are when there are no tiles.

With no basemap (offline, ``none``) the map would be parks floating on grey. The county's
``context`` layer — outline, towns, main roads, rivers, railways, water — is prepared once per
county and display CRS (:func:`context_geojson`) and drawn on the stable base map under every
data overlay (:func:`add_context`), without tooltips or clicks: it is scenery, not data.
"""

from __future__ import annotations

import html

import folium
import geopandas as gpd
import numpy as np
import shapely

from layers.registry import CONTEXT
from webmap.display import to_display_coords

# drawing order: areas first, then lines, towns last
_ORDER = ("water", "county_boundary", "river", "road", "railway", "town")
_STYLE = {
    "water": {"weight": 0, "fillOpacity": 0.7},
    "county_boundary": {"weight": 2.2, "dashArray": "10 4 2 4", "fill": False},
    "river": {"weight": 3.0, "fill": False},
    "road": {"weight": 2.5, "fill": False},
    "railway": {"weight": 2.5, "dashArray": "6 6", "fill": False},
}
COORD_DECIMALS = 5  # ~1 m: scenery needs no more


def context_geojson(context: gpd.GeoDataFrame | None, *, coords: str = "wgs84",
                    lang: str = "zh") -> dict[str, object] | None:
    """The context layer as one GeoJSON FeatureCollection in display degrees.

    Each feature keeps only ``kind`` and its display ``name`` (in ``lang``), escaped; the
    geometry is simplified to about a metre. ``None`` when there is no context layer.

    Parameters
    ----------
    context : the validated ``context`` layer (working CRS), or ``None``.
    coords : ``wgs84`` or ``gcj02`` display coordinates.
    lang : ``zh`` or ``en`` names (``name_en`` falls back to ``name``).
    """
    if context is None or len(context) == 0:
        return None
    geoms = shapely.simplify(context.geometry.values, 1.0)
    shown = to_display_coords(np.asarray(geoms, dtype=object), context.crs, coords)
    shown = shapely.set_precision(shown, 10 ** -COORD_DECIMALS)
    names = context["name"] if "name" in context else [None] * len(context)
    if lang == "en" and "name_en" in context:
        names = context["name_en"].where(context["name_en"].notna(), context["name"])
    features = []
    for kind, name, geom in zip(context["kind"].astype(str), names, shown, strict=True):
        if geom is None or geom.is_empty:
            continue
        features.append({"type": "Feature",
                         "properties": {"kind": kind,
                                        "name": html.escape(str(name)) if isinstance(name, str)
                                        else ""},
                         "geometry": shapely.geometry.mapping(geom)})
    features.sort(key=lambda f: _ORDER.index(f["properties"]["kind"])
                  if f["properties"]["kind"] in _ORDER else 0)
    return {"type": "FeatureCollection", "features": features}


def add_context(fmap: folium.Map, context: dict[str, object] | None, basemap: str) -> None:
    """Draw the prepared context on ``fmap`` when ``basemap`` is ``none`` (else tiles show
    the same things, better): areas, lines and each town's dot. The towns' names are
    labels placed with the parks' (:func:`webmap.labels.town_labels`)."""
    if basemap != "none" or not context:
        return
    colors = CONTEXT.style["colors"]
    assert isinstance(colors, dict)
    lines = [f for f in context["features"] if f["properties"]["kind"] != "town"]

    def style(feature: dict) -> dict:
        kind = feature["properties"]["kind"]
        color = colors.get(kind, "#9e9e9e")
        return {"color": color, "fillColor": color, **_STYLE.get(kind, {"weight": 1})}

    folium.GeoJson({"type": "FeatureCollection", "features": lines}, name="context",
                   style_function=style, interactive=False, control=False).add_to(fmap)
    for lat, lon, _name in town_points(context):
        folium.CircleMarker([lat, lon], radius=4, color="white", weight=1.5,
                            fill=True, fill_color=colors["town"], fill_opacity=1.0,
                            interactive=False).add_to(fmap)


def town_points(context: dict[str, object] | None) -> list[tuple[float, float, str]]:
    """``(lat, lng, escaped name)`` of each town of the prepared context: the town's dot,
    and where :func:`webmap.labels.town_labels` puts its name."""
    if not context:
        return []
    out = []
    for town in context["features"]:
        if town["properties"]["kind"] != "town":
            continue
        lon, lat = shapely.geometry.shape(town["geometry"]).representative_point().coords[0]
        out.append((lat, lon, str(town["properties"]["name"])))
    return out

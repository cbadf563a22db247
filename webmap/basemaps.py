"""Basemaps: OpenStreetMap, 天地图 Tianditu (vector / imagery with labels), 高德 Gaode, none.

Tianditu ``*_w`` layers are Web Mercator and fit Leaflet's default CRS; they need a key
``tk`` (environment variable ``TIANDITU_KEY`` or the caller passes it). Gaode tiles are
GCJ-02, so the data must be shifted for display (:func:`display_coords`); shared/domain.md §6.
"""

from __future__ import annotations

import os

import folium

BASEMAPS: tuple[str, ...] = ("osm", "tianditu", "tianditu_img", "gaode", "none")

NAMES: dict[str, tuple[str, str]] = {
    "osm": ("OpenStreetMap", "OpenStreetMap"),
    "tianditu": ("天地图 矢量", "Tianditu vector"),
    "tianditu_img": ("天地图 影像", "Tianditu imagery"),
    "gaode": ("高德地图", "Gaode (AMap)"),
    "none": ("无底图（离线）", "No basemap (offline)"),
}

_TDT = ("https://t{{s}}.tianditu.gov.cn/{layer}_w/wmts?SERVICE=WMTS&REQUEST=GetTile"
        "&VERSION=1.0.0&LAYER={layer}&STYLE=default&TILEMATRIXSET=w&FORMAT=tiles"
        "&TILEMATRIX={{z}}&TILEROW={{y}}&TILECOL={{x}}&tk={key}")
_TDT_ATTR = '&copy; <a href="https://www.tianditu.gov.cn/">天地图</a> GS(2024)0568号'
_OSM = "https://tile.openstreetmap.org/{z}/{x}/{y}.png"
_OSM_ATTR = '&copy; <a href="https://www.openstreetmap.org/copyright">OpenStreetMap</a>'
_GAODE = ("https://webrd0{{s}}.is.autonavi.com/appmaptile?lang={lang}&size=1&scale=1&style=8"
          "&x={{x}}&y={{y}}&z={{z}}")
_GAODE_ATTR = '&copy; <a href="https://www.amap.com/">高德地图</a>'


class BasemapError(ValueError):
    """A basemap cannot be used as asked; the message says why and how to fix it."""


def tianditu_key(explicit: str | None = None) -> str | None:
    """The Tianditu key: ``explicit`` when given, else the ``TIANDITU_KEY`` environment
    variable, else ``None``."""
    key = explicit or os.environ.get("TIANDITU_KEY", "")
    return key.strip() or None


def needs_key(basemap: str) -> bool:
    """Whether ``basemap`` needs a Tianditu key."""
    return basemap.startswith("tianditu")


def display_coords(basemap: str) -> str:
    """Display coordinates that line up with ``basemap``'s tiles: ``gcj02`` for Gaode."""
    return "gcj02" if basemap == "gaode" else "wgs84"


def basemap_name(basemap: str, lang: str) -> str:
    """Human name of a basemap."""
    zh, en = NAMES[basemap]
    return zh if lang == "zh" else en


def add_basemap(fmap: folium.Map, basemap: str, *, lang: str = "zh",
                key: str | None = None) -> None:
    """Add ``basemap``'s tile layers to ``fmap`` (nothing for ``none``).

    Raises
    ------
    BasemapError
        Unknown basemap, or Tianditu without a key.
    """
    if basemap not in BASEMAPS:
        raise BasemapError(f"unknown basemap {basemap!r}; use one of {', '.join(BASEMAPS)}")
    name = basemap_name(basemap, lang)
    if basemap == "osm":
        folium.TileLayer(_OSM, attr=_OSM_ATTR, name=name, max_zoom=19,
                         control=False).add_to(fmap)
    elif basemap == "gaode":
        folium.TileLayer(_GAODE.format(lang="zh_cn" if lang == "zh" else "en"),
                         attr=_GAODE_ATTR, name=name, subdomains="1234", max_zoom=18,
                         control=False).add_to(fmap)
    elif needs_key(basemap):
        tk = tianditu_key(key)
        if tk is None:
            raise BasemapError("天地图 Tianditu needs a key (tk); fix: set the environment "
                               "variable TIANDITU_KEY, or tianditu_key in "
                               ".streamlit/secrets.toml, or choose another basemap")
        base, labels = ("img", "cia" if lang == "zh" else "eia") if basemap == "tianditu_img" \
            else ("vec", "cva" if lang == "zh" else "eva")
        for layer in (base, labels):
            folium.TileLayer(_TDT.format(layer=layer, key=tk), attr=_TDT_ATTR,
                             name=f"{name} {layer}", subdomains="01234567", max_zoom=18,
                             control=False).add_to(fmap)

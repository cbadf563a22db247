"""Basemaps: OpenStreetMap, 天地图 Tianditu (vector / imagery with labels), 高德 Gaode,
offline tiles served by the app, none.

Tianditu ``*_w`` layers are Web Mercator and fit Leaflet's default CRS; they need a key
``tk``: passed by the caller, or the ``TIANDITU_KEY`` environment variable, or the key an
administrator saved in the settings page (:mod:`layers.site_settings`). Gaode tiles are
GCJ-02, so the data must be shifted for display (:func:`display_coords`); shared/domain.md §6.
``local`` draws the offline tiles of ``INVESTMAP_TILES`` (:mod:`webmap.tiles`). With ``none``
the builder draws the county's ``context`` layer instead (:mod:`webmap.context`).

:func:`default_basemap` picks what works in China first: Tianditu when a key is configured,
else the offline tiles when configured, else OpenStreetMap.
"""

from __future__ import annotations

import html
import os

import folium

from geo.errors import DataError

BASEMAPS: tuple[str, ...] = ("osm", "tianditu", "tianditu_img", "gaode", "local", "none")

NAMES: dict[str, tuple[str, str]] = {
    "osm": ("OpenStreetMap", "OpenStreetMap"),
    "tianditu": ("天地图 矢量", "Tianditu vector"),
    "tianditu_img": ("天地图 影像", "Tianditu imagery"),
    "gaode": ("高德地图", "Gaode (AMap)"),
    "local": ("离线底图", "Offline basemap"),
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


class BasemapError(DataError):
    """A basemap cannot be used as asked; the message says why and how to fix it."""


def tianditu_key(explicit: str | None = None) -> str | None:
    """The Tianditu key: ``explicit`` when given, else the ``TIANDITU_KEY`` environment
    variable, else the key saved in the settings page, else ``None``."""
    key = explicit or os.environ.get("TIANDITU_KEY", "")
    if not key.strip():
        from layers.site_settings import SettingsError, load_site_settings

        try:
            key = load_site_settings().tianditu_key or ""
        except SettingsError:
            key = ""
    return key.strip() or None


def local_configured() -> bool:
    """Whether offline tiles are configured (``INVESTMAP_TILES``)."""
    from webmap.tiles import tiles_source

    return tiles_source() is not None


def admin_basemap() -> str | None:
    """The default basemap saved in the settings page (``None``: automatic choice)."""
    from layers.site_settings import SettingsError, load_site_settings

    try:
        chosen = load_site_settings().default_basemap
    except SettingsError:
        return None
    return chosen if chosen in BASEMAPS else None


def available_basemaps(*, has_key: bool | None = None) -> tuple[str, ...]:
    """Basemaps that can be offered now: ``local`` only when offline tiles are configured,
    天地图 only with a key (``has_key``; ``None`` = look the key up)."""
    keyed = tianditu_key() is not None if has_key is None else has_key
    return tuple(b for b in BASEMAPS if (b != "local" or local_configured())
                 and (keyed or not needs_key(b)))


def default_basemap() -> str:
    """The basemap shown first: ``INVESTMAP_BASEMAP`` when set, else the one an administrator
    chose in the settings page, else 天地图 when a key is configured, else the offline tiles
    when configured, else OpenStreetMap."""
    chosen = os.environ.get("INVESTMAP_BASEMAP", "").strip() or admin_basemap()
    if chosen:
        return chosen
    if tianditu_key() is not None:
        return "tianditu"
    return "local" if local_configured() else "osm"


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
        Unknown basemap, Tianditu without a key, or ``local`` without usable offline tiles.
    """
    if basemap not in BASEMAPS:
        raise BasemapError(f"unknown basemap {basemap!r}; use one of {', '.join(BASEMAPS)}")
    name = basemap_name(basemap, lang)
    if basemap == "osm":
        folium.TileLayer(_OSM, attr=_OSM_ATTR, name=name, max_zoom=19,
                         control=False).add_to(fmap)
    elif basemap == "local":
        from webmap.tiles import TileSourceError, local_tiles

        try:
            tiles = local_tiles()
        except TileSourceError as exc:
            raise BasemapError(str(exc)) from exc
        if tiles is None:
            raise BasemapError("no offline tiles configured; fix: set INVESTMAP_TILES to a "
                               "z/x/y tile folder or an .mbtiles file, or choose another basemap")
        folium.TileLayer(tiles.url, attr=html.escape(tiles.attribution), name=name,
                         min_zoom=0, max_zoom=19, max_native_zoom=tiles.max_zoom,
                         control=False).add_to(fmap)
    elif basemap == "gaode":
        folium.TileLayer(_GAODE.format(lang="zh_cn" if lang == "zh" else "en"),
                         attr=_GAODE_ATTR, name=name, subdomains="1234", max_zoom=18,
                         control=False).add_to(fmap)
    elif needs_key(basemap):
        tk = tianditu_key(key)
        if tk is None:
            raise BasemapError("天地图 Tianditu needs a key (tk); fix: set the environment "
                               "variable TIANDITU_KEY, or enter it in 设置 Settings "
                               "(admin), or choose another basemap")
        base, labels = ("img", "cia" if lang == "zh" else "eia") if basemap == "tianditu_img" \
            else ("vec", "cva" if lang == "zh" else "eva")
        for layer in (base, labels):
            folium.TileLayer(_TDT.format(layer=layer, key=tk), attr=_TDT_ATTR,
                             name=f"{name} {layer}", subdomains="01234567", max_zoom=18,
                             control=False).add_to(fmap)

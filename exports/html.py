"""Self-contained HTML map for investors, built with the app's map builder.

:func:`export_html` renders :func:`webmap.builder.build_map` (the same function the app uses)
into one file with a title block and click popups (:func:`add_popups`). With
``offline=True`` Leaflet's script and stylesheet are inlined from the installed package
(:func:`webmap.assets.asset_paths`) together with the stylesheet's images as ``data:`` URIs,
so the only external addresses left are the map tiles — and none at all with
``basemap="none"`` (see :func:`external_resources`). Every attribute value is HTML-escaped by
the builder; the title block escapes its own texts.
"""

from __future__ import annotations

import base64
import html
import re
from collections.abc import Callable
from datetime import date
from pathlib import Path

import folium

from exports.common import (
    AUDIENCES,
    LANGS,
    ExportError,
    atomic_output,
    check_choice,
    tr,
    write_failure,
)
from exports.settings import ExportSettings
from exports.tables import as_of_public, park_row
from layers.county import County

BASEMAPS = ("osm", "tianditu", "gaode", "none")
_SCRIPT_SRC = re.compile(r'<script src="([^"]+)"></script>')
_STYLESHEET = re.compile(r'<link rel="stylesheet" href="([^"]+)"\s*/?>')
_RESOURCE = re.compile(
    r"""(?:<(?:script|img|iframe|source|audio|video|embed)\b[^>]*?\ssrc\s*=\s*["']?"""
    r"""|<link\b[^>]*?\shref\s*=\s*["']?|url\(\s*["']?|@import\s+["'])"""
    r"""((?:https?:)?//[^"'\s)>]+)""", re.IGNORECASE)
_TILE_LAYER = re.compile(r"L\.tileLayer\(\s*\"([^\"]+)\"")


def export_html(county: County, out: str | Path, *, audience: str = "investor",
                lang: str = "zh", basemap: str = "osm", offline: bool = False,
                park_id: str | None = None, tianditu_key: str | None = None,
                settings: ExportSettings | None = None,
                step: Callable[[str], None] | None = None) -> Path:
    """Write the interactive map as one HTML file that opens from disk.

    Parameters
    ----------
    county : loaded county.
    out : the ``.html`` file (written atomically).
    audience : ``investor`` (default; public columns only) or ``staff``.
    lang : ``zh`` or ``en``.
    basemap : ``osm``, ``tianditu`` (needs a key), ``gaode`` or ``none``.
    offline : inline every script and stylesheet; only tile URLs stay external.
    park_id : show only this park and what lies in it.
    tianditu_key : Tianditu ``tk`` (else the ``TIANDITU_KEY`` environment variable).
    settings : export settings; ``policy.section("export")`` by default.
    step : called with a short description as each stage starts (progress display).

    Returns
    -------
    Path
        ``out``.

    Raises
    ------
    ExportError
        Bad option, unknown park, missing Tianditu key or offline assets, or (a bug guard)
        an offline file that still references an external script or stylesheet.
    """
    from webmap.assets import AssetError
    from webmap.basemaps import BasemapError
    from webmap.builder import build_map

    check_choice(audience, AUDIENCES, "audience")
    check_choice(lang, LANGS, "language")
    check_choice(basemap, BASEMAPS, "basemap")
    settings = settings or county.policy.section("export")
    park = park_row(county, park_id) if park_id is not None else None
    if step:
        step(tr("生成地图图层", "building map layers", lang))
    try:
        fmap = build_map(county, audience=audience, lang=lang, basemap=basemap,
                         park_ids=[park_id] if park_id is not None else None,
                         tianditu_key=tianditu_key, embed_tiles=True)
    except BasemapError as exc:
        raise ExportError(str(exc)) from exc
    except OSError as exc:  # the embedded tiles are built in temporary files first
        raise write_failure(Path(out), exc) from exc
    if park_id is not None:
        _fit_to_park(fmap, county, park_id)
    online_leaflet(fmap)
    add_popups(fmap)
    _title_block(fmap, settings, lang, park, as_of=as_of_public(county, lang))
    if step:
        step(tr("渲染 HTML", "rendering HTML", lang))
    page = fmap.get_root().render()
    if offline:
        try:
            page = inline_assets(page)
        except AssetError as exc:
            raise ExportError(str(exc)) from exc
        leftover = external_resources(page) + (tile_urls(page) if basemap == "none" else [])
        if leftover:
            raise ExportError(f"offline HTML still references {leftover[:5]}; "
                              "report this as a bug")
    if step:
        step(tr("写出文件", "writing file", lang))
    with atomic_output(out) as tmp:
        tmp.write_text(page, encoding="utf-8")
    return Path(out)


def add_popups(fmap: folium.Map) -> int:
    """Give every ``GeoJson`` layer that has a tooltip a click popup with the same fields
    (values arrive HTML-escaped from the builder, so the popup shows them as text).
    Returns the number of layers given a popup."""
    from folium.features import GeoJsonPopup, GeoJsonTooltip

    added = 0
    stack: list[object] = [fmap]
    while stack:
        element = stack.pop()
        children = list(getattr(element, "_children", {}).values())
        stack.extend(children)
        if not isinstance(element, folium.GeoJson):
            continue
        tips = [c for c in children if isinstance(c, GeoJsonTooltip)]
        if tips and not any(isinstance(c, GeoJsonPopup) for c in children):
            GeoJsonPopup(fields=tips[0].fields, aliases=tips[0].aliases,
                         localize=False).add_to(element)
            added += 1
    return added


def _fit_to_park(fmap: folium.Map, county: County, park_id: str) -> None:
    """Open the map on the park rather than the whole county (display transform only)."""
    from webmap.builder import fit_view

    parks = county["park"]
    west, south, east, north = parks[parks["park_id"] == park_id].to_crs(4326).total_bounds
    fit_view(fmap, [[south, west], [north, east]])


def online_leaflet(fmap: folium.Map) -> None:
    """Load Leaflet from folium's CDN addresses (the app's local ``/app/static`` paths do not
    exist next to an exported file); :func:`inline_assets` replaces them when offline."""
    fmap.default_js = [(n, u) for n, u in folium.Map.default_js if n == "leaflet"]
    fmap.default_css = [(n, u) for n, u in folium.Map.default_css if n == "leaflet_css"]


TITLE_CSS = (
    "<style>.im-title-block{position:fixed;top:10px;left:56px;z-index:1000;"
    "background:rgba(255,255,255,.93);padding:8px 14px;border-radius:6px;"
    "box-shadow:0 1px 5px rgba(0,0,0,.3);font-family:'Noto Sans CJK SC','Microsoft YaHei',"
    "sans-serif;max-width:min(46vw,560px);max-height:38vh;overflow:auto;box-sizing:border-box}"
    ".im-title{font-size:18px;font-weight:700;color:#12355b}"
    ".im-sub{font-size:13px;color:#444}.im-note{font-size:11px;color:#666;margin-top:2px}"
    ".investmap-legend{top:auto!important;bottom:44px!important;max-height:calc(58vh - 40px)"
    "!important}"
    "@media (max-width:640px){.im-title-block{max-width:calc(100vw - 112px);padding:6px 9px}"
    ".im-title{font-size:15px}.im-note{display:none}"
    ".investmap-legend{max-width:calc(100vw - 24px)!important}}"
    "</style>")
"""The title block sits top left beside the zoom buttons; the legend (which the app draws
under the zoom buttons) moves to the bottom left, so the two never overlap: the title block
is at most 38 % of the window high, the legend at most 58 % minus the margins. On a phone
the notes give way to the title."""


def _title_block(fmap: folium.Map, settings: ExportSettings, lang: str,
                 park: object | None, *, as_of: str = "") -> None:
    title = settings.text("title", lang)
    if park is not None:
        name = park["name"] if lang == "zh" or not park.get("name_en") else park["name_en"]
        heading, sub = str(name), title
    else:
        heading, sub = title, ""
    lines = [f'<div class="im-title">{html.escape(heading)}</div>']
    if sub:
        lines.append(f'<div class="im-sub">{html.escape(sub)}</div>')
    note = settings.text("source", lang)
    stamp = tr("导出日期", "Exported", lang) + f" {date.today().isoformat()}"
    lines.append(f'<div class="im-note">{html.escape(note)} · {html.escape(stamp)}</div>')
    if as_of:
        lines.append(f'<div class="im-note">{html.escape(as_of)}</div>')
    block = (TITLE_CSS +
        f'<div class="im-title-block investmap-covers" id="im-title-block">{"".join(lines)}</div>')
    fmap.get_root().html.add_child(folium.Element(block))
    fmap.get_root().title = html.escape(heading)


def inline_assets(page: str) -> str:
    """Replace Leaflet's ``<script src>`` and stylesheet links with the installed files'
    contents; the stylesheet's images become ``data:`` URIs. Other external scripts or
    stylesheets are left for the caller's check."""
    from webmap.assets import asset_paths, image_paths

    files = asset_paths()
    images = {name: _data_uri(path) for name, path in image_paths().items()}

    def script(match: re.Match[str]) -> str:
        name = match.group(1).rsplit("/", 1)[-1]
        if name not in files:
            return match.group(0)
        body = files[name].read_text(encoding="utf-8").replace("</script", "<\\/script")
        return f"<script>{body}</script>"

    def style(match: re.Match[str]) -> str:
        name = match.group(1).rsplit("/", 1)[-1]
        if name not in files:
            return match.group(0)
        css = files[name].read_text(encoding="utf-8")
        css = re.sub(r"url\(\s*['\"]?images/([\w.-]+)['\"]?\s*\)",
                     lambda m: f"url({images[m.group(1)]})" if m.group(1) in images
                     else m.group(0), css)
        return f"<style>{css}</style>"

    return _STYLESHEET.sub(style, _SCRIPT_SRC.sub(script, page))


def _data_uri(path: Path) -> str:
    return "data:image/png;base64," + base64.b64encode(path.read_bytes()).decode("ascii")


def external_resources(page: str) -> list[str]:
    """External addresses ``page`` would load outside the map's tile layers: ``src`` of
    scripts, images and frames, stylesheet links, CSS ``url()`` and ``@import``. Plain
    hyperlinks (Leaflet's credit, tile attribution) and XML namespace names load nothing and
    are not listed."""
    return sorted(set(_RESOURCE.findall(page)))


def tile_urls(page: str) -> list[str]:
    """URL templates of the page's Leaflet tile layers (the only external loads offline)."""
    return sorted(set(_TILE_LAYER.findall(page)))

"""The interactive map widget: the county's vector tiles painted in the browser, overlays
(highlighted parcels, flagged projects), and the clicked parcel found on the server."""

from __future__ import annotations

import logging
import os
from collections.abc import Iterable, Mapping, Sequence

import numpy as np
import shapely
import streamlit as st

from layers.vector_tiles import TileBuildError
from ui import state
from ui.auth import is_staff
from ui.i18n import lang, shown_as, t
from webmap import vtile_assets
from webmap.basemaps import available_basemaps, basemap_name, display_coords
from webmap.builder import MAP_LAYERS, MapData, MapParts, build_parts, highlight_overlay
from webmap.display import Viewport
from webmap.vtiles import Published, delta_overlay

_LOG = logging.getLogger(__name__)
RETURNED = ["last_clicked"]
"""What the map sends back: its clicks only (no bounds, no zoom: a pan sends nothing)."""
RETURNED_GEOJSON = ["last_clicked", "bounds", "zoom"]
"""Without tiles (GeoJSON fallback) every pan reports its window for the next overlays."""
TILES_ENV = "INVESTMAP_VECTOR_TILES"
"""``0`` turns vector tiles off (GeoJSON per viewport, as before tiles; for comparisons)."""
DELTA_IN_PLACE_ENV = "INVESTMAP_DELTA_IN_PLACE"
"""``0`` writes the tiles' delta into the map's own script, so every edit mounts the map
again (the behaviour before the delta was handed to the mounted map; for comparisons)."""

# GeoJSON fallback (tiler failed): most features per layer sent in one map update.
MAX_FEATURES = {"parcel": 5000, "redline": 1500, "project": 1500, "park": 500}
# GeoJSON fallback: polygons smaller than this on screen are left out.
MIN_PIXELS = 3.0
# Width assumed for the first view, before the browser reports its own: a phone's map, so
# the first data sent covers what a narrow map shows (a wide one then asks for more).
FIRST_VIEW_WIDTH = 340
# Height of the investment map page's map (px).
MAP_HEIGHT = 700


def first_view(data: MapData, *, focus: tuple[float, float, float, float] | None = None,
               height: int = MAP_HEIGHT) -> Viewport:
    """The window a map shows before the browser reports its own: ``focus`` (else the whole
    county) on a phone-wide map of ``height`` px."""
    return Viewport.covering(focus or data.bounds(), width_px=FIRST_VIEW_WIDTH,
                             height_px=height)


def _basemaps() -> tuple[list[str], int]:
    """The basemaps usable now and the index of the default one."""
    default = state.default_basemap()
    options = list(available_basemaps(has_key=state.tianditu_key() is not None))
    return options, options.index(default) if default in options else 0


def basemap_picker(key: str) -> str:
    """Basemap select box of the basemaps usable now (Tianditu only with a key, offline tiles
    only when configured: :func:`webmap.basemaps.available_basemaps`)."""
    options, index = _basemaps()
    return st.selectbox(t("basemap"), options,
                        format_func=shown_as(options, lambda code: basemap_name(code, lang())),
                        key=key, index=index)


def basemap_choice(key: str) -> str:
    """What :func:`basemap_picker` of ``key`` shows, read before the box is drawn (a page
    can then send its map first)."""
    options, index = _basemaps()
    kept = st.session_state.get(key)
    return kept if kept in options else options[index]


def _modes() -> list[str]:
    return ["status", "chain"] + (["efficiency"] if is_staff() else [])


def style_choice(key: str, *, default: str | None = None) -> str:
    """What :func:`style_picker` of ``key`` shows, read before the radio is drawn
    (``default``: the colouring from the URL, used on the session's first run)."""
    modes = _modes()
    if key not in st.session_state and default in modes:
        st.session_state[key] = default
    kept = st.session_state.get(key)
    return kept if kept in modes else modes[0]


def style_picker(key: str, *, default: str | None = None) -> str:
    """Parcel styling: status and chain for everyone, 亩均 class for staff (``default``:
    the colouring from the URL, used on the session's first run)."""
    style_choice(key, default=default)  # the URL's colouring on the session's first run
    modes = _modes()
    return st.radio(t("style_mode"), modes, key=key, horizontal=True,
                    format_func=shown_as(modes, lambda m: t(f"style_{m}")))


def map_view(*, key: str, basemap: str, style_mode: str = "status",
             park_ids: Iterable[str] | None = None, highlight_ids: Iterable[str] | None = None,
             parcel_ids: Iterable[str] | None = None,
             efficiency_classes: Mapping[str, str] | None = None,
             layers: Sequence[str] = MAP_LAYERS, height: int = 600,
             flag_ids: Iterable[str] | None = None,
             focus: tuple[float, float, float, float] | None = None,
             offerable_only: bool = False, highlight_key: str = "matches",
             ring_codes: Mapping[str, str] | None = None) -> str | None:
    """Draw the map and return the clicked parcel's id (``None`` when none).

    Parcels, red lines and parks come from the county's vector tiles, read by the browser
    from the static route: a pan or a zoom sends nothing to the server (the map returns
    its clicks only). ``flag_ids``: projects ringed in red (overdue, stalled);
    ``ring_codes``: key project id → worst step, ringed in its colour (staff, 挂图作战);
    ``focus``: (west, south, east, north) display degrees the map opens on;
    ``offerable_only``: only the parcels on offer now (filtered in the browser by the
    tiles' ``offer`` code)."""
    # Imported here, inside a page run: streamlit-folium registers its component when first
    # imported, and an import from ui.serve's warm-up thread leaves the map frame blank.
    from ui.map_component import frozen, show, with_appended, with_overlay

    data = shown_data(basemap)
    published = map_tiles(data.coords)
    tiles = None if published is None else published.tiles
    # The map is rendered with the full archive alone and the delta of an edit handed to
    # the mounted map as an overlay: its script stays the same, so it is not mounted again.
    delta = tiles if tiles is not None and delta_in_place() else None
    if delta is not None:
        tiles = delta.base
    pending = () if published is None else published.pending
    if offerable_only and pending:
        offerable = state.offerable_set()
        pending = tuple(p for p in pending if p in offerable)
    viewport = None if tiles is not None else (
        Viewport.from_st_folium(st.session_state.get(key))
        or first_view(data, focus=focus, height=height))
    if offerable_only and tiles is None:
        parcel_ids = state.offerable_ids()
    key_tianditu = state.tianditu_key()
    # With tiles, the map is kept rendered with an empty highlight and the highlighted
    # parcels' overlay is swapped in per selection: a click renders one overlay, not the
    # map (with flags or rings on top, whose order it would change, the map is whole).
    swap = tiles is not None and highlight_ids is not None and flag_ids is None \
        and ring_codes is None
    highlighted = highlight_ids
    if swap:
        highlighted, highlight_ids = highlight_ids, ()
    view = (data.audience, data.lang, data.coords, basemap, style_mode, frozen(park_ids),
            frozen(highlight_ids), frozen(parcel_ids),
            None if efficiency_classes is None else frozenset(efficiency_classes.items()),
            viewport, tuple(layers), frozen(flag_ids), focus, key_tianditu,
            tiles, pending, offerable_only, highlight_key,
            None if ring_codes is None else frozenset(ring_codes.items()))
    rendered = state.map_renders().get(view, lambda: _clicks(tiles is not None, build_parts(
        data, basemap=basemap, style_mode=style_mode, park_ids=park_ids,
        highlight_ids=highlight_ids, parcel_ids=parcel_ids,
        efficiency_classes=efficiency_classes, viewport=viewport,
        max_features=MAX_FEATURES, min_pixels=MIN_PIXELS, tianditu_key=key_tianditu,
        layers=layers, compact=True, flag_ids=flag_ids, focus=focus, tiles=tiles,
        offer_only=offerable_only, highlight_key=highlight_key, pending_ids=pending,
        ring_codes=ring_codes)))
    if swap:
        group = highlight_overlay(data, highlighted or (), highlight_key=highlight_key,
                                  max_features=MAX_FEATURES["parcel"], compact=True)
        if group is not None:
            rendered = with_overlay(rendered, "matches", group)
    if delta is not None:
        rendered = with_appended(rendered, delta_overlay(delta))
    result = show(rendered, key=key, height=height,
                  returned_objects=RETURNED if tiles is not None else RETURNED_GEOJSON)
    return parcel_at(result, data, park_ids=park_ids, parcel_ids=parcel_ids,
                     offerable_only=offerable_only) if "parcel" in layers else None


def _clicks(instant: bool, parts: MapParts) -> MapParts:
    """With tiles the map returns its clicks only: send each at once (no debounce)."""
    from ui.map_component import with_instant_clicks

    return with_instant_clicks(parts) if instant else parts


def delta_in_place() -> bool:
    """False when ``INVESTMAP_DELTA_IN_PLACE=0`` (:data:`DELTA_IN_PLACE_ENV`)."""
    return os.environ.get(DELTA_IN_PLACE_ENV, "1").strip() != "0"


def map_tiles(coords: str) -> Published | None:
    """The county's published vector tiles (after an edit: the full archive with the delta
    archive of what changed, until the full rebuild lands); ``None`` (and the GeoJSON path,
    logged) when the tiler fails, the renderer is not installed (``investmap assets``) or
    ``INVESTMAP_VECTOR_TILES=0``, so the map still shows."""
    if os.environ.get(TILES_ENV, "1").strip() == "0":
        return None
    if not vtile_assets.installed():
        _LOG.warning("the vector-tile renderer is not installed (run: investmap assets); "
                     "the map draws GeoJSON")
        return None
    try:
        return state.vector_tiles(coords)
    except TileBuildError:
        _LOG.exception("vector tiles could not be built; the map falls back to GeoJSON")
        return None


def clicked_parcel(*, key: str, basemap: str, park_ids: Iterable[str] | None = None,
                   parcel_ids: Iterable[str] | None = None,
                   offerable_only: bool = False) -> str | None:
    """The parcel of the map's last click, read from the widget's state before the map is
    drawn: a page can send the parcel card first and the map after it (a click then shows
    its card without waiting for the map's update)."""
    return parcel_at(st.session_state.get(key), shown_data(basemap), park_ids=park_ids,
                     parcel_ids=parcel_ids, offerable_only=offerable_only)


def shown_data(basemap: str) -> MapData:
    """The county as this session's map shows it (audience, language, display coordinates
    of ``basemap``)."""
    audience = "staff" if is_staff() else "investor"
    return state.map_data(audience, lang(), display_coords(basemap))


def parcel_at(value: object, data: MapData, *, park_ids: Iterable[str] | None = None,
              parcel_ids: Iterable[str] | None = None,
              offerable_only: bool = False) -> str | None:
    """The parcel drawn under a map widget's last click (``last_clicked`` lat/lng), found on
    the server in the county's spatial index (the tiles are painted on canvas and carry no
    click events); only parcels the view shows count (its parks, its parcel ids)."""
    clicked = value.get("last_clicked") if isinstance(value, dict) else None
    layer = data.layers.get("parcel")
    try:
        point = shapely.Point(float(clicked["lng"]), float(clicked["lat"]))  # type: ignore[index]
    except (KeyError, TypeError, ValueError):
        return None
    if layer is None:
        return None
    rows = layer.tree.query(point, predicate="intersects")
    if len(rows) == 0:
        return None
    # Only the few parcels under the point are tested (a click is O(hits), not O(parcels)).
    ids = layer.ids[rows]
    keep = np.ones(len(rows), dtype=bool)
    if park_ids is not None:
        parks = layer.raw["park_id"].iloc[rows].astype(str).to_numpy()
        keep &= np.isin(parks, list(map(str, park_ids)))
    shown = state.offerable_set() if offerable_only else \
        None if parcel_ids is None else frozenset(map(str, parcel_ids))
    if shown is not None:
        keep &= np.fromiter((i in shown for i in ids), dtype=bool, count=len(ids))
    hits = rows[keep]
    if len(hits) == 0:
        return None
    smallest = hits[np.argmin(layer.weight[hits])]  # nested parcels: the inner one
    return str(layer.ids[smallest])

"""The interactive map widget: stable base map, data overlays for the current viewport,
a notice when features are capped, and the clicked parcel."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

import streamlit as st

from ui import state
from ui.auth import is_staff
from ui.i18n import lang, shown_as, t
from webmap import styles
from webmap.basemaps import available_basemaps, basemap_name, display_coords, needs_key
from webmap.builder import MAP_LAYERS, MapData, build_parts
from webmap.display import Viewport

# Most features per layer sent in one map update (largest first); keeps every update under
# ~5 MB at 100,000 parcels (bench/bench_map.py, README "Performance").
MAX_FEATURES = {"parcel": 5000, "redline": 1500, "project": 1500, "park": 500}
# Polygons smaller than this on screen are left out (listed in the note under the map).
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


def basemap_picker(key: str) -> str:
    """Basemap select box; Tianditu without a key explains itself and falls back to none."""
    has_key = state.tianditu_key() is not None
    default = state.default_basemap()
    options = list(available_basemaps(has_key=has_key))

    def name(code: str) -> str:
        suffix = t("no_key_suffix") if needs_key(code) and not has_key else ""
        return basemap_name(code, lang()) + suffix

    choice = st.selectbox(t("basemap"), options, format_func=shown_as(options, name), key=key,
                          index=options.index(default) if default in options else 0)
    if needs_key(choice) and not has_key:
        st.info(t("basemap_no_key"))
        return "none"
    return choice


def style_picker(key: str, *, default: str | None = None) -> str:
    """Parcel styling: status and chain for everyone, 亩均 class for staff (``default``:
    the colouring from the URL, used on the session's first run)."""
    modes = ["status", "chain"] + (["efficiency"] if is_staff() else [])
    if key not in st.session_state and default in modes:
        st.session_state[key] = default
    return st.radio(t("style_mode"), modes, key=key, horizontal=True,
                    format_func=shown_as(modes, lambda m: t(f"style_{m}")))


def map_view(*, key: str, basemap: str, style_mode: str = "status",
             park_ids: Iterable[str] | None = None, highlight_ids: Iterable[str] | None = None,
             parcel_ids: Iterable[str] | None = None,
             efficiency_classes: Mapping[str, str] | None = None,
             layers: Sequence[str] = MAP_LAYERS, height: int = 600,
             flag_ids: Iterable[str] | None = None,
             focus: tuple[float, float, float, float] | None = None,
             ring_codes: Mapping[str, str] | None = None) -> str | None:
    """Draw the map and return the clicked parcel's id (``None`` when none).

    ``flag_ids``: projects ringed in red (overdue, stalled); ``ring_codes``: key project id
    → worst step, ringed in its colour (staff, 挂图作战); ``focus``: (west, south, east,
    north) WGS84 degrees the map opens on (keep it fixed for a session: a changed base map
    re-mounts)."""
    # Imported here, inside a page run: streamlit-folium registers its component when first
    # imported, and an import from ui.serve's warm-up thread leaves the map frame blank.
    from ui.map_component import frozen, show

    data = shown_data(basemap)
    viewport = Viewport.from_st_folium(st.session_state.get(key)) \
        or first_view(data, focus=focus, height=height)
    key_tianditu = state.tianditu_key()
    view = (data.audience, data.lang, data.coords, basemap, style_mode, frozen(park_ids),
            frozen(highlight_ids), frozen(parcel_ids),
            None if efficiency_classes is None else frozenset(efficiency_classes.items()),
            viewport, tuple(layers), frozen(flag_ids), focus, key_tianditu,
            None if ring_codes is None else frozenset(ring_codes.items()))
    rendered = state.map_renders().get(view, lambda: build_parts(
        data, basemap=basemap, style_mode=style_mode, park_ids=park_ids,
        highlight_ids=highlight_ids, parcel_ids=parcel_ids,
        efficiency_classes=efficiency_classes, viewport=viewport,
        max_features=MAX_FEATURES, min_pixels=MIN_PIXELS, tianditu_key=key_tianditu,
        layers=layers, compact=True, flag_ids=flag_ids, focus=focus, ring_codes=ring_codes))
    result = show(rendered, key=key, height=height,
                  returned_objects=["last_active_drawing", "bounds", "zoom"])
    parts = rendered.parts
    for name, sel in parts.counts.items():
        if sel.shown < sel.in_view:
            st.caption(t("capped", total=sel.in_view, shown=sel.shown,
                         layer=styles.text(name, lang())))
    return _parcel_of(result, data)


def clicked_parcel(*, key: str, basemap: str) -> str | None:
    """The parcel of the map's last click, read from the widget's state before the map is
    drawn: a page can send the parcel card first and the map after it (a click then shows
    its card without waiting for the map's update)."""
    return _parcel_of(st.session_state.get(key), shown_data(basemap))


def shown_data(basemap: str) -> MapData:
    """The county as this session's map shows it (audience, language, display coordinates
    of ``basemap``)."""
    audience = "staff" if is_staff() else "investor"
    return state.map_data(audience, lang(), display_coords(basemap))


def _parcel_of(value: object, data: MapData) -> str | None:
    """The parcel id a map widget's value points at (its last clicked feature)."""
    feature = (value or {}).get("last_active_drawing") if isinstance(value, dict) else None
    props = (feature or {}).get("properties") or {}
    if props.get("L") == "parcel" and isinstance(props.get("i"), int):
        ids = data.layers["parcel"].ids
        if 0 <= props["i"] < len(ids):
            return str(ids[props["i"]])
    return None

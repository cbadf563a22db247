"""streamlit-folium's map component with its rendering kept.

``st_folium`` renders the folium map (base, overlays, layer control) to JavaScript strings on
every rerun: 0.12 s of the demo's 0.2 s page run and about 0.3 s at 100,000 parcels, though a
page load, a refresh or another visitor usually asks for a view already rendered (the first
view of the county is the same for everyone). :func:`render` does what ``st_folium`` does to
a map, once; :func:`show` hands the kept strings to the same component with the arguments
``st_folium`` would pass. The map page keeps renders in :class:`RenderCache`, keyed by all
that shapes a view.

This leans on streamlit-folium's module-level helpers (pinned ``<0.28`` in pyproject);
``tests/test_map_component.py`` checks that the component receives what ``st_folium`` sends.
"""

from __future__ import annotations

import dataclasses
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import branca
import folium
import streamlit as st
import streamlit_folium as sf
from branca.element import MacroElement
from jinja2 import Template

from webmap.builder import MapParts


@dataclass(frozen=True)
class Rendered:
    """A map as the component takes it (strings), plus the feature counts of its view."""

    script: str
    header: str
    html: str
    map_id: str
    feature_group: str | None
    layer_control: str | None
    css_links: tuple[str, ...]
    js_links: tuple[str, ...]
    bounds: dict[str, dict[str, float | None]]
    zoom: object
    parts: MapParts  # kept for its counts (the folium objects are not rendered again)
    overlay_strings: tuple[str, ...] = ()
    """Each overlay's script (``feature_group`` is their concatenation), in order."""


def render(parts: MapParts) -> Rendered:
    """Render ``parts`` as ``st_folium`` does (same helpers, same order: the base map first,
    then each overlay and the layer control added to it)."""
    folium_map = parts.base
    folium_map.get_root().render()
    folium_map.render()
    html = sf._get_html(folium_map)
    header = sf._get_header(folium_map)
    script = sf._get_map_string(folium_map)
    map_id = sf.get_full_id(folium_map)
    try:
        (south, west), (north, east) = folium_map.get_bounds()
    except (AttributeError, TypeError, ValueError):
        south = west = north = east = None
    strings = tuple(sf._get_feature_group_string(group, map=folium_map, idx=idx)
                    for idx, group in enumerate(parts.overlays))
    overlays = "".join(strings) if strings else None
    control = sf._get_layer_control_string(parts.layer_control, folium_map) \
        if parts.layer_control is not None else None
    css: list[str] = []
    js: list[str] = []
    for element in _walk(folium_map):
        if isinstance(element, branca.colormap.ColorMap):
            raise ValueError("colour scales need d3 from a CDN: not used on InvestMap maps")
        css.extend(href for _, href in getattr(element, "default_css", []))
        js.extend(src for _, src in getattr(element, "default_js", []))
    return Rendered(script=script, header=header, html=html, map_id=map_id,
                    feature_group=overlays, layer_control=control,
                    css_links=tuple(dict.fromkeys(css)), js_links=tuple(dict.fromkeys(js)),
                    bounds={"_southWest": {"lat": south, "lng": west},
                            "_northEast": {"lat": north, "lng": east}},
                    zoom=folium_map.options.get("zoom"), parts=parts,
                    overlay_strings=strings)


class InstantClicks(MacroElement):
    """Send a click to the server at once.

    streamlit-folium reports every map event through one 250 ms debounce (made for the
    bursts of ``moveend`` a pan fires); a click alone then waits a quarter second before
    its rerun starts. When the map returns its clicks only (:data:`ui.mapview.RETURNED`),
    this handler sends the value that debounced call would send, right away, and records
    it as sent: the debounced call then finds nothing new and sends nothing. A map that
    returns its bounds too (the GeoJSON path) keeps the debounce. Outside the component
    (an exported map) it does nothing.
    """

    _template = Template(
        "{% macro script(this, kwargs) %}"
        "{{ this.map }}.on('click', function (e) {"
        " var g = window.__GLOBAL_DATA__;"
        " if (!window.Streamlit || !g || !g.returned_objects"
        "  || g.returned_objects.join(',') !== 'last_clicked') return;"
        " g.lat_lng_clicked = e.latlng;"
        " var value = {last_clicked: {lat: e.latlng.lat, lng: e.latlng.lng}};"
        " if (JSON.stringify(g.previous_data) === JSON.stringify(value)) return;"
        " g.previous_data = value; window.Streamlit.setComponentValue(value); });"
        "{% endmacro %}")

    def __init__(self, fmap: folium.Map) -> None:
        super().__init__()
        self._name = "InstantClicks"
        self.map = fmap.get_name()


def with_instant_clicks(parts: MapParts) -> MapParts:
    """``parts`` with :class:`InstantClicks` on its map (before it is rendered)."""
    InstantClicks(parts.base).add_to(parts.base)
    return parts


_SWAP_LOCK = threading.Lock()


def with_overlay(rendered: Rendered, key: str, group: folium.FeatureGroup) -> Rendered:
    """``rendered`` with its overlay counted under ``key`` (e.g. the empty highlight of a
    map kept for every selection) replaced by ``group``, rendered in its place: the same
    variable, so the layer control toggles it and the browser keeps the map, swapping
    overlays only. Only ``group`` is rendered (a few milliseconds, not the whole map)."""
    idx = list(rendered.parts.counts).index(key)
    text = _rendered_alone(rendered.parts.base, group, idx)
    strings = (*rendered.overlay_strings[:idx], text, *rendered.overlay_strings[idx + 1:])
    return dataclasses.replace(rendered, feature_group="".join(strings),
                               overlay_strings=strings)


def with_appended(rendered: Rendered, group: folium.FeatureGroup) -> Rendered:
    """``rendered`` with ``group`` added after its overlays (e.g. the tiles' delta after an
    edit, :func:`webmap.vtiles.delta_overlay`): the map's script is unchanged, so the
    browser keeps the mounted map and runs the overlays again. Only ``group`` is rendered;
    the kept map is left as it was."""
    text = _rendered_alone(rendered.parts.base, group, len(rendered.overlay_strings))
    strings = (*rendered.overlay_strings, text)
    return dataclasses.replace(rendered, feature_group="".join(strings),
                               overlay_strings=strings)


def _rendered_alone(base: folium.Map, group: folium.FeatureGroup, idx: int) -> str:
    """``group`` rendered as the map's overlay number ``idx``, as ``st_folium`` renders
    one, with the kept map and its page left as they were: rendering adds the group to
    the map (in place of the overlay of that number) and its parts, with new ids, to the
    map's page, which every session's swap would otherwise pile up in the shared render."""
    page = base.get_root()
    sections = (base, page.header, page.html, page.script)
    with _SWAP_LOCK:  # the kept map is shared by every session: one swap at a time
        before = [dict(section._children) for section in sections]
        try:
            return sf._get_feature_group_string(group, map=base, idx=idx)
        finally:
            for section, had in zip(sections, before, strict=True):
                section._children.clear()
                section._children.update(had)


def show(rendered: Rendered, *, key: str, height: int,
         returned_objects: Sequence[str]) -> dict | None:
    """The component for ``rendered`` (full container width), as ``st_folium`` calls it;
    returns the map's state (``returned_objects``) like ``st_folium``."""
    defaults = {"last_active_drawing": None, "bounds": rendered.bounds, "zoom": rendered.zoom,
                "last_clicked": None, "last_object_clicked": None}
    hash_key = sf.generate_js_hash(rendered.script, key, False)

    def on_change() -> None:
        st.session_state[key] = st.session_state.get(hash_key, {})

    return sf._component_func(
        script=rendered.script, header=rendered.header, html=rendered.html,
        id=rendered.map_id, key=hash_key, height=height, width=None,
        returned_objects=list(returned_objects),
        default={k: v for k, v in defaults.items() if k in returned_objects},
        zoom=None, center=None, feature_group=rendered.feature_group,
        return_on_hover=False, layer_control=rendered.layer_control, pixelated=False,
        css_links=list(rendered.css_links), js_links=list(rendered.js_links),
        on_change=on_change, wrap_longitude=False)


class RenderCache:
    """The last ``size`` renders, by view key (shared by every session of the server;
    thread-safe). A key must name everything that shapes the view."""

    def __init__(self, size: int = 16) -> None:
        self._size = size
        self._items: OrderedDict[Hashable, Rendered] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: Hashable, build: Callable[[], MapParts]) -> Rendered:
        """The render of ``key``, building and rendering it on a miss."""
        with self._lock:
            if key in self._items:
                self._items.move_to_end(key)
                return self._items[key]
        rendered = render(build())  # outside the lock: other sessions keep their hits
        with self._lock:
            self._items[key] = rendered
            while len(self._items) > self._size:
                self._items.popitem(last=False)
        return rendered

    def clear(self) -> None:
        """Forget every render (the county was reloaded)."""
        with self._lock:
            self._items.clear()


def frozen(values: Iterable[Any] | None) -> tuple[str, ...] | None:
    """``values`` as a hashable key part (order kept: it may decide what is drawn on top)."""
    return None if values is None else tuple(map(str, values))


def _walk(element: Any) -> Iterator[Any]:
    if isinstance(element, branca.colormap.ColorMap | folium.elements.JSCSSMixin):
        yield element
    for child in getattr(element, "_children", {}).values():
        yield from _walk(child)

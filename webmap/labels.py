"""Name labels on the web map: parks and towns as one decluttered set.

Every label — a park's name at a point inside the park, a town's name beside its dot (the
``context`` layer, drawn when there is no basemap) — is made by one script
(:class:`MapLabels`) from a JSON list, in priority order: parks first, largest first, then
towns. Parks come first because they are what the map is for (an investor looks for the
park; a town is orientation); among parks the largest first, since it covers most of the
map. After every zoom, pan and resize, and whenever a map control changes size (the legend
opened or folded, the layer list expanded), the script places the labels in that order,
each only where its box is clear of the labels already placed, of every map control
(:data:`COVERS`: zoom buttons, legend, layer control, scale, credits, the export's title
block) and of the map's edge, :data:`LABEL_GAP` pixels apart. So no two labels overlap and
none hides under the legend.

Labels are ``L.marker`` objects created with their ``L.divIcon`` (never Leaflet's default
marker icon, which would load ``marker-icon.png`` first: a broken address in the app and a
missing file in an offline export).
"""

from __future__ import annotations

import html
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass
from typing import NamedTuple

import folium
import numpy as np
import shapely
from branca.element import MacroElement
from jinja2 import Template

from webmap.context import town_points
from webmap.display import DisplayLayer
from webmap.features import script_json

LABEL_GAP = 4
"""Least distance in pixels between two labels (and from a map control and the map's
edge)."""

COVERS = ".leaflet-control, .investmap-legend, .investmap-covers"
"""CSS selector of what covers the map: Leaflet's controls (zoom, layers, scale, credits),
the legend, and any element marked ``investmap-covers`` (the HTML export's title block).
No label is placed under one."""


@dataclass(frozen=True)
class LabelKind:
    """How one kind of label looks and where it sits around its point.

    ``centred``: the label's centre is the point (parks). Otherwise the point carries a dot
    of radius ``dot`` and the label starts ``left`` pixels right of it, its bottom at the
    point (towns); the dot is part of the label's box. Widths are estimated from the font:
    ``cjk_px`` per CJK character, ``other_px`` per other character, plus ``room``."""

    css_class: str
    opening: str  # the label's opening tag; the escaped name follows, then ``</div>``
    height: int
    centred: bool
    cjk_px: float
    other_px: float
    room: int
    left: int = 0
    dot: int = 0

    def width(self, name: str) -> int:
        """Width in pixels of ``name`` (escaped HTML) in this kind's font."""
        return int(sum(self.cjk_px if ord(c) >= 0x2E80 else self.other_px
                       for c in html.unescape(name))) + self.room


PARK = LabelKind(
    css_class="investmap-park-label", height=20, centred=True, cjk_px=13.5, other_px=8.0,
    room=8, opening=('<div style="font:600 13px sans-serif;color:#1f4e9c;text-align:center;'
                     'white-space:nowrap;text-shadow:0 0 3px #fff,0 0 3px #fff;'
                     'pointer-events:none">'))
"""A park's name: 13 px bold blue, centred on a point inside the park."""

TOWN = LabelKind(
    css_class="im-town-label", height=18, centred=False, cjk_px=12.5, other_px=7.0, room=6,
    left=6, dot=5, opening=('<div style="font:12px sans-serif;color:#424242;'
                            'white-space:nowrap;text-shadow:0 0 3px #fff,0 0 3px #fff;'
                            'pointer-events:none">'))
"""A town's name: 12 px grey, right of and above the town's dot (radius 4 plus its
outline)."""

KINDS = (PARK, TOWN)


class Label(NamedTuple):
    """One label: its point (display degrees), escaped name, width in pixels and kind
    (index into :data:`KINDS`)."""

    lat: float
    lng: float
    name: str
    width: int
    kind: int


class MapLabels(MacroElement):
    """Every name label of a map, placed without overlap by one script (see the module's
    docstring); ``labels`` in priority order."""

    _template = Template(
        "{% macro script(this, kwargs) %}"
        "(function () { var m = {{ this.map }}, data = {{ this.labels }};"
        " var kinds = {{ this.kinds }}, covers = {{ this.covers }}, gap = {{ this.gap }};"
        " var layer = L.layerGroup().addTo(m), marks = [];"
        " function mark(i) { if (!marks[i]) { var p = data[i], k = kinds[p[4]];"
        "  marks[i] = L.marker([p[0], p[1]], {interactive: false, keyboard: false,"
        "   icon: L.divIcon({className: k.css_class, iconSize: [p[3], k.height],"
        "    iconAnchor: k.centred ? [p[3] / 2, k.height / 2] : [-k.left, k.height],"
        "    html: k.opening + p[2] + '</div>'})}); }"
        "  return marks[i]; }"
        " function box(p, q) { var k = kinds[p[4]], w = p[3];"
        "  return k.centred ? [q.x - w / 2, q.y - k.height / 2, q.x + w / 2, q.y + k.height / 2]"
        "   : [q.x - k.dot, q.y - k.height, q.x + k.left + w, q.y + k.dot]; }"
        " function covered(size) { var c = m.getContainer().getBoundingClientRect(), out = [];"
        "  document.querySelectorAll(covers).forEach(function (e) {"
        "   var r = e.getBoundingClientRect();"
        "   var b = [Math.max(r.left - c.left, 0), Math.max(r.top - c.top, 0),"
        "            Math.min(r.right - c.left, size.x), Math.min(r.bottom - c.top, size.y)];"
        "   if (b[0] < b[2] && b[1] < b[3]) out.push(b); });"
        "  return out; }"
        " function place() { layer.clearLayers(); var size = m.getSize(), grid = {};"
        "  function cells(b) { var out = [];"
        "   for (var cx = Math.floor(b[0] / 64); cx <= Math.floor(b[2] / 64); cx++)"
        "    for (var cy = Math.floor(b[1] / 32); cy <= Math.floor(b[3] / 32); cy++)"
        "     out.push(cx + ':' + cy);"
        "   return out; }"
        "  function clear(b, keys) { for (var j = 0; j < keys.length; j++) {"
        "    var boxes = grid[keys[j]] || [];"
        "    for (var n = 0; n < boxes.length; n++) { var o = boxes[n];"
        "     if (b[0] < o[2] && o[0] < b[2] && b[1] < o[3] && o[1] < b[3]) return false; } }"
        "   return true; }"
        "  function take(b) {"
        "   cells(b).forEach(function (k) { (grid[k] = grid[k] || []).push(b); }); }"
        "  covered(size).forEach(take);"
        "  for (var i = 0; i < data.length; i++) {"
        "   var q = m.latLngToContainerPoint([data[i][0], data[i][1]]), a = box(data[i], q);"
        "   var b = [a[0] - gap, a[1] - gap, a[2] + gap, a[3] + gap];"
        "   if (b[0] < 0 || b[1] < 0 || b[2] > size.x || b[3] > size.y) continue;"
        "   if (!clear(b, cells(b))) continue;"
        "   take(b); layer.addLayer(mark(i)); } }"
        " var queued = false;"
        " function soon() { if (!queued) { queued = true;"
        "  requestAnimationFrame(function () { queued = false; place(); }); } }"
        " m.on('zoomend moveend resize', place); m.whenReady(place);"
        " if (window.ResizeObserver && window.MutationObserver) {"
        "  var watched = [], sizes = new ResizeObserver(soon);"
        "  var watch = function () { document.querySelectorAll(covers).forEach(function (e) {"
        "   if (watched.indexOf(e) < 0) { watched.push(e); sizes.observe(e); } }); };"
        "  watch(); new MutationObserver(function () { watch(); soon(); }).observe("
        "   m.getContainer().querySelector('.leaflet-control-container'),"
        "   {childList: true, subtree: true}); } })();"
        "{% endmacro %}")

    def __init__(self, fmap: folium.Map, labels: Sequence[Label]) -> None:
        super().__init__()
        self._name = "MapLabels"
        self.map = fmap.get_name()
        self.labels = script_json([list(label) for label in labels])
        self.kinds = script_json([asdict(kind) for kind in KINDS])
        self.covers = script_json(COVERS)
        self.gap = LABEL_GAP


def park_labels(parks: DisplayLayer | None, shown: Iterable[str] | None = None
                ) -> list[Label]:
    """Each park's name at a point inside the park, the largest park first; ``shown``
    limits them to these park ids. Names come from the display layer's escaped
    ``park_name`` (the session's language)."""
    if parks is None or "park_name" not in parks.props:
        return []
    wanted = set(map(str, shown)) if shown is not None else None
    points = shapely.point_on_surface(parks.geoms)
    order = np.argsort(-np.asarray(parks.weight, dtype=float), kind="stable")  # largest first
    kind = KINDS.index(PARK)
    return [Label(point.y, point.x, str(name), PARK.width(str(name)), kind)
            for pid, name, point in ((parks.ids[i], parks.props["park_name"].iloc[i],
                                      points[i]) for i in order)
            if (wanted is None or pid in wanted) and point is not None
            and not point.is_empty]


def town_labels(context: dict[str, object] | None) -> list[Label]:
    """Each town's name beside its dot (:func:`webmap.context.town_points`), in the context
    layer's order; ``context`` is :func:`webmap.context.context_geojson`'s collection (names
    already escaped)."""
    kind = KINDS.index(TOWN)
    return [Label(lat, lng, name, TOWN.width(name), kind)
            for lat, lng, name in town_points(context) if name]


def add_labels(fmap: folium.Map, labels: Sequence[Label]) -> None:
    """Put ``labels`` (priority order: :func:`park_labels` then :func:`town_labels`) on
    ``fmap`` as one :class:`MapLabels`; nothing when there are none."""
    if labels:
        MapLabels(fmap, labels).add_to(fmap)

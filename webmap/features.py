"""Pieces of the map builder that describe one feature or one map behaviour: the red-line
check text of a parcel popup, list and contact helpers, the zoom gate of project rings and
the park name labels."""

from __future__ import annotations

import html
import json
from collections.abc import Iterable, Sequence

import folium
import numpy as np
import pandas as pd
import shapely
from branca.element import MacroElement
from jinja2 import Template

from layers.county import County
from webmap.display import DisplayLayer, per_distinct


def redline_text(availability: pd.DataFrame | None, ids: Sequence[str],
                 lang: str) -> np.ndarray:
    """Per parcel: "可供应" or "暂不可供应：reasons" (the card's red-line check); empty for
    a parcel the availability table does not know. Built per distinct reason text."""
    if availability is None:
        return np.full(len(ids), "", dtype=object)
    av = availability.drop_duplicates("parcel_id")
    av = av.set_axis(av["parcel_id"].astype(str)).reindex(pd.Index(ids, dtype=object))
    yes, no = ("可供应", "暂不可供应") if lang == "zh" else ("Available now", "Not available now")
    reasons = av["reasons_zh" if lang == "zh" else "reasons_en"]
    known = av["available"].notna().to_numpy()
    ok = av["available"].fillna(False).astype(bool).to_numpy()
    refused = per_distinct(reasons.where(~ok & known),
                           lambda r: f"{no}: {r}" if r not in (None, "") else no)
    out = np.where(ok, yes, refused).astype(object)
    out[~known] = ""
    return out


def list_items(value: object) -> list[str]:
    """A list column's items (stored as a list or as comma-separated text)."""
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return []
    items = value if isinstance(value, list | tuple | np.ndarray) else str(value).split(",")
    return [str(i).strip() for i in items if str(i).strip()]


def park_contacts(county: County) -> dict[str, str]:
    parks = county.layers.get("park")
    if parks is None or "contact" not in parks:
        return {}
    return {str(p): str(c) for p, c in zip(parks["park_id"], parks["contact"], strict=True)
            if isinstance(c, str)}


class ZoomGate(MacroElement):
    """Show a layer only from ``min_zoom`` on (the exported map's projects)."""

    _template = Template(
        "{% macro script(this, kwargs) %}"
        "(function () { var m = {{ this.map }}, g = {{ this.layer }};"
        " function gate() { if (m.getZoom() >= {{ this.min_zoom }}) { m.addLayer(g); }"
        " else { m.removeLayer(g); } }"
        " m.on('zoomend', gate); m.whenReady(gate); })();"
        "{% endmacro %}")

    def __init__(self, fmap: folium.Map, layer: folium.FeatureGroup, min_zoom: int) -> None:
        super().__init__()
        self._name = "ZoomGate"
        self.map, self.layer, self.min_zoom = fmap.get_name(), layer.get_name(), int(min_zoom)


class ParkLabels(MacroElement):
    """Park names as labels (non-interactive ``L.divIcon`` markers of class
    ``investmap-park-label``), all made by one script from a JSON list of
    ``[lat, lng, escaped name, width px]``, largest park first: one template for any number
    of parks (a folium ``Marker`` per park compiled templates per marker, seconds per map at
    a county of 2,000 parks).

    Labels never overlap: after every zoom and pan the script places them in that order,
    each only where its box is clear of the labels already placed and inside the map
    (:data:`LABEL_GAP` pixels apart), so a county of thousands of parks shows its largest
    parks' names at county zoom and more names as the map zooms in, instead of a smear of
    text over the parcels."""

    _template = Template(
        "{% macro script(this, kwargs) %}"
        "(function () { var m = {{ this.map }}, data = {{ this.labels }};"
        " var layer = L.layerGroup().addTo(m), marks = [], gap = {{ this.gap }};"
        " function mark(i) { if (!marks[i]) { var p = data[i];"
        "  marks[i] = L.marker([p[0], p[1]], {interactive: false, icon: L.divIcon({"
        "   className: 'investmap-park-label', iconSize: [p[3], 20],"
        "   iconAnchor: [p[3] / 2, 10], html: {{ this.style }} + p[2] + '</div>'})}); }"
        "  return marks[i]; }"
        " function place() { layer.clearLayers(); var size = m.getSize(), grid = {};"
        "  for (var i = 0; i < data.length; i++) {"
        "   var q = m.latLngToContainerPoint([data[i][0], data[i][1]]), w = data[i][3] / 2;"
        "   var x0 = q.x - w - gap, x1 = q.x + w + gap, y0 = q.y - 10 - gap, y1 = q.y + 10 + gap;"
        "   if (x0 < 0 || y0 < 0 || x1 > size.x || y1 > size.y) continue;"
        "   var cells = [], clear = true;"
        "   for (var cx = Math.floor(x0 / 64); cx <= Math.floor(x1 / 64) && clear; cx++)"
        "    for (var cy = Math.floor(y0 / 32); cy <= Math.floor(y1 / 32) && clear; cy++) {"
        "     var key = cx + ':' + cy, boxes = grid[key] || [];"
        "     for (var b = 0; b < boxes.length; b++) { var o = boxes[b];"
        "      if (x0 < o[2] && o[0] < x1 && y0 < o[3] && o[1] < y1) { clear = false; break; } }"
        "     cells.push(key); }"
        "   if (!clear) continue;"
        "   cells.forEach(function (k) { (grid[k] = grid[k] || []).push([x0, y0, x1, y1]); });"
        "   layer.addLayer(mark(i)); } }"
        " m.on('zoomend moveend resize', place); m.whenReady(place); })();"
        "{% endmacro %}")

    def __init__(self, fmap: folium.Map, labels: Sequence[tuple[float, float, str, int]]
                 ) -> None:
        super().__init__()
        self._name = "ParkLabels"
        self.map = fmap.get_name()
        self.labels = script_json([list(label) for label in labels])
        self.style = script_json(LABEL_STYLE)
        self.gap = LABEL_GAP


LABEL_GAP = 4
"""Least distance in pixels between two park labels (and from the map's edge)."""


def label_width(name: str) -> int:
    """Width in pixels of a park label in :data:`LABEL_STYLE` (13 px bold: a CJK character
    about 13 px, other characters about 8), with a little room."""
    return int(sum(13.5 if ord(c) >= 0x2E80 else 8.0 for c in html.unescape(name))) + 8


LABEL_STYLE = ('<div style="font:600 13px sans-serif;color:#1f4e9c;text-align:center;'
               'white-space:nowrap;text-shadow:0 0 3px #fff,0 0 3px #fff;'
               'pointer-events:none">')
"""The opening tag of a park label (the name follows, already escaped, then ``</div>``)."""


def script_json(value: object) -> str:
    """``value`` as JSON safe inside an HTML ``<script>`` (no ``</`` closing it early)."""
    return json.dumps(value, ensure_ascii=False).replace("</", "<\\/")


def add_park_labels(fmap: folium.Map, parks: DisplayLayer | None,
                    shown: Iterable[str] | None = None) -> None:
    """Each park's name as a label on the map (at a point inside the park), the largest
    parks' first where labels would overlap (:class:`ParkLabels`); ``shown`` limits them to
    these park ids. Names come from the display
    layer's escaped ``park_name`` (the session's language)."""
    if parks is None or "park_name" not in parks.props:
        return
    wanted = set(map(str, shown)) if shown is not None else None
    points = shapely.point_on_surface(parks.geoms)
    order = np.argsort(-np.asarray(parks.weight, dtype=float), kind="stable")  # largest first
    labels = [(point.y, point.x, str(name), label_width(str(name)))
              for pid, name, point in ((parks.ids[i], parks.props["park_name"].iloc[i],
                                        points[i]) for i in order)
              if (wanted is None or pid in wanted) and point is not None
              and not point.is_empty]
    if labels:
        ParkLabels(fmap, labels).add_to(fmap)

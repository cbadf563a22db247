"""Pieces of the map builder that describe one feature or one map behaviour: the red-line
check text of a parcel popup, list and contact helpers, the zoom gate of project rings and
the park name labels."""

from __future__ import annotations

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
    ``[lat, lng, escaped name]``: one template for any number of parks (a folium ``Marker``
    per park compiled templates per marker, seconds per map at a county of 2,000 parks)."""

    _template = Template(
        "{% macro script(this, kwargs) %}"
        "(function () { var m = {{ this.map }};"
        " {{ this.labels }}.forEach(function (p) {"
        " L.marker([p[0], p[1]], {interactive: false, icon: L.divIcon({"
        "className: 'investmap-park-label', iconSize: [160, 20], iconAnchor: [80, 10],"
        " html: {{ this.style }} + p[2] + '</div>'})}).addTo(m); }); })();"
        "{% endmacro %}")

    def __init__(self, fmap: folium.Map, labels: Sequence[tuple[float, float, str]]) -> None:
        super().__init__()
        self._name = "ParkLabels"
        self.map = fmap.get_name()
        self.labels = _script_json([[lat, lng, name] for lat, lng, name in labels])
        self.style = _script_json(LABEL_STYLE)


LABEL_STYLE = ('<div style="font:600 13px sans-serif;color:#1f4e9c;text-align:center;'
               'white-space:nowrap;text-shadow:0 0 3px #fff,0 0 3px #fff;'
               'pointer-events:none">')
"""The opening tag of a park label (the name follows, already escaped, then ``</div>``)."""


def _script_json(value: object) -> str:
    """``value`` as JSON safe inside an HTML ``<script>`` (no ``</`` closing it early)."""
    return json.dumps(value, ensure_ascii=False).replace("</", "<\\/")


def add_park_labels(fmap: folium.Map, parks: DisplayLayer | None,
                    shown: Iterable[str] | None = None) -> None:
    """Each park's name as a label on the map (at a point inside the park), from the
    county's zoom on; ``shown`` limits them to these park ids. Names come from the display
    layer's escaped ``park_name`` (the session's language)."""
    if parks is None or "park_name" not in parks.props:
        return
    wanted = set(map(str, shown)) if shown is not None else None
    points = shapely.point_on_surface(parks.geoms)
    labels = [(point.y, point.x, str(name))
              for pid, name, point in zip(parks.ids, parks.props["park_name"], points,
                                          strict=True)
              if (wanted is None or pid in wanted) and point is not None
              and not point.is_empty]
    if labels:
        ParkLabels(fmap, labels).add_to(fmap)

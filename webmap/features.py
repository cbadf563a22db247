"""Pieces of the map builder that describe one feature or one map behaviour: the red-line
check text of a parcel popup, list and contact helpers, the zoom gate of project rings and
script-safe JSON (the name labels are in :mod:`webmap.labels`)."""

from __future__ import annotations

import json
from collections.abc import Sequence

import folium
import numpy as np
import pandas as pd
from branca.element import MacroElement
from jinja2 import Template

from layers.county import County
from webmap.display import per_distinct


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


def script_json(value: object) -> str:
    """``value`` as JSON safe inside an HTML ``<script>`` (no ``</`` closing it early)."""
    return json.dumps(value, ensure_ascii=False).replace("</", "<\\/")

"""Map styles, legend and layer labels (zh/en), shared by the app and the HTML export.

Colours of statuses, stages and red-line categories come from the layer registry
(``LayerSpec.style``); the 亩均 class and chain palettes are defined here. Every label that
reaches HTML is escaped.
"""

from __future__ import annotations

import html
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from layers.registry import LAYERS, LEDGER_RINGS, PARCEL_STATUSES, PROJECT_STAGES

STYLE_MODES: tuple[str, ...] = ("status", "efficiency", "chain")
"""Parcel styling: by supply status, by 亩均 class of the occupying enterprise, by chain."""

EFFICIENCY_CLASSES: Mapping[str, tuple[str, str, str]] = {
    "A": ("#1a9850", "A 类（优先发展）", "Class A"),
    "B": ("#91cf60", "B 类（鼓励提升）", "Class B"),
    "C": ("#fc8d59", "C 类（整治提升）", "Class C"),
    "D": ("#d73027", "D 类（倒逼转型）", "Class D"),
    "T": ("#9e9e9e", "T 不参评", "T (not graded)"),
}
CHAIN_PALETTE: tuple[str, ...] = ("#e6550d", "#3182bd", "#31a354", "#756bb1", "#e7ba52",
                                  "#843c39", "#17becf")
NO_VALUE_COLOR = "#d9d9d9"
MIXED_VALUE = "~mixed"
"""Class of a parcel group (a big county's overview zooms) whose members' classes under a
lookup (亩均) differ: painted in :data:`MIXED_COLOR` and keyed in the legend."""
MIXED_COLOR = "#9575cd"
HIGHLIGHT_COLOR = "#ff00ff"
FLAG_COLOR = "#d50000"
PROJECT_COLORS: Mapping[str, str] = {
    "pipeline": "#80deea", "signed": "#00acc1", "started": "#f9a825", "completed": "#ef6c00",
    "producing": "#212121", "stalled": "#c2185b", "lost": "#6a1b9a",
}
"""Project stages as hollow rings in colours no parcel status uses (a parcel's fill and a
project's ring must never read as the same thing)."""
PROJECT_MIN_ZOOM = 13
"""Projects are drawn from this zoom on (at county zoom hundreds of rings bury the parcels)."""
ALLOWED_ZONE_COLOR = "#455a64"
"""Outline of zones where building IS allowed (城镇开发边界: conflict outside)."""

LABELS: Mapping[str, tuple[str, str]] = {
    "park": ("园区", "Parks"),
    "parcel": ("地块", "Parcels"),
    "project": ("项目", "Projects"),
    "redline": ("管控红线", "Red lines"),
    "matches": ("查询结果", "Matching parcels"),
    "legend_status": ("地块：供地状态", "Parcels: supply status"),
    "legend_efficiency": ("地块：亩均评价", "Parcels: efficiency class"),
    "legend_chain": ("地块：产业链", "Parcels: industry chain"),
    "legend_stage": ("项目阶段", "Project stage"),
    "legend_redline": ("管控红线", "Red lines"),
    "legend": ("图例", "Legend"),
    "unclassified": ("未评价", "Not evaluated"),
    "mixed": ("多种评价（放大分别显示）", "Mixed classes (zoom in to tell apart)"),
    "flagged": ("逾期或停滞", "Overdue or stalled"),
    "projects_zoom": ("放大后显示项目", "Zoom in to see projects"),
    "selected": ("选中地块", "Selected parcel"),
    "no_chain": ("无链内项目", "No chain project"),
    "legend_ledger": ("重点项目：前期手续", "Key projects: preparatory steps"),
}


def text(key: str, lang: str) -> str:
    """A map label in ``lang`` (``zh`` or ``en``)."""
    zh, en = LABELS[key]
    return zh if lang == "zh" else en


@dataclass(frozen=True)
class StyleClass:
    """One class of a styled layer: the value, its colour, its label and its legend symbol
    (``fill`` box, ``outline`` box, ``ring`` for points)."""

    value: str
    color: str
    label: str
    symbol: str = "fill"


def ledger_ring_classes(lang: str) -> list[StyleClass]:
    """Key projects' rings by their worst step (``LEDGER_STEP.style``, geo/ledger.py)."""
    colors = LAYERS["ledger_step"].style["colors"]
    assert isinstance(colors, Mapping)
    return [StyleClass(code, str(colors[code]), pair[0] if lang == "zh" else pair[1],
                       symbol="ring") for code, pair in LEDGER_RINGS.items()]


def status_classes(lang: str) -> list[StyleClass]:
    """Parcel supply statuses with the registry colours."""
    colors = LAYERS["parcel"].style["colors"]
    assert isinstance(colors, Mapping)
    return [StyleClass(code, str(colors[code]), pair[0] if lang == "zh" else pair[1])
            for code, pair in PARCEL_STATUSES.items()]


def stage_classes(lang: str, *, hidden: Sequence[str] = ()) -> list[StyleClass]:
    """Project stages (but ``hidden`` ones) with :data:`PROJECT_COLORS`."""
    return [StyleClass(code, PROJECT_COLORS.get(code, "#000000"),
                       pair[0] if lang == "zh" else pair[1])
            for code, pair in PROJECT_STAGES.items() if code not in hidden]


def redline_classes(categories: Mapping[str, tuple[str, str]], lang: str, *,
                    allowed_zones: Sequence[str] = ()) -> list[StyleClass]:
    """Red-line categories (from the policy: name → (zh, en)) with registry colours; zones
    where building is allowed (``allowed_zones``: conflict outside) as grey outlines."""
    colors = LAYERS["redline"].style["colors"]
    assert isinstance(colors, Mapping)
    extra = iter(("#0277bd", "#6d4c41", "#00838f", "#5d4037"))
    out = []
    for name, (zh, en) in categories.items():
        if name in allowed_zones:
            out.append(StyleClass(name, ALLOWED_ZONE_COLOR, zh if lang == "zh" else en,
                                  symbol="outline"))
            continue
        color = str(colors[name]) if name in colors else next(extra, "#455a64")
        out.append(StyleClass(name, color, zh if lang == "zh" else en))
    return out


def efficiency_classes(lang: str) -> list[StyleClass]:
    """亩均 classes A/B/C/D/T plus "not evaluated"."""
    out = [StyleClass(code, color, zh if lang == "zh" else en)
           for code, (color, zh, en) in EFFICIENCY_CLASSES.items()]
    out.append(StyleClass("", NO_VALUE_COLOR, text("unclassified", lang)))
    return out


def chain_classes(chains: Mapping[str, tuple[str, str]], lang: str) -> list[StyleClass]:
    """One colour per chain (chain_id → (zh, en)) plus "no chain project"."""
    out = [StyleClass(cid, CHAIN_PALETTE[i % len(CHAIN_PALETTE)], zh if lang == "zh" else en)
           for i, (cid, (zh, en)) in enumerate(chains.items())]
    out.append(StyleClass("", NO_VALUE_COLOR, text("no_chain", lang)))
    return out


def polygon_style(color: str, *, fill_opacity: float, weight: float,
                  dash: str | None = None) -> dict[str, object]:
    """A Leaflet path style for one class."""
    style: dict[str, object] = {"color": color, "fillColor": color,
                                "fillOpacity": fill_opacity, "weight": weight}
    if dash:
        style["dashArray"] = dash
    return style


_SWATCH = {
    "fill": "width:12px;height:12px;background:{c};border:1px solid #555",
    "outline": "width:10px;height:10px;border:2px dashed {c};background:transparent",
    "ring": "width:8px;height:8px;border:2.5px solid {c};border-radius:50%;background:#fff",
}


def legend_html(sections: Sequence[tuple], *, title: str = "图例 Legend",
                notes: Sequence[str] = ()) -> str:
    """The map's legend (HTML, every label escaped): a collapsible box under the zoom buttons
    listing each section's classes with their symbol, then ``notes``. It starts open on
    wide maps and collapsed on phones (see :class:`webmap.builder.Legend`).

    A section is ``(heading, classes)`` or ``(heading, classes, min_zoom, hint)``: a section
    with a ``min_zoom`` carries ``data-min-zoom`` (the legend's script shows it from that
    zoom on and its ``hint`` before)."""
    parts = ['<details open class="investmap-legend" style="position:absolute;top:80px;'
             'left:10px;z-index:1000;background:rgba(255,255,255,.94);padding:4px 8px;'
             'border-radius:4px;font:12px/1.4 sans-serif;box-shadow:0 1px 4px rgba(0,0,0,.3);'
             'max-height:60%;max-width:45%;overflow:auto"><summary style="cursor:pointer;'
             f'font-weight:600">{html.escape(title)}</summary>']
    for heading, classes, *gate in sections:
        min_zoom, hint = (gate + [0, ""])[:2] if gate else (0, "")
        attr = f' data-min-zoom="{int(min_zoom)}"' if min_zoom else ""
        parts.append(f'<div class="investmap-legend-section"{attr}>'
                     f'<div style="font-weight:600;margin-top:3px">{html.escape(heading)}</div>')
        for cls in classes:
            swatch = _SWATCH.get(cls.symbol, _SWATCH["fill"]).format(c=html.escape(cls.color))
            parts.append(f'<div class="investmap-legend-item" data-color="'
                         f'{html.escape(cls.color)}"><span style="display:inline-block;'
                         f'{swatch};margin-right:5px;vertical-align:-2px"></span>'
                         f'<span class="investmap-legend-label">{html.escape(cls.label)}'
                         '</span></div>')
        parts.append("</div>")
        if min_zoom and hint:
            parts.append(f'<div class="investmap-legend-hint" data-max-zoom="{int(min_zoom)}"'
                         f' style="color:#555;margin-top:3px">{html.escape(hint)}</div>')
    for note in notes:
        parts.append(f'<div style="color:#555;margin-top:3px">{html.escape(note)}</div>')
    parts.append("</details>")
    return "".join(parts)

@dataclass(frozen=True)
class LayerStyle:
    """How one map layer is painted, and so what its legend section says: the property
    coloured by (``key``, ``""`` = one class for every feature; through ``lookup`` when
    given, e.g. parcel id → 亩均 class), the classes, the legend heading and the stroke.
    The one definition both painters (vector tiles in the browser, GeoJSON) and the legend
    read.

    ``min_zoom``: the layer is drawn from this zoom on (its legend section shows from then
    on too, with ``hint`` below it before).
    """

    layer: str
    key: str
    title: str
    classes: tuple[StyleClass, ...]
    fill_opacity: float = 0.55
    weight: float = 1.0
    dash: Mapping[str, str] | None = None
    lookup: Mapping[str, str] | None = None
    min_zoom: int = 0
    hint: str = ""
    legend: bool = True
    marked: bool = False
    """Drawn again on top of the layer (finder matches, the selected parcel, flags)."""


def paint_spec(layer_styles: Sequence[LayerStyle]) -> list[dict[str, object]]:
    """The styles as JSON-ready data for the browser painter (every label escaped)."""
    return [{"layer": s.layer, "key": s.key, "title": html.escape(s.title),
             "fill_opacity": s.fill_opacity, "weight": s.weight, "min_zoom": s.min_zoom,
             "lookup": dict(s.lookup) if s.lookup is not None else None,
             "mixed": MIXED_VALUE if any(c.value == MIXED_VALUE for c in s.classes) else None,
             "classes": [{"value": c.value, "color": c.color, "label": html.escape(c.label),
                          "symbol": c.symbol,
                          "dash": (s.dash or {}).get(c.value)
                          or ("6 4" if c.symbol == "outline" else None)}
                         for c in s.classes]}
            for s in layer_styles]


def legend_for(layer_styles: Sequence[LayerStyle], lang: str) -> str:
    """The legend of these styles (:func:`legend_html`): one section per style in order,
    a section drawn only from a zoom on is shown from that zoom on, its hint before."""
    sections = [(s.title, s.classes, s.min_zoom, s.hint) for s in layer_styles if s.legend]
    return legend_html(sections, title=text("legend", lang))

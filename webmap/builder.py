"""Build the investment map — one function for the Streamlit app and the HTML export.

:func:`prepare` turns a county into display layers once (whitelisted columns as escaped text,
WGS84 or GCJ-02 geometry, spatial index); :func:`build_parts` makes the stable base map
(basemap, legend, initial view) and the data overlays (one ``GeoJson`` per style class,
grouped per layer) for a viewport; :func:`build_map` assembles a complete folium map.
The app passes the overlays to ``st_folium(feature_group_to_add=...)`` so the base map is
not re-mounted when data change.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace

import folium
import numpy as np
import pandas as pd
import shapely
from branca.element import MacroElement
from jinja2 import Template

from layers.county import County
from layers.registry import (
    LAND_USES,
    LAYERS,
    PARCEL_STATUSES,
    PARK_LEVELS,
    PROJECT_STAGES,
    UTILITIES,
    label,
)
from webmap import styles
from webmap.assets import use_local_assets
from webmap.basemaps import add_basemap, display_coords
from webmap.context import add_context, context_geojson
from webmap.display import DisplayLayer, Selection, Viewport, per_distinct
from webmap.features import ZoomGate, list_items, park_contacts, redline_text

AUDIENCES: tuple[str, ...] = ("investor", "staff")
LANGS: tuple[str, ...] = ("zh", "en")
MAP_LAYERS: tuple[str, ...] = ("park", "redline", "parcel", "project")

INVESTOR_HIDDEN_STAGES: tuple[str, ...] = ("stalled", "lost")
"""Project stages investors never see on a map (a stalled or lost project is internal)."""

_COLUMNS: Mapping[str, tuple[str, ...]] = {
    "park": ("park_id", "leading_industries", "area_mu", "contact"),
    "parcel": ("parcel_id", "area_mu", "far_min", "far_max", "price_wan_per_mu",
               "investment_min_wan_per_mu", "tax_min_wan_per_mu", "transfer_date",
               "agreed_start_date"),
    "project": ("project_id", "name", "investment_wan"),
    "redline": ("redline_id", "name"),
}
_DERIVED: Mapping[str, tuple[tuple[str, str, str], ...]] = {
    "park": (("park_name", "园区名称", "Name"), ("level_label", "级别", "Level"),
             ("industries_label", "主导产业", "Leading industries")),
    "parcel": (("park_name", "所属园区", "Park"), ("land_use_label", "用地性质", "Land use"),
               ("status_label", "供地状态", "Status"), ("utilities_label", "七通一平", "Utilities"),
               ("redline_label", "红线检查", "Red-line check"),
               ("contact_label", "招商联系方式", "Investment contact")),
    "project": (("stage_label", "项目阶段", "Stage"), ("park_name", "所属园区", "Park")),
    "redline": (("category_label", "红线类别", "Category"),),
}
TOOLTIP_FIELDS: Mapping[str, tuple[str, ...]] = {
    "park": ("park_name", "level_label", "industries_label", "area_mu"),
    "parcel": ("parcel_id", "park_name", "land_use_label", "status_label", "area_mu",
               "price_wan_per_mu"),
    "project": ("name", "stage_label", "park_name", "investment_wan"),
    "redline": ("category_label", "name"),
}
POPUP_FIELDS: Mapping[str, tuple[str, ...]] = {
    **TOOLTIP_FIELDS,
    "park": ("park_name", "level_label", "industries_label", "area_mu", "contact"),
    "parcel": ("parcel_id", "park_name", "land_use_label", "status_label", "area_mu",
               "far_min", "far_max", "price_wan_per_mu", "investment_min_wan_per_mu",
               "tax_min_wan_per_mu", "utilities_label", "transfer_date", "agreed_start_date",
               "redline_label", "contact_label"),
}
"""Click popups of the exported map: the facts of the parcel card (:mod:`webmap.card`)."""


@dataclass
class MapData:
    """A county prepared for display for one audience, language and display CRS."""

    layers: dict[str, DisplayLayer]
    audience: str
    lang: str
    coords: str
    style_values: dict[str, np.ndarray] = field(default_factory=dict)
    redline_labels: dict[str, tuple[str, str]] = field(default_factory=dict)
    chain_labels: dict[str, tuple[str, str]] = field(default_factory=dict)
    allowed_zones: tuple[str, ...] = ()
    """Red-line categories whose *outside* conflicts (building allowed inside)."""
    hidden_stages: tuple[str, ...] = ()
    context: dict[str, object] | None = None  # webmap.context.context_geojson

    def bounds_of(self, layer: str,
                  ids: Iterable[str]) -> tuple[float, float, float, float] | None:
        """(west, south, east, north) in display degrees of the ``layer`` features with these
        ids (``None`` when none of them is drawn). No reprojection: the geometries are
        already in display coordinates."""
        shown = self.layers.get(layer)
        rows = None if shown is None else shown.mask_of(ids)
        if rows is None or not rows.any():
            return None
        west, south, east, north = shapely.total_bounds(shown.geoms[rows])
        return float(west), float(south), float(east), float(north)

    def bounds(self) -> tuple[float, float, float, float]:
        """(west, south, east, north) of parks and parcels in display degrees."""
        boxes = [self.layers[n].bounds() for n in ("park", "parcel") if n in self.layers]
        arr = np.array(boxes)
        return (float(arr[:, 0].min()), float(arr[:, 1].min()), float(arr[:, 2].max()),
                float(arr[:, 3].max()))


@dataclass
@dataclass
class MapParts:
    """What the app hands to ``st_folium``: a stable base map, overlays and their control."""

    base: folium.Map
    overlays: list[folium.FeatureGroup]
    layer_control: folium.LayerControl
    counts: dict[str, Selection]


def _tooltip_alias(layer: str, column: str, lang: str) -> str:
    for key, zh, en in _DERIVED[layer]:
        if key == column:
            return zh if lang == "zh" else en
    col = LAYERS[layer].column(column)
    return col.zh if lang == "zh" else col.en


def _park_names(county: County, lang: str) -> dict[str, str]:
    parks = county.layers.get("park")
    if parks is None:
        return {}
    names = parks["name"].astype(str)
    if lang == "en" and "name_en" in parks:
        names = parks["name_en"].where(parks["name_en"].notna(), parks["name"]).astype(str)
    return dict(zip(parks["park_id"].astype(str), names, strict=True))


def _chain_labels() -> dict[str, tuple[str, str]]:
    from layers.chains import load_chains

    return {c.chain_id: (c.zh, c.en) for c in load_chains().chains}


def parcel_chains(county: County) -> pd.Series:
    """Chain of each parcel (parcel_id → chain_id) from the projects placed on it."""
    projects = county.layers.get("project")
    if projects is None or "chain_id" not in projects:
        return pd.Series(dtype=object)
    placed = projects.dropna(subset=["parcel_id", "chain_id"])
    return placed.groupby(placed["parcel_id"].astype(str))["chain_id"].first().astype(str)


def prepare(county: County, *, audience: str = "investor", lang: str = "zh",
            coords: str = "wgs84", availability: pd.DataFrame | None = None) -> MapData:
    """Prepare the county's map layers once (cache the result; it is reused per viewport).

    Parameters
    ----------
    county : the loaded county.
    audience : ``investor`` (public columns only; stalled and lost projects left out) or
        ``staff``.
    lang : ``zh`` or ``en`` labels.
    coords : ``wgs84`` (OSM, Tianditu, none) or ``gcj02`` (Gaode) display coordinates.
    availability : :func:`layers.supply.availability` of the county, for the red-line
        check in parcel popups (optional).
    """
    if audience not in AUDIENCES or lang not in LANGS:
        raise ValueError(f"audience must be one of {AUDIENCES} and lang one of {LANGS}")
    parks = _park_names(county, lang)
    policy_cats = {name: (cat.zh, cat.en)
                   for name, cat in county.policy.redlines.categories.items()}
    hidden = INVESTOR_HIDDEN_STAGES if audience == "investor" else ()
    chains = dict(_chain_labels())
    sep = "、" if lang == "zh" else ", "
    contacts = park_contacts(county)
    layers: dict[str, DisplayLayer] = {}
    values: dict[str, np.ndarray] = {}
    for name in MAP_LAYERS:
        frame = county.layers.get(name)
        if frame is not None and name == "project" and hidden:
            frame = frame[~frame["stage"].astype(str).isin(hidden)]
        if frame is None or len(frame) == 0:
            continue
        # Labels per distinct code (a few hundred calls, not one per row: 100,000 parcels).
        extra: dict[str, Sequence[object]] = {}

        def coded(column: str, fn: Callable[[str], str], rows: pd.DataFrame = frame
                  ) -> np.ndarray:
            values = rows[column] if column in rows else pd.Series([None] * len(rows))
            return per_distinct(values, lambda x: "" if x is None else fn(str(x)))

        if "park_id" in frame:
            extra["park_name"] = coded("park_id", lambda p: parks.get(p, ""))
        if name == "park":
            extra["level_label"] = coded("level", lambda v: label(PARK_LEVELS, v, lang))
            extra["industries_label"] = [
                sep.join(chains.get(str(c), (str(c), str(c)))[0 if lang == "zh" else 1]
                         for c in list_items(v)) for v in frame["leading_industries"]]
        elif name == "parcel":
            extra["land_use_label"] = coded("land_use", lambda v: label(LAND_USES, v, lang))
            extra["status_label"] = coded("status", lambda v: label(PARCEL_STATUSES, v, lang))
            extra["utilities_label"] = per_distinct(
                frame["utilities"] if "utilities" in frame else [None] * len(frame),
                lambda v: sep.join(label(UTILITIES, str(u), lang) for u in list_items(v)))
            extra["redline_label"] = redline_text(
                availability, frame["parcel_id"].astype(str).tolist(), lang)
            extra["contact_label"] = coded("park_id", lambda p: contacts.get(p, ""))
        elif name == "project":
            extra["stage_label"] = coded("stage", lambda v: label(PROJECT_STAGES, v, lang))
        else:
            extra["category_label"] = coded(
                "category", lambda v: policy_cats.get(v, (v, v))[0 if lang == "zh" else 1])
        layer = DisplayLayer(frame, LAYERS[name], columns=_COLUMNS[name], audience=audience,
                             coords=coords, extra=extra)
        layers[name] = layer
        key = {"parcel": "status", "project": "stage", "redline": "category"}.get(name)
        if key:
            values[f"{name}:{key}"] = layer.raw[key].astype(str).to_numpy()
    if "parcel" in layers:
        on_parcel = parcel_chains(county)
        values["parcel:chain"] = pd.Series(layers["parcel"].ids).map(on_parcel) \
            .fillna("").astype(str).to_numpy(dtype=object)
    allowed = tuple(name for name, cat in county.policy.redlines.categories.items()
                    if cat.conflict == "outside")
    return MapData(layers=layers, audience=audience, lang=lang, coords=coords,
                   style_values=values, redline_labels=policy_cats,
                   chain_labels=chains, allowed_zones=allowed, hidden_stages=hidden,
                   context=context_geojson(county.layers.get("context"), coords=coords,
                                           lang=lang))


class Legend(MacroElement):
    """The map's legend; the HTML is built (and escaped) by :func:`styles.legend_html`.
    On a narrow map (a phone) it starts collapsed."""

    _template = Template(
        "{% macro html(this, kwargs) %}{{ this.body }}{% endmacro %}"
        "{% macro script(this, kwargs) %}"
        "document.querySelectorAll('.investmap-legend').forEach(function (d) {"
        " if (window.innerWidth < 640) { d.open = false; } });"
        "{% endmacro %}")

    def __init__(self, body: str) -> None:
        super().__init__()
        self._name = "Legend"
        self.body = body


def _parcel_classes(data: MapData, style_mode: str,
                    classes_by_parcel: Mapping[str, str] | None,
                    ) -> tuple[list[styles.StyleClass], np.ndarray, str]:
    lang = data.lang
    if style_mode == "status":
        return styles.status_classes(lang), data.style_values["parcel:status"], \
            styles.text("legend_status", lang)
    if style_mode == "chain":
        return styles.chain_classes(data.chain_labels, lang), data.style_values["parcel:chain"], \
            styles.text("legend_chain", lang)
    if style_mode == "efficiency":
        if data.audience != "staff":
            raise ValueError("styling by 亩均 class is for staff only (enterprise-level data)")
        lookup = classes_by_parcel or {}
        values = np.array([str(lookup.get(pid, "") or "") for pid in data.layers["parcel"].ids],
                          dtype=object)
        return styles.efficiency_classes(lang), values, styles.text("legend_efficiency", lang)
    raise ValueError(f"unknown style mode {style_mode!r}; use one of {styles.STYLE_MODES}")


def _layer_group(data: MapData, name: str, selection: Selection,
                 classes: Iterable[tuple[styles.StyleClass, np.ndarray]], *,
                 viewport: Viewport | None, fill_opacity: float, weight: float,
                 dash: Mapping[str, str] | None = None, title: str | None = None,
                 compact: bool = False, ring_radius: float = 5.0) -> folium.FeatureGroup:
    layer, lang = data.layers[name], data.lang
    tips = list(TOOLTIP_FIELDS[name])
    # The app shows the card on click; the exported map has no card, so its click popup
    # carries the card's facts.
    fields = tips if compact else list(dict.fromkeys([*tips, *POPUP_FIELDS[name]]))
    aliases = {f: _tooltip_alias(name, f, lang) for f in fields}
    # Compact keys (f0, f1 …) carry no underscores: streamlit-folium rewrites every
    # "_name" it finds in the script, which costs seconds on megabytes of GeoJSON.
    keys = {f: (f"f{k}" if compact else f) for k, f in enumerate(fields)}
    group = folium.FeatureGroup(name=title or styles.text(name, lang), show=True)
    for cls, member in classes:
        index = selection.index[member[selection.index]]
        if len(index) == 0:
            continue
        fc = layer.feature_collection(index, fields=fields, viewport=viewport,
                                      keys=[keys[f] for f in fields])
        if not fc.get("features"):  # all clipped away by the viewport: nothing to draw (and
            continue  # folium refuses a tooltip on a collection without properties)
        outline = cls.symbol == "outline"
        style = styles.polygon_style(cls.color, fill_opacity=0.0 if outline else fill_opacity,
                                     weight=weight, dash=(dash or {}).get(cls.value)
                                     or ("6 4" if outline else None))
        if LAYERS[name].geometry == "point":  # a hollow ring: the parcel under it shows
            style = {"color": cls.color, "fillColor": "#ffffff", "fillOpacity": 0.35,
                     "weight": 2.5}
        marker = folium.CircleMarker(radius=ring_radius, color=cls.color, fill=True,
                                     fill_color="#ffffff", fill_opacity=0.35, weight=2.5) \
            if LAYERS[name].geometry == "point" else None
        popup = None if compact else folium.GeoJsonPopup(
            fields=[keys[f] for f in POPUP_FIELDS[name]],
            aliases=[aliases[f] for f in POPUP_FIELDS[name]], localize=False)
        folium.GeoJson(
            fc, name=cls.label, style_function=lambda _f, s=style: s, marker=marker,
            tooltip=folium.GeoJsonTooltip(fields=[keys[f] for f in tips],
                                          aliases=[aliases[f] for f in tips], sticky=True),
            popup=popup, control=False,
        ).add_to(group)
    return group


def build_parts(data: MapData, *, basemap: str = "osm", style_mode: str = "status",
                park_ids: Iterable[str] | None = None,
                highlight_ids: Iterable[str] | None = None,
                parcel_ids: Iterable[str] | None = None,
                efficiency_classes: Mapping[str, str] | None = None,
                viewport: Viewport | None = None,
                max_features: int | Mapping[str, int] | None = None,
                min_pixels: float = 0.0,
                tianditu_key: str | None = None, layers: Sequence[str] = MAP_LAYERS,
                compact: bool = False, flag_ids: Iterable[str] | None = None,
                focus: tuple[float, float, float, float] | None = None,
                ring_codes: Mapping[str, str] | None = None) -> MapParts:
    """Base map and overlays for one view.

    Parameters
    ----------
    data : from :func:`prepare` (its ``coords`` must suit ``basemap``).
    basemap : ``osm``, ``tianditu``, ``tianditu_img``, ``gaode`` or ``none``.
    style_mode : parcel styling: ``status``, ``efficiency`` (staff) or ``chain``.
    park_ids : show only these parks and what lies in them.
    highlight_ids : parcels drawn again on top with a bold outline (finder results).
    parcel_ids : show only these parcels.
    efficiency_classes : parcel_id → 亩均 class, for ``style_mode="efficiency"``.
    viewport : clip and simplify for this window; ``None`` = everything, full detail.
    max_features : most features per layer (largest first), one number or per layer name
        (``parcel``, ``redline``, ``project``, ``park``); ``None`` = no cap.
    min_pixels : with a ``viewport``, leave out polygons smaller than this many screen
        pixels at its zoom (they would be specks).
    tianditu_key : Tianditu ``tk`` (else the ``TIANDITU_KEY`` environment variable).
    layers : which map layers to draw.
    compact : short property keys ``f0, f1 …`` (the app; faster through streamlit-folium)
        instead of the field names (the export).
    flag_ids : projects drawn again with a red ring (overdue or stalled, staff maps).
    ring_codes : key project id → its worst step (``stuck``, ``overdue``, ``on_track``,
        ``done``; :func:`geo.ledger.worst_steps`): rings coloured by it (staff maps).
    focus : (west, south, east, north) display degrees to open the map on (a parcel or a
        park from the URL) instead of the whole county.

    Projects are drawn from zoom :data:`styles.PROJECT_MIN_ZOOM` on: in the app by the
    viewport's zoom, in the export by a zoom listener (:class:`ZoomGate`).
    """
    if display_coords(basemap) != data.coords:
        raise ValueError(f"basemap {basemap!r} needs {display_coords(basemap)} display "
                         f"coordinates; prepare the data with coords={display_coords(basemap)!r}")
    lang = data.lang
    west, south, east, north = data.bounds()
    base = folium.Map(location=[(south + north) / 2, (west + east) / 2], zoom_start=11,
                      tiles=None, prefer_canvas=True, control_scale=True)
    use_local_assets(base)
    add_basemap(base, basemap, lang=lang, key=tianditu_key)
    add_context(base, data.context, basemap)
    if focus is not None:
        west, south, east, north = focus
    base.fit_bounds([[south, west], [north, east]])
    parks = set(map(str, park_ids)) if park_ids is not None else None
    only = set(map(str, parcel_ids)) if parcel_ids is not None else None

    def cap(name: str) -> int | None:
        if isinstance(max_features, Mapping):
            return max_features.get(name)
        return max_features

    def mask_for(name: str) -> np.ndarray | None:
        layer = data.layers[name]
        mask = np.ones(len(layer), dtype=bool)
        if parks is not None and name == "park":
            mask &= layer.mask_of(parks)
        elif parks is not None and "park_id" in layer.raw:
            mask &= layer.raw["park_id"].astype(str).isin(parks).to_numpy()
        if only is not None and name == "parcel":
            mask &= layer.mask_of(only)
        return mask

    overlays: list[folium.FeatureGroup] = []
    counts: dict[str, Selection] = {}
    legend: list[tuple[str, Sequence[styles.StyleClass]]] = []
    notes: list[str] = []
    for name in (n for n in MAP_LAYERS if n in layers and n in data.layers):
        if name == "project" and viewport is not None \
                and viewport.zoom < styles.PROJECT_MIN_ZOOM:
            notes.append(styles.text("projects_zoom", lang))
            continue
        selection = data.layers[name].select(viewport=viewport, mask=mask_for(name),
                                             max_features=cap(name), min_pixels=min_pixels)
        counts[name] = selection
        if name == "park":
            park_cls = styles.StyleClass("park", "#1f4e9c", styles.text("park", lang))
            members = np.ones(len(data.layers[name]), dtype=bool)
            overlays.append(_layer_group(data, name, selection, [(park_cls, members)],
                                         viewport=viewport, fill_opacity=0.08, weight=2.5,
                                         compact=compact))
            continue
        if name == "parcel":
            classes, values, title = _parcel_classes(data, style_mode, efficiency_classes)
            fill, weight, dash = 0.55, 1.0, None
        elif name == "project":
            classes = [replace(c, symbol="ring") for c in
                       styles.stage_classes(lang, hidden=data.hidden_stages)]
            values = data.style_values["project:stage"]
            title, fill, weight, dash = styles.text("legend_stage", lang), 0.9, 1.0, None
        else:
            classes = styles.redline_classes(data.redline_labels, lang,
                                             allowed_zones=data.allowed_zones)
            values = data.style_values["redline:category"]
            title, fill, weight = styles.text("legend_redline", lang), 0.15, 2.0
            dash = LAYERS["redline"].style.get("dash")
        legend.append((title, classes))
        members = [(cls, values == cls.value) for cls in classes]
        overlays.append(_layer_group(data, name, selection, members, viewport=viewport,
                                     fill_opacity=fill, weight=weight,
                                     dash=dash if isinstance(dash, Mapping) else None,
                                     compact=compact))
    if highlight_ids is not None and "parcel" in data.layers:
        wanted = data.layers["parcel"].mask_of(highlight_ids)
        # Outlined however small on screen (a clicked parcel at county zoom); the cap
        # still bounds a long list of finder results.
        selection = data.layers["parcel"].select(viewport=viewport, mask=wanted,
                                                 max_features=cap("parcel"))
        counts["matches"] = selection
        hl = styles.StyleClass("match", styles.HIGHLIGHT_COLOR, styles.text("matches", lang))
        overlays.append(_layer_group(data, "parcel", selection, [(hl, wanted)],
                                     viewport=viewport, fill_opacity=0.0, weight=3.5,
                                     title=styles.text("matches", lang), compact=compact))
    if flag_ids is not None and "project" in data.layers:
        flagged = data.layers["project"].mask_of(flag_ids)
        selection = data.layers["project"].select(viewport=viewport, mask=flagged)
        counts["flagged"] = selection
        flag = styles.StyleClass("flagged", styles.FLAG_COLOR, styles.text("flagged", lang),
                                 symbol="ring")
        group = _layer_group(data, "project", selection, [(flag, flagged)], viewport=viewport,
                             fill_opacity=0.0, weight=3.0, title=flag.label, compact=compact,
                             ring_radius=9.0)
        overlays.append(group)
        legend.append((flag.label, [flag]))
    if ring_codes and "project" in data.layers:
        layer = data.layers["project"]
        rings = [(cls, layer.mask_of([p for p, c in ring_codes.items() if c == cls.value]))
                 for cls in styles.ledger_ring_classes(lang)]
        selection = layer.select(viewport=viewport, mask=layer.mask_of(ring_codes))
        counts["legend_ledger"] = selection
        overlays.append(_layer_group(data, "project", selection, rings, viewport=viewport,
                                     fill_opacity=0.0, weight=3.0, compact=compact,
                                     title=styles.text("legend_ledger", lang), ring_radius=11.0))
        legend.append((styles.text("legend_ledger", lang), [c for c, _ in rings]))
    Legend(styles.legend_html(legend, title=styles.text("legend", lang), notes=notes)
           ).add_to(base)
    control = folium.LayerControl(collapsed=True, position="topright")
    return MapParts(base=base, overlays=overlays, layer_control=control, counts=counts)


def build_map(county: County | MapData, *, audience: str = "investor", lang: str = "zh",
              basemap: str = "osm", style_mode: str = "status",
              park_ids: Iterable[str] | None = None, offerable_only: bool = True,
              **options: object) -> folium.Map:
    """A complete folium map (base, overlays, layer control, legend) — the HTML export's map.

    Parameters
    ----------
    county : a loaded county, or data already prepared by :func:`prepare`.
    audience : ``investor`` (public columns only) or ``staff``.
    lang : ``zh`` or ``en``.
    basemap : ``osm``, ``tianditu``, ``tianditu_img``, ``gaode`` or ``none``.
    style_mode : parcel styling: ``status``, ``efficiency`` (staff) or ``chain``.
    park_ids : show only these parks and what lies in them.
    offerable_only : for investors, show only parcels on offer now (offerable status, no
        hard red-line conflict), unless ``parcel_ids`` is given.
    **options : passed to :func:`build_parts` (``highlight_ids``, ``parcel_ids``,
        ``efficiency_classes``, ``viewport``, ``max_features``, ``tianditu_key``, ``layers``).
    """
    availability = None
    if not isinstance(county, MapData):
        from layers.supply import availability as judge

        availability = judge(county)
        if audience == "investor" and options.get("parcel_ids") is None \
                and offerable_only:
            options["parcel_ids"] = availability.loc[availability["available"],
                                                     "parcel_id"].astype(str).tolist()
    data = county if isinstance(county, MapData) else prepare(
        county, audience=audience, lang=lang, coords=display_coords(basemap),
        availability=availability)
    parts = build_parts(data, basemap=basemap, style_mode=style_mode, park_ids=park_ids,
                        **options)  # type: ignore[arg-type]
    projects = styles.text("project", data.lang)
    for group in parts.overlays:
        group.add_to(parts.base)
        if group.layer_name == projects:
            ZoomGate(parts.base, group, styles.PROJECT_MIN_ZOOM).add_to(parts.base)
    parts.layer_control.add_to(parts.base)
    return parts.base

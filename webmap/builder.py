"""Build the investment map — one function for the Streamlit app and the HTML export.

:func:`prepare` turns a county into display layers once (whitelisted columns as escaped text,
WGS84 or GCJ-02 geometry, spatial index); :func:`build_parts` makes the stable base map
(basemap, legend, initial view) and the data overlays (one ``GeoJson`` per style class,
grouped per layer) for a viewport; :func:`build_map` assembles a complete folium map.
The app passes the overlays to ``st_folium(feature_group_to_add=...)`` so the base map is
not re-mounted when data change.
"""

from __future__ import annotations

import functools
import html
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace

import folium
import numpy as np
import pandas as pd
import shapely
from branca.element import MacroElement
from folium.map import FitBounds
from jinja2 import Template

from data import get_path
from layers.chains import load_chains
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
from layers.vector_tiles import PRIVATE_STAGES, TILE_LAYERS, parcel_chains
from webmap import styles
from webmap.assets import use_local_assets
from webmap.basemaps import add_basemap, display_coords
from webmap.context import add_context, context_geojson
from webmap.display import DisplayLayer, Selection, Viewport, per_distinct
from webmap.features import (
    ZoomGate,
    list_items,
    park_contacts,
    redline_text,
)
from webmap.labels import add_labels, park_labels, town_labels
from webmap.vtiles import (
    EMBED_LIMIT_MB,
    InlineRenderer,
    ParcelPopups,
    VectorTileLayer,
    VectorTiles,
    archive_min_zoom,
    county_bounds,
    embedded_source_js,
    use_renderer,
)

AUDIENCES: tuple[str, ...] = ("investor", "staff")
LANGS: tuple[str, ...] = ("zh", "en")
MAP_LAYERS: tuple[str, ...] = ("park", "redline", "parcel", "project")

INVESTOR_HIDDEN_STAGES: tuple[str, ...] = PRIVATE_STAGES
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
    """Chain id → (zh, en) name of the chains file, read once per version of the file (its
    path, modification time and size: :func:`_chain_labels_of`), not on every
    :func:`prepare`."""
    path = get_path("chains")
    try:
        stat = path.stat()
    except OSError:  # load_chains says which file is missing and the fix
        return {c.chain_id: (c.zh, c.en) for c in load_chains(path).chains}
    return dict(_chain_labels_of(str(path), stat.st_mtime_ns, stat.st_size))


@functools.lru_cache(maxsize=4)
def _chain_labels_of(path: str, mtime_ns: int, size: int
                     ) -> tuple[tuple[str, tuple[str, str]], ...]:
    """The chains file ``path``'s names as read at this ``mtime_ns`` and ``size`` (the cache
    key: an edited file is read again)."""
    return tuple((c.chain_id, (c.zh, c.en)) for c in load_chains(path).chains)


def prepare(county: County, *, audience: str = "investor", lang: str = "zh",
            coords: str = "wgs84", availability: pd.DataFrame | None = None,
            previous: MapData | None = None) -> MapData:
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
    previous : the map data of an earlier version of the county for the same audience,
        language and coordinates: rows that did not change are taken over from it instead
        of being formatted again (see :class:`webmap.display.DisplayLayer`; the result is
        the same).
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
        reuse = previous.layers.get(name) if previous is not None and (
            previous.audience, previous.lang, previous.coords) == (audience, lang, coords) \
            else None
        layer = DisplayLayer(frame, LAYERS[name], columns=_COLUMNS[name], audience=audience,
                             coords=coords, extra=extra, previous=reuse)
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
    """The map's legend; the HTML is built (and escaped) by :func:`styles.legend_for` from
    the map's style definition. On a narrow map (a phone) it starts collapsed and the map
    is fitted to its frame's height (the app shortens the frame on phones: the scale bar
    stays in view); a section drawn from a zoom on (project rings) shows from that zoom,
    its hint before."""

    _template = Template(
        "{% macro html(this, kwargs) %}{{ this.body }}{% endmacro %}"
        "{% macro script(this, kwargs) %}"
        "(function () { var map = {{ this._parent.get_name() }};"
        " document.querySelectorAll('.investmap-legend').forEach(function (d) {"
        "  if (window.innerWidth < 640) { d.open = false; } });"
        " function gate() { var z = map.getZoom();"
        "  document.querySelectorAll('.investmap-legend [data-min-zoom]').forEach(function (e) {"
        "   e.style.display = z >= Number(e.dataset.minZoom) ? '' : 'none'; });"
        "  document.querySelectorAll('.investmap-legend [data-max-zoom]').forEach(function (e) {"
        "   e.style.display = z < Number(e.dataset.maxZoom) ? '' : 'none'; }); }"
        " map.on('zoomend', gate); map.whenReady(gate);"
        " function fit() { if (window.innerWidth >= 640) return;"
        "  var c = map.getContainer(); if (c.clientHeight !== window.innerHeight) {"
        "   c.style.height = window.innerHeight + 'px'; map.invalidateSize(); } }"
        " fit(); window.addEventListener('resize', fit); })();"
        "{% endmacro %}")

    def __init__(self, body: str) -> None:
        super().__init__()
        self._name = "Legend"
        self.body = body


def _parcel_classes(data: MapData, style_mode: str,
                    classes_by_parcel: Mapping[str, str] | None,
                    ) -> tuple[list[styles.StyleClass], str, str, Mapping[str, str] | None]:
    """Parcel classes, the tile property they colour by (through a lookup for 亩均 classes,
    which are staff-only and never in tiles) and the legend heading of ``style_mode``."""
    lang = data.lang
    if style_mode == "status":
        return styles.status_classes(lang), "status", styles.text("legend_status", lang), None
    if style_mode == "chain":
        return (styles.chain_classes(data.chain_labels, lang), "chain",
                styles.text("legend_chain", lang), None)
    if style_mode == "efficiency":
        if data.audience != "staff":
            raise ValueError("styling by 亩均 class is for staff only (enterprise-level data)")
        lookup = {str(k): str(v or "") for k, v in (classes_by_parcel or {}).items()}
        return (styles.efficiency_classes(lang), "parcel_id",
                styles.text("legend_efficiency", lang), lookup)
    raise ValueError(f"unknown style mode {style_mode!r}; use one of {styles.STYLE_MODES}")


def map_styles(data: MapData, *, style_mode: str = "status",
               efficiency_classes: Mapping[str, str] | None = None,
               layers: Sequence[str] = MAP_LAYERS, highlight: bool = False,
               highlight_key: str = "matches", flagged: bool = False,
               ring_codes: Mapping[str, str] | None = None, grouped: bool = False,
               ) -> list[styles.LayerStyle]:
    """The map's style definition, bottom layer first: what paints each layer (tiles in the
    browser, GeoJSON) and what the legend lists — one definition for both.

    Parameters
    ----------
    data : from :func:`prepare`.
    style_mode : parcel colouring, ``status``, ``chain`` or ``efficiency`` (staff).
    efficiency_classes : parcel_id → 亩均 class for ``efficiency``.
    layers : the map layers drawn.
    highlight : parcels outlined on top (finder matches, the selected parcel), keyed
        ``highlight_key`` (``matches`` or ``selected``).
    flagged : overdue or stalled projects ringed in red.
    ring_codes : key project id → its worst ledger step: rings in the step's colour
        (挂图作战).
    grouped : the tiles hold parcel groups at their overview zooms
        (:func:`layers.vector_tiles.parcel_groups`): a colouring through a lookup (亩均)
        gets a class, and a legend key, for a group whose members' classes differ.
    """
    lang = data.lang
    out: list[styles.LayerStyle] = []
    for name in (n for n in MAP_LAYERS if n in layers and n in data.layers):
        if name == "park":
            out.append(styles.LayerStyle(
                "park", "", styles.text("park", lang),
                (styles.StyleClass("", "#1f4e9c", styles.text("park", lang)),),
                fill_opacity=0.08, weight=2.5, legend=False))
        elif name == "redline":
            dash = LAYERS["redline"].style.get("dash")
            out.append(styles.LayerStyle(
                "redline", "category", styles.text("legend_redline", lang),
                tuple(styles.redline_classes(data.redline_labels, lang,
                                             allowed_zones=data.allowed_zones)),
                fill_opacity=0.15, weight=2.0,
                dash=dash if isinstance(dash, Mapping) else None))
        elif name == "parcel":
            classes, key, title, lookup = _parcel_classes(data, style_mode, efficiency_classes)
            if grouped and lookup is not None:
                classes = [*classes, styles.StyleClass(styles.MIXED_VALUE, styles.MIXED_COLOR,
                                                       styles.text("mixed", lang))]
            out.append(styles.LayerStyle("parcel", key, title, tuple(classes), lookup=lookup))
        else:
            out.append(styles.LayerStyle(
                "project", "stage", styles.text("legend_stage", lang),
                tuple(replace(c, symbol="ring") for c in
                      styles.stage_classes(lang, hidden=data.hidden_stages)),
                fill_opacity=0.9, min_zoom=styles.PROJECT_MIN_ZOOM,
                hint=styles.text("projects_zoom", lang)))
    if highlight and "parcel" in data.layers:
        label_ = styles.text(highlight_key, lang)
        out.append(styles.LayerStyle(
            "parcel", "parcel_id", label_,
            (styles.StyleClass("match", styles.HIGHLIGHT_COLOR, label_, symbol="outline"),),
            fill_opacity=0.0, weight=3.5, marked=True))
    if flagged and "project" in data.layers:
        flag = styles.StyleClass("flagged", styles.FLAG_COLOR, styles.text("flagged", lang),
                                 symbol="ring")
        out.append(styles.LayerStyle("project", "project_id", flag.label, (flag,),
                                     fill_opacity=0.0, weight=3.0, marked=True))
    if ring_codes and "project" in data.layers:
        out.append(styles.LayerStyle("project", "project_id", styles.text("legend_ledger", lang),
                                     tuple(styles.ledger_ring_classes(lang)),
                                     fill_opacity=0.0, weight=3.0, marked=True,
                                     lookup=dict(ring_codes)))
    return out


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


@dataclass(frozen=True)
class _Scope:
    """Which features a view shows: parks (and what lies in them) and parcel ids."""

    parks: frozenset[str] | None
    parcels: frozenset[str] | None

    def mask(self, data: MapData, name: str) -> np.ndarray:
        layer = data.layers[name]
        mask = np.ones(len(layer), dtype=bool)
        if self.parks is not None and name == "park":
            mask &= layer.mask_of(self.parks)
        elif self.parks is not None and "park_id" in layer.raw:
            mask &= layer.raw["park_id"].astype(str).isin(self.parks).to_numpy()
        if self.parcels is not None and name == "parcel":
            mask &= layer.mask_of(self.parcels)
        return mask


def _base_map(data: MapData, *, basemap: str, tianditu_key: str | None,
              focus: tuple[float, float, float, float] | None,
              tiles: VectorTiles | None) -> folium.Map:
    """The stable base: basemap, context, the opening window (and the renderer's script)."""
    if display_coords(basemap) != data.coords:
        raise ValueError(f"basemap {basemap!r} needs {display_coords(basemap)} display "
                         f"coordinates; prepare the data with coords={display_coords(basemap)!r}")
    west, south, east, north = focus or data.bounds()
    options = {} if tiles is None else {"min_zoom": tiles.min_display_zoom}
    base = folium.Map(location=[(south + north) / 2, (west + east) / 2], zoom_start=11,
                      tiles=None, prefer_canvas=True, control_scale=True, **options)
    use_local_assets(base)
    if tiles is not None:
        use_renderer(base)
    add_basemap(base, basemap, lang=data.lang, key=tianditu_key)
    add_context(base, data.context, basemap)
    fit_view(base, [[south, west], [north, east]])
    return base


def fit_view(fmap: folium.Map, bounds: list[list[float]]) -> None:
    """Open ``fmap`` on ``bounds`` ([[south, west], [north, east]]) at once.

    ``folium.Map.fit_bounds`` lets Leaflet animate from the map's ``zoom_start`` when the
    change is at most 4 levels; during the 0.25 s animation the map still reports its old
    zoom, so the layers added next (the vector tiles) first fetch, decode and paint the
    tiles of a zoom never shown — at a million parcels 12 tiles (1.7 MB) of data zoom 10
    before the first view's own, and a quarter second later.
    """
    fitted = FitBounds(bounds)
    fitted.options["animate"] = False
    fmap.add_child(fitted)


def _geojson_layers(data: MapData, layer_styles: Sequence[styles.LayerStyle], scope: _Scope,
                    *, viewport: Viewport | None, cap: Callable[[str], int | None],
                    min_pixels: float, compact: bool,
                    ) -> tuple[list[folium.FeatureGroup], dict[str, Selection]]:
    """The map layers as GeoJSON overlays for one viewport (the path without tiles)."""
    overlays: list[folium.FeatureGroup] = []
    counts: dict[str, Selection] = {}
    for style in (s for s in layer_styles if not s.marked):
        name = style.layer
        if name == "project" and viewport is not None and viewport.zoom < style.min_zoom:
            continue
        selection = data.layers[name].select(viewport=viewport, mask=scope.mask(data, name),
                                             max_features=cap(name), min_pixels=min_pixels)
        counts[name] = selection
        overlays.append(_layer_group(data, name, selection,
                                     [(c, _members(data, style, c)) for c in style.classes],
                                     viewport=viewport, fill_opacity=style.fill_opacity,
                                     weight=style.weight, dash=style.dash, compact=compact))
    return overlays, counts


def _members(data: MapData, style: styles.LayerStyle, cls: styles.StyleClass) -> np.ndarray:
    """Rows of ``style.layer`` painted in class ``cls`` (the browser painter's rule)."""
    layer = data.layers[style.layer]
    if not style.key:
        return np.ones(len(layer), dtype=bool)
    if style.lookup is not None:
        values = np.array([style.lookup.get(pid, "") for pid in layer.ids], dtype=object)
    else:
        key = f"{style.layer}:{style.key}"
        values = data.style_values[key] if key in data.style_values else \
            layer.raw[style.key].astype(str).to_numpy()
    return values == cls.value


def _tiled_layers(data: MapData, layer_styles: Sequence[styles.LayerStyle], scope: _Scope,
                  base: folium.Map, tiles: VectorTiles, *, compact: bool,
                  offer_only: bool, tiles_js: str | None = None) -> None:
    """Parcels, red lines, parks and projects from the vector tiles, painted in the browser
    (projects from their ``min_zoom`` on); on staff maps the few
    projects tiles never carry (:data:`PRIVATE_STAGES`) as one GeoJSON layer. All on the
    base map: a pan or a zoom asks the server for nothing."""
    tiled = [s for s in layer_styles if s.layer in TILE_LAYERS and not s.marked]
    name = (styles.text("parcel", data.lang) + (" · " if data.lang == "en" else "、")
            + styles.text("redline", data.lang))
    VectorTileLayer(tiles, tiled, name=name, park_ids=scope.parks,
                    parcel_ids=None if offer_only else scope.parcels,
                    offer_only=offer_only, url_js=tiles_js,
                    overlays=[s for s in layer_styles if s.marked]).add_to(base)
    for style in (s for s in layer_styles if s.layer == "project" and not s.marked):
        private = np.isin(data.style_values["project:stage"], PRIVATE_STAGES)
        if not private.any():
            continue
        selection = data.layers["project"].select(mask=scope.mask(data, "project") & private)
        group = _layer_group(data, "project", selection,
                             [(c, _members(data, style, c)) for c in style.classes],
                             viewport=None, fill_opacity=style.fill_opacity,
                             weight=style.weight, compact=compact)
        group.add_to(base)
        ZoomGate(base, group, style.min_zoom).add_to(base)


def _pending(data: MapData, layer_styles: Sequence[styles.LayerStyle], scope: _Scope,
             pending_ids: Iterable[str], *, compact: bool,
             ) -> tuple[list[folium.FeatureGroup], dict[str, Selection]]:
    """Parcels changed since the archive was built, when no delta archive could be made
    (too many, or the tiler failed): painted from the server with the parcel style (opaque
    enough to cover their old look) until the new archive lands."""
    ids = list(pending_ids)
    style = next((s for s in layer_styles if s.layer == "parcel" and not s.marked), None)
    if not ids or style is None:
        return [], {}
    mask = data.layers["parcel"].mask_of(ids) & scope.mask(data, "parcel")
    selection = data.layers["parcel"].select(mask=mask)
    group = _layer_group(data, "parcel", selection,
                         [(c, _members(data, style, c)) for c in style.classes],
                         viewport=None, fill_opacity=0.9, weight=style.weight,
                         title=style.title, compact=compact)
    return [group], {"pending": selection}


def _marked(data: MapData, layer_styles: Sequence[styles.LayerStyle], *,
            highlight_ids: Iterable[str] | None, flag_ids: Iterable[str] | None,
            viewport: Viewport | None, cap: Callable[[str], int | None], compact: bool,
            ) -> tuple[list[folium.FeatureGroup], dict[str, Selection]]:
    """Overlays drawn on top: highlighted parcels (finder matches, the selected parcel)
    and flagged projects, whatever their size on screen."""
    overlays: list[folium.FeatureGroup] = []
    counts: dict[str, Selection] = {}
    for style in layer_styles:
        if not style.marked:
            continue
        if style.layer == "project" and style.lookup is not None:  # ledger rings by step
            layer = data.layers["project"]
            name, wanted, radius, key = "project", layer.mask_of(style.lookup), 11.0, "rings"
            members = [(c, layer.mask_of([p for p, v in style.lookup.items() if v == c.value]))
                       for c in style.classes]
        elif style.layer == "parcel" and highlight_ids is not None:
            name, wanted, radius = "parcel", data.layers["parcel"].mask_of(highlight_ids), 5.0
            key, members = "matches", [(c, wanted) for c in style.classes]
        elif style.layer == "project" and flag_ids is not None:
            name, wanted, radius = "project", data.layers["project"].mask_of(flag_ids), 9.0
            key, members = "flagged", [(c, wanted) for c in style.classes]
        else:
            continue
        selection = data.layers[name].select(viewport=viewport, mask=wanted,
                                             max_features=cap(name) if name == "parcel"
                                             else None)
        counts[key] = selection
        overlays.append(_layer_group(data, name, selection, members, viewport=viewport,
                                     fill_opacity=style.fill_opacity, weight=style.weight,
                                     title=style.title, compact=compact, ring_radius=radius))
    return overlays, counts


def highlight_overlay(data: MapData, highlight_ids: Iterable[str], *,
                      highlight_key: str = "matches", max_features: int | None = None,
                      compact: bool = False) -> folium.FeatureGroup | None:
    """The highlighted parcels' overlay alone, as :func:`build_parts` draws it for
    ``highlight_ids`` (in its overlays under the counts key ``matches``): a page keeps the
    map rendered once with an empty highlight and swaps this overlay per selection, so a
    click does not render the whole map again. ``None`` without a parcel layer."""
    style = next((s for s in map_styles(data, layers=("parcel",), highlight=True,
                                        highlight_key=highlight_key)
                  if s.marked and s.layer == "parcel"), None)
    if style is None:
        return None
    overlays, _ = _marked(data, [style], highlight_ids=highlight_ids, flag_ids=None,
                          viewport=None, cap=lambda _name: max_features, compact=compact)
    return overlays[0]


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
                tiles: VectorTiles | None = None, offer_only: bool = False,
                highlight_key: str = "matches",
                pending_ids: Iterable[str] | None = None,
                tiles_js: str | None = None,
                ring_codes: Mapping[str, str] | None = None) -> MapParts:
    """Base map and overlays for one view.

    Parameters
    ----------
    data : from :func:`prepare` (its ``coords`` must suit ``basemap``).
    basemap : ``osm``, ``tianditu``, ``tianditu_img``, ``gaode`` or ``none``.
    style_mode : parcel styling: ``status``, ``efficiency`` (staff) or ``chain``.
    park_ids : show only these parks and what lies in them.
    highlight_ids : parcels drawn again on top with a bold outline (finder results, the
        selected parcel: ``highlight_key`` ``matches`` or ``selected`` names them).
    parcel_ids : show only these parcels.
    efficiency_classes : parcel_id → 亩均 class, for ``style_mode="efficiency"``.
    viewport : clip and simplify for this window; ``None`` = everything, full detail
        (GeoJSON path only: tiles need no viewport).
    max_features : most features per layer (largest first) on the GeoJSON path.
    min_pixels : with a ``viewport``, leave out polygons smaller than this many screen
        pixels at its zoom (GeoJSON path).
    tianditu_key : Tianditu ``tk`` (else the ``TIANDITU_KEY`` environment variable).
    layers : which map layers to draw.
    compact : short property keys ``f0, f1 …`` (the app) instead of the field names.
    flag_ids : projects drawn again with a red ring (overdue or stalled, staff maps).
    focus : (west, south, east, north) display degrees to open the map on.
    tiles : the county's published vector tiles (:func:`webmap.vtiles.publish`): parcels,
        red lines and parks are then painted in the browser from the tiles, every feature
        at every zoom, and ``viewport``, ``max_features`` and ``min_pixels`` do not apply.
    offer_only : with ``tiles``, ``parcel_ids`` are the parcels on offer: filter by the
        tiles' ``offer`` code instead of sending the ids.
    pending_ids : with ``tiles``, parcels changed since the archive was built when no
        delta archive could be made (``tiles.delta``): drawn on top from the server with the
        same style until the full rebuild lands.
    tiles_js : with ``tiles``, a JavaScript tile source read instead of the archive's URL
        (the HTML export's embedded archive, :func:`webmap.vtiles.embedded_source_js`).
    ring_codes : key project id → its worst step (``stuck``, ``overdue``, ``on_track``,
        ``done``; :func:`geo.ledger.worst_steps`): rings coloured by it (staff maps).

    The steps: the base map (:func:`_base_map`), the style definition (:func:`map_styles`),
    the layers (:func:`_tiled_layers` or :func:`_geojson_layers`), the marked overlays
    (:func:`_marked`), the name labels (parks on tiled maps, then towns without a basemap;
    :mod:`webmap.labels`) and the legend generated from the same style definition.
    """
    base = _base_map(data, basemap=basemap, tianditu_key=tianditu_key, focus=focus,
                     tiles=tiles)
    scope = _Scope(parks=None if park_ids is None else frozenset(map(str, park_ids)),
                   parcels=None if parcel_ids is None else frozenset(map(str, parcel_ids)))
    layer_styles = map_styles(data, style_mode=style_mode,
                              efficiency_classes=efficiency_classes, layers=layers,
                              highlight=highlight_ids is not None, highlight_key=highlight_key,
                              flagged=flag_ids is not None, ring_codes=ring_codes,
                              grouped=tiles is not None
                              and tiles.archive.overview_zoom is not None)

    def cap(name: str) -> int | None:
        return max_features.get(name) if isinstance(max_features, Mapping) else max_features

    if tiles is not None:
        _tiled_layers(data, layer_styles, scope, base, tiles, compact=compact,
                      offer_only=offer_only, tiles_js=tiles_js)
        overlays, counts = _pending(data, layer_styles, scope, pending_ids or (),
                                    compact=compact)
    else:
        overlays, counts = _geojson_layers(data, layer_styles, scope, viewport=viewport,
                                           cap=cap, min_pixels=min_pixels, compact=compact)
    marked, marked_counts = _marked(data, layer_styles, highlight_ids=highlight_ids,
                                    flag_ids=flag_ids, viewport=None if tiles else viewport,
                                    cap=cap, compact=compact)
    add_labels(base, (park_labels(data.layers.get("park"), scope.parks) if tiles is not None
                      else []) + (town_labels(data.context) if basemap == "none" else []))
    Legend(styles.legend_for(layer_styles, data.lang)).add_to(base)
    control = folium.LayerControl(collapsed=True, position="topright")
    return MapParts(base=base, overlays=overlays + marked, layer_control=control,
                    counts={**counts, **marked_counts})


def build_map(county: County | MapData, *, audience: str = "investor", lang: str = "zh",
              basemap: str = "osm", style_mode: str = "status",
              park_ids: Iterable[str] | None = None, offerable_only: bool = True,
              embed_tiles: bool = False, **options: object) -> folium.Map:
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
    embed_tiles : (a loaded county only) draw parcels, red lines, parks and projects from a
        vector-tile archive of exactly the shown features embedded in the page, with the
        renderer inlined and click popups carrying the card's facts; a county whose archive
        exceeds :data:`webmap.vtiles.EMBED_LIMIT_MB` (or a missing renderer) is drawn as
        GeoJSON instead.
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
    embedded = None
    if embed_tiles and not isinstance(county, MapData):
        embedded = _embedded_tiles(county, data, park_ids=park_ids,
                                   parcel_ids=options.get("parcel_ids"),  # type: ignore[arg-type]
                                   availability=availability)
    if embedded is not None:
        options.update(tiles=embedded[0], tiles_js=embedded[1])
    parts = build_parts(data, basemap=basemap, style_mode=style_mode, park_ids=park_ids,
                        **options)  # type: ignore[arg-type]
    if embedded is not None:
        InlineRenderer().add_to(parts.base)
        ParcelPopups(embedded[2]).add_to(parts.base)
    projects = styles.text("project", data.lang)
    for group in parts.overlays:
        group.add_to(parts.base)
        if group.layer_name == projects:
            ZoomGate(parts.base, group, styles.PROJECT_MIN_ZOOM).add_to(parts.base)
    parts.layer_control.add_to(parts.base)
    return parts.base


def _embedded_tiles(county: County, data: MapData, *, park_ids: Iterable[str] | None,
                    parcel_ids: Iterable[str] | None, availability: pd.DataFrame | None,
                    ) -> tuple[VectorTiles, str, dict[str, str]] | None:
    """An archive of the shown features only (these parks, these parcels), its in-page
    source and the shown parcels' popup facts; ``None`` when over the size limit or the
    renderer is not installed (the caller draws GeoJSON)."""
    import tempfile
    from pathlib import Path

    from layers.vector_tiles import build_archive
    from webmap.assets import AssetError
    from webmap.vtile_assets import installed

    if not installed():
        return None
    shown = _shown_county(county, park_ids=park_ids, parcel_ids=parcel_ids)
    with tempfile.TemporaryDirectory(prefix="investmap-export-") as tmp:
        archive = build_archive(shown, Path(tmp), coords=data.coords,
                                min_zoom=archive_min_zoom(county_bounds(county)),
                                availability=availability)
        if archive.parts or archive.size_bytes > EMBED_LIMIT_MB * 1024 * 1024:
            return None
        source = embedded_source_js(archive.path)
    try:
        InlineRenderer()
    except AssetError:
        return None
    layer = data.layers["parcel"]
    wanted = set(shown["parcel"]["parcel_id"].astype(str)) if "parcel" in shown.layers \
        else set()
    fields = POPUP_FIELDS["parcel"]
    aliases = [_tooltip_alias("parcel", f, data.lang) for f in fields]
    rows = layer.props.reindex(columns=list(fields)).fillna("")
    facts = {pid: "<table>" + "".join(
        f"<tr><th>{html.escape(alias)}</th><td>{value}</td></tr>"
        for alias, value in zip(aliases, row, strict=True)) + "</table>"
        for pid, row in zip(layer.ids, rows.itertuples(index=False), strict=True)
        if pid in wanted}
    return VectorTiles(archive=archive, url=""), source, facts


def _shown_county(county: County, *, park_ids: Iterable[str] | None,
                  parcel_ids: Iterable[str] | None) -> County:
    """The county cut to what a map shows: these parks and what lies in them, these
    parcels (red lines are kept whole: they carry no park)."""
    parks = None if park_ids is None else set(map(str, park_ids))
    only = None if parcel_ids is None else set(map(str, parcel_ids))
    layers = dict(county.layers)
    for name in ("park", "parcel", "project"):
        frame = layers.get(name)
        if frame is None:
            continue
        keep = pd.Series(True, index=frame.index)
        if parks is not None and "park_id" in frame:
            keep &= frame["park_id"].astype(str).isin(parks)
        if only is not None and name == "parcel":
            keep &= frame["parcel_id"].astype(str).isin(only)
        layers[name] = frame[keep]
    return County(layers=layers, policy=county.policy, source=county.source)

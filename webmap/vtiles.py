"""The county's vector tiles on the map: published under the app's static folder and painted
in the browser by protomaps-leaflet from the map's style definition.

:func:`publish` builds the archive (:func:`layers.vector_tiles.build_archive`, once per
store content) into ``static/tiles/vector/`` — the same static folder the offline basemap
uses (:data:`webmap.tiles.STATIC_TILES`) — which Streamlit serves at
``/app/static/tiles/vector/`` with byte ranges (206): the browser reads only the tiles of
its view, straight from the static route, and a pan or a zoom sends nothing to the server.

:class:`VectorTileLayer` adds the renderer to a folium map: one paint rule per style class
(:func:`webmap.styles.paint_spec`), the filters of the view (parks, parcel ids), in a pane
between the basemap and the vector overlays. Colours and filters live in the page's
script, so switching the colouring or the language draws the same archive again.

After an edit, :class:`TilePublisher` gives the full archive plus a small delta archive
of the changed features: both are sources of the one protomaps layer, every paint rule is
applied to each (the full archive's rules skip the changed and removed ids), so an edited
parcel shows in its new colour, and a deleted one — or one no longer on offer, for
investors — is gone, at once; the full archive is rebuilt in the background.
"""

from __future__ import annotations

import base64
import json
import logging
import os
import threading
import time
import weakref
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

import folium
import geopandas as gpd
import pandas as pd
import shapely
from branca.element import MacroElement
from folium.map import Layer
from jinja2 import Template

from layers.county import County
from layers.tile_delta import TileDelta, TileState, build_delta, tile_delta, tile_state
from layers.vector_tiles import MAX_ZOOM, TileArchive, TileBuildError, build_archive
from webmap import styles
from webmap.assets import AssetError
from webmap.display import Viewport
from webmap.features import script_json
from webmap.tiles import STATIC_TILES, STATIC_URL
from webmap.vtile_assets import bundle_path, bundle_url

_LOG = logging.getLogger(__name__)
STATIC_VECTOR: Path = STATIC_TILES / "vector"
"""Folder of the published archives (under the app's one static folder)."""
VECTOR_URL = f"{STATIC_URL}/vector"
FIRST_VIEW_WIDTH = 340
"""Narrowest map the first view is computed for (a phone): the lowest first-view zoom."""
ZOOM_MARGIN = 1
"""Zooms written below the first view (zooming out one step still shows every feature;
the map's ``minZoom`` stops there)."""
LEVEL_DIFF = 1
"""protomaps-leaflet reads data tiles one zoom below the display zoom (512-px tiles)."""
PARCEL_OUTLINE_MIN_ZOOM = 12
"""Parcels filled in their class colour get their outline from this map zoom on: below it a
parcel is a few pixels wide (100 m is under 2 px at z11) and stroking a million of them
only adds paint time; the fill still shows every parcel."""


@dataclass(frozen=True)
class VectorTiles:
    """A published archive as the map reads it; after an edit, with the delta archive of
    the changed features (``delta``, painted on top) and the ids the full archive must not
    paint any more (``hidden``: layer → ids, changed or removed)."""

    archive: TileArchive
    url: str
    delta: TileArchive | None = None
    delta_url: str = ""
    hidden: tuple[tuple[str, tuple[str, ...]], ...] = ()
    part_urls: tuple[str, ...] = ()
    """URLs of every part of an archive split into parts (``url`` is the first's)."""

    @property
    def urls(self) -> tuple[str, ...]:
        """URLs of the full archive's files (one, or each part)."""
        return self.part_urls or (self.url,)

    @property
    def base(self) -> VectorTiles:
        """The full archive alone, without the delta: what a map kept across edits is
        rendered with (the delta then reaches it through :func:`delta_overlay`)."""
        return replace(self, delta=None, delta_url="", hidden=())

    @property
    def min_display_zoom(self) -> int:
        """Lowest map zoom at which the archive holds data (the map's ``minZoom``)."""
        return self.archive.min_zoom + LEVEL_DIFF

    @property
    def max_zoom(self) -> int:
        return self.archive.max_zoom


def archive_min_zoom(bounds: tuple[float, float, float, float], height_px: int = 600) -> int:
    """The archive's first zoom for a county of these display bounds: the data zoom of the
    first view on the narrowest map, less :data:`ZOOM_MARGIN`."""
    first = Viewport.covering(bounds, width_px=FIRST_VIEW_WIDTH, height_px=height_px).zoom
    return max(0, min(first - LEVEL_DIFF - ZOOM_MARGIN, MAX_ZOOM))


def county_bounds(county: County) -> tuple[float, float, float, float]:
    """(west, south, east, north) WGS84 degrees of the county's parks and parcels (a box
    reprojected, not every shape: it only sets zooms)."""
    boxes = [county.layers[n].total_bounds for n in ("park", "parcel") if n in county.layers]
    west, south = min(b[0] for b in boxes), min(b[1] for b in boxes)
    east, north = max(b[2] for b in boxes), max(b[3] for b in boxes)
    box = gpd.GeoSeries([shapely.box(west, south, east, north)], crs=county.crs).to_crs(4326)
    w, s, e, n = box.total_bounds
    return float(w), float(s), float(e), float(n)


def publish(county: County, *, coords: str,
            bounds: tuple[float, float, float, float] | None = None,
            availability: pd.DataFrame | None = None,
            static_dir: Path = STATIC_VECTOR, url_base: str = VECTOR_URL,
            nice: int = 0) -> VectorTiles:
    """Build (or reuse) the county's archive in ``static_dir`` and give its URL.

    Parameters
    ----------
    county : the loaded county.
    coords : display coordinates, ``wgs84`` or ``gcj02`` (Gaode).
    bounds : (west, south, east, north) degrees of the county (sets the zooms; default
        :func:`county_bounds`).
    availability : the county's availability (the parcels' ``offer`` code).
    static_dir, url_base : where archives are published and the URL serving that folder.
    nice : the tiler's lower priority (a background rebuild).

    Raises
    ------
    layers.vector_tiles.TileBuildError
        The tiler is missing or failed.
    """
    archive = build_archive(county, static_dir, coords=coords,
                            min_zoom=archive_min_zoom(bounds or county_bounds(county)),
                            availability=availability, nice=nice)
    return VectorTiles(archive=archive, url=f"{url_base}/{archive.name}",
                       part_urls=tuple(f"{url_base}/{p.name}" for p in archive.parts))


def with_delta(tiles: VectorTiles, state: TileState, delta: TileDelta, *,
               static_dir: Path = STATIC_VECTOR, url_base: str = VECTOR_URL) -> VectorTiles:
    """``tiles`` with the delta archive of ``delta`` (:func:`layers.tile_delta.build_delta`
    from the new county version's ``state``, published beside the full archive) and its
    hidden ids.

    Raises
    ------
    layers.vector_tiles.TileBuildError
        The tiler is missing or failed.
    """
    archive = build_delta(state, delta, tiles.archive, static_dir)
    return replace(tiles, delta=archive,
                   delta_url="" if archive is None else f"{url_base}/{archive.name}",
                   hidden=tuple(delta.hidden.items()))


class VectorTileLayer(Layer):
    """The archive painted by protomaps-leaflet from ``layer_styles`` (see module doc).

    The full archive's files are the sources ``base0``, ``base1`` … (one per part of a
    split archive); a delta archive (``tiles.delta_url``) is the source ``delta``. Each
    style is painted from every base source (skipping ``tiles.hidden``), then from
    ``delta``, layer by layer, so the delta's parcels lie under the projects. A feature's
    class under a style is worked out once and kept on the decoded feature (a style has a
    rule per class: at a million parcels the filters would otherwise run once per class),
    once per delta: the layer's ``investmapDelta({url, hidden})`` (:class:`TileDeltaUpdate`)
    takes a new delta in the mounted map, rebuilding the rules (new memo names) and
    repainting in place; the spec's own delta is applied by the same code when the layer
    is made.

    Parameters
    ----------
    tiles : the published archive (or ``url`` of an embedded one, see ``url``).
    layer_styles : the map's style definition, bottom layer first.
    name : its entry in the layer control (one switch for parcels, red lines, parks).
    park_ids : show only these parks and what lies in them.
    parcel_ids : show only these parcels.
    url : overrides the archive's URL (the HTML export's embedded ``blob:`` archive is
        set by its script; pass the variable expression with ``url_js``).
    overlays : the styles drawn on top from the server (``marked``), listed in the spec
        beside the painted ones.
    """

    _template = Template(
        "{% macro script(this, kwargs) %}"
        "var {{ this.get_name() }} = (function () {"
        " var map = {{ this._parent.get_name() }};"
        " var spec = {{ this.spec_json }};"
        " var pane = map.getPane('investmapTiles') || map.createPane('investmapTiles');"
        " pane.style.zIndex = 350; pane.style.pointerEvents = 'none';"
        " var hidden = {}, generation = 0;"
        # a group's member ids, packed by layers.vector_tiles.pack_ids
        " function members(p) { if (p._ids) return p._ids; var before = '';"
        "  p._ids = String(p.parcel_ids).split('\\u001f').map(function (e, i) {"
        "   before = i === 0 ? e : before.slice(0, e.charCodeAt(0) - 48) + e.slice(1);"
        "   return before; });"
        "  return p._ids; }"
        " function fresh(layer, p) { var h = hidden[layer];"
        "  if (p[layer + '_ids'] !== undefined) return true;"  # a group: see the class doc
        "  return !h || !h.has(String(p[layer + '_id'])); }"
        " var sources = {};"
        " spec.urls.forEach(function (u, i) { sources['base' + i] ="
        "  {url: i === 0 ? {{ this.url_js }} : u, maxDataZoom: spec.max_zoom}; });"
        " function useDelta(d) { hidden = {};"  # the delta path: see the class doc
        "  d.hidden.forEach(function (h) { hidden[h[0]] = new Set(h[1]); });"
        "  if (d.url) { sources.delta = {url: d.url, maxDataZoom: spec.max_zoom}; }"
        "  else { delete sources.delta; }"
        "  spec.delta_url = d.url; spec.hidden = d.hidden; generation += 1; }"
        " useDelta({url: spec.delta_url, hidden: spec.hidden});"
        " var parks = spec.park_ids ? new Set(spec.park_ids) : null;"
        " var only = spec.parcel_ids ? new Set(spec.parcel_ids) : null;"
        " function shown(layer, p) {"
        "  if (parks && layer === 'park' && !parks.has(p.park_id)) return false;"
        "  if (parks && layer !== 'park' && layer !== 'redline' && !parks.has(p.park_id))"
        "   return false;"
        "  if (only && layer === 'parcel') { if (p.parcel_ids === undefined)"
        "   return only.has(p.parcel_id);"
        "   if (!members(p).some(function (id) { return only.has(id); })) return false; }"
        "  if (spec.offer_only && layer === 'parcel' && p.offer !== 1) return false;"
        "  return true; }"
        " function looked(s, v) { v = s.lookup[v];"
        "  return v === undefined || v === null ? '' : String(v); }"
        " function valueOf(s, p) { if (!s.key) return '';"
        "  if (s.lookup && s.key === 'parcel_id' && p.parcel_ids !== undefined) {"
        "   var ids = members(p), first = looked(s, ids[0]);"  # a group: its members' class
        "   for (var i = 1; i < ids.length; i++) if (looked(s, ids[i]) !== first)"
        "    return s.mixed || '';"
        "   return first; }"
        "  var v = p[s.key]; if (v === undefined || v === null) v = '';"
        "  return s.lookup ? looked(s, v) : String(v); }"
        " function paintRules() { var rules = [];"
        " spec.styles.forEach(function (s, si) { var memo = '_investmap' + generation + '_' + si;"
        "  Object.keys(sources).forEach(function (src) {"
        "  function classOf(f) { var v = f[memo]; if (v !== undefined) return v;"
        "   v = (src === 'delta' || fresh(s.layer, f.props)) && shown(s.layer, f.props)"
        "    ? valueOf(s, f.props) : null; f[memo] = v; return v; }"
        "  s.classes.forEach(function (c) {"
        "   var keep = function (z, f) { return classOf(f) === c.value; };"
        "   if (c.symbol === 'ring') {"
        "    rules.push({dataSource: src, dataLayer: s.layer, filter: keep, minzoom: s.min_zoom,"
        "     symbolizer: new protomapsL.CircleSymbolizer({radius: 4,"
        "      fill: 'rgba(255,255,255,0.35)', stroke: c.color, width: 2.5})}); return; }"
        "   if (c.symbol !== 'outline') {"
        "    rules.push({dataSource: src, dataLayer: s.layer, filter: keep, minzoom: s.min_zoom,"
        "     symbolizer: new protomapsL.PolygonSymbolizer({fill: c.color,"
        "      opacity: s.fill_opacity})}); }"
        "   var line = {color: c.color, width: s.weight, opacity: 0.9};"
        "   if (c.dash) { line.dash = c.dash.split(' ').map(Number); line.dashColor = c.color;"
        "    line.dashWidth = s.weight; line.color = 'rgba(0,0,0,0)'; }"
        "   var from = s.layer === 'parcel' && c.symbol === 'fill'"
        "    ? Math.max(s.min_zoom, spec.outline_min_zoom) : s.min_zoom;"
        "   rules.push({dataSource: src, dataLayer: s.layer, filter: keep, minzoom: from,"
        "    symbolizer: new protomapsL.LineSymbolizer(line)});"
        "  }); }); }); return rules; }"
        " var layer = protomapsL.leafletLayer({sources: sources, paintRules: paintRules(),"
        "  labelRules: [], pane: 'investmapTiles', attribution: ''});"
        " layer.addTo(map);"
        " function painted(d) { window.investmapDeltaPainted = {url: d.url,"
        "  at: performance.now()}; }"
        " layer.investmapDelta = function (d) {"
        "  var was = spec.delta_url;"
        "  if (d.url === was && JSON.stringify(d.hidden) === JSON.stringify(spec.hidden)) return;"
        "  useDelta(d);"
        "  if (!d.url) { layer.views.delete('delta'); }"
        "  else if (d.url !== was) { layer.views.set('delta', protomapsL.sourcesToViews("
        "   {sources: {delta: sources.delta}}).get('delta')); }"
        "  layer.paintRules = paintRules();"
        "  var keys = Object.keys(layer._tiles);"
        "  if (!layer._map || !keys.some(function (k) { return layer._tiles[k].loaded; })) {"
        "   if (layer._map) { layer.once('load', function () { painted(d); }); layer.redraw(); }"
        "   return; }"
        "  Promise.all(keys.map(function (k) {"  # in place: each canvas cleared as it is repainted
        "   var c = layer._wrapCoords(layer._keyToTileCoords(k));"
        "   return layer.renderTile(c, layer._tiles[k].el, layer._tileCoordsToKey(c)); }))"
        "   .then(function () { painted(d); }); };"
        " window.investmapPaint = spec; window.investmapTiles = layer;"
        " return layer; })();"
        "{% endmacro %}")

    def __init__(self, tiles: VectorTiles, layer_styles: Sequence[styles.LayerStyle], *,
                 name: str, park_ids: Iterable[str] | None = None,
                 parcel_ids: Iterable[str] | None = None, offer_only: bool = False,
                 url_js: str | None = None,
                 overlays: Sequence[styles.LayerStyle] = ()) -> None:
        super().__init__(name=name, overlay=True, control=True, show=True)
        self._name = "VectorTileLayer"
        spec = {"url": tiles.url, "urls": list(tiles.urls), "max_zoom": tiles.max_zoom,
                "outline_min_zoom": PARCEL_OUTLINE_MIN_ZOOM,
                "delta_url": tiles.delta_url,
                "hidden": [[layer, list(ids)] for layer, ids in tiles.hidden],
                "styles": styles.paint_spec(layer_styles),
                "park_ids": None if park_ids is None else sorted(map(str, park_ids)),
                "parcel_ids": None if parcel_ids is None else sorted(map(str, parcel_ids)),
                "offer_only": bool(offer_only),
                # drawn on top from the server (the selection, finder matches, flags): listed
                # so the page's whole style can be read beside its legend
                "overlays": styles.paint_spec(overlays)}
        self.spec_json = script_json(spec)
        self.url_js = url_js or "spec.url"


class TileDeltaUpdate(MacroElement):
    """Hands the map's :class:`VectorTileLayer` the delta of ``tiles`` (the delta archive's
    URL and the hidden ids) in place: the layer adds or replaces its ``delta`` source,
    filters the full archive again and repaints the tiles on screen, each canvas cleared
    only when its new paint is ready (no blank map, the view kept, the full archive's
    tiles not fetched again). The same delta again does nothing; without a tile layer
    (the GeoJSON path) nothing happens. When the tiles are painted, the page's
    ``window.investmapDeltaPainted`` is ``{url, at}`` (``at``: the frame's
    ``performance.now()``)."""

    _template = Template(
        "{% macro script(this, kwargs) %}"
        "(function () { var layer = window.investmapTiles;"
        " if (layer && layer.investmapDelta) { layer.investmapDelta({{ this.delta_json }}); }"
        "})();"
        "{% endmacro %}")

    def __init__(self, tiles: VectorTiles) -> None:
        super().__init__()
        self._name = "TileDeltaUpdate"
        self.delta_json = script_json({"url": tiles.delta_url, "hidden": [
            [layer, list(ids)] for layer, ids in tiles.hidden]})


def delta_overlay(tiles: VectorTiles) -> folium.FeatureGroup:
    """An overlay (not listed in the layer control) carrying the delta of ``tiles`` to a
    map rendered with ``tiles.base`` (:class:`TileDeltaUpdate`). streamlit-folium swaps
    overlays in the mounted map, so after an edit the map shows the change without being
    mounted again; its own script stays the same from one edit to the next."""
    group = folium.FeatureGroup(name="tiles-delta", control=False)
    TileDeltaUpdate(tiles).add_to(group)
    return group


def use_renderer(fmap: folium.Map) -> None:
    """Make ``fmap`` load the protomaps-leaflet bundle from the local static folder."""
    fmap.default_js = [*fmap.default_js, ("protomaps_leaflet", bundle_url())]


@dataclass(frozen=True)
class Published:
    """What a map shows now: the newest full archive, with the delta archive of what
    changed since it was built (``tiles.delta``, ``tiles.hidden``) — or, when no delta
    could be made, the ids of the changed parcels (``pending``: drawn on top from the
    server; they cannot erase a removed parcel)."""

    tiles: VectorTiles
    pending: tuple[str, ...] = ()


@dataclass(frozen=True)
class _Ready:
    """A full archive and what its county version's tiles hold (not the county itself:
    after an edit the app loads a new one, and two counties in memory at 1,000,000 parcels
    cost gigabytes)."""

    county: weakref.ref[County]
    state: TileState
    tiles: VectorTiles


COMPACT_ENV = "INVESTMAP_TILES_COMPACT_AFTER"
"""Seconds without a further edit before the full archive is rebuilt (default
:data:`COMPACT_AFTER`): a burst of edits costs one full rebuild."""
COMPACT_AFTER = 30.0
COMPACT_NICE = 10
"""Priority the background rebuild's tiler runs at (visitors' pages come first)."""
DELTA_LIMIT = 5000
"""Most changed or removed features a delta archive takes; a larger change (a whole layer
re-imported) shows the changed parcels from the server until the full rebuild lands."""


def compact_delay() -> float:
    """The full rebuild's delay (:data:`COMPACT_ENV`, seconds, default
    :data:`COMPACT_AFTER`; an unreadable value is logged and the default used)."""
    raw = os.environ.get(COMPACT_ENV, "").strip()
    if not raw:
        return COMPACT_AFTER
    try:
        return max(0.0, float(raw))
    except ValueError:
        _LOG.warning("%s=%r is not a number of seconds; using %s", COMPACT_ENV, raw,
                     COMPACT_AFTER)
        return COMPACT_AFTER


class TilePublisher:
    """Publishes the county's tiles per store version (one per app process).

    The first archive is built at once. After a store change (a new :class:`County`
    object: a reload after an edit makes one), :meth:`current` builds a **delta archive**
    of only the changed features against the full archive's county version (seconds, even
    at 100,000 parcels) and gives the full archive with it: the map hides the changed and
    removed ids in the full archive and paints the delta on top, so an edit — a deletion,
    a parcel no longer on offer — shows at once. The full archive is rebuilt ("compacted")
    in a background thread once no edit has come for ``compact_after`` seconds; when it
    lands, the next rerun draws it alone. A failed delta falls back to drawing the changed
    parcels from the server (``Published.pending``); a failed rebuild is logged and the
    last archive stays.
    """

    def __init__(self, static_dir: Path = STATIC_VECTOR, url_base: str = VECTOR_URL, *,
                 compact_after: float | None = None, delta_limit: int = DELTA_LIMIT) -> None:
        self._static_dir, self._url_base = static_dir, url_base
        self._compact_after = compact_delay() if compact_after is None else compact_after
        self._delta_limit = delta_limit
        self._lock = threading.Lock()
        self._compacting = threading.Lock()
        self._ready: dict[str, _Ready] = {}
        self._latest: dict[str, weakref.ref[County]] = {}
        self._shown: dict[str, tuple[_Ready, weakref.ref[County], Published]] = {}
        self._jobs = 0

    def current(self, county: County, *, coords: str,
                availability: pd.DataFrame | None = None) -> Published:
        """The tiles to draw ``county`` with now (see class doc).

        Raises
        ------
        layers.vector_tiles.TileBuildError
            The first build failed (later failures are logged; the last archive stays).
        """
        with self._lock:
            ready = self._ready.get(coords)
            shown = self._shown.get(coords)
        if ready is None:
            ready = self._built(county, coords, availability)
            with self._lock:
                self._ready.setdefault(coords, ready)
                self._latest.setdefault(coords, weakref.ref(county))
            return Published(ready.tiles)
        if ready.county() is county:
            return Published(ready.tiles)
        if shown is not None and shown[0] is ready and shown[1]() is county:
            return shown[2]
        published = self._over(ready, county, availability)
        with self._lock:
            self._shown[coords] = (ready, weakref.ref(county), published)
            latest = self._latest.get(coords)
            new_version = latest is None or latest() is not county
            self._latest[coords] = weakref.ref(county)
            if new_version:
                self._jobs += 1
        if new_version:
            timer = threading.Timer(self._compact_after, self._compact,
                                    args=(county, coords, availability))
            timer.name, timer.daemon = f"investmap-tiles-{coords}", True
            timer.start()
        return published

    def wait(self, timeout: float = 600.0) -> None:
        """Block until no full rebuild is waiting or under way (tests, benchmarks)."""
        deadline = time.monotonic() + timeout
        while self._jobs and time.monotonic() < deadline:
            time.sleep(0.05)

    def _built(self, county: County, coords: str, availability: pd.DataFrame | None,
               nice: int = 0) -> _Ready:
        tiles = publish(county, coords=coords, availability=availability,
                        static_dir=self._static_dir, url_base=self._url_base, nice=nice)
        return _Ready(weakref.ref(county), tile_state(county, availability), tiles)

    def _over(self, ready: _Ready, county: County,
              availability: pd.DataFrame | None) -> Published:
        """The full archive with the delta from its county version to ``county``."""
        state = tile_state(county, availability)
        delta = tile_delta(ready.state, state)
        if delta.size <= self._delta_limit:
            try:
                return Published(with_delta(ready.tiles, state, delta,
                                            static_dir=self._static_dir,
                                            url_base=self._url_base))
            except TileBuildError:
                _LOG.exception("delta archive failed; changed parcels drawn from the server")
        return Published(ready.tiles, delta.changed.get("parcel", ()))

    def _compact(self, county: County, coords: str,
                 availability: pd.DataFrame | None) -> None:
        """Rebuild the full archive of ``county`` unless a newer version came meanwhile
        (its own rebuild follows); one rebuild at a time."""
        try:
            with self._compacting:
                with self._lock:
                    latest = self._latest.get(coords)
                    if latest is None or latest() is not county:
                        return
                ready = self._built(county, coords, availability, nice=COMPACT_NICE)
                with self._lock:
                    self._ready[coords] = ready
        except Exception:  # noqa: BLE001 - a failed rebuild keeps the last archive and delta
            _LOG.exception("vector tiles rebuild failed; the previous archive stays")
        finally:
            with self._lock:
                self._jobs -= 1


EMBED_LIMIT_MB = 40.0
"""Largest archive the HTML export embeds (base64 adds a third: a ~55 MB page, which a
browser opens in seconds from disk). A bigger county is exported per park (``--park``);
above the limit the export falls back to GeoJSON."""


def embedded_source_js(path: Path) -> str:
    """A JavaScript expression of an in-page tile source holding every tile of the archive
    at ``path`` (base64, still gzip-compressed; unpacked in the browser with
    ``DecompressionStream``) with the one method protomaps-leaflet asks a PMTiles source
    for (``getZxy``): the exported map needs no server and no file beside it."""
    from pmtiles.reader import MmapSource, all_tiles

    tiles: dict[str, str] = {}
    with path.open("rb") as handle:
        for (z, x, y), data in all_tiles(MmapSource(handle)):
            tiles[f"{z}/{x}/{y}"] = base64.b64encode(data).decode("ascii")
    return ("(function () { var t = " + json.dumps(tiles) + ";"
            " function bytes(s) { var b = atob(s), a = new Uint8Array(b.length);"
            "  for (var i = 0; i < b.length; i++) { a[i] = b.charCodeAt(i); } return a; }"
            " return {getZxy: function (z, x, y) {"
            "  var s = t[z + '/' + x + '/' + y]; if (!s) { return Promise.resolve(undefined); }"
            "  var a = bytes(s); if (a[0] !== 0x1f || a[1] !== 0x8b) {"
            "   return Promise.resolve({data: a.buffer}); }"
            "  return new Response(new Blob([a]).stream().pipeThrough("
            "   new DecompressionStream('gzip'))).arrayBuffer()"
            "   .then(function (d) { return {data: d}; }); }}; })()")


class InlineRenderer(MacroElement):
    """The protomaps-leaflet bundle inlined in the page's head (the exported map), base64
    and run by a global ``eval`` (strict code keeps its ``var`` to itself, so the bundle's
    global is set explicitly): the file loads nothing from elsewhere, and the bundle's
    code words are not page text (the export's confidential-word scan reads the page)."""

    _template = Template(
        "{% macro header(this, kwargs) %}"
        "<script>(0, eval)(new TextDecoder().decode(Uint8Array.from("
        "atob('{{ this.bundle }}'), function (c) { return c.charCodeAt(0); }))"
        " + '\\nwindow.protomapsL = protomapsL;');</script>"
        "{% endmacro %}")

    def __init__(self) -> None:
        super().__init__()
        self._name = "InlineRenderer"
        path = bundle_path()
        if not path.is_file():
            raise AssetError(f"{path} missing; fix: run `investmap assets`")
        self.bundle = base64.b64encode(path.read_bytes()).decode("ascii")


class ParcelPopups(MacroElement):
    """Click popups for parcels painted from tiles (canvas has no click events): the
    clicked point's parcel is looked up in the loaded tiles and its facts (escaped HTML,
    shown parcels only) opened in a popup."""

    _template = Template(
        "{% macro script(this, kwargs) %}"
        "(function () { var map = {{ this._parent.get_name() }},"
        " facts = {{ this.facts_json }};"
        " map.on('click', function (e) { var layer = window.investmapTiles;"
        "  if (!layer || !map.hasLayer(layer)) { return; }"
        "  var found = layer.queryTileFeaturesDebug(e.latlng.lng, e.latlng.lat, 4);"
        "  var hit = null; found.forEach(function (fs) { fs.forEach(function (f) {"
        "   var id = f.feature.props.parcel_id; if (f.layerName === 'parcel' && facts[id]) {"
        "    hit = id; } }); });"
        "  if (hit) { L.popup().setLatLng(e.latlng).setContent(facts[hit]).openOn(map); }"
        " }); })();"
        "{% endmacro %}")

    def __init__(self, facts: dict[str, str]) -> None:
        super().__init__()
        self._name = "ParcelPopups"
        self.facts_json = script_json(facts)

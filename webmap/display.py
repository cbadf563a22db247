"""Display-ready layers: whitelisted columns as escaped text, geometry in the display CRS, a
spatial index, and level-of-detail selection (viewport clip, per-zoom simplification,
coordinate rounding, a feature cap) so that no map update grows past a few megabytes.

Display coordinates are WGS84, or GCJ-02 for Gaode tiles (shared/domain.md §6); they are
computed on copies and never stored.
"""

from __future__ import annotations

import html
import json
import math
import threading
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from layers.registry import LayerSpec

COORDS: tuple[str, ...] = ("wgs84", "gcj02")


@dataclass(frozen=True)
class Viewport:
    """The visible map window in display degrees, and the zoom level."""

    west: float
    south: float
    east: float
    north: float
    zoom: int

    @classmethod
    def from_st_folium(cls, value: Mapping | None) -> Viewport | None:
        """Read ``bounds`` and ``zoom`` as returned by ``st_folium``; ``None`` when absent."""
        if not value:
            return None
        bounds, zoom = value.get("bounds") or {}, value.get("zoom")
        try:
            sw, ne = bounds["_southWest"], bounds["_northEast"]
            box = (float(sw["lng"]), float(sw["lat"]), float(ne["lng"]), float(ne["lat"]))
        except (KeyError, TypeError, ValueError):
            return None
        if zoom is None or not all(math.isfinite(v) for v in box) or box[0] >= box[2]:
            return None
        return cls(*box, zoom=int(zoom))

    @classmethod
    def covering(cls, bounds: tuple[float, float, float, float], *, width_px: int = 900,
                 height_px: int = 600) -> Viewport:
        """The window a map of ``width_px`` × ``height_px`` shows when fitted to ``bounds``
        (the first view, before the browser reports its own)."""
        west, south, east, north = bounds
        span_x = max(east - west, 1e-9)
        span_y = max((north - south) / max(math.cos(math.radians((north + south) / 2)), 0.1),
                     1e-9)
        zoom = math.floor(min(math.log2(360 * width_px / (256 * span_x)),
                              math.log2(360 * height_px / (256 * span_y))))
        return cls(west, south, east, north, zoom=max(0, min(zoom, 19)))

    def expanded(self, factor: float = 0.5) -> tuple[float, float, float, float]:
        """The window grown by ``factor`` of its size on every side (small pans need no
        new data)."""
        dx, dy = (self.east - self.west) * factor, (self.north - self.south) * factor
        return (self.west - dx, self.south - dy, self.east + dx, self.north + dy)


def pixel_degrees(zoom: int) -> float:
    """Width of one screen pixel in degrees of longitude at ``zoom`` (256-px tiles)."""
    return 360.0 / (256 * 2 ** zoom)


def display_text(value: object, *, decimals: int = 2) -> str:
    """A cell as HTML-escaped text (lists joined, numbers rounded, dates as ISO)."""
    if isinstance(value, list | tuple):
        text = ", ".join(str(v) for v in value)
    elif value is None or value is pd.NaT or (isinstance(value, float) and math.isnan(value)):
        text = ""
    elif isinstance(value, float | np.floating):
        text = f"{value:,.{decimals}f}"
    elif isinstance(value, pd.Timestamp):
        text = value.strftime("%Y-%m-%d")
    else:
        text = str(value)
    return html.escape(text)


def per_distinct(values: Sequence[object] | pd.Series,
                 fn: Callable[[object], str]) -> np.ndarray:
    """``fn`` applied once per distinct value and spread back to every row (missing values
    — None, NaN, NaT, NA — get ``fn(None)``). A column of 100,000 cells with a few hundred
    distinct values costs a few hundred calls instead of 100,000.

    List cells are compared as tuples (``fn`` receives the tuple)."""
    series = values if isinstance(values, pd.Series) else pd.Series(list(values), dtype=object)
    try:
        codes, uniques = pd.factorize(series, use_na_sentinel=True)
    except TypeError:  # lists in the cells
        keys = pd.Series([tuple(v) if isinstance(v, list | np.ndarray) else v for v in series],
                         dtype=object)
        codes, uniques = pd.factorize(keys, use_na_sentinel=True)
    texts = np.empty(len(uniques) + 1, dtype=object)
    texts[:-1] = [fn(u) for u in uniques]
    texts[-1] = fn(None)  # code -1: missing
    return texts[codes]


def member_of(ids: np.ndarray, wanted: Iterable[object], *,
              position: Mapping[str, int] | None = None) -> np.ndarray:
    """Boolean mask: which ``ids`` are in ``wanted``.

    With ``position`` (id → row, ids unique) only ``wanted`` is walked: 30,000 offerable
    ids against 100,000 parcels in ~5 ms, where hashing every id again (``pd.Index.isin``)
    took 0.17 s per map view; without it, a hash look-up over ``ids`` (``np.isin`` on
    object arrays compares every pair: 78 s)."""
    if position is None or len(position) != len(ids):
        return pd.Index(ids).isin(list(wanted))
    mask = np.zeros(len(ids), dtype=bool)
    rows = [row for row in map(position.get, map(str, wanted)) if row is not None]
    mask[rows] = True
    return mask


def to_display_coords(geoms: np.ndarray, crs: object, coords: str) -> np.ndarray:
    """Geometries from ``crs`` to WGS84 or GCJ-02 degrees (display only)."""
    if coords not in COORDS:
        raise ValueError(f"unknown display coordinates {coords!r}; use one of {COORDS}")
    out = gpd.GeoSeries(geoms, crs=crs).to_crs(4326).values
    if coords == "gcj02":
        from geo.chinacoords import transform_geometries, wgs84_to_gcj02

        out = transform_geometries(np.asarray(out), wgs84_to_gcj02)
    return np.asarray(out)


@dataclass
class Selection:
    """Rows of a :class:`DisplayLayer` chosen for one map update."""

    index: np.ndarray
    in_view: int

    @property
    def shown(self) -> int:
        return int(len(self.index))


KEEP_SIMPLIFIED_MAX_ZOOM = 16
"""Simplified shapes are kept per zoom up to this one (half a pixel ≈ 1 m at zoom 16);
beyond, simplifying removes little and keeping would copy every parcel once more per zoom."""


class DisplayLayer:
    """One registry layer prepared once for display.

    Parameters
    ----------
    frame : the layer in the working CRS.
    spec : its registry spec.
    columns : columns to carry as properties; with ``audience="investor"`` each must be a
        public column of ``spec`` (whitelist) or the call raises.
    audience : ``investor`` or ``staff``.
    coords : ``wgs84`` or ``gcj02`` display coordinates.
    extra : derived display columns (already public, e.g. labels), aligned with ``frame``.
    """

    def __init__(self, frame: gpd.GeoDataFrame, spec: LayerSpec, *, columns: Sequence[str],
                 audience: str, coords: str = "wgs84",
                 extra: Mapping[str, Sequence[object]] | None = None) -> None:
        allowed = spec.public_columns if audience == "investor" else spec.column_names
        refused = [c for c in columns if c not in allowed]
        if refused:
            raise ValueError(f"layer {spec.name!r}: columns {refused} may not be shown to "
                             f"{audience}s; allowed: {allowed}")
        present = [c for c in columns if c in frame.columns]
        valid = ~(frame.geometry.isna() | frame.geometry.is_empty).to_numpy()
        frame = frame.loc[valid]
        self.name = spec.name
        self.ids = frame[spec.id_column].astype(str).to_numpy()
        self.props = pd.DataFrame({c: per_distinct(frame[c], display_text) for c in present},
                                  index=pd.RangeIndex(len(frame)))
        for key, values in (extra or {}).items():
            column = pd.Series(list(values), dtype=object)[valid].reset_index(drop=True)
            self.props[key] = per_distinct(column, display_text)
        self.raw = frame.drop(columns=frame.geometry.name).reset_index(drop=True)
        self.geoms = to_display_coords(frame.geometry.values, frame.crs, coords)
        if spec.geometry == "polygon":
            self.weight = np.asarray(frame.geometry.area.to_numpy(), dtype=float)
        else:
            self.weight = np.ones(len(frame))
        box = shapely.bounds(self.geoms)
        self.extent = np.nan_to_num(np.maximum(box[:, 2] - box[:, 0], box[:, 3] - box[:, 1]),
                                    nan=0.0)
        self.is_point = spec.geometry == "point"
        self.tree = shapely.STRtree(self.geoms)
        self.position = {pid: i for i, pid in enumerate(self.ids)}
        self._simplified: dict[int, np.ndarray] = {}  # zoom → geometries (None: not yet)
        self._bounds: tuple[float, float, float, float] | None = None
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self.ids)

    def bounds(self) -> tuple[float, float, float, float]:
        """(west, south, east, north) of the whole layer in display degrees (computed once:
        every map build opens on it, a tenth of a second at a million parcels)."""
        if self._bounds is None:
            west, south, east, north = shapely.total_bounds(self.geoms)
            self._bounds = (float(west), float(south), float(east), float(north))
        return self._bounds

    def mask_of(self, wanted: Iterable[object]) -> np.ndarray:
        """Boolean mask of the rows whose id is in ``wanted`` (see :func:`member_of`)."""
        return member_of(self.ids, wanted, position=self.position)

    def select(self, *, viewport: Viewport | None = None, mask: np.ndarray | None = None,
               max_features: int | None = None, min_pixels: float = 0.0) -> Selection:
        """Rows inside the (expanded) viewport, restricted by ``mask``, at least
        ``min_pixels`` screen pixels wide or tall at the viewport's zoom (polygons), largest
        first up to ``max_features``."""
        if viewport is None:
            idx = np.arange(len(self))
        else:
            idx = np.sort(self.tree.query(shapely.box(*viewport.expanded())))
        if mask is not None:
            idx = idx[mask[idx]]
        in_view = len(idx)
        if viewport is not None and min_pixels > 0 and not self.is_point:
            idx = idx[self.extent[idx] >= min_pixels * pixel_degrees(viewport.zoom)]
        if max_features is not None and in_view > max_features:
            order = np.argsort(-self.weight[idx], kind="stable")[:max_features]
            idx = np.sort(idx[order])
        return Selection(index=idx, in_view=in_view)

    def simplified(self, index: np.ndarray, zoom: int) -> np.ndarray:
        """Rows ``index`` simplified to half a screen pixel at ``zoom``, each simplified
        once per zoom and kept up to :data:`KEEP_SIMPLIFIED_MAX_ZOOM` (panning and clicking
        at one zoom redraw the same shapes: at 100,000 parcels simplifying the view was
        0.1 s of every map update)."""
        index = np.asarray(index, dtype=np.intp)
        tolerance = pixel_degrees(zoom) * 0.5
        if zoom > KEEP_SIMPLIFIED_MAX_ZOOM:  # street level: a few parcels, little to gain
            return shapely.simplify(self.geoms[index], tolerance, preserve_topology=True)
        with self._lock:
            kept = self._simplified.setdefault(zoom, np.full(len(self), None, dtype=object))
            todo = index[shapely.is_missing(kept[index])]
            if len(todo):
                kept[todo] = shapely.simplify(self.geoms[todo], tolerance,
                                              preserve_topology=True)
            return kept[index]

    def feature_collection(self, index: np.ndarray, *, fields: Sequence[str],
                           viewport: Viewport | None = None,
                           keys: Sequence[str] | None = None) -> dict:
        """GeoJSON of rows ``index`` with ``fields`` (escaped text) plus ``i`` (row number)
        and ``L`` (layer name) for click look-ups; simplified and rounded for ``viewport``'s
        zoom, clipped to its expanded window. ``keys`` renames the fields in the output."""
        if viewport is not None:
            pixel = pixel_degrees(viewport.zoom)
            geoms = shapely.clip_by_rect(self.simplified(index, viewport.zoom),
                                         *viewport.expanded())
            decimals = max(4, min(7, math.ceil(-math.log10(pixel)) + 1))
        else:
            geoms = self.geoms[index]
            decimals = 6
        geoms = shapely.transform(geoms, lambda xy: np.round(xy, decimals))
        keep = ~(shapely.is_missing(geoms) | shapely.is_empty(geoms))
        rows, geoms = np.asarray(index)[keep], geoms[keep]
        props = self.props.iloc[rows][list(fields)]
        if keys is not None:
            props = props.set_axis(list(keys), axis=1)
        props = props.assign(i=rows, L=self.name)
        # Geometry serialised in C (shapely.to_geojson) rather than per-feature dicts.
        features = ",".join(
            f'{{"type":"Feature","properties":{json.dumps(p, ensure_ascii=False)},'
            f'"geometry":{g}}}'
            for p, g in zip(props.to_dict("records"), shapely.to_geojson(geoms), strict=True))
        return json.loads(f'{{"type":"FeatureCollection","features":[{features}]}}')

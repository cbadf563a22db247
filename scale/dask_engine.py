"""Red-line availability on a Dask cluster, with the local engine's kernel.

The pipeline (shared/pitfalls.md: dask-geopandas joins every partition pair unless both sides
are spatially partitioned):

1. Read parcels and red lines (:func:`scale.partitioned.read_layer`: every partition through
   the one validator) and stage them as validated GeoParquet in a scratch folder; each part's
   bounding box is then known from the file metadata.
2. Hilbert ``spatial_shuffle`` both layers (parcels into N partitions, red lines into M) and
   stage them again, so that neighbouring features share a partition and every partition's
   bounds are tight and known without reading it.
3. Assign red lines to parcel partitions with an STRtree over the red-line partitions' bounds:
   parcel partition *i* receives the red-line partitions whose bounds meet *i*'s bounds, and its
   task keeps the polygons that intersect *i*'s total bounds. A polygon spanning several parcel
   partitions goes to each of them — no loss — and since every parcel lives in exactly one
   partition and the kernel dissolves per category per call, nothing is counted twice. Every
   boundary polygon touching a parcel reaches that parcel's partition, which keeps
   ``conflict="outside"`` categories (城镇开发边界) exact.
4. Per parcel partition, the local engine's kernel: :func:`geo.overlap.overlap_table` then
   :func:`geo.availability.verdicts` — the two steps of :func:`geo.availability.assess` — over
   the categories present in the whole red-line layer (so a partition without any urban
   boundary polygon still reports its parcels as outside the boundary, as the local engine
   does).
"""

from __future__ import annotations

import contextlib
import importlib
import json
import math
import threading
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import dask
import dask.dataframe as dd
import dask_geopandas
import geopandas as gpd
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import shapely
from distributed.diagnostics.plugin import WorkerPlugin
from distributed.scheduler import KilledWorker

from geo.availability import ParcelQuery, SupplyRules, verdicts
from geo.errors import InvestMapError
from geo.overlap import overlap_table
from geo.redlines import RedlineCategory
from layers.policy import Policy
from layers.supply import AVAILABILITY_COLUMNS
from scale.partitioned import arrow_schema, read_layer, write_dataset

ORDER_COLUMN = "_order"
"""Input position of each parcel (partition × 2⁴⁰ + row), to restore the input order."""

PARCELS_PER_PARTITION = 50_000
"""Default parcel partition size when ``npartitions`` is not given."""

SAMPLE_ROWS = 200
"""Rows of the first staged parcel partition run through the kernel to fix the output schema."""

REDLINES_PER_PARTITION = 20_000
"""Red-line partition size: smaller partitions mean tighter bounds and less replication."""

LOCAL_WORKERS = 2
LOCAL_MEMORY_LIMIT = "4GiB"
"""Per-worker memory limit of the local cluster: Dask spills to disk at 70 % of it."""


@contextmanager
def cluster(scheduler: str | None = None, *, n_workers: int = LOCAL_WORKERS,
            memory_limit: str = LOCAL_MEMORY_LIMIT,
            guard: bool = True) -> Iterator[Any]:
    """A ``distributed.Client``: connected to ``scheduler``, or to a new local cluster.

    The local cluster runs ``n_workers`` worker processes with one thread each on loopback,
    without a dashboard, each limited to ``memory_limit`` (spilling to disk before it).
    ``guard`` stops the computation when the workers keep restarting (:func:`restart_guard`);
    only a host that lends its cluster to other commands (the benchmark) turns it off.
    """
    guarded = restart_guard if guard else _unguarded
    from distributed import Client, LocalCluster

    if scheduler:
        with Client(scheduler) as client:
            client.register_plugin(GeoDispatchPlugin())
            with guarded(client):
                yield client
        return
    # no dashboard; the scheduler's small HTTP endpoint takes a free loopback port
    http = {"dashboard": False, "dashboard_address": "127.0.0.1:0"}
    with LocalCluster(n_workers=n_workers, threads_per_worker=1, processes=True,
                      host="127.0.0.1", dashboard_address=None, scheduler_kwargs=http,
                      memory_limit=memory_limit) as local, Client(local) as client:
        client.register_plugin(GeoDispatchPlugin())
        with guarded(client):
            yield client


@contextmanager
def _unguarded(client: Any) -> Iterator[None]:
    yield


RESTARTS_PER_WORKER = 3
"""Worker restarts tolerated per worker of the cluster before a command gives up (see
:func:`restart_guard`); one killed worker (a lost machine) is well within it."""


class WorkersRestarting(InvestMapError):
    """Dask's workers kept being restarted (out of memory) and the command gave up."""


@contextmanager
def restart_guard(client: Any, *, per_worker: int = RESTARTS_PER_WORKER,
                  interval: float = 1.0) -> Iterator[None]:
    """Stop a computation whose workers keep being restarted, with a message instead of a wait.

    When a worker's memory passes 95 % of its limit its nanny restarts it; Dask re-runs the
    lost tasks. A task that dies *while running* on 4 workers ends the run with
    ``KilledWorker`` (:func:`worker_lost`), but results lost *after* they were computed are
    recomputed without limit: with memory too short for the data, the workers restart over and
    over and the command never answers (measured: 17 restarts in 300 s at 1M parcels,
    700 MiB per worker). The guard counts the workers that join after the start (a restarted
    worker joins under a new address); past ``per_worker`` × the starting number it closes the
    client, which cancels the computation, and :class:`WorkersRestarting` says why. Never a
    wrong answer either way: Dask re-runs every lost task.

    Raises
    ------
    WorkersRestarting
        once the limit was passed (whatever the computation raised then).
    """
    first = set(client.scheduler_info()["workers"])
    limit = per_worker * max(1, len(first))
    joined: set[str] = set()
    done, t0 = threading.Event(), time.perf_counter()
    tripped: list[float] = []

    def watch() -> None:
        while not done.wait(interval):
            with contextlib.suppress(Exception):  # the client may be closing
                joined.update(set(client.scheduler_info()["workers"]) - first)
            if len(joined) > limit:
                tripped.append(time.perf_counter() - t0)
                with contextlib.suppress(Exception):
                    client.close()
                return

    watcher = threading.Thread(target=watch, name="investmap-restart-guard", daemon=True)
    watcher.start()
    try:
        yield
    except BaseException:
        if not tripped:
            raise
    finally:
        done.set()
        watcher.join(timeout=5)
    if tripped:
        raise WorkersRestarting(
            f"the Dask workers were restarted {len(joined)} times in {tripped[0]:.0f} s, most "
            f"likely out of memory; the command stopped and no answer was written. Fix: give "
            f"the workers more memory (dask worker --memory-limit) or cut the data into more, "
            f"smaller partitions (--partitions N)")


class GeoDispatchPlugin(WorkerPlugin):
    """Loads dask-geopandas on every worker, present and future.

    Shuffles move partitions as Arrow tables; only dask-geopandas' registered conversion
    turns the WKB column back into geometry, and a worker that has not imported it (a
    ``dask worker`` process, or a worker of a command-line run) would fail with "Input must
    be valid geometry objects: b'...'".
    """

    name = "investmap-geo-dispatch"

    def setup(self, worker: Any) -> None:
        importlib.import_module("dask_geopandas")


@dataclass(frozen=True)
class Staged:
    """A layer staged as a partitioned GeoParquet dataset with known partition bounds."""

    frame: dask_geopandas.GeoDataFrame
    bounds: np.ndarray  # (npartitions, 4) xmin, ymin, xmax, ymax; NaN for empty parts
    rows: int
    schema: pa.Schema


def stage(frame: dd.DataFrame, folder: Path, schema: pa.Schema) -> Staged:
    """Write ``frame`` to ``folder`` and read it back with its partitions' bounds."""
    write_dataset(frame, folder, schema=schema)
    files = sorted(folder.glob("*.parquet"), key=_part_number)
    staged = dask_geopandas.read_parquet(files, split_row_groups=False)  # one partition a file
    metas = [pq.read_metadata(f) for f in files]
    bounds = np.array([_bounds(m) for m in metas], dtype="float64").reshape(-1, 4)
    return Staged(staged, bounds, sum(m.num_rows for m in metas), schema)


def _bounds(metadata: pq.FileMetaData) -> list[float]:
    """Bounding box of a GeoParquet part from its metadata (NaN when it has no rows)."""
    geo = json.loads((metadata.metadata or {}).get(b"geo", b"{}"))
    column = geo.get("columns", {}).get(geo.get("primary_column", ""), {})
    box = column.get("bbox")
    return [float(v) for v in box] if metadata.num_rows and box else [np.nan] * 4


def _part_number(path: Path) -> int:
    digits = "".join(ch for ch in path.stem if ch.isdigit())
    return int(digits) if digits else 0


def spatially_partition(staged: Staged, npartitions: int, folder: Path) -> Staged:
    """Hilbert ``spatial_shuffle`` into ``npartitions`` and stage the result in ``folder``."""
    npartitions = max(1, min(npartitions, staged.rows))
    frame = staged.frame
    if npartitions == 1:  # one partition needs no order (and set_index mis-aligns here)
        return stage(frame.repartition(npartitions=1), folder, staged.schema)
    frame.spatial_partitions = gpd.GeoSeries(shapely.box(*staged.bounds.T), crs=frame.crs)
    shuffled = frame.spatial_shuffle(by="hilbert", npartitions=npartitions,
                                     calculate_partitions=False)
    return stage(shuffled.reset_index(drop=True), folder, staged.schema)


def assign(parcel_bounds: np.ndarray, redline_bounds: np.ndarray) -> list[np.ndarray]:
    """Red-line partitions whose bounds meet each parcel partition's bounds (STRtree query).

    Returns one sorted index array per parcel partition; empty partitions (NaN bounds) meet
    nothing.
    """
    out: list[np.ndarray] = [np.empty(0, dtype=np.int64) for _ in range(len(parcel_bounds))]
    have_r = ~np.isnan(redline_bounds).any(axis=1)
    have_p = ~np.isnan(parcel_bounds).any(axis=1)
    if not have_r.any() or not have_p.any():
        return out
    r_index = np.flatnonzero(have_r)
    tree = shapely.STRtree(shapely.box(*redline_bounds[have_r].T))
    p_index = np.flatnonzero(have_p)
    src, dst = tree.query(shapely.box(*parcel_bounds[have_p].T), predicate="intersects")
    for i in np.unique(src):
        out[p_index[i]] = np.sort(r_index[dst[src == i]])
    return out


def present_categories(redlines: dd.DataFrame, rules: SupplyRules,
                       ) -> dict[str, RedlineCategory]:
    """The rules' categories that occur in the red-line layer (as the local ``assess`` judges)."""
    found = set(redlines["category"].dropna().astype(str).unique().compute())
    return {name: cat for name, cat in rules.categories.items() if name in found}


def assess_partition(parcels: gpd.GeoDataFrame, redline_parts: list[gpd.GeoDataFrame],
                     redline_meta: gpd.GeoDataFrame, categories: Mapping[str, RedlineCategory],
                     rules: SupplyRules, query: ParcelQuery | None) -> gpd.GeoDataFrame:
    """The local engine's kernel on one parcel partition and the red lines meeting it.

    Red lines are cut down to those intersecting the partition's total bounds, then
    :func:`geo.overlap.overlap_table` and :func:`geo.availability.verdicts` run exactly as in
    :func:`geo.availability.assess`. Reasons are ``;``-joined codes and the parcel geometry is
    kept, as in ``investmap availability --engine local``.
    """
    redlines = pd.concat(redline_parts) if redline_parts else redline_meta
    redlines = gpd.GeoDataFrame(redlines, geometry=redline_meta.geometry.name,
                                crs=redline_meta.crs)
    if len(parcels) and len(redlines):
        area = shapely.box(*parcels.total_bounds)
        hit = redlines.sindex.query(area, predicate="intersects")
        redlines = redlines.iloc[np.sort(hit)]
    overlaps = overlap_table(parcels, redlines, categories, threads=1)
    table = verdicts(parcels, overlaps, rules, query=query)
    table["reasons"] = table["reasons"].map(";".join).astype(object)
    table[ORDER_COLUMN] = parcels[ORDER_COLUMN].to_numpy()
    return gpd.GeoDataFrame(table, geometry=parcels.geometry.values, crs=parcels.crs)


def assess_dataset(parcels_path: str | Path, redlines_path: str | Path, policy: Policy,
                   rules: SupplyRules, scratch: Path, *, query: ParcelQuery | None = None,
                   npartitions: int | None = None, redline_partitions: int | None = None,
                   read_partitions: int | None = None) -> AssessedDataset:
    """Availability of every parcel as a lazy Dask GeoDataFrame (one partition per task).

    Parameters
    ----------
    parcels_path, redlines_path : GeoParquet files/datasets or GeoPackages.
    policy : validated policy (working CRS, categories for validation).
    rules : supply rules (:func:`layers.supply.supply_rules`).
    scratch : folder for the staged datasets; it must be visible to every worker (shared
        storage on a multi-machine cluster). Staging writes run while this function runs.
    query : optional investor query, as for the local engine.
    npartitions : parcel partitions (default: one per :data:`PARCELS_PER_PARTITION`).
    redline_partitions : red-line partitions (default: one per
        :data:`REDLINES_PER_PARTITION`).
    read_partitions : partitions when reading a GeoPackage (default: 2 per worker).

    Returns
    -------
    AssessedDataset
        ``frame``: columns as :func:`geo.availability.assess` plus ``geometry`` and
        :data:`ORDER_COLUMN`, ``reasons`` as ``;``-joined codes; ``schema`` to write it with.
    """
    parcels = read_layer(parcels_path, "parcel", policy=policy, npartitions=read_partitions,
                         columns=AVAILABILITY_COLUMNS["parcel"])
    redlines = read_layer(redlines_path, "redline", policy=policy,
                          working_crs=parcels.frame.crs, npartitions=read_partitions,
                          columns=AVAILABILITY_COLUMNS["redline"])
    ordered = parcels.frame.map_partitions(_with_order, meta=_with_order(parcels.frame._meta))
    p_in = stage(ordered, scratch / "parcel-validated",
                 arrow_schema(_with_order(parcels.sample)))
    r_in = stage(redlines.frame, scratch / "redline-validated", arrow_schema(redlines.sample))
    categories = present_categories(r_in.frame, rules)
    n_p = npartitions or math.ceil(p_in.rows / PARCELS_PER_PARTITION)
    p_sp = spatially_partition(p_in, n_p, scratch / "parcel-shuffled")
    if r_in.rows:
        n_r = redline_partitions or math.ceil(r_in.rows / REDLINES_PER_PARTITION)
        r_sp = spatially_partition(r_in, n_r, scratch / "redline-shuffled")
    else:
        r_sp = r_in
    needed = assign(p_sp.bounds, r_sp.bounds)
    r_parts = r_sp.frame.to_delayed()
    r_meta = r_sp.frame._meta
    tasks = [dask.delayed(assess_partition)(part, [r_parts[j] for j in needed[i]], r_meta,
                                            categories, rules, query)
             for i, part in enumerate(p_sp.frame.to_delayed())]
    sample = assess_partition(p_sp.frame.partitions[0].head(SAMPLE_ROWS, npartitions=1), [],
                              r_meta, categories, rules, query)
    table = dd.from_delayed(tasks, meta=sample.iloc[:0], verify_meta=False)
    return AssessedDataset(dask_geopandas.from_dask_dataframe(table), arrow_schema(sample),
                           p_sp.bounds, r_sp.bounds)


@dataclass(frozen=True)
class AssessedDataset:
    """Lazy availability table, the Parquet schema to write it with, and the partition
    bounds of both staged layers (see :func:`replication`)."""

    frame: dask_geopandas.GeoDataFrame
    schema: pa.Schema
    parcel_bounds: np.ndarray
    redline_bounds: np.ndarray


def _with_order(frame: pd.DataFrame, partition_info: Any = None) -> pd.DataFrame:
    number = (partition_info or {}).get("number", 0)
    out = frame.copy()
    out[ORDER_COLUMN] = np.int64(number) * 2**40 + np.arange(len(frame), dtype=np.int64)
    return out


def replication(parcel_bounds: np.ndarray, redline_bounds: np.ndarray) -> float:
    """Mean number of parcel partitions each red-line partition is sent to (1.0 = none)."""
    needed = assign(parcel_bounds, redline_bounds)
    sent = sum(len(n) for n in needed)
    have = int((~np.isnan(redline_bounds).any(axis=1)).sum())
    return sent / have if have else 0.0


def worker_lost(exc: KilledWorker) -> str:
    """The message for a task whose workers kept dying (usually out of memory)."""
    task = exc.task[0] if isinstance(exc.task, tuple) else exc.task
    return (f"a Dask worker died {exc.allowed_failures + 1} times running the same task "
            f"({str(task).rsplit('-', 1)[0]}), most likely out of memory; no answer was "
            f"written. Fix: give the workers more memory (dask worker --memory-limit) or "
            f"cut the data into more, smaller partitions (--partitions N)")

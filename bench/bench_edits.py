"""Edits per second on both store backends, against the obvious alternative.

Run: ``.venv/bin/python -m bench.bench_edits [--edits N] [--workers W]``

Measures, on the demo county (2,000 parcels):
1. ``Store.edit`` one at a time (validation, version check, audit row, commit) — GeoPackage
   and PostGIS (a throwaway local cluster with fsync on, as a real server).
2. The same with W processes editing at once (aggregate edits/s; stale edits retried).
3. The obvious alternative without a store: read the parcel layer with geopandas, change one
   value, write the layer back (what a script editing the GeoPackage file would do).
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import random
import tempfile
import time
from pathlib import Path

from data import get_path


def _edit_loop(location: str, n: int, seed: int) -> int:
    from layers.store import StaleVersionError, open_store

    rng = random.Random(seed)
    done = 0
    with open_store(location) as store:
        ids = store.read_layer("parcel")["parcel_id"].tolist()
        while done < n:
            pid = rng.choice(ids)
            version = store.get("parcel", pid).version
            try:
                store.edit("parcel", pid, {"notes": f"bench {seed}-{done}"}, user="bench",
                           role="planner", reason="benchmark", expect_version=version)
            except StaleVersionError:
                continue
            done += 1
    return done


def sequential(location: str, n: int) -> float:
    t0 = time.perf_counter()
    _edit_loop(location, n, 0)
    return n / (time.perf_counter() - t0)


def concurrent(location: str, n: int, workers: int) -> float:
    ctx = mp.get_context("fork")
    per = n // workers
    with ctx.Pool(workers) as pool:
        t0 = time.perf_counter()
        total = sum(pool.starmap(_edit_loop, [(location, per, 100 + w) for w in range(workers)]))
        return total / (time.perf_counter() - t0)


def rewrite_file(path: Path, n: int) -> float:
    """The alternative: geopandas read → change → write of the whole parcel layer."""
    import pyogrio

    t0 = time.perf_counter()
    for i in range(n):
        frame = pyogrio.read_dataframe(path, layer="parcel")
        frame.loc[i, "notes"] = f"rewrite {i}"
        pyogrio.write_dataframe(frame, path, layer="parcel")
    return n / (time.perf_counter() - t0)


def _postgis_store(cluster) -> str:  # noqa: ANN001
    from layers.io import load_layer
    from layers.store import open_store

    url = cluster.create_schema()
    with open_store(url) as store:
        for layer in ("park", "parcel", "project", "redline", "enterprise"):
            frame, _ = load_layer(get_path("demo"), layer)
            store.import_frame(layer, frame, user="bench", reason="load demo", role="admin")
    return url


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--edits", type=int, default=400, help="edits per measurement")
    parser.add_argument("--workers", type=int, default=2, help="concurrent processes")
    args = parser.parse_args()

    from layers.store.gpkg import GeoPackageStore
    from tests.pg_cluster import start_cluster

    tmp = Path(tempfile.mkdtemp(prefix="bench-edits-"))
    gpkg = tmp / "store.gpkg"
    GeoPackageStore(gpkg, seed=get_path("demo")).close()
    plain = tmp / "plain.gpkg"
    plain.write_bytes(get_path("demo").read_bytes())

    rows: list[tuple[str, float]] = []
    rows.append(("GeoPackage store, 1 editor", sequential(str(gpkg), args.edits)))
    rows.append((f"GeoPackage store, {args.workers} editors",
                 concurrent(str(gpkg), args.edits, args.workers)))
    cluster = start_cluster(durable=True)
    try:
        url = _postgis_store(cluster)
        rows.append(("PostGIS store (fsync on), 1 editor", sequential(url, args.edits)))
        rows.append((f"PostGIS store (fsync on), {args.workers} editors",
                     concurrent(url, args.edits, args.workers)))
    finally:
        cluster.stop()
    rows.append(("alternative: geopandas rewrite of the layer per edit",
                 rewrite_file(plain, max(3, args.edits // 100))))

    print(f"{'method':<56} {'edits/s':>10}")
    for name, rate in rows:
        print(f"{name:<56} {rate:>10.1f}")
    store_rate = rows[0][1]
    print(f"GeoPackage store vs rewrite: {store_rate / rows[-1][1]:.0f}× faster, and audited")


if __name__ == "__main__":
    main()

"""Benchmark: compliance review of a 50-ring boundary and assembled site search, 100k parcels.

Uses a county written by ``investmap demo --parcels N --out DIR`` (reused when present) and
runs each case in its own subprocess so that peak memory (``ru_maxrss``) is per case:

* ``compliance``: load parks, parcels and red lines; then :func:`layers.compliance.review` of
  one boundary feature made of 50 rings (a 10 × 5 grid of 150 m squares from the first
  park's south-west corner), timed after loading (everything the report needs: checks,
  overlaps, touched parks and parcels, 界址点). In the same run the overlap step alone, fed
  the polygons near the boundary (ours) and the whole red-line layer (the obvious way).
* ``sites``: ``investmap sites --min-mu 100 --max-mu 200 --assemble --max-parcels 4`` as a user
  runs it: load + search time (printed by the command) and peak memory of the process.

Usage::

    .venv/bin/python bench/bench_sites.py --parcels 100000 --workdir /tmp/investmap-bench
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--parcels", type=int, default=100_000)
    parser.add_argument("--workdir", default="/tmp/investmap-bench")
    parser.add_argument("--run", choices=["compliance", "sites"], help=argparse.SUPPRESS)
    parser.add_argument("--data", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.run:
        return (_compliance if args.run == "compliance" else _sites)(Path(args.data))
    data = _build(args.parcels, Path(args.workdir))
    print(f"{args.parcels:,} parcels ({data}); load average {os.getloadavg()[0]:.1f}")
    child = subprocess.run([sys.executable, __file__, "--run", "compliance", "--data",
                            str(data)], capture_output=True, text=True, cwd=ROOT)
    if child.returncode:
        print(child.stderr)
        return 1
    stats = json.loads(child.stdout.strip().splitlines()[-1])
    print(f"compliance, {stats['rings']}-ring boundary: load {stats['load_s']:.1f} s; review "
          f"{stats['review_s']:.3f} s; overlap step on nearby polygons {stats['near_s']:.3f} s "
          f"vs whole layer {stats['all_s']:.3f} s ({stats['redlines']:,} red-line polygons); "
          f"peak {stats['peak_mib']:.0f} MiB")
    out = Path(args.workdir) / "sites.csv"
    t0 = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "cli", "sites", "--data", str(data),
                           "--min-mu", "100", "--max-mu", "200", "--assemble",
                           "--max-parcels", "4", "--out", str(out)], capture_output=True,
                          text=True, cwd=ROOT)
    wall = time.perf_counter() - t0
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    if done.returncode:
        print(done.stderr)
        return 1
    print(f"sites --assemble --max-parcels 4: {done.stderr.strip()}; wall {wall:.1f} s "
          f"(process start included); peak {peak:.0f} MiB (largest child so far)")
    child = subprocess.run([sys.executable, __file__, "--run", "sites", "--data", str(data)],
                           capture_output=True, text=True, cwd=ROOT)
    if child.returncode:
        print(child.stderr)
        return 1
    steps = json.loads(child.stdout.strip().splitlines()[-1])
    print("sites steps after loading, wall / CPU s: " + "; ".join(
        f"{k} {w:.2f} / {c:.2f}" for k, (w, c) in steps.items()))
    return 0


def _sites(data: Path) -> int:
    """Each step of the search timed on its own (wall and process CPU time)."""
    sys.path.insert(0, str(ROOT))
    from geo.sites import SiteQuery, adjacency, connected_sets, find_sites
    from layers.county import load_county
    from layers.sites import SiteRequest, candidates, site_settings

    county = load_county(data, layers=("park", "parcel", "project", "redline"))
    settings = site_settings(county)
    query = SiteQuery(min_mu=100, max_mu=200, assemble=True, max_parcels=4)
    steps: dict[str, tuple[float, float]] = {}

    def timed(name, func):  # noqa: ANN001, ANN202
        w, c = time.perf_counter(), time.process_time()
        out = func()
        steps[name] = (time.perf_counter() - w, time.process_time() - c)
        return out

    pool = timed("candidates (availability of offerable parcels)",
                 lambda: candidates(county, SiteRequest()))
    area = pool["area_mu"].to_numpy()
    pairs, shared = timed("adjacency", lambda: adjacency(
        pool.geometry.values, pool["park_id"].to_numpy(dtype=object), area < 200, settings))
    timed("enumeration", lambda: connected_sets(len(pool), pairs, shared, area, 100, 200, 4,
                                                settings.per_seed_cap))
    timed("find_sites (adjacency + enumeration + scores + texts)",
          lambda: find_sites(pool, query, settings))
    print(json.dumps(steps))
    return 0


def _build(parcels: int, workdir: Path) -> Path:
    out = workdir / f"county-{parcels}"
    data = out / "county.gpkg"
    if not data.exists():
        subprocess.run([sys.executable, "-m", "cli", "demo", "--parcels", str(parcels), "--out",
                        str(out)], check=True, cwd=ROOT)
    return data


def _compliance(data: Path) -> int:
    sys.path.insert(0, str(ROOT))
    import geopandas as gpd
    import numpy as np
    import shapely

    from geo.overlap import overlap_table
    from layers.compliance import Boundary, review
    from layers.county import load_county
    from layers.supply import supply_rules

    t0 = time.perf_counter()
    county = load_county(data, layers=("park", "parcel", "redline"))
    redlines = county["redline"]
    redlines.sindex  # noqa: B018 - built once per loaded county, as the app does
    county["parcel"].sindex  # noqa: B018
    county["park"].sindex  # noqa: B018
    load_s = time.perf_counter() - t0
    park = county["park"].geometry.values[0]
    minx, miny, _, _ = park.bounds
    rings = shapely.MultiPolygon([shapely.box(minx + 200 * i, miny + 200 * j,
                                              minx + 200 * i + 150, miny + 200 * j + 150)
                                  for i in range(10) for j in range(5)])
    frame = gpd.GeoDataFrame({"feature_id": ["B-50"]}, geometry=[rings], crs=county.crs)
    boundary = Boundary(frame, ["feature B-50"], "bench", county.crs.name)
    t1 = time.perf_counter()
    review(county, boundary, user="bench")
    review_s = time.perf_counter() - t1
    rules = supply_rules(county.policy)
    present = set(redlines["category"])
    cats = {k: v for k, v in rules.categories.items() if k in present}
    as_parcels = frame.rename(columns={"feature_id": "parcel_id"})
    t2 = time.perf_counter()
    _, hit = redlines.sindex.query(as_parcels.geometry.values, predicate="intersects")
    overlap_table(as_parcels, redlines.iloc[np.unique(hit)], cats)
    near_s = time.perf_counter() - t2
    t3 = time.perf_counter()
    overlap_table(as_parcels, redlines, cats)
    all_s = time.perf_counter() - t3
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"load_s": load_s, "review_s": review_s, "all_s": all_s, "near_s": near_s,
                      "redlines": len(redlines), "peak_mib": peak,
                      "rings": int(shapely.get_num_geometries(rings))}))
    return 0


if __name__ == "__main__":
    sys.exit(main())

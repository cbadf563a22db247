"""Benchmark: ``investmap availability`` end to end against its peers on the same counties.

Methods, each run in its own process (peak RSS per run from ``wait4``), alternating in every
round, medians over the rounds:

* ``command-cold``: the real command (``python -m cli availability … --out X.parquet``), wall
  time including interpreter start, imports, reading, validation, overlaps, verdicts and
  writing, with an empty validated-county cache (it writes the cache, as a first run does);
* ``command-warm``: the same with the cache of an earlier run (files unchanged);
* ``bound``: the read + kernel lower bound — the needed columns read with Arrow, then
  :func:`geo.overlap.overlap_table` alone (no validation, verdicts, output);
* ``strtree``: the obvious bulk-shapely way: one STRtree query of all (parcel, red line) pairs,
  a plot's own red line dropped, every pair intersected, pieces unioned per (parcel,
  category) so overlapping polygons count once;
* ``duckdb``: DuckDB with its spatial extension (loaded offline from the
  ``duckdb-extension-spatial`` wheel, the ``bench`` extra): spatial join on ``ST_Intersects``,
  ``ST_Union_Agg`` of the pieces per (parcel, category), with the containment shortcut
  (``ST_Within`` → the parcel itself);
* ``overlay``: ``geopandas.overlay`` + ``dissolve`` (skip it with ``--skip overlay`` at sizes
  where it needs too much time or memory).

Every method writes each parcel's area inside each red-line category; the parent checks that
all agree with ``bound`` (max |Δ| relative to the parcel area) and prints a Markdown table.

Usage::

    .venv/bin/python bench/bench_peers.py --parcels 100000 --rounds 3
    .venv/bin/python bench/bench_peers.py --parcels 1000000 --rounds 1 --skip overlay
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from bench_availability import (  # noqa: E402 - the sibling benchmark's readers and converters
    _build,
    _inside_from_table,
    _overlay_inside,
    _read,
)
from bench_command import compile_project  # noqa: E402 - the sibling benchmark's helper

METHODS = ("command-cold", "command-warm", "bound", "strtree", "duckdb", "overlay")
M2_PER_MU = 10_000 / 15


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--parcels", type=int, default=100_000)
    parser.add_argument("--redlines", type=int, default=10_000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--workdir", default="/tmp/investmap-bench",
                        help="where the demo county is written (reused when present)")
    parser.add_argument("--skip", nargs="*", default=[], choices=METHODS)
    parser.add_argument("--run", choices=METHODS[2:], help=argparse.SUPPRESS)
    parser.add_argument("--data", help=argparse.SUPPRESS)
    parser.add_argument("--result", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.run:
        return _child(args)

    compile_project()  # as `make assets` does: no command compiles the project on start
    data = _build(args.parcels, args.redlines, Path(args.workdir))
    methods = [m for m in METHODS if m not in args.skip]
    warm_cache = Path(tempfile.mkdtemp(prefix="investmap-bench-cache-"))
    if "command-warm" in methods:
        _run(data, "command-warm", warm_cache, 0)  # fill the cache once
    runs: dict[str, list[dict]] = {m: [] for m in methods}
    load0 = os.getloadavg()
    for r in range(args.rounds):
        order = methods[r % len(methods):] + methods[:r % len(methods)]
        for method in order:
            print(f"round {r + 1}: {method} …", file=sys.stderr)
            runs[method].append(_run(data, method, warm_cache, r))
    load1 = os.getloadavg()
    shutil.rmtree(warm_cache, ignore_errors=True)
    _report(args, data, runs, load0, load1)
    return 0


def _run(data: Path, method: str, warm_cache: Path, round_: int) -> dict:
    result = data / f"peer-{method}.parquet"
    env = dict(os.environ)
    if method.startswith("command"):
        cache = warm_cache if method == "command-warm" else Path(tempfile.mkdtemp())
        env["INVESTMAP_CACHE"] = str(cache)
        inputs = (["--data", str(data / "county.gpkg")] if (data / "county.gpkg").exists()
                  else ["--parcels", str(data / "parcel.parquet"),
                        "--redlines", str(data / "redline.parquet")])
        cmd = [sys.executable, "-m", "cli", "availability", *inputs, "--out", str(result)]
    else:
        cmd = [sys.executable, __file__, "--run", method, "--data", str(data),
               "--result", str(result)]
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - t0
    out, err = proc.stdout.read(), proc.stderr.read()
    proc.returncode = os.waitstatus_to_exitcode(status)
    if method == "command-cold":
        shutil.rmtree(env["INVESTMAP_CACHE"], ignore_errors=True)
    if proc.returncode != 0:
        sys.exit(f"{method} failed (exit {proc.returncode}):\n{err}")
    stats = json.loads(out.strip().splitlines()[-1]) if not method.startswith("command") else {}
    stats.update(wall_s=wall, cpu_s=usage.ru_utime + usage.ru_stime,
                 peak_mib=usage.ru_maxrss / 1024, result=str(result))
    return stats


def _report(args, data: Path, runs: dict[str, list[dict]], load0, load1) -> None:  # noqa: ANN001
    def med(method: str, key: str) -> float:
        values = [r[key] for r in runs[method] if key in r]
        return statistics.median(values) if values else float("nan")

    bound = med("bound", "read_s") + med("bound", "compute_s") if "bound" in runs else None
    print(f"\n{args.parcels:,} parcels × {args.redlines:,} red lines ({data.name}), "
          f"{len(os.sched_getaffinity(0))} cores, {args.rounds} round(s), medians; load "
          f"average {load0[0]:.1f} before, {load1[0]:.1f} after\n")
    print("| method | wall s | CPU s | read s | compute s | wall ÷ read+kernel bound "
          "| peak RSS GiB |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    for method in runs:
        wall = med(method, "wall_s")
        read, compute = med(method, "read_s"), med(method, "compute_s")
        ratio = f"{wall / bound:.2f}×" if bound else "–"
        cells = [f"{v:.2f}" if v == v else "–"
                 for v in (wall, med(method, "cpu_s"), read, compute)]
        print(f"| {method} | {' | '.join(cells)} | {ratio} | "
              f"{med(method, 'peak_mib') / 1024:.2f} |")
    if bound:
        print(f"\nread + kernel bound (bound's read s + compute s): {bound:.2f} s")
    _check_answers(runs)


def _check_answers(runs: dict[str, list[dict]]) -> None:
    from layers.policy import load_policy

    categories = load_policy().redlines.categories
    reference = _inside(Path(runs["bound"][-1]["result"]), categories)
    for method, results in runs.items():
        if method == "bound":
            continue
        other = _inside(Path(results[-1]["result"]), categories).loc[reference.index]
        area = reference["area_m2"].to_numpy()
        worst = 0.0
        for name in reference.columns.drop("area_m2"):
            b = other[name].to_numpy() if name in other.columns else np.zeros(len(other))
            worst = max(worst, float(np.max(np.abs(reference[name].to_numpy() - b)
                                            / np.maximum(area, 1e-12), initial=0.0)))
        verdict = "AGREE" if worst < 1e-6 else "DISAGREE"
        print(f"  {method:13s} vs bound: max |Δ|/parcel area {worst:.1e} → {verdict}")


def _inside(path: Path, categories) -> pd.DataFrame:  # noqa: ANN001
    table = pd.read_parquet(path)
    if "area_mu" in table.columns:  # the command's output: conflict areas in 亩
        present = {k: v for k, v in categories.items() if f"overlap_mu_{k}" in table.columns}
        table = _inside_from_table(table, present)
    return table.set_index("parcel_id").sort_index()


# -- children -----------------------------------------------------------------------------


def _child(args: argparse.Namespace) -> int:
    from layers.policy import load_policy
    from layers.supply import supply_rules

    t0 = time.perf_counter()
    parcels, redlines = _read(Path(args.data))
    read_s = time.perf_counter() - t0
    rules = supply_rules(load_policy())
    present = set(redlines["category"])
    categories = {k: v for k, v in rules.categories.items() if k in present}
    t1 = time.perf_counter()
    if args.run == "bound":
        from geo.overlap import overlap_table

        inside = _inside_from_table(overlap_table(parcels, redlines, categories, threads=0),
                                    categories)
    elif args.run == "strtree":
        inside = _strtree_inside(parcels, redlines, categories)
    elif args.run == "duckdb":
        inside = _duckdb_inside(parcels, redlines, categories)
    else:
        inside = _overlay_inside(parcels, redlines, categories)
    compute_s = time.perf_counter() - t1
    inside.to_parquet(args.result)
    print(json.dumps({"read_s": read_s, "compute_s": compute_s}))
    return 0


def _strtree_inside(parcels, redlines, categories) -> pd.DataFrame:  # noqa: ANN001
    """One bulk STRtree query, every pair intersected, pieces unioned per (parcel, category)."""
    import shapely

    pgeom, rgeom = parcels.geometry.values._data, redlines.geometry.values._data
    tree = shapely.STRtree(pgeom)
    r_idx, p_idx = tree.query(rgeom, predicate="intersects")
    owner = redlines["parcel_id"].to_numpy(dtype=object)[r_idx]
    pid = parcels["parcel_id"].to_numpy(dtype=object)[p_idx]
    keep = ~(pd.notna(owner) & (owner == pid))
    r_idx, p_idx = r_idx[keep], p_idx[keep]
    pieces = shapely.intersection(pgeom[p_idx], rgeom[r_idx])
    cat = redlines["category"].to_numpy(dtype=object)[r_idx]
    frame = pd.DataFrame({"p": p_idx, "cat": cat, "geom": pieces})
    counts = frame.groupby(["p", "cat"])["geom"].transform("size").to_numpy()
    single = frame[counts == 1]
    area = pd.Series(shapely.area(single["geom"].to_numpy()),
                     index=pd.MultiIndex.from_frame(single[["p", "cat"]]))
    multi = frame[counts > 1]
    if len(multi):
        grouped = multi.groupby(["p", "cat"])["geom"]
        union = grouped.agg(lambda g: shapely.union_all(g.to_numpy()))
        area = pd.concat([area, pd.Series(shapely.area(union.to_numpy()), index=union.index)])
    return _assemble(parcels, area, categories)


def _duckdb_inside(parcels, redlines, categories) -> pd.DataFrame:  # noqa: ANN001
    """DuckDB spatial: join on ST_Intersects, containment shortcut, ST_Union_Agg per group."""
    import importlib.resources

    import duckdb
    import pyarrow as pa

    ext = next((importlib.resources.files("duckdb_extension_spatial") / "extensions").iterdir())
    con = duckdb.connect(config={"autoinstall_known_extensions": False,
                                 "autoload_known_extensions": False})
    con.execute(f"LOAD '{ext / 'spatial.duckdb_extension'}'")
    p = pa.table({"parcel_id": parcels["parcel_id"].astype(str).to_numpy(),
                  "wkb": parcels.geometry.to_wkb().to_numpy()})
    r = pa.table({"category": redlines["category"].astype(str).to_numpy(),
                  "owner": redlines["parcel_id"].astype(object).where(
                      redlines["parcel_id"].notna(), None).to_numpy(),
                  "wkb": redlines.geometry.to_wkb().to_numpy()})
    con.register("p_raw", p)
    con.register("r_raw", r)
    con.execute("CREATE TABLE p AS SELECT parcel_id, ST_GeomFromWKB(wkb) AS g FROM p_raw")
    con.execute("CREATE TABLE r AS SELECT category, owner, ST_GeomFromWKB(wkb) AS g FROM r_raw")
    found = con.execute("""
        SELECT p.parcel_id, r.category,
               ST_Area(ST_Union_Agg(CASE WHEN ST_Within(p.g, r.g) THEN p.g
                                         ELSE ST_Intersection(p.g, r.g) END)) AS inside
        FROM p JOIN r ON ST_Intersects(p.g, r.g)
        WHERE r.owner IS NULL OR r.owner <> p.parcel_id
        GROUP BY p.parcel_id, r.category""").df()
    position = pd.Series(np.arange(len(parcels)), index=parcels["parcel_id"].to_numpy())
    index = pd.MultiIndex.from_arrays([position.loc[found["parcel_id"]].to_numpy(),
                                       found["category"].to_numpy()])
    return _assemble(parcels, pd.Series(found["inside"].to_numpy(), index=index), categories)


def _assemble(parcels, area: pd.Series, categories) -> pd.DataFrame:  # noqa: ANN001
    """Area (m²) inside each category per parcel, from (parcel position, category) → m²."""
    import shapely

    out = pd.DataFrame({"parcel_id": parcels["parcel_id"].to_numpy(),
                        "area_m2": shapely.area(parcels.geometry.values._data)})
    table = area.unstack() if len(area) else pd.DataFrame()
    for name in categories:
        col = np.zeros(len(parcels))
        if name in table.columns:
            have = table[name].dropna()
            col[have.index.to_numpy(dtype=np.int64)] = have.to_numpy()
        out[name] = col
    return out


if __name__ == "__main__":
    sys.exit(main())

"""Benchmark: red-line overlaps with geo.overlap vs geopandas.overlay + dissolve.

Builds a demo county of N parcels × M red-line polygons with ``investmap demo``, then runs, each
in its own subprocess so that peak memory (``ru_maxrss``) is measured per method:

* ``ours``: :func:`geo.overlap.overlap_table` (bulk STRtree, containment shortcuts, dissolved
  and subdivided pieces, threads), then :func:`geo.availability.verdicts`;
* ``overlay``: ``geopandas.overlay(parcels, redlines, how="intersection")``, dropping a plot's
  own red line, then ``dissolve`` by (parcel, category) so that overlapping polygons count once
  — the obvious way to get the same numbers.

Both write the per-parcel area inside each category; the parent checks they agree (difference
relative to the parcel area < 1e-6) and prints times, the ratio and peak memory.

Usage::

    .venv/bin/python bench/bench_availability.py --parcels 100000 --redlines 10000
    .venv/bin/python bench/bench_availability.py --parcels 1000000 --redlines 10000 --no-baseline
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
PARCEL_COLUMNS = ["parcel_id", "status", "land_use", "park_id"]
REDLINE_COLUMNS = ["category", "parcel_id"]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--parcels", type=int, default=100_000)
    parser.add_argument("--redlines", type=int, default=10_000)
    parser.add_argument("--workdir", default="/tmp/investmap-bench",
                        help="where the demo county is written (reused when present)")
    parser.add_argument("--threads", type=int, default=None, help="threads for our path")
    parser.add_argument("--no-baseline", action="store_true",
                        help="skip geopandas.overlay (for sizes where it needs too much memory)")
    parser.add_argument("--run", choices=["ours", "overlay"], help=argparse.SUPPRESS)
    parser.add_argument("--data", help=argparse.SUPPRESS)
    parser.add_argument("--result", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.run:
        return _child(args)

    data = _build(args.parcels, args.redlines, Path(args.workdir))
    methods = ["ours"] + ([] if args.no_baseline else ["overlay"])
    stats = {m: _run_child(m, data, args) for m in methods}
    print(f"\n{args.parcels:,} parcels × {args.redlines:,} red-line polygons "
          f"({data.name}), {_cpu_count()} cores")
    for method, s in stats.items():
        extra = (f", of which overlaps {s['overlap_s']:.2f} s, verdicts {s['verdicts_s']:.2f} s"
                 if method == "ours" else "")
        print(f"  {method:8s} read {s['read_s']:6.2f} s   compute {s['compute_s']:7.2f} s"
              f"{extra}   peak RSS {s['peak_mib'] / 1024:5.2f} GiB")
    if "overlay" in stats:
        base = stats["overlay"]["compute_s"]
        ours = stats["ours"]
        print(f"  speed-up, overlay + dissolve ÷ our overlaps: {base / ours['overlap_s']:.1f}×; "
              f"÷ our overlaps + verdicts: {base / ours['compute_s']:.1f}×")
        _compare(Path(stats["ours"]["result"]), Path(stats["overlay"]["result"]))
    return 0


def _cpu_count() -> int:
    import os

    return len(os.sched_getaffinity(0))


def _build(n: int, m: int, workdir: Path) -> Path:
    target = workdir / f"demo-{n}x{m}"
    if not (target / "county.gpkg").exists() and not (target / "parcel.parquet").exists():
        cmd = [sys.executable, "-m", "cli", "demo", "--out", str(target), "--parcels", str(n),
               "--redlines", str(m)]
        print("building:", " ".join(cmd[2:]), file=sys.stderr)
        subprocess.run(cmd, check=True, cwd=ROOT)
    return target


def _run_child(method: str, data: Path, args: argparse.Namespace) -> dict:
    result = data / f"result-{method}.parquet"
    cmd = [sys.executable, __file__, "--run", method, "--data", str(data),
           "--result", str(result)]
    if args.threads:
        cmd += ["--threads", str(args.threads)]
    print(f"running {method} …", file=sys.stderr)
    done = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True)
    if done.returncode != 0:
        sys.exit(f"{method} failed (exit {done.returncode}):\n{done.stderr}")
    stats = json.loads(done.stdout.strip().splitlines()[-1])
    stats["result"] = str(result)
    return stats


def _read(data: Path):  # noqa: ANN202
    import geopandas as gpd

    gpkg = data / "county.gpkg"
    if gpkg.exists():
        parcels = gpd.read_file(gpkg, layer="parcel", columns=PARCEL_COLUMNS, use_arrow=True)
        redlines = gpd.read_file(gpkg, layer="redline", columns=REDLINE_COLUMNS, use_arrow=True)
    else:
        parcels = gpd.read_parquet(data / "parcel.parquet", columns=[*PARCEL_COLUMNS, "geometry"])
        redlines = gpd.read_parquet(data / "redline.parquet",
                                    columns=[*REDLINE_COLUMNS, "geometry"])
    return parcels, redlines


def _child(args: argparse.Namespace) -> int:
    sys.path.insert(0, str(ROOT))
    from layers.policy import load_policy
    from layers.supply import supply_rules

    t0 = time.perf_counter()
    parcels, redlines = _read(Path(args.data))
    read_s = time.perf_counter() - t0
    rules = supply_rules(load_policy())
    present = set(redlines["category"])
    categories = {k: v for k, v in rules.categories.items() if k in present}
    stats: dict[str, float] = {"read_s": read_s}
    t1 = time.perf_counter()
    if args.run == "ours":
        from geo.availability import verdicts
        from geo.overlap import overlap_table

        table = overlap_table(parcels, redlines, categories, threads=args.threads or 0)
        stats["overlap_s"] = time.perf_counter() - t1
        t2 = time.perf_counter()
        verdicts(parcels, table, rules)
        stats["verdicts_s"] = time.perf_counter() - t2
        inside = _inside_from_table(table, categories)
    else:
        inside = _overlay_inside(parcels, redlines, categories)
    stats["compute_s"] = time.perf_counter() - t1
    stats["peak_mib"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    inside.to_parquet(args.result)
    print(json.dumps(stats))
    return 0


def _inside_from_table(table: pd.DataFrame, categories) -> pd.DataFrame:  # noqa: ANN001
    """Area (m²) inside each category, from the conflict areas of overlap_table."""
    m2 = 10_000 / 15
    out = pd.DataFrame({"parcel_id": table["parcel_id"].to_numpy(),
                        "area_m2": table["area_mu"].to_numpy() * m2})
    for name, cat in categories.items():
        conflict = table[f"overlap_mu_{name}"].to_numpy() * m2
        out[name] = conflict if cat.conflict == "inside" else out["area_m2"] - conflict
    return out


def _overlay_inside(parcels, redlines, categories) -> pd.DataFrame:  # noqa: ANN001
    """geopandas.overlay + dissolve: area (m²) of each parcel inside each category."""
    import geopandas as gpd

    left = parcels[["parcel_id", "geometry"]]
    right = redlines[["category", "parcel_id", "geometry"]].rename(columns={"parcel_id": "owner"})
    pieces = gpd.overlay(left, right, how="intersection", keep_geom_type=True)
    pieces = pieces[pieces["owner"].isna() | (pieces["owner"] != pieces["parcel_id"])]
    merged = pieces.dissolve(by=["parcel_id", "category"])
    inside = merged.geometry.area.unstack("category")
    out = pd.DataFrame({"parcel_id": parcels["parcel_id"].to_numpy(),
                        "area_m2": parcels.geometry.area.to_numpy()})
    for name in categories:
        col = inside[name] if name in inside.columns else pd.Series(dtype="float64")
        out[name] = out["parcel_id"].map(col).fillna(0.0).to_numpy()
    return out


def _compare(ours_path: Path, base_path: Path) -> None:
    ours = pd.read_parquet(ours_path).set_index("parcel_id")
    base = pd.read_parquet(base_path).set_index("parcel_id").loc[ours.index]
    worst = 0.0
    for name in ours.columns.drop("area_m2"):
        a, b = ours[name].to_numpy(), base[name].to_numpy()
        rel = np.abs(a - b) / np.maximum(ours["area_m2"].to_numpy(), 1e-12)
        big = np.maximum(a, b) >= 0.01 * 10_000 / 15  # overlaps of at least 0.01 亩
        rel_big = (np.abs(a - b)[big] / np.maximum(a, b)[big]).max() if big.any() else 0.0
        worst = max(worst, float(rel.max()))
        print(f"  {name:16s} parcels with area inside (ours / overlay) "
              f"{int((a > 0).sum()):8,d} / {int((b > 0).sum()):8,d}   max |Δ|/parcel area "
              f"{rel.max():.1e}   max |Δ|/overlap (≥ 0.01 亩) {rel_big:.1e}")
    verdict = "AGREE" if worst < 1e-6 else "DISAGREE"
    print(f"  overlap areas {verdict}: max relative difference {worst:.1e} (limit 1e-6)")


if __name__ == "__main__":
    sys.exit(main())

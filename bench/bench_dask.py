"""Benchmark: red-line availability on Dask (1M and 5M parcels) against the local engine (1M).

Generates counties with ``investmap demo --format parquet`` (partitioned GeoParquet), runs
``investmap availability --engine dask`` on a LocalCluster of 2 single-threaded worker
processes (memory limit 4 GiB each) and ``--engine local`` at ``--local-size``, and prints
wall time, peak memory per worker (resident set size sampled every 0.5 s) and the peak of the
local run, then checks that both engines gave the same verdict for every parcel.

Run: ``.venv/bin/python bench/bench_dask.py [--sizes 1000000 5000000] [--local-size N]
[--workdir DIR]`` (``--local-size 0`` skips the local engine).
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import threading
import time
from pathlib import Path

import pandas as pd
import psutil

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def rss() -> int:
    """Resident set size of the calling process (run on each worker)."""
    return psutil.Process(os.getpid()).memory_info().rss


class Sampler(threading.Thread):
    """Polls every worker's RSS and keeps the peak per worker."""

    def __init__(self, client, every: float = 0.5):  # noqa: ANN001
        super().__init__(daemon=True)
        self.client, self.every = client, every
        self.peak: dict[str, int] = {}
        self.stop = threading.Event()

    def run(self) -> None:
        while not self.stop.is_set():
            try:
                for worker, value in self.client.run(rss).items():
                    self.peak[worker] = max(self.peak.get(worker, 0), value)
            except Exception:  # noqa: BLE001 - a worker restarting between polls
                pass
            self.stop.wait(self.every)


def generate(n: int, workdir: Path) -> Path:
    folder = workdir / f"county-{n}"
    if not (folder / "parcel.parquet").exists():
        t0 = time.perf_counter()
        subprocess.run([sys.executable, "-m", "cli", "demo", "--out", str(folder),
                        "--parcels", str(n), "--format", "parquet"], check=True, cwd=ROOT)
        print(f"generated {n:,} parcels in {time.perf_counter() - t0:.0f} s", flush=True)
    return folder


def run_local(folder: Path, out: Path) -> tuple[float, int]:
    """Local engine in a subprocess; wall time and peak RSS (polled)."""
    t0 = time.perf_counter()
    proc = psutil.Popen([sys.executable, "-m", "cli", "availability",
                         "--parcels", str(folder / "parcel.parquet"),
                         "--redlines", str(folder / "redline.parquet"), "--out", str(out)],
                        cwd=ROOT)
    peak = 0
    while proc.poll() is None:
        try:
            peak = max(peak, proc.memory_info().rss)
        except psutil.NoSuchProcess:
            break
        time.sleep(0.5)
    if proc.returncode:
        raise SystemExit(f"local engine failed ({proc.returncode})")
    return time.perf_counter() - t0, peak


def run_dask(folder: Path, out: Path, client) -> tuple[float, dict[str, int]]:  # noqa: ANN001
    from cli import main

    sampler = Sampler(client)
    sampler.start()
    t0 = time.perf_counter()
    code = main(["availability", "--engine", "dask", "--scheduler", client.scheduler.address,
                 "--parcels", str(folder / "parcel.parquet"),
                 "--redlines", str(folder / "redline.parquet"), "--out", f"{out}/"])
    elapsed = time.perf_counter() - t0
    sampler.stop.set()
    sampler.join()
    if code:
        raise SystemExit(f"dask engine failed ({code})")
    return elapsed, sampler.peak


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1_000_000, 5_000_000])
    parser.add_argument("--local-size", type=int, default=1_000_000,
                        help="parcels for the local-engine comparison (0: skip it)")
    parser.add_argument("--workdir", type=Path, default=Path("/tmp/investmap-bench-dask"))
    args = parser.parse_args()
    args.workdir.mkdir(parents=True, exist_ok=True)
    from scale.dask_engine import LOCAL_MEMORY_LIMIT, LOCAL_WORKERS, cluster

    gib = 2**30
    print("load average at start: {:.1f} {:.1f} {:.1f}".format(*os.getloadavg()), flush=True)
    rows = []
    local_n = args.local_size
    local_out = args.workdir / f"local-{local_n}.parquet"
    if local_n:
        t_local, peak_local = run_local(generate(local_n, args.workdir), local_out)
        rows.append(("local (threads)", local_n, t_local, f"process {peak_local / gib:.2f}"))
        print(f"local {local_n:,}: {t_local:.0f} s, peak {peak_local / gib:.2f} GiB", flush=True)
    with cluster(n_workers=LOCAL_WORKERS, memory_limit=LOCAL_MEMORY_LIMIT) as client:
        for n in sorted(args.sizes):
            folder = generate(n, args.workdir)
            out = args.workdir / f"dask-{n}"
            elapsed, peak = run_dask(folder, out, client)
            per_worker = ", ".join(f"{v / gib:.2f}" for v in sorted(peak.values()))
            rows.append((f"dask ({LOCAL_WORKERS} workers)", n, elapsed, f"workers {per_worker}"))
            print(f"dask {n:,}: {elapsed:.0f} s, peak per worker {per_worker} GiB", flush=True)
            if n == local_n:
                a = pd.read_parquet(local_out, columns=["parcel_id", "available", "reasons"])
                b = pd.read_parquet(out, columns=["parcel_id", "available", "reasons"])
                merged = a.merge(b, on="parcel_id", suffixes=("_local", "_dask"))
                same = (len(merged) == len(a) == len(b)
                        and (merged["available_local"] == merged["available_dask"]).all()
                        and (merged["reasons_local"] == merged["reasons_dask"]).all())
                print(f"same verdict and reasons for every parcel at {n:,}: {same}", flush=True)
    print("load average at end: {:.1f} {:.1f} {:.1f}".format(*os.getloadavg()))
    print(f"\n{'engine':<20} {'parcels':>10} {'time s':>8}  peak memory (GiB)")
    for engine, n, t, mem in rows:
        print(f"{engine:<20} {n:>10,} {t:>8.0f}  {mem}")


if __name__ == "__main__":
    main()

"""Benchmark: province scale — the demo generator, then availability, aggregates and efficiency
on the local engine and on Dask, with a killed worker and with short memory.

Per size N (``--sizes``), in ``--workdir``:

1. **Generation** — ``investmap demo --parcels N --format parquet`` into ``county-N/``, wall
   time and peak resident memory (the process tree, sampled every 0.5 s). The figures are
   kept in ``county-N/generated.json``, written only when the demo finished: a later run
   finds it and skips generation (a half-written county is generated again).
2. **Local engine** — ``availability``, ``aggregates --level park`` and ``efficiency`` as
   subprocesses: wall time and peak memory of each.
3. **Dask engine** — a LocalCluster with the README's settings (2 worker processes × 1
   thread, 4 GiB memory limit each, ``scale.dask_engine.cluster``); ``availability`` and
   ``aggregates`` run as subprocesses with ``--scheduler``; peak memory per worker sampled
   every 0.5 s. ``efficiency`` has no Dask engine: on Dask the per-firm evaluation runs
   inside ``aggregates`` (one task per county).
4. **Answers compared** — every parcel's verdict, reasons and overlap areas (1e-6 亩), every
   aggregate row (1e-9 relative), Dask against local.
5. **Killed worker** — the Dask availability run again; halfway through (by the undisturbed
   run's time), one busy worker process is killed (SIGKILL). The nanny starts a new one,
   Dask re-runs the lost tasks; the answer is compared with the local one.
6. **Short memory** — a second LocalCluster whose workers get ``--short-memory`` (default
   700 MiB): Dask spills, pauses or restarts workers. Recorded: the answer compared with the
   local one, or the error the command printed, or "no answer in T s". A wrong answer is
   reported as WRONG.

Steps already done (their outputs exist) are not skipped: only generation is. Results are
printed as one table and appended as JSON lines to ``WORKDIR/results.jsonl``.

Run::

    .venv/bin/python -m bench.bench_dask --sizes 1000000 5000000      # the machine alone
    .venv/bin/python -m bench.bench_dask --sizes 200000 --steps local dask

``--steps`` chooses among ``local dask killed short`` (default all).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import psutil

ROOT = Path(__file__).resolve().parents[1]
GIB = 2**30
STEPS = ("local", "dask", "killed", "short")


def _load() -> str:
    return "{:.1f} {:.1f} {:.1f}".format(*os.getloadavg())


@dataclass
class Run:
    """One measured command."""

    seconds: float
    peak: int  # bytes, the process and its children
    code: int
    stderr: str
    workers: dict[str, int] = field(default_factory=dict)  # Dask worker → peak bytes


def _tree_rss(proc: psutil.Process) -> int:
    total = 0
    for p in [proc, *proc.children(recursive=True)]:
        with contextlib.suppress(psutil.Error):
            total += p.memory_info().rss
    return total


def run_command(args: list[str], *, timeout: float | None = None,
                during: threading.Event | None = None) -> Run:
    """``python -m cli ARGS`` in a subprocess; wall time and peak memory of its tree."""
    env = {**os.environ, "PYTHONPATH": str(ROOT), "INVESTMAP_CACHE": "off"}
    t0 = time.perf_counter()
    proc = psutil.Popen([sys.executable, "-m", "cli", *args], cwd=ROOT, env=env,
                        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    peak = 0
    err: list[str] = []
    reader = threading.Thread(target=lambda: err.append(proc.stderr.read()), daemon=True)
    reader.start()
    while proc.poll() is None:
        peak = max(peak, _tree_rss(proc))
        if timeout is not None and time.perf_counter() - t0 > timeout:
            for child in proc.children(recursive=True):
                child.kill()
            proc.kill()
            proc.wait()
            reader.join(5)
            return Run(time.perf_counter() - t0, peak, -9, f"no answer in {timeout:.0f} s")
        time.sleep(0.5)
    reader.join(5)
    return Run(time.perf_counter() - t0, peak, proc.returncode, "".join(err))


class Sampler(threading.Thread):
    """Polls every worker's resident memory and keeps the peak per worker."""

    def __init__(self, client, every: float = 0.5) -> None:  # noqa: ANN001
        super().__init__(daemon=True)
        self.client, self.every = client, every
        self.peak: dict[str, int] = {}
        self.stop = threading.Event()

    def run(self) -> None:
        while not self.stop.is_set():
            try:
                for worker, value in self.client.run(_rss, on_error="ignore").items():
                    if isinstance(value, int):
                        self.peak[worker] = max(self.peak.get(worker, 0), value)
            except Exception:  # noqa: BLE001 - a worker restarting between polls
                pass
            self.stop.wait(self.every)


def _rss() -> int:
    return psutil.Process(os.getpid()).memory_info().rss


def _pid() -> int:
    return os.getpid()


def with_workers(client, args: list[str], **kwargs) -> Run:  # noqa: ANN001, ANN003
    sampler = Sampler(client)
    sampler.start()
    try:
        got = run_command(args, **kwargs)
    finally:
        sampler.stop.set()
        sampler.join()
    got.workers = sampler.peak
    return got


# -- generation ---------------------------------------------------------------------------


def generate(n: int, workdir: Path) -> tuple[Path, dict]:
    """The county of ``n`` parcels, generated unless a finished one is there."""
    folder = workdir / f"county-{n}"
    done = folder / "generated.json"
    if done.exists():
        info = json.loads(done.read_text())
        print(f"county of {n:,} parcels already generated ({info['seconds']:.0f} s, "
              f"peak {info['peak'] / GIB:.2f} GiB then): skipped", flush=True)
        return folder, {**info, "skipped": True}
    shutil.rmtree(folder, ignore_errors=True)
    load = _load()
    got = run_command(["demo", "--out", str(folder), "--parcels", str(n), "--format",
                       "parquet"])
    if got.code:
        raise SystemExit(f"demo generation failed ({got.code}):\n{got.stderr}")
    info = {"parcels": n, "seconds": got.seconds, "peak": got.peak, "load_before": load,
            "load_after": _load()}
    done.write_text(json.dumps(info))
    print(f"generated {n:,} parcels in {got.seconds:.0f} s, peak {got.peak / GIB:.2f} GiB",
          flush=True)
    return folder, info


# -- the commands -------------------------------------------------------------------------


def availability_args(folder: Path, out: Path, scheduler: str | None) -> list[str]:
    args = ["availability", "--parcels", str(folder / "parcel.parquet"),
            "--redlines", str(folder / "redline.parquet")]
    if scheduler:
        return [*args, "--engine", "dask", "--scheduler", scheduler, "--out", f"{out}/"]
    return [*args, "--out", str(out)]


def aggregates_args(folder: Path, out: Path, scheduler: str | None) -> list[str]:
    args = ["aggregates", "--enterprises", str(folder / "enterprise.parquet"),
            "--level", "park", "--out", str(out)]
    return [*args, "--engine", "dask", "--scheduler", scheduler] if scheduler else args


def efficiency_args(folder: Path, out: Path) -> list[str]:
    return ["efficiency", "--enterprises", str(folder / "enterprise.parquet"),
            "--out", str(out)]


# -- comparing answers --------------------------------------------------------------------


def same_availability(local: Path, dask: Path) -> str:
    """"identical", or what differs: verdict, reasons and every overlap area per parcel."""
    a = pd.read_parquet(local).drop(columns="geometry", errors="ignore")
    b = pd.read_parquet(dask).drop(columns="geometry", errors="ignore")
    if len(a) != len(b) or set(a["parcel_id"]) != set(b["parcel_id"]):
        return f"WRONG: {len(a):,} parcels locally, {len(b):,} on Dask"
    b = b.set_index("parcel_id").loc[a["parcel_id"]].reset_index()
    for column in a.columns:
        if column not in b.columns:
            return f"WRONG: column {column} missing on Dask"
        x, y = a[column].to_numpy(), b[column].to_numpy()
        if column.startswith(("overlap_mu_", "share_", "area_mu")):
            bad = ~np.isclose(x.astype(float), y.astype(float), rtol=0, atol=1e-6,
                              equal_nan=True)
        else:
            bad = ~((x == y) | (pd.isna(x) & pd.isna(y)))
        if bad.any():
            return f"WRONG: {int(bad.sum()):,} parcels differ in {column}"
    return "identical"


def same_table(local: Path, dask: Path) -> str:
    a, b = pd.read_parquet(local), pd.read_parquet(dask)
    keys = [c for c in ("county", "park_id") if c in a.columns]
    a = a.sort_values(keys).reset_index(drop=True)
    b = b.sort_values(keys).reset_index(drop=True)
    try:
        pd.testing.assert_frame_equal(a, b[a.columns], check_exact=False, rtol=1e-9,
                                      check_dtype=False)
    except (AssertionError, KeyError) as exc:
        return "WRONG: " + str(exc).splitlines()[0]
    return "identical"


def _first_error(stderr: str) -> str:
    lines = [line for line in stderr.strip().splitlines() if line.strip()]
    return lines[-1][:160] if lines else "no message"


# -- one size -----------------------------------------------------------------------------


def bench_size(n: int, workdir: Path, steps: set[str], short_memory: str) -> list[dict]:
    from scale.dask_engine import LOCAL_MEMORY_LIMIT, LOCAL_WORKERS, cluster

    folder, gen = generate(n, workdir)
    runs = workdir / f"runs-{n}"
    shutil.rmtree(runs, ignore_errors=True)
    runs.mkdir(parents=True)
    rows = [{"parcels": n, "step": "generate", "seconds": gen["seconds"], "peak": gen["peak"],
             "answer": "kept from an earlier run" if gen.get("skipped") else "",
             "load": gen["load_before"]}]

    def row(step: str, got: Run, answer: str) -> None:
        rows.append({"parcels": n, "step": step, "seconds": got.seconds, "peak": got.peak,
                     "workers": sorted(got.workers.values()), "answer": answer,
                     "load": _load()})
        mem = ", ".join(f"{v / GIB:.2f}" for v in sorted(got.workers.values()))
        print(f"{n:,} {step}: {got.seconds:.0f} s, peak {got.peak / GIB:.2f} GiB"
              + (f", workers {mem} GiB" if mem else "") + f"; {answer}", flush=True)

    local = {"availability": runs / "local-availability.parquet",
             "aggregates": runs / "local-aggregates.parquet",
             "efficiency": runs / "local-efficiency.parquet"}
    if steps & {"local", "dask", "killed", "short"}:  # every comparison needs the local answer
        for name, args in (("availability", availability_args(folder, local["availability"],
                                                               None)),
                           ("aggregates", aggregates_args(folder, local["aggregates"], None)),
                           ("efficiency", efficiency_args(folder, local["efficiency"]))):
            got = run_command(args)
            if got.code:
                raise SystemExit(f"local {name} failed: {_first_error(got.stderr)}")
            row(f"local {name}", got, "")
    if steps & {"dask", "killed"}:
        with cluster(n_workers=LOCAL_WORKERS, memory_limit=LOCAL_MEMORY_LIMIT,
                     guard=False) as client:  # the commands it serves have their own
            address = client.scheduler.address
            dask_avail = runs / "dask-availability"
            if "dask" in steps:
                got = with_workers(client, availability_args(folder, dask_avail, address))
                row("dask availability", got, _first_error(got.stderr) if got.code else
                    same_availability(local["availability"], dask_avail))
                out = runs / "dask-aggregates.parquet"
                got = with_workers(client, aggregates_args(folder, out, address))
                row("dask aggregates", got, _first_error(got.stderr) if got.code else
                    same_table(local["aggregates"], out))
            if "killed" in steps:
                out = runs / "dask-killed"
                normal = [r["seconds"] for r in rows if r["step"] == "dask availability"]
                got = _killed_run(client, availability_args(folder, out, address),
                                  after=normal[0] / 2 if normal else 0.0)
                row("dask, worker killed", got, _first_error(got.stderr) if got.code else
                    same_availability(local["availability"], out))
    if "short" in steps:
        local_time = next(r["seconds"] for r in rows if r["step"] == "local availability")
        with cluster(n_workers=LOCAL_WORKERS, memory_limit=short_memory,
                     guard=False) as client:
            out = runs / "dask-short"
            got = with_workers(client, availability_args(folder, out, client.scheduler.address),
                               timeout=max(300.0, 10 * local_time))
            answer = (f"error: {_first_error(got.stderr)}" if got.code else
                      same_availability(local["availability"], out))
            row(f"dask, {short_memory} per worker", got, answer)
    return rows


def _killed_run(client, args: list[str], *, after: float) -> Run:  # noqa: ANN001
    """Run ``args``; ``after`` seconds into the run (half the undisturbed run: the kernel
    is running), once a worker has been busy for 0.5 s, SIGKILL that worker's process."""
    killed: dict[str, object] = {}

    def killer() -> None:
        busy_since: dict[str, float] = {}
        while not stop.is_set():
            try:
                processing = client.processing()
            except Exception:  # noqa: BLE001
                processing = {}
            now = time.perf_counter()
            for worker, tasks in processing.items():
                if not tasks:
                    busy_since.pop(worker, None)
                    continue
                busy_since.setdefault(worker, now)
                if now - busy_since[worker] > 0.5 and now - t0 > after:
                    pid = client.run(_pid, workers=[worker])[worker]
                    os.kill(pid, signal.SIGKILL)
                    killed.update(worker=worker, tasks=len(tasks), at=now)
                    return
            stop.wait(0.2)

    stop = threading.Event()
    thread = threading.Thread(target=killer, daemon=True)
    t0 = time.perf_counter()
    thread.start()
    try:
        got = with_workers(client, args)
    finally:
        stop.set()
        thread.join()
    if not killed:
        got.stderr += "\nno worker was killed (the run ended first)"
        got.code = got.code or 1
    else:
        print(f"killed {killed['worker']} while it ran {killed['tasks']} task(s), "
              f"{float(killed['at']) - t0:.0f} s into a {got.seconds:.0f} s run", flush=True)
    return got


def print_table(rows: list[dict]) -> None:
    print("peak: the command's process tree (on Dask: the client); per worker: Dask workers")
    print(f"\n{'parcels':>10}  {'step':<28} {'time s':>7} {'peak GiB':>9}  "
          f"{'per worker GiB':<16} answer (load)")
    for r in rows:
        workers = " ".join(f"{v / GIB:.2f}" for v in r.get("workers", []))
        print(f"{r['parcels']:>10,}  {r['step']:<28} {r['seconds']:>7.0f} "
              f"{r['peak'] / GIB:>9.2f}  {workers:<16} {r['answer']} ({r['load']})")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1_000_000, 5_000_000])
    parser.add_argument("--workdir", type=Path, default=Path("/var/tmp/investmap-bench-dask"))
    parser.add_argument("--steps", nargs="+", choices=STEPS, default=list(STEPS))
    parser.add_argument("--short-memory", default="700MiB",
                        help="worker memory limit of the short-memory run (default 700MiB)")
    args = parser.parse_args(argv)
    args.workdir.mkdir(parents=True, exist_ok=True)
    print(f"load average at start: {_load()}; {psutil.cpu_count()} cores, "
          f"{psutil.virtual_memory().total / GIB:.1f} GiB", flush=True)
    rows: list[dict] = []
    for n in sorted(args.sizes):
        got = bench_size(n, args.workdir, set(args.steps), args.short_memory)
        rows += got
        with open(args.workdir / "results.jsonl", "a") as handle:
            for r in got:
                handle.write(json.dumps(r) + "\n")
    print(f"load average at end: {_load()}")
    print_table(rows)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

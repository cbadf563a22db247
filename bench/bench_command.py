"""Benchmark: the small commands a user waits on (issue 15 item 3), against their floors.

Rows, each a fresh process, alternating within every round, medians:

* ``investmap --help`` (target ≤ 0.3 s) and ``investmap availability --out X.csv`` on the
  embedded demo (2,000 parcels, validated-county cache warm; target ≤ 0.8 s);
* floors in the same run: ``python -c pass`` (interpreter start) and ``python -c "import
  geopandas"`` (what any geopandas command pays before reading a byte).

The project is byte-compiled first (``make assets`` does the same): this machine's shells
set ``PYTHONDONTWRITEBYTECODE``, and without ``.pyc`` files every start compiles the project.

Usage::

    .venv/bin/python -m bench.bench_command [--rounds 9]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("app.py", "cli", "geo", "layers", "exports", "webmap", "ui", "scale", "charts",
            "data")
TARGETS = {"investmap --help": 0.3, "investmap availability (demo)": 0.8}


def compile_project() -> None:
    """Byte-compile the project, as ``make assets`` does (this machine's shells set
    ``PYTHONDONTWRITEBYTECODE``: without ``.pyc`` files every start compiles it)."""
    subprocess.run([sys.executable, "-m", "compileall", "-q", *PACKAGES], cwd=ROOT, check=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=9)
    args = parser.parse_args(argv)
    compile_project()
    work = Path(tempfile.mkdtemp(prefix="investmap-bench-command-"))
    env = {**os.environ, "INVESTMAP_CACHE": str(work / "cache")}
    out = str(work / "availability.csv")
    commands = {
        "python -c pass (floor)": [sys.executable, "-c", "pass"],
        "python -c 'import geopandas' (floor)": [sys.executable, "-c", "import geopandas"],
        "investmap --help": [sys.executable, "-m", "cli", "--help"],
        "investmap availability (demo)": [sys.executable, "-m", "cli", "availability",
                                          "--out", out],
    }
    for command in commands.values():  # warm-up: the cache filled, the files in memory
        subprocess.run(command, cwd=ROOT, env=env, check=True, capture_output=True)
    times: dict[str, list[float]] = {name: [] for name in commands}
    load0 = os.getloadavg()[0]
    for r in range(args.rounds):
        names = list(commands)
        for name in names[r % len(names):] + names[:r % len(names)]:
            t0 = time.perf_counter()
            subprocess.run(commands[name], cwd=ROOT, env=env, check=True, capture_output=True)
            times[name].append(time.perf_counter() - t0)
    load1 = os.getloadavg()[0]
    print(f"{args.rounds} rounds, medians (min–max); load average {load0:.2f} → {load1:.2f}, "
          f"{os.cpu_count()} cores")
    print("| command | median s | min–max s | target |")
    print("|---|---:|---:|---|")
    for name, got in times.items():
        target = TARGETS.get(name)
        verdict = "" if target is None else \
            f"≤ {target} s {'met' if statistics.median(got) <= target else 'MISSED'}"
        print(f"| {name} | {statistics.median(got):.3f} | {min(got):.3f}–{max(got):.3f} | "
              f"{verdict} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())

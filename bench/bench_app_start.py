"""Benchmark: the app's first page on a freshly started server, in Debian's Chromium.

Two launchers, alternating per round, same data: ``make run``'s ``python -m ui.serve``
(prepares the county and the first map in a background thread as the server starts) and
plain ``streamlit run app.py`` (everything on the first visit), and the floor: a one-page
Streamlit app with a folium map and one polygon (``bench/floor_app.py``). Per round: start
the server on a free loopback port (``INVESTMAP_DATA`` = the county, basemap off, fresh
state folder), wait for ``/_stcore/health`` — and for ``ui.serve`` for its ``ready`` log
line — then open the page and wait until the map's Leaflet container is drawn inside its
component frame and Streamlit's status widget is gone. Printed per launcher: server start →
healthy, → ready, navigation → map drawn (what a visitor waits for) and the server's resident
memory just after (``server RSS``: the Streamlit process and its children). ``--cache cold``
gives every round an empty validated-county cache, ``warm`` one shared folder filled by a
first, unreported run.

Usage::

    .venv/bin/python -m bench.bench_app_start --rounds 3          # the demo, 2,000 parcels
    .venv/bin/python -m bench.bench_app_start --data DIR/county.gpkg --rounds 2

A big store, as a curve (100k, 1M, 5M parcels; write the county as one GeoPackage)::

    .venv/bin/python -m cli demo --out /tmp/app-1m --parcels 1000000 --format gpkg
    .venv/bin/python -m bench.bench_app_start --data /tmp/app-1m/county.gpkg --rounds 1 \
        --launchers ui.serve --timeout 3600 --max-rss 18

``--max-rss`` stops a server that outgrows the machine (reported: how long it ran, its peak
and how far it got: healthy, ready) instead of letting the kernel's OOM killer pick a process.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import shutil
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
LAUNCHERS = ("ui.serve", "streamlit run", "floor")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", help="county GeoPackage (default: the embedded demo)")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--cache", choices=["cold", "warm"], default="cold")
    parser.add_argument("--timeout", type=float, default=300.0, help="seconds per page load")
    parser.add_argument("--launchers", nargs="+", choices=LAUNCHERS, default=list(LAUNCHERS),
                        help="which servers to time (a big store: ui.serve alone)")
    parser.add_argument("--max-rss", type=float, default=None, metavar="GIB",
                        help="stop the server once it holds more than GIB (a store too big "
                             "for the machine): the round reports how far it got")
    args = parser.parse_args(argv)
    from playwright.sync_api import sync_playwright

    shared = Path(tempfile.mkdtemp(prefix="investmap-app-cache-"))
    results: dict[str, list[dict[str, float]]] = {name: [] for name in args.launchers}
    load0 = os.getloadavg()
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        if args.cache == "warm":
            _one(browser, args, shared, warm_up=False)  # fills the cache, not reported
        for r in range(args.rounds):
            for name in (args.launchers if r % 2 == 0 else args.launchers[::-1]):
                cache = shared if args.cache == "warm" else Path(tempfile.mkdtemp())
                got = _one(browser, args, cache, warm_up=name == "ui.serve",
                           floor=name == "floor")
                if args.cache == "cold":
                    shutil.rmtree(cache, ignore_errors=True)
                results[name].append(got)
                print(f"round {r + 1} {name}: " + ", ".join(f"{k} {v:.2f}{_unit(k)}"
                                                           for k, v in got.items()),
                      file=sys.stderr)
        browser.close()
    shutil.rmtree(shared, ignore_errors=True)
    load1 = os.getloadavg()
    print(f"{args.data or 'demo'} ({args.cache} cache), {args.rounds} round(s) each, "
          f"medians; load average {load0[0]:.1f} before, {load1[0]:.1f} after")
    for name, rows in results.items():
        keys = dict.fromkeys(k for r in rows for k in r)  # a stopped round has its own
        print(f"  {name:14s} " + ", ".join(
            f"{k} {statistics.median(r[k] for r in rows if k in r):.2f}{_unit(k)}"
            for k in keys))
    return 0


def _one(browser, args: argparse.Namespace, cache: Path, *,  # noqa: ANN001
         warm_up: bool, floor: bool = False) -> dict[str, float]:
    from ui.serve import APP, served

    state = Path(tempfile.mkdtemp(prefix="investmap-app-state-"))
    env = {"INVESTMAP_BASEMAP": "none", "INVESTMAP_STATE_DIR": str(state),
           "INVESTMAP_CACHE": str(cache)}
    if args.data:
        env["INVESTMAP_DATA"] = str(Path(args.data).resolve())
    timings: dict[str, float] = {}
    guard = _Guard(args.max_rss)
    guard.start()
    try:
        with served(env, log_path=state / "server.log", warm_up=warm_up, wait_ready=True,
                    timeout=args.timeout, timings=timings,
                    app=_floor_app(state) if floor else APP) as url:
            page = browser.new_page(viewport={"width": 1600, "height": 1000})
            t1 = time.perf_counter()
            page.goto(url)
            page.wait_for_selector("[data-testid='stApp']", timeout=args.timeout * 1000)
            deadline = t1 + args.timeout
            while not any(f.query_selector(".leaflet-container") for f in page.frames):
                if time.perf_counter() > deadline:
                    raise RuntimeError("the map was not drawn in time")
                page.wait_for_timeout(50)
            page.wait_for_selector("[data-testid='stStatusWidget']", state="detached",
                                   timeout=args.timeout * 1000)
            first = time.perf_counter() - t1
            server_rss = _server_rss()
            page.close()
    except Exception:
        if not guard.stopped:
            raise
    finally:
        guard.stop()
        shutil.rmtree(state, ignore_errors=True)
    if guard.stopped:
        return {**timings, "stopped after": guard.stopped, "peak server RSS": guard.peak}
    out = {"healthy": timings["healthy"]}
    if "ready" in timings:
        out["ready"] = timings["ready"]
    out["first page"] = first
    out["server RSS"] = server_rss
    out["peak server RSS"] = guard.peak
    return out


class _Guard(threading.Thread):
    """Samples the server's resident memory every 0.5 s (its peak while starting, not only
    after the first page) and kills the server once it passes ``limit`` GiB."""

    def __init__(self, limit: float | None) -> None:
        super().__init__(daemon=True)
        self.limit, self.peak, self.stopped = limit, 0.0, 0.0
        self._t0, self._done = time.perf_counter(), threading.Event()

    def run(self) -> None:
        while not self._done.wait(0.5):
            rss = _server_rss()
            self.peak = max(self.peak, rss)
            if self.limit and rss > self.limit:
                self.stopped = time.perf_counter() - self._t0
                _kill_server()
                return

    def stop(self) -> None:
        self._done.set()
        self.join(timeout=5)


def _server_rss() -> float:
    """Resident memory (GiB) of the server started by :func:`ui.serve.served` (a child of
    this process) and its own children, just after the first page was drawn."""
    import psutil

    total = 0
    for proc in _server_processes():
        with contextlib.suppress(psutil.Error):
            total += proc.memory_info().rss
    return total / 2**30


def _server_processes() -> list:
    """The server's processes: each child of this process started as ``ui.serve`` or
    ``streamlit``, after its own children."""
    import psutil

    found = []
    for child in psutil.Process().children(recursive=True):
        try:
            if any(part in ("ui.serve", "streamlit") for part in child.cmdline()):
                found += [*child.children(recursive=True), child]
        except psutil.Error:
            continue
    return found


def _kill_server() -> None:
    import psutil

    for proc in _server_processes():
        with contextlib.suppress(psutil.Error):
            proc.kill()


def _unit(key: str) -> str:
    return " GiB" if key.endswith("RSS") else " s"


def _floor_app(folder: Path) -> Path:
    """bench/floor_app.py copied into ``folder`` beside a link to ``static/`` (Streamlit
    serves the ``static`` folder next to the script it runs)."""
    script = folder / "floor_app.py"
    shutil.copy(ROOT / "bench" / "floor_app.py", script)
    (folder / "static").symlink_to(ROOT / "static", target_is_directory=True)
    return script


if __name__ == "__main__":
    sys.exit(main())

"""Benchmark: the app's first page on a cold server, in Debian's Chromium (Playwright).

Per round: start ``streamlit run app.py`` on a free loopback port (``INVESTMAP_DATA`` = the
county, basemap off, a fresh state folder), wait for ``/_stcore/health``, open the page and
wait until the map's Leaflet container is drawn inside its component frame and Streamlit's
status widget is gone. Printed: server start → healthy, and navigation → map drawn (what a
visitor waits for: the county loaded — validated, or from the validated-county cache —, the
map prepared and rendered). ``--cache cold`` gives every round an empty cache folder,
``warm`` one shared folder filled by a first, unreported run.

Usage::

    .venv/bin/python bench/bench_app_start.py --rounds 3          # the demo, 2,000 parcels
    .venv/bin/python bench/bench_app_start.py --data DIR/demo-100000x10000/county.gpkg
"""

from __future__ import annotations

import argparse
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", help="county GeoPackage (default: the embedded demo)")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--cache", choices=["cold", "warm"], default="cold")
    parser.add_argument("--timeout", type=float, default=180.0, help="seconds per page load")
    args = parser.parse_args(argv)
    from playwright.sync_api import sync_playwright

    shared = Path(tempfile.mkdtemp(prefix="investmap-app-cache-"))
    starts, firsts = [], []
    load0 = os.getloadavg()
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        rounds = args.rounds + (1 if args.cache == "warm" else 0)
        for r in range(rounds):
            cache = shared if args.cache == "warm" else Path(tempfile.mkdtemp())
            start, first = _one(browser, args, cache)
            if args.cache == "cold":
                shutil.rmtree(cache, ignore_errors=True)
            if args.cache == "warm" and r == 0:
                continue  # filled the cache
            starts.append(start)
            firsts.append(first)
            print(f"round {len(firsts)}: server healthy after {start:.2f} s, first page "
                  f"drawn {first:.2f} s after navigation", file=sys.stderr)
        browser.close()
    shutil.rmtree(shared, ignore_errors=True)
    load1 = os.getloadavg()
    print(f"{args.data or 'demo'} ({args.cache} cache), {len(firsts)} round(s), medians: "
          f"server start {statistics.median(starts):.2f} s, first page "
          f"{statistics.median(firsts):.2f} s (min {min(firsts):.2f}); load average "
          f"{load0[0]:.1f} before, {load1[0]:.1f} after")
    return 0


def _one(browser, args: argparse.Namespace, cache: Path) -> tuple[float, float]:  # noqa: ANN001
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = int(sock.getsockname()[1])
    state = Path(tempfile.mkdtemp(prefix="investmap-app-state-"))
    env = {**os.environ, "INVESTMAP_BASEMAP": "none", "INVESTMAP_STATE_DIR": str(state),
           "INVESTMAP_CACHE": str(cache)}
    if args.data:
        env["INVESTMAP_DATA"] = str(Path(args.data).resolve())
    t0 = time.perf_counter()
    proc = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", "app.py", "--server.headless", "true",
         "--server.port", str(port), "--server.address", "127.0.0.1",
         "--browser.gatherUsageStats", "false"],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    try:
        while True:
            try:
                with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as resp:
                    if resp.status == 200:
                        break
            except OSError:
                pass
            if proc.poll() is not None or time.perf_counter() - t0 > 120:
                raise RuntimeError("streamlit did not start")
            time.sleep(0.05)
        healthy = time.perf_counter() - t0
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
        page.close()
        return healthy, first
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
        shutil.rmtree(state, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())

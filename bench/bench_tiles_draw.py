"""The browser's side of the first view alone: how long headless Chromium takes to fetch,
decode and paint a published archive at the county's first view, for several archives
of the same county side by side (e.g. the 1M county's archive with and without the
overview groups of :func:`layers.vector_tiles.feature_groups`).

The page is the app's own tile layer (:class:`webmap.vtiles.VectorTileLayer`, staff
colouring by supply status, every tile layer) on a bare Leaflet map of the app's map size
(1100 × 700 px), fitted to the archive's bounds, served with byte ranges by a small local
server (like Streamlit's static route): no Streamlit, so the figure is the renderer's
alone (the app's page run comes before it, see ``bench_vtiles.py --browser``). Each
archive is drawn twice in fresh browser contexts; both times are printed.

Usage::

    .venv/bin/python -m bench.bench_tiles_draw 'DIR/county-wgs84-<digest>*.pmtiles' \
        'OTHER/county-wgs84-<digest>*.pmtiles' [--label per-feature grouped]
"""

from __future__ import annotations

import argparse
import glob
import os
import re
import shutil
import tempfile
import threading
import time
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import BinaryIO

import folium

from layers.county import load_county
from layers.vector_tiles import TileArchive
from webmap import styles
from webmap.assets import use_local_assets
from webmap.builder import map_styles, prepare
from webmap.vtiles import VectorTileLayer, VectorTiles, use_renderer

WIDTH, HEIGHT = 1100, 700
"""The investment map's size on a 1600 px desktop page (the map column, ``MAP_HEIGHT``)."""


class RangeHandler(SimpleHTTPRequestHandler):
    """Static files with single byte ranges answered 206, as Streamlit's static route."""

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        return

    def send_head(self) -> BinaryIO | None:  # type: ignore[override]
        path = self.translate_path(self.path)
        wanted = re.match(r"bytes=(\d+)-(\d*)", self.headers.get("Range") or "")
        if wanted is None or not os.path.isfile(path):
            return super().send_head()  # type: ignore[return-value]
        size = os.path.getsize(path)
        start = int(wanted.group(1))
        end = min(int(wanted.group(2)) if wanted.group(2) else size - 1, size - 1)
        handle = open(path, "rb")  # noqa: SIM115 - closed by the server after copyfile
        handle.seek(start)
        self.send_response(206)
        self.send_header("Content-Type", "application/octet-stream")
        self.send_header("Content-Range", f"bytes {start}-{end}/{size}")
        self.send_header("Content-Length", str(end - start + 1))
        self.end_headers()
        self._left = end - start + 1
        return handle

    def copyfile(self, source, outputfile) -> None:  # noqa: ANN001
        left = getattr(self, "_left", None)
        if left is None:
            super().copyfile(source, outputfile)
            return
        outputfile.write(source.read(left))
        self._left = None


def _page(root: Path, label: str, paths: list[Path],
          drawn: list[styles.LayerStyle]) -> str:
    """Write the page drawing the archive ``paths`` (hard-linked under ``root``) with the
    styles ``drawn``."""
    from tests.mvt_reader import archive_header

    folder = root / "app" / "static" / "tiles" / "vector" / label
    folder.mkdir(parents=True)
    for path in paths:
        try:
            os.link(path, folder / path.name)
        except OSError:
            shutil.copy(path, folder / path.name)
    header = archive_header(paths[0])
    bounds = [archive_header(p) for p in paths]
    west = min(b["min_lon_e7"] for b in bounds) / 1e7
    east = max(b["max_lon_e7"] for b in bounds) / 1e7
    south = min(b["min_lat_e7"] for b in bounds) / 1e7
    north = max(b["max_lat_e7"] for b in bounds) / 1e7
    urls = tuple(f"/app/static/tiles/vector/{label}/{p.name}" for p in paths)
    archive = TileArchive(path=paths[0], coords="wgs84", min_zoom=header["min_zoom"],
                          max_zoom=header["max_zoom"], features=0,
                          parts=tuple(paths) if len(paths) > 1 else ())
    tiles = VectorTiles(archive=archive, url=urls[0], part_urls=urls if len(urls) > 1 else ())
    fmap = folium.Map(location=[(south + north) / 2, (west + east) / 2], zoom_start=8,
                      tiles=None, prefer_canvas=True, min_zoom=tiles.min_display_zoom)
    use_local_assets(fmap)
    use_renderer(fmap)
    VectorTileLayer(tiles, drawn, name="tiles").add_to(fmap)
    fmap.fit_bounds([[south, west], [north, east]])
    name = f"{label}.html"
    fmap.save(str(root / name))
    return name


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("archives", nargs="+", help="glob of one archive's files (its parts)")
    parser.add_argument("--label", nargs="*", default=[])
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    from tests.e2e.conftest import CHROMIUM_ARGS
    from tests.e2e.flows import CURRENT_TILES_DRAWN
    from webmap.assets import vendor_dir

    with tempfile.TemporaryDirectory(prefix="bench-draw-") as tmp:
        root = Path(tmp)
        shutil.copytree(vendor_dir(), root / "app" / "static" / "vendor")
        data = prepare(load_county(None), audience="staff", lang="zh", coords="wgs84")
        drawn = [s for s in map_styles(data, grouped=True) if not s.marked]  # once for all
        pages = []
        for i, pattern in enumerate(args.archives):
            label = args.label[i] if i < len(args.label) else f"archive{i}"
            paths = sorted(Path(p) for p in glob.glob(pattern))
            if not paths:
                raise SystemExit(f"{pattern}: no archive file; fix: give a glob of .pmtiles")
            pages.append((label, paths, _page(root, label, paths, drawn)))
        server = ThreadingHTTPServer(("127.0.0.1", 0),
                                     partial(RangeHandler, directory=str(root)))
        threading.Thread(target=server.serve_forever, daemon=True).start()
        base = f"http://127.0.0.1:{server.server_address[1]}"
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path="/usr/bin/chromium",
                                         args=CHROMIUM_ARGS)
            for label, paths, name in pages:
                times = []
                for _ in range(2):
                    context = browser.new_context(viewport={"width": WIDTH, "height": HEIGHT})
                    page = context.new_page()
                    ranges: list[str] = []
                    page.on("response", lambda r, ranges=ranges: ranges.append(r.url)
                            if r.status == 206 else None)
                    t0 = time.perf_counter()
                    page.goto(f"{base}/{name}")
                    page.wait_for_function(
                        "() => !!window.investmapTiles && !!window.investmapTiles._map"
                        f" && ({CURRENT_TILES_DRAWN})()", timeout=300_000, polling=50)
                    times.append(time.perf_counter() - t0)
                    zoom = page.evaluate("() => window.investmapTiles._map.getZoom()")
                    context.close()
                size = sum(p.stat().st_size for p in paths) / 2**20
                print(f"{label:>12}: first full draw {times[0]:5.2f} s, again {times[1]:5.2f} s"
                      f" at z{zoom} ({len(ranges)} ranges of {len(paths)} file(s), "
                      f"{size:.0f} MB; load {' '.join(f'{v:.1f}' for v in os.getloadavg())})")
            browser.close()
        server.shutdown()


if __name__ == "__main__":
    main()

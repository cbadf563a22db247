"""Vector tiles against today's GeoJSON path, side by side, at 2,000 and 100,000 parcels.

Server side (no browser), per county size:

- GeoJSON path: what one map update sends through Streamlit for the first (county-wide)
  view and a pan at z15 (server seconds, bytes, features drawn of those in view) — paid
  again on every pan and zoom;
- tiles: the archive build (features → line-delimited GeoJSON → tippecanoe → PMTiles),
  the tiler alone, the archive's size, and the rebuild after one edited parcel.

With ``--browser`` also, in headless Chromium against the running app (``streamlit run``
with ``INVESTMAP_DATA`` = the county; ``INVESTMAP_VECTOR_TILES=0`` for the GeoJSON path):
first full draw, a pan (until the map is drawn again), websocket frames the pan sent, and
click → card.

Usage::

    .venv/bin/python bench/bench_vtiles.py [--sizes 2000 100000] [--work DIR] [--browser]

Counties other than the embedded demo are generated with ``investmap demo`` unless already
in ``--work``. Say the machine's load (printed) with every figure.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from pathlib import Path

from bench.bench_map import county_path, payload
from layers.county import County, load_county
from layers.supply import availability
from layers.vector_tiles import _run_tiler, _write_geojsonseq, build_archive, tile_frames
from webmap.builder import prepare
from webmap.display import Viewport
from webmap.vtiles import archive_min_zoom, county_bounds, publish

MB = 1024 * 1024


def load() -> str:
    return "load " + " ".join(f"{v:.1f}" for v in os.getloadavg())


def server_side(n: int, work: Path) -> tuple[Path | None, tuple[float, float, str]]:
    path = county_path(n, work)
    county = load_county(path)
    av = availability(county)
    parcels = len(county["parcel"])
    print(f"\n== {parcels:,} parcels, {len(county['redline']):,} red lines ({load()})")
    data = prepare(county, audience="investor", lang="zh")
    first = Viewport.covering(data.bounds(), height_px=600)
    cx, cy = (first.west + first.east) / 2, (first.south + first.north) / 2
    w = 0.012
    panned = Viewport(cx, cy - w / 2, cx + 2 * w, cy + w / 2, zoom=15)
    caps = {"parcel": 5000, "redline": 1500, "project": 1500, "park": 500}
    for name, view in (("first view", first), ("pan at z15", panned)):
        secs, size, shown = payload(data, viewport=view, max_features=caps)
        in_view = len(data.layers["parcel"].select(viewport=view).index)
        print(f"  GeoJSON {name:<11} {secs:6.2f} s server  {size / MB:7.2f} MB sent  "
              f"{shown:,} features drawn ({in_view:,} parcels in view) — every pan/zoom")
    with tempfile.TemporaryDirectory(prefix="bench-vtiles-") as tmp:
        out = Path(tmp)
        min_zoom = archive_min_zoom(county_bounds(county))
        t0 = time.perf_counter()
        archive = build_archive(county, out, min_zoom=min_zoom, availability=av)
        built = time.perf_counter() - t0
        frames = tile_frames(county, availability=av)
        inputs = []
        for name, frame in frames.items():
            _write_geojsonseq(frame, out / f"{name}.geojsons")
            inputs.append((name, out / f"{name}.geojsons"))
        t0 = time.perf_counter()
        _run_tiler(inputs, out / "tiler-alone.pmtiles", min_zoom=min_zoom,
                   max_zoom=archive.max_zoom)
        tiler = time.perf_counter() - t0
        print(f"  tiles   build {built:6.1f} s (tippecanoe alone {tiler:.1f} s)  "
              f"{archive.path.stat().st_size / MB:7.2f} MB  z{archive.min_zoom}–"
              f"z{archive.max_zoom}, {archive.features:,} features, none thinned ({load()})")
        edited = _edit_one(county)
        t0 = time.perf_counter()
        again = build_archive(edited, out, min_zoom=min_zoom, availability=av)
        rebuilt = time.perf_counter() - t0
        assert again.path != archive.path
        print(f"  tiles   rebuild after one edited parcel {rebuilt:6.1f} s ({load()})")
    return path, click_target(county)


def _edit_one(county: County) -> County:
    parcels = county["parcel"].copy()
    row = parcels.index[0]
    parcels.loc[row, "status"] = "sold" if parcels.loc[row, "status"] != "sold" else "reserve"
    return County(layers={**county.layers, "parcel": parcels}, policy=county.policy,
                  source=county.source)


def click_target(county: County) -> tuple[float, float, str]:
    """(lat, lng, parcel id) of a point inside a parcel on offer (investors see those)."""
    av = availability(county)
    pid = str(av.loc[av["available"], "parcel_id"].iloc[0])
    parcels = county["parcel"]
    shape = parcels[parcels["parcel_id"].astype(str) == pid].to_crs(4326).geometry.iloc[0]
    inside = shape.representative_point()
    return inside.y, inside.x, pid


def browser_side(path: Path | None, target: tuple[float, float, str], *,
                 tiles: bool) -> None:
    """First draw, pan, websocket frames on pan, click → card, in headless Chromium."""
    from playwright.sync_api import sync_playwright

    from tests.e2e.conftest import CHROMIUM_ARGS, map_frame, serve_app, wait_ready

    env = {"INVESTMAP_AS_OF": "2026-11-22", "INVESTMAP_VECTOR_TILES": "1" if tiles else "0",
           "INVESTMAP_DATA": str(path) if path else None}
    label = "tiles  " if tiles else "GeoJSON"
    with tempfile.TemporaryDirectory() as state, serve_app(Path(state), env) as url, \
            sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        page = browser.new_context(viewport={"width": 1600, "height": 1000}).new_page()
        page.set_default_timeout(300_000)
        sent: list[object] = []
        page.on("websocket", lambda ws: ws.on("framesent", lambda p: sent.append(p)))
        t0 = time.perf_counter()
        page.goto(url)
        wait_ready(page)
        frame = map_frame(page)
        frame.wait_for_function(_drawn(tiles), timeout=300_000)
        first = time.perf_counter() - t0
        again = browser.new_context(viewport={"width": 1600, "height": 1000}).new_page()
        again.set_default_timeout(300_000)
        t0 = time.perf_counter()
        again.goto(url)
        wait_ready(again)
        map_frame(again).wait_for_function(_drawn(tiles), timeout=300_000)
        second = time.perf_counter() - t0
        again.close()
        page.wait_for_timeout(1500)
        wait_ready(page)
        frame = map_frame(page)
        before = len(sent)
        t0 = time.perf_counter()
        frame.evaluate("() => { window.benchPanned = false;"
                       " window.map.panBy([300, 150], {animate: false}); }")
        if tiles:
            frame.wait_for_function("() => !window.investmapTiles._loading")
        else:
            page.wait_for_timeout(400)  # the map reports its bounds after 250 ms
            wait_ready(page)
            frame = map_frame(page)
        pan = time.perf_counter() - t0
        frames_sent = len(sent) - before
        lat, lng, pid = target
        frame.evaluate(f"() => {{ window.map.setView([{lat}, {lng}], 16, {{animate: false}});"
                       " return 1; }")
        page.wait_for_timeout(1500)
        wait_ready(page)
        frame = map_frame(page)
        point = frame.evaluate(f"""() => {{
          const p = window.map.latLngToContainerPoint([{lat}, {lng}]);
          return [p.x, p.y]; }}""")
        box = page.locator("iframe[title*='st_folium']").first.bounding_box()
        t0 = time.perf_counter()
        page.mouse.click(box["x"] + point[0], box["y"] + point[1])
        page.get_by_text(f"地块 {pid}").first.wait_for(timeout=120_000)
        card = time.perf_counter() - t0
        card_text = f"{card:.2f} s"
        print(f"  {label} browser: first draw {first:5.1f} s (next visitor {second:.1f} s), "
              f"pan {pan:5.2f} s with {frames_sent} websocket frames sent, "
              f"click → card {card_text} ({load()})")
        browser.close()


def _drawn(tiles: bool) -> str:
    if tiles:
        return ("() => window.investmapTiles && window.investmapTiles._map"
                " && !window.investmapTiles._loading")
    return "() => { let n = 0; window.map.eachLayer(() => { n += 1; }); return n > 5; }"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[2000, 100_000])
    parser.add_argument("--work", type=Path, default=Path(tempfile.gettempdir()) / "investmap")
    parser.add_argument("--browser", action="store_true")
    parser.add_argument("--browser-only", action="store_true",
                        help="skip the server-side figures (the county must exist)")
    parser.add_argument("--paths", nargs="+", choices=("geojson", "tiles"),
                        default=["geojson", "tiles"], help="browser runs to make")
    args = parser.parse_args()
    for n in args.sizes:
        if args.browser_only:
            path = county_path(n, args.work)
            target = click_target(load_county(path))
        else:
            path, target = server_side(n, args.work)
        if args.browser or args.browser_only:
            if "geojson" in args.paths:
                browser_side(path, target, tiles=False)
            if "tiles" not in args.paths:
                continue
            county = load_county(path)
            t0 = time.perf_counter()
            publish(county, coords="wgs84", availability=availability(county))
            print(f"  tiles   published into static/ before the app starts "
                  f"{time.perf_counter() - t0:.1f} s ({load()})")
            browser_side(path, target, tiles=True)


if __name__ == "__main__":
    main()

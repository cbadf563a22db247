"""Vector tiles against today's GeoJSON path, side by side, at 2,000 and 100,000 parcels.

Server side (no browser), per county size:

- GeoJSON path: what one map update sends through Streamlit for the first (county-wide)
  view and a pan at z15 (server seconds, bytes, features drawn of those in view) — paid
  again on every pan and zoom;
- tiles: the archive build (features → line-delimited GeoJSON → tippecanoe → PMTiles),
  the tiler alone, the archive's size, and the rebuild after one edit both ways, in the
  same run: the delta path the app takes (:class:`webmap.vtiles.TilePublisher`: what
  changed against the full archive, a delta archive of it, published) for one parcel taken
  off offer and for one parcel deleted, next to the full rebuild (the old path, now run in
  the background only).

With ``--browser`` also, in headless Chromium against the running app (``streamlit run``
with ``INVESTMAP_DATA`` = the county; ``INVESTMAP_VECTOR_TILES=0`` for the GeoJSON path):
first full draw, a pan (until the map is drawn again), websocket frames the pan sent, and
click → card (on the drawn map). Broken down: the first draw into the page's run (until
the browser receives the server's "script finished" message), the map made (its first tile
request, on the frame's own clock) and the tiles drawn; click → card beside the server's
rerun it caused (the same message).

With ``--edit`` (a GeoPackage county), edit → the map shows it in Chromium: an admin sells
a parcel on 数据维护 of an app on a store seeded from the county, the page's map zoomed in
on it, timed from the save click until "已保存" shows and until the map paints the parcel
in its new colour (full rebuild held back; all three marked on the pages' own clocks) —
once per way (``--edit-paths``, :data:`EDIT_PATHS`) in the same run, each on its own app
and store copy: by default the app as it is (the delta handed to the mounted map) and the
path before it (``INVESTMAP_DELTA_IN_PLACE=0``: the map mounted again with the delta in its
script, then zoomed in on the parcel again); ``reload`` adds ``INVESTMAP_EDIT_PATCH=0``
(every save reloads the whole county: the first path). ``--edit-only`` skips everything
else.

Usage::

    .venv/bin/python bench/bench_vtiles.py [--sizes 2000 100000] [--work DIR] [--browser]
        [--edit] [--edit-only] [--skip-tiler-alone] [--no-full-rebuild] [--no-geojson]
    # 1,000,000 parcels from an existing GeoParquet county (read only), tiles only:
    .venv/bin/python bench/bench_vtiles.py --county DIR --no-geojson --skip-tiler-alone \
        --no-full-rebuild --browser --paths tiles --after-warm-up

Counties other than the embedded demo are generated with ``investmap demo`` unless already
in ``--work``. Say the machine's load (printed) with every figure.
"""

from __future__ import annotations

import argparse
import os
import shutil
import tempfile
import time
from contextlib import ExitStack
from pathlib import Path

from bench.bench_map import county_path, payload
from layers.county import County, load_county
from layers.supply import availability
from layers.tile_delta import tile_delta, tile_state
from layers.vector_tiles import (
    TileArchive,
    build_archive,
    run_tiler,
    tile_frames,
    unpack_ids,
    write_geojsonseq,
)
from tests.e2e.flows import CURRENT_TILES_DRAWN
from webmap.builder import prepare
from webmap.display import Viewport
from webmap.vtiles import (
    STATIC_VECTOR,
    TilePublisher,
    archive_min_zoom,
    county_bounds,
    publish,
)

MB = 1024 * 1024


def load() -> str:
    return "load " + " ".join(f"{v:.1f}" for v in os.getloadavg())


def server_side(path: Path | None, *, tiles_dir: Path, skip_tiler: bool = False,
                full_rebuild: bool = True, geojson: bool = True,
                edits: tuple[str, ...] = ("off-offer", "delete")) -> list[Target]:
    """The server-side figures of the county at ``path`` (archives built in ``tiles_dir``);
    returns a click target for the browser runs."""
    t0 = time.perf_counter()
    county = load_county(path)
    av = availability(county)
    loaded = time.perf_counter() - t0
    parcels = len(county["parcel"])
    print(f"\n== {parcels:,} parcels, {len(county['redline']):,} red lines (loaded and judged "
          f"in {loaded:.1f} s; {load()})")
    if geojson:
        _geojson_payloads(county)
    min_zoom = archive_min_zoom(county_bounds(county))
    t0 = time.perf_counter()
    archive = build_archive(county, tiles_dir, min_zoom=min_zoom, availability=av)
    built = time.perf_counter() - t0
    tiler_alone = ""
    if not skip_tiler:
        with tempfile.TemporaryDirectory(prefix="bench-vtiles-") as tmp:
            inputs = []
            for name, frame in tile_frames(county, availability=av).items():
                write_geojsonseq(frame, Path(tmp) / f"{name}.geojsons")
                inputs.append((name, Path(tmp) / f"{name}.geojsons"))
            t0 = time.perf_counter()
            run_tiler(inputs, Path(tmp) / "tiler-alone.pmtiles", min_zoom=min_zoom,
                      max_zoom=archive.max_zoom)
            tiler_alone = f" (tippecanoe alone {time.perf_counter() - t0:.1f} s)"
    parts = f", {len(archive.paths)} parts of " + " / ".join(
        f"{p.stat().st_size / MB:.1f}" for p in archive.paths) + " MB" if archive.parts else ""
    print(f"  tiles   build {built:6.1f} s{tiler_alone}  {archive.size_bytes / MB:7.2f} MB"
          f"{parts}  z{archive.min_zoom}–z{archive.max_zoom}, {archive.features:,} features, "
          f"none thinned ({load()})")
    if archive.overview_zoom is not None:
        print(f"  tiles   groups of parcels and red lines up to z{archive.overview_zoom}")
    present = ids_at_zoom(archive, archive.min_zoom)
    print(f"  tiles   parcels in the tiles at the archive's lowest zoom z{archive.min_zoom}: "
          f"{len(present & set(map(str, county['parcel']['parcel_id']))):,} of "
          f"{len(county['parcel']):,}")
    publisher = TilePublisher(static_dir=tiles_dir, url_base="/bench", compact_after=86_400)
    publisher.current(county, coords="wgs84", availability=av)  # the archive above
    state = tile_state(county, av)
    offered = str(av.loc[av["available"], "parcel_id"].iloc[0])
    cases = {"off-offer": ("parcel taken off offer", _transfer),
             "delete": ("parcel deleted", _delete)}
    for what, edit in (cases[e] for e in edits):
        edited = edit(county, offered)
        t0 = time.perf_counter()
        edited_av = availability(edited)
        judged = time.perf_counter() - t0
        t0 = time.perf_counter()
        delta = tile_delta(state, edited, new_availability=edited_av)
        diffed = time.perf_counter() - t0
        t0 = time.perf_counter()
        shown = publisher.current(edited, coords="wgs84", availability=edited_av)
        published = time.perf_counter() - t0
        size = 0.0 if shown.tiles.delta is None else shown.tiles.delta.path.stat().st_size
        assert shown.tiles.url.endswith(archive.name) and shown.pending == ()
        print(f"  tiles   rebuild after one edit ({what}), delta path: {published:5.2f} s "
              f"(what changed {diffed:.2f} s, {delta.size} features; delta archive "
              f"{size / 1024:.1f} KB); the app's availability of the edited county "
              f"{judged:.2f} s before it ({load()})")
    if full_rebuild:
        edited = _transfer(county, offered)
        t0 = time.perf_counter()
        again = build_archive(edited, tiles_dir, min_zoom=min_zoom,
                              availability=availability(edited))
        rebuilt = time.perf_counter() - t0
        assert again.path != archive.path
        print(f"  tiles   rebuild after one edit, full archive (the old path; now the "
              f"background rebuild) {rebuilt:6.1f} s ({load()})")
    return click_target(county)


def ids_at_zoom(archive: TileArchive, zoom: int) -> set[str]:
    """Parcel ids the archive's tiles of ``zoom`` hold (a feature's own id, or a group's
    members)."""
    from pmtiles.reader import MmapSource, all_tiles

    from tests.mvt_reader import decode_tile

    ids: set[str] = set()
    for path in archive.paths:
        with path.open("rb") as handle:
            tiles = [data for (z, _x, _y), data in all_tiles(MmapSource(handle)) if z == zoom]
        for data in tiles:
            for row in decode_tile(data).get("parcel", []):
                if "parcel_ids" in row:
                    ids.update(unpack_ids(str(row["parcel_ids"])))
                else:
                    ids.add(str(row["parcel_id"]))
    return ids


def _geojson_payloads(county: County) -> None:
    """What one map update sent through Streamlit before tiles (first view, a pan)."""
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


def _transfer(county: County, pid: str) -> County:
    """The county with parcel ``pid`` transferred (no longer on offer)."""
    parcels = county["parcel"].copy()
    parcels.loc[parcels["parcel_id"].astype(str) == pid, "status"] = "transferred"
    return County(layers={**county.layers, "parcel": parcels}, policy=county.policy,
                  source=county.source)


def _delete(county: County, pid: str) -> County:
    """The county without parcel ``pid``."""
    parcels = county["parcel"]
    return County(layers={**county.layers,
                          "parcel": parcels[parcels["parcel_id"].astype(str) != pid]},
                  policy=county.policy, source=county.source)


Target = tuple[float, float, str]
"""(lat, lng, parcel id) of a point inside a parcel."""


def click_target(county: County) -> list[Target]:
    """Points inside the first two parcels on offer (investors see those): the browser
    clicks the first, the server-side run (:func:`server_runs`) the second, so neither
    finds the other's map already rendered."""
    av = availability(county)
    parcels = county["parcel"]
    targets = []
    for pid in av.loc[av["available"], "parcel_id"].astype(str).iloc[:2]:
        shape = parcels[parcels["parcel_id"].astype(str) == pid].to_crs(4326).geometry.iloc[0]
        inside = shape.representative_point()
        targets.append((inside.y, inside.x, pid))
    return targets


def browser_side(path: Path | None, targets: list[Target], *,
                 tiles: bool, after_warm_up: bool = False) -> None:
    """First draw, pan, websocket frames on pan, click → card, in headless Chromium;
    ``after_warm_up``: the first visitor comes once the app's warm-up (data, availability,
    the first map) is done, and the app's start is timed apart."""
    from playwright.sync_api import sync_playwright

    from tests.e2e.conftest import CHROMIUM_ARGS, map_frame, serve_app, wait_ready
    from ui.serve import served
    from webmap.assets import install

    env = {"INVESTMAP_AS_OF": "2026-11-22", "INVESTMAP_VECTOR_TILES": "1" if tiles else "0",
           "INVESTMAP_DATA": str(path) if path else None}
    label = "tiles  " if tiles else "GeoJSON"
    timings: dict[str, float] = {}
    with tempfile.TemporaryDirectory() as state, ExitStack() as stack, \
            sync_playwright() as pw:
        if after_warm_up:
            install()
            url = stack.enter_context(served(
                {"INVESTMAP_BASEMAP": "none", "INVESTMAP_STATE_DIR": state, **env},
                log_path=Path(state) / "streamlit.log", wait_ready=True, timeout=3600,
                timings=timings))
        else:
            url = stack.enter_context(serve_app(Path(state), env))
        if after_warm_up:
            print(f"  {label} app ready (data loaded, first map warmed) "
                  f"{timings.get('ready', 0.0):.1f} s after start, server RSS "
                  f"{server_rss() / 2**30:.2f} GB ({load()})")
        if len(targets) > 1:
            page_run, click_run, card = server_runs(url, targets[1])
            print(f"  {label} server alone (a websocket client, no browser): a new visitor's "
                  f"page run {page_run:.2f} s, a click's rerun {click_run:.2f} s "
                  f"({'its card sent' if card else 'NO card sent'}) ({load()})")
        browser = pw.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        page = browser.new_context(viewport={"width": 1600, "height": 1000}).new_page()
        page.set_default_timeout(300_000)
        sent: list[object] = []
        runs = RunClock()
        page.on("websocket", lambda ws: (ws.on("framesent", lambda p: sent.append(p)),
                                         ws.on("framereceived", runs.received)))
        t0 = time.perf_counter()
        page.goto(url)
        wait_ready(page)
        frame = map_frame(page)
        frame.wait_for_function("() => !!window.map", timeout=300_000)
        framed = time.perf_counter() - t0  # the page run done, the map's frame there
        frame.wait_for_function(_drawn(tiles), timeout=300_000)
        first = time.perf_counter() - t0
        page_run = runs.first_finished(after=t0, page=page)
        asked = _tiles_asked(page, frame) if tiles else None
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
            frame.wait_for_function(CURRENT_TILES_DRAWN)
        else:
            page.wait_for_timeout(400)  # the map reports its bounds after 250 ms
            wait_ready(page)
            frame = map_frame(page)
        pan = time.perf_counter() - t0
        frames_sent = len(sent) - before
        lat, lng, pid = targets[0]
        frame.evaluate(f"() => {{ window.map.setView([{lat}, {lng}], 16, {{animate: false}});"
                       " return 1; }")
        page.wait_for_timeout(1500)
        wait_ready(page)
        frame = map_frame(page)
        if tiles:  # the click lands on a drawn map, as a person's would
            frame.wait_for_function(CURRENT_TILES_DRAWN,
                                    timeout=300_000)
        point = frame.evaluate(f"""() => {{
          const p = window.map.latLngToContainerPoint([{lat}, {lng}]);
          return [p.x, p.y]; }}""")
        box = page.locator("iframe[title*='st_folium']").first.bounding_box()
        page.evaluate(CARD_WATCH, f"地块 {pid}")
        t0 = time.perf_counter()
        page.mouse.click(box["x"] + point[0], box["y"] + point[1])
        page.get_by_text(f"地块 {pid}").first.wait_for(timeout=120_000)
        polled = time.perf_counter() - t0
        card = page.evaluate("() => window.benchCardShown")
        wait_ready(page)
        click_run = runs.first_finished(after=t0, page=page)
        card_text = (f"{card:.2f} s (the page's own clock: the click to the first frame "
                     f"painted with the card; Playwright's polling saw it after {polled:.2f} s; "
                     f"the server's rerun done after {_secs(click_run)})")
        print(f"  {label} browser: first draw {first:5.1f} s (the page's run done after "
              f"{_secs(page_run)}, the map made and asking for tiles after {_secs(asked)}, "
              f"the map's frame seen by the bench after {framed:.1f} s; next visitor "
              f"{second:.1f} s), "
              f"pan {pan:5.2f} s with {frames_sent} websocket frames sent, "
              f"click → card {card_text}, server RSS {server_rss() / 2**30:.2f} GB ({load()})")
        browser.close()


EDIT_PATHS = {
    "in-place": ("county patched, the delta handed to the mounted map (now)",
                 {"INVESTMAP_EDIT_PATCH": "1", "INVESTMAP_DELTA_IN_PLACE": "1"}),
    "remount": ("county patched, the map mounted again with the delta in its script "
                "(INVESTMAP_DELTA_IN_PLACE=0: the path before)",
                {"INVESTMAP_EDIT_PATCH": "1", "INVESTMAP_DELTA_IN_PLACE": "0"}),
    "reload": ("whole county reloaded, the map mounted again (INVESTMAP_EDIT_PATCH=0 "
               "INVESTMAP_DELTA_IN_PLACE=0: the first path)",
               {"INVESTMAP_EDIT_PATCH": "0", "INVESTMAP_DELTA_IN_PLACE": "0"}),
}
"""The ways an edit reaches the map that ``--edit`` times, each on its own app and store."""


def browser_edit(path: Path, paths: tuple[str, ...] = ("in-place", "remount")) -> None:
    """Edit → the map shows it, in Chromium, each of ``paths`` (:data:`EDIT_PATHS`) in one
    run (see the module doc), each on its own app and copy of the store."""
    from layers.store.gpkg import GeoPackageStore

    with tempfile.TemporaryDirectory(prefix="bench-edit-") as tmp:
        seeded = Path(tmp) / "seed.gpkg"
        t0 = time.perf_counter()
        with GeoPackageStore(seeded, seed=path) as opened:
            ids = opened.ids("parcel")
        print(f"  store seeded from the county {time.perf_counter() - t0:.1f} s ({load()})")
        county = load_county(seeded)
        judged = availability(county)
        t0 = time.perf_counter()
        publish(county, coords="wgs84", availability=judged)  # the apps start on it
        print(f"  store's archive published before the app starts {time.perf_counter() - t0:.1f}"
              f" s ({load()})")
        on_offer = set(judged.loc[judged["available"], "parcel_id"].astype(str))
        pid = next(p for p in ids if p in on_offer)
        shape = county["parcel"].set_index("parcel_id").loc[[pid]].to_crs(4326).geometry
        inside = shape.iloc[0].representative_point()
        del county, judged
        for name in paths:
            store = Path(tmp) / name / "store.gpkg"
            store.parent.mkdir()
            shutil.copyfile(seeded, store)
            _edit_in_browser(store, pid, (inside.y, inside.x), name)


SAVE_WATCH = """() => { const button = [...document.querySelectorAll('button')]
    .find(b => b.textContent.trim() === '保存');
  button.addEventListener('click', () => {
    window.benchClicked = performance.timeOrigin + performance.now(); }, {capture: true});
  new MutationObserver((_, seen) => {
    if (document.body.innerText.includes('已保存，新版本')) {
      window.benchSaved = performance.timeOrigin + performance.now(); seen.disconnect(); } })
    .observe(document.body, {childList: true, subtree: true, characterData: true}); }"""
"""Marks, on the page's own clock (epoch ms), the save click and "已保存" showing."""
PAINT_WATCH = """([lat, lng, colors, wanted]) => { window.benchPainted = null;
  const far = (a, b) => a.slice(0, 3).reduce((s, v, i) => s + (v - b[i]) ** 2, 0);
  const pixel = %PIXEL%;
  (function look() { const got = pixel([lat, lng]);
    if (got) { const nearest = colors.reduce((best, c) =>
        far(got, c[1]) < far(got, best[1]) ? c : best);
      if (nearest[0] === wanted) {
        window.benchPainted = performance.timeOrigin + performance.now(); return; } }
    requestAnimationFrame(look); })(); }"""
"""Marks, on the map frame's clock, the first animation frame whose tile canvas at
(``lat``, ``lng``) is nearest the colour of status ``wanted`` (of ``colors``, code → RGB):
the edited parcel painted anew, seen without polling from the bench. (``%PIXEL%``: the
canvas reader of the browser tests.)"""


def _edit_in_browser(store: Path, pid: str, inside: tuple[float, float], how: str) -> None:
    """An admin sets parcel ``pid`` (on offer) to 已出让 on 数据维护 of an app on ``store``,
    the page's map zoomed in on it (z17), the way ``how`` (:data:`EDIT_PATHS`); seconds
    from the save click until "已保存" shows and until the map paints the parcel at
    ``inside`` (lat, lng) in its new colour — both marked on the page's own clocks —, with
    the server's side (the websocket's messages: the map's component sent, the run
    finished) and the browser's (the map's frame made again or not, the delta archive's
    first byte range asked) in between."""
    from playwright.sync_api import Error as PlaywrightError
    from playwright.sync_api import sync_playwright

    from tests.e2e.conftest import (
        CHROMIUM_ARGS,
        E2E_PASSWORDS,
        map_frame,
        real_users,
        serve_app,
        wait_ready,
    )
    from tests.e2e.flows import CURRENT_TILES_DRAWN, log_in, pick_parcel_to_edit
    from tests.e2e.test_vector_delta_e2e import COLORS, PIXEL, _choose, _nearest_status

    label, switches = EDIT_PATHS[how]
    watch = PAINT_WATCH.replace("%PIXEL%", PIXEL)
    colors = [[code, [int(str(c)[i:i + 2], 16) for i in (1, 3, 5)]]
              for code, c in COLORS.items()]
    folder = store.parent
    env = {"INVESTMAP_STORE": str(store), "INVESTMAP_DATA": "",
           "INVESTMAP_AS_OF": "2026-11-22", "INVESTMAP_TILES_COMPACT_AFTER": "86400",
           "INVESTMAP_USERS": str(real_users(folder)), **switches}
    with serve_app(folder, env) as url, sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path="/usr/bin/chromium",
                                     args=CHROMIUM_ARGS)
        page = browser.new_context(viewport={"width": 1600, "height": 1000},
                                   locale="zh-CN").new_page()
        page.set_default_timeout(180_000)
        clock = _MessageClock()
        page.on("websocket", lambda ws: ws.on("framereceived", clock.received))
        log_in(page, url, "admin", E2E_PASSWORDS["admin"])
        page.get_by_role("link", name="数据维护").click()
        wait_ready(page)
        for attempt in range(3):  # a rerun can close the id box under the typing
            try:
                pick_parcel_to_edit(page, pid)
                break
            except PlaywrightError:
                if attempt == 2:
                    raise
                page.keyboard.press("Escape")
                wait_ready(page)
        page.get_by_text("当前值：可供应", exact=True).wait_for()
        page.wait_for_timeout(2000)  # the map reports its first view (one rerun)
        wait_ready(page)
        frame = map_frame(page)
        frame.wait_for_function(CURRENT_TILES_DRAWN)
        frame.evaluate(f"() => {{ window.benchKept = 1; window.map.setView("
                       f"[{inside[0]}, {inside[1]}], 17, {{animate: false}}); return 1; }}")
        frame.wait_for_function(CURRENT_TILES_DRAWN)
        page.wait_for_timeout(1500)  # painted a little after loaded
        before = _nearest_status(frame.evaluate(PIXEL, list(inside)))
        form = page.locator("[data-testid='stForm']")
        _choose(page, form.locator("[data-testid='stSelectbox']").first, "已出让")
        form.get_by_label("修改原因（必填，记入审计日志）").fill("bench")
        frames: list[float] = []
        page.on("frameattached", lambda _f: frames.append(time.time() * 1000))
        page.evaluate(SAVE_WATCH)
        page.evaluate("() => { window.benchLong = []; new PerformanceObserver(list =>"
                      " window.benchLong.push(...list.getEntries())).observe("
                      "{type: 'longtask'}); }")
        frame.evaluate(watch, [*inside, colors, "transferred"])
        form.get_by_role("button", name="保存").click()
        page.wait_for_function("() => !!window.benchSaved")
        clicked, saved = page.evaluate("() => [window.benchClicked, window.benchSaved]")
        kept = True
        deadline = time.monotonic() + 600
        while time.monotonic() < deadline:
            try:
                painted = frame.evaluate("() => window.benchPainted")
            except Exception:  # noqa: BLE001 - the frame was made again: watch the new one
                kept = False
                frame = _new_map(page, inside, watch, [colors, "transferred"])
                continue
            if painted:
                break
            page.wait_for_timeout(100)
        else:
            raise AssertionError("the edited parcel was never painted in its new colour")
        after = _nearest_status(frame.evaluate(PIXEL, list(inside)))
        delta, landed = frame.evaluate("""() => {
          const r = performance.getEntriesByType('resource')
            .filter(e => e.name.includes('/delta-'));
          return r.length ? [performance.timeOrigin + r[0].startTime, performance.timeOrigin
            + Math.max(...r.map(e => e.responseEnd))] : [null, null]; }""")
        busy = page.evaluate(f"""() => window.benchLong
          .filter(e => performance.timeOrigin + e.startTime > {clicked}
                  && performance.timeOrigin + e.startTime < {painted})
          .reduce((s, e) => s + e.duration, 0) / 1000""")
        wait_ready(page)

        def secs(at: float | None) -> str:
            return "?" if at is None else f"{(at - clicked) / 1000:.2f} s"

        sent = next((t for t in clock.component if t > clicked), None)
        finished = [t for t in clock.finished if t > clicked]
        made = next((t for t in frames if t > clicked), None)
        print(f"  tiles   edit → map shows it, {label} (Chromium, {pid}: {before} → {after}): "
              f"**{secs(painted)}** from the save click to the parcel painted in its new colour "
              f"('已保存' after {secs(saved)}; the map's component sent after {secs(sent)}, "
              f"the page's runs finished after "
              f"{', '.join(secs(t) for t in finished) or '?'}; "
              + (f"the same map kept, its delta archive asked after {secs(delta)} and "
                 f"its last byte range in after {secs(landed)}"
                 if kept else f"the map's frame made again after {secs(made)}, then zoomed "
                 f"in on the parcel again by the bench")
              + f"; the page's main thread busy in long tasks {busy:.2f} s until then; server RSS "
              f"{server_rss() / 2**30:.2f} GB) ({load()})")
        browser.close()


def _new_map(page, inside: tuple[float, float], watch: str,  # noqa: ANN001 - playwright Page
             wanted: list):  # noqa: ANN202 - playwright Frame
    """The map's frame made again after the save: zoomed in on ``inside`` as the user had
    it, and watched for the parcel's new colour."""
    from tests.e2e.conftest import map_frame

    while True:
        frame = map_frame(page)
        try:
            if frame.evaluate("() => !!window.investmapTiles && !!window.investmapPaint"
                              " && !window.benchKept"):
                frame.evaluate(f"() => {{ window.map.setView([{inside[0]}, {inside[1]}], 17,"
                               " {animate: false}); return 1; }")
                frame.evaluate(watch, [*inside, *wanted])
                return frame
        except Exception:  # noqa: BLE001 - detached while the page reruns
            pass
        page.wait_for_timeout(100)


class _MessageClock:
    """Epoch ms at which the browser received the server's messages after the save: the
    map's component (its new arguments) and each run finished."""

    def __init__(self) -> None:
        self.component: list[float] = []
        self.finished: list[float] = []

    def received(self, payload: bytes | str) -> None:
        from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

        if isinstance(payload, str):
            return
        at = time.time() * 1000
        message = ForwardMsg()
        try:
            message.ParseFromString(payload)
        except Exception:  # noqa: BLE001 - not a message of ours: not counted
            return
        kind = message.WhichOneof("type")
        if kind == "script_finished":
            self.finished.append(at)
        elif kind == "delta" and message.delta.new_element.WhichOneof("type") \
                == "component_instance":
            self.component.append(at)


class RunClock:
    """When the browser received the server's "script finished" messages (the websocket's
    frames, read with Streamlit's own message type): the server side of a page load or a
    click (its run, the elements sent), apart from what the browser does after."""

    def __init__(self) -> None:
        self.finished: list[float] = []

    def received(self, payload: bytes | str) -> None:
        from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

        if isinstance(payload, str):
            return
        message = ForwardMsg()
        try:
            message.ParseFromString(payload)
        except Exception:  # noqa: BLE001 - not a message of ours: not counted
            return
        if message.WhichOneof("type") == "script_finished":
            self.finished.append(time.perf_counter())

    def first_finished(self, *, after: float, page=None, wait: float = 10.0,  # noqa: ANN001
                       ) -> float | None:
        """Seconds from ``after`` to the first run finished since then (``None``: none);
        with ``page``, waits up to ``wait`` seconds for it (Playwright hands the frames
        over while the bench waits on the page)."""
        deadline = time.perf_counter() + wait
        while True:
            done = [t for t in self.finished if t >= after]
            if done or page is None or time.perf_counter() > deadline:
                return done[0] - after if done else None
            page.wait_for_timeout(50)


def server_runs(url: str, target: Target) -> tuple[float, float, bool]:
    """The server side alone, without a browser: a websocket client (as
    :func:`ui.serve.visit_once`) opens a new session of the map page and times its run
    (request sent → "script finished" received), then sends what a click on ``target``
    sends (the map component's new value, a rerun of the map-and-card fragment) and times
    that rerun. Returns (page run s, click rerun s, whether that rerun sent the target's
    card)."""
    import json

    from streamlit.proto.BackMsg_pb2 import BackMsg
    from streamlit.proto.ClientState_pb2 import ClientState
    from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
    from websockets.sync.client import connect

    lat, lng, pid = target
    with connect(url.replace("http", "ws", 1) + "/_stcore/stream", subprotocols=["streamlit"],
                 open_timeout=120, max_size=None) as ws:

        def run(state: ClientState) -> tuple[float, list[ForwardMsg]]:
            request = BackMsg()
            request.rerun_script.CopyFrom(state)
            t0 = time.perf_counter()
            ws.send(request.SerializeToString())
            got: list[ForwardMsg] = []
            while True:
                message = ForwardMsg()
                message.ParseFromString(ws.recv(timeout=600))
                got.append(message)
                if message.WhichOneof("type") == "script_finished":
                    return time.perf_counter() - t0, got

        page_run, got = run(ClientState(query_string="", page_script_hash=""))
        page_hash = next(m.new_session.page_script_hash for m in got
                         if m.WhichOneof("type") == "new_session")
        component = next(m.delta for m in got if m.WhichOneof("type") == "delta"
                         and m.delta.new_element.WhichOneof("type") == "component_instance")
        state = ClientState(query_string="", page_script_hash=page_hash,
                            fragment_id=component.fragment_id)
        state.widget_states.widgets.add(
            id=component.new_element.component_instance.id,
            json_value=json.dumps({"last_clicked": {"lat": lat, "lng": lng}}))
        click_run, got = run(state)
    card = any(pid in m.delta.new_element.heading.body.replace("\\", "") for m in got
               if m.WhichOneof("type") == "delta"
               and m.delta.new_element.WhichOneof("type") == "heading")
    return page_run, click_run, card


CARD_WATCH = """(text) => {
  const t0 = performance.now();
  window.benchCardShown = null;
  const has = (node) => node && (node.nodeType === 3 ? node.data : node.textContent || '')
                                  .includes(text);
  const seen = new MutationObserver((records) => {
    if (!records.some(r => has(r.target) && r.type === 'characterData'
                           || [...r.addedNodes].some(has))) return;
    seen.disconnect();
    requestAnimationFrame(() => { window.benchCardShown = (performance.now() - t0) / 1000; });
  });
  seen.observe(document.body, {subtree: true, childList: true, characterData: true});
}"""
"""Times a click → its card in the page's own clock, from just before the click to the first
frame painted after the card's text is in the page. Playwright's ``wait_for`` polls every
500 ms once its first few tries miss, which would add up to half a second to a figure of this
size; it is still waited on (the card is really there) and printed next to it."""


def _tiles_asked(page, frame) -> float | None:  # noqa: ANN001 - playwright Page, Frame
    """Seconds from the page's navigation to the map's first tile request (its frame's own
    clock): the map is made and reading tiles. The bench's own probe of the frame can see
    it much later, while the browser's one thread is busy painting tiles."""
    start = frame.evaluate("""() => {
      const r = performance.getEntriesByType('resource').find(e => e.name.includes('.pmtiles'));
      return r ? performance.timeOrigin + r.startTime : null; }""")
    origin = page.evaluate("() => performance.timeOrigin")
    return None if start is None else (start - origin) / 1000.0


def _secs(value: float | None) -> str:
    return "?" if value is None else f"{value:.2f} s"


def server_rss() -> int:
    """Resident memory (bytes) of the app server this process started (and its children)."""
    import psutil

    total = 0
    for child in psutil.Process().children(recursive=True):
        try:
            if "ui.serve" in " ".join(child.cmdline()) or "streamlit" in child.name():
                total += child.memory_info().rss
        except psutil.Error:
            continue
    return total


def _drawn(tiles: bool) -> str:
    """The map's view drawn: with tiles, every tile of the current view painted
    (:data:`tests.e2e.flows.CURRENT_TILES_DRAWN`; Leaflet's ``_loading`` flag can stay set
    after a tile still loading is pruned by a move)."""
    if tiles:
        return (f"() => !!window.investmapTiles && !!window.investmapTiles._map"
                f" && ({CURRENT_TILES_DRAWN})()")
    return "() => { let n = 0; window.map.eachLayer(() => { n += 1; }); return n > 5; }"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[2000, 100_000])
    parser.add_argument("--county", type=Path, nargs="+", default=[],
                        help="existing counties (read only) instead of --sizes, e.g. the "
                             "1,000,000-parcel GeoParquet folder")
    parser.add_argument("--work", type=Path, default=Path(tempfile.gettempdir()) / "investmap")
    parser.add_argument("--browser", action="store_true")
    parser.add_argument("--browser-only", action="store_true",
                        help="skip the server-side figures (the county must exist)")
    parser.add_argument("--skip-tiler-alone", action="store_true",
                        help="do not time tippecanoe alone (saves a full tiler run)")
    parser.add_argument("--no-full-rebuild", action="store_true",
                        help="do not time the full rebuild after an edit")
    parser.add_argument("--edits", nargs="*", choices=("off-offer", "delete"),
                        default=["off-offer", "delete"], help="edits timed on the delta path")
    parser.add_argument("--no-geojson", action="store_true",
                        help="skip the GeoJSON path's server-side payloads")
    parser.add_argument("--after-warm-up", action="store_true",
                        help="browser runs start once the app has warmed up (1M counties)")
    parser.add_argument("--publish", action="store_true",
                        help="build in the app's static folder (reuses an archive published "
                             "there: the delta path of a 1M county without its 20-min build)")
    parser.add_argument("--edit", action="store_true",
                        help="also time edit → map shows it in Chromium (GeoPackage counties)")
    parser.add_argument("--edit-only", action="store_true",
                        help="only time edit → map shows it (both ways; GeoPackage counties)")
    parser.add_argument("--edit-paths", nargs="+", choices=tuple(EDIT_PATHS),
                        default=["in-place", "remount"],
                        help="ways an edit reaches the map, timed one after the other")
    parser.add_argument("--paths", nargs="+", choices=("geojson", "tiles"),
                        default=["geojson", "tiles"], help="browser runs to make")
    args = parser.parse_args()
    counties = args.county or [county_path(n, args.work) for n in args.sizes]
    browser = args.browser or args.browser_only
    for path in counties:
        if args.edit_only:
            print(f"\n== {path} ({load()})")
            browser_edit(path, tuple(args.edit_paths))
            continue
        with tempfile.TemporaryDirectory(prefix="bench-vtiles-") as tmp:
            # archives go where the app publishes them when the browser runs follow (the
            # app then reuses the archive built here)
            tiles_dir = STATIC_VECTOR if browser or args.publish else Path(tmp)
            county = None
            if args.browser_only:
                county = load_county(path)  # read once: the click target, then publishing
                targets = click_target(county)
            else:
                targets = server_side(path, tiles_dir=tiles_dir,
                                     skip_tiler=args.skip_tiler_alone,
                                     full_rebuild=not args.no_full_rebuild,
                                     geojson=not args.no_geojson,
                                     edits=tuple(args.edits))
        if args.edit and path is not None and path.suffix == ".gpkg":
            browser_edit(path, tuple(args.edit_paths))
        if not browser:
            continue
        if "geojson" in args.paths:
            county = None  # not held while an app runs
            browser_side(path, targets, tiles=False, after_warm_up=args.after_warm_up)
        if "tiles" not in args.paths:
            continue
        county = load_county(path) if county is None else county
        t0 = time.perf_counter()
        publish(county, coords="wgs84", availability=availability(county))
        print(f"  tiles   published into static/ before the app starts "
              f"{time.perf_counter() - t0:.1f} s ({load()})")
        del county
        browser_side(path, targets, tiles=True, after_warm_up=args.after_warm_up)


if __name__ == "__main__":
    main()

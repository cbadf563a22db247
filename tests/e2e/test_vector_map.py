"""The investment map on vector tiles in Chromium: tiles come as byte ranges (206) of the
county's PMTiles archive from the app's static route, every parcel is in the tiles of the
first view's zoom, a drag and a wheel zoom send nothing to the server, a click opens the
clicked parcel's card, and the legend lists what the painter paints after every switch."""

from __future__ import annotations

import json
import time
from pathlib import Path
from urllib.parse import urlparse

import pytest
import shapely
from playwright.sync_api import Error as PlaywrightError

from tests.e2e.conftest import map_frame, wait_ready
from tests.e2e.flows import CURRENT_TILES_DRAWN
from tests.mvt_reader import archive_tiles, tile_at_offsets

pytestmark = [pytest.mark.e2e, pytest.mark.slow, pytest.mark.timeout(900)]

PAINTED = "() => !!window.investmapPaint && !!window.investmapTiles"
LEGEND = """() => [...document.querySelectorAll('.investmap-legend-section')]
  .filter(s => s.style.display !== 'none')
  .map(s => [s.firstElementChild.textContent,
             [...s.querySelectorAll('.investmap-legend-item')].map(i =>
               [i.querySelector('.investmap-legend-label').textContent, i.dataset.color])])"""
PAINT = """() => { const t = document.createElement('textarea');
  const text = s => { t.innerHTML = s; return t.value; };
  return window.investmapPaint.styles.concat(window.investmapPaint.overlays)
    .filter(s => s.layer !== 'park').map(s =>
    [text(s.title), s.classes.map(c => [text(c.label), c.color])]); }"""


@pytest.fixture(scope="module", autouse=True)
def renderer_installed():
    from webmap import vtile_assets

    vtile_assets.install()  # from the npm registry once; a no-op when present


def _open(page, app_url, path: str = ""):  # noqa: ANN001, ANN202
    page.goto(f"{app_url}/{path}")
    wait_ready(page)
    frame = map_frame(page)
    frame.wait_for_function(PAINTED)
    page.wait_for_timeout(1500)  # tiles fetched and painted
    return frame


def _archive(url: str) -> Path:
    from webmap.vtiles import STATIC_VECTOR  # in the test home (tests/conftest.py)

    return STATIC_VECTOR / Path(urlparse(url).path).name


def test_tiles_come_as_ranges_and_hold_every_parcel_at_the_first_zoom(page, app_url,
                                                                        demo_county):
    ranges: list[tuple[int, str, str | None]] = []
    page.on("response", lambda r: ranges.append(
        (r.status, r.url, r.request.headers.get("range"))) if ".pmtiles" in r.url else None)
    frame = _open(page, app_url)
    assert ranges and all(status == 206 and asked for status, _url, asked in ranges), ranges
    zoom = frame.evaluate("() => window.map.getZoom()")
    data_zoom = int(-(-zoom // 1)) - 1  # protomaps-leaflet reads tiles one zoom lower
    archive = _archive(ranges[0][1])
    tiles = tile_at_offsets(archive)  # the tiles read are of the first view's zoom only
    read = [tiles[int(asked.split("=")[1].split("-")[0])] for _status, _url, asked in ranges
            if int(asked.split("=")[1].split("-")[0]) in tiles]
    assert read and {z for z, _x, _y in read} == {data_zoom}, read
    seen = {str(row["parcel_id"]) for (z, _x, _y), tile in archive_tiles(archive)
            if z == data_zoom for row in tile.get("parcel", [])}
    assert seen == set(demo_county["parcel"]["parcel_id"].astype(str))


ZOOM_ANIMATIONS = """(() => { let real; window.zoomAnimations = [];
  Object.defineProperty(window, 'L', {configurable: true, get() { return real; }, set(v) {
    real = v;
    if (v && v.Map && !v.Map.counted) { v.Map.counted = true;
      const animate = v.Map.prototype._animateZoom;
      v.Map.prototype._animateZoom = function (center, zoom) {
        window.zoomAnimations.push([this._zoom, zoom]); return animate.apply(this, arguments); };
    } } }); })();"""


def test_the_map_opens_on_its_first_view_without_a_zoom_animation(page, app_url):
    """Fitted without animation: during Leaflet's 0.25 s animation from the map's starting
    zoom the tile layer still sees that zoom and reads its tiles (at a million parcels 12
    tiles, 1.7 MB, of a zoom never shown) before the first view's."""
    page.add_init_script(ZOOM_ANIMATIONS)
    frame = _open(page, app_url, "?park=P01")  # a park: a few zooms from the map's start
    assert frame.evaluate("() => window.map.getZoom()") != 11  # folium's zoom_start
    assert frame.evaluate("() => window.zoomAnimations") == []
    frame.evaluate("() => { window.map.setZoom(window.map.getZoom() + 1); return 1; }")
    page.wait_for_timeout(600)  # a person's zoom still animates
    assert len(frame.evaluate("() => window.zoomAnimations")) == 1


def test_drag_and_wheel_zoom_send_no_websocket_frame(page, app_url):
    sent: list[str] = []
    page.on("websocket", lambda ws: ws.on("framesent", lambda payload: sent.append(payload)))
    fetched: list[str] = []
    page.on("request", lambda r: fetched.append(r.url) if ".pmtiles" in r.url else None)
    frame = _open(page, app_url)
    page.wait_for_timeout(1000)
    before, tiles_before = len(sent), len(fetched)
    centre = frame.evaluate("() => window.map.getCenter()")
    zoom = frame.evaluate("() => window.map.getZoom()")
    box = page.locator("iframe[title*='st_folium']").first.bounding_box()
    x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    page.mouse.move(x, y)
    page.mouse.down()
    page.mouse.move(x - 200, y - 120, steps=10)
    page.mouse.up()
    page.wait_for_timeout(800)
    page.mouse.move(x, y)
    for _ in range(3):
        page.mouse.wheel(0, -120)
        page.wait_for_timeout(100)
    page.wait_for_timeout(2000)
    moved = frame.evaluate("() => window.map.getCenter()")
    assert (moved["lat"], moved["lng"]) != (centre["lat"], centre["lng"])
    assert frame.evaluate("() => window.map.getZoom()") > zoom, zoom
    assert len(fetched) > tiles_before  # new tiles were read …
    assert len(sent) == before, sent[before:]  # … and nothing was sent to the server


def test_a_click_opens_the_clicked_parcels_card(page, app_url, demo_county):
    from layers.supply import availability

    av = availability(demo_county)
    parcels = demo_county["parcel"].set_index("parcel_id")
    pid = str(av.loc[av["available"], "parcel_id"].iloc[3])
    inside = shapely.point_on_surface(
        parcels.loc[[pid]].to_crs(4326).geometry.iloc[0])
    frame = _open(page, app_url)
    frame.evaluate(f"() => {{ window.map.setView([{inside.y}, {inside.x}], 17, "
                   "{animate: false}); return 1; }")
    page.wait_for_timeout(800)
    point = frame.evaluate(f"""() => {{
      const p = window.map.latLngToContainerPoint([{inside.y}, {inside.x}]);
      const r = window.map.getContainer().getBoundingClientRect();
      return {{x: r.left + p.x, y: r.top + p.y}}; }}""")
    box = page.locator("iframe[title*='st_folium']").first.bounding_box()
    page.mouse.click(box["x"] + point["x"], box["y"] + point["y"])
    page.get_by_text(f"地块 {pid}").wait_for()
    page.get_by_text("红线检查").wait_for()
    # the selected parcel's outline is keyed in the legend (the map kept, its outline swapped)
    from webmap.styles import text

    page.wait_for_timeout(2500)  # the click's rerun and the map's update are done
    wait_ready(page)
    assert text("selected", "zh") in [s[0] for s in map_frame(page).evaluate(LEGEND)]


def test_a_click_is_sent_at_once_and_once(page, app_url):
    """streamlit-folium sends map events through a 250 ms debounce; a map returning its
    clicks only sends a click within its own handler, and the debounced call after it
    sends nothing more."""
    frame = _open(page, app_url)
    frame.evaluate("""() => { window.sentValues = [];
      const send = window.Streamlit.setComponentValue.bind(window.Streamlit);
      window.Streamlit.setComponentValue = (v) => { window.sentValues.push(v); send(v); };
      return 1; }""")
    centre = frame.evaluate("() => { const c = window.map.getCenter(); return [c.lat, c.lng]; }")
    at_once = frame.evaluate(f"""() => {{
      window.map.fire('click', {{latlng: L.latLng({centre[0]}, {centre[1]})}});
      return window.sentValues.length; }}""")  # before the handler returned
    assert at_once == 1
    page.wait_for_timeout(600)  # past the debounce
    sent = frame.evaluate("() => window.sentValues")
    assert sent == [{"last_clicked": {"lat": centre[0], "lng": centre[1]}}]


def _legend_matches_paint(page, condition: str) -> list:  # noqa: ANN001
    """The visible legend, once the painter's style satisfies ``condition`` (the map is
    re-mounted after a switch: its frame is looked up again until it settles)."""
    deadline = time.monotonic() + 60
    while True:
        try:
            frame = map_frame(page)
            frame.wait_for_function(f"() => ({PAINTED})() && ({condition})()", timeout=5000)
            legend, paint = frame.evaluate(LEGEND), frame.evaluate(PAINT)
            break
        except PlaywrightError:
            if time.monotonic() > deadline:
                raise
            page.wait_for_timeout(500)
    shown = {title for title, _ in legend}
    assert legend == [section for section in paint if section[0] in shown]
    assert shown <= {title for title, _ in paint}
    return legend


def test_legend_matches_the_colouring_after_every_switch(page, app_url):
    _open(page, app_url)
    first = _legend_matches_paint(page, "() => true")
    assert any(title == "地块：供地状态" for title, _ in first)
    page.get_by_text("产业链", exact=True).first.click()
    chain = _legend_matches_paint(
        page, "() => window.investmapPaint.styles.some(s => s.key === 'chain')")
    assert any(title == "地块：产业链" for title, _ in chain)
    assert not any(title == "地块：供地状态" for title, _ in chain)
    page.get_by_text("English", exact=True).click()
    english = _legend_matches_paint(
        page, "() => window.investmapPaint.styles.some(s => s.title === "
              "'Parcels: industry chain')")
    assert any(title == "Parcels: industry chain" for title, _ in english)
    assert "地块" not in json.dumps(english, ensure_ascii=False)
    page.get_by_text("Supply status", exact=True).first.click()
    status = _legend_matches_paint(
        page, "() => window.investmapPaint.styles.some(s => s.title === "
              "'Parcels: supply status')")
    assert any(title == "Parcels: supply status" for title, _ in status)


def test_the_phone_shows_the_whole_map(app_browser, app_url):
    context = app_browser.new_context(viewport={"width": 390, "height": 844}, locale="zh-CN")
    phone = context.new_page()
    try:
        frame = _open(phone, app_url)
        shown = phone.locator("iframe[title*='st_folium']").first.bounding_box()["height"]
        inner = frame.evaluate("() => window.map.getContainer().getBoundingClientRect().height")
        scale = frame.evaluate("() => document.querySelector('.leaflet-control-scale')"
                               ".getBoundingClientRect().bottom")
        assert inner == pytest.approx(shown, abs=2) and scale <= shown  # nothing cut off
    finally:
        context.close()


def test_a_chosen_park_is_zoomed_to_and_survives_a_language_switch(page, app_url):
    county_zoom = _open(page, app_url).evaluate("() => window.map.getZoom()")
    frame = _open(page, app_url, "?park=P03")
    assert frame.evaluate("() => window.map.getZoom()") > county_zoom  # zoomed to the park
    assert frame.locator(".investmap-park-label").count() == 1  # its name on the map
    page.get_by_text("English", exact=True).click()
    _legend_matches_paint(
        page, "() => window.investmapPaint.styles.some(s => s.title === "
              "'Parcels: supply status')")
    assert page.get_by_text("Something went wrong").count() == 0


def test_exported_map_draws_every_shown_parcel_from_embedded_tiles(app_browser, demo_county,
                                                                 tmp_path):
    """The offline HTML export embeds an archive of exactly the shown parcels and the
    renderer: opened from disk it paints them, and a click shows the parcel's facts."""
    from exports.html import export_html
    from layers.supply import availability

    out = export_html(demo_county, tmp_path / "map.html", basemap="none", offline=True)
    av = availability(demo_county)
    pid = str(av.loc[av["available"], "parcel_id"].iloc[3])
    inside = shapely.point_on_surface(demo_county["parcel"].set_index("parcel_id")
                                      .loc[[pid]].to_crs(4326).geometry.iloc[0])
    page = app_browser.new_page(viewport={"width": 1200, "height": 800})
    try:
        errors: list[str] = []
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.goto(out.as_uri())
        page.wait_for_function(PAINTED)
        name = page.evaluate("() => Object.keys(window).find(k => k.startsWith('map_'))")
        page.evaluate(f"() => {{ window['{name}'].setView([{inside.y}, {inside.x}], 16,"
                      " {animate: false}); return 1; }")
        # generous: decoding the embedded archive competes with whatever else the CPU runs
        page.wait_for_function(CURRENT_TILES_DRAWN, timeout=90_000)
        page.wait_for_timeout(500)
        at = page.evaluate(f"""() => {{ const m = window['{name}'];
          const q = m.latLngToContainerPoint([{inside.y}, {inside.x}]);
          const r = m.getContainer().getBoundingClientRect();
          return [r.left + q.x, r.top + q.y]; }}""")
        page.mouse.click(*at)
        page.locator(".leaflet-popup-content", has_text=pid).wait_for()
        assert errors == []
    finally:
        page.close()

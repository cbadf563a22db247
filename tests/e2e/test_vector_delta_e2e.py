"""An edit shows on the tile map at once, before the full archive is rebuilt (Chromium, the
app on its own store, the full rebuild held back for an hour): after a planner sells a
parcel on offer, the staff map paints it in its new colour and the investor map no longer
paints it — both from a small delta archive over the unchanged full archive — and the
legend still lists what the painter paints."""

from __future__ import annotations

import re
import time

import pytest
import shapely
from playwright.sync_api import Error as PlaywrightError

from layers.registry import LAYERS
from layers.store import open_store
from tests.demo_store import demo_store
from tests.e2e.conftest import E2E_PASSWORDS, map_frame, real_users, serve_app, wait_ready
from tests.e2e.flows import log_in, pick_parcel_to_edit
from tests.e2e.test_vector_map import PAINTED, _legend_matches_paint

pytestmark = [pytest.mark.e2e, pytest.mark.slow, pytest.mark.timeout(900)]
WITH_DELTA = "() => !!window.investmapPaint.delta_url"
EDITED = "QF-0003"  # on offer in the demo (可供应, no red-line conflict)
NEIGHBOUR = "QF-0004"  # on offer too, left alone
COLORS = LAYERS["parcel"].style["colors"]
PIXEL = """([lat, lng]) => {
  const map = window.map, p = map.latLngToContainerPoint([lat, lng]);
  const r = map.getContainer().getBoundingClientRect(), x = r.left + p.x, y = r.top + p.y;
  for (const c of map.getPane('investmapTiles').querySelectorAll('canvas')) {
    const b = c.getBoundingClientRect();
    if (x < b.left || x >= b.right || y < b.top || y >= b.bottom) continue;
    const px = Math.floor((x - b.left) * c.width / b.width);
    const py = Math.floor((y - b.top) * c.height / b.height);
    return Array.from(c.getContext('2d').getImageData(px, py, 1, 1).data);
  }
  return null; }"""


@pytest.fixture(scope="module", autouse=True)
def renderer_installed():
    from webmap import vtile_assets

    vtile_assets.install()


@pytest.fixture(scope="module")
def store_path(tmp_path_factory):
    # the store exists before the app
    return demo_store(tmp_path_factory.mktemp("delta-store") / "store.gpkg")


@pytest.fixture(scope="module")
def app_url(tmp_path_factory, store_path):
    """This module's app on its own store; the full archive is not rebuilt for an hour, so
    what the map shows after the edit comes from the delta archive."""
    state = tmp_path_factory.mktemp("delta-state")
    with serve_app(state, {"INVESTMAP_STORE": str(store_path), "INVESTMAP_DATA": "",
                           "INVESTMAP_AS_OF": "2026-11-22",
                           "INVESTMAP_TILES_COMPACT_AFTER": "3600",
                           "INVESTMAP_USERS": str(real_users(state))}) as url:
        yield url


def _inside(store_path, pid: str) -> tuple[float, float]:  # noqa: ANN001
    with open_store(store_path) as store:
        parcels = store.read_layer("parcel")
    shape = parcels[parcels["parcel_id"] == pid].to_crs(4326).geometry.iloc[0]
    point = shapely.point_on_surface(shape)
    return point.y, point.x


def _map_with(page, condition: str):  # noqa: ANN001, ANN202
    """The map's frame once its painter satisfies ``condition`` (a page rerun re-mounts the
    map: its frame is looked up again until it settles)."""
    deadline = time.monotonic() + 120
    while True:
        try:
            frame = map_frame(page)
            frame.wait_for_function(f"() => ({PAINTED})() && ({condition})()", timeout=5000)
            return frame
        except PlaywrightError:
            if time.monotonic() > deadline:
                raise
            page.wait_for_timeout(500)


def _pixel(page, at: tuple[float, float], condition: str = "() => true") -> list[int]:  # noqa: ANN001
    """RGBA the tiles painted at ``at`` (lat, lng), the map zoomed in on it, once its
    painter satisfies ``condition``."""
    frame = _map_with(page, condition)
    frame.evaluate(f"() => {{ window.map.setView([{at[0]}, {at[1]}], 17, {{animate: false}});"
                   " return 1; }")
    frame.wait_for_function("() => !window.investmapTiles._loading", timeout=60_000)
    page.wait_for_timeout(1500)  # tiles are painted a little after they load
    rgba = frame.evaluate(PIXEL, list(at))
    assert rgba is not None, "no tile canvas under the point"
    return rgba


def _choose(page, box, option: str) -> None:  # noqa: ANN001
    """Pick ``option`` in the select box ``box`` (opened again when a rerun closed it)."""
    for _ in range(8):
        box.click()
        try:
            page.get_by_role("option", name=option, exact=True).click(timeout=5000)
            return
        except PlaywrightError:
            page.keyboard.press("Escape")
            wait_ready(page)
    raise AssertionError(f"option {option!r} never showed")


def _nearest_status(rgba: list[int]) -> str:
    def rgb(color: str) -> tuple[int, ...]:
        return tuple(int(color[i:i + 2], 16) for i in (1, 3, 5))

    return min(COLORS, key=lambda code: sum((a - b) ** 2 for a, b in
                                            zip(rgba[:3], rgb(str(COLORS[code])), strict=True)))


def _archives(seen: list[tuple[int, str]]) -> set[str]:
    return {re.sub(r"\?.*", "", url).rsplit("/", 1)[-1] for _status, url in seen}


def test_an_edit_shows_at_once_from_the_delta_archive(page, app_browser, app_url, store_path):
    edited, neighbour = _inside(store_path, EDITED), _inside(store_path, NEIGHBOUR)
    seen: list[tuple[int, str]] = []
    page.on("response", lambda r: seen.append((r.status, r.url)) if ".pmtiles" in r.url
            else None)
    page.goto(app_url)
    wait_ready(page)
    before = _pixel(page, edited)
    assert before[3] > 100 and _nearest_status(before) == "available", before
    full = _archives(seen)
    assert len(full) == 1 and not any(n.startswith("delta-") for n in full), full

    log_in(page, app_url, "admin", E2E_PASSWORDS["admin"])  # a planner (admin) sells the
    page.get_by_role("link", name="数据维护").click()  # parcel on 数据维护
    wait_ready(page)
    pick_parcel_to_edit(page, EDITED)
    page.get_by_text("当前值：可供应", exact=True).wait_for()
    page.wait_for_timeout(2000)  # the map reports its first view (one rerun)
    wait_ready(page)
    form = page.locator("[data-testid='stForm']")
    _choose(page, form.locator("[data-testid='stSelectbox']").first, "已出让")
    form.get_by_label("修改原因（必填，记入审计日志）").fill("签约出让")
    form.get_by_role("button", name="保存").click()
    page.get_by_text(re.compile("已保存，新版本")).wait_for()
    wait_ready(page)
    staff = _pixel(page, edited, WITH_DELTA)  # the edit page's map: the new colour
    assert _nearest_status(staff) == "transferred", staff
    after = _archives(seen)
    deltas = {n for n in after if n.startswith("delta-")}
    assert len(deltas) == 1 and (after - deltas) == full, after  # same full archive + delta
    assert all(status == 206 for status, _url in seen), seen

    investor = app_browser.new_context(viewport={"width": 1400, "height": 1000},
                                       locale="zh-CN").new_page()
    try:
        investor.goto(app_url)
        wait_ready(investor)
        gone = _pixel(investor, edited, WITH_DELTA)
        # no longer on offer: not painted (only the park's faint fill shows through)
        assert gone[3] < before[3] - 70, (before, gone)
        kept = _pixel(investor, neighbour)
        assert kept[3] > 100 and _nearest_status(kept) == "available", kept
        legend = _legend_matches_paint(investor, "() => true")
        assert any(title == "地块：供地状态" for title, _ in legend)
    finally:
        investor.context.close()

"""An edit reaches the mounted map in place (Chromium, the app on its own small store, the
full rebuild held back): after a save on 数据维护 the page's map paints the parcel in its
new colour from the delta archive without its frame being made again — a marker set on the
frame's ``window`` before the save is still there, the view (centre, zoom) is the one the
user left, and the full archive's tiles are not fetched again. A second edit replaces the
delta and both edits show."""

from __future__ import annotations

import re
import time

import pytest
from playwright.sync_api import Error as PlaywrightError

from tests.demo_store import demo_store
from tests.e2e.conftest import E2E_PASSWORDS, map_frame, real_users, serve_app, wait_ready
from tests.e2e.flows import log_in, pick_parcel_to_edit
from tests.e2e.test_vector_delta_e2e import PIXEL, _choose, _inside, _nearest_status
from tests.e2e.test_vector_map import PAINTED

pytestmark = [pytest.mark.e2e, pytest.mark.slow, pytest.mark.timeout(900)]
FIRST, SECOND = "QF-0003", "QF-0004"  # both on offer in the demo (可供应)
VIEW = "() => { const c = window.map.getCenter(); return [c.lat, c.lng, window.map.getZoom()]; }"
DRAWN = "() => window.investmapTiles._map && !window.investmapTiles._loading"


@pytest.fixture(scope="module", autouse=True)
def renderer_installed():
    from webmap import vtile_assets

    vtile_assets.install()


@pytest.fixture(scope="module")
def store_path(tmp_path_factory):
    return demo_store(tmp_path_factory.mktemp("in-place-store") / "store.gpkg")


@pytest.fixture(scope="module")
def app_url(tmp_path_factory, store_path):
    state = tmp_path_factory.mktemp("in-place-state")
    with serve_app(state, {"INVESTMAP_STORE": str(store_path), "INVESTMAP_DATA": "",
                           "INVESTMAP_AS_OF": "2026-11-22",
                           "INVESTMAP_TILES_COMPACT_AFTER": "3600",
                           "INVESTMAP_USERS": str(real_users(state))}) as url:
        yield url


def _save_status(page, label: str) -> None:  # noqa: ANN001 - playwright Page
    form = page.locator("[data-testid='stForm']")
    _choose(page, form.locator("[data-testid='stSelectbox']").first, label)
    form.get_by_label("修改原因（必填，记入审计日志）").fill("签约出让")
    form.get_by_role("button", name="保存").click()
    page.get_by_text(re.compile("已保存，新版本")).wait_for()


def _painted_delta(page, previous: str) -> dict:  # noqa: ANN001 - playwright Page
    """What the map's frame holds once a delta other than ``previous`` is painted (or the
    map's painter has a new delta but lost the marker: the map was mounted again)."""
    deadline = time.monotonic() + 120
    while True:
        try:
            got = map_frame(page).evaluate(
                "() => (" + PAINTED + ")() && ({kept: window.investmapKept === 1,"
                " url: window.investmapPaint.delta_url,"
                " painted: (window.investmapDeltaPainted || {}).url || ''})")
        except PlaywrightError:  # the frame went away under a rerun
            got = None
        if got and got["url"] and got["url"] != previous and (
                not got["kept"] or got["painted"] == got["url"]):
            return got
        assert time.monotonic() < deadline, f"no new delta painted: {got}"
        page.wait_for_timeout(100)


def test_an_edit_reaches_the_mounted_map_in_place(page, app_url, store_path):
    first, second = _inside(store_path, FIRST), _inside(store_path, SECOND)
    archives: list[str] = []
    page.on("response", lambda r: archives.append(r.url.rsplit("/", 1)[-1].split("?")[0])
            if ".pmtiles" in r.url else None)
    log_in(page, app_url, "admin", E2E_PASSWORDS["admin"])
    page.get_by_role("link", name="数据维护").click()
    wait_ready(page)
    pick_parcel_to_edit(page, FIRST)
    page.get_by_text("当前值：可供应", exact=True).wait_for()
    page.wait_for_timeout(2000)  # the map reports its first view (one rerun)
    wait_ready(page)
    frame = map_frame(page)
    frame.wait_for_function(f"() => ({PAINTED})() && ({DRAWN})()", timeout=60_000)
    frame.evaluate(f"""() => {{ window.investmapKept = 1;
      window.map.fitBounds([[{first[0]}, {first[1]}], [{second[0]}, {second[1]}]],
                           {{animate: false, maxZoom: 17, padding: [80, 80]}}); return 1; }}""")
    frame.wait_for_function(DRAWN, timeout=60_000)
    page.wait_for_timeout(1500)  # tiles are painted a little after they load
    view = frame.evaluate(VIEW)
    before = [frame.evaluate(PIXEL, list(at)) for at in (first, second)]
    assert [_nearest_status(p) for p in before] == ["available", "available"], before
    loaded = len(archives)

    _save_status(page, "已出让")
    got = _painted_delta(page, "")
    assert got["kept"], "the map was mounted again after the save (its frame's marker is gone)"
    frame = map_frame(page)
    assert frame.evaluate(VIEW) == pytest.approx(view)  # the user's view is kept
    assert _nearest_status(frame.evaluate(PIXEL, list(first))) == "transferred"
    assert _nearest_status(frame.evaluate(PIXEL, list(second))) == "available"
    fetched = set(archives[loaded:])
    assert fetched and all(name.startswith("delta-") for name in fetched), fetched

    pick_parcel_to_edit(page, SECOND)  # a second edit: the delta replaced, both shown
    page.get_by_text("当前值：可供应", exact=True).wait_for()
    _save_status(page, "已出让")
    again = _painted_delta(page, got["url"])
    assert again["kept"], "the map was mounted again after the second save"
    frame = map_frame(page)
    assert frame.evaluate(VIEW) == pytest.approx(view)
    assert [_nearest_status(frame.evaluate(PIXEL, list(at))) for at in (first, second)] \
        == ["transferred", "transferred"]

"""The app in a real browser (Debian Chromium), served by ``streamlit run`` on loopback with
every other host blocked: the map draws from local assets, the layer control, the finder,
the language switch, investor/staff modes and the login (the vector-tile map's ranges,
clicks and legend: test_vector_map.py)."""

from __future__ import annotations

import re

import pytest

from tests.e2e.conftest import map_frame, wait_ready

pytestmark = [pytest.mark.e2e, pytest.mark.slow, pytest.mark.timeout(900)]

LAYER_COUNT = "() => { let n = 0; window.map.eachLayer(() => { n += 1; }); return n; }"
CANVAS_INK = """() => {
  let ink = 0;
  for (const c of document.querySelectorAll('.leaflet-container canvas')) {
    const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
    for (let i = 3; i < d.length; i += 4) { ink += d[i]; }  // summed opacity
  }
  return ink;
}"""


def _open(page, app_url, path: str = "") -> None:  # noqa: ANN001
    page.goto(f"{app_url}/{path}")
    wait_ready(page)


def _settled_map(page):  # noqa: ANN001, ANN202
    """The map frame once drawn and after the re-run its first bounds report causes."""
    frame = map_frame(page)
    frame.wait_for_function(LAYER_COUNT.replace("return n;", "return n > 5;"))
    page.wait_for_timeout(1500)
    wait_ready(page)
    return map_frame(page)


def test_map_draws_offline_from_local_assets(page, app_url, blocked):
    seen: list[str] = []
    page.on("request", lambda req: seen.append(req.url))
    _open(page, app_url)
    frame = map_frame(page)
    frame.wait_for_function(CANVAS_INK.replace("return ink;", "return ink > 1000;"))
    assert frame.evaluate(CANVAS_INK) > 1000
    assert any(u.endswith("/app/static/vendor/leaflet/leaflet.js") for u in seen)
    assert blocked == [], f"requests to other hosts were attempted: {blocked}"
    assert not [u for u in seen if re.search(r"cdn|jsdelivr|cloudflare|unpkg|jquery", u)]


def test_layer_control_toggles_a_layer(page, app_url):
    _open(page, app_url)
    frame = _settled_map(page)
    before_layers, before_ink = frame.evaluate(LAYER_COUNT), frame.evaluate(CANVAS_INK)
    frame.locator(".leaflet-control-layers").hover()  # collapsed: opens on hover or tap
    box = frame.get_by_role("checkbox", name="地块、管控红线")  # not the selection's own
    box.uncheck()
    frame.wait_for_function(f"({LAYER_COUNT})() < {before_layers}")
    frame.wait_for_function(f"({CANVAS_INK})() < {before_ink}")  # canvas redraws next frame
    assert frame.evaluate(LAYER_COUNT) < before_layers
    box.check()
    frame.wait_for_function(f"({LAYER_COUNT})() == {before_layers}")


def test_filter_changes_the_parcel_table(page, app_url):
    _open(page, app_url, "finder")
    result = page.get_by_text(re.compile(r"符合条件的地块：[\d,]+ 个"))
    result.wait_for()
    before = result.inner_text()
    page.get_by_text("仅显示无红线冲突").click()
    page.wait_for_function(
        "(b) => ![...document.querySelectorAll('p')].some(p => p.innerText === b)", arg=before)
    wait_ready(page)
    after = page.get_by_text(re.compile(r"符合条件的地块：[\d,]+ 个")).inner_text()
    count = lambda s: int(re.search(r"([\d,]+) 个", s).group(1).replace(",", ""))  # noqa: E731
    assert count(after) > count(before)
    map_frame(page)


def test_language_switch_changes_visible_text(page, app_url):
    _open(page, app_url)
    page.get_by_role("heading", name="招商地图").wait_for()
    page.get_by_text("English", exact=True).click()
    page.get_by_role("heading", name="Investment map").wait_for()
    assert page.get_by_text("Parcel finder").count() >= 1


def test_investor_mode_hides_staff_pages(page, app_url):
    _open(page, app_url)
    nav = page.locator("[data-testid='stSidebar'] [data-testid='stPageLink']").first
    nav.wait_for()
    text = page.locator("[data-testid='stSidebar']").inner_text()
    assert "招商地图" in text and "地块查询" in text
    for staff_title in ("亩均评价", "项目挂图作战"):
        assert staff_title not in text


def test_wrong_password_fails_and_staff_login_works(page, app_url):
    _open(page, app_url, "login")
    page.get_by_label("用户名").fill("planner")
    page.get_by_label("密码").fill("not-the-password")
    page.get_by_role("button", name="登录").click()
    page.get_by_text("用户名或密码错误").wait_for()
    sidebar = page.locator("[data-testid='stSidebar']")
    assert "亩均评价" not in sidebar.inner_text()  # still an investor: no staff page
    page.get_by_label("用户名").fill("planner")
    page.get_by_label("密码").fill("planner-demo")
    page.get_by_role("button", name="登录").click()
    page.get_by_text(re.compile("已登录")).wait_for()
    page.get_by_text(re.compile("工作人员模式")).wait_for()
    sidebar.get_by_text("亩均评价").wait_for()
    staff = sidebar.inner_text()
    assert "亩均评价" in staff and "项目挂图作战" in staff, staff


def test_osm_basemap_requests_only_tiles(page, app_url, blocked):
    _open(page, app_url)
    map_frame(page)
    page.locator("[data-testid='stSelectbox']", has_text="底图").click()
    page.get_by_role("option", name="OpenStreetMap").click()
    wait_ready(page)
    for _ in range(120):
        if blocked:
            break
        page.wait_for_timeout(250)
    page.wait_for_timeout(500)
    assert blocked, "the OSM basemap should have asked for tiles"
    assert all(u.startswith("https://tile.openstreetmap.org/") for u in blocked), blocked


def test_pan_keeps_the_map_and_the_users_layer_choice(page, app_url):
    _open(page, app_url)
    frame = _settled_map(page)
    tiles_on = "() => window.map.hasLayer(window.investmapTiles)"
    assert frame.evaluate(tiles_on)
    frame.locator(".leaflet-control-layers").hover()  # the collapsed control opens on hover
    frame.locator(".leaflet-control-layers-overlays label", has_text="管控红线") \
        .locator("input").uncheck()
    frame.evaluate("() => { window.investmapMark = 1; window.map.panBy([250, 120]); }")
    page.wait_for_timeout(1500)
    wait_ready(page)
    # same document (no flicker, no re-mount) and the user's layer choice kept
    assert frame.evaluate("() => window.investmapMark") == 1
    assert not frame.evaluate(tiles_on)

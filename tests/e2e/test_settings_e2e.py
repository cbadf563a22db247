"""系统设置 in a real browser (Debian Chromium): an administrator sets, in the app and with no
server variable, the default basemap (无底图 included), the offline tiles location and the
public base URL; each takes effect for the next visitor without a restart, and all three are
still in force after the server restarts."""

from __future__ import annotations

import re
from urllib.parse import urlparse

import pytest

from tests.e2e.conftest import map_frame, serve_app, wait_ready
from tests.e2e.flows import guarded_page, log_in
from tests.e2e.test_offline_tiles import LOADED_TILES
from tests.tiles_fixture import write_mbtiles

pytestmark = [pytest.mark.e2e, pytest.mark.slow, pytest.mark.timeout(900)]

ENV = {"INVESTMAP_BASEMAP": None, "INVESTMAP_TILES": None, "TIANDITU_KEY": None,
       "INVESTMAP_AS_OF": "2026-11-22"}
"""No server variable decides the basemap or the tiles: only the settings page does."""
BASE = "https://invest.example.gov.cn/"
PARCEL = "QF-0001"
NO_BASEMAP, OFFLINE = "无底图（离线）", "离线底图"


@pytest.fixture(scope="module")
def state(tmp_path_factory):
    return tmp_path_factory.mktemp("settings-state")


@pytest.fixture(scope="module")
def tiles(state, demo_county):
    """A hand-made MBTiles file covering the county (orange tiles)."""
    west, south, east, north = demo_county["parcel"].to_crs(4326).total_bounds
    path = state / "county.mbtiles"
    write_mbtiles(path, (west - 0.1, south - 0.1, east + 0.1, north + 0.1), range(8, 14))
    return path


def _map_basemap(page, url: str) -> str:  # noqa: ANN001
    """The basemap a new visitor's map page opens on (the picker's shown choice)."""
    page.goto(url)
    wait_ready(page)
    map_frame(page)
    box = page.locator("[data-testid='stSelectbox']", has_text="底图").first
    return box.locator("input").input_value()


def _share_link(page, url: str) -> str:  # noqa: ANN001
    page.goto(f"{url}/?parcel={PARCEL}")
    wait_ready(page)
    page.get_by_text(f"地块 {PARCEL}").first.wait_for()
    return page.locator("[data-testid='stCode'] code").first.inner_text().strip()


def _choose_default(page, name: str) -> None:  # noqa: ANN001
    form = page.locator("[data-testid='stForm']", has_text="保存默认底图")
    form.locator("[data-testid='stSelectbox']").click()
    page.get_by_role("option", name=name, exact=True).click()
    form.get_by_role("button", name="保存默认底图").click()
    page.get_by_text(f"已保存：默认底图为 {name}。").wait_for()
    wait_ready(page)


def test_settings_are_set_in_the_app_take_effect_and_survive_a_restart(app_browser, state,
                                                                       tiles):
    blocked: list[str] = []
    with serve_app(state, ENV) as url:
        with guarded_page(app_browser, blocked=blocked) as visitor:  # before: automatic
            assert _map_basemap(visitor, url) == "OpenStreetMap"
        with guarded_page(app_browser) as admin:
            log_in(admin, url, "admin", "admin-demo", link="系统设置")
            body = admin.locator("[data-testid='stMain']").inner_text()
            assert not re.search(r"INVESTMAP_|TIANDITU_KEY|重启", body.replace("无需重启", ""))
            _choose_default(admin, NO_BASEMAP)
            admin.get_by_label(re.compile("离线瓦片位置")).fill(str(tiles))
            admin.get_by_role("button", name="保存离线底图位置").click()
            admin.get_by_text("已保存，无需重启。").wait_for()
            admin.get_by_text(re.compile(r"已启用：[\d,]+ 张瓦片")).wait_for()
            admin.get_by_role("textbox", name="公开访问地址").fill(BASE)
            admin.get_by_role("button", name="保存地址").click()
            admin.get_by_text(f"已保存：{BASE}").wait_for()
        blocked.clear()
        with guarded_page(app_browser, blocked=blocked) as visitor:  # no restart
            assert _map_basemap(visitor, url) == NO_BASEMAP
            frame = map_frame(visitor)
            assert frame.evaluate(LOADED_TILES) == []  # no tile drawn, none asked for
            assert blocked == [], blocked
            assert _share_link(visitor, url).startswith(BASE + "?")

    with serve_app(state, ENV) as url:  # a restart: the same state folder, nothing else
        with guarded_page(app_browser, blocked=blocked) as visitor:
            assert _map_basemap(visitor, url) == NO_BASEMAP
            assert _share_link(visitor, url).startswith(BASE + "?")
        with guarded_page(app_browser) as admin:
            log_in(admin, url, "admin", "admin-demo", link="系统设置")
            assert admin.get_by_label(re.compile("离线瓦片位置")).input_value() == str(tiles)
            assert admin.get_by_role("textbox", name="公开访问地址").input_value() == BASE
            form = admin.locator("[data-testid='stForm']", has_text="保存默认底图")
            assert form.locator("[data-testid='stSelectbox'] input").input_value() == NO_BASEMAP
            _choose_default(admin, OFFLINE)
        with guarded_page(app_browser, blocked=blocked) as visitor:
            assert _map_basemap(visitor, url) == OFFLINE
            frame = map_frame(visitor)
            frame.wait_for_function(f"({LOADED_TILES})().length >= 4")
            assert all(urlparse(s).path.startswith("/app/static/tiles/")
                       for s in frame.evaluate(LOADED_TILES))
    assert blocked == [], f"requests to other hosts were attempted: {blocked}"

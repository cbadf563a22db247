"""No map asks for a file that is not there: the app's map page (zh and en) and an exported
offline HTML map load in Chromium with no failed request, no HTTP error and no console
error. Town labels used to be folium markers, which first create Leaflet's default marker
icon: the app then asked for ``/app/static/vendor/leafletmarker-icon.png`` (a broken
address) and the export for ``marker-icon.png`` next to the file."""

from __future__ import annotations

import pytest

from tests.e2e.conftest import map_frame, wait_ready
from tests.e2e.flows import CURRENT_TILES_DRAWN

pytestmark = [pytest.mark.e2e, pytest.mark.slow, pytest.mark.timeout(900)]


@pytest.fixture(scope="module", autouse=True)
def renderer_installed():
    from webmap import vtile_assets

    vtile_assets.install()  # from the npm registry once; a no-op when present


def _watch(page) -> list[str]:  # noqa: ANN001 - playwright Page
    """Every failed request, HTTP error response and console error of ``page`` (and its
    frames), as text."""
    problems: list[str] = []
    page.on("requestfailed", lambda r: problems.append(f"failed {r.url}: {r.failure}"))
    page.on("response", lambda r: problems.append(f"HTTP {r.status} {r.url}")
            if r.status >= 400 else None)
    page.on("console", lambda m: problems.append(f"console: {m.text}")
            if m.type == "error" else None)
    page.on("pageerror", lambda e: problems.append(f"page error: {e}"))
    return problems


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_map_page_requests_nothing_missing(page, app_url, blocked, lang):
    problems = _watch(page)
    page.goto(f"{app_url}/?lang={lang}")
    wait_ready(page)
    frame = map_frame(page)
    frame.wait_for_function(CURRENT_TILES_DRAWN)
    frame.wait_for_selector(".im-town-label")  # the towns (basemap none) are named
    page.wait_for_timeout(1000)
    assert problems == [] and blocked == []


def test_exported_map_requests_nothing_missing(app_browser, demo_county, tmp_path):
    from exports.html import export_html

    out = export_html(demo_county, tmp_path / "map.html", offline=True, basemap="none")
    page = app_browser.new_page(viewport={"width": 1600, "height": 900})
    try:
        problems = _watch(page)
        page.goto(out.as_uri())
        page.wait_for_function(CURRENT_TILES_DRAWN)
        page.wait_for_selector(".im-town-label")
        page.wait_for_timeout(500)
        assert problems == []
    finally:
        page.close()

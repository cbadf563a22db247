"""The exported HTML map in a real Chromium with the network blocked: it draws, and escaped
attribute text (a park called ``<script>alert(1)</script>``) shows as text and runs nothing."""

from __future__ import annotations

import pytest
from playwright.sync_api import sync_playwright

from exports.html import export_html
from layers.county import County

pytestmark = [pytest.mark.e2e, pytest.mark.slow, pytest.mark.timeout(900)]

XSS = "<script>alert(1)</script>"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]

DRAWN_PIXELS = """() => {
  let n = 0;
  for (const c of document.querySelectorAll('.leaflet-container canvas')) {
    const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
    for (let i = 3; i < d.length; i += 4) if (d[i] > 0) n++;
  }
  return n;
}"""

@pytest.fixture(scope="module")
def browser():
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path="/usr/bin/chromium", args=ARGS)
        yield browser
        browser.close()


def _open(browser, path):
    """Open ``path`` with every non-file request blocked; returns page, requests, dialogs."""
    context = browser.new_context()
    requests: list[str] = []
    dialogs: list[str] = []

    def route(r):
        requests.append(r.request.url)
        if r.request.url.startswith("file:"):
            r.continue_()
        else:
            r.abort()

    context.route("**/*", route)
    page = context.new_page()
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(path.as_uri())
    page.wait_for_selector(".leaflet-container")
    page.wait_for_function(f"({DRAWN_PIXELS})() > 1000")
    return page, requests, dialogs, errors


def test_offline_map_draws_with_network_blocked(browser, demo_county, tmp_path):
    out = export_html(demo_county, tmp_path / "map.html", offline=True, basemap="none")
    page, requests, dialogs, errors = _open(browser, out)
    try:
        assert page.evaluate(DRAWN_PIXELS) > 1000
        assert page.locator(".leaflet-control-layers").count() == 1
        assert page.locator("#im-title-block").inner_text().startswith("青峰县招商地图")
        assert [u for u in requests if not u.startswith("file:")] == []
        assert errors == [] and dialogs == []
    finally:
        page.context.close()


def test_offline_osm_map_requests_only_tiles(browser, demo_county, tmp_path):
    out = export_html(demo_county, tmp_path / "osm.html", offline=True, basemap="osm",
                      lang="en", park_id="P02")
    page, requests, _, errors = _open(browser, out)
    try:
        external = [u for u in requests if not u.startswith("file:")]
        assert external and all(u.startswith("https://tile.openstreetmap.org/") for u in external)
        assert errors == []
        assert "Qingfeng Modern Coal-Chemicals Park" in page.locator("#im-title-block").inner_text()
        centre = page.evaluate("() => Object.values(window).find(v => v instanceof L.Map)"
                               ".getCenter()")
        park = demo_county["park"].set_index("park_id").loc[["P02"]].to_crs(4326)
        c = park.geometry.iloc[0].centroid
        assert (centre["lat"], centre["lng"]) == pytest.approx((c.y, c.x), abs=0.01)
    finally:
        page.context.close()


def test_script_in_a_name_shows_as_text_and_runs_nothing(browser, demo_county, tmp_path):
    parks = demo_county["park"].copy()
    parks.loc[parks["park_id"] == "P01", "name"] = XSS
    projects = demo_county["project"].copy()
    projects["name"] = XSS
    layers = {**demo_county.layers, "park": parks, "project": projects}
    county = County(layers=layers, policy=demo_county.policy, source="xss")
    out = export_html(county, tmp_path / "xss.html", offline=True, basemap="none",
                      park_id="P01")
    assert XSS not in out.read_text(encoding="utf-8")
    page, _, dialogs, errors = _open(browser, out)
    try:
        assert page.locator("#im-title-block .im-title").inner_text() == XSS
        # parks are painted from the embedded tiles; the name shows as the park's label
        assert XSS in page.locator(".investmap-park-label").first.inner_text()
        page.wait_for_timeout(200)
        assert dialogs == [] and errors == []
    finally:
        page.context.close()


CONTEXT_LINES = """() => {
  const maps = Object.values(window).filter(v => v instanceof L.Map);
  let n = 0;
  for (const m of maps) m.eachLayer(l => {
    const p = l.feature && l.feature.properties;
    if (p && ['road', 'county_boundary', 'river']
        .includes(String(p.kind))) n++;
  });
  return n;
}"""


def _overlap(a: dict, b: dict) -> bool:
    return (min(a["x"] + a["width"], b["x"] + b["width"]) > max(a["x"], b["x"])
            and min(a["y"] + a["height"], b["y"] + b["height"]) > max(a["y"], b["y"]))


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_cli_offline_map_shows_context_and_legend_clear_of_title(browser, cli, tmp_path, lang):
    """``export-html --basemap none`` (the CLI, which loads the context layer) draws the
    towns, roads and county outline; on a desktop and on a phone the legend and the title
    block never overlap (screenshots in test-artifacts/)."""
    from tests.e2e.conftest import ARTIFACTS

    out = tmp_path / f"map_{lang}.html"
    result = cli("export-html", "--out", str(out), "--basemap", "none", "--offline",
                 "--lang", lang)
    assert result.returncode == 0, result.stderr
    page, requests, _, errors = _open(browser, out)
    try:
        # towns named where the parks' names leave room (webmap.labels: parks first)
        assert page.locator(".im-town-label").count() >= 2
        assert page.evaluate(CONTEXT_LINES) >= 2
        assert [u for u in requests if not u.startswith("file:")] == [] and errors == []
        ARTIFACTS.mkdir(exist_ok=True)
        for width, height in ((1600, 900), (390, 844)):
            page.set_viewport_size({"width": width, "height": height})
            page.wait_for_timeout(300)
            title = page.locator("#im-title-block").bounding_box()
            legend = page.locator(".investmap-legend").bounding_box()
            page.screenshot(path=str(ARTIFACTS / f"offline_map_{lang}_{width}.png"))
            assert title and legend and not _overlap(title, legend), (width, title, legend)
            legend_open = page.evaluate(
                "() => { const d = document.querySelector('.investmap-legend');"
                " d.open = true; return d.open; }")
            page.wait_for_timeout(100)
            legend = page.locator(".investmap-legend").bounding_box()
            assert legend_open and legend and not _overlap(title, legend), (width, "open")
            assert legend["y"] + legend["height"] <= height and title["y"] >= 0
    finally:
        page.context.close()

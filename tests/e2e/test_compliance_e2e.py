"""合规审查 in a real browser: a planner logs in, draws a rectangle-ish polygon on the map with
Leaflet.draw (served from static/vendor, every other host blocked) and gets the review table
and the report downloads."""

from __future__ import annotations

import re

import pytest

from tests.e2e.conftest import map_frame, wait_ready
from tests.e2e.flows import log_in

pytestmark = [pytest.mark.e2e, pytest.mark.slow, pytest.mark.timeout(900)]


def _draw_button(page):  # noqa: ANN001, ANN202
    """The draw toolbar's polygon button, once the map has settled (it re-mounts once)."""
    for _ in range(10):
        wait_ready(page)
        frame = map_frame(page)
        try:
            frame.wait_for_selector(".leaflet-draw-draw-polygon", timeout=5_000)
            return frame
        except Exception:  # noqa: BLE001 - the frame detaches while the page reruns
            page.wait_for_timeout(1000)
    raise AssertionError("no Leaflet.draw toolbar on the compliance map")


def test_planner_draws_a_boundary_and_gets_the_review(page, app_url, blocked):
    seen: list[str] = []
    page.on("request", lambda req: seen.append(req.url))
    frame = _open(page, app_url)
    frame.click(".leaflet-draw-draw-polygon")
    box = frame.locator(".leaflet-container").bounding_box()
    cx, cy = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    d = min(box["width"], box["height"]) * 0.1
    corners = [(cx - d, cy - d), (cx + d, cy - d), (cx + d, cy + d), (cx - d, cy + d)]
    for x, y in [*corners, corners[0]]:
        page.mouse.click(x, y)
        page.wait_for_timeout(300)
    page.get_by_text("审查结果").wait_for(timeout=120_000)
    page.get_by_role("button", name="下载 PDF 报告").wait_for(timeout=120_000)  # PDF built first
    page.get_by_role("button", name="下载 Excel 报告").wait_for()
    assert any(u.endswith("/app/static/vendor/leaflet-draw/leaflet.draw.js") for u in seen)
    assert blocked == [], f"requests to other hosts were attempted: {blocked}"


_PARCEL_POINT = """(points) => {
  // points: [lat, lng] inside each parcel, largest parcel first (parcels are painted from
  // vector tiles on canvas, so the page has no parcel layers to look through)
  const map = Object.values(window).find(v => v instanceof L.Map);
  const size = map.getSize();
  for (const [lat, lng] of points) {
    const c = map.latLngToContainerPoint([lat, lng]);
    if (c.x > 80 && c.y > 80 && c.x < size.x - 120 && c.y < size.y - 80) {
      return {x: c.x, y: c.y};
    }
  }
  return null;
}"""

_RECT_MU = """([x0, y0, x1, y1]) => {
  const map = Object.values(window).find(v => v instanceof L.Map);
  const a = map.containerPointToLatLng([x0, y0]), b = map.containerPointToLatLng([x1, y1]);
  const r = 6371008.8, rad = Math.PI / 180;
  const w = Math.abs(b.lng - a.lng) * rad * r * Math.cos((a.lat + b.lat) / 2 * rad);
  const h = Math.abs(b.lat - a.lat) * rad * r;
  return w * h / (10000 / 15);
}"""


def _open(page, app_url):  # noqa: ANN001, ANN202
    from webmap import draw_assets

    draw_assets.install()
    log_in(page, app_url, "planner", "planner-demo", link="合规审查")
    return _draw_button(page)


def _on_a_parcel(page, frame, county):  # noqa: ANN001, ANN202
    """Page coordinates of a point inside a parcel of the county, largest parcel first (not
    near the map's controls)."""
    import shapely

    parcels = county["parcel"].to_crs(4326)
    parcels = parcels.iloc[parcels.to_crs(county.crs).area.argsort()[::-1]]
    inside = shapely.point_on_surface(parcels.geometry.values)
    point = frame.evaluate(_PARCEL_POINT, [[p.y, p.x] for p in inside])
    assert point is not None, "no parcel drawn on the compliance map"
    box = frame.locator(".leaflet-container").bounding_box()
    return box["x"] + point["x"], box["y"] + point["y"], box


def test_a_click_on_a_parcel_starts_no_review(page, app_url, demo_county):
    frame = _open(page, app_url)
    x, y, _ = _on_a_parcel(page, frame, demo_county)
    page.mouse.click(x, y)
    page.wait_for_timeout(2500)
    wait_ready(page)
    assert page.get_by_text("审查结果").count() == 0
    page.get_by_text("请上传文件或绘制边界。").wait_for()


def test_a_rectangle_drawn_from_on_top_of_a_parcel_reviews_the_rectangle(page, app_url,
                                                                        demo_county):
    frame = _open(page, app_url)
    x, y, box = _on_a_parcel(page, frame, demo_county)
    frame.click(".leaflet-draw-draw-rectangle")
    dx, dy = 60, 40
    expected = frame.evaluate(_RECT_MU, [x - box["x"], y - box["y"],
                                         x - box["x"] + dx, y - box["y"] + dy])
    page.mouse.move(x, y)
    page.mouse.down()
    for k in range(1, 6):
        page.mouse.move(x + dx * k / 5, y + dy * k / 5)
        page.wait_for_timeout(50)
    page.mouse.up()
    page.get_by_text("审查结果").wait_for(timeout=120_000)
    verdict = page.get_by_text(re.compile(r"绘制的边界（[\d,.]+ 亩）")).first.inner_text()
    mu = float(re.search(r"（([\d,.]+) 亩）", verdict).group(1).replace(",", ""))
    assert mu == pytest.approx(expected, rel=0.1), (verdict, expected)

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


BOUNDARY_VIEW = """() => {
  // the map's view, and the reviewed boundary's outline (red, weight 3) if drawn
  const map = Object.values(window).find(v => v instanceof L.Map);
  let outline = null;
  map.eachLayer(l => {
    if (l instanceof L.Polygon && l.options.color === '#d62728' && l.options.weight === 3) {
      outline = l.getBounds();
    }
  });
  const v = map.getBounds();
  const box = b => [b.getWest(), b.getSouth(), b.getEast(), b.getNorth()];
  return {view: box(v), outline: outline && box(outline),
          contains: outline ? v.contains(outline) : false};
}"""


def _boundary_view(page, *, not_at: list | None = None) -> dict:  # noqa: ANN001
    """The compliance map's view once it shows the boundary (and, with ``not_at``, once the
    outline has moved from there: a corrected boundary re-mounts the map)."""
    for _ in range(120):
        wait_ready(page)
        try:
            view = map_frame(page).evaluate(BOUNDARY_VIEW)
        except Exception:  # noqa: BLE001 - the frame detaches while the page reruns
            view = None
        if view and view["outline"] and view["outline"] != not_at:
            return view
        page.wait_for_timeout(500)
    raise AssertionError("the compliance map never showed the boundary")


def _upload(page, tmp_path, name: str, data: bytes) -> None:  # noqa: ANN001
    path = tmp_path / name
    path.write_bytes(data)
    page.locator("[data-testid='stFileUploaderDropzoneInput']").set_input_files(str(path))
    wait_ready(page)


def test_a_geojson_is_read_as_wgs84_verdict_first_map_fitted_and_picker_fix_moves_it(
        page, app_url, tmp_path, demo_county):
    from geo.compliance import VERDICTS
    from tests.test_compliance_page import RING, _geojson

    _open(page, app_url)
    _upload(page, tmp_path, "site.geojson", _geojson())
    page.get_by_text("审查结果").wait_for(timeout=120_000)
    main = page.locator("[data-testid='stMain']")
    first = main.locator("[data-testid='stAlert']").first.inner_text()  # the verdict, first
    verdicts = "|".join(zh for zh, _ in VERDICTS.values())
    assert re.match(rf"({verdicts}) — A1（[\d.]+ 亩）", first), first
    text = main.inner_text()
    assert "--" not in text and "/tmp" not in text and "wgs84" not in text
    page.get_by_text("按 WGS84 读取（GeoJSON、KML 的标准坐标）", exact=False).wait_for()
    view = _boundary_view(page)
    west, south = min(x for x, _ in RING), min(y for _, y in RING)
    east, north = max(x for x, _ in RING), max(y for _, y in RING)
    assert view["contains"]
    assert view["outline"] == pytest.approx([west, south, east, north], abs=1e-5)
    w, s, e, n = view["view"]
    assert (e - w) < 20 * (east - west) and (n - s) < 20 * (north - south)  # fitted, not county

    with page.expect_download() as done:  # the workbook: numbers, park names, no formula
        page.get_by_role("button", name="下载 Excel 报告").click()
    from openpyxl import load_workbook

    done.value.save_as(tmp_path / "report.xlsx")
    sheet = load_workbook(tmp_path / "report.xlsx")["合规审查"]
    row = {c.value: v for c, v in zip(sheet[1], sheet[2], strict=True)}
    assert isinstance(row["面积(亩)"].value, float) and row["面积(亩)"].number_format == "#,##0.00"
    assert row["涉及园区"].value in set(demo_county["park"]["name"])

    page.get_by_text("GCJ-02（高德、腾讯地图拾取）").click()
    moved = _boundary_view(page, not_at=view["outline"])
    shift_m = max(abs(a - b) for a, b in zip(moved["outline"], view["outline"],
                                             strict=True)) * 111_000
    assert 100 < shift_m < 1000 and moved["contains"]  # the picker shift: some 300–700 m


def test_csv_degrees_ask_for_their_system_in_english(page, app_url, tmp_path):
    from tests.test_compliance_page import _csv

    _open(page, app_url)
    page.get_by_text("English", exact=True).click()
    page.get_by_role("heading", name="Compliance review").wait_for()
    _upload(page, tmp_path, "points.csv", _csv())
    page.get_by_text("These corner points are in degrees without a stated system").wait_for()
    for label in ("WGS84 (GPS, GeoJSON)", "CGCS2000 (national geodetic degrees)",
                  "GCJ-02 (Gaode / Tencent map pickers)", "BD-09 (Baidu map picker)"):
        page.get_by_text(label, exact=True).wait_for()
    assert page.get_by_text("Result", exact=True).count() == 0  # no review before the choice
    page.get_by_text("WGS84 (GPS, GeoJSON)", exact=True).click()
    page.get_by_text("Result", exact=True).wait_for(timeout=120_000)
    text = page.locator("[data-testid='stMain']").inner_text()
    assert not re.search(r"[\u4e00-\u9fff]{2}", text.replace("七通一平", "")), "Chinese in en"

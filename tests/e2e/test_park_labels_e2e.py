"""Park labels in Chromium never overlap: twenty parks 300 m apart in a row show a few
names (the largest park's first) at a zoom where their names would pile up, every name
once zoomed in, and no two shown labels' boxes intersect at either zoom."""

from __future__ import annotations

import folium
import geopandas as gpd
import pytest
import shapely

from layers.registry import LAYERS
from tests import shapes
from tests.e2e.flows import offline_page
from webmap.display import DisplayLayer
from webmap.features import add_park_labels

pytestmark = [pytest.mark.e2e, pytest.mark.slow, pytest.mark.timeout(900)]

BOXES = """() => [...document.querySelectorAll('.investmap-park-label')].map(e => {
  const r = e.getBoundingClientRect(); return [e.textContent, r.left, r.top, r.right, r.bottom];
})"""


def _overlaps(boxes: list) -> list:  # noqa: ANN001
    return [(a[0], b[0]) for i, a in enumerate(boxes) for b in boxes[i + 1:]
            if a[1] < b[3] and b[1] < a[3] and a[2] < b[4] and b[2] < a[4]]


def test_labels_make_room_for_each_other(app_browser, tmp_path):
    sizes = [100.0] * 20
    sizes[7] = 250.0  # the largest park: its name comes first
    parks = gpd.GeoDataFrame(
        {"park_id": [f"P{i:02d}" for i in range(20)],
         "name": [f"第{i}号产业园" for i in range(20)]},
        geometry=[shapes.square(i * 300.0, 0, size) for i, size in enumerate(sizes)],
        crs=shapes.EPSG)
    layer = DisplayLayer(parks, LAYERS["park"], columns=["name"], audience="investor",
                         extra={"park_name": parks["name"]})
    west, south, east, north = shapely.total_bounds(layer.geoms)  # display degrees
    fmap = folium.Map(location=[(south + north) / 2, (west + east) / 2], zoom_start=13,
                      tiles=None)
    add_park_labels(fmap, layer)
    out = offline_page(fmap, tmp_path / "labels.html")
    page = app_browser.new_page(viewport={"width": 1000, "height": 500})
    try:
        errors: list[str] = []
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.goto(out.as_uri())
        name = page.evaluate("() => Object.keys(window).find(k => k.startsWith('map_'))")
        page.wait_for_function("() => document.querySelectorAll('.investmap-park-label')"
                               ".length > 0")
        far = page.evaluate(BOXES)
        assert 1 < len(far) < 20 and _overlaps(far) == [], far  # 6 km of names in 1000 px
        assert "第7号产业园" in [b[0] for b in far]  # the largest park is named
        page.evaluate(f"() => window['{name}'].setZoom(16, {{animate: false}})")
        page.evaluate(f"() => window['{name}'].fitBounds([[{south}, {west}], [{south}, "
                      f"{west + (east - west) / 4}]], {{animate: false}})")
        page.wait_for_timeout(300)
        near = page.evaluate(BOXES)
        assert _overlaps(near) == [], near
        shown_near = {b[0] for b in near}
        assert {"第0号产业园", "第1号产业园", "第2号产业园"} <= shown_near  # room for each
        assert errors == []
    finally:
        page.close()

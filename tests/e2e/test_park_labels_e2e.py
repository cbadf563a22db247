"""Map labels in Chromium never overlap (:mod:`webmap.labels`): twenty parks 300 m apart in
a row show a few names (the largest park's first) at a zoom where their names would pile
up, every name once zoomed in; towns beside the parks are named only where a park's name
leaves room; no label lies under a map control (zoom buttons, legend, layer control, scale,
credits), also after the legend is folded or opened and the map is moved under it."""

from __future__ import annotations

import folium
import geopandas as gpd
import pytest
import shapely

from layers.registry import LAYERS
from tests import shapes
from tests.e2e.flows import offline_page
from webmap.builder import Legend
from webmap.display import DisplayLayer, to_display_coords
from webmap.labels import add_labels, park_labels, town_labels
from webmap.styles import StyleClass, legend_html

pytestmark = [pytest.mark.e2e, pytest.mark.slow, pytest.mark.timeout(900)]

LABELS = ".investmap-park-label, .im-town-label"
COVERS = ".leaflet-control, .investmap-legend"
BOXES = """(sel) => [...document.querySelectorAll(sel)].map(e => {
  const r = e.getBoundingClientRect(); return [e.textContent, r.left, r.top, r.right, r.bottom];
})"""


def _overlaps(boxes: list, others: list | None = None) -> list:  # noqa: ANN001
    pairs = [(a, b) for i, a in enumerate(boxes) for b in boxes[i + 1:]] if others is None \
        else [(a, b) for a in boxes for b in others]
    return [(a[0][:12], b[0][:12]) for a, b in pairs
            if a[1] < b[3] and b[1] < a[3] and a[2] < b[4] and b[2] < a[4]]


def _row_of_parks(*, towns: bool = False, controls: bool = False
                  ) -> tuple[folium.Map, tuple[float, ...]]:
    sizes = [100.0] * 20
    sizes[7] = 250.0  # the largest park: its name comes first
    parks = gpd.GeoDataFrame(
        {"park_id": [f"P{i:02d}" for i in range(20)],
         "name": [f"第{i}号产业园" for i in range(20)]},
        geometry=[shapes.square(i * 300.0, 0, size) for i, size in enumerate(sizes)],
        crs=shapes.EPSG)
    layer = DisplayLayer(parks, LAYERS["park"], columns=["name"], audience="investor",
                         extra={"park_name": parks["name"]})
    bounds = shapely.total_bounds(layer.geoms)  # display degrees
    west, south, east, north = bounds
    fmap = folium.Map(location=[(south + north) / 2, (west + east) / 2], zoom_start=13,
                      tiles=None)
    labels = park_labels(layer)
    if towns:  # a town 60 m above each park's centre: a town name meets a park name
        points = [shapely.Point(shapes.X0 + i * 300.0 + 50, shapes.Y0 + 110) for i in range(20)]
        shown = to_display_coords(points, parks.crs, "wgs84")
        labels += town_labels({"type": "FeatureCollection", "features": [
            {"type": "Feature", "properties": {"kind": "town", "name": f"{i}镇"},
             "geometry": shapely.geometry.mapping(p)} for i, p in enumerate(shown)]})
    if controls:
        classes = [StyleClass(f"c{i}", "#1f77b4", f"第{i}类") for i in range(12)]
        Legend(legend_html([("地块", classes)], title="图例")).add_to(fmap)
        folium.LayerControl(collapsed=True).add_to(fmap)
    add_labels(fmap, labels)
    return fmap, bounds


def _open(app_browser, fmap, path):  # noqa: ANN001, ANN202
    out = offline_page(fmap, path)
    page = app_browser.new_page(viewport={"width": 1000, "height": 500})
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(out.as_uri())
    page.wait_for_function("() => document.querySelectorAll('.investmap-park-label')"
                           ".length > 0")
    name = page.evaluate("() => Object.keys(window).find(k => k.startsWith('map_'))")
    return page, name, errors


def test_labels_make_room_for_each_other(app_browser, tmp_path):
    fmap, (west, south, east, _north) = _row_of_parks()
    page, name, errors = _open(app_browser, fmap, tmp_path / "labels.html")
    try:
        far = page.evaluate(BOXES, LABELS)
        assert 1 < len(far) < 20 and _overlaps(far) == [], far  # 6 km of names in 1000 px
        assert "第7号产业园" in [b[0] for b in far]  # the largest park is named
        page.evaluate(f"() => window['{name}'].setZoom(16, {{animate: false}})")
        page.evaluate(f"() => window['{name}'].fitBounds([[{south}, {west}], [{south}, "
                      f"{west + (east - west) / 4}]], {{animate: false}})")
        page.wait_for_timeout(300)
        near = page.evaluate(BOXES, LABELS)
        assert _overlaps(near) == [], near
        shown_near = {b[0] for b in near}
        assert {"第0号产业园", "第1号产业园", "第2号产业园"} <= shown_near  # room for each
        assert errors == []
    finally:
        page.close()


def _park_point(index: int, size: float = 100.0) -> tuple[float, float]:
    """(lat, lng) of the label point of park ``index`` of the row (its square's centre)."""
    point = shapely.Point(shapes.X0 + index * 300.0 + size / 2, shapes.Y0 + size / 2)
    shown = to_display_coords([point], shapes.EPSG, "wgs84")[0]
    return shown.y, shown.x


def test_towns_and_parks_one_set_clear_of_the_controls(app_browser, tmp_path):
    fmap, (west, south, east, _north) = _row_of_parks(towns=True, controls=True)
    page, name, errors = _open(app_browser, fmap, tmp_path / "towns.html")
    alone, _, _ = _open(app_browser, _row_of_parks(controls=True)[0], tmp_path / "parks.html")
    try:
        page.wait_for_timeout(300)
        alone.wait_for_timeout(300)
        views = {}
        for view in ("far", "folded", "open", "near", "under"):
            if view == "near":
                page.evaluate(f"() => window['{name}'].fitBounds([[{south}, {west}], "
                              f"[{south}, {west + (east - west) / 4}]], {{animate: false}})")
            elif view in ("folded", "open"):
                page.evaluate(f"() => {{ document.querySelector('.investmap-legend').open ="
                              f" {'false' if view == 'folded' else 'true'}; }}")
            elif view == "under":  # the largest park's point moved under the open legend
                legend = page.locator(".investmap-legend").bounding_box()
                lat, lng = _park_point(7, 250.0)
                page.evaluate(
                    f"() => {{ const m = window['{name}'], p = m.latLngToContainerPoint("
                    f"[{lat}, {lng}]); m.panBy([p.x - {legend['x'] + legend['width'] / 2},"
                    f" p.y - {legend['y'] + legend['height'] / 2}], {{animate: false}}); }}")
            page.wait_for_timeout(300)
            labels, covers = page.evaluate(BOXES, LABELS), page.evaluate(BOXES, COVERS)
            assert len(covers) >= 4 and labels, (view, covers)  # zoom, layers, legend, credit
            assert _overlaps(labels) == [], (view, labels)
            assert _overlaps(labels, covers) == [], (view, labels, covers)
            views[view] = {b[0] for b in labels}
        parks_alone = {b[0] for b in alone.evaluate(BOXES, LABELS)}
        towns = {f"{i}镇" for i in range(20)}
        # parks first: the towns take no park's place, and the largest park is named
        assert views["far"] - towns == parks_alone and "第7号产业园" in parks_alone
        assert {"第0号产业园", "第1号产业园"} <= views["near"]
        assert towns & views["near"]  # room for towns too when zoomed in
        assert "第7号产业园" not in views["under"]  # its place is under the legend
        assert errors == []
    finally:
        page.close()
        alone.close()

"""A big county's overview zooms in Chromium: parcels written as groups (one feature per set
of parcels with the same codes, every member's id in ``parcel_ids``) are painted in their
class colour, follow the map's filters (investors' parcels on offer, "only these parcels")
and take their 亩均 class from their members; above the overview zooms every parcel is
painted on its own.

Three 3 km squares side by side (big enough to read a pixel at zoom 9), built with the
overview threshold lowered to 2 parcels: A and B on offer (one group), C sold (another)."""

from __future__ import annotations

import folium
import geopandas as gpd
import pandas as pd
import pytest

from layers.county import County
from layers.vector_tiles import build_archive
from tests import shapes
from tests.e2e.flows import CURRENT_TILES_DRAWN, offline_page
from webmap import styles
from webmap.vtiles import InlineRenderer, VectorTileLayer, VectorTiles, embedded_source_js

pytestmark = [pytest.mark.e2e, pytest.mark.slow, pytest.mark.timeout(900)]

SIZE = 3_000.0
GREEN, GREY, BLUE, RED = "#00c000", "#808080", "#0000ff", "#ff0000"
MIXED = styles.MIXED_COLOR
BACKGROUND = (221, 221, 221)  # Leaflet's container grey (no basemap)


@pytest.fixture(scope="module", autouse=True)
def renderer_installed():
    from webmap import vtile_assets

    vtile_assets.install()


@pytest.fixture(scope="module")
def archive(tmp_path_factory, policy):  # noqa: ANN001, ANN201
    parcels = gpd.GeoDataFrame(
        {"parcel_id": ["A", "B", "C"], "status": ["available", "available", "transferred"],
         "park_id": "P01", "land_use": "industrial"},
        geometry=[shapes.square(x, 0, SIZE) for x in (0, SIZE, 2 * SIZE)], crs=shapes.EPSG)
    county = County(layers={"parcel": parcels}, policy=policy, source="squares")
    offer = pd.DataFrame({"parcel_id": ["A", "B", "C"], "available": [True, True, False]})
    built = build_archive(county, tmp_path_factory.mktemp("groups"), min_zoom=8, max_zoom=11,
                          availability=offer, overview_parcels=2)
    assert built.overview_zoom == 9
    centres = parcels.geometry.centroid.to_crs(4326)
    return built, {pid: (c.y, c.x) for pid, c in zip(parcels["parcel_id"], centres, strict=True)}


def _status() -> styles.LayerStyle:
    return styles.LayerStyle("parcel", "status", "status", (
        styles.StyleClass("available", GREEN, "available"),
        styles.StyleClass("transferred", GREY, "transferred")), fill_opacity=1.0)


def _classes(lookup: dict[str, str]) -> styles.LayerStyle:
    return styles.LayerStyle("parcel", "parcel_id", "class", (
        styles.StyleClass("A", BLUE, "A"), styles.StyleClass("", RED, "none"),
        styles.StyleClass(styles.MIXED_VALUE, MIXED, "mixed")),
        fill_opacity=1.0, lookup=lookup)


def _colours(browser, archive, tmp_path, style: styles.LayerStyle, zoom: int,  # noqa: ANN001
             **filters) -> dict[str, tuple[int, int, int]]:
    """The colour painted at each square's centre at ``zoom``."""
    built, centres = archive
    lat = sum(c[0] for c in centres.values()) / 3
    lon = sum(c[1] for c in centres.values()) / 3
    fmap = folium.Map(location=[lat, lon], zoom_start=zoom, tiles=None, prefer_canvas=True,
                      zoom_control=False, attribution_control=False)
    InlineRenderer().add_to(fmap)
    VectorTileLayer(VectorTiles(archive=built, url=""), [style], name="parcels",
                    url_js=embedded_source_js(built.path), **filters).add_to(fmap)
    out = offline_page(fmap, tmp_path / f"z{zoom}.html")
    page = browser.new_page(viewport={"width": 900, "height": 500})
    try:
        errors: list[str] = []
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.goto(out.as_uri())
        page.wait_for_function("() => window.investmapTiles && window.investmapTiles._map")
        page.wait_for_function(CURRENT_TILES_DRAWN, timeout=60_000)
        page.wait_for_timeout(300)
        name = page.evaluate("() => Object.keys(window).find(k => k.startsWith('map_'))")
        points = {pid: page.evaluate(f"() => {{ const p = window['{name}']"
                                     f".latLngToContainerPoint([{y}, {x}]); return [p.x, p.y]; }}")
                  for pid, (y, x) in centres.items()}
        from io import BytesIO

        from PIL import Image

        shot = Image.open(BytesIO(page.screenshot())).convert("RGB")
        assert errors == []
        return {pid: shot.getpixel((round(px), round(py))) for pid, (px, py) in points.items()}
    finally:
        page.close()


def _rgb(colour: str) -> tuple[int, int, int]:
    return tuple(int(colour[i:i + 2], 16) for i in (1, 3, 5))  # type: ignore[return-value]


def _near(got: tuple[int, int, int], want: tuple[int, int, int]) -> bool:
    return all(abs(a - b) <= 12 for a, b in zip(got, want, strict=True))


@pytest.mark.parametrize("zoom", [9, 11])  # 9: the groups (data zoom 8); 11: parcels
def test_groups_and_parcels_paint_the_same_colours(app_browser, archive, tmp_path, zoom):
    got = _colours(app_browser, archive, tmp_path, _status(), zoom)
    assert _near(got["A"], _rgb(GREEN)) and _near(got["B"], _rgb(GREEN)), got
    assert _near(got["C"], _rgb(GREY)), got


def test_a_group_follows_the_investor_filter_and_only_these_parcels(app_browser, archive,
                                                                    tmp_path):
    offer = _colours(app_browser, archive, tmp_path, _status(), 9, offer_only=True)
    assert _near(offer["A"], _rgb(GREEN)) and _near(offer["C"], BACKGROUND), offer
    only = _colours(app_browser, archive, tmp_path, _status(), 9, parcel_ids=["C"])
    assert _near(only["C"], _rgb(GREY)) and _near(only["A"], BACKGROUND), only


def test_a_group_takes_its_members_class_when_they_share_one_else_mixed(app_browser, archive,
                                                                       tmp_path):
    same = _colours(app_browser, archive, tmp_path, _classes({"A": "A", "B": "A"}), 9)
    assert _near(same["A"], _rgb(BLUE)) and _near(same["C"], _rgb(RED)), same
    mixed = _colours(app_browser, archive, tmp_path, _classes({"A": "A"}), 9)
    assert _near(mixed["A"], _rgb(MIXED)), mixed  # B has no class: the group is mixed
    apart = _colours(app_browser, archive, tmp_path, _classes({"A": "A"}), 11)
    assert _near(apart["A"], _rgb(BLUE)) and _near(apart["B"], _rgb(RED)), apart

"""The ``context`` layer: imported like any layer, drawn in static maps and on the web map
when there is no basemap."""

from __future__ import annotations

import geopandas as gpd
import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import pyogrio  # noqa: E402
import pytest  # noqa: E402
import shapely  # noqa: E402

from exports.static_map import draw_context  # noqa: E402
from webmap.builder import build_map, prepare  # noqa: E402
from webmap.context import context_geojson  # noqa: E402

EPSG = 4546
X0, Y0 = 500_000.0, 4_300_000.0  # inside zone 37 (central meridian 111°E)


def hand_context() -> gpd.GeoDataFrame:
    """A 1 km county with one of each kind, and a second town 5 km away (outside)."""
    rows = [
        ("CX-1", "测试县", "Test County", "county_boundary",
         shapely.box(X0, Y0, X0 + 1000, Y0 + 1000)),
        ("CX-2", "一号路", "Road 1", "road", shapely.LineString([(X0, Y0 + 500),
                                                               (X0 + 1000, Y0 + 500)])),
        ("CX-3", "清水河", "Clear River", "river", shapely.LineString([(X0 + 500, Y0),
                                                                    (X0 + 500, Y0 + 1000)])),
        ("CX-4", "铁路", "Railway", "railway", shapely.LineString([(X0, Y0 + 900),
                                                                (X0 + 1000, Y0 + 900)])),
        ("CX-5", "水库", "Reservoir", "water", shapely.box(X0 + 100, Y0 + 100, X0 + 200,
                                                          Y0 + 200)),
        ("CX-6", "东镇", "East Town", "town", shapely.Point(X0 + 800, Y0 + 300)),
        ("CX-7", "远镇", "Far Town", "town", shapely.Point(X0 + 5000, Y0 + 300)),
    ]
    return gpd.GeoDataFrame({"context_id": [r[0] for r in rows], "name": [r[1] for r in rows],
                             "name_en": [r[2] for r in rows], "kind": [r[3] for r in rows]},
                            geometry=[r[4] for r in rows], crs=EPSG)


@pytest.mark.parametrize("lang, town, legend", [
    ("zh", "东镇", {"县界", "主要道路", "河流", "铁路", "水面", "城镇"}),
    ("en", "East Town", {"County boundary", "Main road", "River", "Railway", "Water body",
                         "Town"})])
def test_draw_context_draws_every_kind_under_the_data(lang, town, legend):
    fig, ax = plt.subplots()
    try:
        handles = draw_context(ax, hand_context(), (X0 - 50, Y0 - 50, X0 + 1050, Y0 + 1050),
                               lang=lang)
        texts = [t.get_text() for t in ax.texts]
        zorders = [a.get_zorder() for a in ax.get_children()
                   if a in ax.lines or a in ax.collections]
    finally:
        plt.close(fig)
    assert {h.get_label() for h in handles} == legend
    assert texts == [town]  # the far town lies outside the map: not labelled
    assert zorders and max(zorders) < 2  # red lines (2), parcels (3), parks (4) draw above


def test_draw_context_outside_the_county_outline_shows_no_boundary():
    fig, ax = plt.subplots()
    try:  # a map inside the county: the outline is off the map, so not in the legend
        handles = draw_context(ax, hand_context(), (X0 + 300, Y0 + 300, X0 + 700, Y0 + 700))
    finally:
        plt.close(fig)
    assert "县界" not in {h.get_label() for h in handles}


def test_context_imports_like_any_layer(cli, tmp_path):
    src = tmp_path / "context.geojson"
    pyogrio.write_dataframe(hand_context().to_crs(4490).rename(
        columns={"kind": "要素类型", "name": "名称"}), src)
    assert cli("validate", str(src), "--layer", "context").returncode == 0
    out = tmp_path / "county.gpkg"
    done = cli("import", str(src), "--layer", "context", "--out", str(out))
    assert done.returncode == 0, done.stderr
    back = pyogrio.read_dataframe(out, layer="context")
    assert sorted(back["kind"]) == sorted(hand_context()["kind"])
    assert set(back.geom_type) == {"Polygon", "LineString", "Point"}


def test_context_with_an_unknown_kind_names_the_feature_and_the_choices(cli, tmp_path):
    bad = hand_context()
    bad.loc[2, "kind"] = "canal"
    src = tmp_path / "bad.geojson"
    pyogrio.write_dataframe(bad.to_crs(4490), src)
    result = cli("validate", str(src), "--layer", "context")
    assert result.returncode == 1
    assert "feature 3" in result.stdout and "'canal'" in result.stdout
    assert "county_boundary" in result.stdout


def test_context_loads_into_the_store(cli, tmp_path):
    src = tmp_path / "context.geojson"
    pyogrio.write_dataframe(hand_context().to_crs(4490), src)
    store = tmp_path / "store.gpkg"
    first = cli("load", str(src), "--layer", "context", "--user", "u", "--data", str(store))
    assert first.returncode == 0, first.stderr
    assert "7 inserted" in first.stdout


def test_demo_context_is_loaded_with_the_county(demo_county):
    context = demo_county["context"]
    assert {"county_boundary", "town", "road", "river", "railway"} <= set(context["kind"])
    outline = context.loc[context["kind"] == "county_boundary"].geometry.iloc[0]
    assert outline.contains(demo_county["park"].union_all())
    facilities = demo_county["facility"]
    assert {"interchange", "rail_yard", "substation"} <= set(facilities["kind"])


def test_web_map_draws_context_only_without_a_basemap(demo_county):
    data = prepare(demo_county, lang="en")
    towns = demo_county["context"].query("kind == 'town'")["name_en"]
    shown = build_map(data, basemap="none").get_root().render()
    assert all(name in shown for name in towns)
    assert not any(name in build_map(data, basemap="osm").get_root().render() for name in towns)


def test_context_geojson_escapes_names_and_keeps_only_kind_and_name():
    context = hand_context()
    context.loc[5, "name"] = "<img src=x onerror=alert(1)>"
    fc = context_geojson(context, lang="zh")
    assert fc is not None and len(fc["features"]) == len(context)
    props = [f["properties"] for f in fc["features"]]
    assert all(set(p) == {"kind", "name"} for p in props)
    assert "&lt;img src=x onerror=alert(1)&gt;" in [p["name"] for p in props]
    assert context_geojson(None) is None

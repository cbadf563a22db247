"""The shared map builder: escaping, audience whitelist, offline assets, basemaps, viewport
level of detail, GCJ-02 display shift, parcel card."""

from __future__ import annotations

import re

import numpy as np
import pytest
import shapely

from geo.chinacoords import wgs84_to_gcj02
from layers.county import County
from webmap import assets
from webmap.basemaps import BasemapError, add_basemap
from webmap.builder import build_map, build_parts, prepare
from webmap.card import parcel_card
from webmap.display import DisplayLayer, Viewport, display_text, pixel_degrees

XSS = "<script>alert(1)</script>"


@pytest.fixture(scope="module")
def investor_data(demo_county):
    return prepare(demo_county, audience="investor", lang="zh")


def _with_park_name(county: County, name: str) -> County:
    parks = county["park"].copy()
    parks.loc[parks.index[0], "name"] = name
    return County(layers={**county.layers, "park": parks}, policy=county.policy,
                  source=county.source)


def test_display_text_escapes_and_formats():
    assert display_text(XSS) == "&lt;script&gt;alert(1)&lt;/script&gt;"
    assert display_text(1234.5) == "1,234.50"
    assert display_text(["road", "<b>"]) == "road, &lt;b&gt;"
    assert display_text(None) == "" and display_text(float("nan")) == ""


def test_park_name_with_script_is_text_in_the_map(demo_county):
    fmap = build_map(_with_park_name(demo_county, XSS), basemap="none")
    page = fmap.get_root().render()
    decoded = re.sub(r"\\u([0-9a-fA-F]{4})", lambda m: chr(int(m.group(1), 16)), page)
    assert XSS not in page and XSS not in decoded
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in decoded


def test_nearby_projects_at_the_radius_edge(demo_county):
    import geopandas as gpd

    from tests.shapes import EPSG, X0, Y0, square
    from webmap.card import nearby_projects

    # a 100 m parcel at the origin; projects due east of its east side (x = 100 m)
    east = [("inside", 100 + 2_999), ("rounds in", 100 + 3_004),
            ("rounds out", 100 + 3_006), ("stalled", 100 + 500), ("unchained", 100 + 10)]
    projects = gpd.GeoDataFrame(
        {"project_id": [f"J{i}" for i in range(len(east))],
         "name": [n for n, _ in east],
         "chain_id": ["c1", "c1", "c1", "c1", None], "segment_id": ["s1"] * len(east),
         "stage": ["signed", "signed", "signed", "stalled", "signed"]},
        geometry=gpd.points_from_xy([X0 + x for _, x in east], [Y0 + 50] * len(east)),
        crs=EPSG)
    county = County(layers={**demo_county.layers, "project": projects},
                    policy=demo_county.policy, source="hand-made")
    staff = nearby_projects(county, square(), lang="zh", radius_m=3000)
    assert list(staff["name"]) == ["stalled", "inside", "rounds in"]  # nearest first
    assert list(staff["distance_km"]) == [0.5, 3.0, 3.0]
    investor = nearby_projects(county, square(), lang="zh", radius_m=3000,
                               audience="investor")
    assert list(investor["name"]) == ["inside", "rounds in"]


def test_investor_map_carries_no_confidential_data(demo_county):
    page = build_map(demo_county, audience="investor", basemap="none").get_root().render()
    assert "内部：" not in page
    for column in ("notes", "owner", "developed_share", "actual_start_date", "tax_wan"):
        assert not re.search(rf"\b{column}\b", page)


def test_investor_layer_refuses_confidential_columns(demo_county):
    from layers.registry import LAYERS

    with pytest.raises(ValueError, match="may not be shown to investors"):
        DisplayLayer(demo_county["parcel"], LAYERS["parcel"], columns=("parcel_id", "notes"),
                     audience="investor")
    layer = DisplayLayer(demo_county["parcel"], LAYERS["parcel"],
                         columns=("parcel_id", "notes"), audience="staff")
    assert layer.props["notes"].str.startswith("内部").any()


def test_efficiency_styling_is_staff_only(investor_data):
    with pytest.raises(ValueError, match="staff only"):
        build_parts(investor_data, basemap="none", style_mode="efficiency")


def test_only_local_assets_no_cdn(investor_data):
    page = build_map(investor_data, basemap="none").get_root().render()
    urls = set(re.findall(r'(?:src|href)="([^"]+)"', page))
    assert urls == {"/app/static/vendor/leaflet/leaflet.js",
                    "/app/static/vendor/leaflet/leaflet.css"}
    assert re.findall(r"https?://[^\s\"'<>]+", page) == []


def test_asset_files_come_from_the_installed_package(tmp_path):
    paths = assets.asset_paths()
    assert "Leaflet 1.9.3" in paths["leaflet.js"].read_text()[:200] or \
        "1.9.3" in paths["leaflet.js"].read_text()
    written = assets.install(tmp_path)
    assert assets.installed(tmp_path)
    assert {p.name for p in written} >= {"leaflet.js", "leaflet.css", "layers.png"}
    assert (tmp_path / "leaflet" / "leaflet.css").read_bytes() == \
        paths["leaflet.css"].read_bytes()


def test_assets_command(cli, tmp_path):
    missing = cli("assets", "--check", "--target", str(tmp_path))
    assert missing.returncode == 2 and "investmap assets" in missing.stderr
    done = cli("assets", "--target", str(tmp_path))
    assert done.returncode == 0, done.stderr
    assert cli("assets", "--check", "--target", str(tmp_path)).returncode == 0


def test_tianditu_needs_a_key_and_uses_it(monkeypatch):
    import folium

    monkeypatch.delenv("TIANDITU_KEY", raising=False)
    with pytest.raises(BasemapError, match="TIANDITU_KEY"):
        add_basemap(folium.Map(tiles=None), "tianditu")
    fmap = folium.Map(tiles=None)
    add_basemap(fmap, "tianditu_img", lang="en", key="abc123")
    page = fmap.get_root().render()
    assert "img_w" in page and "eia_w" in page and "tk=abc123" in page
    with pytest.raises(BasemapError, match="unknown basemap"):
        add_basemap(folium.Map(tiles=None), "baidu")


def test_gaode_display_is_shifted_to_gcj02(demo_county):
    wgs = prepare(demo_county, coords="wgs84").layers["park"]
    gcj = prepare(demo_county, coords="gcj02").layers["park"]
    x, y = wgs.geoms[0].exterior.coords[0]
    expect = wgs84_to_gcj02(np.array([x]), np.array([y]))
    gx, gy = gcj.geoms[0].exterior.coords[0]
    assert (gx, gy) == pytest.approx((expect[0][0], expect[1][0]), abs=1e-9)
    assert abs(gx - x) > 1e-3  # ~ hundreds of metres: it really moved
    with pytest.raises(ValueError, match="gcj02"):
        build_parts(prepare(demo_county, coords="wgs84"), basemap="gaode")


def test_viewport_clips_and_caps(investor_data):
    west, south, east, north = investor_data.bounds()
    full = build_parts(investor_data, basemap="none")
    assert full.counts["parcel"].shown == len(investor_data.layers["parcel"])
    corner = Viewport(west, south, west + (east - west) / 6, south + (north - south) / 6, 15)
    part = build_parts(investor_data, basemap="none", viewport=corner, max_features=50)
    sel = part.counts["parcel"]
    assert sel.shown == min(50, sel.in_view) and sel.in_view < full.counts["parcel"].shown
    weights = investor_data.layers["parcel"].weight
    shown, rest = set(sel.index), np.setdiff1d(
        investor_data.layers["parcel"].select(viewport=corner).index, sel.index)
    assert min(weights[list(shown)]) >= max(weights[rest], default=0)


def test_viewport_from_st_folium():
    value = {"bounds": {"_southWest": {"lat": 38.9, "lng": 110.9},
                        "_northEast": {"lat": 39.0, "lng": 111.0}}, "zoom": 13}
    vp = Viewport.from_st_folium(value)
    assert vp == Viewport(110.9, 38.9, 111.0, 39.0, 13)
    assert vp.expanded(0.5) == pytest.approx((110.85, 38.85, 111.05, 39.05))
    none = {"bounds": {"_southWest": {"lat": None, "lng": None},
                       "_northEast": {"lat": None, "lng": None}}, "zoom": 11}
    assert Viewport.from_st_folium(none) is None and Viewport.from_st_folium(None) is None
    assert pixel_degrees(0) == pytest.approx(360 / 256)


def test_feature_collection_rounds_coordinates(investor_data):
    layer = investor_data.layers["parcel"]
    vp = Viewport(*layer.bounds(), zoom=12)
    fc = layer.feature_collection(np.arange(3), fields=["parcel_id"], viewport=vp)
    coords = np.array(fc["features"][0]["geometry"]["coordinates"][0])
    assert np.allclose(coords, np.round(coords, 5))
    assert fc["features"][0]["properties"] == {"parcel_id": "QF-0001", "i": 0, "L": "parcel"}


def test_highlight_layer_and_park_filter(investor_data):
    parts = build_parts(investor_data, basemap="none", park_ids=["P02"],
                        highlight_ids=["QF-0001", "nope"])
    layer = investor_data.layers["parcel"]
    shown = layer.raw.loc[parts.counts["parcel"].index, "park_id"]
    assert set(shown) == {"P02"}
    assert parts.counts["matches"].shown == 1
    assert [g.layer_name for g in parts.overlays][-1] == "查询结果"


def test_parcel_card_by_audience(demo_county):
    from layers.supply import availability

    av = availability(demo_county)
    pid = str(av.loc[~av["available"], "parcel_id"].iloc[0])
    investor = parcel_card(demo_county, pid, audience="investor", lang="zh", availability=av)
    labels = [k for k, _ in investor.facts]
    assert "面积(亩)" in labels and "内部备注" not in labels and "实际开工日期" not in labels
    assert investor.available is False and investor.reasons
    staff = parcel_card(demo_county, pid, audience="staff", lang="en", availability=av)
    assert "Internal notes" in [k for k, _ in staff.facts]
    assert set(investor.partners.columns) == {"name", "chain_id", "segment_id", "stage",
                                              "distance_km"}
    assert (investor.partners["distance_km"] <= 3).all()
    with pytest.raises(KeyError):
        parcel_card(demo_county, "NOPE", audience="investor", lang="zh")


def test_card_partners_hand_checked(demo_county):
    from webmap.card import nearby_projects

    projects = demo_county["project"]
    one = projects[projects["chain_id"].notna()].iloc[0]
    x, y = one.geometry.x, one.geometry.y
    here = shapely.box(x + 1000, y - 50, x + 1100, y + 50)  # 1,000 m east of the project
    near = nearby_projects(demo_county, here, lang="zh", radius_m=5000)
    assert one["name"] in set(near["name"])
    row = near[near["name"] == one["name"]].iloc[0]
    assert row["distance_km"] == pytest.approx(1.0)
    assert nearby_projects(demo_county, here, lang="zh", radius_m=999)["name"].ne(
        one["name"]).all()


def test_specks_are_left_out_at_low_zoom(investor_data):
    layer = investor_data.layers["parcel"]
    west, south, east, north = layer.bounds()
    far = Viewport(west, south, east, north, zoom=8)  # one pixel ≈ 480 m: parcels are specks
    near = Viewport(west, south, east, north, zoom=16)
    assert layer.select(viewport=far, min_pixels=3).shown == 0
    assert layer.select(viewport=far, min_pixels=3).in_view == len(layer)
    assert layer.select(viewport=near, min_pixels=3).shown == len(layer)
    projects = investor_data.layers["project"]
    assert projects.select(viewport=far, min_pixels=3).shown == len(projects)  # points stay


def test_chain_names_read_once_per_version_of_the_chains_file(tmp_path, monkeypatch):
    """``prepare`` asks for the chain names every time; the file is read again only when
    its modification time or size changes."""
    import os

    from data import get_path
    from layers.chains import load_chains
    from webmap import builder

    chains = tmp_path / "chains.yaml"
    chains.write_text(get_path("chains").read_text(encoding="utf-8"), encoding="utf-8")
    reads: list[str] = []
    monkeypatch.setattr(builder, "get_path", lambda name: chains)
    monkeypatch.setattr(builder, "load_chains", lambda p: reads.append(str(p)) or load_chains(p))
    first = builder._chain_labels()
    assert builder._chain_labels() == first and reads == [str(chains)]  # once
    assert first["battery"] == ("新能源电池产业链", "New-energy battery chain")
    chains.write_text(chains.read_text(encoding="utf-8").replace(
        "新能源电池产业链", "动力电池产业链"), encoding="utf-8")
    later = chains.stat().st_mtime_ns + 2_000_000_000
    os.utime(chains, ns=(later, later))  # an edit seconds later
    assert builder._chain_labels()["battery"] == ("动力电池产业链", "New-energy battery chain")
    assert len(reads) == 2

"""A county patched with the features an edit wrote equals the county loaded again in full.

The county: one park around four 100 m squares (15 亩 each) — A, B and C on offer, A with a
project placed at the parcel (no location of its own), C belonging to an enterprise whose
land comes from its parcels — and an eco red line over the right half of C (7.5 亩: C is
not on offer). Each test changes the store, patches the county loaded before the change and
compares it with the county loaded after: the same frames, the same availability, the same
parcels on offer, the same tile state.
"""

from __future__ import annotations

import copy
import sqlite3
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest
import shapely

from layers.county import County, load_county
from layers.county_patch import Change, offerable, patched, patched_availability, read_features
from layers.store.gpkg import GeoPackageStore
from layers.supply import availability
from layers.tile_delta import tile_state
from layers.validate import validate_layer
from tests import shapes

ADMIN = {"user": "王工", "role": "admin", "reason": "测试"}


def _write(path: Path) -> None:
    crs = shapes.EPSG
    layers = {
        "park": gpd.GeoDataFrame(
            {"park_id": ["P01"], "name": ["示例园区"], "level": ["provincial"],
             "leading_industries": ["battery"]},
            geometry=[shapes.rect(-50, -50, 1000, 250)], crs=crs),
        "parcel": gpd.GeoDataFrame(
            {"parcel_id": ["A", "B", "C"], "land_use": ["100102"] * 3,
             "status": ["available"] * 3, "enterprise_id": [None, None, "E1"]},
            geometry=[shapes.square(0), shapes.square(200), shapes.square(400)], crs=crs),
        "redline": gpd.GeoDataFrame(
            {"redline_id": ["R1"], "category": ["eco_redline"]},
            geometry=[shapes.rect(450, -10, 100, 120)], crs=crs),
        "project": gpd.GeoDataFrame(
            {"project_id": ["XM1"], "name": ["电池项目"], "stage": ["signed"],
             "parcel_id": ["A"]}, geometry=[None], crs=crs),
    }
    for name, frame in layers.items():
        frame.to_file(path, layer=name, driver="GPKG")
    enterprise = pd.DataFrame({"enterprise_id": ["E1"], "name": ["示例企业"],
                               "scale": ["above"], "land_mu": [None]})
    gpd.GeoDataFrame(enterprise, geometry=[None], crs=crs).to_file(
        path, layer="enterprise", driver="GPKG")


@pytest.fixture
def store(tmp_path) -> Path:
    path = tmp_path / "county.gpkg"
    _write(path)
    GeoPackageStore(path).close()  # brought to the store's structure (versions, audit)
    return path


def _load(path: Path) -> tuple[County, pd.DataFrame]:
    county = load_county(path, cache=False)
    return county, availability(county)


def _patch(path: Path, before: County, before_av: pd.DataFrame,
           change: Change) -> tuple[County | None, pd.DataFrame | None]:
    after = patched(before, change, read_features(before, str(path), change))
    if after is None:
        return None, None
    return after, patched_availability(before, after, change, before_av)


def _assert_same(path: Path, after: County | None, after_av: pd.DataFrame | None) -> None:
    assert after is not None and after_av is not None
    full, full_av = _load(path)
    assert set(after.layers) == set(full.layers)
    for name, frame in full.layers.items():
        pd.testing.assert_frame_equal(after[name], frame, check_exact=True, obj=name)
    pd.testing.assert_frame_equal(after_av, full_av, check_exact=True)
    assert offerable(after_av) == offerable(full_av)
    mine, theirs = tile_state(after, after_av), tile_state(full, full_av)
    assert set(mine.props) == set(theirs.props)
    for name, props in theirs.props.items():
        pd.testing.assert_frame_equal(mine.props[name], props, obj=name)
        assert shapely.equals_exact(mine.shapes[name], theirs.shapes[name], tolerance=0).all()


def _import(path: Path, layer: str, edit) -> None:  # noqa: ANN001 - frame → frame
    """Write ``edit(layer frame)`` into the store as an import would (new shapes, rows)."""
    with GeoPackageStore(path) as opened:
        frame = edit(opened.read_layer(layer).drop(columns=["version"]))
        checked, _report = validate_layer(frame, layer, source="test")
        opened.import_frame(layer, checked, user="王工", reason="测试", role="admin")


def _reshape(frame: gpd.GeoDataFrame, pid: str, shape: shapely.Geometry) -> gpd.GeoDataFrame:
    out = frame.copy()
    out.loc[out["parcel_id"] == pid, "geometry"] = shape
    return out


def test_an_attribute_edit_patches_to_the_full_reload(store):
    before, before_av = _load(store)
    kept = copy.deepcopy(before.layers), before_av.copy(deep=True)
    assert offerable(before_av) == ("A", "B")  # C meets the red line
    with GeoPackageStore(store) as opened:
        opened.edit("parcel", "A", {"status": "transferred"}, **ADMIN)
    after, after_av = _patch(store, before, before_av, Change("parcel", ("A",)))
    _assert_same(store, after, after_av)
    assert offerable(after_av) == ("B",)
    for name, frame in kept[0].items():  # the county other sessions read is unchanged
        pd.testing.assert_frame_equal(before.layers[name], frame, obj=name)
    pd.testing.assert_frame_equal(before_av, kept[1])


def test_a_shape_edit_judges_the_red_line_again(store):
    before, before_av = _load(store)
    _import(store, "parcel", lambda f: _reshape(f, "B", shapes.square(420)))  # onto R1
    after, after_av = _patch(store, before, before_av, Change("parcel", ("B",)))
    _assert_same(store, after, after_av)
    b = after_av.set_index("parcel_id").loc["B"]
    assert b["overlap_mu_eco_redline"] == pytest.approx(10.5)  # 70 m × 100 m of the square
    assert offerable(after_av) == ("A",)


def test_an_added_parcel_is_appended_and_judged(store):
    before, before_av = _load(store)

    def add(frame: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
        row = frame[frame["parcel_id"] == "B"].assign(parcel_id="D", park_id=None)
        return pd.concat([frame, _reshape(row, "D", shapes.square(600))], ignore_index=True)

    _import(store, "parcel", add)
    after, after_av = _patch(store, before, before_av, Change("parcel", ("D",)))
    _assert_same(store, after, after_av)
    assert after["parcel"]["parcel_id"].tolist() == ["A", "B", "C", "D"]
    assert after["parcel"]["park_id"].iloc[-1] == "P01"  # derived from the park's shape
    assert offerable(after_av) == ("A", "B", "D")


def test_a_deleted_parcel_is_dropped(store):
    before, before_av = _load(store)
    with sqlite3.connect(store) as conn:  # the store has no delete: another tool's
        conn.execute("DELETE FROM parcel WHERE parcel_id = 'B'")
    after, after_av = _patch(store, before, before_av, Change("parcel", ("B",)))
    _assert_same(store, after, after_av)
    assert offerable(after_av) == ("A",)


def test_a_project_edit_keeps_its_location_from_the_parcel(store):
    before, before_av = _load(store)
    with GeoPackageStore(store) as opened:
        opened.edit("project", "XM1", {"stage": "started"}, **ADMIN)
    after, after_av = _patch(store, before, before_av, Change("project", ("XM1",)))
    _assert_same(store, after, after_av)
    assert after["project"].geometry.iloc[0].equals(
        shapely.point_on_surface(shapes.square(0)))
    assert after_av is before_av  # parcels untouched: the same verdicts


@pytest.mark.parametrize(("layer", "edit"), [
    # A carries a project located from it: moving A moves the project
    ("parcel", lambda f: _reshape(f, "A", shapes.square(0, 20))),
    # C's enterprise takes its land from C
    ("parcel", lambda f: f.assign(enterprise_id=f["parcel_id"].map({"C": "E2"}))),
    # parcels take their park from the park's shape
    ("park", lambda f: f.assign(geometry=[shapes.rect(-50, -50, 300, 250)])),
])
def test_a_change_others_derive_from_needs_the_full_reload(store, layer, edit):
    before, before_av = _load(store)
    ids = tuple(before[layer][f"{layer}_id"].astype(str))
    _import(store, layer, edit)
    assert patched(before, Change(layer, ids),
                   read_features(before, str(store), Change(layer, ids))) is None


@pytest.mark.postgis
@pytest.mark.slow
def test_an_edit_in_a_postgis_store_patches_to_the_full_reload(postgis_url):
    from layers.store import open_store
    from tests import store_county

    with open_store(postgis_url) as opened:
        store_county.fill(opened)
    before, before_av = _load_url(postgis_url)
    with open_store(postgis_url) as opened:
        opened.edit("parcel", "B", {"status": "transferred"}, **ADMIN)
    change = Change("parcel", ("B",))
    after = patched(before, change, read_features(before, postgis_url, change))
    assert after is not None
    after_av = patched_availability(before, after, change, before_av)
    full, full_av = _load_url(postgis_url)
    for name, frame in full.layers.items():
        pd.testing.assert_frame_equal(after[name], frame, check_exact=True, obj=name)
    pd.testing.assert_frame_equal(after_av, full_av, check_exact=True)
    assert "B" not in offerable(after_av)


def _load_url(url: str) -> tuple[County, pd.DataFrame]:
    county = load_county(url)
    return county, availability(county)

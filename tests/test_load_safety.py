"""``investmap load`` never loses data and follows the edit rules (issue 13 items 1, 2, 6).

The store is the five-square county of :mod:`tests.store_county` (parcels A–E, 15 亩 each).
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import geopandas as gpd
import pyogrio
import pytest
import shapely

from layers.store import open_store
from layers.validate import ValidationError, validate_layer
from tests import store_county as county
from tests.conftest import run_cli
from tests.shapes import EPSG, square


def digest(path: str | Path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


@pytest.fixture
def store_path(tmp_path) -> str:
    path = str(tmp_path / "store.gpkg")
    with open_store(path) as store:
        county.fill(store)
        store.edit("parcel", "B", {"notes": "与甲公司洽谈", "price_wan_per_mu": 20.0},
                   user="alice", role="planner", reason="weekly")
    return path


def load(path: Path, store_path: str, *extra: str, layer: str = "parcel"):
    return run_cli("load", str(path), "--layer", layer, "--user", "u", "--data", store_path,
                   *extra)


# -- item 1: only the file's columns are written ---------------------------------------------


def test_csv_with_few_columns_keeps_the_others(store_path, tmp_path):
    lonlat = gpd.GeoSeries([square(200).centroid], crs=EPSG).to_crs(4490)
    csv = tmp_path / "few.csv"
    csv.write_text("project_id,name,stage,lon,lat\n"
                   f"X1,新材料产业园二期,signed,{lonlat.x[0]:.9f},{lonlat.y[0]:.9f}\n",
                   encoding="utf-8")
    with open_store(store_path) as store:
        before = store.get("project", "X1")
    done = load(csv, store_path, layer="project")
    assert done.returncode == 0, done.stderr
    assert "left as stored for existing rows" in done.stdout
    assert "investment_wan" in done.stdout and "parcel_id" in done.stdout
    with open_store(store_path) as store:
        after = store.get("project", "X1")
        changed = {e.field for e in store.history("project", "X1") if e.user == "u"}
    assert after.values["investment_wan"] == 50000.0 == before.values["investment_wan"]
    assert after.values["parcel_id"] == "B"
    assert after.values["name"] == "新材料产业园二期" and after.values["stage"] == "signed"
    assert "investment_wan" not in changed and {"name", "stage"} <= changed


def test_shapefile_with_cut_column_names_updates_them(store_path, tmp_path):
    frame = county.parcels(B={"price_wan_per_mu": 33.0}).loc[[1]]
    frame = frame[["parcel_id", "land_use", "status", "price_wan_per_mu", "geometry"]]
    shp = tmp_path / "cut.shp"
    write(frame, shp)
    assert "price_wan_" in pyogrio.read_info(shp)["fields"]
    done = load(shp, store_path)
    assert done.returncode == 0, done.stderr
    with open_store(store_path) as store:
        b = store.get("parcel", "B").values
    assert b["price_wan_per_mu"] == 33.0
    assert b["notes"] == "与甲公司洽谈"  # not in the file: untouched


# -- item 2: the same coordinate checks on every path ----------------------------------------


@pytest.mark.parametrize("point, message", [
    (shapely.Point(float("nan"), 38.0), "not a finite number"),
    (shapely.Point(float("inf"), 38.0), "not a finite number"),
    (shapely.Point(1e300, 1e300), "outside ±180°/±90°"),
    (shapely.Point(500.0, 38.0), "outside ±180°/±90°"),
])
def test_bad_coordinates_refused_by_validate_and_load(store_path, tmp_path, point, message):
    frame = gpd.GeoDataFrame([{"project_id": "X9", "name": "n", "stage": "pipeline",
                               "geometry": point}], geometry="geometry", crs=4490)
    with pytest.raises(ValidationError, match="feature 1.*" + message.replace("±", ".")):
        validate_layer(frame, "project", source="mem", working_crs=EPSG)
    path = tmp_path / "bad.csv"
    path.write_text(f"project_id,name,stage,wkt\nX9,n,pipeline,\"{point.wkt}\"\n")
    before = digest(store_path)
    for cmd in (run_cli("validate", str(path), "--layer", "project", "--crs", "EPSG:4490"),
                load(path, store_path, "--crs", "EPSG:4490", layer="project")):
        assert cmd.returncode in (1, 2), cmd.stdout + cmd.stderr
        assert str(path) in cmd.stdout + cmd.stderr
        assert "Traceback" not in cmd.stderr
    assert digest(store_path) == before


def test_projected_coordinate_beyond_1e9_refused():
    frame = gpd.GeoDataFrame([{"parcel_id": "Z", "land_use": "100101", "status": "reserve",
                               "geometry": shapely.box(0, 0, 1e12, 1e12)}],
                             geometry="geometry", crs=EPSG)
    with pytest.raises(ValidationError, match="beyond"):
        validate_layer(frame, "parcel", source="mem", working_crs=EPSG)


# -- item 6: load follows the edit rules ------------------------------------------------------


def write(frame: gpd.GeoDataFrame, path: Path) -> Path:
    """Write a validated frame as a planner's file (list columns as comma-separated text)."""
    out = frame.copy()
    for name in out.columns:
        if out[name].map(lambda v: isinstance(v, list)).any():
            out[name] = out[name].map(lambda v: ",".join(v) if isinstance(v, list) else v)
    pyogrio.write_dataframe(out, path)
    return path


def test_planner_load_cannot_make_producing_land_available(store_path, tmp_path):
    path = write(county.parcels(E={"status": "available"}, A={"status": "available"}),
                 tmp_path / "back.gpkg")
    before = digest(store_path)
    done = load(path, store_path)
    assert done.returncode == 2
    assert "parcel E: status cannot go from 'producing' to 'available'" in done.stderr
    assert "nothing was written" in done.stderr
    assert digest(store_path) == before
    admin = load(path, store_path, "--role", "admin")
    assert admin.returncode == 0, admin.stderr


def test_stale_backup_refused_unless_admin_forces(store_path, tmp_path):
    stale = tmp_path / "stale.gpkg"
    with open_store(store_path) as store:
        store.backup(stale)  # parcel B is version 2 here
        store.edit("parcel", "B", {"price_wan_per_mu": 25.0}, user="alice", role="planner",
                   reason="newer")
    with open_store(stale) as old:
        frame = old.read_layer("parcel")
    assert dict(zip(frame["parcel_id"], frame["version"], strict=True))["B"] == 2
    before = digest(store_path)
    done = load(write(frame, tmp_path / "stale_parcels.gpkg"), store_path)
    assert done.returncode == 2
    assert "parcel B: the file is based on version 2 but the store holds version 3" \
        in done.stderr
    assert digest(store_path) == before
    planner_force = load(tmp_path / "stale_parcels.gpkg", store_path, "--force")
    assert planner_force.returncode == 2 and "may not force" in planner_force.stderr
    forced = load(tmp_path / "stale_parcels.gpkg", store_path, "--force", "--role", "admin")
    assert forced.returncode == 0, forced.stderr
    with open_store(store_path) as store:
        assert store.get("parcel", "B").values["price_wan_per_mu"] == 20.0

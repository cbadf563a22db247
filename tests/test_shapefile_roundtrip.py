"""Shapefile and other GDAL formats out of a store and back in, with the real GDAL tools.

Hand-checkable: the tiny county of :mod:`tests.store_county` (five 100 m squares = 5 ha).
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import geopandas as gpd
import pyogrio
import pytest
import shapely

from layers.formats.shapefile_write import write_shapefiles
from layers.registry import LAYERS
from layers.store import open_store
from layers.validate import dbf_names, validate_layer
from tests import store_county
from tests.shapes import EPSG, square


def _store(tmp_path: Path) -> Path:
    path = tmp_path / "store.gpkg"
    with open_store(path) as store:
        store_county.fill(store)
        parks = store_county.parks().assign(description="园区简介", description_en="About",
                                            notes="内部")
        store.import_frame("park", parks, user="loader", reason="texts", role="admin")
    return path


def test_dbf_names_follow_gdal_numbering():
    names = dbf_names(LAYERS["park"])
    assert names["descriptio"] == "description"
    assert names["descript_1"] == "description_en"
    assert names["leading_in"] == "leading_industries"


def test_park_survives_a_shapefile_round_trip_with_all_public_columns(tmp_path, cli):
    source = _store(tmp_path)
    out = tmp_path / "shp"
    done = cli("export-shp", "park", "--out", str(out), "--data", str(source))
    assert done.returncode == 0, done.stderr
    assert "descriptio, descript_1" in done.stdout
    assert pyogrio.read_info(out / "park.shp")["fields"].tolist() == [
        "park_id", "name", "name_en", "level", "leading_in", "address", "address_en",
        "contact", "descriptio", "descript_1"]  # notes is confidential: not exported
    target = tmp_path / "back.gpkg"
    done = cli("load", str(out / "park.shp"), "--layer", "park", "--user", "t", "--data",
               str(target))
    assert done.returncode == 0, done.stderr
    assert "not imported" not in done.stdout + done.stderr
    with open_store(target) as store:
        park = store.read_layer("park").iloc[0]
    assert (park.description, park.description_en, park.leading_industries) == (
        "园区简介", "About", "新材料,装备制造")
    assert park.geometry.area == pytest.approx(1200 * 1200)


def test_a_cut_name_that_maps_to_no_column_is_a_warning_naming_it():
    frame = gpd.GeoDataFrame(
        {"park_id": ["P1"], "name": ["青峰"], "level": ["county"], "leading_in": ["新材料"],
         "descript_2": ["lost?"]}, geometry=[square(0, 0)], crs=EPSG)
    _, report = validate_layer(frame, "park", source="park.shp", working_crs=EPSG)
    warnings = [p for p in report.problems if p.severity == "warning"]
    assert len(warnings) == 1 and warnings[0].column == "descript_2"
    assert "description or description_en" in warnings[0].message
    assert "not imported" in warnings[0].message


def test_a_mixed_layer_is_written_per_geometry_type_and_loads_back(tmp_path, cli):
    facilities = gpd.GeoDataFrame(
        {"facility_id": ["F1", "F2", "F3"], "name": ["水厂", "变电站", "管线"],
         "kind": ["water_plant", "substation", "water_plant"]},
        geometry=[shapely.Point(500050, 4300050), square(300, 0),
                  shapely.LineString([(500000, 4300000), (500500, 4300000)])], crs=EPSG)
    written = write_shapefiles(facilities, LAYERS["facility"], tmp_path / "shp")
    assert sorted(p.name for p in written) == ["facility_line.shp", "facility_point.shp",
                                               "facility_polygon.shp"]
    target = tmp_path / "back.gpkg"
    for path in written:
        done = cli("load", str(path), "--layer", "facility", "--user", "t", "--data",
                   str(target))
        assert done.returncode == 0, done.stderr
    with open_store(target) as store:
        back = store.read_layer("facility").set_index("facility_id")
    assert sorted(back.geometry.geom_type) == ["LineString", "Point", "Polygon"]
    assert back.loc["F2"].geometry.area == pytest.approx(10_000)
    assert back.loc["F3"].geometry.length == pytest.approx(500)


@pytest.mark.parametrize(("driver", "suffix"), [
    ("GPKG", ".gpkg"), ("ESRI Shapefile", ".shp"), ("FlatGeobuf", ".fgb"),
    ("GeoJSON", ".geojson")])
def test_ogr2ogr_round_trip_keeps_counts_and_areas(tmp_path, cli, driver, suffix):
    if shutil.which("ogr2ogr") is None:
        pytest.fail("ogr2ogr missing; fix: scripts/setup-system.sh test (gdal-bin)")
    source = _store(tmp_path)
    exported = tmp_path / f"parcel{suffix}"
    done = subprocess.run(["ogr2ogr", "-f", driver, str(exported), str(source), "parcel"],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert [line for line in done.stderr.splitlines()  # dBASE cuts names, and says so
            if "laundered field name" not in line] == [], done.stderr
    back = tmp_path / "back.gpkg"
    done = subprocess.run(["ogr2ogr", "-f", "GPKG", str(back), str(exported), "-nln",
                           "parcel"], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0 and "Warning" not in done.stderr, done.stderr
    frame = pyogrio.read_dataframe(back, layer="parcel")
    assert sorted(frame.parcel_id) == ["A", "B", "C", "D", "E"]
    assert frame.crs.to_epsg() == EPSG
    assert frame.geometry.area.sum() == pytest.approx(5 * 10_000)
    store = tmp_path / "loaded.gpkg"
    done = cli("load", str(exported), "--layer", "parcel", "--user", "t", "--data",
               str(store))
    assert done.returncode == 0, done.stderr
    assert "not imported" not in done.stdout + done.stderr
    with open_store(store) as loaded:
        parcels = loaded.read_layer("parcel")
    assert len(parcels) == 5 and parcels.geometry.area.sum() == pytest.approx(5 * 10_000)
    assert set(parcels.transfer_date.dropna()) == {"2024-03-01"}
    assert set(parcels.utilities) == {"road,power"}

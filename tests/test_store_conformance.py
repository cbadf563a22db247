"""Stores checked with the field's own clients: GDAL's ``ogrinfo``/``ogr2ogr``, GDAL's
GeoPackage validator (Debian ``python3-gdal``) and PostGIS' ``geometry_columns``.

QGIS is not installed on the test machines (no reasonable headless package); GDAL is the
library QGIS reads GeoPackages and PostGIS through, so these checks cover what QGIS sees.
"""

from __future__ import annotations

import json
import shutil
import sqlite3
import subprocess
from pathlib import Path

import psycopg
import pytest
import shapely

from layers.store import StoreError, open_store
from layers.store.gpkg import GeoPackageStore
from layers.store.postgis import PostGISStore
from tests import store_county
from tests.shapes import EPSG, square

VALIDATOR = Path("/usr/lib/python3/dist-packages/osgeo_utils/samples/validate_gpkg.py")
SYSTEM_PYTHON = "/usr/bin/python3"


def _gdal_tools() -> None:
    missing = [p for p in ("ogrinfo", "ogr2ogr") if shutil.which(p) is None]
    if missing or not VALIDATOR.exists():
        pytest.fail(f"GDAL tools missing ({missing or VALIDATOR}); fix: "
                    "scripts/setup-system.sh test (installs gdal-bin and python3-gdal)")


def validate(path: Path) -> None:
    """GDAL's GeoPackage validator must pass (it exits 0 and prints nothing)."""
    _gdal_tools()
    done = subprocess.run([SYSTEM_PYTHON, str(VALIDATOR), str(path)], capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr


def ogrinfo(*args: str) -> str:
    _gdal_tools()
    done = subprocess.run(["ogrinfo", "-ro", *args], capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0, done.stderr
    assert "Warning" not in done.stderr, done.stderr
    return done.stdout


def ogr2ogr(*args: str) -> subprocess.CompletedProcess:
    _gdal_tools()
    return subprocess.run(["ogr2ogr", *args], capture_output=True, text=True, timeout=120)


def assert_typed(source: str, layer: str, kind: str) -> None:
    """``ogrinfo`` reports the layer's geometry type, EPSG:4546 and a spatial index."""
    info = ogrinfo("-so", source, layer)
    assert f"Geometry: {kind}" in info, info
    assert 'ID["EPSG",4546]]' in info.replace("\n", "").replace(" ", "") or \
        "EPSG\",4546]]" in info, info
    index = ogrinfo(source, "-sql", f"SELECT HasSpatialIndex('{layer}', 'geom')") \
        if source.endswith(".gpkg") else ""
    if source.endswith(".gpkg"):
        assert "= 1" in index, index


# -- GeoPackage ------------------------------------------------------------------------------


def test_a_store_created_by_load_validates_and_is_typed(tmp_path):
    path = tmp_path / "store.gpkg"
    with open_store(path) as store:
        store_county.fill(store)
    validate(path)
    assert_typed(str(path), "parcel", "Multi Polygon")
    assert_typed(str(path), "project", "Point")
    conn = sqlite3.connect(path)
    extent = conn.execute("SELECT min_x, min_y, max_x, max_y FROM gpkg_contents WHERE "
                          "table_name = 'parcel'").fetchone()
    assert extent == pytest.approx((500000, 4300000, 500900, 4300100))
    dates = conn.execute("SELECT transfer_date FROM parcel WHERE parcel_id = 'D'").fetchone()
    assert dates == ("2024-03-01",)
    assert conn.execute("PRAGMA user_version").fetchone() == (10300,)
    conn.close()


def test_extent_and_index_follow_every_load(tmp_path):
    path = tmp_path / "store.gpkg"
    with open_store(path) as store:
        store_county.fill(store)
        far = store_county.parcels(extra=1, F1={"geometry": square(10000, 10000)})
        store.import_frame("parcel", far, user="loader", reason="one more", role="admin")
    validate(path)
    conn = sqlite3.connect(path)
    extent = conn.execute("SELECT max_x, max_y FROM gpkg_contents WHERE table_name = "
                          "'parcel'").fetchone()
    conn.close()
    assert extent == pytest.approx((510100, 4310100))
    found = ogrinfo(str(path), "parcel", "-spat", "509990", "4309990", "510010", "4310010",
                    "-q", "-fields=YES")
    assert "parcel_id (String) = F1" in found


def test_the_embedded_demo_validates():
    from data import get_path

    validate(get_path("demo"))
    assert_typed(str(get_path("demo")), "parcel", "Polygon")


def test_an_older_store_is_upgraded_once_with_an_audit_row(tmp_path, cli):
    from data import get_path

    path = tmp_path / "store.gpkg"
    with GeoPackageStore(path, seed=get_path("demo")) as store:
        rows = [e for e in store.history() if e.layer == "store"]
        assert len(rows) == 1 and "MULTIPOLYGON" in rows[0].new_value
        assert store.pending_upgrade() == []
        assert len(store.read_layer("parcel")) == 2000
    with GeoPackageStore(path) as store:
        assert len([e for e in store.history() if e.layer == "store"]) == 1
    done = cli("upgrade-store", "--data", str(path))
    assert done.returncode == 0 and "up to date" in done.stdout, done.stderr
    validate(path)


# -- integrity and read-only ----------------------------------------------------------------


def _damage(path: Path) -> None:
    """Overwrite a page in the middle of the parcel table's data with garbage."""
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA journal_mode=DELETE")
    page = conn.execute("PRAGMA page_size").fetchone()[0]
    conn.close()
    data = bytearray(path.read_bytes())
    middle = (len(data) // page // 2) * page
    data[middle:middle + page] = b"\xff" * page
    path.write_bytes(bytes(data))


def _filled_gpkg(tmp_path: Path, extra: int = 400) -> Path:
    path = tmp_path / "store.gpkg"
    with open_store(path) as store:
        store_county.fill(store)
        store.import_frame("parcel", store_county.parcels(extra=extra), user="loader",
                           reason="more", role="admin")
    return path


def test_a_damaged_store_is_refused_not_read_partially(tmp_path, cli):
    path = _filled_gpkg(tmp_path)
    _damage(path)
    with pytest.raises(StoreError, match=r"damaged .*fix: restore the last good backup"):
        open_store(path)
    done = cli("backup", "--out", str(tmp_path / "b.gpkg"), "--data", str(path))
    assert done.returncode == 2 and "damaged" in done.stderr and "Traceback" not in done.stderr
    assert not (tmp_path / "b.gpkg").exists()


def test_a_damaged_geopackage_is_refused_by_reading_commands(tmp_path, cli):
    """GDAL reads a damaged table up to the bad page without an error (1,769 of the demo's
    2,000 parcels once): the reader's quick_check refuses the file instead."""
    from data import get_path

    good = tmp_path / "county.gpkg"
    shutil.copy(get_path("demo"), good)
    done = cli("availability", "--data", str(good), "--out", str(tmp_path / "a.csv"))
    assert done.returncode == 0 and "2,000 parcels" in done.stderr, done.stderr
    _damage(good)
    done = cli("availability", "--data", str(good), "--out", str(tmp_path / "b.csv"))
    assert done.returncode == 2, done.stdout
    assert f"{good}: the GeoPackage is damaged" in done.stderr and "fix:" in done.stderr
    assert not (tmp_path / "b.csv").exists()


@pytest.fixture
def immutable():
    """``chattr +i`` on paths (even root cannot write them: a read-only mount's behaviour),
    undone after the test."""
    done: list[Path] = []

    def freeze(*paths: Path) -> None:
        for p in paths:
            subprocess.run(["chattr", "+i", str(p)], check=True)
            done.append(p)

    yield freeze
    for p in reversed(done):
        subprocess.run(["chattr", "-i", str(p)], check=False)


def test_history_and_backup_work_on_a_read_only_store(tmp_path, cli, immutable):
    path = _filled_gpkg(tmp_path / "ro", extra=0) if (tmp_path / "ro").mkdir() is None else None
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA journal_mode=DELETE")  # a store copied onto a read-only medium
    conn.close()
    immutable(path, path.parent)
    history = cli("history", "parcel", "A", "--data", str(path))
    assert history.returncode == 0, history.stderr
    assert "version 1" in history.stdout
    backup = cli("backup", "--out", str(tmp_path / "copy.gpkg"), "--data", str(path))
    assert backup.returncode == 0, backup.stderr
    validate(tmp_path / "copy.gpkg")
    edit = cli("edit", "parcel", "A", "--set", "status=available", "--user", "王",
               "--reason", "test", "--data", str(path))
    assert edit.returncode == 2 and "read-only" in edit.stderr, edit.stderr
    assert "Traceback" not in edit.stderr


def test_history_on_a_damaged_audit_table_is_a_message(tmp_path, cli):
    path = _filled_gpkg(tmp_path, extra=0)
    conn = sqlite3.connect(path)
    conn.execute("DROP TABLE audit")
    conn.execute("CREATE TABLE audit (seq INTEGER PRIMARY KEY, layer TEXT)")
    conn.execute("INSERT INTO audit (layer) VALUES ('parcel')")
    conn.commit()
    conn.close()
    done = cli("history", "parcel", "A", "--data", str(path))
    assert done.returncode == 2, done.stdout + done.stderr
    assert "Traceback" not in done.stderr and str(path) in done.stderr


# -- PostGIS ---------------------------------------------------------------------------------


def _columns(url: str) -> dict[str, tuple[str, int]]:
    with psycopg.connect(url) as conn:
        rows = conn.execute("SELECT f_table_name, type, srid FROM geometry_columns WHERE "
                            "f_table_schema = current_schema()").fetchall()
    return {r[0]: (r[1], r[2]) for r in rows}


def _pg_ogr(url: str) -> str:
    """The URL as a GDAL PostgreSQL connection string on the test's schema."""
    base, _, query = url.partition("?")
    schema = query.split("search_path%3D")[1].split(",")[0]
    host_port, db = base.split("@")[1].split("/")
    host, port = host_port.split(":")
    return (f"PG:host={host} port={port} dbname={db} user=postgres schemas={schema} "
            "active_schema=" + schema)


@pytest.mark.postgis
@pytest.mark.slow
def test_postgis_columns_are_typed_and_constrained(postgis_url):
    with open_store(postgis_url) as store:
        store_county.fill(store)
        assert store.pending_upgrade() == []
    columns = _columns(postgis_url)
    assert columns["parcel"] == ("MULTIPOLYGON", EPSG)
    assert columns["project"] == ("POINT", EPSG)
    assert columns["facility"] == ("GEOMETRY", EPSG)
    info = ogrinfo("-so", _pg_ogr(postgis_url), "parcel")
    assert "Geometry: Multi Polygon" in info and "4546" in info


def _geojson(tmp_path: Path, props: dict, geometry: shapely.Geometry, epsg: int) -> Path:
    path = tmp_path / "extra.geojson"
    feature = {"type": "Feature", "properties": props,
               "geometry": json.loads(shapely.to_geojson(geometry))}
    path.write_text(json.dumps({"type": "FeatureCollection", "crs": {
        "type": "name", "properties": {"name": f"urn:ogc:def:crs:EPSG::{epsg}"}},
        "features": [feature]}), encoding="utf-8")
    return path


def _still_works(url: str, ids: list[str]) -> None:
    with open_store(url) as store:
        assert sorted(store.read_layer("parcel").parcel_id) == ids
        store.edit("parcel", "B", {"status": "reserved"}, user="王", role="planner",
                   reason="still works")


@pytest.mark.parametrize(("props", "message"), [
    ({"parcel_id": "Z2", "land_use": "100101", "version": 1},
     'null value in column "status"'),
    ({"parcel_id": "Z3", "land_use": "100101", "status": "sold", "version": 1},
     "violates check constraint \"parcel_status_codes_"),
])
@pytest.mark.postgis
@pytest.mark.slow
def test_an_append_through_gdal_is_refused_by_the_database(tmp_path, postgis_url, props,
                                                            message):
    with open_store(postgis_url) as store:
        store_county.fill(store)
    src = _geojson(tmp_path, props, square(1000, 0), EPSG)
    done = ogr2ogr("-append", "-update", "-f", "PostgreSQL", _pg_ogr(postgis_url), str(src),
                   "-nln", "parcel", "-nlt", "MULTIPOLYGON")
    assert done.returncode != 0, done.stderr
    assert message.replace("\\", "") in done.stderr, done.stderr
    _still_works(postgis_url, ["A", "B", "C", "D", "E"])


@pytest.mark.postgis
@pytest.mark.slow
def test_an_append_through_gdal_with_all_values_is_accepted(tmp_path, postgis_url):
    with open_store(postgis_url) as store:
        store_county.fill(store)
    src = _geojson(tmp_path, {"parcel_id": "Z1", "land_use": "100101", "status": "available",
                              "version": 1}, square(1000, 0), EPSG)
    done = ogr2ogr("-append", "-update", "-f", "PostgreSQL", _pg_ogr(postgis_url), str(src),
                   "-nln", "parcel", "-nlt", "MULTIPOLYGON")
    assert done.returncode == 0, done.stderr
    _still_works(postgis_url, ["A", "B", "C", "D", "E", "Z1"])
    assert _columns(postgis_url)["parcel"] == ("MULTIPOLYGON", EPSG)


@pytest.mark.postgis
@pytest.mark.slow
def test_a_row_with_another_srid_is_refused_by_the_database(postgis_url):
    """GDAL writes the typed column's SRID itself; a client writing its own SRID (psql, QGIS'
    DB Manager, a script) is refused with PostGIS' message."""
    with open_store(postgis_url) as store:
        store_county.fill(store)
    with psycopg.connect(postgis_url, autocommit=True) as conn, pytest.raises(
            psycopg.errors.InvalidParameterValue, match=r"SRID \(4490\) does not match"):
        conn.execute("INSERT INTO parcel (parcel_id, land_use, status, geom) VALUES ('Z1', "
                     "'100101', 'available', ST_Multi(ST_GeomFromText('POLYGON((110.4 38.8, "
                     "110.41 38.8, 110.41 38.81, 110.4 38.8))', 4490)))")
    _still_works(postgis_url, ["A", "B", "C", "D", "E"])


@pytest.mark.postgis
@pytest.mark.slow
def test_a_postgis_backup_validates_and_is_typed(tmp_path, postgis_url):
    with open_store(postgis_url) as store:
        store_county.fill(store)
        out = store.backup(tmp_path / "backup.gpkg")
    validate(out)
    assert_typed(str(out), "parcel", "Multi Polygon")
    assert_typed(str(out), "project", "Point")


def _legacy_store(url: str, *, srids: tuple[int, int]) -> None:
    """Tables as an older InvestMap created them: untyped geometry, no constraints."""
    with open_store(url) as store:
        store_county.fill(store)
    with psycopg.connect(url, autocommit=True) as conn:
        for name in ("park", "parcel", "project"):
            conn.execute(f'ALTER TABLE "{name}" ALTER COLUMN geom TYPE geometry USING '
                         "ST_Force2D(geom)")
        conn.execute('ALTER TABLE parcel ALTER COLUMN status DROP NOT NULL')
        conn.execute("ALTER TABLE project DROP COLUMN lead_id")
        conn.execute("ALTER TABLE parcel DROP CONSTRAINT " + next(
            r[0] for r in conn.execute("SELECT conname FROM pg_constraint WHERE conname LIKE "
                                       "'parcel_status_codes_%'")))
        conn.execute("UPDATE parcel SET geom = ST_GeometryN(geom, 1)")
        conn.execute("UPDATE parcel SET geom = ST_SetSRID(geom, %s) WHERE parcel_id = 'E'",
                      (srids[1],))
        conn.execute("UPDATE parcel SET geom = ST_SetSRID(geom, %s) WHERE parcel_id <> 'E'",
                      (srids[0],))


@pytest.mark.postgis
@pytest.mark.slow
def test_upgrade_store_refuses_several_srids_then_upgrades(postgis_url, cli):
    _legacy_store(postgis_url, srids=(EPSG, 0))
    done = cli("upgrade-store", "--data", postgis_url)
    assert done.returncode == 2, done.stdout + done.stderr
    assert "SRID 0 × 1" in done.stderr and "SRID 4546 × 4" in done.stderr
    assert "ST_SetSRID" in done.stderr and "nothing was changed" in done.stderr
    with psycopg.connect(postgis_url, autocommit=True) as conn:
        conn.execute("UPDATE parcel SET geom = ST_SetSRID(geom, 4546) WHERE ST_SRID(geom) = 0")
    done = cli("upgrade-store", "--data", postgis_url)
    assert done.returncode == 0, done.stderr
    assert "parcel.geom" in done.stdout and "project: no column(s) lead_id" in done.stdout
    assert _columns(postgis_url)["parcel"] == ("MULTIPOLYGON", EPSG)
    with open_store(postgis_url) as store:
        assert [e.field for e in store.history() if e.layer == "store"] == ["structure"]
        assert store.pending_upgrade() == []
        assert store.read_layer("parcel").geometry.area.sum() == pytest.approx(5 * 10_000)
    again = cli("upgrade-store", "--data", postgis_url)
    assert again.returncode == 0 and "up to date" in again.stdout


@pytest.mark.postgis
@pytest.mark.slow
def test_upgrade_store_names_rows_without_a_required_value(postgis_url, cli):
    _legacy_store(postgis_url, srids=(EPSG, EPSG))
    with psycopg.connect(postgis_url, autocommit=True) as conn:
        conn.execute("UPDATE parcel SET status = NULL WHERE parcel_id = 'C'")
    done = cli("upgrade-store", "--data", postgis_url)
    assert done.returncode == 2
    assert "without the required status (parcel_id ['C'])" in done.stderr
    assert _columns(postgis_url)["parcel"] == ("GEOMETRY", 0)


@pytest.mark.postgis
@pytest.mark.slow
def test_postgis_store_refuses_polygon_of_a_point_layer(postgis_url):
    with PostGISStore(postgis_url) as store:
        store_county.fill(store)
    with psycopg.connect(postgis_url, autocommit=True) as conn, pytest.raises(
            psycopg.errors.InvalidParameterValue, match="does not match column type"):
        conn.execute("UPDATE project SET geom = ST_GeomFromText('POLYGON((0 0,1 0,1 1,0 0))', "
                     "4546) WHERE project_id = 'X1'")


def test_the_reference_page_shows_the_generated_names():
    from layers.registry import LAYERS
    from layers.store.pg_schema import constraint_name
    from layers.validate import dbf_names

    page = (Path(__file__).parents[1] / "docs/reference/storage-conformance.md").read_text(
        encoding="utf-8")
    parcel = LAYERS["parcel"]
    for column in ("land_use", "status", "utilities"):
        assert constraint_name(parcel, parcel.column(column)) in page, column
    for layer in ("park", "parcel", "facility"):
        for dbf, column in dbf_names(LAYERS[layer]).items():
            if f"| {column} |" in page:
                assert f"| {layer} | {column} | `{dbf}` |" in page


def test_an_append_through_gdal_into_a_geopackage_store_without_status_is_refused(tmp_path):
    from data import get_path

    path = tmp_path / "store.gpkg"
    GeoPackageStore(path, seed=get_path("demo")).close()  # GDAL-written tables, upgraded
    src = _geojson(tmp_path, {"parcel_id": "Z2", "land_use": "100101", "version": 1},
                   square(1000, 0), EPSG)
    done = ogr2ogr("-append", "-update", str(path), str(src), "-nln", "parcel")
    assert "NOT NULL constraint failed: parcel.status" in done.stderr, done.stderr
    with open_store(path) as store:
        assert len(store.read_layer("parcel")) == 2000
    validate(path)

"""The storage interface, the same tests on GeoPackage and on a real PostGIS server."""

from __future__ import annotations

import re
import sqlite3

import pytest
import shapely
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from geo.units import m2_to_mu
from layers.registry import PARCEL
from layers.store import (
    EditError,
    NoChangeError,
    PermissionDenied,
    StaleVersionError,
    StoreError,
    TransitionError,
    open_store,
)
from layers.store.base import Store
from layers.store.rules import PARCEL_TRANSITIONS, check_transition
from tests import store_county as county
from tests.conftest import BACKENDS
from tests.shapes import square


@pytest.fixture(params=BACKENDS)
def backend(request) -> str:
    return request.param


@pytest.fixture
def url(backend, request) -> str | None:
    return request.getfixturevalue("postgis_url") if backend == "postgis" else None


@pytest.fixture
def store(backend, tmp_path, url):
    s = county.filled_store(backend, tmp_path, url)
    yield s
    s.close()


def edit(store: Store, pid: str, role: str = "planner", version: int | None = None,
         **changes) -> int:
    return store.edit("parcel", pid, changes, user="alice", role=role, reason="weekly update",
                      expect_version=version)


# -- import -------------------------------------------------------------------------------


def test_import_then_read(store):
    parcels = store.read_layer("parcel")
    assert list(parcels["parcel_id"]) == ["A", "B", "C", "D", "E"]
    assert set(parcels["version"]) == {1}
    assert m2_to_mu(parcels.geometry.area.iloc[0]) == pytest.approx(15.0)
    assert parcels.crs.to_epsg() == 4546
    assert store.get("parcel", "D").values["transfer_date"] == "2024-03-01"
    assert store.get("parcel", "A").values["utilities"] == "road,power"
    ent = store.get("enterprise", "E1").values
    assert (ent["employees"], ent["tax_wan"], ent["is_utility"]) == (300, 1200.5, False)
    created = store.history("parcel")
    assert [(e.feature_id, e.field, e.new_value) for e in created] == [
        (p, "*", "created") for p in "ABCDE"]


def test_reimport_is_idempotent(store):
    before = store.snapshot()
    result = store.import_frame("parcel", county.parcels(), user="bob", reason="again")
    assert (result.inserted, result.updated, result.unchanged, result.audit_rows) == (0, 0, 5, 0)
    assert store.snapshot() == before


def test_reimport_records_only_real_changes(store):
    changed = county.parcels(B={"price_wan_per_mu": 13.0},
                             C={"geometry": square(400, 0, 50)})
    result = store.import_frame("parcel", changed, user="bob", reason="price list 2026")
    assert (result.inserted, result.updated, result.unchanged) == (0, 2, 3)
    assert store.get("parcel", "B").version == 2
    assert store.get("parcel", "A").version == 1
    rows = [(e.feature_id, e.field, e.old_value, e.new_value, e.version)
            for e in store.history("parcel") if e.user == "bob"]
    assert rows == [("B", "price_wan_per_mu", "12.5", "13.0", 2),
                    ("C", "geometry", "Polygon, 10000.00 m²", "Polygon, 2500.00 m²", 2)]


def test_import_inserts_new_and_keeps_missing(store):
    frame = county.parcels(1)
    frame = frame[frame["parcel_id"] == "F1"]
    result = store.import_frame("parcel", frame, user="bob", reason="new plot")
    assert (result.inserted, result.updated, result.unchanged) == (1, 0, 0)
    assert list(store.read_layer("parcel")["parcel_id"]) == ["A", "B", "C", "D", "E", "F1"]
    assert store.get("parcel", "F1").version == 1


def test_import_failing_mid_write_leaves_store_unchanged(store, backend, monkeypatch):
    """A failure after rows were updated inside the transaction rolls everything back."""
    from layers.store import gpkg, postgis

    cls = gpkg._GpkgTransaction if backend == "gpkg" else postgis._PgTransaction

    def broken(self, entries):
        raise RuntimeError("disk full")

    before = store.snapshot()
    monkeypatch.setattr(cls, "add_audit", broken)
    with pytest.raises(RuntimeError, match="disk full"):
        store.import_frame("parcel", county.parcels(1, B={"price_wan_per_mu": 99.0}),
                           user="bob", reason="broken")
    monkeypatch.undo()
    assert store.snapshot() == before


def test_import_reprojects_to_store_crs(store):
    frame = county.parcels(B={"price_wan_per_mu": 14.0}).to_crs(4490)
    store.import_frame("parcel", frame, user="bob", reason="lon/lat file")
    stored = store.read_layer("parcel")
    assert stored.crs.to_epsg() == 4546
    assert m2_to_mu(stored.geometry.area.iloc[1]) == pytest.approx(15.0, rel=1e-9)


def test_import_needs_role_and_reason(store):
    with pytest.raises(PermissionDenied):
        store.import_frame("parcel", county.parcels(), user="eve", reason="x", role="promoter")
    with pytest.raises(EditError, match="no reason"):
        store.import_frame("parcel", county.parcels(), user="eve", reason=" ")


# -- edits --------------------------------------------------------------------------------


def test_edit_bumps_version_and_audits(store):
    assert edit(store, "B", status="reserved", notes="与甲公司洽谈") == 2
    feature = store.get("parcel", "B")
    assert (feature.version, feature.values["status"]) == (2, "reserved")
    entries = store.history("parcel", "B")[1:]
    assert {(e.field, e.old_value, e.new_value) for e in entries} == {
        ("status", "available", "reserved"), ("notes", None, "与甲公司洽谈")}
    assert all((e.user, e.role, e.reason, e.version) == ("alice", "planner", "weekly update", 2)
               for e in entries)
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z", entries[0].at)


def test_edit_types_are_parsed(store):
    edit(store, "D", status="under_construction", actual_start_date="2025-04-01",
         developed_share="0.25", utilities="road, power, water")
    values = store.get("parcel", "D").values
    assert values["actual_start_date"] == "2025-04-01"
    assert values["developed_share"] == 0.25
    assert values["utilities"] == "road,power,water"


def test_stale_version_is_refused_with_current_value(store):
    edit(store, "B", version=1, status="reserved")
    before = store.snapshot()
    with pytest.raises(StaleVersionError) as info:
        edit(store, "B", version=1, status="reserve")
    assert info.value.current_version == 2
    assert info.value.current_values == {"status": "reserved"}
    assert "version is 2" in str(info.value) and "'reserved'" in str(info.value)
    assert store.snapshot() == before


@pytest.mark.parametrize(("changes", "error", "match"), [
    ({"status": "idle"}, EditError, "derived"),
    ({"status": "sold"}, EditError, "unknown value"),
    ({"far_min": "-1"}, EditError, "below 0"),
    ({"transfer_date": "yesterday"}, EditError, "YYYY-MM-DD"),
    ({"utilities": "road,teleport"}, EditError, "teleport"),
    ({"area_mu": "20"}, EditError, "cannot be edited"),
    ({"parcel_id": "B2"}, EditError, "cannot be edited"),
    ({"status": ""}, EditError, "empty"),
    ({"status": "available"}, NoChangeError, "stored already"),
    ({"status": "producing"}, TransitionError, "allowed next"),
])
def test_bad_edits_change_nothing(store, changes, error, match):
    before = store.snapshot()
    with pytest.raises(error, match=match):
        edit(store, "B", **changes)
    assert store.snapshot() == before


def test_roles(store):
    with pytest.raises(PermissionDenied, match="planner or admin|admin or planner"):
        store.edit("parcel", "B", {"status": "reserved"}, user="p", role="promoter",
                   reason="x")
    with pytest.raises(PermissionDenied):
        store.edit("redline", "R1", {"name": "x"}, user="a", role="admin", reason="x")
    assert store.edit("project", "X1", {"stage": "signed", "signed_date": "2026-01-10"},
                      user="p", role="promoter", reason="签约") == 2
    assert store.edit("park", "P1", {"contact": "0912-1234567"}, user="p", role="promoter",
                      reason="新电话") == 2


def test_admin_overrides_producing_back_to_available(store):
    with pytest.raises(TransitionError, match="'producing' to 'available'"):
        edit(store, "E", status="available")
    assert edit(store, "E", role="admin", status="available") == 2
    assert store.history("parcel", "E")[-1].role == "admin"


def test_project_dates_must_be_in_order(store):
    with pytest.raises(EditError, match="start_date 2025-04-01 is before signed_date"):
        store.edit("project", "X2", {"stage": "started", "start_date": "2025-04-01"},
                   user="p", role="promoter", reason="开工")
    assert store.get("project", "X2").version == 1


def test_missing_feature(store):
    with pytest.raises(StoreError, match="no parcel with parcel_id 'Q'"):
        edit(store, "Q", status="reserved")


# -- backup / restore ---------------------------------------------------------------------


def test_backup_restore_round_trip(store, tmp_path):
    edit(store, "B", status="reserved")
    saved = store.snapshot()
    out = store.backup(tmp_path / "backup.gpkg")
    edit(store, "C", status="transferred")
    store.import_frame("parcel", county.parcels(2), user="bob", reason="more", role="admin")
    store.restore(out)
    assert store.snapshot() == saved
    conn = sqlite3.connect(out)
    assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    conn.close()


@pytest.mark.postgis
@pytest.mark.slow
def test_backup_restores_into_the_other_backend(store, backend, tmp_path, request):
    edit(store, "B", status="reserved")
    out = store.backup(tmp_path / "backup.gpkg")
    other = "postgis" if backend == "gpkg" else "gpkg"
    url = request.getfixturevalue("postgis_url") if other == "postgis" else None
    with open_store(county.location(other, tmp_path / "other", url)) as target:
        target.restore(out)
        assert target.snapshot() == store.snapshot()


def test_restore_refuses_a_file_that_is_not_a_backup(store, tmp_path):
    bad = tmp_path / "bad.gpkg"
    bad.write_bytes(b"not a database at all" * 100)
    before = store.snapshot()
    with pytest.raises(StoreError, match="backup"):
        store.restore(bad)
    assert store.snapshot() == before


# -- locations ----------------------------------------------------------------------------


def test_default_store_is_a_demo_copy_and_the_demo_is_read_only(tmp_path, monkeypatch):
    from data import get_path

    monkeypatch.delenv("INVESTMAP_DATABASE_URL", raising=False)
    monkeypatch.setenv("INVESTMAP_STORE", str(tmp_path / "work.gpkg"))
    with open_store() as store:
        assert len(store.read_layer("parcel")) == 2000
        assert store.location == str(tmp_path / "work.gpkg")
    with pytest.raises(StoreError, match="read-only"):
        open_store(get_path("demo"))
    with pytest.raises(StoreError, match=r"\.gpkg file or a postgresql"):
        open_store(tmp_path / "store.sqlite")


def test_gpkg_store_stays_a_geopackage_for_gdal(tmp_path):
    """The app and QGIS read the working copy as an ordinary GeoPackage."""
    from layers.county import load_county

    path = tmp_path / "store.gpkg"
    with county.fill(open_store(path)) as store:
        edit(store, "B", status="reserved")
    loaded = load_county(path)
    assert loaded["parcel"].set_index("parcel_id").loc["B", "status"] == "reserved"
    assert loaded["parcel"]["area_mu"].tolist() == pytest.approx([15.0] * 5)


def test_a_file_that_is_not_a_geopackage_is_a_clear_error(tmp_path):
    bad = tmp_path / "notes.gpkg"
    bad.write_text("这不是数据库" * 200, encoding="utf-8")
    with pytest.raises(StoreError, match="not a usable GeoPackage"):
        open_store(bad)


def test_busy_store_is_a_clear_error(tmp_path, monkeypatch):
    from layers.store import gpkg

    path = tmp_path / "store.gpkg"
    with county.fill(open_store(path)) as store:
        holder = sqlite3.connect(path)
        holder.execute("BEGIN IMMEDIATE")
        monkeypatch.setattr(gpkg, "BUSY_TIMEOUT_S", 0.2)
        store._conn.execute("PRAGMA busy_timeout = 200")
        try:
            with pytest.raises(StoreError, match="busy"):
                edit(store, "B", status="reserved")
        finally:
            holder.execute("ROLLBACK")
            holder.close()
        assert edit(store, "B", status="reserved") == 2


def test_bad_url_is_a_clear_error():
    with pytest.raises(StoreError, match="cannot connect"):
        open_store("postgresql://nobody:secret@127.0.0.1:1/nothing")


# -- the transition table -----------------------------------------------------------------

STATUSES = list(PARCEL.column("status").allowed or ())


@pytest.mark.parametrize(("old", "new", "ok"), [
    ("reserve", "available", True), ("available", "reserved", True),
    ("reserved", "transferred", True), ("transferred", "under_construction", True),
    ("under_construction", "producing", True), ("available", "transferred", True),
    ("available", "reserve", True), ("reserved", "available", True),
    ("producing", "available", False), ("producing", "under_construction", False),
    ("transferred", "available", False), ("reserve", "producing", False),
    ("under_construction", "transferred", False),
])
def test_parcel_transitions_for_planners(old, new, ok):
    if ok:
        check_transition(PARCEL, "A", "status", old, new, "planner")
    else:
        with pytest.raises(TransitionError):
            check_transition(PARCEL, "A", "status", old, new, "planner")
    check_transition(PARCEL, "A", "status", old, new, "admin")


def test_transition_table_covers_every_status():
    assert set(PARCEL_TRANSITIONS) == set(STATUSES)
    assert all(set(targets) <= set(STATUSES) for targets in PARCEL_TRANSITIONS.values())
    assert "idle" not in STATUSES


def test_geometry_type_in_store_roundtrip(store):
    assert shapely.get_type_id(store.read_layer("project").geometry.values[0]) == 0


def test_geometry_tolerance_ignores_reprojection_noise(store):
    lonlat = county.parcels().to_crs(4490)
    same = store.import_frame("parcel", lonlat, user="bob", reason="noise", tolerance_m=0.001)
    assert (same.updated, same.unchanged, same.audit_rows) == (0, 5, 0)
    again = county.parcels(C={"geometry": square(400, 0, 100.5)}).to_crs(4490)
    result = store.import_frame("parcel", again, user="bob", reason="1 mm", tolerance_m=0.001)
    assert (result.updated, result.unchanged) == (1, 4)
    assert store.history("parcel", "C")[-1].field == "geometry"


@pytest.mark.parametrize(("mapping", "ok"), [
    ({}, True), ({"geometry_tolerance_m": 0}, True), ({"geometry_tolerance_m": -1}, False),
    ({"geometry_tolerance_m": "1mm"}, False), ({"tolerance": 1}, False),
])
def test_storage_policy_section(mapping, ok):
    from layers.policy import PolicyError
    from layers.store.settings import parse

    if ok:
        assert parse(mapping, "p.yaml").geometry_tolerance_m >= 0
    else:
        with pytest.raises(PolicyError, match="storage"):
            parse(mapping, "p.yaml")


# -- property: whatever edits are tried, the audit log replays to the stored state ---------

EDIT_STEPS = st.lists(st.tuples(st.sampled_from("ABCDE"), st.sampled_from(STATUSES + ["idle"]),
                                st.sampled_from(["planner", "admin", "promoter"]),
                                st.booleans()), min_size=1, max_size=12)


@settings(max_examples=10, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(steps=EDIT_STEPS)
def test_audit_replays_to_final_state(tmp_path_factory, steps):
    path = tmp_path_factory.mktemp("prop") / "store.gpkg"
    with county.fill(open_store(path)) as store:
        state = {p: store.get("parcel", p).values["status"] for p in "ABCDE"}
        for pid, status, role, stale in steps:
            version = store.get("parcel", pid).version
            before = store.snapshot()
            try:
                new = store.edit("parcel", pid, {"status": status}, user="u", role=role,
                                 reason="property", expect_version=version - stale)
            except EditError:
                assert store.snapshot() == before
                continue
            assert not stale and new == version + 1
            state[pid] = status
        replay = {p: None for p in "ABCDE"}
        for e in store.history("parcel"):
            if e.field == "*":
                replay[e.feature_id] = county.PARCEL_STATUS[e.feature_id]
            elif e.field == "status":
                assert e.old_value == replay[e.feature_id]
                replay[e.feature_id] = e.new_value
        assert replay == state == {p: store.get("parcel", p).values["status"] for p in "ABCDE"}

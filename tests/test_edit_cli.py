"""``investmap load / edit / history / backup / restore`` as a user runs them."""

from __future__ import annotations

import os
import subprocess
import sys

import pyogrio
import pytest

from layers.store import open_store
from tests import store_county as county
from tests.conftest import ROOT, run_cli, run_cli_process


@pytest.fixture
def store_path(tmp_path) -> str:
    path = str(tmp_path / "store.gpkg")
    with open_store(path) as store:
        county.fill(store)
    return path


def test_edit_prints_version_and_history_shows_it(store_path):
    done = run_cli("edit", "parcel", "B", "--set", "status=reserved", "--set",
                   "notes=与甲公司洽谈", "--user", "alice", "--reason", "周例会",
                   "--data", store_path)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "2"
    hist = run_cli("history", "parcel", "B", "--data", store_path)
    assert hist.returncode == 0, hist.stderr
    assert "version 2, 3 change(s)" in hist.stdout
    assert "status: 'available' → 'reserved'" in hist.stdout
    assert "alice (planner)" in hist.stdout and "周例会" in hist.stdout


def test_stale_expect_version_exits_non_zero_naming_current(store_path):
    """Through the console entry (a process): the stale edit's status 3 is the process's."""
    first = run_cli("edit", "parcel", "B", "--set", "status=reserved", "--user", "alice",
                    "--reason", "r", "--expect-version", "1", "--data", store_path)
    assert first.returncode == 0, first.stderr
    stale = run_cli_process("edit", "parcel", "B", "--set", "status=reserve", "--user", "bob",
                            "--reason", "r", "--expect-version", "1", "--data", store_path)
    assert stale.returncode == 3
    assert "stored version is 2" in stale.stderr and "status = 'reserved'" in stale.stderr
    assert stale.stdout == ""
    with open_store(store_path) as store:
        assert store.get("parcel", "B").values["status"] == "reserved"


def test_refused_transition_and_admin_override(store_path):
    refused = run_cli("edit", "parcel", "E", "--set", "status=available", "--user", "alice",
                      "--reason", "r", "--data", store_path)
    assert refused.returncode == 2
    assert "cannot go from 'producing' to 'available'" in refused.stderr
    admin = run_cli("edit", "parcel", "E", "--set", "status=available", "--user", "root",
                    "--role", "admin", "--reason", "合同解除，收回土地", "--data", store_path)
    assert admin.returncode == 0, admin.stderr
    assert admin.stdout.strip() == "2"


def test_load_is_all_or_nothing_and_idempotent(store_path, tmp_path):
    good = county.parcels(2, B={"price_wan_per_mu": 15.0})
    good_file = tmp_path / "parcels.geojson"
    pyogrio.write_dataframe(good.to_crs(4490), good_file)
    bad = good.copy()
    bad.loc[3, "status"] = "sold"
    bad.loc[5, "price_wan_per_mu"] = 99.0
    bad_file = tmp_path / "bad.geojson"
    pyogrio.write_dataframe(bad.to_crs(4490), bad_file)
    with open_store(store_path) as store:
        before = store.snapshot()

    failed = run_cli("load", str(bad_file), "--layer", "parcel", "--user", "u", "--data",
                     store_path)
    assert failed.returncode == 2
    assert "feature 4" in failed.stderr and "'status'" in failed.stderr
    assert "nothing was written" in failed.stderr
    with open_store(store_path) as store:
        assert store.snapshot() == before

    first = run_cli("load", str(good_file), "--layer", "parcel", "--user", "u", "--data",
                    store_path)
    assert first.returncode == 0, first.stderr
    assert "2 inserted, 1 updated, 4 unchanged" in first.stdout
    again = run_cli("load", str(good_file), "--layer", "parcel", "--user", "u", "--data",
                    store_path)
    assert again.returncode == 0, again.stderr
    assert "0 inserted, 0 updated, 7 unchanged, 0 audit rows" in again.stdout


def test_backup_and_restore_gpkg(store_path, tmp_path):
    out = tmp_path / "backup.gpkg"
    assert run_cli("backup", "--out", str(out), "--data", store_path).returncode == 0
    run_cli("edit", "parcel", "A", "--set", "status=available", "--user", "u", "--reason", "r",
            "--data", store_path)
    restored = run_cli("restore", str(out), "--data", store_path)
    assert restored.returncode == 0, restored.stderr
    assert "parcel=5" in restored.stdout
    with open_store(store_path) as store:
        assert store.get("parcel", "A").values["status"] == "reserve"
        assert store.get("parcel", "A").version == 1


@pytest.mark.postgis
@pytest.mark.slow
def test_postgis_edit_history_backup_restore(postgis_url, tmp_path):
    with open_store(postgis_url) as store:
        county.fill(store)
    out = tmp_path / "pg-backup.gpkg"
    assert run_cli("backup", "--out", str(out), "--data", postgis_url).returncode == 0
    done = run_cli("edit", "project", "X1", "--set", "stage=signed", "--set",
                   "signed_date=2026-01-10", "--user", "li", "--reason", "签约仪式",
                   "--data", postgis_url)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "2"
    hist = run_cli("history", "project", "X1", "--data", postgis_url)
    assert "stage: 'pipeline' → 'signed'" in hist.stdout and "li (promoter)" in hist.stdout
    assert run_cli("restore", str(out), "--data", postgis_url).returncode == 0
    with open_store(postgis_url) as store:
        assert store.get("project", "X1").values["stage"] == "pipeline"


def test_default_store_from_environment(tmp_path):
    env = {**os.environ, "INVESTMAP_STORE": str(tmp_path / "work.gpkg")}
    env.pop("INVESTMAP_DATABASE_URL", None)
    done = subprocess.run([sys.executable, "-m", "cli", "history", "parcel", "QF-0001"],
                          capture_output=True, text=True, cwd=ROOT, env=env, timeout=300)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("parcel QF-0001: version 1, 0 change(s)")
    assert (tmp_path / "work.gpkg").exists()


def test_errors_are_clear(store_path):
    bad_set = run_cli("edit", "parcel", "B", "--set", "status", "--user", "u", "--reason", "r",
                      "--data", store_path)
    assert bad_set.returncode == 2 and "FIELD=VALUE" in bad_set.stderr
    missing = run_cli("history", "parcel", "NOPE", "--data", store_path)
    assert missing.returncode == 2 and "no parcel with parcel_id 'NOPE'" in missing.stderr
    demo = run_cli("edit", "parcel", "QF-0001", "--set", "notes=x", "--user", "u", "--reason",
                   "r", "--data", str(ROOT / "data" / "demo.gpkg"))
    assert demo.returncode == 2 and "read-only" in demo.stderr

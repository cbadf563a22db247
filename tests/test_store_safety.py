"""Restore copies data only; disk-full and read-only stores fail cleanly; URLs are redacted
(issue 13 items 7, 9, 10).

Disk full and read-only are real: the commands run in a user+mount namespace (``unshare -rm``)
on a 1 MB tmpfs, or on a read-only bind mount of the store's folder.
"""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
import textwrap
from pathlib import Path

import pyogrio
import pytest

from layers.store import open_store
from layers.store.postgis import redact
from tests import store_county as county
from tests.conftest import ROOT


@pytest.fixture
def store_path(tmp_path) -> str:
    path = str(tmp_path / "store.gpkg")
    with open_store(path) as store:
        county.fill(store)
    return path


# -- item 7: restore takes rows, never schema objects ----------------------------------------


def test_restore_copies_no_trigger_view_or_foreign_table(store_path, tmp_path):
    backup = tmp_path / "backup.gpkg"
    with open_store(store_path) as store:
        store.backup(backup)
    conn = sqlite3.connect(backup)
    conn.executescript("""
        CREATE TRIGGER wipe_audit AFTER UPDATE ON parcel BEGIN DELETE FROM audit; END;
        CREATE VIEW leak AS SELECT * FROM audit;
        CREATE TABLE evil (x TEXT);
        CREATE INDEX evil_parcel ON parcel (notes);
    """)
    conn.close()
    with open_store(store_path) as store:
        store.restore(backup)
        store.edit("parcel", "B", {"status": "reserved"}, user="alice", role="planner",
                   reason="after restore")
        assert [e.reason for e in store.history("parcel", "B")][-1] == "after restore"
        assert len(store.history()) > 5  # the audit table was not wiped
    names = {r[0] for r in sqlite3.connect(store_path).execute(
        "SELECT name FROM sqlite_master")}
    assert not names & {"wipe_audit", "leak", "evil", "evil_parcel"}


def test_restore_refuses_a_backup_in_another_crs(store_path, tmp_path):
    other = tmp_path / "other.gpkg"
    with open_store(other) as store:
        for layer, frame in (("parcel", county.parcels().to_crs(4549)),):
            store.import_frame(layer, frame, user="u", reason="r", role="admin")
    with open_store(store_path) as store:
        before = store.snapshot()
        with pytest.raises(Exception, match="EPSG:4546 but the backup holds EPSG:4549"):
            store.restore(other)
        assert store.snapshot() == before


# -- item 9: disk full and read-only --------------------------------------------------------


def in_namespace(script: str) -> dict:
    """Run ``script`` (Python) as root of a new user+mount namespace; it prints JSON."""
    done = subprocess.run(["unshare", "-rm", sys.executable, "-c", textwrap.dedent(script)],
                          capture_output=True, text=True, cwd=ROOT, timeout=600)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])


COMMON = """
import hashlib, json, subprocess, sys
from pathlib import Path
def sh(*a): subprocess.run(a, check=True)
def cli(*a): return subprocess.run([sys.executable, "-m", "cli", *a], capture_output=True,
                                   text=True)
def digest(p): return hashlib.sha256(Path(p).read_bytes()).hexdigest()
"""


def test_backup_to_a_full_disk_leaves_no_partial_file(store_path, tmp_path):
    mnt = tmp_path / "full"
    mnt.mkdir()
    out = in_namespace(COMMON + f"""
sh("mount", "-t", "tmpfs", "-o", "size=64k", "none", "{mnt}")
done = cli("backup", "--out", "{mnt}/b.gpkg", "--data", "{store_path}")
print(json.dumps({{"rc": done.returncode, "err": done.stderr,
                  "left": sorted(p.name for p in Path("{mnt}").iterdir())}}))
""")
    assert out["rc"] == 2, out
    assert "disk" in out["err"] and "no backup was written" in out["err"]
    assert "Traceback" not in out["err"]
    assert out["left"] == []


def test_load_into_a_store_on_a_full_disk_changes_nothing(store_path, tmp_path):
    big = tmp_path / "big.gpkg"
    frame = county.parcels(400)
    frame["notes"] = "x" * 2000
    frame["utilities"] = frame["utilities"].map(",".join)
    pyogrio.write_dataframe(frame, big, layer="parcel")
    mnt = tmp_path / "full"
    mnt.mkdir()
    size_kb = Path(store_path).stat().st_size // 1024 + 160
    out = in_namespace(COMMON + f"""
sh("mount", "-t", "tmpfs", "-o", "size={size_kb}k", "none", "{mnt}")
sh("cp", "{store_path}", "{mnt}/store.gpkg")
from layers.store import open_store
with open_store("{mnt}/store.gpkg") as s:
    before = repr(s.snapshot())
done = cli("load", "{big}", "--layer", "parcel", "--user", "u", "--data", "{mnt}/store.gpkg")
with open_store("{mnt}/store.gpkg") as s:
    after = repr(s.snapshot())
print(json.dumps({{"rc": done.returncode, "err": done.stderr, "same": before == after}}))
""")
    assert out["rc"] == 2, out
    assert "disk is full" in out["err"] or "disk I/O" in out["err"], out["err"]
    assert "rolled back" in out["err"] and "nothing was written" in out["err"]
    assert "Traceback" not in out["err"]
    assert out["same"]


def test_read_only_store_says_read_only(store_path, tmp_path):
    folder = Path(store_path).parent
    with open_store(store_path):
        pass  # WAL mode set, -wal/-shm cleaned up on close
    out = in_namespace(COMMON + f"""
sh("mount", "--bind", "{folder}", "{folder}")
sh("mount", "-o", "remount,bind,ro", "{folder}")
before = digest("{store_path}")
done = cli("edit", "parcel", "B", "--set", "status=reserved", "--user", "u", "--reason", "r",
           "--data", "{store_path}")
print(json.dumps({{"rc": done.returncode, "err": done.stderr,
                  "same": digest("{store_path}") == before}}))
""")
    assert out["rc"] == 2, out
    assert "is read-only" in out["err"], out["err"]
    assert "not a usable GeoPackage" not in out["err"] and "Traceback" not in out["err"]
    assert out["same"]


# -- item 10: passwords never printed --------------------------------------------------------


@pytest.mark.parametrize("url, secret", [
    ("postgresql://bob:s3cret@db:5432/county", "s3cret"),
    ("postgresql://bob@db/county?password=s3cret&sslmode=require", "s3cret"),
    ("postgresql://db/county?sslmode=require&password=s3cret", "s3cret"),
    ("postgres://bob:p%40ss@db/county?PASSWORD=other", "other"),
])
def test_redact_hides_password_in_userinfo_and_query(url, secret):
    shown = redact(url)
    assert secret not in shown and "p%40ss" not in shown
    assert "***" in shown and "db" in shown


def test_unreachable_postgis_message_has_no_password():
    done = subprocess.run([sys.executable, "-m", "cli", "history", "parcel", "A", "--data",
                           "postgresql://bob@127.0.0.1:1/x?password=s3cret&connect_timeout=2"],
                          capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert done.returncode == 2
    assert "s3cret" not in done.stderr + done.stdout
    assert "password=***" in done.stderr


def test_immutable_store_file_says_read_only(store_path):
    """A read-only file in a writable folder (``chattr +i``: root ignores permission bits)."""
    subprocess.run(["chattr", "+i", store_path], check=True)
    try:
        done = subprocess.run([sys.executable, "-m", "cli", "edit", "parcel", "B", "--set",
                               "status=reserved", "--user", "u", "--reason", "r", "--data",
                               store_path], capture_output=True, text=True, cwd=ROOT,
                              timeout=300)
    finally:
        subprocess.run(["chattr", "-i", store_path], check=True)
    assert done.returncode == 2
    assert "is read-only" in done.stderr and "Traceback" not in done.stderr
    with open_store(store_path) as store:
        assert store.get("parcel", "B").version == 1

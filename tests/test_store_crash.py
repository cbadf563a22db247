"""kill -9 of a writer in the middle of a big import leaves a readable, unchanged store."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pyogrio
import pytest

from data import get_path
from layers.store import open_store
from layers.store.gpkg import GeoPackageStore
from tests.conftest import ROOT

pytestmark = pytest.mark.timeout(900)  # module set-up can pass the 300 s default when loaded

COPIES = 10  # 10 × the demo's 2,000 parcels


@pytest.fixture(scope="module")
def big_file(tmp_path_factory) -> Path:
    """20,000 new parcels (the demo's, re-numbered) in a GeoPackage."""
    demo = pyogrio.read_dataframe(get_path("demo"), layer="parcel")
    copies = []
    for k in range(COPIES):
        part = demo.copy()
        part["parcel_id"] = part["parcel_id"] + f"-R{k}"
        copies.append(part)
    frame = pd.concat(copies, ignore_index=True)
    path = tmp_path_factory.mktemp("big") / "big.gpkg"
    pyogrio.write_dataframe(frame, path, layer="parcel")
    return path


def _start_load(big: Path, location: str) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "cli", "load", str(big), "--layer", "parcel", "--data", location,
         "--user", "crash-test"], cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        stdin=subprocess.DEVNULL)


def _kill_when(proc: subprocess.Popen, writing, timeout: float = 300) -> None:
    deadline = time.monotonic() + timeout
    while not writing():
        if proc.poll() is not None:
            out, err = proc.communicate()
            pytest.fail(f"the import ended (exit {proc.returncode}) before it could be killed "
                        f"mid-way; make the file bigger.\n{out.decode()}\n{err.decode()}")
        if time.monotonic() > deadline:
            proc.kill()
            pytest.fail("the import never started writing")
        time.sleep(0.01)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(timeout=30)
    assert proc.returncode == -signal.SIGKILL


@pytest.mark.slow
def test_kill_9_mid_import_gpkg(big_file, tmp_path):
    path = tmp_path / "store.gpkg"
    with GeoPackageStore(path, seed=get_path("demo")) as store:
        before = store.snapshot()
    wal = Path(f"{path}-wal")

    def writing() -> bool:
        """The loader holds the write lock and has spilled >1 MB of new pages to the WAL."""
        probe = sqlite3.connect(path, timeout=0)
        try:
            probe.execute("BEGIN IMMEDIATE")
            probe.execute("ROLLBACK")
            return False
        except sqlite3.OperationalError:
            return wal.exists() and wal.stat().st_size > 1_000_000
        finally:
            probe.close()

    _kill_when(_start_load(big_file, str(path)), writing)

    conn = sqlite3.connect(path)
    assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    conn.close()
    with open_store(path) as store:
        assert store.snapshot() == before
        assert store.edit("parcel", "QF-0001", {"notes": "after the crash"}, user="u",
                          role="planner", reason="still writable") == 2
    frame = pyogrio.read_dataframe(path, layer="parcel")
    assert len(frame) == 2000


@pytest.mark.postgis
@pytest.mark.slow
def test_kill_9_mid_import_postgis(big_file, postgis_url):
    import psycopg

    from tests import store_county as county

    with open_store(postgis_url) as store:
        county.fill(store)
        before = store.snapshot()

    def lock_held() -> bool:
        with psycopg.connect(postgis_url, autocommit=True) as conn:
            row = conn.execute(
                "SELECT count(*) FROM pg_locks l JOIN pg_class c ON c.oid = l.relation "
                "WHERE c.relname = 'parcel' AND l.mode = 'ShareRowExclusiveLock' "
                "AND l.granted").fetchone()
        return bool(row and row[0])

    def writing() -> bool:
        if not lock_held():
            return False
        time.sleep(0.3)  # let the INSERTs run for a moment inside the transaction
        return True

    _kill_when(_start_load(big_file, postgis_url), writing)
    deadline = time.monotonic() + 60
    while lock_held():
        assert time.monotonic() < deadline, "the killed client's transaction never ended"
        time.sleep(0.1)
    with open_store(postgis_url) as store:
        assert store.snapshot() == before

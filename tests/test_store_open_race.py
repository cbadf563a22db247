"""Several processes creating and opening the same GeoPackage store at the same moment.

``WORKERS`` real processes (``spawn``) go through ``ROUNDS`` rounds together: at each round
they wait at a barrier, then all open the same path, write one parcel of their own and close.
Rounds cycle through three cases: a missing path (all of them create it empty), an existing
store of an older InvestMap in rollback-journal mode without the audit table (all of them
switch it to WAL and migrate it), and a missing path created as a copy of the demo county
(the seed of the default store: a longer copy, and a file to migrate). Afterwards each file
must be one intact WAL store that GDAL's GeoPackage validator accepts, holding every worker's
parcel, migrated at most once, with nothing left next to it, and no worker may have met an
error. Before the fix, 3 of the 4 workers failed at every creating round ("disk I/O error":
all creators built the file in the same ``.partial`` temp file and unlinked it under each
other).
"""

from __future__ import annotations

import multiprocessing as mp
import sqlite3
import traceback
from pathlib import Path

import pytest

from data import get_path
from layers.store import StoreError, open_store
from layers.store.gpkg import GeoPackageStore
from layers.store.gpkg_health import sqlite_problem
from layers.store.gpkg_open import OPEN_RETRIES, transient
from tests import store_county as county
from tests.test_store_conformance import validate

WORKERS = 4
ROUNDS = 6
NEW, OLDER, SEEDED = 0, 1, 2  # round r is case r % 3


def _worker(paths: list[str], worker: int, barrier, queue) -> None:  # noqa: ANN001 (mp proxies)
    frame = county.parcels()
    frame = frame[frame["parcel_id"] == "A"].copy()
    frame["parcel_id"] = f"W{worker}"
    errors = []
    for round_, path in enumerate(paths):
        barrier.wait(timeout=120)
        try:
            seed = get_path("demo") if round_ % 3 == SEEDED else None
            with GeoPackageStore(path, seed=seed) as store:
                store.import_frame("parcel", frame, user=f"w{worker}", reason="race test")
        except BaseException as exc:  # noqa: BLE001 (reported to the parent test)
            errors.append(f"{path}: {type(exc).__module__}.{type(exc).__name__}: {exc}\n"
                          f"{traceback.format_exc()}")
    queue.put((worker, errors))


def _older_store(path: Path) -> None:
    """A store as an older InvestMap left it: rollback journal, no audit table."""
    open_store(path).close()
    conn = sqlite3.connect(path, isolation_level=None)
    try:
        conn.execute("PRAGMA journal_mode=DELETE")
        conn.execute("DROP TABLE audit")
    finally:
        conn.close()


def test_processes_creating_and_opening_one_store_at_once_all_succeed(tmp_path: Path):
    paths = [tmp_path / f"r{r}" / "county.gpkg" for r in range(ROUNDS)]
    for path in paths[OLDER::3]:
        _older_store(path)
    with GeoPackageStore(get_path("demo"), migrate=False) as demo:
        demo_parcels = demo.ids("parcel")
    ctx = mp.get_context("spawn")
    queue = ctx.Queue()
    barrier = ctx.Barrier(WORKERS)
    procs = [ctx.Process(target=_worker, args=([str(p) for p in paths], w, barrier, queue))
             for w in range(WORKERS)]
    for p in procs:
        p.start()
    errors = [e for _, errs in (queue.get(timeout=300) for _ in procs) for e in errs]
    for p in procs:
        p.join(timeout=60)
        assert p.exitcode == 0
    assert not errors, f"{len(errors)} opens failed:\n" + "\n".join(errors)

    for round_, path in enumerate(paths):
        ours = [f"W{w}" for w in range(WORKERS)]
        with open_store(path) as store:
            assert sorted(store.ids("parcel")) == sorted(
                ours + (demo_parcels if round_ % 3 == SEEDED else [])), path
        conn = sqlite3.connect(path)
        try:
            assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
            assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
            migrations = conn.execute("SELECT count(*) FROM audit WHERE field = 'structure'")
            assert migrations.fetchone()[0] == (0 if round_ % 3 == NEW else 1), path
        finally:
            conn.close()
        validate(path)
        left = sorted(p.name for p in path.parent.iterdir()
                      if p.name not in {path.name, path.name + "-wal", path.name + "-shm"})
        assert left == [], f"{path}: left behind {left}"


def test_a_failed_creation_leaves_nothing_and_names_the_file(tmp_path: Path):
    seed = tmp_path / "seed.gpkg"
    seed.write_text("not a database", encoding="utf-8")
    path = tmp_path / "new" / "county.gpkg"
    with pytest.raises(StoreError, match=r"county\.gpkg: .*the store was not created; fix: "):
        GeoPackageStore(path, seed=seed)
    assert list(path.parent.iterdir()) == []


def test_only_passing_lock_states_are_retried(tmp_path: Path):
    path = tmp_path / "county.gpkg"
    open_store(path).close()
    holder = sqlite3.connect(path, isolation_level=None)
    other = sqlite3.connect(path, isolation_level=None, timeout=0)
    try:
        holder.execute("BEGIN IMMEDIATE")
        with pytest.raises(sqlite3.OperationalError) as busy:
            other.execute("BEGIN IMMEDIATE")
    finally:
        other.close()
        holder.close()
    assert busy.value.sqlite_errorcode == sqlite3.SQLITE_BUSY
    assert not transient(busy.value)  # it already waited the busy timeout
    assert transient(sqlite3.OperationalError("locking protocol"))
    message = sqlite_problem(path, sqlite3.OperationalError("locking protocol"),
                             "nothing was changed")
    assert message.startswith(f"{path}: is being opened or recovered by another program")
    assert "fix: close the other programs" in message
    # the error the old creators met: a file replaced under an open store is named as a
    # cause (not only "disk full")
    message = sqlite_problem(path, sqlite3.OperationalError("disk I/O error"), "rolled back")
    assert "replaced by another program while open" in message and "fix: " in message


def _flaky_connect(monkeypatch, path: Path, failures: int) -> list[int]:  # noqa: ANN001
    """Make the first ``failures`` connections to ``path`` meet SQLite's "locking protocol"
    (what a process sees while another rebuilds the WAL index); returns the try counter."""
    import layers.store.gpkg as gpkg

    real = gpkg._connect
    tries = [0]

    def connect(where: Path, *, read_only: bool = False):  # noqa: ANN202
        if Path(where) == path:
            tries[0] += 1
            if tries[0] <= failures:
                raise sqlite3.OperationalError("locking protocol")
        return real(where, read_only=read_only)

    monkeypatch.setattr(gpkg, "_connect", connect)
    monkeypatch.setattr(gpkg, "OPEN_BACKOFF_S", 0.01)
    return tries


def test_a_passing_lock_state_is_retried_until_the_store_opens(tmp_path: Path, monkeypatch):
    path = tmp_path / "county.gpkg"
    tries = _flaky_connect(monkeypatch, path, failures=3)
    GeoPackageStore(path).close()
    assert tries[0] == 4
    conn = sqlite3.connect(path)
    try:
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert conn.execute("PRAGMA quick_check").fetchone()[0] == "ok"
    finally:
        conn.close()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["county.gpkg"]


def test_a_lasting_lock_state_is_a_store_error_after_bounded_tries(tmp_path: Path,
                                                                  monkeypatch):
    path = tmp_path / "county.gpkg"
    tries = _flaky_connect(monkeypatch, path, failures=1000)
    with pytest.raises(StoreError) as refused:
        GeoPackageStore(path)
    assert tries[0] == OPEN_RETRIES
    message = str(refused.value)
    assert message.startswith(f"{path}: is being opened or recovered by another program")
    assert f"nothing was changed after {OPEN_RETRIES} tries; fix: close the other" in message
    assert isinstance(refused.value.__cause__, sqlite3.OperationalError)


class _FlakyBegin:
    """A connection whose next ``failures`` BEGINs meet "locking protocol"."""

    def __init__(self, real: sqlite3.Connection, failures: int) -> None:
        self.real, self.failures, self.begins = real, failures, 0

    def execute(self, sql: str, *args):  # noqa: ANN002, ANN201
        if sql.startswith("BEGIN"):
            self.begins += 1
            if self.failures:
                self.failures -= 1
                raise sqlite3.OperationalError("locking protocol")
        return self.real.execute(sql, *args)

    def __getattr__(self, name: str):  # noqa: ANN204
        return getattr(self.real, name)


def test_a_passing_lock_state_at_begin_is_tried_again(tmp_path: Path, monkeypatch):
    import layers.store.gpkg as gpkg

    monkeypatch.setattr(gpkg, "OPEN_BACKOFF_S", 0.01)
    store = GeoPackageStore(tmp_path / "county.gpkg")
    real = store._conn
    try:
        store._conn = flaky = _FlakyBegin(real, failures=3)
        assert store.ids("parcel") == []  # a read transaction, after three tries
        assert flaky.begins == 4
        store._conn = flaky = _FlakyBegin(real, failures=1000)
        with pytest.raises(StoreError) as lasting:
            store.ids("parcel")
        assert flaky.begins == gpkg.OPEN_RETRIES
        assert str(lasting.value).startswith(f"{tmp_path / 'county.gpkg'}: is being opened "
                                             "or recovered by another program")
    finally:
        store._conn = real
        store.close()

"""Creating and opening a GeoPackage store safely when several processes do it at once.

Three measures, each for a failure seen when two ``investmap`` processes (or the app and a
command) open the same new store at the same moment:

* **One creator or migrator at a time per folder** (:func:`opening_lock`): an exclusive
  ``flock`` on the store's folder is held while a process checks whether the file exists and
  creates it, and again while it switches it to WAL and migrates it. Without it both
  processes saw the file missing and both created it; with it the second one finds a
  finished store. The lock is on the folder (not a sidecar ``.lock`` file) so nothing is
  left next to the store, no lock file can be deleted under a waiting process, and a
  read-only folder can still be locked. It is held for milliseconds (not during the
  integrity check, nor while a store is in use) and released by the kernel if the process
  dies. Where the file system refuses ``flock`` (some network mounts)
  opening goes on unlocked: the two measures below still keep it safe.
* **A private temporary file, published without overwriting** (see
  :func:`layers.store.gpkg._create`): each creator builds the whole store (schema or seed copy,
  WAL mode) in its own ``mkstemp`` file and hard-links it to the final name, which fails if the
  name exists — so a half-built file never carries the store's name, and a finished store is
  never replaced by another creator's copy (a replaced file would lose the first creator's
  writes into the unlinked inode). A failed creation removes its temporary file.
* **Bounded retries on transient lock states** (:func:`transient`): SQLite answers
  ``SQLITE_PROTOCOL`` ("locking protocol") or ``SQLITE_BUSY_RECOVERY``/``_SNAPSHOT`` when
  another connection (possibly QGIS or GDAL, which do not take the folder lock) is
  rebuilding or replacing the WAL index at that instant. Its busy timeout does not cover
  these, so the whole open is retried with exponential backoff (:data:`OPEN_RETRIES` tries,
  at most about :data:`OPEN_BACKOFF_S` × 2\\ :sup:`n`); plain ``SQLITE_BUSY`` already waited the
  busy timeout and is not retried.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import sqlite3
from collections.abc import Iterator
from pathlib import Path

OPEN_RETRIES = 6
"""How many times an open that met a transient lock state is tried in all."""

OPEN_BACKOFF_S = 0.05
"""First wait between two tries; doubled after each (0.05 + 0.1 + … ≈ 1.6 s in all)."""

_TRANSIENT_CODES = frozenset({
    sqlite3.SQLITE_PROTOCOL,  # 15: WAL index changed under us ("locking protocol")
    261,  # SQLITE_BUSY_RECOVERY: another connection is recovering the WAL
    517,  # SQLITE_BUSY_SNAPSHOT: a read snapshot went stale
})


@contextlib.contextmanager
def opening_lock(path: Path) -> Iterator[None]:
    """Hold an exclusive ``flock`` on ``path``'s folder (created when missing) while opening.

    Raises
    ------
    OSError
        The folder cannot be created (the caller words it with
        :func:`layers.store.gpkg_health.sqlite_problem`).
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        fd = os.open(path.parent, os.O_RDONLY)
    except OSError:
        yield  # an unreadable folder: SQLite will say what is wrong when it opens the file
        return
    try:
        # no flock on this file system: the private temp file still keeps creation safe
        with contextlib.suppress(OSError):
            fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)  # releases the lock


def transient(exc: BaseException | None) -> bool:
    """``exc`` is an SQLite lock state that passes by itself, worth trying the open again."""
    code = getattr(exc, "sqlite_errorcode", None)
    if code is None:
        return isinstance(exc, sqlite3.OperationalError) and "locking protocol" in str(exc)
    return code in _TRANSIENT_CODES or code & 0xFF == sqlite3.SQLITE_PROTOCOL

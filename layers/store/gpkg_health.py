"""SQLite failures of a GeoPackage store as messages naming the file, the outcome and the fix,
and the integrity checks that refuse a damaged file instead of reading part of it."""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

from layers.store.errors import StoreError

_ENVIRONMENT = {
    "readonly": ("is read-only (file, folder or file system)", "make the file and its folder "
                 "writable, or copy the store to a writable folder and pass that path"),
    "full": ("disk is full", "free disk space (or use another disk), then run the command again"),
    "disk i/o": ("could not be read or written (disk I/O error: disk full, a file size "
                 "limit, a failing disk, or the file moved, deleted or replaced by another "
                 "program while open)", "free disk space or check the disk, make sure no "
                 "other program moves or replaces the store while it is in use, then run "
                 "it again"),
    "unable to open": ("cannot be opened (missing folder or no permission for the folder, "
                       "where SQLite keeps its -wal/-shm files)", "check the path and the "
                       "folder's permissions"),
    "no space": ("disk is full", "free disk space, then run the command again"),
    "read-only": ("is read-only (file, folder or file system)", "make it writable"),
    "permission denied": ("cannot be written (permission denied)", "check the permissions"),
    "file too large": ("exceeds the file size limit", "raise the limit or free space"),
    "locking protocol": ("is being opened or recovered by another program at this moment "
                         "(SQLite locking protocol)", "close the other programs using it "
                         "(QGIS, a second InvestMap) or copy the store from a network folder "
                         "to a local disk, then run it again"),
    "database is locked": ("is locked by another program's write for longer than the busy "
                           "timeout", "wait until the other import or QGIS edit has finished, "
                           "then run it again"),
}


def cannot_write(path: Path) -> bool:
    """The file, or the folder SQLite needs for its -wal/-shm files, cannot be written."""
    folder = path.parent if path.parent.exists() else None
    try:
        if folder is not None and os.statvfs(folder).f_flag & os.ST_RDONLY:
            return True
    except OSError:
        return False
    return (path.exists() and not os.access(path, os.W_OK)) or (
        folder is not None and not os.access(folder, os.W_OK))


def is_environment_problem(exc: BaseException) -> bool:
    """The error comes from the file's surroundings (permissions, disk), not its content."""
    text = str(exc).lower()
    return any(key in text for key in _ENVIRONMENT)


def sqlite_problem(path: Path, exc: BaseException, outcome: str) -> str:
    """A clear message for an SQLite/OS error on ``path``: what happened, the outcome, the fix."""
    text = "readonly" if cannot_write(path) else str(exc).lower()
    if "no such column" in text or "no such table" in text or "malformed" in text:
        return (f"{path}: the store's tables are damaged or not those InvestMap writes "
                f"({exc}); {outcome}; fix: restore the last good backup (`investmap restore "
                "FILE`)")
    for key, (what, fix) in _ENVIRONMENT.items():
        if key in text:
            return f"{path}: {what} ({exc}); {outcome}; fix: {fix}"
    return f"{path}: {exc}; {outcome}; fix: check the disk and the file, then run it again"


def check_intact(conn: sqlite3.Connection, path: Path, *, quick: bool) -> None:
    """Refuse a damaged file: SQLite's ``PRAGMA quick_check`` (``integrity_check`` when not
    ``quick``) must answer ``ok``.

    ``quick_check`` reads every page once but skips index-content checks: about 10 ms for the
    2,000-parcel demo store, so every open runs it.
    """
    pragma = "quick_check" if quick else "integrity_check"
    try:
        rows = conn.execute(f"PRAGMA {pragma}(5)").fetchall()
    except sqlite3.DatabaseError as exc:
        if is_environment_problem(exc):
            raise StoreError(sqlite_problem(path, exc, "nothing was read")) from exc
        if "malformed" in str(exc):
            raise StoreError(_damaged(path, pragma, str(exc))) from exc
        raise StoreError(f"{path}: not a usable GeoPackage ({exc}); fix: pass a .gpkg file "
                         "written by GDAL/QGIS or by InvestMap") from exc
    if rows and rows[0][0] == "ok":
        return
    raise StoreError(_damaged(path, pragma, "; ".join(str(r[0]) for r in rows)))


def _damaged(path: Path, pragma: str, found: str) -> str:
    return (f"{path}: the file is damaged (SQLite {pragma}: {found[:300]}); nothing was read "
            "or written; fix: restore the last good backup (`investmap restore FILE`), or "
            "recover what is readable with `sqlite3 damaged.gpkg .recover | sqlite3 "
            "recovered.gpkg` and check the recovered counts")

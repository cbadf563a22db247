"""GeoPackage backend: one file, SQLite transactions, readable by GDAL/QGIS as a GeoPackage.

Writes run in ``BEGIN IMMEDIATE`` transactions (one writer at a time, others wait up to
:data:`BUSY_TIMEOUT_S`); the file is in WAL mode so readers never block writers. A killed
writer leaves an uncommitted transaction that SQLite discards on the next open. GDAL's R-tree
triggers call ``ST_IsEmpty``/``ST_MinX`` …, which are registered here for plain ``sqlite3``.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from pyproj import CRS

from layers.registry import LAYERS, LayerSpec
from layers.store.base import KEEP, AuditEntry, Feature, Store, Transaction
from layers.store.errors import StoreError
from layers.store.values import (
    blob_bound,
    blob_is_empty,
    canonical,
    gpkg_blob,
    gpkg_wkb,
    norm_wkb,
    stored_columns,
)

BUSY_TIMEOUT_S = 60.0
"""How long a writer waits for another writer's transaction before giving up."""

AUDIT_DDL = """CREATE TABLE IF NOT EXISTS audit (
  seq INTEGER PRIMARY KEY AUTOINCREMENT, layer TEXT NOT NULL, feature_id TEXT NOT NULL,
  field TEXT NOT NULL, old_value TEXT, new_value TEXT, user TEXT NOT NULL, role TEXT NOT NULL,
  reason TEXT NOT NULL, at TEXT NOT NULL, version INTEGER NOT NULL)"""

_SQL_TYPES = {"str": "TEXT", "float": "REAL", "int": "INTEGER", "date": "DATETIME",
              "list": "TEXT", "bool": "BOOLEAN"}
_GEOM_TYPES = {"polygon": "GEOMETRY", "point": "POINT", "any": "GEOMETRY"}

_BASE_DDL = (
    "CREATE TABLE gpkg_spatial_ref_sys (srs_name TEXT NOT NULL, srs_id INTEGER NOT NULL "
    "PRIMARY KEY, organization TEXT NOT NULL, organization_coordsys_id INTEGER NOT NULL, "
    "definition TEXT NOT NULL, description TEXT)",
    "CREATE TABLE gpkg_contents (table_name TEXT NOT NULL PRIMARY KEY, data_type TEXT NOT NULL,"
    " identifier TEXT UNIQUE, description TEXT DEFAULT '', last_change DATETIME NOT NULL "
    "DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')), min_x DOUBLE, min_y DOUBLE, max_x DOUBLE,"
    " max_y DOUBLE, srs_id INTEGER, CONSTRAINT fk_gc_r_srs_id FOREIGN KEY (srs_id) REFERENCES "
    "gpkg_spatial_ref_sys(srs_id))",
    "CREATE TABLE gpkg_geometry_columns (table_name TEXT NOT NULL, column_name TEXT NOT NULL, "
    "geometry_type_name TEXT NOT NULL, srs_id INTEGER NOT NULL, z TINYINT NOT NULL, m TINYINT "
    "NOT NULL, CONSTRAINT pk_geom_cols PRIMARY KEY (table_name, column_name), CONSTRAINT "
    "uk_gc_table_name UNIQUE (table_name), CONSTRAINT fk_gc_tn FOREIGN KEY (table_name) "
    "REFERENCES gpkg_contents(table_name), CONSTRAINT fk_gc_srs FOREIGN KEY (srs_id) "
    "REFERENCES gpkg_spatial_ref_sys (srs_id))",
    "INSERT INTO gpkg_spatial_ref_sys VALUES ('Undefined cartesian SRS', -1, 'NONE', -1, "
    "'undefined', 'undefined cartesian coordinate reference system')",
    "INSERT INTO gpkg_spatial_ref_sys VALUES ('Undefined geographic SRS', 0, 'NONE', 0, "
    "'undefined', 'undefined geographic coordinate reference system')",
)


def _connect(path: Path) -> sqlite3.Connection:
    conn = sqlite3.connect(path, timeout=BUSY_TIMEOUT_S, isolation_level=None)
    conn.create_function("ST_IsEmpty", 1, blob_is_empty, deterministic=True)
    for i, name in enumerate(("ST_MinX", "ST_MaxX", "ST_MinY", "ST_MaxY")):
        conn.create_function(name, 1, blob_bound(i), deterministic=True)
    return conn


def _q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


class GeoPackageStore(Store):
    """A store in one GeoPackage file.

    Parameters
    ----------
    path : the file; created when missing — as a copy of ``seed`` when given, else empty.
    seed : a GeoPackage whose content initialises a new store (e.g. the demo county).
    migrate : bring an older file up to the store schema (``False`` opens a backup as is).
    """

    def __init__(self, path: str | Path, *, seed: str | Path | None = None,
                 migrate: bool = True):
        self.path = Path(path)
        self.location = str(self.path)
        if self.path.is_dir():
            raise StoreError(f"{self.path}: is a folder, not a GeoPackage; fix: pass a .gpkg "
                             "file path")
        try:
            if not self.path.exists():
                self.path.parent.mkdir(parents=True, exist_ok=True)
                _create(self.path, seed)
            self._conn = _connect(self.path)
        except (OSError, sqlite3.Error) as exc:
            raise StoreError(sqlite_problem(self.path, exc, "the store was not created")) \
                from exc
        if not migrate:
            return
        try:
            self._migrate()
        except sqlite3.DatabaseError as exc:
            self._conn.close()
            if _is_environment_problem(exc):
                raise StoreError(sqlite_problem(self.path, exc, "nothing was changed")) from exc
            raise StoreError(f"{self.path}: not a usable GeoPackage ({exc}); fix: pass a .gpkg "
                             "file written by GDAL/QGIS or by InvestMap") from exc
        except BaseException:
            self._conn.close()
            raise

    def close(self) -> None:
        self._conn.close()

    @contextmanager
    def _transaction(self, *, write: bool) -> Iterator[_GpkgTransaction]:
        conn = self._conn
        try:
            conn.execute("BEGIN IMMEDIATE" if write else "BEGIN")
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) and "busy" not in str(exc):
                raise StoreError(sqlite_problem(self.path, exc, "nothing was written")) from exc
            raise StoreError(f"{self.path}: busy ({exc}) — another writer held the store for "
                             f"over {BUSY_TIMEOUT_S:.0f} s; fix: try again when the running "
                             "import has finished") from exc
        try:
            yield _GpkgTransaction(conn)
        except sqlite3.Error as exc:
            _rollback(conn)
            raise StoreError(sqlite_problem(self.path, exc, "rolled back")) from exc
        except BaseException:
            _rollback(conn)
            raise
        try:
            conn.execute("COMMIT")
        except sqlite3.Error as exc:
            _rollback(conn)
            raise StoreError(sqlite_problem(self.path, exc, "rolled back")) from exc

    def _migrate(self) -> None:
        """Add ``version`` columns, missing registry columns, id indexes and the audit table."""
        if self._conn.execute("PRAGMA application_id").fetchone()[0] != 0x47504B47:
            raise StoreError(f"{self.path}: not a GeoPackage; fix: pass a .gpkg file")
        if self._conn.execute("PRAGMA journal_mode").fetchone()[0] != "wal":
            self._conn.execute("PRAGMA journal_mode=WAL")
        tx = _GpkgTransaction(self._conn)
        if tx.has_table("audit") and all(tx.missing_columns(LAYERS[n]) == []
                                         for n in tx.layers()):
            return
        with self._transaction(write=True) as wtx:
            wtx.conn.execute(AUDIT_DDL)
            for name in wtx.layers():
                wtx.upgrade_table(LAYERS[name])

    def backup(self, out: str | Path) -> Path:
        out = Path(out)
        tmp = out.with_name(f".{out.name}.partial")
        try:
            out.parent.mkdir(parents=True, exist_ok=True)
            tmp.unlink(missing_ok=True)
            dest = sqlite3.connect(tmp)
            try:
                self._conn.backup(dest)
                dest.execute("PRAGMA journal_mode=DELETE")
            finally:
                dest.close()
            tmp.replace(out)
        except (OSError, sqlite3.Error) as exc:
            tmp.unlink(missing_ok=True)
            raise StoreError(sqlite_problem(out, exc, f"no backup was written; {out.name} is "
                                            "as it was")) from exc
        return out

    def restore(self, path: str | Path) -> None:
        """Copy the backup's rows (layers, versions, audit) into this store's own tables, in
        one transaction; nothing else of the file — triggers, views, indexes, other tables —
        is taken over."""
        check_backup(path).close()
        source = GeoPackageStore(path, migrate=False)
        try:
            snapshot = source.snapshot()
        except (sqlite3.Error, ValueError, KeyError) as exc:
            raise StoreError(f"{path}: the backup's tables cannot be read ({exc}); fix: pass a "
                             "file written by `investmap backup`") from exc
        finally:
            source.close()
        self.replace_all(snapshot)


def _rollback(conn: sqlite3.Connection) -> None:
    """Roll back if a transaction is still open (SQLite ends it itself on disk-full/IO errors,
    and a second ROLLBACK would raise "no transaction is active")."""
    if conn.in_transaction:
        with contextlib.suppress(sqlite3.Error):
            conn.execute("ROLLBACK")


_ENVIRONMENT = {
    "readonly": ("is read-only (file, folder or file system)", "make the file and its folder "
                 "writable, or copy the store to a writable folder and pass that path"),
    "full": ("disk is full", "free disk space (or use another disk), then run the command again"),
    "disk i/o": ("could not be written (disk I/O error: disk full, file size limit or a "
                 "failing disk)", "free disk space or check the disk, then run it again"),
    "unable to open": ("cannot be opened (missing folder or no permission for the folder, "
                       "where SQLite keeps its -wal/-shm files)", "check the path and the "
                       "folder's permissions"),
    "no space": ("disk is full", "free disk space, then run the command again"),
    "read-only": ("is read-only (file, folder or file system)", "make it writable"),
    "permission denied": ("cannot be written (permission denied)", "check the permissions"),
    "file too large": ("exceeds the file size limit", "raise the limit or free space"),
}


def _read_only(path: Path) -> bool:
    """The file, or the folder SQLite needs for its -wal/-shm files, cannot be written."""
    folder = path.parent if path.parent.exists() else None
    try:
        if folder is not None and os.statvfs(folder).f_flag & os.ST_RDONLY:
            return True
    except OSError:
        return False
    return (path.exists() and not os.access(path, os.W_OK)) or (
        folder is not None and not os.access(folder, os.W_OK))


def _is_environment_problem(exc: BaseException) -> bool:
    text = str(exc).lower()
    return any(key in text for key in _ENVIRONMENT)


def sqlite_problem(path: Path, exc: BaseException, outcome: str) -> str:
    """A clear message for an SQLite/OS error on ``path``: what happened, the outcome, the fix."""
    text = "readonly" if _read_only(path) else str(exc).lower()
    for key, (what, fix) in _ENVIRONMENT.items():
        if key in text:
            return f"{path}: {what} ({exc}); {outcome}; fix: {fix}"
    return f"{path}: {exc}; {outcome}; fix: check the disk and the file, then run it again"


def check_backup(path: str | Path) -> sqlite3.Connection:
    """Open a backup file after checking it is an intact InvestMap store GeoPackage."""
    path = Path(path)
    if not path.is_file():
        raise StoreError(f"{path}: backup file not found; fix: check the path")
    conn = _connect(path)
    try:
        ok = conn.execute("PRAGMA integrity_check").fetchone()[0]
        tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master")}
    except sqlite3.DatabaseError as exc:
        conn.close()
        raise StoreError(f"{path}: not a GeoPackage ({exc}); fix: pass a file written by "
                         "`investmap backup`") from exc
    if ok != "ok" or "audit" not in tables or "gpkg_contents" not in tables:
        conn.close()
        raise StoreError(f"{path}: not an intact InvestMap backup (integrity: {ok}; audit "
                         f"table present: {'audit' in tables}); fix: pass a file written by "
                         "`investmap backup`")
    return conn


def _create(path: Path, seed: str | Path | None) -> None:
    tmp = path.with_name(f".{path.name}.partial")
    tmp.unlink(missing_ok=True)
    conn = _connect(tmp)
    try:
        if seed is not None:
            src = sqlite3.connect(seed)
            try:
                src.backup(conn)
            finally:
                src.close()
        else:
            conn.execute("PRAGMA application_id = 1196444487")
            conn.execute("PRAGMA user_version = 10400")
            conn.execute("BEGIN")
            for statement in _BASE_DDL:
                conn.execute(statement)
            conn.execute(AUDIT_DDL)
            conn.execute("COMMIT")
    finally:
        conn.close()
    tmp.replace(path)


class _GpkgTransaction(Transaction):
    def __init__(self, conn: sqlite3.Connection):
        self.conn = conn

    def has_table(self, name: str) -> bool:
        row = self.conn.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?",
                                (name,)).fetchone()
        return row is not None

    def layers(self) -> list[str]:
        rows = self.conn.execute("SELECT table_name FROM gpkg_contents").fetchall()
        return [r[0] for r in rows if r[0] in LAYERS]

    def layer_epsg(self, layer: str) -> int | None:
        row = self.conn.execute(
            "SELECT s.organization, s.organization_coordsys_id FROM gpkg_geometry_columns g "
            "JOIN gpkg_spatial_ref_sys s ON s.srs_id = g.srs_id WHERE g.table_name = ?",
            (layer,)).fetchone()
        if row is None or str(row[0]).upper() != "EPSG":
            return None
        return int(row[1])

    def missing_columns(self, spec: LayerSpec) -> list[str]:
        have = {r[1] for r in self.conn.execute(f"PRAGMA table_info({_q(spec.name)})")}
        wanted = [c.name for c in stored_columns(spec)] + ["version"]
        return [c for c in wanted if c not in have]

    def upgrade_table(self, spec: LayerSpec) -> None:
        for name in self.missing_columns(spec):
            ddl = ("INTEGER NOT NULL DEFAULT 1" if name == "version"
                   else _SQL_TYPES[spec.column(name).type])
            self.conn.execute(f"ALTER TABLE {_q(spec.name)} ADD COLUMN {_q(name)} {ddl}")
        idcol = spec.id_column
        dups = self.conn.execute(
            f"SELECT {_q(idcol)} FROM {_q(spec.name)} GROUP BY 1 HAVING count(*) > 1 LIMIT 5"
        ).fetchall()
        if dups:
            raise StoreError(f"layer {spec.name}: duplicate {idcol} {[d[0] for d in dups]}; "
                             "fix: give every feature a unique id before using the file as a "
                             "store")
        self.conn.execute(f"CREATE UNIQUE INDEX IF NOT EXISTS {_q('ux_' + spec.name + '_id')} "
                          f"ON {_q(spec.name)} ({_q(idcol)})")

    def ensure_layer(self, spec: LayerSpec, epsg: int | None) -> None:
        if self.has_table(spec.name):
            return
        cols = ", ".join(f"{_q(c.name)} {_SQL_TYPES[c.type]}" for c in stored_columns(spec))
        geom = f'"geom" {_GEOM_TYPES[spec.geometry]}, ' if spec.has_geometry else ""
        self.conn.execute(f"CREATE TABLE {_q(spec.name)} (fid INTEGER PRIMARY KEY "
                          f"AUTOINCREMENT NOT NULL, {geom}{cols}, version INTEGER NOT NULL "
                          "DEFAULT 1)")
        srs_id = self._srs(epsg) if spec.has_geometry else None
        kind = "features" if spec.has_geometry else "attributes"
        self.conn.execute("INSERT INTO gpkg_contents (table_name, data_type, identifier, srs_id) "
                          "VALUES (?, ?, ?, ?)", (spec.name, kind, spec.name, srs_id))
        if spec.has_geometry:
            self.conn.execute("INSERT INTO gpkg_geometry_columns VALUES (?, 'geom', ?, ?, 0, 0)",
                              (spec.name, _GEOM_TYPES[spec.geometry], srs_id))
        self.upgrade_table(spec)

    def _srs(self, epsg: int | None) -> int:
        if epsg is None:
            return -1
        row = self.conn.execute("SELECT srs_id FROM gpkg_spatial_ref_sys WHERE organization = "
                                "'EPSG' AND organization_coordsys_id = ?", (epsg,)).fetchone()
        if row is not None:
            return int(row[0])
        crs = CRS.from_epsg(epsg)
        self.conn.execute("INSERT INTO gpkg_spatial_ref_sys VALUES (?, ?, 'EPSG', ?, ?, NULL)",
                          (crs.name, epsg, epsg, crs.to_wkt("WKT1_GDAL")))
        return epsg

    def _srs_id(self, layer: str) -> int:
        row = self.conn.execute("SELECT srs_id FROM gpkg_geometry_columns WHERE table_name = ?",
                                (layer,)).fetchone()
        return int(row[0]) if row else -1

    def features(self, spec: LayerSpec, ids: list[str] | None = None, *,
                 lock: bool = False) -> dict[str, Feature]:
        cols = stored_columns(spec)
        select = ", ".join(_q(c.name) for c in cols)
        geom = ', "geom"' if spec.has_geometry else ", NULL"
        sql = f"SELECT {select}, version{geom} FROM {_q(spec.name)}"
        if ids is None:
            rows = self.conn.execute(sql + f" ORDER BY {_q(spec.id_column)}").fetchall()
        else:
            rows = []
            for fid in ids:
                rows += self.conn.execute(sql + f" WHERE {_q(spec.id_column)} = ?",
                                          (fid,)).fetchall()
        out: dict[str, Feature] = {}
        for row in rows:
            values = {c.name: _from_sql(c.type, c, row[i]) for i, c in enumerate(cols)}
            out[str(values[spec.id_column])] = Feature(
                values, norm_wkb(gpkg_wkb(row[-1])), int(row[-2]))
        return out

    def insert(self, spec: LayerSpec, features: list[Feature], epsg: int | None) -> None:
        if not features:
            return
        cols = stored_columns(spec)
        names = [c.name for c in cols] + ["version"] + (["geom"] if spec.has_geometry else [])
        srs_id = self._srs_id(spec.name)
        marks = ", ".join("?" * len(names))
        rows = []
        for f in features:
            row = [_to_sql(c.type, f.values.get(c.name)) for c in cols] + [f.version]
            if spec.has_geometry:
                row.append(gpkg_blob(f.wkb, srs_id))
            rows.append(row)
        self.conn.executemany(f"INSERT INTO {_q(spec.name)} ({', '.join(map(_q, names))}) "
                              f"VALUES ({marks})", rows)

    def update(self, spec: LayerSpec, feature_id: str, values: Mapping[str, Any], wkb: Any,
               expected_version: int, epsg: int | None) -> bool:
        sets = [f"{_q(k)} = ?" for k in values]
        params: list[Any] = [_to_sql(spec.column(k).type, v) for k, v in values.items()]
        if wkb is not KEEP:
            sets.append('"geom" = ?')
            params.append(gpkg_blob(wkb, self._srs_id(spec.name)))
        sets.append("version = version + 1")
        cur = self.conn.execute(
            f"UPDATE {_q(spec.name)} SET {', '.join(sets)} WHERE {_q(spec.id_column)} = ? "
            "AND version = ?", (*params, feature_id, expected_version))
        return cur.rowcount == 1

    def add_audit(self, entries: list[AuditEntry]) -> None:
        self.conn.executemany(
            "INSERT INTO audit (layer, feature_id, field, old_value, new_value, user, role, "
            "reason, at, version) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [(e.layer, e.feature_id, e.field, e.old_value, e.new_value, e.user, e.role,
              e.reason, e.at, e.version) for e in entries])

    def audit(self, layer: str | None = None,
              feature_id: str | None = None) -> list[AuditEntry]:
        sql = ("SELECT layer, feature_id, field, old_value, new_value, user, role, reason, at, "
               "version FROM audit WHERE (? IS NULL OR layer = ?) AND (? IS NULL OR "
               "feature_id = ?) ORDER BY seq")
        rows = self.conn.execute(sql, (layer, layer, feature_id, feature_id)).fetchall()
        return [AuditEntry(*row) for row in rows]

    def clear(self) -> None:
        for name in self.layers():
            self.conn.execute(f"DELETE FROM {_q(name)}")
        self.conn.execute("DELETE FROM audit")


def _to_sql(kind: str, value: Any) -> Any:
    if value is None:
        return None
    if kind == "date":
        return f"{value}T00:00:00"
    if kind == "bool":
        return int(value)
    return value


def _from_sql(kind: str, col: Any, value: Any) -> Any:
    if value is None:
        return None
    if kind == "date":
        return str(value)[:10]
    return canonical(col, value)

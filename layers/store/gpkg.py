"""GeoPackage backend: one file, SQLite transactions, readable by GDAL/QGIS as a GeoPackage.

Writes run in ``BEGIN IMMEDIATE`` transactions (one writer at a time, others wait up to
:data:`BUSY_TIMEOUT_S`); the file is in WAL mode so readers never block writers. A killed
writer leaves an uncommitted transaction that SQLite discards on the next open. GDAL's R-tree
triggers call ``ST_IsEmpty``/``ST_MinX`` …, which are registered here for plain ``sqlite3``.
Several processes may create or open the same store at once: see :mod:`layers.store.gpkg_open`
(one opener per folder at a time, a private temp file published by hard link, bounded retries
of SQLite's passing lock states).
"""

from __future__ import annotations

import contextlib
import os
import secrets
import sqlite3
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import shapely

from layers.registry import LAYERS, LayerSpec
from layers.store import gpkg_schema as schema
from layers.store.base import KEEP, AuditEntry, Feature, Store, Transaction, utc_now
from layers.store.errors import StoreError
from layers.store.gpkg_health import (
    cannot_write,
    check_intact,
    is_environment_problem,
    sqlite_problem,
)
from layers.store.gpkg_open import OPEN_BACKOFF_S, OPEN_RETRIES, opening_lock, transient
from layers.store.values import (
    blob_bound,
    blob_is_empty,
    canonical,
    gpkg_blob,
    gpkg_wkb,
    norm_wkb,
    storage_wkb,
    stored_columns,
)

BUSY_TIMEOUT_S = 60.0
"""How long a writer waits for another writer's transaction before giving up."""

AUDIT_DDL = """CREATE TABLE IF NOT EXISTS audit (
  seq INTEGER PRIMARY KEY AUTOINCREMENT, layer TEXT NOT NULL, feature_id TEXT NOT NULL,
  field TEXT NOT NULL, old_value TEXT, new_value TEXT, user TEXT NOT NULL, role TEXT NOT NULL,
  reason TEXT NOT NULL, at TEXT NOT NULL, version INTEGER NOT NULL)"""

def _connect(path: Path, *, read_only: bool = False) -> sqlite3.Connection:
    """A connection with the GeoPackage SQL functions; ``read_only`` opens the file without
    writing anything (not even SQLite's -shm file when its folder is read-only)."""
    if not read_only:
        conn = sqlite3.connect(path, timeout=BUSY_TIMEOUT_S, isolation_level=None)
    else:
        conn = _connect_read_only(path)
    conn.create_function("ST_IsEmpty", 1, blob_is_empty, deterministic=True)
    for i, name in enumerate(("ST_MinX", "ST_MaxX", "ST_MinY", "ST_MaxY")):
        conn.create_function(name, 1, blob_bound(i), deterministic=True)
    conn.create_function(schema.MULTI_FUNCTION, 2, schema.multi_blob, deterministic=True)
    return conn


def _connect_read_only(path: Path) -> sqlite3.Connection:
    uri = path.resolve().as_uri()
    try:
        conn = sqlite3.connect(f"{uri}?mode=ro", uri=True, timeout=BUSY_TIMEOUT_S,
                               isolation_level=None)
        conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
        return conn
    except sqlite3.OperationalError:
        wal = path.with_name(path.name + "-wal")
        if wal.exists() and wal.stat().st_size > 0:
            raise StoreError(f"{path}: read-only, and its last changes are still in "
                             f"{wal.name}, which SQLite cannot merge without writing; fix: copy "
                             f"{path.name} together with {wal.name} to a writable folder and "
                             "pass that copy") from None
    # a read-only folder: no -shm file can be made, and with no -wal nothing is pending
    return sqlite3.connect(f"{uri}?mode=ro&immutable=1", uri=True, isolation_level=None)


_q = schema.q


class GeoPackageStore(Store):
    """A store in one GeoPackage file.

    Parameters
    ----------
    path : the file; created when missing — as a copy of ``seed`` when given, else empty.
    seed : a GeoPackage whose content initialises a new store (e.g. the demo county).
    migrate : bring an older file up to the store schema (``False`` opens a backup as is).

    A file that cannot be written (read-only file, folder or mount) is opened read-only:
    reading commands (``history``, ``backup``, the map) work, writes are refused with a
    message. Every open runs SQLite's ``PRAGMA quick_check``, so a damaged file is refused
    instead of being read as far as it goes.
    """

    def __init__(self, path: str | Path, *, seed: str | Path | None = None,
                 migrate: bool = True):
        self.path = Path(path)
        self.location = str(self.path)
        if self.path.is_dir():
            raise StoreError(f"{self.path}: is a folder, not a GeoPackage; fix: pass a .gpkg "
                             "file path")
        for attempt in range(OPEN_RETRIES):
            try:
                self._open(seed, migrate)
                return
            except (StoreError, sqlite3.Error, OSError) as exc:
                if not (transient(exc) or transient(exc.__cause__)):
                    if isinstance(exc, StoreError):
                        raise
                    raise StoreError(sqlite_problem(self.path, exc, "the store was not "
                                                    "created")) from exc
                if attempt == OPEN_RETRIES - 1:
                    raise StoreError(sqlite_problem(
                        self.path, exc, f"nothing was changed after {OPEN_RETRIES} tries"
                    )) from exc
            time.sleep(OPEN_BACKOFF_S * 2 ** attempt)

    def _open(self, seed: str | Path | None, migrate: bool) -> None:
        """Create (when missing), connect, check and migrate. Creating and migrating run
        under :func:`~layers.store.gpkg_open.opening_lock`; the integrity check (most of an
        open's time) does not, so opens of existing stores in one folder do not queue. A
        transient lock state (:func:`~layers.store.gpkg_open.transient`) is raised as is, to
        be retried."""
        try:
            with opening_lock(self.path):
                self.read_only = self.path.exists() and cannot_write(self.path)
                if not self.path.exists():
                    _create(self.path, seed)
            self._conn = _connect(self.path, read_only=self.read_only)
        except (OSError, sqlite3.Error) as exc:
            if transient(exc):
                raise
            raise StoreError(sqlite_problem(self.path, exc, "the store was not created")) \
                from exc
        try:
            check_intact(self._conn, self.path, quick=True)
            if migrate and not self.read_only:
                with opening_lock(self.path):
                    self._migrate()
            elif migrate and self._conn.execute("PRAGMA application_id").fetchone()[0] != \
                    schema.APPLICATION_ID:
                raise StoreError(f"{self.path}: not a GeoPackage; fix: pass a .gpkg file")
        except sqlite3.DatabaseError as exc:
            self._conn.close()
            if transient(exc):
                raise
            if is_environment_problem(exc):
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
        self._begin(conn, write=write)
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

    def _begin(self, conn: sqlite3.Connection, *, write: bool) -> None:
        """Start a transaction; a lock state that passes by itself (another process
        rebuilding the WAL index: ``SQLITE_PROTOCOL``, :func:`gpkg_open.transient`) is
        tried again up to :data:`OPEN_RETRIES` times with a doubling wait, as an open is."""
        for attempt in range(OPEN_RETRIES):
            try:
                conn.execute("BEGIN IMMEDIATE" if write else "BEGIN")
                return
            except sqlite3.OperationalError as exc:
                if transient(exc) and attempt + 1 < OPEN_RETRIES:
                    time.sleep(OPEN_BACKOFF_S * 2 ** attempt)
                    continue
                if "locked" not in str(exc) and "busy" not in str(exc):
                    raise StoreError(sqlite_problem(self.path, exc, "nothing was written")
                                     ) from exc
                raise StoreError(f"{self.path}: busy ({exc}) — another writer held the store "
                                 f"for over {BUSY_TIMEOUT_S:.0f} s; fix: try again when the "
                                 "running import has finished") from exc

    def _migrate(self) -> None:
        """Add ``version`` columns, missing registry columns, id indexes and the audit table,
        and bring the file to the GeoPackage 1.3 structure of :mod:`layers.store.gpkg_schema`
        (in one transaction, with an audit row saying what changed)."""
        if self._conn.execute("PRAGMA application_id").fetchone()[0] != schema.APPLICATION_ID:
            raise StoreError(f"{self.path}: not a GeoPackage; fix: pass a .gpkg file")
        if self._conn.execute("PRAGMA journal_mode").fetchone()[0] != "wal":
            self._conn.execute("PRAGMA journal_mode=WAL")
        if not self.pending_upgrade():
            return
        self.upgrade()

    def pending_upgrade(self) -> list[str]:
        """What :meth:`upgrade` would change (empty: the file is up to date)."""
        tx = _GpkgTransaction(self._conn)
        pending = [] if tx.has_table("audit") else ["audit table"]
        pending += [f"{n}: columns {tx.missing_columns(LAYERS[n])}" for n in tx.layers()
                    if tx.missing_columns(LAYERS[n])]
        return pending + schema.file_problems(self._conn, tx.layers())

    def upgrade(self, *, user: str = "investmap", reason: str = "store opened by a newer "
                "InvestMap") -> list[str]:
        """Bring the file up to date in one write transaction; returns what changed."""
        with self._transaction(write=True) as wtx:
            done = self.pending_upgrade()
            if not done:
                return []
            wtx.conn.execute(AUDIT_DDL)
            for name in wtx.layers():
                wtx.upgrade_table(LAYERS[name])
            schema.upgrade_file(wtx.conn, wtx.layers(), wtx.srs_id_of)
            wtx.add_audit([AuditEntry("store", "*", "structure", None,
                                      "; ".join(done)[:2000], user, "admin", reason,
                                      utc_now(), 0)])
        return done

    def backup(self, out: str | Path) -> Path:
        """Copy the file with SQLite's online-backup API after a full ``integrity_check``
        (a damaged store is refused, as ``restore`` would refuse the copy)."""
        out = Path(out)
        tmp = out.with_name(f".{out.name}.partial")
        check_intact(self._conn, self.path, quick=False)
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
    """Build a whole store (seed copy or empty schema, WAL mode) in a temporary file of this
    process's own and publish it under ``path`` with a hard link, which refuses to replace a
    store another process published first (see :mod:`layers.store.gpkg_open`). The temporary
    file and its -wal/-shm/-journal files are removed whatever happens."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}-{secrets.token_hex(4)}.partial")
    try:
        conn = _connect(tmp)
        try:
            if seed is not None:
                src = sqlite3.connect(seed)
                try:
                    src.backup(conn)
                finally:
                    src.close()
            else:
                conn.execute("BEGIN")
                schema.create_base(conn)
                conn.execute(AUDIT_DDL)
                conn.execute("COMMIT")
            conn.execute("PRAGMA journal_mode=WAL")
        finally:
            conn.close()
        try:
            os.link(tmp, path)
        except FileExistsError:
            pass  # another process published a store first: open that one, as it is
        except OSError:  # a file system without hard links: replace only what is missing
            if not path.exists():
                tmp.replace(path)
    finally:
        for suffix in ("", "-wal", "-shm", "-journal"):
            tmp.with_name(tmp.name + suffix).unlink(missing_ok=True)


class _GpkgTransaction(Transaction):
    def __init__(self, conn: sqlite3.Connection):
        self.conn = conn
        self._types: dict[str, dict[str, str]] = {}

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
                   else schema.SQL_TYPES[spec.column(name).type])
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
        schema.create_layer(self.conn, spec, epsg)
        self.upgrade_table(spec)

    def srs_id_of(self, layer: str) -> int:
        """The ``srs_id`` of a layer's geometry column (-1 when unknown)."""
        row = self.conn.execute("SELECT srs_id FROM gpkg_geometry_columns WHERE table_name = ?",
                                (layer,)).fetchone()
        return int(row[0]) if row else -1

    def date_format(self, layer: str) -> dict[str, str]:
        """Column → declared SQLite type, to write dates the way each column declares them
        (``DATE``: ``YYYY-MM-DD``; ``DATETIME`` in files from older versions: GeoPackage
        date-time text)."""
        if layer not in self._types:
            self._types[layer] = {r[1]: str(r[2]).upper() for r in
                                  self.conn.execute(f"PRAGMA table_info({_q(layer)})")}
        return self._types[layer]

    def _geometry_blob(self, spec: LayerSpec, wkb: bytes | None, srs: int,
                       boxes: list[tuple[float, float, float, float]]) -> bytes | None:
        blob = gpkg_blob(storage_wkb(spec.geometry, wkb), srs)
        if wkb is not None:
            geom = shapely.from_wkb(wkb)
            if not geom.is_empty:
                boxes.append(tuple(geom.bounds))
        return blob

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

    def ids(self, spec: LayerSpec) -> list[str]:
        sql = f"SELECT {_q(spec.id_column)} FROM {_q(spec.name)} ORDER BY 1"
        return [str(r[0]) for r in self.conn.execute(sql)]

    def insert(self, spec: LayerSpec, features: list[Feature], epsg: int | None) -> None:
        if not features:
            return
        cols = stored_columns(spec)
        names = [c.name for c in cols] + ["version"] + (["geom"] if spec.has_geometry else [])
        srs_id = self.srs_id_of(spec.name)
        types = self.date_format(spec.name)
        marks = ", ".join("?" * len(names))
        rows = []
        boxes: list[tuple[float, float, float, float]] = []
        for f in features:
            row = [_to_sql(c.type, f.values.get(c.name), types.get(c.name, ""))
                   for c in cols] + [f.version]
            if spec.has_geometry:
                row.append(self._geometry_blob(spec, f.wkb, srs_id, boxes))
            rows.append(row)
        self.conn.executemany(f"INSERT INTO {_q(spec.name)} ({', '.join(map(_q, names))}) "
                              f"VALUES ({marks})", rows)
        schema.widen_extent(self.conn, spec.name, boxes)

    def update(self, spec: LayerSpec, feature_id: str, values: Mapping[str, Any], wkb: Any,
               expected_version: int, epsg: int | None) -> bool:
        sets = [f"{_q(k)} = ?" for k in values]
        types = self.date_format(spec.name)
        params: list[Any] = [_to_sql(spec.column(k).type, v, types.get(k, ""))
                             for k, v in values.items()]
        boxes: list[tuple[float, float, float, float]] = []
        if wkb is not KEEP:
            sets.append('"geom" = ?')
            params.append(self._geometry_blob(spec, wkb, self.srs_id_of(spec.name), boxes))
        sets.append("version = version + 1")
        cur = self.conn.execute(
            f"UPDATE {_q(spec.name)} SET {', '.join(sets)} WHERE {_q(spec.id_column)} = ? "
            "AND version = ?", (*params, feature_id, expected_version))
        if cur.rowcount == 1:
            schema.widen_extent(self.conn, spec.name, boxes)
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
            self.conn.execute("UPDATE gpkg_contents SET min_x = NULL, min_y = NULL, max_x = "
                              "NULL, max_y = NULL WHERE table_name = ?", (name,))
        self.conn.execute("DELETE FROM audit")


def _to_sql(kind: str, value: Any, declared: str) -> Any:
    if value is None:
        return None
    if kind == "date":
        return f"{value}T00:00:00.000Z" if declared == "DATETIME" else str(value)
    if kind == "bool":
        return int(value)
    return value


def _from_sql(kind: str, col: Any, value: Any) -> Any:
    if value is None:
        return None
    if kind == "date":
        return str(value)[:10]
    return canonical(col, value)

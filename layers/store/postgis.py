"""PostGIS backend (psycopg 3): the same store in a PostgreSQL database, for teams.

One table per registry layer (id column as primary key, ``version``, ``geom``) plus ``audit``,
in the schema the URL's ``search_path`` selects (``public`` by default). Edits lock their row
with ``SELECT … FOR UPDATE`` and update it with ``WHERE id = %s AND version = %s``; imports
lock the layer's table (``SHARE ROW EXCLUSIVE``) so no edit slips in between reading and
writing. Backups are GeoPackage files holding the same tables (see :meth:`PostGISStore.backup`).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import psycopg

from layers.registry import LAYERS, LayerSpec
from layers.store import pg_schema as schema
from layers.store.base import KEEP, AuditEntry, Feature, Store, Transaction, utc_now
from layers.store.errors import StoreError
from layers.store.values import canonical, norm_wkb, stored_columns

_AUDIT_DDL = """CREATE TABLE audit (
  seq bigserial PRIMARY KEY, layer text NOT NULL, feature_id text NOT NULL, field text NOT NULL,
  old_value text, new_value text, "user" text NOT NULL, role text NOT NULL, reason text NOT NULL,
  at timestamptz NOT NULL, version integer NOT NULL)"""
_SCHEMA_LOCK = 0x1A7E57
"""Advisory lock key serialising schema creation between concurrent first connections."""
_AT_FORMAT = "%Y-%m-%dT%H:%M:%S.%fZ"


def _q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def redact(url: str) -> str:
    """The URL without its password (``user:pw@`` or ``?password=pw``), for messages."""
    url = re.sub(r"//([^:/@]+):[^@/]*@", r"//\1:***@", url)
    return re.sub(r"([?&]password=)[^&#]*", r"\1***", url, flags=re.IGNORECASE)


class PostGISStore(Store):
    """A store in a PostgreSQL/PostGIS database given by a ``postgresql://`` URL."""

    def __init__(self, url: str):
        self.url = url
        self.location = redact(url)
        try:
            self._conn = psycopg.connect(url, autocommit=True)
        except psycopg.Error as exc:
            raise StoreError(f"{self.location}: cannot connect ({exc}); fix: check the URL in "
                             "INVESTMAP_DATABASE_URL / --data and that the server runs") from exc
        try:
            self._create_schema()
        except psycopg.Error as exc:
            self._conn.close()
            raise StoreError(f"{self.location}: cannot create the store tables ({exc}); fix: "
                             "CREATE EXTENSION postgis in this database (needs a superuser) "
                             "and grant CREATE on the schema") from exc

    def close(self) -> None:
        self._conn.close()

    @contextmanager
    def _transaction(self, *, write: bool) -> Iterator[_PgTransaction]:
        try:
            with self._conn.transaction():
                yield _PgTransaction(self._conn)
        except psycopg.OperationalError as exc:
            raise StoreError(f"{self.location}: the database ended the transaction ({exc}); "
                             "nothing was written; fix: try again, and check the server if it "
                             "persists") from exc

    def _missing_tables(self) -> list[str]:
        rows = self._conn.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = "
            "current_schema()").fetchall()
        present = {r[0] for r in rows}
        return [name for name in [*LAYERS, "audit"] if name not in present]

    def _create_schema(self) -> None:
        """Create the missing tables. Nothing is locked when they all exist: ``CREATE INDEX``
        on an existing table would take a SHARE lock and deadlock with running edits."""
        if not self._missing_tables():
            return
        with self._conn.transaction():
            exists = self._conn.execute(
                "SELECT count(*) FROM pg_extension WHERE extname = 'postgis'").fetchone()
            if not exists or not exists[0]:
                self._conn.execute("CREATE EXTENSION IF NOT EXISTS postgis")
            self._conn.execute("SELECT pg_advisory_xact_lock(%s)", (_SCHEMA_LOCK,))
            missing = self._missing_tables()
            if "audit" in missing:
                self._conn.execute(_AUDIT_DDL)
                self._conn.execute("CREATE INDEX audit_feature ON audit (layer, feature_id)")
            tx = _PgTransaction(self._conn)
            epsg = schema.working_epsg(schema.store_srids(self._conn, tx.layers()))
            for spec in LAYERS.values():
                if spec.name in missing:
                    for statement in schema.create_table(spec, epsg):
                        self._conn.execute(statement)

    def pending_upgrade(self) -> list[str]:
        """What ``investmap upgrade-store`` would change (empty: up to date)."""
        with self._transaction(write=False) as tx:
            layers = tx.layers()
            epsg = schema.working_epsg(schema.store_srids(self._conn, layers))
            return schema.pending(self._conn, layers, epsg)

    def upgrade(self, *, user: str = "investmap", reason: str = "upgrade-store") -> list[str]:
        """Type the geometry columns and add NOT NULL, CHECK constraints and GiST indexes,
        in one transaction; returns what changed.

        Raises
        ------
        StoreError
            Rows that the constraints would refuse (several SRIDs, empty required values,
            unknown codes); the message names them and the fix. Nothing was changed.
        """
        with self._transaction(write=True) as tx:
            layers = tx.layers()
            for name in layers:
                self._conn.execute(f"LOCK TABLE {_q(name)} IN ACCESS EXCLUSIVE MODE")
            epsg = schema.working_epsg(schema.store_srids(self._conn, layers))
            todo = schema.pending(self._conn, layers, epsg)
            if not todo:
                return []
            refused = schema.refusals(self._conn, layers, self.location)
            if refused:
                raise StoreError("; ".join(refused) + "; nothing was changed")
            schema.upgrade(self._conn, layers, epsg)
            tx.add_audit([AuditEntry("store", "*", "structure", None, "; ".join(todo)[:2000],
                                     user, "admin", reason, utc_now(), 0)])
        return todo

    def backup(self, out: str | Path) -> Path:
        """Write the store's tables (layers, versions, audit) to a GeoPackage store file —
        the same format as a GeoPackage store's backup, restorable into either backend."""
        from layers.store.gpkg import GeoPackageStore

        out = Path(out)
        out.parent.mkdir(parents=True, exist_ok=True)
        tmp = out.with_name(f".{out.name}.partial.gpkg")
        for leftover in (tmp, tmp.with_name(tmp.name + "-wal"), tmp.with_name(tmp.name + "-shm")):
            leftover.unlink(missing_ok=True)
        snapshot = self.snapshot()
        target = GeoPackageStore(tmp)
        try:
            target.replace_all(snapshot)
        finally:
            target.close()
        tmp.replace(out)
        return out

    def restore(self, path: str | Path) -> None:
        from layers.store.gpkg import GeoPackageStore, check_backup

        check_backup(path).close()
        source = GeoPackageStore(path, migrate=False)
        try:
            snapshot = source.snapshot()
        finally:
            source.close()
        self.replace_all(snapshot)


class _PgTransaction(Transaction):
    def __init__(self, conn: psycopg.Connection):
        self.conn = conn

    def layers(self) -> list[str]:
        rows = self.conn.execute("SELECT table_name FROM information_schema.tables WHERE "
                                 "table_schema = current_schema()").fetchall()
        present = {r[0] for r in rows}
        return [name for name in LAYERS if name in present]

    def layer_epsg(self, layer: str) -> int | None:
        if not LAYERS[layer].has_geometry:
            return None
        declared = schema.column_srid(self.conn, layer)
        if declared:
            return declared
        row = self.conn.execute(f"SELECT ST_SRID(geom) FROM {_q(layer)} WHERE geom IS NOT NULL "
                                "LIMIT 1").fetchone()
        return int(row[0]) if row and row[0] else None

    def ensure_layer(self, spec: LayerSpec, epsg: int | None) -> None:
        """Tables exist from the start (created when the store opens); the first EPSG code
        written gives every geometry column still without one its SRID."""
        if epsg and spec.has_geometry and not schema.column_srid(self.conn, spec.name):
            schema.type_empty_columns(self.conn, epsg)

    def features(self, spec: LayerSpec, ids: list[str] | None = None, *,
                 lock: bool = False) -> dict[str, Feature]:
        cols = stored_columns(spec)
        select = ", ".join(_q(c.name) for c in cols)
        geom = ", ST_AsBinary(geom)" if spec.has_geometry else ", NULL"
        sql = f"SELECT {select}, version{geom} FROM {_q(spec.name)}"
        if ids is None:
            if lock:
                self.conn.execute(f"LOCK TABLE {_q(spec.name)} IN SHARE ROW EXCLUSIVE MODE")
            rows = self.conn.execute(sql + f" ORDER BY {_q(spec.id_column)}").fetchall()
        else:
            rows = self.conn.execute(sql + f" WHERE {_q(spec.id_column)} = ANY(%s)"
                                     + (" FOR UPDATE" if lock else ""), (ids,)).fetchall()
        out: dict[str, Feature] = {}
        for row in rows:
            values = {c.name: _from_pg(c, row[i]) for i, c in enumerate(cols)}
            wkb = bytes(row[-1]) if row[-1] is not None else None
            out[str(values[spec.id_column])] = Feature(values, norm_wkb(wkb), int(row[-2]))
        return out

    def ids(self, spec: LayerSpec) -> list[str]:
        sql = f"SELECT {_q(spec.id_column)} FROM {_q(spec.name)} ORDER BY 1"
        return [str(r[0]) for r in self.conn.execute(sql)]

    def insert(self, spec: LayerSpec, features: list[Feature], epsg: int | None) -> None:
        if not features:
            return
        cols = stored_columns(spec)
        names = [_q(c.name) for c in cols] + ["version"]
        marks = ["%s"] * len(names)
        if spec.has_geometry:
            names.append("geom")
            marks.append(schema.write_geometry(spec))
        rows = []
        for f in features:
            row = [f.values.get(c.name) for c in cols] + [f.version]
            if spec.has_geometry:
                row += [f.wkb, epsg or 0]
            rows.append(row)
        with self.conn.cursor() as cur:
            cur.executemany(f"INSERT INTO {_q(spec.name)} ({', '.join(names)}) VALUES "
                            f"({', '.join(marks)})", rows)

    def update(self, spec: LayerSpec, feature_id: str, values: Mapping[str, Any], wkb: Any,
               expected_version: int, epsg: int | None) -> bool:
        sets = [f"{_q(k)} = %s" for k in values]
        params: list[Any] = list(values.values())
        if wkb is not KEEP:
            sets.append(f"geom = {schema.write_geometry(spec)}")
            params += [wkb, epsg or 0]
        sets.append("version = version + 1")
        cur = self.conn.execute(
            f"UPDATE {_q(spec.name)} SET {', '.join(sets)} WHERE {_q(spec.id_column)} = %s "
            "AND version = %s", (*params, feature_id, expected_version))
        return cur.rowcount == 1

    def add_audit(self, entries: list[AuditEntry]) -> None:
        if not entries:
            return
        rows = [(e.layer, e.feature_id, e.field, e.old_value, e.new_value, e.user, e.role,
                 e.reason, dt.datetime.strptime(e.at, _AT_FORMAT).replace(tzinfo=dt.UTC),
                 e.version) for e in entries]
        with self.conn.cursor() as cur:
            cur.executemany('INSERT INTO audit (layer, feature_id, field, old_value, new_value, '
                            '"user", role, reason, at, version) VALUES (%s, %s, %s, %s, %s, %s, '
                            "%s, %s, %s, %s)", rows)

    def audit(self, layer: str | None = None,
              feature_id: str | None = None) -> list[AuditEntry]:
        rows = self.conn.execute(
            'SELECT layer, feature_id, field, old_value, new_value, "user", role, reason, at, '
            "version FROM audit WHERE (%(l)s::text IS NULL OR layer = %(l)s) AND "
            "(%(f)s::text IS NULL OR feature_id = %(f)s) ORDER BY seq",
            {"l": layer, "f": feature_id}).fetchall()
        return [AuditEntry(layer=row[0], feature_id=row[1], field=row[2], old_value=row[3],
                           new_value=row[4], user=row[5], role=row[6], reason=row[7],
                           at=row[8].astimezone(dt.UTC).strftime(_AT_FORMAT), version=row[9])
                for row in rows]

    def clear(self) -> None:
        names = ", ".join(_q(n) for n in self.layers())
        self.conn.execute(f"TRUNCATE {names}, audit RESTART IDENTITY")


def _from_pg(col: Any, value: Any) -> Any:
    if value is None:
        return None
    if col.type == "date":
        return value.isoformat()
    return canonical(col, value)

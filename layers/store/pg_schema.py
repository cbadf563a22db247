"""PostGIS tables of a store, generated from the layer registry, and their upgrade.

Every layer table gets, from its :class:`~layers.registry.LayerSpec`:

* a typed geometry column ``geom geometry(MultiPolygon|Point|Geometry, <EPSG>)`` — polygons
  are written through ``ST_Multi``; the SRID is the store's working EPSG, set when the first
  layer is loaded (a new, empty store has ``geometry(MultiPolygon)`` until then);
* ``NOT NULL`` on required columns, ``CHECK`` constraints on coded columns (named
  ``<layer>_<column>_codes_<hash of the code list>``, so a changed code list is seen as a
  pending upgrade) and on list columns with allowed items;
* a GiST index on the geometry;
* every registry column (a column added to the registry later is added by the upgrade).

GDAL and QGIS read the type and SRID from ``geometry_columns``; a row written by them with
another SRID, another geometry type, without a required value or with an unknown code is
refused by the database itself.

:func:`pending` lists what an older store lacks; :func:`upgrade` adds it in the caller's
transaction after :func:`refusals` found nothing that would make it fail (several SRIDs in a
layer, empty required values, unknown codes), so it is all or nothing.
"""

from __future__ import annotations

import zlib
from collections.abc import Iterator
from typing import Any

from layers.registry import LAYERS, Column, LayerSpec
from layers.store.values import stored_columns

PG_TYPES = {"str": "text", "float": "double precision", "int": "bigint", "date": "date",
            "list": "text", "bool": "boolean"}
GEOMETRY_TYPES = {"polygon": "MultiPolygon", "point": "Point", "any": "Geometry"}


def q(name: str) -> str:
    """An SQL identifier in double quotes."""
    return '"' + name.replace('"', '""') + '"'


def _literal(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def constraint_name(spec: LayerSpec, col: Column) -> str:
    """Name of a coded column's CHECK constraint; the hash changes with the code list."""
    digest = zlib.crc32("\x1f".join(col.allowed or ()).encode()) & 0xFFFFFF
    return f"{spec.name}_{col.name}_codes_{digest:06x}"[:63]


def _check_sql(col: Column) -> str:
    codes = ", ".join(_literal(v) for v in col.allowed or ())
    if col.type == "list":
        return (f"{q(col.name)} IS NULL OR string_to_array({q(col.name)}, ',') <@ "
                f"ARRAY[{codes}]::text[]")
    return f"{q(col.name)} IN ({codes})"


def coded_columns(spec: LayerSpec) -> list[Column]:
    """Stored columns with a closed set of allowed values."""
    return [c for c in stored_columns(spec) if c.allowed]


def geometry_type(spec: LayerSpec, epsg: int | None) -> str:
    """``geometry(MultiPolygon, 4546)`` …; without an EPSG code the SRID is left open."""
    kind = GEOMETRY_TYPES[spec.geometry]
    return f"geometry({kind}, {epsg})" if epsg else f"geometry({kind})"


def create_table(spec: LayerSpec, epsg: int | None) -> list[str]:
    """Statements creating a layer's table with its constraints and indexes."""
    cols = [f"{q(c.name)} {PG_TYPES[c.type]}"
            + (" PRIMARY KEY" if c.name == spec.id_column else
               " NOT NULL" if c.required else "")
            for c in stored_columns(spec)]
    cols += [f"CONSTRAINT {q(constraint_name(spec, c))} CHECK ({_check_sql(c)})"
             for c in coded_columns(spec)]
    cols.append("version integer NOT NULL DEFAULT 1")
    if spec.has_geometry:
        cols.append(f"geom {geometry_type(spec, epsg)}")
    statements = [f"CREATE TABLE {q(spec.name)} ({', '.join(cols)})"]
    if spec.has_geometry:
        statements.append(f"CREATE INDEX IF NOT EXISTS {q(spec.name + '_geom')} ON "
                          f"{q(spec.name)} USING gist (geom)")
    return statements


def write_geometry(spec: LayerSpec) -> str:
    """SQL of a geometry parameter pair (WKB, SRID) as written into the layer."""
    raw = "ST_GeomFromWKB(%s, %s)"
    return f"ST_Multi({raw})" if spec.geometry == "polygon" else raw


def column_srid(conn: Any, layer: str) -> int:
    """The SRID declared for a layer's geometry column (0: not declared)."""
    row = conn.execute("SELECT srid FROM geometry_columns WHERE f_table_schema = "
                       "current_schema() AND f_table_name = %s AND f_geometry_column = 'geom'",
                       (layer,)).fetchone()
    return int(row[0]) if row and row[0] else 0


def _column_type(conn: Any, layer: str) -> str:
    row = conn.execute("SELECT type FROM geometry_columns WHERE f_table_schema = "
                       "current_schema() AND f_table_name = %s AND f_geometry_column = 'geom'",
                       (layer,)).fetchone()
    return str(row[0]).upper() if row else ""


def missing_columns(conn: Any, spec: LayerSpec) -> list[str]:
    """Registry columns the layer's table lacks (added by a later InvestMap)."""
    rows = conn.execute("SELECT column_name FROM information_schema.columns WHERE table_schema "
                        "= current_schema() AND table_name = %s", (spec.name,)).fetchall()
    have = {r[0] for r in rows}
    return [c.name for c in stored_columns(spec) if c.name not in have]


def _not_null(conn: Any, layer: str) -> set[str]:
    rows = conn.execute("SELECT column_name FROM information_schema.columns WHERE table_schema "
                        "= current_schema() AND table_name = %s AND is_nullable = 'NO'",
                        (layer,)).fetchall()
    return {r[0] for r in rows}


def _constraints(conn: Any, layer: str) -> set[str]:
    rows = conn.execute("SELECT conname FROM pg_constraint WHERE conrelid = to_regclass(%s)",
                        (q(layer),)).fetchall()
    return {r[0] for r in rows}


def _has_gist(conn: Any, layer: str) -> bool:
    row = conn.execute("SELECT 1 FROM pg_indexes WHERE schemaname = current_schema() AND "
                       "tablename = %s AND indexdef ILIKE '%%USING gist%%'", (layer,)).fetchone()
    return row is not None


def pending(conn: Any, layers: list[str], epsg: int | None) -> list[str]:
    """What the store's tables lack of the structure above (empty: up to date)."""
    todo: list[str] = []
    for name in layers:
        spec = LAYERS[name]
        absent = missing_columns(conn, spec)
        if absent:
            todo.append(f"{name}: no column(s) {', '.join(absent)}")
        if spec.has_geometry:
            kind = GEOMETRY_TYPES[spec.geometry].upper()
            if _column_type(conn, name) != kind or (epsg and column_srid(conn, name) != epsg):
                todo.append(f"{name}.geom: not {geometry_type(spec, epsg)}")
            if not _has_gist(conn, name):
                todo.append(f"{name}: no GiST index")
        required = {c.name for c in stored_columns(spec) if c.required}
        missing = sorted(required - _not_null(conn, name))
        if missing:
            todo.append(f"{name}: no NOT NULL on {', '.join(missing)}")
        have = _constraints(conn, name)
        codes = [c.name for c in coded_columns(spec) if constraint_name(spec, c) not in have]
        if codes:
            todo.append(f"{name}: no CHECK on the codes of {', '.join(codes)}")
    return todo


def store_srids(conn: Any, layers: list[str]) -> dict[str, dict[int, int]]:
    """Layer → SRID → number of rows, for layers with geometries."""
    out: dict[str, dict[int, int]] = {}
    for name in layers:
        if not LAYERS[name].has_geometry:
            continue
        rows = conn.execute(f"SELECT ST_SRID(geom), count(*) FROM {q(name)} WHERE geom IS NOT "
                            "NULL GROUP BY 1 ORDER BY 1").fetchall()
        if rows:
            out[name] = {int(r[0]): int(r[1]) for r in rows}
    return out


def working_epsg(srids: dict[str, dict[int, int]]) -> int | None:
    """The one EPSG code every geometry of the store carries (``None``: none or several)."""
    codes = {code for counts in srids.values() for code in counts if code}
    return codes.pop() if len(codes) == 1 else None


def refusals(conn: Any, layers: list[str], location: str) -> list[str]:
    """Why :func:`upgrade` cannot run (empty: it can): each item names the layer, the
    offending values or ids and the SQL or command that fixes them."""
    srids = store_srids(conn, layers)
    found: list[str] = []
    codes = sorted({code for counts in srids.values() for code in counts})
    if len([c for c in codes if c]) > 1 or (0 in codes and len(codes) > 1):
        shown = "; ".join(f"{name}: " + ", ".join(f"SRID {s} × {n}" for s, n in c.items())
                          for name, c in srids.items())
        target = max(((s, n) for c in srids.values() for s, n in c.items() if s),
                     key=lambda p: p[1], default=(0, 0))[0] or "<EPSG>"
        found.append(
            f"{location}: the geometries carry several SRIDs ({shown}); a typed column holds "
            f"one; fix: bring every row to the working EPSG, e.g. UPDATE <layer> SET geom = "
            f"ST_Transform(geom, {target}) WHERE ST_SRID(geom) NOT IN (0, {target}); and, for "
            f"rows with SRID 0 whose coordinates are already in EPSG:{target}, UPDATE <layer> "
            f"SET geom = ST_SetSRID(geom, {target}) WHERE ST_SRID(geom) = 0; then run "
            "`investmap upgrade-store` again")
    elif codes == [0]:
        found.append(f"{location}: every geometry has SRID 0 (no CRS); fix: UPDATE <layer> SET "
                     "geom = ST_SetSRID(geom, <working EPSG, e.g. 4546>) for each layer, then "
                     "run `investmap upgrade-store` again")
    for name in layers:
        found += list(_row_refusals(conn, LAYERS[name]))
    return found


def _ids(conn: Any, spec: LayerSpec, where: str) -> tuple[int, list[str]]:
    rows = conn.execute(f"SELECT {q(spec.id_column)} FROM {q(spec.name)} WHERE {where} "
                        f"ORDER BY 1 LIMIT 6").fetchall()
    total = conn.execute(f"SELECT count(*) FROM {q(spec.name)} WHERE {where}").fetchone()[0]
    return int(total), [str(r[0]) for r in rows[:5]]


def _row_refusals(conn: Any, spec: LayerSpec) -> Iterator[str]:
    fix = f"fix it with `investmap edit {spec.name} ID --set …` or SQL, then run again"
    absent = set(missing_columns(conn, spec))
    for col in stored_columns(spec):
        if col.name in absent and col.required and \
                conn.execute(f"SELECT 1 FROM {q(spec.name)} LIMIT 1").fetchone():
            yield (f"{spec.name}: the required column {col.name} is missing and the table "
                   f"holds rows; fix: ALTER TABLE {spec.name} ADD COLUMN {col.name} "
                   f"{PG_TYPES[col.type]} and fill it, then run again")
    if spec.geometry == "polygon":
        n, ids = _ids(conn, spec, "geom IS NOT NULL AND GeometryType(geom) NOT IN "
                                  "('POLYGON', 'MULTIPOLYGON')")
        if n:
            yield (f"{spec.name}: {n} row(s) hold no polygon ({spec.id_column} {ids}); "
                   f"{fix}")
    for col in stored_columns(spec):
        if col.name in absent:
            continue
        if col.required and col.name != spec.id_column:
            n, ids = _ids(conn, spec, f"{q(col.name)} IS NULL")
            if n:
                yield (f"{spec.name}: {n} row(s) without the required {col.name} "
                       f"({spec.id_column} {ids}); {fix}")
        if col.allowed:
            n, ids = _ids(conn, spec, f"NOT ({_check_sql(col)})")
            if n:
                yield (f"{spec.name}: {n} row(s) with a {col.name} outside "
                       f"{list(col.allowed)} ({spec.id_column} {ids}); {fix}")


def upgrade(conn: Any, layers: list[str], epsg: int | None) -> None:
    """Add the typed geometry, NOT NULL, CHECK constraints and GiST indexes (call after
    :func:`refusals` returned nothing, inside one transaction)."""
    for name in layers:
        spec = LAYERS[name]
        for column in missing_columns(conn, spec):
            conn.execute(f"ALTER TABLE {q(name)} ADD COLUMN {q(column)} "
                         f"{PG_TYPES[spec.column(column).type]}")
        if spec.has_geometry:
            target = geometry_type(spec, epsg)
            using = "ST_Multi(geom)" if spec.geometry == "polygon" else "geom"
            if epsg:
                using = f"ST_SetSRID({using}, {epsg})"
            conn.execute(f"ALTER TABLE {q(name)} ALTER COLUMN geom TYPE {target} USING {using}")
            conn.execute(f"CREATE INDEX IF NOT EXISTS {q(name + '_geom')} ON {q(name)} USING "
                         "gist (geom)")
        for col in stored_columns(spec):
            if col.required:
                conn.execute(f"ALTER TABLE {q(name)} ALTER COLUMN {q(col.name)} SET NOT NULL")
        have = _constraints(conn, name)
        for col in coded_columns(spec):
            wanted = constraint_name(spec, col)
            stale = [c for c in have if c.startswith(f"{spec.name}_{col.name}_codes_")
                     and c != wanted]
            for old in stale:
                conn.execute(f"ALTER TABLE {q(name)} DROP CONSTRAINT {q(old)}")
            if wanted not in have:
                conn.execute(f"ALTER TABLE {q(name)} ADD CONSTRAINT {q(wanted)} CHECK "
                             f"({_check_sql(col)})")


def type_empty_columns(conn: Any, epsg: int) -> None:
    """Give every geometry column still without an SRID the store's working EPSG (the first
    load of a new store decides it; such columns hold no rows with another SRID)."""
    for spec in LAYERS.values():
        if not spec.has_geometry or column_srid(conn, spec.name) or \
                _column_type(conn, spec.name) != GEOMETRY_TYPES[spec.geometry].upper():
            continue  # typed already, or an older untyped column (`investmap upgrade-store`)
        other = conn.execute(f"SELECT 1 FROM {q(spec.name)} WHERE geom IS NOT NULL AND "
                             "ST_SRID(geom) <> %s LIMIT 1", (epsg,)).fetchone()
        if other is None:
            conn.execute(f"ALTER TABLE {q(spec.name)} ALTER COLUMN geom TYPE "
                         f"{geometry_type(spec, epsg)} USING ST_SetSRID(geom, {epsg})")

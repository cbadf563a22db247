"""GeoPackage structure of a store, generated from the layer registry (OGC GeoPackage 1.3).

Everything a GeoPackage client (GDAL ``ogrinfo``/``ogr2ogr``, QGIS, GDAL's
``validate_gpkg.py``) expects of a feature table, for every layer the store creates:

* ``gpkg_spatial_ref_sys`` with the three mandatory rows (-1, 0 and EPSG:4326, Req 11) and the
  layer's own EPSG row;
* the geometry type declared from the registry — ``MULTIPOLYGON`` for polygon layers (every
  polygon is written as a MultiPolygon, Req 32), ``POINT``, ``GEOMETRY`` for mixed layers;
* an R-tree spatial index (``rtree_<table>_geom``) with the GeoPackage 1.3 triggers and its
  ``gpkg_extensions`` row;
* ``DATE`` columns holding ``YYYY-MM-DD`` text (GeoPackage §1.1.1.1.1);
* an extent in ``gpkg_contents`` widened by every write in the same transaction
  (:func:`widen_extent`);
* the version stamp ``user_version = 10300`` (1.3: GDAL before 3.7 and older QGIS warn on 1.4).

:func:`upgrade_file` brings a file written by an older InvestMap (or by GDAL for the demo)
to this structure in one transaction.
"""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Callable, Iterable

import shapely
from pyproj import CRS

from layers.registry import LAYERS, LayerSpec
from layers.store.values import gpkg_blob, gpkg_wkb, stored_columns

APPLICATION_ID = 0x47504B47
"""``PRAGMA application_id`` of a GeoPackage ("GPKG")."""
USER_VERSION = 10300
"""GeoPackage 1.3.0: read by every GDAL ≥ 2.2 and QGIS 3 without a warning."""

SQL_TYPES = {"str": "TEXT", "float": "REAL", "int": "INTEGER", "date": "DATE",
             "list": "TEXT", "bool": "BOOLEAN"}
GEOMETRY_TYPES = {"polygon": "MULTIPOLYGON", "point": "POINT", "any": "GEOMETRY"}
GEOMETRY_COLUMN = "geom"

_WGS84 = ("WGS 84 geodetic", 4326, "EPSG", 4326,
          'GEOGCS["WGS 84",DATUM["WGS_1984",SPHEROID["WGS 84",6378137,298.257223563,'
          'AUTHORITY["EPSG","7030"]],AUTHORITY["EPSG","6326"]],PRIMEM["Greenwich",0,'
          'AUTHORITY["EPSG","8901"]],UNIT["degree",0.0174532925199433,AUTHORITY["EPSG",'
          '"9122"]],AXIS["Latitude",NORTH],AXIS["Longitude",EAST],AUTHORITY["EPSG","4326"]]',
          "longitude/latitude coordinates in decimal degrees on the WGS 84 spheroid")

BASE_DDL = (
    "CREATE TABLE IF NOT EXISTS gpkg_spatial_ref_sys (srs_name TEXT NOT NULL, srs_id INTEGER "
    "NOT NULL PRIMARY KEY, organization TEXT NOT NULL, organization_coordsys_id INTEGER NOT "
    "NULL, definition TEXT NOT NULL, description TEXT)",
    "CREATE TABLE IF NOT EXISTS gpkg_contents (table_name TEXT NOT NULL PRIMARY KEY, data_type "
    "TEXT NOT NULL, identifier TEXT UNIQUE, description TEXT DEFAULT '', last_change DATETIME "
    "NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')), min_x DOUBLE, min_y DOUBLE, "
    "max_x DOUBLE, max_y DOUBLE, srs_id INTEGER, CONSTRAINT fk_gc_r_srs_id FOREIGN KEY "
    "(srs_id) REFERENCES gpkg_spatial_ref_sys(srs_id))",
    "CREATE TABLE IF NOT EXISTS gpkg_geometry_columns (table_name TEXT NOT NULL, column_name "
    "TEXT NOT NULL, geometry_type_name TEXT NOT NULL, srs_id INTEGER NOT NULL, z TINYINT NOT "
    "NULL, m TINYINT NOT NULL, CONSTRAINT pk_geom_cols PRIMARY KEY (table_name, column_name), "
    "CONSTRAINT uk_gc_table_name UNIQUE (table_name), CONSTRAINT fk_gc_tn FOREIGN KEY "
    "(table_name) REFERENCES gpkg_contents(table_name), CONSTRAINT fk_gc_srs FOREIGN KEY "
    "(srs_id) REFERENCES gpkg_spatial_ref_sys (srs_id))",
    "CREATE TABLE IF NOT EXISTS gpkg_extensions (table_name TEXT, column_name TEXT, "
    "extension_name TEXT NOT NULL, definition TEXT NOT NULL, scope TEXT NOT NULL, CONSTRAINT "
    "ge_tce UNIQUE (table_name, column_name, extension_name))",
)
_SRS_ROWS = (
    ("Undefined cartesian SRS", -1, "NONE", -1, "undefined",
     "undefined cartesian coordinate reference system"),
    ("Undefined geographic SRS", 0, "NONE", 0, "undefined",
     "undefined geographic coordinate reference system"),
    _WGS84,
)
_NOW = "strftime('%Y-%m-%dT%H:%M:%fZ','now')"


def q(name: str) -> str:
    """An SQL identifier in double quotes."""
    return '"' + name.replace('"', '""') + '"'


def create_base(conn: sqlite3.Connection) -> None:
    """Stamp an empty SQLite file as a GeoPackage 1.3 and create its core tables and rows."""
    conn.execute(f"PRAGMA application_id = {APPLICATION_ID}")
    conn.execute(f"PRAGMA user_version = {USER_VERSION}")
    for statement in BASE_DDL:
        conn.execute(statement)
    ensure_srs_rows(conn)


def ensure_srs_rows(conn: sqlite3.Connection) -> None:
    """Insert the mandatory ``gpkg_spatial_ref_sys`` rows that are missing (Req 11)."""
    conn.executemany("INSERT OR IGNORE INTO gpkg_spatial_ref_sys VALUES (?, ?, ?, ?, ?, ?)",
                     _SRS_ROWS)


def srs_id(conn: sqlite3.Connection, epsg: int | None) -> int:
    """The ``srs_id`` of an EPSG code, adding its row when missing (-1 for unknown)."""
    if epsg is None:
        return -1
    row = conn.execute("SELECT srs_id FROM gpkg_spatial_ref_sys WHERE organization = 'EPSG' "
                       "AND organization_coordsys_id = ?", (epsg,)).fetchone()
    if row is not None:
        return int(row[0])
    crs = CRS.from_epsg(epsg)
    conn.execute("INSERT INTO gpkg_spatial_ref_sys VALUES (?, ?, 'EPSG', ?, ?, NULL)",
                 (crs.name, epsg, epsg, crs.to_wkt("WKT1_GDAL")))
    return epsg


def column_ddl(spec: LayerSpec) -> list[str]:
    """Column definitions of a layer's attributes: registry type, ``NOT NULL`` when required."""
    return [f"{q(c.name)} {SQL_TYPES[c.type]}" + (" NOT NULL" if c.required else "")
            for c in stored_columns(spec)]


def create_layer(conn: sqlite3.Connection, spec: LayerSpec, epsg: int | None) -> None:
    """Create a layer's table, its ``gpkg_contents``/``gpkg_geometry_columns`` rows, its
    R-tree and the unique id index."""
    geom = (f"{q(GEOMETRY_COLUMN)} {GEOMETRY_TYPES[spec.geometry]}, "
            if spec.has_geometry else "")
    conn.execute(f"CREATE TABLE {q(spec.name)} (fid INTEGER PRIMARY KEY AUTOINCREMENT NOT "
                 f"NULL, {geom}{', '.join(column_ddl(spec))}, version INTEGER NOT NULL "
                 "DEFAULT 1)")
    srs = srs_id(conn, epsg) if spec.has_geometry else None
    kind = "features" if spec.has_geometry else "attributes"
    conn.execute("INSERT INTO gpkg_contents (table_name, data_type, identifier, srs_id) "
                 "VALUES (?, ?, ?, ?)", (spec.name, kind, spec.name, srs))
    if spec.has_geometry:
        conn.execute("INSERT INTO gpkg_geometry_columns VALUES (?, ?, ?, ?, 0, 0)",
                     (spec.name, GEOMETRY_COLUMN, GEOMETRY_TYPES[spec.geometry], srs))
        ensure_rtree(conn, spec.name)


def rtree_name(table: str) -> str:
    """The R-tree table of a layer's geometry column."""
    return f"rtree_{table}_{GEOMETRY_COLUMN}"


def _rtree_triggers(table: str) -> dict[str, str]:
    """The six GeoPackage 1.3 R-tree triggers (§F.3), as GDAL writes them."""
    t, g, r = q(table), q(GEOMETRY_COLUMN), q(rtree_name(table))
    values = (f'VALUES (NEW."fid",ST_MinX(NEW.{g}), ST_MaxX(NEW.{g}),ST_MinY(NEW.{g}), '
              f"ST_MaxY(NEW.{g}))")
    present = f"(NEW.{g} NOTNULL AND NOT ST_IsEmpty(NEW.{g}))"
    absent = f"(NEW.{g} ISNULL OR ST_IsEmpty(NEW.{g}))"
    name = rtree_name(table)
    return {
        f"{name}_insert": f"AFTER INSERT ON {t} WHEN (new.{g} NOT NULL AND NOT "
                          f"ST_IsEmpty(NEW.{g})) BEGIN INSERT OR REPLACE INTO {r} {values}; END",
        f"{name}_update1": f'AFTER UPDATE OF {g} ON {t} WHEN OLD."fid" = NEW."fid" AND '
                           f"{present} BEGIN INSERT OR REPLACE INTO {r} {values}; END",
        f"{name}_update2": f'AFTER UPDATE OF {g} ON {t} WHEN OLD."fid" = NEW."fid" AND '
                           f'{absent} BEGIN DELETE FROM {r} WHERE id = OLD."fid"; END',
        f"{name}_update3": f'AFTER UPDATE ON {t} WHEN OLD."fid" != NEW."fid" AND {present} '
                           f'BEGIN DELETE FROM {r} WHERE id = OLD."fid"; INSERT OR REPLACE '
                           f"INTO {r} {values}; END",
        f"{name}_update4": f'AFTER UPDATE ON {t} WHEN OLD."fid" != NEW."fid" AND {absent} '
                           f'BEGIN DELETE FROM {r} WHERE id IN (OLD."fid", NEW."fid"); END',
        f"{name}_delete": f"AFTER DELETE ON {t} WHEN old.{g} NOT NULL BEGIN DELETE FROM {r} "
                          f'WHERE id = OLD."fid"; END',
    }


def _names(conn: sqlite3.Connection, kind: str) -> set[str]:
    return {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = ?",
                                       (kind,))}


def ensure_rtree(conn: sqlite3.Connection, table: str) -> bool:
    """Give a feature table the 1.3 R-tree and triggers (filled from its rows) when it lacks
    them; GeoPackage 1.4 triggers (``update5``–``update7``, which GDAL < 3.7 and its validator
    reject) are replaced. True when something was changed."""
    triggers = _triggers_on(conn, table)
    wanted = _rtree_triggers(table)
    rtree = rtree_name(table)
    changed = False
    if rtree not in _names(conn, "table"):
        conn.execute(f"CREATE VIRTUAL TABLE {q(rtree)} USING rtree(id, minx, maxx, miny, maxy)")
        conn.execute(f"INSERT INTO {q(rtree)} SELECT fid, ST_MinX({q(GEOMETRY_COLUMN)}), "
                     f"ST_MaxX({q(GEOMETRY_COLUMN)}), ST_MinY({q(GEOMETRY_COLUMN)}), "
                     f"ST_MaxY({q(GEOMETRY_COLUMN)}) FROM {q(table)} WHERE "
                     f"{q(GEOMETRY_COLUMN)} NOT NULL AND NOT ST_IsEmpty({q(GEOMETRY_COLUMN)})")
        changed = True
    for name in sorted(triggers):
        if name.startswith(f"{rtree}_") and name not in wanted:
            conn.execute(f"DROP TRIGGER {q(name)}")
            changed = True
    for name, body in wanted.items():
        if name not in triggers:
            conn.execute(f"CREATE TRIGGER {q(name)} {body}")
            changed = True
    conn.execute("INSERT OR IGNORE INTO gpkg_extensions VALUES (?, ?, 'gpkg_rtree_index', "
                 "'http://www.geopackage.org/spec120/#extension_rtree', 'write-only')",
                 (table, GEOMETRY_COLUMN))
    return changed


def _triggers_on(conn: sqlite3.Connection, table: str) -> set[str]:
    return {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'trigger' "
                                       "AND tbl_name = ?", (table,))}


def widen_extent(conn: sqlite3.Connection, table: str,
                 bounds: Iterable[tuple[float, float, float, float]]) -> None:
    """Widen a layer's ``gpkg_contents`` extent to cover ``bounds`` (minx, miny, maxx, maxy)
    and stamp ``last_change``; call it inside the write transaction that wrote them."""
    boxes = list(bounds)
    if not boxes:
        conn.execute(f"UPDATE gpkg_contents SET last_change = {_NOW} WHERE table_name = ?",
                     (table,))
        return
    minx = min(b[0] for b in boxes)
    miny = min(b[1] for b in boxes)
    maxx = max(b[2] for b in boxes)
    maxy = max(b[3] for b in boxes)
    conn.execute(
        "UPDATE gpkg_contents SET min_x = min(coalesce(min_x, :a), :a), min_y = "
        "min(coalesce(min_y, :b), :b), max_x = max(coalesce(max_x, :c), :c), max_y = "
        f"max(coalesce(max_y, :d), :d), last_change = {_NOW} WHERE table_name = :t",
        {"a": minx, "b": miny, "c": maxx, "d": maxy, "t": table})


def reset_extent(conn: sqlite3.Connection, table: str) -> None:
    """Recompute a layer's extent from its rows (``NULL`` when it holds no geometry)."""
    g = q(GEOMETRY_COLUMN)
    conn.execute(
        f"UPDATE gpkg_contents SET (min_x, min_y, max_x, max_y) = (SELECT min(ST_MinX({g})), "
        f"min(ST_MinY({g})), max(ST_MaxX({g})), max(ST_MaxY({g})) FROM {q(table)} WHERE {g} "
        f"NOT NULL AND NOT ST_IsEmpty({g})), last_change = {_NOW} WHERE table_name = ?",
        (table,))


MULTI_FUNCTION = "investmap_st_multi"
"""SQL name of :func:`multi_blob`, registered on every store connection."""


def multi_blob(blob: bytes | None, srs: int) -> bytes | None:
    """A GeoPackage polygon blob as a MultiPolygon blob (other geometries unchanged)."""
    wkb = gpkg_wkb(blob)
    if wkb is None:
        return None
    geom = shapely.from_wkb(wkb)
    if geom.geom_type != "Polygon":
        return blob
    return gpkg_blob(bytes(shapely.to_wkb(shapely.MultiPolygon([geom]), byte_order=1,
                                          output_dimension=2)), srs)


def layer_problems(conn: sqlite3.Connection, spec: LayerSpec) -> list[str]:
    """What keeps an existing layer from the structure above (empty: conformant)."""
    problems: list[str] = []
    if not spec.has_geometry:
        return _date_problems(conn, spec) + _not_null_problems(conn, spec)
    row = conn.execute("SELECT geometry_type_name FROM gpkg_geometry_columns WHERE "
                       "table_name = ?", (spec.name,)).fetchone()
    if row is not None and str(row[0]).upper() != GEOMETRY_TYPES[spec.geometry]:
        problems.append(f"{spec.name}: declared {row[0]}, not {GEOMETRY_TYPES[spec.geometry]}")
    triggers = _triggers_on(conn, spec.name)
    if (rtree_name(spec.name) not in _names(conn, "table")
            or set(_rtree_triggers(spec.name)) - triggers
            or any(t.startswith(rtree_name(spec.name) + "_update") and t not in
                   _rtree_triggers(spec.name) for t in triggers)):
        problems.append(f"{spec.name}: no GeoPackage 1.3 R-tree spatial index")
    extent = conn.execute("SELECT min_x FROM gpkg_contents WHERE table_name = ?",
                          (spec.name,)).fetchone()
    filled = conn.execute(f"SELECT 1 FROM {q(spec.name)} WHERE {q(GEOMETRY_COLUMN)} NOT NULL "
                          "LIMIT 1").fetchone()
    if extent is not None and extent[0] is None and filled is not None:
        problems.append(f"{spec.name}: no extent in gpkg_contents")
    return problems + _date_problems(conn, spec) + _not_null_problems(conn, spec)


def nullable_required(conn: sqlite3.Connection, spec: LayerSpec) -> list[str]:
    """Required columns of an older table declared without ``NOT NULL`` and holding no NULL,
    so the constraint can be declared (columns with NULLs are left to the validator, whose
    message names the rows)."""
    info = {r[1]: not r[3] and bool(r[2]) for r in
            conn.execute(f"PRAGMA table_info({q(spec.name)})")}  # nullable, with a type
    return [c.name for c in stored_columns(spec)
            if c.required and info.get(c.name)
            and conn.execute(f"SELECT 1 FROM {q(spec.name)} WHERE {q(c.name)} IS NULL "
                             "LIMIT 1").fetchone() is None]


def _not_null_problems(conn: sqlite3.Connection, spec: LayerSpec) -> list[str]:
    columns = nullable_required(conn, spec)
    return [f"{spec.name}: no NOT NULL on {', '.join(columns)}"] if columns else []


def declare_type(conn: sqlite3.Connection, table: str, column: str, new_type: str) -> None:
    """Change a column's declared type in the table's SQL, for types of the same SQLite
    affinity (``POLYGON`` → ``MULTIPOLYGON``, ``DATETIME`` → ``DATE``: all NUMERIC; ``TEXT``
    → ``TEXT NOT NULL`` on a column holding no NULL), which leaves every stored byte as it
    is — SQLite's documented procedure for schema changes that do not affect the on-disk
    content (sqlite.org/lang_altertable.html §7)."""
    sql = conn.execute("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = ?",
                       (table,)).fetchone()[0]
    pattern = re.compile(r'((?:^|[(,])\s*(?:"' + re.escape(column.replace('"', '""'))
                         + r'"|' + re.escape(column) + r")\s+)([A-Za-z]+)")
    changed, count = pattern.subn(lambda m: m.group(1) + new_type, sql, count=1)
    if count != 1 or changed == sql:
        return
    version = conn.execute("PRAGMA schema_version").fetchone()[0]
    conn.execute("PRAGMA writable_schema = ON")
    try:
        conn.execute("UPDATE sqlite_master SET sql = ? WHERE type = 'table' AND name = ?",
                     (changed, table))
        conn.execute(f"PRAGMA schema_version = {int(version) + 1}")
    finally:
        conn.execute("PRAGMA writable_schema = OFF")


def _datetime_dates(conn: sqlite3.Connection, spec: LayerSpec) -> list[str]:
    """Date columns of an older file declared ``DATETIME`` (new tables declare ``DATE``)."""
    declared = {r[1]: str(r[2]).upper() for r in
                conn.execute(f"PRAGMA table_info({q(spec.name)})")}
    return [c.name for c in stored_columns(spec)
            if c.type == "date" and declared.get(c.name) == "DATETIME"]


def _date_problems(conn: sqlite3.Connection, spec: LayerSpec) -> list[str]:
    return [f"{spec.name}.{name}: a date declared DATETIME, not DATE"
            for name in _datetime_dates(conn, spec)]


def file_problems(conn: sqlite3.Connection, layers: Iterable[str]) -> list[str]:
    """What keeps a whole file from the structure above (empty: conformant)."""
    problems: list[str] = []
    version = conn.execute("PRAGMA user_version").fetchone()[0]
    if version != USER_VERSION:
        problems.append(f"GeoPackage version stamp {version}, not {USER_VERSION}")
    have = {r[0] for r in conn.execute("SELECT srs_id FROM gpkg_spatial_ref_sys")}
    if not {-1, 0, 4326} <= have:
        problems.append("gpkg_spatial_ref_sys lacks a mandatory row (-1, 0 or EPSG:4326)")
    if "gpkg_extensions" not in _names(conn, "table"):
        problems.append("no gpkg_extensions table")
    for name in layers:
        if "gpkg_extensions" in _names(conn, "table"):
            problems += layer_problems(conn, LAYERS[name])
    return problems


def upgrade_file(conn: sqlite3.Connection, layers: Iterable[str],
                 srs_of: Callable[[str], int]) -> list[str]:
    """Bring the file to the structure above inside the caller's write transaction; returns
    what was changed (for the audit log). Polygon blobs become MultiPolygons."""
    done = file_problems(conn, layers)
    if not done:
        return []
    conn.execute(f"PRAGMA user_version = {USER_VERSION}")
    for statement in BASE_DDL:
        conn.execute(statement)
    ensure_srs_rows(conn)
    for name in layers:
        spec = LAYERS[name]
        for column in _datetime_dates(conn, spec):
            conn.execute(f"UPDATE {q(name)} SET {q(column)} = substr({q(column)}, 1, 10) "
                         f"WHERE {q(column)} NOT NULL")
            declare_type(conn, name, column, "DATE")
        types = {r[1]: str(r[2]) for r in conn.execute(f"PRAGMA table_info({q(name)})")}
        for column in nullable_required(conn, spec):
            declare_type(conn, name, column, f"{types[column]} NOT NULL")
        if not spec.has_geometry:
            continue
        declared = GEOMETRY_TYPES[spec.geometry]
        if spec.geometry == "polygon":
            conn.execute(f"UPDATE {q(name)} SET {q(GEOMETRY_COLUMN)} = {MULTI_FUNCTION}("
                         f"{q(GEOMETRY_COLUMN)}, ?) WHERE {q(GEOMETRY_COLUMN)} NOT NULL",
                         (srs_of(name),))
        conn.execute("UPDATE gpkg_geometry_columns SET geometry_type_name = ? WHERE "
                     "table_name = ?", (declared, name))
        declare_type(conn, name, GEOMETRY_COLUMN, declared)
        ensure_rtree(conn, name)
        reset_extent(conn, name)
    return done

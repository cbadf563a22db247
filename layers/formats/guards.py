"""Guards every reader shares against broken and hostile files (issue 13).

Small checks called at the readers' entry points, so that a broken file gives a
:class:`layers.formats.base.ReadError` naming the file, the line or feature and the fix — never a
traceback, never an unbounded loop or allocation:

* :func:`check_path` — missing, a folder, or 0 bytes;
* :func:`parse_crs_option` — ``--crs foo``;
* :func:`finite_number` — NaN/Inf/1e400 in coordinate text;
* :func:`check_magnitude` and :func:`arc_segment_count` — absurd coordinates and radii are
  refused *before* anything is densified, and an arc never has more than
  :data:`MAX_ARC_SEGMENTS` chords (a 15 KB DXF with a bulge of 1e12 once asked for 8 GB);
* :func:`unique_headers` — a header named twice (two 经度 columns);
* :func:`check_geopackage_intact` — a damaged GeoPackage is refused, not read partially;
* :func:`reader_failures` — the last line of defence: library errors escaping a reader
  (pyogrio, pyarrow, openpyxl, zipfile, sqlite3 …) become a ReadError naming the file.
"""

from __future__ import annotations

import functools
import math
import sqlite3
import zipfile
import zlib
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from xml.etree import ElementTree
from xml.parsers import expat

import shapely.errors
from pyproj import CRS
from pyproj.exceptions import CRSError

from geo.errors import DataError
from layers.formats.base import ReadError

MAX_COORDINATE = 1e9
"""Largest |coordinate| or radius a drawing or coordinate file may hold (metres or degrees);
prefixed Gauss–Krüger eastings are about 4.5e7."""
MAX_ARC_SEGMENTS = 3600
"""Most chords one arc or circle is split into, whatever its size and the deviation asked."""


class GuardError(DataError):
    """A value refused by a guard; the reader adds the file and the feature."""


DATASET_SUFFIXES = (".parquet", ".geoparquet")
"""Suffixes of folders that hold a partitioned dataset rather than one file."""


def check_path(path: Path) -> None:
    """Refuse a folder or an empty file before any reader opens it (a folder named
    ``*.parquet`` is a partitioned GeoParquet dataset, which the Parquet reader opens)."""
    if path.is_dir() and path.suffix.lower() in DATASET_SUFFIXES:
        if not any(path.rglob("*.parquet")):
            raise ReadError(f"{path}: a Parquet dataset folder without any .parquet part; "
                            "fix: write the dataset again (investmap demo --format parquet)")
        return
    if path.is_dir():
        raise ReadError(f"{path}: is a folder, not a file; fix: pass the file inside it (for a "
                        "shapefile, the .shp file)")
    if path.stat().st_size == 0:
        raise ReadError(f"{path}: empty file (0 bytes); fix: export or copy it again")


def parse_crs_option(value: Any, *, source: str) -> CRS | None:
    """``--crs`` as a pyproj CRS (``None`` stays ``None``)."""
    if value is None or isinstance(value, CRS):
        return value
    try:
        return CRS.from_user_input(value)
    except (CRSError, TypeError, ValueError) as exc:
        raise ReadError(f"{source}: --crs {value!r} is not a coordinate reference system "
                        f"({exc}); fix: pass an EPSG code such as EPSG:4490 (CGCS2000 lon/lat) "
                        "or EPSG:4549 (CGCS2000 3° zone 40)") from None


def finite_number(text: str) -> float | None:
    """``float(text)`` when it is a finite number, else ``None`` (NaN, Inf, 1e400, words)."""
    try:
        value = float(text)
    except (TypeError, ValueError):
        return None
    return value if math.isfinite(value) else None


def check_magnitude(values: Sequence[float], *, what: str) -> None:
    """Raise :class:`GuardError` when a value is not finite or beyond :data:`MAX_COORDINATE`."""
    for value in values:
        if not math.isfinite(value):
            raise GuardError(f"{what}: {value} is not a finite number")
        if abs(value) > MAX_COORDINATE:
            raise GuardError(f"{what}: {value:.6g} is beyond ±{MAX_COORDINATE:.0e}")


def arc_segment_count(radius: float, sweep: float, deviation: float) -> int:
    """Chords for an arc of ``radius`` and ``sweep`` (radians) straying at most ``deviation``
    from it, capped at :data:`MAX_ARC_SEGMENTS` (then the deviation is larger than asked)."""
    check_magnitude([radius, sweep], what="arc radius/angle")
    step = (math.pi / 2 if radius <= deviation
            else 2 * math.acos(max(-1.0, 1 - deviation / radius)))
    if step <= 0:
        return MAX_ARC_SEGMENTS
    return min(MAX_ARC_SEGMENTS, max(2, math.ceil(abs(sweep) / step)))


def unique_headers(columns: Sequence[object], *, source: str) -> None:
    """Refuse a table whose header names a column twice (which column would count?)."""
    seen: dict[str, int] = {}
    for i, name in enumerate(columns, start=1):
        key = str(name).strip().lower()
        if key in seen:
            raise ReadError(f"{source}: column {str(name).strip()!r} appears twice (columns "
                            f"{seen[key]} and {i}); fix: delete or rename one of them")
        seen[key] = i


def check_geopackage_intact(path: Path) -> None:
    """Refuse a damaged GeoPackage before GDAL reads it: GDAL reads a table until the
    damaged page and stops without an error, so a partial layer would look complete.

    SQLite's ``PRAGMA quick_check`` (every page read once; ~10 ms for the 1.3 MB demo) runs
    once per file state (path, size and modification time of the file and its -wal).
    """
    wal = path.with_name(path.name + "-wal")
    stat = path.stat()
    wal_state = (wal.stat().st_size, wal.stat().st_mtime_ns) if wal.exists() else None
    _quick_check(str(path.resolve()), stat.st_size, stat.st_mtime_ns, wal_state)


@functools.lru_cache(maxsize=32)
def _quick_check(path: str, size: int, mtime_ns: int, wal: tuple[int, int] | None) -> None:
    del size, mtime_ns, wal  # cache key only
    uri = Path(path).as_uri()
    try:
        conn = sqlite3.connect(f"{uri}?mode=ro", uri=True)
    except sqlite3.Error:
        return  # unopenable: the reader itself reports it
    try:
        rows = conn.execute("PRAGMA quick_check(5)").fetchall()
    except sqlite3.DatabaseError as exc:
        if "malformed" not in str(exc):
            return  # not an SQLite file, locked, read-only folder …: the reader reports it
        rows = [(str(exc),)]
    finally:
        conn.close()
    if rows and rows[0][0] != "ok":
        found = "; ".join(str(r[0]) for r in rows)[:300]
        raise ReadError(f"{path}: the GeoPackage is damaged (SQLite quick_check: {found}); "
                        "nothing was read; fix: restore the last good copy or backup "
                        "(`investmap restore FILE` for a store), or recover what is readable "
                        "with `sqlite3 damaged.gpkg .recover | sqlite3 recovered.gpkg`")


LIBRARY_ERRORS: tuple[type[BaseException], ...] = (
    OSError, ValueError, KeyError, IndexError, TypeError, ZeroDivisionError, OverflowError,
    UnicodeError, zipfile.BadZipFile, sqlite3.Error, MemoryError, RuntimeError,
    shapely.errors.ShapelyError, StopIteration, EOFError, AssertionError, AttributeError,
    zlib.error, ElementTree.ParseError, expat.ExpatError,
)
"""Errors a third-party reader raises on a broken file (pyogrio's DataSourceError is a
RuntimeError; pyarrow's ArrowInvalid and pandas' EmptyDataError are ValueErrors; a workbook
whose XML declares entities — XXE, "billion laughs" — fails in expat with a ParseError)."""


@contextmanager
def reader_failures(path: Path) -> Iterator[None]:
    """Turn an unexpected library error inside a reader into a ReadError naming the file."""
    try:
        yield
    except ReadError:
        raise
    except LIBRARY_ERRORS as exc:
        reason = str(exc).strip().splitlines()[0][:300] if str(exc).strip() else ""
        raise ReadError(f"{path}: cannot read this file ({type(exc).__name__}"
                        + (f": {reason}" if reason else "") + "); fix: check that the file is "
                        f"complete and really a {path.suffix or 'known'} file — export or copy "
                        "it again") from None

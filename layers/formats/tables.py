"""CSV and Excel (.xlsx) project/park lists with lon/lat picked on Gaode, Baidu or by GPS.

Headers are recognised through :data:`LON_HEADERS`, :data:`LAT_HEADERS` and
:data:`COORDS_HEADERS` (the other Chinese headers — 名称, 投资额(万元) … — map through the
registry aliases in :mod:`layers.registry`). A title row above the header is skipped: the header
is the first of the top rows holding both a longitude and a latitude header.

The coordinate system of each row comes from its 坐标系 column, else from ``--coords``
(:data:`COORDS_VALUES` lists the accepted spellings). GCJ-02 and BD-09 are converted to WGS84
on import (shared/domain.md §6) and never stored shifted; WGS84 and CGCS2000 are taken as
equal (they differ by centimetres) and the frame is returned in EPSG:4490.
Lists without lon/lat columns fall back to :func:`layers.io.points_from_columns` (WKT, x/y).
"""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Sequence
from pathlib import Path
from xml.etree import ElementTree
from xml.parsers import expat

import geopandas as gpd
import numpy as np
import pandas as pd

from geo.chinacoords import bd09_to_wgs84, gcj02_to_wgs84
from layers.formats.base import RawFrame, ReadError, ReadOptions, points_from_columns
from layers.formats.guards import unique_headers
from layers.formats.textcodec import EncodingError, decode_text

LON_HEADERS = ("经度", "东经", "经度(°)", "lon", "lng", "long", "longitude")
LAT_HEADERS = ("纬度", "北纬", "纬度(°)", "lat", "latitude")
COORDS_HEADERS = ("坐标系", "坐标系统", "坐标类型", "coords", "coordinate_system")
COORDS_VALUES: dict[str, tuple[str, ...]] = {
    "wgs84": ("wgs84", "wgs-84", "wgs_84", "gps", "4326", "epsg:4326"),
    "cgcs2000": ("cgcs2000", "cgcs", "2000", "国家2000", "2000国家大地坐标系", "4490",
                 "epsg:4490", "天地图"),
    "gcj02": ("gcj02", "gcj-02", "gcj", "高德", "腾讯", "火星", "amap", "gaode"),
    "bd09": ("bd09", "bd-09", "bd09ll", "百度", "baidu"),
}
"""Canonical coordinate system → spellings accepted in the column or ``--coords``."""
HEADER_SCAN_ROWS = 10
LONLAT_CRS = 4490


def coords_key(value: object) -> str | None:
    """Canonical key (wgs84, cgcs2000, gcj02, bd09) of a spelling, ``None`` if unknown."""
    text = str(value).strip().lower().replace(" ", "")
    for key, spellings in COORDS_VALUES.items():
        if text in spellings:
            return key
    for key, spellings in COORDS_VALUES.items():
        if any(s in text for s in spellings if not s.isascii()):
            return key
    return None


def _find(columns: Sequence[object], names: Sequence[str]) -> int | None:
    lowered = [str(c).strip().lower() for c in columns]
    for name in names:
        if name in lowered:
            return lowered.index(name)
    return None


def _header_row(raw: pd.DataFrame) -> int | None:
    for i in range(min(HEADER_SCAN_ROWS, len(raw))):
        cells = raw.iloc[i].tolist()
        if _find(cells, LON_HEADERS) is not None and _find(cells, LAT_HEADERS) is not None:
            return i
    return None


def _blank(value: object) -> bool:
    return value is None or (isinstance(value, float) and np.isnan(value)) or \
        str(value).strip() == ""


def lonlat_frame(raw: pd.DataFrame, *, source: str, labels: list[str],
                 coords: str | None) -> tuple[gpd.GeoDataFrame, list[tuple[str, str]]]:
    """Turn a table with a header row into points in EPSG:4490 (WGS84 ≈ CGCS2000).

    Parameters
    ----------
    raw : the table with its real header as columns.
    source : file name for messages.
    labels : how to name each row ("line 3", "sheet 项目 row 3").
    coords : the ``--coords`` option (used for rows whose 坐标系 cell is blank).

    Raises
    ------
    layers.io.ReadError
        Non-numeric or out-of-range coordinates, swapped lon/lat, unknown coordinate system;
        every offending row is named.
    """
    columns = list(raw.columns)
    lon_col = columns[_find(columns, LON_HEADERS)]  # type: ignore[index]
    lat_col = columns[_find(columns, LAT_HEADERS)]  # type: ignore[index]
    crs_index = _find(columns, COORDS_HEADERS)
    crs_col = columns[crs_index] if crs_index is not None else None
    default = coords_key(coords) if coords else None
    if coords and default is None:
        raise ReadError(f"{source}: --coords {coords!r} is unknown; fix: use one of "
                        f"{list(COORDS_VALUES)}")
    warnings: list[tuple[str, str]] = []
    problems: list[str] = []
    lon = pd.to_numeric(raw[lon_col].map(lambda v: None if _blank(v) else v), errors="coerce")
    lat = pd.to_numeric(raw[lat_col].map(lambda v: None if _blank(v) else v), errors="coerce")
    keys: list[str | None] = []
    for i, (x, y) in enumerate(zip(lon, lat, strict=True)):
        given_x, given_y = raw[lon_col].iloc[i], raw[lat_col].iloc[i]
        if np.isnan(x) != _blank(given_x) or np.isnan(y) != _blank(given_y):
            problems.append(f"{labels[i]}: {lon_col}/{lat_col} {given_x!r}, {given_y!r} is not "
                            "a number; fix: write decimal degrees such as 110.95, 38.92")
        elif 0 < x <= 56 and 72 <= y <= 138:
            problems.append(f"{labels[i]}: {lon_col}={x} looks like a latitude and "
                            f"{lat_col}={y} like a longitude; fix: swap the two columns")
        elif not np.isnan(x) and (abs(x) > 180 or abs(y) > 90):
            problems.append(f"{labels[i]}: {x}, {y} are not degrees; fix: write lon/lat in "
                            "decimal degrees (projected x/y go in x/y columns with --crs)")
        cell = raw[crs_col].iloc[i] if crs_col is not None else None
        key = default if _blank(cell) else coords_key(cell)
        if key is None and not _blank(cell):
            problems.append(f"{labels[i]}: {crs_col} {cell!r} is unknown; fix: write one of "
                            f"{list(COORDS_VALUES)} (or 高德/百度)")
        keys.append(key)
    if problems:
        raise ReadError(f"{source}:\n  " + "\n  ".join(problems[:10])
                        + (f"\n  … and {len(problems) - 10} more" if len(problems) > 10 else ""))
    key_arr = np.array([k or "wgs84" for k in keys])
    if any(k is None for k in keys):
        warnings.append(("no coordinate system given for some rows; WGS84 assumed",
                         "add a 坐标系 column or pass --coords (gcj02 for Gaode pickers, bd09 "
                         "for Baidu) — a wrong guess puts points 300–700 m off"))
    x = lon.to_numpy(dtype="float64", copy=True)
    y = lat.to_numpy(dtype="float64", copy=True)
    for key, func in (("gcj02", gcj02_to_wgs84), ("bd09", bd09_to_wgs84)):
        mask = (key_arr == key) & ~np.isnan(x)
        if mask.any():
            x[mask], y[mask] = func(x[mask], y[mask])
    geoms = gpd.points_from_xy(x, y)
    geoms[np.isnan(x)] = None
    drop = [c for c in (lon_col, lat_col, crs_col) if c is not None]
    return gpd.GeoDataFrame(raw.drop(columns=drop), geometry=geoms, crs=LONLAT_CRS), warnings


def _first_full_row(raw: pd.DataFrame) -> int:
    """Header of a list without lon/lat: the first of the top rows with the most filled
    cells, so a title row above it (often one merged cell: 2024年规上工业企业…) is skipped."""
    top = raw.iloc[:HEADER_SCAN_ROWS]
    filled = top.apply(lambda r: sum(not _blank(v) for v in r), axis=1).tolist()
    return filled.index(max(filled)) if filled else 0


def _with_header(raw: pd.DataFrame) -> tuple[pd.DataFrame, int]:
    row = _header_row(raw)
    if row is None:
        row = _first_full_row(raw)
    header = [str(c).strip() if not _blank(c) else f"column {i + 1}"
              for i, c in enumerate(raw.iloc[row].tolist())]
    body = raw.iloc[row + 1:].reset_index(drop=True)
    body.columns = header
    body = body.loc[~body.apply(lambda r: all(_blank(v) for v in r), axis=1)]
    return body, row


def _table(body: pd.DataFrame, source: str, labels: list[str], options: ReadOptions,
           warnings: list[tuple[str, str]]) -> RawFrame:
    columns = list(body.columns)
    unique_headers(columns, source=source)
    if _find(columns, LON_HEADERS) is None or _find(columns, LAT_HEADERS) is None:
        return RawFrame(points_from_columns(body, source, options), labels, warnings)
    frame, notes = lonlat_frame(body, source=source, labels=labels, coords=options.coords)
    return RawFrame(frame, labels, warnings + notes)


def read_csv_table(path: Path, options: ReadOptions) -> RawFrame:
    """:data:`layers.io.READERS` entry for ``.csv``: encoding detected (UTF-8 ± BOM, GBK,
    UTF-16), header row found, lon/lat converted to WGS84."""
    data = path.read_bytes()
    if not data.strip():
        raise ReadError(f"{path}: empty file; fix: export the list again")
    try:
        decoded = decode_text(data, source=str(path), encoding=options.encoding)
    except EncodingError as exc:
        raise ReadError(str(exc)) from None
    if not decoded.text.strip(" \t\r\n\ufeff"):
        raise ReadError(f"{path}: no rows (only a byte-order mark or blank lines); fix: export "
                        "the list again")
    text, sep, skipped = _separator_line(decoded.text)
    try:
        raw = pd.read_csv(io.StringIO(text), header=None, dtype=str, sep=sep,
                          keep_default_na=False, skip_blank_lines=False)
    except pd.errors.ParserError as exc:
        raise ReadError(f"{path}: not a readable CSV ({exc}); fix: save it as CSV") from None
    body, row = _with_header(raw)
    labels = [f"line {row + 2 + skipped + int(i)}" for i in body.index]
    body = body.reset_index(drop=True)
    warnings = []
    if decoded.detected and decoded.encoding != "utf-8":
        warnings.append((f"encoding detected as {decoded.encoding}",
                         "none needed; pass --encoding to override"))
    return _table(body, str(path), labels, options, warnings)


SEPARATOR_LINE = re.compile(r"\A\ufeff?[ \t]*sep=(.)[ \t]*\r?\n", re.IGNORECASE)
"""Excel's hint line ``sep=,`` (or ``sep=;``) before the header of a CSV it saved."""


def _separator_line(text: str) -> tuple[str, str, int]:
    """``(text without the hint line, separator, lines skipped)`` for Excel's ``sep=X``
    first line; ``(text, ",", 0)`` without one."""
    found = SEPARATOR_LINE.match(text)
    if found is None:
        return text, ",", 0
    return text[found.end():], found.group(1), 1


def read_xlsx_table(path: Path, options: ReadOptions) -> RawFrame:
    """:data:`layers.io.READERS` entry for ``.xlsx``: sheet ``--source-layer`` or the first."""
    sheet: str | int = options.source_layer if options.source_layer is not None else 0
    try:
        with pd.ExcelFile(path, engine="openpyxl") as book:
            names = [str(n) for n in book.sheet_names]
            if isinstance(sheet, str) and sheet not in names:
                raise ReadError(f"{path}: no sheet {sheet!r}; fix: use one of {names}")
            hidden = _hidden_sheets(book)
            name = sheet if isinstance(sheet, str) else _first_visible(path, names, hidden)
            raw = pd.read_excel(book, sheet_name=name, header=None, dtype=object)
    except (zipfile.BadZipFile, ValueError, OSError, KeyError, ElementTree.ParseError,
            expat.ExpatError) as exc:
        if isinstance(exc, ReadError):
            raise
        raise ReadError(f"{path}: not a readable .xlsx workbook ({type(exc).__name__}: "
                        f"{str(exc)[:200]}); fix: open it in Excel/WPS and save it again as "
                        ".xlsx (a workbook whose XML declares entities is refused)") from None
    if raw.empty:
        raise ReadError(f"{path}: sheet {name!r} is empty; fix: choose the sheet with the list")
    body, row = _with_header(raw)
    labels = [f"sheet {name} row {row + 2 + int(i)}" for i in body.index]
    skipped = [n for n in names[:names.index(name)] if n in hidden]
    notes = [(f"hidden sheet(s) {skipped} skipped; read the first visible sheet {name!r}",
              "pass --source-layer SHEET to read another sheet")] if skipped else []
    return _table(body.reset_index(drop=True), str(path), labels, options, notes)


def _hidden_sheets(book: pd.ExcelFile) -> set[str]:
    """Names of the sheets Excel does not show (hidden or very hidden)."""
    workbook = getattr(book, "book", None)
    return {str(ws.title) for ws in getattr(workbook, "worksheets", ())
            if getattr(ws, "sheet_state", "visible") != "visible"}


def _first_visible(path: Path, names: list[str], hidden: set[str]) -> str:
    """The first sheet a person opening the workbook sees listed (hidden ones are skipped)."""
    visible = [n for n in names if n not in hidden]
    if not visible:
        raise ReadError(f"{path}: every sheet is hidden ({names}); fix: pass --source-layer "
                        "SHEET, or unhide the sheet with the list in Excel/WPS")
    return visible[0]

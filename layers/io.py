"""Reading layers from files: every format funnels into :func:`load_layer`.

``read_frame`` turns a file into a raw (Geo)DataFrame; ``load_layer`` validates it with
:func:`layers.validate.validate_layer`. Readers are registered per file suffix in
:data:`READERS`, so a new format (coordinate TXT, DXF, Excel …) is one entry.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import shapely

from layers.declared import layer_spec
from layers.policy import Policy, load_policy
from layers.registry import LAYERS
from layers.validate import ValidationReport, columns_spec, validate_layer


class ReadError(ValueError):
    """A file could not be read; the message names the file and the fix."""


@dataclass
class ReadOptions:
    """Options every reader understands; readers ignore what does not apply to them."""

    source_layer: str | None = None  # layer inside a multi-layer file (GeoPackage, DXF)
    crs: Any = None  # CRS to assume when the file has none
    encoding: str | None = None  # attribute encoding (Shapefile, CSV, TXT)
    coords: str | None = None  # coordinate system of lon/lat columns: wgs84|cgcs2000|gcj02|bd09
    extra: dict[str, Any] = field(default_factory=dict)
    policy: Policy | None = None  # tolerances for readers (policy section "imports")
    columns: frozenset[str] | None = None  # headers (lower case) needed; others may be skipped


@dataclass
class RawFrame:
    """What a reader returns: the frame plus how to name its rows in messages."""

    frame: pd.DataFrame
    row_labels: list[str] | None = None
    warnings: list[tuple[str, str]] = field(default_factory=list)  # (message, fix)


Reader = Callable[[Path, ReadOptions], RawFrame]


def read_with_ogr(path: Path, options: ReadOptions, *, fix: str,
                  **kwargs: Any) -> pd.DataFrame:
    """Read ``path`` with pyogrio (``options.source_layer`` and ``options.encoding`` unless
    ``kwargs`` override them) and assume ``options.crs`` when the file has none.

    Raises
    ------
    ReadError
        Naming the file, GDAL's reason and ``fix``.
    """
    if options.source_layer is not None:
        kwargs.setdefault("layer", options.source_layer)
    if options.encoding is not None:
        kwargs.setdefault("encoding", options.encoding)
    try:
        frame = pyogrio.read_dataframe(path, **kwargs)
    except Exception as exc:  # pyogrio raises several DataSourceError subclasses
        raise ReadError(f"{path}: cannot read ({exc}); fix: {fix}") from exc
    if isinstance(frame, gpd.GeoDataFrame) and frame.crs is None and options.crs is not None:
        frame = frame.set_crs(options.crs)
    return frame


def _read_ogr(path: Path, options: ReadOptions) -> RawFrame:
    kwargs: dict[str, Any] = {}
    if options.columns is not None:
        try:
            fields = pyogrio.read_info(path, layer=options.source_layer)["fields"]
        except Exception:  # unreadable: read_with_ogr below reports it
            fields = None
        if fields is not None:
            kwargs["columns"] = [f for f in fields if f.strip().lower() in options.columns]
    if path.suffix.lower() == ".gpkg" and options.encoding is None:
        kwargs["use_arrow"] = True  # GeoPackage text is UTF-8: Arrow reads it several × faster
    return RawFrame(read_with_ogr(path, options, fix="check that the file is a complete "
                                  "GeoPackage/GeoJSON/Shapefile/KML and the layer name is right",
                                  **kwargs))


def _parquet_columns(path: Path, wanted: frozenset[str]) -> list[str] | None:
    """Columns of a (Geo)Parquet file or dataset whose lower-cased name is wanted, plus its
    geometry column; ``None`` when the schema cannot be read (the reader then says why)."""
    import json

    import pyarrow.dataset as ds

    try:
        schema = ds.dataset(path, format="parquet").schema
    except Exception:  # pyarrow raises many types for unreadable files
        return None
    geo = json.loads((schema.metadata or {}).get(b"geo", b"{}"))
    keep = {geo.get("primary_column", "geometry")} if geo else set()
    return [n for n in schema.names if n in keep or n.strip().lower() in wanted]


def _read_parquet(path: Path, options: ReadOptions) -> RawFrame:
    columns = (_parquet_columns(path, options.columns) if options.columns is not None
               else None)
    try:
        frame = gpd.read_parquet(path, columns=columns)
    except ValueError:
        frame = pd.read_parquet(path, columns=columns)
    except Exception as exc:
        raise ReadError(f"{path}: cannot read GeoParquet ({exc})") from exc
    if isinstance(frame, gpd.GeoDataFrame) and frame.crs is None and options.crs is not None:
        frame = frame.set_crs(options.crs)
    return RawFrame(frame)


LON_NAMES = ("lon", "lng", "longitude", "经度", "x")
LAT_NAMES = ("lat", "latitude", "纬度", "y")


def points_from_columns(frame: pd.DataFrame, path: Path | str,
                        options: ReadOptions) -> pd.DataFrame:
    """Turn lon/lat (or x/y, or WKT) columns into point geometries; leave others as they are.

    A frame with no coordinate columns comes back unchanged (attribute tables such as the
    enterprise list).
    """
    lower = {str(c).strip().lower(): c for c in frame.columns}
    if "wkt" in lower or "geometry" in lower:
        col = lower.get("wkt", lower.get("geometry"))
        texts = frame[col].replace("", None)
        geoms = shapely.from_wkt(texts.to_numpy(dtype=object), on_invalid="ignore")
        bad = np.flatnonzero(shapely.is_missing(geoms) & texts.notna().to_numpy())
        if len(bad):
            rows = ", ".join(str(int(i) + 1) for i in bad[:5])
            raise ReadError(f"{path}: row(s) {rows}: {col} {texts.iloc[bad[0]]!r} is not "
                            "readable WKT; fix: write e.g. POINT (111.05 38.92) or "
                            "POLYGON ((x y, x y, x y, x y))")
        return gpd.GeoDataFrame(frame.drop(columns=[col]), geometry=geoms, crs=options.crs)
    lon = next((lower[n] for n in LON_NAMES if n in lower), None)
    lat = next((lower[n] for n in LAT_NAMES if n in lower), None)
    if lon is None or lat is None:
        return frame
    x = pd.to_numeric(frame[lon].replace("", None), errors="coerce")
    y = pd.to_numeric(frame[lat].replace("", None), errors="coerce")
    bad = (x.isna() & frame[lon].astype(str).str.strip().ne("")) | (
        y.isna() & frame[lat].astype(str).str.strip().ne(""))
    if bad.any():
        first = int(bad.to_numpy().nonzero()[0][0])
        raise ReadError(f"{path}: row {first + 1}: coordinate {frame[lon].iloc[first]!r}, "
                        f"{frame[lat].iloc[first]!r} is not a number; fix: write decimal "
                        "degrees such as 110.95, 38.92")
    crs = options.crs if options.crs is not None else (
        4326 if str(lon).lower() not in ("x",) else None)
    geoms = gpd.points_from_xy(x, y)
    return gpd.GeoDataFrame(frame.drop(columns=[lon, lat]), geometry=geoms, crs=crs)


def _reader_in(target: str) -> Reader:
    """A reader living in another module (``"module:function"``), imported on first use so
    that format modules may import this one."""

    def read(path: Path, options: ReadOptions) -> RawFrame:
        import importlib

        module, _, name = target.partition(":")
        reader: Reader = getattr(importlib.import_module(module), name)
        return reader(path, options)

    return read


READERS: dict[str, Reader] = {
    ".gpkg": _read_ogr,
    ".geojson": _read_ogr,
    ".json": _read_ogr,
    ".shp": _reader_in("layers.formats.shapefile:read_shapefile"),
    ".zip": _read_ogr,
    ".kml": _read_ogr,
    ".parquet": _read_parquet,
    ".geoparquet": _read_parquet,
    ".csv": _reader_in("layers.formats.tables:read_csv_table"),
    ".xlsx": _reader_in("layers.formats.tables:read_xlsx_table"),
    ".txt": _reader_in("layers.formats.coord_txt:read_coord_txt"),
    ".dxf": _reader_in("layers.formats.dxf:read_dxf"),
    ".dwg": _reader_in("layers.formats.dxf:refuse_dwg"),
}
"""File suffix → reader. Formats added by other modules register here."""


def read_frame(path: str | Path, options: ReadOptions | None = None, *,
               reader: Reader | None = None) -> RawFrame:
    """Read a file into a raw frame with the reader registered for its suffix (or ``reader``,
    a layer's own reader: a 台账 workbook holds three layers, :mod:`layers.ledger_read`)."""
    path = Path(path)
    options = options or ReadOptions()
    if not path.exists():
        raise ReadError(f"{path}: file not found; fix: check the path")
    reader = reader or READERS.get(path.suffix.lower())
    if reader is None:
        raise ReadError(f"{path}: unsupported file type {path.suffix!r}; fix: use one of "
                        f"{sorted(READERS)}")
    from layers.formats import guards  # imports this module: load it when first reading

    guards.check_path(path)
    options.crs = guards.parse_crs_option(options.crs, source=str(path))
    with guards.reader_failures(path):
        return reader(path, options)


def load_layer(
    path: str | Path,
    layer: str,
    *,
    policy: Policy | None = None,
    options: ReadOptions | None = None,
    working_crs: Any = None,
    columns: Iterable[str] | None = None,
) -> tuple[gpd.GeoDataFrame | pd.DataFrame, ValidationReport]:
    """Read and validate one layer from a file.

    For GeoPackages the source layer defaults to the layer's name (``parcel`` …).
    ``columns``: only these spec columns are read (where the format allows) and validated
    (see :func:`layers.validate.validate_layer`); default all.

    Raises
    ------
    ReadError
        The file cannot be read at all.
    layers.validate.ValidationError
        The content breaks the layer spec; the message lists every problem.
    """
    policy = policy or load_policy()
    spec = layer_spec(layer, policy)  # registry spec + columns the policy declares
    options = options or ReadOptions()
    path = Path(path)
    if not path.exists():
        raise ReadError(f"{path}: file not found; fix: check the path")
    if path.suffix.lower() == ".gpkg" and options.source_layer is None:
        options.source_layer = layer if layer in list_layers(path) else None
    if options.policy is None:
        options.policy = policy
    if columns is not None:
        narrow = columns_spec(spec, columns)
        options.columns = frozenset(n.strip().lower() for c in narrow.columns
                                    for n in (c.name, *c.aliases))
    raw = read_frame(path, options)
    if working_crs is None and policy.crs.working_epsg is not None:
        working_crs = policy.crs.working_epsg
    extra = {"category": policy.redline_categories} if spec.name == "redline" else {}
    frame, report = validate_layer(raw.frame, spec, source=str(path), working_crs=working_crs,
                                   allowed_extra=extra, row_labels=raw.row_labels,
                                   columns=columns)
    for message, fix in raw.warnings:
        report.add("warning", message, fix)
    return frame, report


def list_layers(path: str | Path) -> list[str]:
    """Names of the layers inside a multi-layer file such as a GeoPackage.

    Raises
    ------
    ReadError
        The file is missing, a folder, empty or not readable by GDAL.
    """
    from layers.formats import guards  # imports this module: load it when first reading

    path = Path(path)
    if not path.exists():
        raise ReadError(f"{path}: file not found; fix: check the path")
    guards.check_path(path)
    with guards.reader_failures(path):
        return [str(name) for name, _ in pyogrio.list_layers(path)]


def known_layers_in(path: str | Path) -> list[str]:
    """Registry layers present in a GeoPackage, in registry order."""
    present = set(list_layers(path))
    return [name for name in LAYERS if name in present]

"""Readers for the formats GDAL and Arrow open as they are: GeoPackage, GeoJSON, zipped
Shapefile, KML (:func:`read_ogr`) and (Geo)Parquet files or datasets (:func:`read_parquet`)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import geopandas as gpd
import pandas as pd
import pyarrow.dataset as ds
import pyogrio

from layers.formats import guards
from layers.formats.base import RawFrame, ReadError, ReadOptions, read_with_ogr


def read_ogr(path: Path, options: ReadOptions) -> RawFrame:
    """:data:`layers.io.READERS` entry for the formats GDAL reads as they are; only the
    headers in ``options.columns`` are read when it is set."""
    if path.suffix.lower() == ".gpkg":
        guards.check_geopackage_intact(path)
    kwargs: dict[str, Any] = {}
    if options.columns is not None:
        try:
            fields = pyogrio.read_info(path, layer=options.source_layer)["fields"]
        except Exception:  # unreadable: read_with_ogr below reports it
            fields = None
        if fields is not None:
            kwargs["columns"] = [f for f in fields if f.strip().lower() in options.columns]
    if options.where is not None:
        kwargs["where"] = options.where
    if path.suffix.lower() == ".gpkg" and options.encoding is None:
        kwargs["use_arrow"] = True  # GeoPackage text is UTF-8: Arrow reads it several × faster
    fix = ("check that the file is a complete GeoPackage/GeoJSON/Shapefile/KML and the layer "
           "name is right")
    if path.suffix.lower() in (".geojson", ".json"):
        flat = _flattened_collection(path)
        if flat is not None:
            data, nested = flat
            frame = read_with_ogr(path, options, fix=fix, data=data, **kwargs)
            return RawFrame(frame, None, [(
                f"{nested} feature(s) sit inside nested FeatureCollections; all {len(frame)} "
                "features were read", "none needed; export a flat FeatureCollection to "
                "silence this")])
    return RawFrame(read_with_ogr(path, options, fix=fix, **kwargs))


MAX_NESTED_SCAN_BYTES = 512 * 2**20
"""GeoJSON files up to this size are checked for nested FeatureCollections (which GDAL reads
only the first level of); a larger file with nesting is refused rather than read in part."""


def _flattened_collection(path: Path) -> tuple[bytes, int] | None:
    """``(flat GeoJSON bytes, number of features that were nested)`` when ``path`` holds a
    FeatureCollection inside a FeatureCollection; ``None`` for an ordinary file.

    Raises
    ------
    ReadError
        A nested file too large to flatten here.
    """
    try:
        size = path.stat().st_size
        with open(path, "rb") as fh:
            data = fh.read(MAX_NESTED_SCAN_BYTES + 1)
    except OSError:
        return None  # read_with_ogr reports it
    if data.count(b'"FeatureCollection"') < 2:
        return None
    if size > MAX_NESTED_SCAN_BYTES:
        raise ReadError(f"{path}: FeatureCollections nested inside each other, and too large "
                        "to flatten here (GDAL would read only the first level); fix: export a "
                        "flat FeatureCollection")
    try:
        root = json.loads(data)
    except ValueError:
        return None  # not JSON: read_with_ogr reports it
    if not isinstance(root, dict) or root.get("type") != "FeatureCollection":
        return None
    top = root.get("features")
    if not isinstance(top, list):
        return None
    flat = list(_features(top))
    nested = len(flat) - sum(1 for f in top if isinstance(f, dict)
                             and f.get("type") != "FeatureCollection")
    if nested == 0:
        return None
    return json.dumps({**root, "features": flat}, ensure_ascii=False).encode(), nested


def _features(items: list[Any], depth: int = 0) -> Any:
    """Every Feature of ``items``, FeatureCollections among them opened (to a depth of 32)."""
    for item in items:
        if isinstance(item, dict) and item.get("type") == "FeatureCollection" and depth < 32:
            yield from _features(item.get("features") or [], depth + 1)
        else:
            yield item


def _parquet_columns(path: Path, wanted: frozenset[str]) -> list[str] | None:
    """Columns of a (Geo)Parquet file or dataset whose lower-cased name is wanted, plus its
    geometry column; ``None`` when the schema cannot be read (the reader then says why)."""
    try:
        schema = ds.dataset(path, format="parquet").schema
    except Exception:  # pyarrow raises many types for unreadable files
        return None
    geo = json.loads((schema.metadata or {}).get(b"geo", b"{}"))
    keep = {geo.get("primary_column", "geometry")} if geo else set()
    return [n for n in schema.names if n in keep or n.strip().lower() in wanted]


def read_parquet(path: Path, options: ReadOptions) -> RawFrame:
    """:data:`layers.io.READERS` entry for a (Geo)Parquet file or partitioned dataset; a
    Parquet file without geometry metadata is read as a plain table."""
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



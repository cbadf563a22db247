"""Layers as Dask collections: partitioned GeoParquet datasets and GeoPackages in, datasets out.

Every partition goes through the one validator (:func:`layers.validate.validate_layer`) on the
worker that reads it, into one working CRS fixed up front, so the Dask engine sees exactly
what :func:`layers.county.load_county` would give the local engine. Input may be

* a GeoParquet file or a partitioned dataset (a folder of ``*.parquet`` parts, as written by
  ``investmap demo --format parquet``) — one Dask partition per part file;
* a GeoPackage layer, read in ``npartitions`` row ranges;
* for the non-spatial enterprise layer, (folders of) Parquet or CSV files.

Outputs are written as a partitioned GeoParquet dataset (one part per partition, each with
its bounding box in the GeoParquet metadata, so readers know every part's extent without
reading it) that appears only when complete: parts go to a hidden ``.<name>.partial`` folder
that is renamed at the end.
"""

from __future__ import annotations

import shutil
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import dask.dataframe as dd
import dask_geopandas
import geopandas as gpd
import numpy as np
import pandas as pd
import pyarrow as pa
import shapely
from pyproj import CRS

from geo.crs import CRSError, working_crs_for_extent, working_crs_for_lonlat
from layers.declared import layer_spec
from layers.io import ReadError, list_layers
from layers.policy import Policy
from layers.registry import LayerSpec
from layers.validate import columns_spec, validate_layer

COVERING_COLUMN = "bbox"
"""GeoParquet 1.1 bounding-box covering column; dropped on read, rewritten on write."""

SAMPLE_ROWS = 200
"""Rows of the first partition validated up front to fix the schema and the working CRS."""


def is_dataset(path: str | Path) -> bool:
    """Whether ``path`` is a (partitioned) Parquet dataset rather than a GeoPackage or CSV."""
    path = Path(path)
    return path.is_dir() or path.suffix.lower() in (".parquet", ".geoparquet")


@dataclass(frozen=True)
class LazyLayer:
    """A layer read lazily: the Dask collection plus validated sample rows of its first
    partition (real values, so the Parquet schema of outputs can be derived from them)."""

    frame: dd.DataFrame
    sample: pd.DataFrame


def read_layer(path: str | Path, layer: str, *, policy: Policy, working_crs: Any = None,
               npartitions: int | None = None,
               columns: Sequence[str] | None = None) -> LazyLayer:
    """Read one registry layer lazily as a Dask (Geo)DataFrame, validated partition by partition.

    Parameters
    ----------
    path : GeoParquet file or dataset folder, GeoPackage (layer ``layer`` inside it, or its
        only layer), or for ``enterprise`` also CSV.
    layer : registry layer name (``parcel``, ``redline``, ``enterprise`` …).
    policy : validated policy (red-line categories, working CRS).
    working_crs : target CRS; default the policy's, else the zone of the whole layer's mean
        longitude (:func:`auto_working_crs`, as the local validator chooses); every partition
        uses that same CRS.
    npartitions : partitions for a GeoPackage or CSV (Parquet keeps one per part file).
    columns : only these spec columns (plus the id) are read (Parquet) and validated, as
        :func:`layers.county.load_county` does for a command (e.g.
        ``layers.supply.AVAILABILITY_COLUMNS``); default all.

    Raises
    ------
    layers.io.ReadError
        The path does not exist or is not a supported format.
    layers.validate.ValidationError
        The first rows break the layer spec (later partitions raise it when computed, naming
        the partition in the source).
    """
    path = Path(path)
    spec = layer_spec(layer, policy)  # registry spec + columns the policy declares
    if not path.exists():
        raise ReadError(f"{path}: file not found; fix: check the path")
    raw = _read_raw(path, spec.name, spec.has_geometry, npartitions)
    if COVERING_COLUMN in raw.columns and COVERING_COLUMN not in spec.column_names:
        raw = raw.drop(columns=[COVERING_COLUMN])
    if columns is not None:  # dropped before anything is read: Parquet reads only the rest
        narrow = columns_spec(spec, columns)
        headers = {n.strip().lower() for c in narrow.columns for n in (c.name, *c.aliases)}
        geometry = getattr(raw._meta, "_geometry_column_name", None)
        raw = raw[[c for c in raw.columns if str(c).strip().lower() in headers or c == geometry]]
    if working_crs is None:
        working_crs = policy.crs.working_epsg
    extra = {"category": policy.redline_categories} if spec.name == "redline" else {}
    sample = raw.partitions[0].head(SAMPLE_ROWS, npartitions=1)
    checked, _ = validate_layer(sample, spec, source=f"{path} (partition 1)",
                                working_crs=working_crs, allowed_extra=extra, columns=columns)
    if spec.has_geometry and working_crs is None:
        working_crs = auto_working_crs(raw)
        checked, _ = validate_layer(sample, spec, source=f"{path} (partition 1)",
                                    working_crs=working_crs, allowed_extra=extra,
                                    columns=columns)
    frame = raw.map_partitions(_validate_partition, spec, str(path), working_crs, extra,
                               columns, meta=checked.iloc[:0])
    return LazyLayer(frame, checked)


def auto_working_crs(raw: dask_geopandas.GeoDataFrame) -> CRS:
    """The working CRS the validator's ``auto`` choice gives for the whole layer.

    Same rule as :func:`layers.validate.validate_layer` without a working CRS: the CGCS2000
    3° GK zone of the mean longitude of all features' envelope corners — decided from the
    layer's total bounds when they lie in one zone, else summed per partition, so a province
    spanning zones gets the zone of its middle, not of its first rows.
    """
    if raw.crs is not None:  # one zone for the whole extent: no polygon needs reprojecting
        bounds = np.asarray(raw.geometry.total_bounds.compute(), dtype="float64")
        decided = working_crs_for_extent(raw.crs, tuple(bounds))
        if decided is not None:
            return decided
    sums = raw.geometry.map_partitions(_longitude_sum, meta=pd.DataFrame(
        {"total": pd.Series(dtype="float64"), "count": pd.Series(dtype="int64")}))
    totals = sums.compute().sum()
    if not totals["count"]:
        raise CRSError("no geometry to choose a working CRS from; set crs.working_epsg in "
                       "the policy file")
    return working_crs_for_lonlat(float(totals["total"] / totals["count"]))


def _longitude_sum(geoms: gpd.GeoSeries) -> pd.DataFrame:
    present = geoms[~(geoms.is_empty | geoms.isna())]
    if present.empty or present.crs is None:
        return pd.DataFrame({"total": [0.0], "count": [0]})
    lon = shapely.get_coordinates(present.to_crs(4490).values.envelope)[:, 0]
    lon = lon[np.isfinite(lon)]
    return pd.DataFrame({"total": [float(lon.sum())], "count": [len(lon)]})


def _read_raw(path: Path, layer: str, spatial: bool, npartitions: int | None) -> dd.DataFrame:
    suffix = path.suffix.lower()
    if suffix == ".gpkg":
        names = list_layers(path)
        source_layer = layer if layer in names else (names[0] if len(names) == 1 else None)
        if source_layer is None:
            raise ReadError(f"{path}: no layer {layer!r} (layers: {names}); fix: name the "
                            f"layer {layer!r} or pass a file holding only this layer")
        if spatial:
            return dask_geopandas.read_file(path, layer=source_layer,
                                            npartitions=npartitions or 1)
        frame = pd.DataFrame(gpd.read_file(path, layer=source_layer, ignore_geometry=True))
        return dd.from_pandas(frame, npartitions=npartitions or 1)
    if is_dataset(path):
        try:
            if spatial:
                return dask_geopandas.read_parquet(path)
            return dd.read_parquet(path)
        except Exception as exc:  # pyarrow raises many types for unreadable datasets
            raise ReadError(f"{path}: cannot read the Parquet dataset ({exc}); fix: point to "
                            "a GeoParquet file or a folder of GeoParquet parts") from exc
    if suffix == ".csv" and not spatial:
        return dd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    kinds = ".parquet dataset or .gpkg" + ("" if spatial else " or .csv")
    raise ReadError(f"{path}: unsupported input {suffix!r} for the Dask engine; fix: use a "
                    f"{kinds}")


def _validate_partition(frame: pd.DataFrame, layer: LayerSpec, path: str, working_crs: Any,
                        extra: Mapping[str, Sequence[str]],
                        columns: Sequence[str] | None = None, partition_info: Any = None,
                        ) -> pd.DataFrame:
    number = (partition_info or {}).get("number", 0) + 1
    checked, _ = validate_layer(frame, layer, source=f"{path} (partition {number})",
                                working_crs=working_crs, allowed_extra=extra, columns=columns)
    return checked


def arrow_schema(sample: pd.DataFrame) -> pa.Schema:
    """Parquet schema of a frame like ``sample`` (real rows): geometry as WKB, all-null
    columns as strings, so that every part of a dataset gets the same schema."""
    plain = pd.DataFrame(sample).reset_index(drop=True)
    for col in plain.columns:
        if isinstance(plain[col].dtype, gpd.array.GeometryDtype):
            plain[col] = gpd.GeoSeries(plain[col]).to_wkb()
    schema = pa.Schema.from_pandas(plain, preserve_index=False).remove_metadata()
    for i, field in enumerate(schema):
        if pa.types.is_null(field.type):
            schema = schema.set(i, pa.field(field.name, pa.large_string()))
    return schema


def write_dataset(frame: dd.DataFrame, out: str | Path, *, schema: pa.Schema) -> Path:
    """Write a Dask (Geo)DataFrame as a partitioned (Geo)Parquet dataset folder.

    One ``part.N.parquet`` per partition, each cast to ``schema`` (see :func:`arrow_schema`)
    and carrying its bounding box in the GeoParquet metadata; the folder appears only when
    every part is written (an existing dataset at ``out`` is replaced then).
    """
    out = Path(out)
    tmp = out.with_name(f".{out.name}.partial")
    if tmp.exists():
        shutil.rmtree(tmp)
    out.parent.mkdir(parents=True, exist_ok=True)
    frame.to_parquet(tmp, write_index=False, schema=schema)
    if out.is_dir():
        shutil.rmtree(out)
    elif out.exists():
        out.unlink()
    tmp.replace(out)
    return out

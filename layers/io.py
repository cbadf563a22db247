"""Reading layers from files: every format funnels into :func:`load_layer`.

``read_frame`` turns a file into a raw (Geo)DataFrame; ``load_layer`` validates it with
:func:`layers.validate.validate_layer`. Readers are registered per file suffix in
:data:`READERS`, so a new format (coordinate TXT, DXF, Excel …) is one entry. The types the
readers share (:class:`ReadError`, :class:`ReadOptions`, :class:`RawFrame`) live below this
dispatcher in :mod:`layers.formats.base` and are re-exported here for callers.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

import geopandas as gpd
import pandas as pd
import pyogrio

from layers.declared import layer_spec
from layers.formats import guards
from layers.formats.base import RawFrame, Reader, ReadError, ReadOptions
from layers.formats.coord_txt import read_coord_txt
from layers.formats.dxf import read_dxf, refuse_dwg
from layers.formats.ogr import read_ogr, read_parquet
from layers.formats.shapefile import read_shapefile
from layers.formats.tables import read_csv_table, read_xlsx_table
from layers.policy import Policy, load_policy
from layers.registry import LAYERS
from layers.validate import ValidationReport, columns_spec, validate_layer

READERS: dict[str, Reader] = {
    ".gpkg": read_ogr,
    ".geojson": read_ogr,
    ".json": read_ogr,
    ".shp": read_shapefile,
    ".zip": read_ogr,
    ".kml": read_ogr,
    ".fgb": read_ogr,
    ".parquet": read_parquet,
    ".geoparquet": read_parquet,
    ".csv": read_csv_table,
    ".xlsx": read_xlsx_table,
    ".txt": read_coord_txt,
    ".dxf": read_dxf,
    ".dwg": refuse_dwg,
}
"""File suffix → reader (each has the :data:`layers.formats.base.Reader` signature). A new
format is a module in :mod:`layers.formats` importing only :mod:`layers.formats.base`, plus one
entry here."""

__all__ = ["READERS", "RawFrame", "ReadError", "ReadOptions", "Reader", "known_layers_in",
           "list_layers", "load_layer", "read_frame"]


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
    path = Path(path)
    if not path.exists():
        raise ReadError(f"{path}: file not found; fix: check the path")
    guards.check_path(path)
    if path.suffix.lower() == ".gpkg":
        guards.check_geopackage_intact(path)
    with guards.reader_failures(path):
        return [str(name) for name, _ in pyogrio.list_layers(path)]


def known_layers_in(path: str | Path) -> list[str]:
    """Registry layers present in a GeoPackage, in registry order."""
    present = set(list_layers(path))
    return [name for name in LAYERS if name in present]

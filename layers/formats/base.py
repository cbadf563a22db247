"""What every reader shares: its options, its result, its error and two helpers.

These types sit *below* the dispatcher :mod:`layers.io` and the readers in
:mod:`layers.formats` so that both import them directly: readers never import the dispatcher,
and the dispatcher imports each reader by name in :data:`layers.io.READERS`.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import shapely

from geo.errors import DataError
from layers.policy import Policy


class ReadError(DataError):
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
    where: str | None = None  # SQL filter of the rows (GDAL readers: a few features back)


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
    ``kwargs`` override them) and assume ``options.crs`` when the file has none. A ``data``
    keyword (bytes) is read instead of the file, with ``path`` still named in messages.

    Raises
    ------
    ReadError
        Naming the file, GDAL's reason and ``fix``.
    """
    if options.source_layer is not None:
        kwargs.setdefault("layer", options.source_layer)
    if options.encoding is not None:
        kwargs.setdefault("encoding", options.encoding)
    data = kwargs.pop("data", None)  # the file's content, already prepared by the reader
    try:
        frame = pyogrio.read_dataframe(io.BytesIO(data) if data is not None else path, **kwargs)
    except Exception as exc:  # pyogrio raises several DataSourceError subclasses
        raise ReadError(f"{path}: cannot read ({exc}); fix: {fix}") from exc
    if isinstance(frame, gpd.GeoDataFrame) and frame.crs is None and options.crs is not None:
        frame = frame.set_crs(options.crs)
    return frame


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



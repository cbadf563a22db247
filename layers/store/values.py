"""Canonical stored values shared by every backend, and the GeoPackage geometry blob codec.

A stored feature is a mapping column → canonical value: ``str``, ``float``, ``int``, ``bool``,
a date as ``"YYYY-MM-DD"``, a list as comma-separated text, or ``None``. Backends convert to
and from their own column types; comparisons (what changed?) and the audit log use these.
"""

from __future__ import annotations

import math
import struct
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
import shapely

from layers.registry import Column, LayerSpec


def stored_columns(spec: LayerSpec) -> list[Column]:
    """Columns a store keeps for a layer: every declared column except derived ones."""
    return [c for c in spec.columns if not c.derived]


def canonical(col: Column, value: Any) -> Any:
    """Convert a validated value (pandas, numpy or plain Python) to its canonical form."""
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, float) and math.isnan(value):
        return None
    if col.type == "str":
        return str(value)
    if col.type == "float":
        return float(value)
    if col.type == "int":
        return int(value)
    if col.type == "bool":
        return bool(value)
    if col.type == "date":
        return pd.Timestamp(value).strftime("%Y-%m-%d")
    if isinstance(value, list | tuple | np.ndarray):
        items = [str(v).strip() for v in value if str(v).strip()]
    else:
        items = [part.strip() for part in str(value).split(",") if part.strip()]
    return ",".join(items) or None


def audit_text(value: Any) -> str | None:
    """How a canonical value is written into the audit log (exact, comparable text)."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return repr(value)
    return str(value)


def norm_wkb(wkb: bytes | None) -> bytes | None:
    """Normalised 2-D little-endian WKB, so geometries from any backend compare by bytes.

    A MultiPolygon of one part comes back as its Polygon: polygon layers are stored as
    MultiPolygons (:func:`storage_wkb`), but a feature compares equal to the file it came from.
    """
    if wkb is None:
        return None
    geom = shapely.from_wkb(wkb)
    if geom is None or geom.is_empty:
        return None
    if geom.geom_type == "MultiPolygon" and len(geom.geoms) == 1:
        geom = geom.geoms[0]
    return bytes(shapely.to_wkb(geom, byte_order=1, output_dimension=2))


def storage_wkb(kind: str, wkb: bytes | None) -> bytes | None:
    """The WKB a backend writes for a layer of geometry ``kind``: a Polygon of a polygon
    layer becomes a MultiPolygon of one part (``ST_Multi``), so the column's declared type
    (``MULTIPOLYGON``) holds for every row."""
    if wkb is None or kind != "polygon":
        return wkb
    geom = shapely.from_wkb(wkb)
    if geom.geom_type != "Polygon":
        return wkb
    return bytes(shapely.to_wkb(shapely.MultiPolygon([geom]), byte_order=1,
                                output_dimension=2))


def geometry_summary(wkb: bytes | None) -> str | None:
    """Short audit text for a geometry: type and area (m²) or the point's coordinates."""
    if wkb is None:
        return None
    geom = shapely.from_wkb(wkb)
    if geom.geom_type == "Point":
        return f"POINT ({geom.x:.2f} {geom.y:.2f})"
    return f"{geom.geom_type}, {geom.area:.2f} m²"


# -- GeoPackage geometry blobs (GeoPackage 1.3, §2.1.3) ------------------------------------

_ENVELOPE_BYTES = {0: 0, 1: 32, 2: 48, 3: 48, 4: 64}


def gpkg_blob(wkb: bytes | None, srs_id: int) -> bytes | None:
    """Wrap WKB in a GeoPackage binary header with an x/y envelope."""
    if wkb is None:
        return None
    geom = shapely.from_wkb(wkb)
    if geom.is_empty:
        return b"GP\x00\x11" + struct.pack("<i", srs_id) + wkb
    minx, miny, maxx, maxy = geom.bounds
    return b"GP\x00\x03" + struct.pack("<i4d", srs_id, minx, maxx, miny, maxy) + wkb


def _header_length(blob: bytes) -> int:
    flags = blob[3]
    return 8 + _ENVELOPE_BYTES[(flags >> 1) & 0x07]


def gpkg_wkb(blob: bytes | None) -> bytes | None:
    """The WKB inside a GeoPackage geometry blob (``None`` stays ``None``)."""
    if blob is None:
        return None
    return bytes(blob[_header_length(blob):])


def blob_is_empty(blob: bytes | None) -> int | None:
    """``ST_IsEmpty`` for GeoPackage blobs (used by GDAL's R-tree triggers)."""
    if blob is None:
        return None
    return int(bool(blob[3] & 0x10))


def blob_bound(index: int):  # noqa: ANN201 - returns an SQL function
    """``ST_MinX/MaxX/MinY/MaxY`` for GeoPackage blobs; ``index`` into (minx, maxx, miny, maxy)."""

    def bound(blob: bytes | None) -> float | None:
        if blob is None:
            return None
        flags = blob[3]
        if (flags >> 1) & 0x07:
            fmt = "<4d" if flags & 1 else ">4d"
            envelope: Sequence[float] = struct.unpack(fmt, blob[8:40])
            return float(envelope[index])
        geom = shapely.from_wkb(gpkg_wkb(blob))
        minx, miny, maxx, maxy = geom.bounds
        return float((minx, maxx, miny, maxy)[index])

    return bound

"""Straight-line distance from parcels to the nearest facility of each kind.

Investors ask first how far a site is from the interchange, the rail freight yard, the
substation … (``facility`` layer, kinds in :data:`layers.registry.FACILITY_KINDS`). One bulk
``STRtree.query_nearest`` per kind gives every parcel's nearest facility and the distance
between the two geometries (0 when they touch; a polygon facility counts from its edge).
Distances are planar, in the projected working CRS.
"""

from __future__ import annotations

from collections.abc import Iterable

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from geo.crs import CRSError, require_projected

DISTANCE_PREFIX = "distance_km_"
NEAREST_PREFIX = "nearest_"


def distance_column(kind: str) -> str:
    """Name of the column holding the distance (km) to the nearest facility of ``kind``."""
    return f"{DISTANCE_PREFIX}{kind}"


def nearest_facilities(parcels: gpd.GeoDataFrame, facilities: gpd.GeoDataFrame,
                       kinds: Iterable[str]) -> pd.DataFrame:
    """Distance (km) to, and name of, the nearest facility of every kind.

    Parameters
    ----------
    parcels : polygons (or any geometry) in a projected metric CRS.
    facilities : ``kind``, ``name`` and geometry (points, lines or polygons), same CRS.
    kinds : the kinds to report; a kind with no facility gets NaN and an empty name.

    Returns
    -------
    pandas.DataFrame
        Same index as ``parcels``: per kind ``distance_km_<kind>`` and ``nearest_<kind>``.
    """
    crs = require_projected(parcels.crs, what="facility distances")
    if len(facilities) and not crs.equals(require_projected(facilities.crs,
                                                            what="facility distances")):
        raise CRSError(f"parcels are in {crs.name} but facilities in {facilities.crs.name}; "
                       "reproject both to the working CRS first")
    geoms = np.asarray(parcels.geometry.values, dtype=object)
    fac_geoms = np.asarray(facilities.geometry.values, dtype=object)
    fac_kind = facilities["kind"].astype(str).to_numpy() if len(facilities) else np.array([])
    names = (facilities["name"].astype(str).to_numpy() if "name" in facilities.columns
             else np.full(len(facilities), "", dtype=object))
    out: dict[str, np.ndarray] = {}
    for kind in kinds:
        rows = np.flatnonzero(fac_kind == kind)
        distance = np.full(len(geoms), np.nan)
        nearest = np.full(len(geoms), "", dtype=object)
        if len(rows) and len(geoms):
            tree = shapely.STRtree(fac_geoms[rows])
            (src, dst), dist = tree.query_nearest(geoms, return_distance=True,
                                                  all_matches=False)
            distance[src] = dist / 1000.0
            nearest[src] = names[rows][dst]
        out[distance_column(kind)] = distance
        out[f"{NEAREST_PREFIX}{kind}"] = nearest
    return pd.DataFrame(out, index=parcels.index)

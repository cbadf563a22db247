"""Parcel availability for a loaded county: the policy's rules applied by :mod:`geo`.

The app's parcel finder, the ``investmap availability`` command and the exports all call
:func:`availability`; the computation itself lives in :mod:`geo.availability`.
"""

from __future__ import annotations

import geopandas as gpd
import pandas as pd

from geo.availability import ParcelQuery, SupplyRules, assess
from layers.county import County
from layers.memory import release_memory
from layers.policy import Policy
from layers.registry import LAND_USES, PARCEL_STATUSES

AVAILABILITY_COLUMNS = {
    "parcel": ("parcel_id", "status", "land_use", "park_id", "area_mu"),
    "redline": ("redline_id", "category", "parcel_id"),
}
"""The columns :func:`availability` reads (``load_county(..., columns=...)``): a command that
only judges availability reads and validates these, not all twenty of a parcel."""


def supply_rules(policy: Policy) -> SupplyRules:
    """The supply rules of ``policy``: red-line categories, touch tolerance, offerable statuses."""
    return SupplyRules(
        categories=policy.redlines.categories,
        tolerance=policy.redlines.tolerance,
        offerable_statuses=policy.supply.offerable_statuses,
        status_labels=PARCEL_STATUSES,
        land_use_labels=LAND_USES,
    )


def availability(county: County, query: ParcelQuery | None = None, *,
                 threads: int | None = None) -> pd.DataFrame:
    """Availability of every parcel of ``county`` (see :func:`geo.availability.assess`).

    Parameters
    ----------
    county : a loaded county with a ``parcel`` layer; without a ``redline`` layer no red
        line is judged.
    query : optional investor query (area range in 亩, land uses, parks).
    threads : worker threads for the geometry; ``None`` uses every core.

    Returns
    -------
    pandas.DataFrame
        Same index as the parcel layer: ``parcel_id``, ``area_mu``, ``overlap_mu_<cat>``,
        ``share_<cat>`` per category present, ``available``, ``reasons``, ``reasons_zh``,
        ``reasons_en``.
    """
    parcels = county["parcel"]
    redlines = county.layers.get("redline")
    if redlines is None:
        redlines = gpd.GeoDataFrame({"category": pd.Series([], dtype=object)},
                                    geometry=gpd.GeoSeries([], crs=parcels.crs), crs=parcels.crs)
    return assess(parcels, redlines, supply_rules(county.policy), query=query, threads=threads,
                  between=release_memory)

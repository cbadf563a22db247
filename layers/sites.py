"""Site search pipeline (智能选址) and parcel-to-facility distances for a loaded county.

:func:`candidates` turns the county into the candidate table :func:`geo.sites.find_sites`
needs — parcels that may be offered (the availability verdict of :mod:`layers.supply`: no
red-line conflict, offerable status) and fit the request's land use, park and utilities,
with their distances to facilities and to linked chain projects. :func:`search` runs it.
:func:`facility_distances` gives every parcel's distance to the nearest facility of each
kind (the parcel card, the finder's distance filter and the brochure use it).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from geo.availability import assess
from geo.chain_catalog import UTILITY_FLAGS, ChainCatalog, ChainSettings, place
from geo.facilities import nearest_facilities
from geo.sites import SiteQuery, SiteSearch, find_sites
from geo.sites_settings import SiteSettings
from layers.county import County
from layers.registry import FACILITY_KINDS
from layers.supply import supply_rules


def site_settings(county: County) -> SiteSettings:
    """The county policy's ``sites`` section."""
    return county.policy.section("sites")


@dataclass(frozen=True)
class SiteRequest:
    """Filters applied before the search (the query's area range is applied by geo)."""

    land_uses: tuple[str, ...] | None = None
    park_ids: tuple[str, ...] | None = None
    segment_id: str | None = None
    utilities: tuple[str, ...] = ()


def facility_kinds(county: County) -> tuple[str, ...]:
    """Facility kinds present in the county's ``facility`` layer (registry order)."""
    facilities = county.layers.get("facility")
    if facilities is None or not len(facilities):
        return ()
    present = set(facilities["kind"].astype(str))
    return tuple(k for k in FACILITY_KINDS if k in present)


def facility_distances(county: County, parcels: gpd.GeoDataFrame | None = None
                       ) -> pd.DataFrame:
    """Distance (km) from each parcel to the nearest facility of every kind present.

    Returns
    -------
    pandas.DataFrame
        Index of ``parcels`` (default: the county's parcel layer): ``distance_km_<kind>`` and
        ``nearest_<kind>`` (facility name) per kind of :func:`facility_kinds`; no columns
        without a facility layer.
    """
    parcels = county["parcel"] if parcels is None else parcels
    kinds = facility_kinds(county)
    if not kinds:
        return pd.DataFrame(index=parcels.index)
    return nearest_facilities(parcels, county["facility"], kinds)


def candidates(county: County, request: SiteRequest, *, catalog: ChainCatalog | None = None,
               chain_settings: ChainSettings | None = None,
               verdicts: pd.DataFrame | None = None) -> gpd.GeoDataFrame:
    """Parcels that may be offered and fit ``request``, with the figures the score needs.

    Parameters
    ----------
    verdicts : the county's availability table (computed when ``None``; the app passes its
        cached one).
    catalog, chain_settings : needed with ``request.segment_id`` (the segment's land uses
        filter the parcels; its linked active projects give ``chain_distance_m``).
    """
    parcels = county["parcel"]
    keep = parcels["status"].isin(county.policy.supply.offerable_statuses).to_numpy(copy=True)
    uses = parcels["land_use"].astype(str).to_numpy()
    segment = None
    if request.segment_id is not None:
        if catalog is None:
            raise ValueError("a segment needs the chain catalog")
        segment = catalog.segments.get(request.segment_id)
        if segment is None:
            raise ValueError(f"unknown segment {request.segment_id!r}; segments: "
                             f"{sorted(catalog.segments)[:20]}")
        keep &= np.array([segment.land.accepts_land_use(u) for u in uses], dtype=bool)
    if request.land_uses:
        keep &= np.array([u.startswith(tuple(request.land_uses)) for u in uses], dtype=bool)
    if request.park_ids:
        keep &= parcels["park_id"].isin(request.park_ids).to_numpy()
    if request.utilities:
        keep &= _has_utilities(parcels["utilities"].to_numpy(dtype=object), request.utilities)
    keep &= _available(county, keep, verdicts)
    rows = parcels[keep]
    out = gpd.GeoDataFrame({
        "parcel_id": rows["parcel_id"].astype(str).to_numpy(),
        "park_id": rows["park_id"].astype(object).to_numpy(),
        "area_mu": rows["area_mu"].to_numpy(dtype=float),
        "price_wan_per_mu": pd.to_numeric(rows.get("price_wan_per_mu"), errors="coerce")
        .to_numpy(dtype=float) if "price_wan_per_mu" in rows else np.full(len(rows), np.nan),
        "utilities_share": _utilities_share(rows["utilities"].to_numpy(dtype=object))
        if "utilities" in rows else np.zeros(len(rows)),
    }, geometry=rows.geometry.values, crs=parcels.crs)
    out["chain_distance_m"] = _chain_distance(county, out, segment, catalog, chain_settings)
    distances = facility_distances(county, out)
    return pd.concat([out, distances], axis=1) if len(distances.columns) else out


def search(county: County, request: SiteRequest, query: SiteQuery, *,
           catalog: ChainCatalog | None = None, chain_settings: ChainSettings | None = None,
           settings: SiteSettings | None = None, verdicts: pd.DataFrame | None = None,
           ) -> tuple[SiteSearch, gpd.GeoDataFrame]:
    """Candidates of ``request`` searched with ``query``; returns the search and the
    candidate table its ``members`` index."""
    pool = candidates(county, request, catalog=catalog, chain_settings=chain_settings,
                      verdicts=verdicts)
    result = find_sites(pool, query, settings or site_settings(county),
                        facility_kinds=facility_kinds(county))
    return result, pool


def _available(county: County, keep: np.ndarray, verdicts: pd.DataFrame | None
               ) -> np.ndarray:
    """The availability verdict (no hard red-line conflict, offerable) of the parcels in
    ``keep``; computed for those rows only unless the caller has the county's table."""
    if verdicts is not None:
        return verdicts["available"].astype("boolean").fillna(False).to_numpy(dtype=bool)
    parcels = county["parcel"]
    redlines = county.layers.get("redline")
    if redlines is None:
        redlines = gpd.GeoDataFrame({"category": pd.Series([], dtype=object)},
                                    geometry=gpd.GeoSeries([], crs=parcels.crs), crs=parcels.crs)
    out = np.zeros(len(parcels), dtype=bool)
    judged = assess(parcels[keep], redlines, supply_rules(county.policy))
    out[np.flatnonzero(keep)] = judged["available"].to_numpy(dtype=bool)
    return out


def _has_utilities(values: np.ndarray, wanted: Sequence[str]) -> np.ndarray:
    need = set(wanted)

    def items(v: object) -> set[str]:
        if isinstance(v, str):
            return {s.strip() for s in v.split(",")}
        return {str(s) for s in v} if isinstance(v, list | tuple | np.ndarray) else set()

    return np.array([need <= items(v) for v in values], dtype=bool)


def _utilities_share(values: np.ndarray) -> np.ndarray:
    flags = set(UTILITY_FLAGS)
    out = np.zeros(len(values))
    for i, v in enumerate(values):
        items = v.split(",") if isinstance(v, str) else (
            v if isinstance(v, list | tuple | np.ndarray) else [])
        out[i] = len({str(s).strip() for s in items} & flags) / len(UTILITY_FLAGS)
    return out


def _chain_distance(county: County, pool: gpd.GeoDataFrame, segment: Any,
                    catalog: ChainCatalog | None, settings: ChainSettings | None) -> np.ndarray:
    """Distance (m) to the nearest active project of a segment linked to ``segment``."""
    distance = np.full(len(pool), np.nan)
    projects = county.layers.get("project")
    if segment is None or projects is None or catalog is None or not len(pool):
        return distance
    settings = settings or ChainSettings()
    placed = projects if "placed_by" in projects.columns else place(projects, catalog)
    linked = catalog.linked(segment.segment_id)
    active = placed[placed["segment_id"].isin(linked).to_numpy()
                    & placed["stage"].isin(settings.present_stages).to_numpy()]
    geoms = np.asarray(active.geometry.values, dtype=object)
    geoms = geoms[~(shapely.is_missing(geoms) | shapely.is_empty(geoms))]
    if len(geoms):
        (src, _), dist = shapely.STRtree(geoms).query_nearest(
            np.asarray(pool.geometry.values, dtype=object), return_distance=True,
            all_matches=False)
        distance[src] = dist
    return distance


def facility_facts(county: County, geometry: shapely.Geometry, lang: str, *,
                   facilities: pd.DataFrame | None = None) -> list[tuple[str, str]]:
    """(label, text) per facility kind present: "距高速互通" → "青峰互通 3.2 公里".

    For the parcel card and the brochure; empty without a facility layer. ``facilities``:
    the county's facility layer with its names already in the page language (the brochure's
    English names), instead of ``county["facility"]``.
    """
    kinds = facility_kinds(county)
    if not kinds or geometry is None:
        return []
    probe = gpd.GeoDataFrame(geometry=[geometry], crs=county.crs)
    source = county["facility"] if facilities is None else facilities
    near = nearest_facilities(probe, source, kinds).iloc[0]
    facts = []
    for kind in kinds:
        zh, en = FACILITY_KINDS[kind]
        km = float(near[f"distance_km_{kind}"])
        name = str(near[f"nearest_{kind}"])
        facts.append((f"距{zh}" if lang == "zh" else f"To {en.lower()}",
                      f"{name} {km:.1f} 公里" if lang == "zh" else f"{name}, {km:.1f} km"))
    return facts

"""Gap → parcel → target-enterprise matching: the promotion worklist (招商工作清单).

For every segment whose verdict calls for promotion (``missing`` 补链, ``thin`` 强链,
``extension`` 延链 by default), the candidates are parcels that

1. are available now (``available`` is True in the geo core's availability result: a parcel
   with a hard red-line conflict or an unofferable status never qualifies),
2. lie in a park whose leading industries include the chain,
3. have a land use that equals or refines one the segment needs, an area inside the
   segment's 亩 range widened by ``area_tolerance``, and a FAR ceiling not below the
   segment's minimum FAR.

Each candidate gets an explainable score, 0–100 (README "Industry chains")::

    score = 100 × Σ weight_p × part_p ÷ Σ weight_p,  p ∈ proximity, area, utilities, price,
                                                        intensity

with every part in [0, 1]: *proximity* — distance from the parcel to the nearest active
project in a linked segment (suppliers and customers, ``supplies`` edges both ways), 1 up to
``proximity_full_m``, 0 from ``proximity_zero_m``, linear between; *area* — 1 inside the 亩
range, falling linearly to 0 at ``area_tolerance`` relative deviation; *utilities* — 七通一平
flags present ÷ 8; *price* — 1 up to ``price_full_wan_per_mu``, 0 from
``price_zero_wan_per_mu``; *intensity* — 1 when the parcel's required investment intensity is
at most the segment's typical one, else typical ÷ required.
"""

from __future__ import annotations

from typing import Literal

import numpy as np
import pandas as pd
import shapely

from geo.chain_catalog import (
    MATCH_PARTS,
    UTILITY_FLAGS,
    ChainCatalog,
    ChainSettings,
    Segment,
    leading_chains,
    place,
)
from geo.crs import CRSError, area_mu, require_projected

WORKLIST_COLUMNS: tuple[str, ...] = (
    "chain_id", "segment_id", "segment_zh", "segment_en", "verdict", "rank", "parcel_id",
    "park_id", "area_mu", "score", "score_parts", *(f"part_{p}" for p in MATCH_PARTS),
    "enterprises", "reasons", "reasons_en",
)
INVESTOR_WORKLIST_COLUMNS: tuple[str, ...] = (
    "chain_id", "segment_id", "segment_zh", "segment_en", "verdict", "parcel_id", "park_id",
    "area_mu",
)
"""What an investor view of the worklist may show: which parcels suit which segment. Target
enterprises, scores and reasons are promotion-team working material."""


def match(catalog: ChainCatalog, analysis: pd.DataFrame, parcels_available: pd.DataFrame,
          parcels: pd.DataFrame, projects: pd.DataFrame, parks: pd.DataFrame, *,
          chain_id: str | None = None, park_id: str | None = None,
          settings: ChainSettings | None = None) -> pd.DataFrame:
    """Promotion worklist: each gap or thin segment → ranked parcels → target enterprises.

    Parameters
    ----------
    catalog : chain definitions (segments' land need, links, targets).
    analysis : the result of :func:`geo.chains.analyse` (county or one park).
    parcels_available : per parcel ``parcel_id`` and ``available`` (bool) from the geo core;
        parcels missing from it are not candidates.
    parcels : parcel layer (geometry in a projected CRS, ``park_id``, ``land_use``,
        ``area_mu``, ``far_max``, ``utilities``, ``price_wan_per_mu``,
        ``investment_min_wan_per_mu``).
    projects : project layer (placed by :func:`geo.chains.place` unless already placed).
    parks : parks with ``leading_industries``.
    chain_id : only this chain.
    park_id : only parcels of this park (default: the park an analysis of one park is for).
    settings : verdicts to match, score weights and ranges (policy section ``chains``).

    Returns
    -------
    :data:`WORKLIST_COLUMNS`, one row per (segment, parcel), best first within a segment
    (at most ``max_parcels_per_segment``); a segment with no fitting parcel keeps one row
    with ``parcel_id`` None and the reasons. ``score_parts`` is a dict part → value.
    """
    settings = settings or ChainSettings()
    lead = leading_chains(parks)
    park_id = park_id if park_id is not None else _analysis_park(analysis)
    if park_id is not None and park_id not in lead:
        raise ValueError(f"unknown park {park_id!r}; parks: {sorted(lead)}")
    if chain_id is not None:
        catalog.chain(chain_id)
    gaps = analysis[analysis["verdict"].isin(settings.match_verdicts)]
    if chain_id is not None:
        gaps = gaps[gaps["chain_id"] == chain_id]
    offerable = _offerable(parcels, parcels_available, park_id)
    anchors = _anchors(projects, catalog, settings, parcels)
    rows: list[dict[str, object]] = []
    for seg_id, verdict in zip(gaps["segment_id"], gaps["verdict"], strict=True):
        seg = catalog.segments[seg_id]
        parks_leading = [p for p, chains in lead.items() if seg.chain_id in chains]
        hosts = offerable.take(pd.Series(offerable["park_id"]).isin(parks_leading).to_numpy())
        rows.extend(_segment_rows(catalog, seg, str(verdict), hosts, anchors, settings,
                                  bool(parks_leading)))
    out = pd.DataFrame(rows, columns=list(WORKLIST_COLUMNS))
    out["rank"] = out["rank"].astype("Int64")
    return out


def match_segment(catalog: ChainCatalog, segment_id: str, parcels_available: pd.DataFrame,
                  parcels: pd.DataFrame, projects: pd.DataFrame, parks: pd.DataFrame, *,
                  verdict: str = "", park_id: str | None = None,
                  settings: ChainSettings | None = None) -> pd.DataFrame:
    """The parcels that fit one segment's land need, ranked as in :func:`match` — whatever
    the segment's verdict (a target firm's view: "where could this firm build?").

    Returns :data:`WORKLIST_COLUMNS` (one row with ``parcel_id`` None and the reasons when
    nothing fits)."""
    settings = settings or ChainSettings()
    seg = catalog.segments[segment_id]
    lead = leading_chains(parks)
    if park_id is not None and park_id not in lead:
        raise ValueError(f"unknown park {park_id!r}; parks: {sorted(lead)}")
    offerable = _offerable(parcels, parcels_available, park_id)
    anchors = _anchors(projects, catalog, settings, parcels)
    parks_leading = [p for p, chains in lead.items() if seg.chain_id in chains]
    hosts = offerable.take(pd.Series(offerable["park_id"]).isin(parks_leading).to_numpy())
    rows = _segment_rows(catalog, seg, verdict, hosts, anchors, settings, bool(parks_leading))
    out = pd.DataFrame(rows, columns=list(WORKLIST_COLUMNS))
    out["rank"] = out["rank"].astype("Int64")
    return out


def worklist_for(worklist: pd.DataFrame, audience: Literal["investor", "staff"]
                 ) -> pd.DataFrame:
    """The worklist columns an audience may see (:data:`INVESTOR_WORKLIST_COLUMNS` for
    investors, only rows with a parcel; everything for staff)."""
    if audience == "staff":
        return worklist.copy()
    if audience == "investor":
        rows = worklist[worklist["parcel_id"].notna()]
        return rows[list(INVESTOR_WORKLIST_COLUMNS)].reset_index(drop=True)
    raise ValueError(f"unknown audience {audience!r}; use 'investor' or 'staff'")


# -- steps --------------------------------------------------------------------------------


def _analysis_park(analysis: pd.DataFrame) -> str | None:
    scopes = set(analysis["scope"]) if "scope" in analysis.columns else set()
    if len(scopes) == 1 and (scope := next(iter(scopes))) != "county":
        return str(scope)
    return None


class _Hosts:
    """Candidate parcels as aligned numpy arrays (cheaper to filter than a GeoDataFrame)."""

    def __init__(self, columns: dict[str, np.ndarray]):
        self.columns = columns

    def __len__(self) -> int:
        return len(self.columns["parcel_id"])

    def __getitem__(self, name: str) -> np.ndarray:
        return self.columns[name]

    def take(self, mask: np.ndarray) -> _Hosts:
        return _Hosts({k: v[mask] for k, v in self.columns.items()})


def _offerable(parcels: pd.DataFrame, availability: pd.DataFrame, park_id: str | None
               ) -> _Hosts:
    """Parcels whose availability is exactly True (unknown counts as not available), with the
    figures the score needs as plain floats."""
    flags = availability["available"].astype("boolean").fillna(False).astype(bool)
    ok = set(availability.loc[flags.to_numpy(), "parcel_id"].astype(str).to_numpy(dtype=object))
    in_park = (parcels["park_id"].notna() if park_id is None
               else parcels["park_id"].eq(park_id).fillna(False))
    sub = parcels[in_park.to_numpy(dtype=bool)]  # small for one park: slice first
    ids = sub["parcel_id"].astype(str).to_numpy(dtype=object)
    sub = sub[np.fromiter((i in ok for i in ids), dtype=bool, count=len(ids))]
    geoms = np.asarray(sub.geometry.values)
    area = _number(sub, "area_mu")
    if np.isnan(area).any():
        area = area_mu(geoms, getattr(parcels, "crs", None))
    return _Hosts({
        "parcel_id": sub["parcel_id"].astype(str).to_numpy(dtype=object),
        "park_id": sub["park_id"].astype(object).to_numpy(),
        "land_use": sub["land_use"].astype(str).to_numpy(dtype=object), "area_mu": area,
        "far_max": _number(sub, "far_max"), "price": _number(sub, "price_wan_per_mu"),
        "required": _number(sub, "investment_min_wan_per_mu"),
        "utilities": (_utilities_share(sub["utilities"].to_numpy(dtype=object))
                      if "utilities" in sub.columns else np.zeros(len(sub))),
        "geometry": geoms,
    })


def _anchors(projects: pd.DataFrame, catalog: ChainCatalog, settings: ChainSettings,
             parcels: pd.DataFrame) -> pd.DataFrame:
    """Active, located projects: the suppliers and customers a new firm would sit near."""
    placed = projects if "placed_by" in projects.columns else place(projects, catalog)
    active = placed[placed["segment_id"].notna()
                    & placed["stage"].isin(settings.present_stages)]
    geoms = getattr(active, "geometry", None)
    if geoms is None or not len(active):
        return pd.DataFrame({c: pd.Series(dtype=object) for c in ("segment_id", "name",
                                                                   "geometry")})
    require_projected(getattr(parcels, "crs", None), what="distances")
    if getattr(projects, "crs", None) != getattr(parcels, "crs", None):
        raise CRSError(f"projects are in {projects.crs}, parcels in {parcels.crs}: "
                       "bring both into the working CRS before matching")
    keep = ~(shapely.is_missing(geoms.values) | shapely.is_empty(geoms.values))
    names = (active["name"].astype(str) if "name" in active.columns
             else active["segment_id"].map(lambda s: catalog.segments[s].zh))
    return pd.DataFrame({"segment_id": active["segment_id"].astype(object).to_numpy()[keep],
                         "name": names.to_numpy(dtype=object)[keep],
                         "geometry": np.asarray(geoms.values)[keep]})


def _fit(hosts: _Hosts, seg: Segment, settings: ChainSettings
         ) -> tuple[_Hosts, np.ndarray, dict[str, int]]:
    """Hosts passing the hard filters, their area deviation, and how many each filter
    turned away."""
    land = seg.land
    use_ok = np.array([land.accepts_land_use(u) for u in hosts["land_use"]], dtype=bool)
    area = hosts["area_mu"]
    deviation = np.where(area < land.mu_min, (land.mu_min - area) / land.mu_min,
                         np.where(area > land.mu_max, (area - land.mu_max) / land.mu_max, 0.0))
    area_ok = deviation <= settings.area_tolerance + 1e-12
    far_max = hosts["far_max"]
    far_ok = (np.isnan(far_max) | (land.far_min is None)
              | (far_max >= (land.far_min or 0.0) - 1e-12))
    dropped = {"land_use": int((~use_ok).sum()), "area": int((use_ok & ~area_ok).sum()),
               "far": int((use_ok & area_ok & ~far_ok).sum())}
    keep = use_ok & area_ok & far_ok
    return hosts.take(keep), deviation[keep], dropped


def _ramp(value: np.ndarray, full: float, zero: float) -> np.ndarray:
    """1 at or below ``full``, 0 at or above ``zero``, linear between (NaN → 0)."""
    span = max(zero - full, 1e-9)
    out = np.clip((zero - value) / span, 0.0, 1.0)
    return np.where(np.isnan(value), 0.0, out)


def _utilities_share(values: np.ndarray) -> np.ndarray:
    flags = set(UTILITY_FLAGS)

    def count(v: object) -> int:
        items = v.split(",") if isinstance(v, str) else (v if isinstance(v, list | tuple
                                                          | np.ndarray) else [])
        return len({str(i).strip() for i in items} & flags)

    return np.array([count(v) for v in values], dtype=float) / len(UTILITY_FLAGS)


def _number(frame: pd.DataFrame, column: str) -> np.ndarray:
    if column not in frame.columns:
        return np.full(len(frame), np.nan)
    return pd.to_numeric(frame[column], errors="coerce").to_numpy(dtype=float)


def _parts(fit: _Hosts, deviation: np.ndarray, seg: Segment,
           linked: pd.DataFrame, settings: ChainSettings
           ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Score parts (rows: parcels, columns: :data:`MATCH_PARTS`), and per parcel the
    distance to and the position in ``linked`` of the nearest linked project (−1: none)."""
    n = len(fit)
    distance = np.full(n, np.nan)
    nearest = np.full(n, -1)
    if len(linked) and n:
        tree = shapely.STRtree(linked["geometry"].to_numpy())
        (src, dst), dist = tree.query_nearest(fit["geometry"], return_distance=True,
                                              all_matches=False)
        distance[src] = dist
        nearest[src] = dst
    tol = settings.area_tolerance
    required = fit["required"]
    typical = seg.land.investment_wan_per_mu
    intensity = np.ones(n)
    if typical is not None:
        above = ~np.isnan(required) & (required > typical)
        intensity = np.divide(typical, required, out=intensity, where=above)
    columns = {
        "proximity": _ramp(distance, settings.proximity_full_m, settings.proximity_zero_m),
        "area": np.clip(1.0 - deviation / tol, 0.0, 1.0) if tol > 0 else np.ones(n),
        "utilities": fit["utilities"],
        "price": _ramp(fit["price"], settings.price_full_wan_per_mu,
                       settings.price_zero_wan_per_mu),
        "intensity": intensity,
    }
    return np.column_stack([columns[p] for p in MATCH_PARTS]), distance, nearest


def _segment_rows(catalog: ChainCatalog, seg: Segment, verdict: str, hosts: _Hosts,
                  anchors: pd.DataFrame, settings: ChainSettings, has_leading_park: bool
                  ) -> list[dict[str, object]]:
    base: dict[str, object] = {
        "chain_id": seg.chain_id, "segment_id": seg.segment_id, "segment_zh": seg.zh,
        "segment_en": seg.en, "verdict": verdict,
        "enterprises": "、".join(t.name for t in catalog.targets_for(seg.segment_id)),
    }
    fit, deviation, dropped = _fit(hosts, seg, settings)
    if not len(fit):
        zh, en = _no_parcel_reason(len(hosts), dropped, has_leading_park)
        return [{**base, "rank": None, "parcel_id": None, "park_id": None,
                 "area_mu": np.nan, "score": np.nan, "score_parts": {},
                 **{f"part_{p}": np.nan for p in MATCH_PARTS}, "reasons": zh,
                 "reasons_en": en}]
    linked = anchors[anchors["segment_id"].isin(catalog.linked(seg.segment_id)).to_numpy()]
    parts, distance, nearest = _parts(fit, deviation, seg, linked, settings)
    weights = np.array(list(settings.weights.as_dict().values()))
    score = np.round(100.0 * parts @ weights / weights.sum(), 1)
    ids = fit["parcel_id"]
    top = np.lexsort((ids, -score))[: settings.max_parcels_per_segment]
    rows = []
    for rank, i in enumerate(top, start=1):
        values = {p: round(float(parts[i, k]), 3) for k, p in enumerate(MATCH_PARTS)}
        near_zh, near_en = _near_text(catalog, linked, int(nearest[i]), distance[i])
        facts = _parcel_text(fit, int(i), seg, values["utilities"])
        rows.append({
            **base, "rank": rank, "parcel_id": ids[i], "park_id": fit["park_id"][i],
            "area_mu": round(float(fit["area_mu"][i]), 2), "score": float(score[i]),
            "score_parts": values, **{f"part_{p}": v for p, v in values.items()},
            "reasons": f"{facts[0]}；{near_zh}", "reasons_en": f"{facts[1]}; {near_en}",
        })
    return rows


def _near_text(catalog: ChainCatalog, linked: pd.DataFrame, j: int, distance: float
               ) -> tuple[str, str]:
    if j < 0:
        return "无关联项目", "no linked project yet"
    other = catalog.segments[linked["segment_id"].iat[j]]
    label = linked["name"].iat[j]
    return (f"距关联项目{label}（{other.zh}）{distance / 1000:.1f} 公里",
            f"{distance / 1000:.1f} km from linked project {label} ({other.en})")


def _parcel_text(fit: _Hosts, i: int, seg: Segment, utilities: float
                 ) -> tuple[str, str]:
    land = seg.land
    area = float(fit["area_mu"][i])
    use = fit["land_use"][i]
    price = float(fit["price"][i])
    n_util = round(utilities * len(UTILITY_FLAGS))
    price_zh = f"底价 {price:g} 万元/亩" if not np.isnan(price) else "底价未知"
    price_en = f"price {price:g} 10k CNY/mu" if not np.isnan(price) else "price unknown"
    return (f"{area:.1f} 亩（需 {land.mu_min:g}–{land.mu_max:g} 亩）；用地 {use}；"
            f"七通一平 {n_util}/8；{price_zh}",
            f"{area:.1f} mu (needs {land.mu_min:g}–{land.mu_max:g}); land use {use}; "
            f"utilities {n_util}/8; {price_en}")


def _no_parcel_reason(n_hosts: int, dropped: dict[str, int], has_leading_park: bool
                      ) -> tuple[str, str]:
    if not has_leading_park:
        return ("没有以该产业链为主导产业的园区", "no park lists this chain as a leading "
                                                  "industry")
    if not n_hosts:
        return ("主导该链的园区内暂无可供地块", "no available parcel in the parks leading "
                                                "this chain")
    return (f"{n_hosts} 宗可供地块均不符合需求：用地性质不符 {dropped['land_use']} 宗、"
            f"面积不符 {dropped['area']} 宗、容积率不符 {dropped['far']} 宗",
            f"none of {n_hosts} available parcel(s) fits: land use {dropped['land_use']}, "
            f"area {dropped['area']}, FAR {dropped['far']}")

"""Site search (智能选址): single parcels and assembled sets of touching parcels, ranked.

Input: candidate parcels that may be offered (available, no red-line conflict) and fit the
request's land use, park and utilities — :mod:`layers.sites` prepares them. Output: every
single candidate whose area lies in the requested 亩 range and, when assembling, every
connected set of 2..K candidates of one park whose total area lies in the range; each with a
score (0–100) explained part by part.

How the search stays bounded (a 100,000-parcel county answers in seconds):

1. **Adjacency graph.** One bulk ``STRtree.query(predicate="dwithin", distance=tol)`` over the
   candidates finds neighbours; two parcels are adjacent when they lie in the same park and
   share at least ``shared_edge_min_m`` of boundary (the length of one parcel's boundary
   inside the other buffered by ``touch_tolerance_m``: corner touches and slivers do not
   count; the ``tol`` of each edge leaving the shared one that the buffer catches is taken
   off). Parcels at least as large as the range's maximum never join a set.
2. **Connected-subgraph enumeration** (ESU, Wernicke 2006): from each seed, grow sets only with
   neighbours of a higher index and outside the current set's closed neighbourhood, so every
   connected set is produced exactly once (no duplicates). A set whose area exceeds the
   maximum is not grown (areas only add up); sets stop at K parcels.
3. **Per-seed cap.** At most ``per_seed_cap`` sets are kept per seed (and at most ten times
   as many growth steps tried); seeds that hit the cap are counted and reported.
4. **Scores without unions.** Parcels do not overlap, so a union's area is the sum of its
   members' areas and its perimeter is the sum of their perimeters minus twice the shared
   edges, tracked while growing. Compactness needs no geometry operation; unions are built
   only for the sites shown on a map (:func:`site_geometries`).

Score = 100 × Σ wₚ·partₚ ÷ Σ wₚ over the parts that apply (chain only with a segment,
facilities only with facilities loaded), each part in [0, 1]:

=============  ==============================================================================
area_fit       1 at the middle of the 亩 range, falling linearly to 0 at its ends
compactness    16·A ÷ P² of the union (1 for a square, less for long or ragged shapes), ≤ 1
chain          distance from the nearest member to the nearest active project of a linked
               chain segment: 1 up to ``chain_full_m``, 0 from ``chain_zero_m``
price          area-weighted land price: 1 up to ``price_full_wan_per_mu``, 0 from
               ``price_zero_wan_per_mu``; unknown → 0
utilities      area-weighted share of the 8 七通一平 flags
facilities     mean over ``facility_kinds`` present of the nearest member's distance: 1 up to
               ``facility_full_km``, 0 from ``facility_zero_km``
=============  ==============================================================================
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from geo.crs import require_projected
from geo.facilities import distance_column
from geo.sites_settings import SCORE_PARTS, SiteSettings

SITE_COLUMNS: tuple[str, ...] = ("site_id", "parcel_ids", "n_parcels", "park_id", "area_mu",
                                 "score", "score_parts", "reasons_zh", "reasons_en")


@dataclass(frozen=True)
class SiteQuery:
    """What a promotion officer asks for.

    Parameters
    ----------
    min_mu, max_mu : total area range in 亩 (inclusive).
    assemble : also return sets of 2..``max_parcels`` touching parcels.
    max_parcels : largest set (default: the policy's ``sites.max_parcels``).
    max_distance_km : facility kind → the site's nearest member must be at most this far.
    """

    min_mu: float
    max_mu: float
    assemble: bool = False
    max_parcels: int | None = None
    max_distance_km: Mapping[str, float] | tuple[tuple[str, float], ...] = ()

    @property
    def distance_limits(self) -> tuple[tuple[str, float], ...]:
        """``max_distance_km`` as sorted (kind, km) pairs, whatever form it was given in."""
        limits = self.max_distance_km
        pairs = limits.items() if isinstance(limits, Mapping) else limits
        return tuple(sorted((str(k), float(v)) for k, v in pairs))

    def __post_init__(self) -> None:
        object.__setattr__(self, "max_distance_km", self.distance_limits)  # hashable
        if not 0 <= self.min_mu <= self.max_mu:
            raise ValueError(f"area range {self.min_mu}–{self.max_mu} 亩: give 0 ≤ min ≤ max")
        if self.max_parcels is not None and not 1 <= self.max_parcels <= 8:
            raise ValueError(f"max_parcels {self.max_parcels}: give 1..8")


@dataclass
class SiteSearch:
    """Result: ranked sites, the parts matrix behind the scores, and search statistics."""

    sites: pd.DataFrame
    parts: np.ndarray  # rows as in ``sites``, columns SCORE_PARTS (NaN: part not applicable)
    members: np.ndarray  # rows as in ``sites``, candidate positions, -1 padded
    capped_seeds: int = 0
    edges: int = 0


def find_sites(candidates: gpd.GeoDataFrame, query: SiteQuery, settings: SiteSettings, *,
               facility_kinds: tuple[str, ...] = ()) -> SiteSearch:
    """Rank single and assembled sites among ``candidates``.

    Parameters
    ----------
    candidates : parcels that may be offered and fit the request: ``parcel_id``, ``park_id``,
        ``area_mu``, ``price_wan_per_mu``, ``utilities_share`` (0..1), ``chain_distance_m``
        (NaN: no linked project or no segment asked), ``distance_km_<kind>`` per facility
        kind, polygon geometry in a projected metric CRS.
    query : area range, assembly, distance limits.
    settings : weights and search bounds (policy section ``sites``).
    facility_kinds : kinds whose distance columns are present (facility layer loaded).

    Returns
    -------
    SiteSearch
        ``sites`` has :data:`SITE_COLUMNS`, best first (ties: fewer parcels, then ids).
    """
    require_projected(candidates.crs, what="site areas")
    geoms = np.asarray(candidates.geometry.values, dtype=object)
    area = candidates["area_mu"].to_numpy(dtype=float)
    k = query.max_parcels or settings.max_parcels
    singles = np.flatnonzero((area >= query.min_mu) & (area <= query.max_mu))
    sets: list[tuple[tuple[int, ...], float]] = [((int(i),), 0.0) for i in singles]
    capped = edges = 0
    if query.assemble and k >= 2:
        park = candidates["park_id"].astype(object).to_numpy()
        pairs, shared = adjacency(geoms, park, area < query.max_mu, settings)
        edges = len(pairs)
        found, capped = connected_sets(len(geoms), pairs, shared, area, query.min_mu,
                                       query.max_mu, k, settings.per_seed_cap)
        sets += found
    members = np.full((len(sets), max(k, 1)), -1, dtype=np.int64)
    for row, (idx, _) in enumerate(sets):
        members[row, :len(idx)] = idx
    shared_m = np.array([s for _, s in sets], dtype=float)
    perimeter = shapely.length(geoms)
    parts = _parts(candidates, members, shared_m, perimeter, query, settings, facility_kinds)
    keep = _within_limits(candidates, members, query)
    members, parts = members[keep], parts[keep]
    score = scores(parts, settings.weights)
    order = _order(candidates, members, score)
    members, parts = members[order], parts[order]
    table = _table(candidates, members, parts, score[order], facility_kinds)
    return SiteSearch(table, parts, members, capped_seeds=capped, edges=edges)


def adjacency(geoms: np.ndarray, park: np.ndarray, eligible: np.ndarray,
              settings: SiteSettings) -> tuple[np.ndarray, np.ndarray]:
    """Pairs (i < j) of eligible parcels of one park sharing enough boundary, and the shared
    length (m) of each pair."""
    idx = np.flatnonzero(eligible & pd.notna(park))
    if len(idx) < 2:
        return np.empty((0, 2), dtype=np.int64), np.empty(0)
    sub = geoms[idx]
    tol = settings.touch_tolerance_m
    left, right = shapely.STRtree(sub).query(sub, predicate="dwithin", distance=tol)
    keep = (left < right) & (park[idx][left] == park[idx][right])
    left, right = left[keep], right[keep]
    grown = shapely.buffer(sub[left], tol, quad_segs=2)
    # The buffer also catches ``tol`` of each edge leaving the shared one: take it off.
    shared = np.maximum(shapely.length(shapely.intersection(shapely.boundary(sub[right]),
                                                            grown)) - 2 * tol, 0.0)
    ok = shared >= settings.shared_edge_min_m
    pairs = np.column_stack([idx[left[ok]], idx[right[ok]]])
    return pairs, shared[ok]


def connected_sets(n: int, pairs: np.ndarray, shared: np.ndarray, area: np.ndarray,
                   lo: float, hi: float, k: int, cap: int,
                   ) -> tuple[list[tuple[tuple[int, ...], float]], int]:
    """Every connected set of 2..k nodes with total area in [lo, hi], each exactly once.

    Returns the sets (sorted node tuples with their summed shared edge length) and the
    number of seeds whose search stopped at the cap.
    """
    nbrs: list[list[int]] = [[] for _ in range(n)]
    length: dict[tuple[int, int], float] = {}
    for (a, b), s in zip(pairs.tolist(), shared.tolist(), strict=True):
        nbrs[a].append(b)
        nbrs[b].append(a)
        length[(a, b) if a < b else (b, a)] = s
    out: list[tuple[tuple[int, ...], float]] = []
    capped = 0
    for v in range(n):
        if not nbrs[v]:
            continue
        emitted = steps = 0
        start: tuple[tuple[int, ...], float, float, list[int], set[int]] = (
            (v,), float(area[v]), 0.0, [u for u in nbrs[v] if u > v], {v, *nbrs[v]})
        stack = [start]
        while stack and emitted < cap and steps < 10 * cap:
            sub, total, edge, ext, closed = stack.pop()
            for pos, w in enumerate(ext):
                steps += 1
                grown = total + area[w]
                if grown > hi:
                    continue
                edge_w = edge + sum(length.get((u, w) if u < w else (w, u), 0.0) for u in sub)
                members = (*sub, w)
                if grown >= lo:
                    out.append((tuple(sorted(members)), edge_w))
                    emitted += 1
                if len(members) < k:
                    fresh = [u for u in nbrs[w] if u > v and u not in closed]
                    stack.append((members, grown, edge_w, ext[pos + 1:] + fresh,
                                  closed | set(nbrs[w])))
                if emitted >= cap or steps >= 10 * cap:
                    break
        capped += emitted >= cap or steps >= 10 * cap
    return out, capped


def _ramp(value: np.ndarray, full: float, zero: float) -> np.ndarray:
    """1 at or below ``full``, 0 at or above ``zero``, linear between (NaN → 0)."""
    out = np.clip((zero - value) / max(zero - full, 1e-9), 0.0, 1.0)
    return np.where(np.isnan(value), 0.0, out)


def _gather(values: np.ndarray, members: np.ndarray, fill: float) -> np.ndarray:
    """Member values as a matrix (rows: sites), ``fill`` where padded."""
    return np.where(members >= 0, values[np.maximum(members, 0)], fill)


def _parts(candidates: pd.DataFrame, members: np.ndarray, shared: np.ndarray,
           perimeter: np.ndarray, query: SiteQuery, settings: SiteSettings,
           kinds: tuple[str, ...]) -> np.ndarray:
    area_m = _gather(candidates["area_mu"].to_numpy(dtype=float), members, 0.0)
    total = area_m.sum(axis=1)
    half = (query.max_mu - query.min_mu) / 2
    mid = query.min_mu + half
    area_fit = (np.clip(1 - np.abs(total - mid) / half, 0.0, 1.0) if half > 0
                else np.ones(len(total)))
    per = _gather(perimeter, members, 0.0).sum(axis=1) - 2 * shared
    area_m2 = total * (10_000 / 15)
    compact = np.clip(16 * area_m2 / np.maximum(per, 1e-9) ** 2, 0.0, 1.0)
    weight = area_m / np.maximum(total[:, None], 1e-12)
    price = _gather(candidates["price_wan_per_mu"].to_numpy(dtype=float), members, 0.0)
    price_known = ~np.isnan(price).any(axis=1)
    price_part = np.where(price_known, _ramp(np.nansum(price * weight, axis=1),
                                             settings.price_full_wan_per_mu,
                                             settings.price_zero_wan_per_mu), 0.0)
    utilities = (_gather(candidates["utilities_share"].to_numpy(dtype=float), members, 0.0)
                 * weight).sum(axis=1)
    chain_d = _gather(candidates["chain_distance_m"].to_numpy(dtype=float), members, np.inf)
    chain = np.full(len(total), np.nan)
    if np.isfinite(candidates["chain_distance_m"].to_numpy(dtype=float)).any():
        nearest = chain_d.min(axis=1)
        chain = _ramp(np.where(np.isfinite(nearest), nearest, np.nan), settings.chain_full_m,
                      settings.chain_zero_m)
    used = [c for c in settings.facility_kinds if c in kinds]
    facilities = np.full(len(total), np.nan)
    if used:
        ramps = [_ramp(_nearest_km(candidates, members, c), settings.facility_full_km,
                       settings.facility_zero_km) for c in used]
        facilities = np.mean(ramps, axis=0)
    columns = {"area_fit": area_fit, "compactness": compact, "chain": chain,
               "price": price_part, "utilities": utilities, "facilities": facilities}
    return np.column_stack([columns[p] for p in SCORE_PARTS]) if len(total) else \
        np.empty((0, len(SCORE_PARTS)))


def _nearest_km(candidates: pd.DataFrame, members: np.ndarray, kind: str) -> np.ndarray:
    values = _gather(candidates[distance_column(kind)].to_numpy(dtype=float), members, np.inf)
    nearest = np.where(np.isnan(values), np.inf, values).min(axis=1)
    return np.where(np.isfinite(nearest), nearest, np.nan)


def _within_limits(candidates: pd.DataFrame, members: np.ndarray,
                   query: SiteQuery) -> np.ndarray:
    keep = np.ones(len(members), dtype=bool)
    for kind, km in query.distance_limits:
        column = distance_column(kind)
        if column not in candidates.columns:
            keep[:] = False  # no facility of that kind loaded: nothing is within reach
            continue
        keep &= _nearest_km(candidates, members, kind) <= km
    return keep


def scores(parts: np.ndarray, weights: Mapping[str, float]) -> np.ndarray:
    """Score 0–100 per row: Σ w·part ÷ Σ w over the parts that apply (not NaN)."""
    w = np.array([weights.get(p, 0.0) for p in SCORE_PARTS], dtype=float)
    applies = ~np.isnan(parts)
    num = np.where(applies, parts, 0.0) @ w
    den = applies.astype(float) @ w
    return np.round(100.0 * np.divide(num, den, out=np.zeros(len(parts)), where=den > 0), 2)


def _order(candidates: pd.DataFrame, members: np.ndarray, score: np.ndarray) -> np.ndarray:
    ids = candidates["parcel_id"].astype(str).to_numpy()
    keys = np.array([",".join(sorted(ids[m[m >= 0]])) for m in members], dtype=object)
    size = (members >= 0).sum(axis=1)
    return np.lexsort((keys, size, -score))


def _table(candidates: pd.DataFrame, members: np.ndarray, parts: np.ndarray,
           score: np.ndarray, kinds: tuple[str, ...]) -> pd.DataFrame:
    cols = {name: candidates[name].to_numpy(dtype=float)
            for name in ("area_mu", "price_wan_per_mu", "utilities_share", "chain_distance_m")}
    for kind in kinds:
        cols[distance_column(kind)] = candidates[distance_column(kind)].to_numpy(dtype=float)
        cols[f"nearest_{kind}"] = candidates[f"nearest_{kind}"].to_numpy(dtype=object)
    ids = candidates["parcel_id"].astype(str).to_numpy()
    parks = candidates["park_id"].astype(object).to_numpy()
    rows = []
    for rank, (m, p, s) in enumerate(zip(members, parts, score, strict=True), start=1):
        m = m[m >= 0]
        names = sorted(ids[m])
        total = float(cols["area_mu"][m].sum())
        explained = {part: (None if np.isnan(v) else round(float(v), 3))
                     for part, v in zip(SCORE_PARTS, p.tolist(), strict=True)}
        zh, en = _reasons(names, total, explained, cols, m, kinds)
        rows.append((f"S{rank:05d}", ",".join(names), len(m), parks[m[0]], round(total, 2),
                     float(s), json.dumps(explained), zh, en))
    return pd.DataFrame(rows, columns=list(SITE_COLUMNS))


def _reasons(names: list[str], total: float, parts: dict[str, float | None],
             cols: dict[str, np.ndarray], m: np.ndarray, kinds: tuple[str, ...],
             ) -> tuple[str, str]:
    if len(names) == 1:
        zh = [f"单宗地块 {names[0]}，{total:.2f} 亩"]
        en = [f"single parcel {names[0]}, {total:.2f} mu"]
    else:
        zh = [f"{len(names)} 宗相邻地块组合（{'、'.join(names)}），共 {total:.2f} 亩"]
        en = [f"{len(names)} adjoining parcels ({', '.join(names)}), {total:.2f} mu in all"]
    zh.append(f"紧凑度 {parts['compactness']:.2f}")
    en.append(f"compactness {parts['compactness']:.2f}")
    area = cols["area_mu"][m]
    price = cols["price_wan_per_mu"][m]
    if not np.isnan(price).any():
        mean = float(price @ area / area.sum())
        zh.append(f"均价 {mean:.1f} 万元/亩")
        en.append(f"price {mean:.1f} (10k CNY/mu)")
    flags = float(cols["utilities_share"][m] @ area / area.sum())
    zh.append(f"七通一平 {flags * 8:.1f}/8")
    en.append(f"utilities {flags * 8:.1f}/8")
    distance = cols["chain_distance_m"][m]
    if parts["chain"] is not None and np.isfinite(distance).any():
        km = float(np.nanmin(distance)) / 1000
        zh.append(f"距关联产业链项目 {km:.1f} 公里")
        en.append(f"{km:.1f} km from a linked chain project")
    for kind in kinds:
        near = cols[distance_column(kind)][m]
        if np.isfinite(near).any():
            name = cols[f"nearest_{kind}"][m][int(np.nanargmin(near))]
            zh.append(f"距{name} {np.nanmin(near):.1f} 公里")
            en.append(f"{np.nanmin(near):.1f} km to {name}")
    return "；".join(zh), "; ".join(en)


def sensitivity(parts: np.ndarray, weights: Mapping[str, float], *, step: float = 0.2,
                top: int = 10) -> pd.DataFrame:
    """How stable the top ``top`` is when each weight moves by ± ``step``.

    Returns
    -------
    pandas.DataFrame
        One row per (part with weight > 0, direction): ``part``, ``change`` (e.g. -0.2),
        ``kept`` (sites of the original top still in the new top), ``kept_share`` and
        ``first_kept`` (the best site stays first). Ties are broken by row order, so ``parts``
        should come in the ranked order of :class:`SiteSearch`.
    """
    base = _top(scores(parts, weights), top)
    rows = []
    for part in SCORE_PARTS:
        if weights.get(part, 0.0) <= 0:
            continue
        for change in (-step, step):
            moved = {**weights, part: weights[part] * (1 + change)}
            new = _top(scores(parts, moved), top)
            kept = len(set(base) & set(new))
            rows.append({"part": part, "change": change, "kept": kept,
                         "kept_share": kept / max(len(base), 1),
                         "first_kept": bool(len(base) and len(new) and base[0] == new[0])})
    return pd.DataFrame(rows, columns=["part", "change", "kept", "kept_share", "first_kept"])


def _top(score: np.ndarray, top: int) -> list[int]:
    return np.lexsort((np.arange(len(score)), -score))[:top].tolist()


def site_geometries(search: SiteSearch, candidates: gpd.GeoDataFrame, rows: int | None = None,
                    ) -> gpd.GeoSeries:
    """Union of each site's parcels (first ``rows`` sites), for maps."""
    geoms = np.asarray(candidates.geometry.values, dtype=object)
    members = search.members[:rows] if rows is not None else search.members
    unions = [shapely.union_all(geoms[m[m >= 0]]) for m in members]
    return gpd.GeoSeries(unions, crs=candidates.crs, index=search.sites.index[:len(unions)])

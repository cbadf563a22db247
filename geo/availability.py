"""Can this parcel be offered now, and if not, why not (shared/domain.md §3, §5)?

:func:`verdicts` turns a parcel table and its :func:`geo.overlap.overlap_table` into one verdict
per parcel — ``available`` plus machine-readable reason codes and Chinese/English text. It is
pure and row-wise, so a partitioned engine can call it per partition. :func:`assess` is the
whole computation on two GeoDataFrames; the app's parcel finder, the CLI and the exports use it
through :func:`layers.supply.availability`.

Reason codes (blocking unless marked):

=========================  =====================================================================
``status_not_offerable``   status is not in ``supply.offerable_statuses``
``redline_<cat>``          hard ``conflict: inside`` category overlapped beyond the tolerance
``outside_<cat>``          hard ``conflict: outside`` category: part of the parcel lies outside
                           (``outside_urban_boundary`` for the urban development boundary)
``soft_<cat>``             soft category of either kind beyond the tolerance — warning only
``land_use_mismatch``      land use does not match ``query.land_uses``
``area_below_min``         area below ``query.min_mu``
``area_above_max``         area above ``query.max_mu``
``not_in_park``            park not in ``query.park_ids``
=========================  =====================================================================
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

import geopandas as gpd
import numpy as np
import pandas as pd

from geo.overlap import overlap_column, overlap_table, share_column
from geo.redlines import OverlapTolerance, RedlineCategory
from geo.verdict_text import fixed, join, per_distinct, percent

VERDICT_COLUMNS = ("available", "reasons", "reasons_zh", "reasons_en")


@dataclass(frozen=True)
class ParcelQuery:
    """What an investor asks for; every field optional.

    Parameters
    ----------
    min_mu, max_mu : requested area range in 亩 (inclusive).
    land_uses : land-use codes; a parcel matches when its code equals one of them or starts
        with it (``"1001"`` matches ``"100102"``: codes are hierarchical).
    park_ids : parks the parcel must lie in.
    """

    min_mu: float | None = None
    max_mu: float | None = None
    land_uses: tuple[str, ...] | None = None
    park_ids: tuple[str, ...] | None = None

    def __post_init__(self) -> None:
        for name in ("land_uses", "park_ids"):
            value = getattr(self, name)
            if isinstance(value, str):  # a single code, not its characters
                object.__setattr__(self, name, (value,))
            elif value is not None:
                object.__setattr__(self, name, tuple(str(v) for v in value))
        for name in ("min_mu", "max_mu"):
            value = getattr(self, name)
            if value is not None and not value >= 0:
                raise ValueError(f"ParcelQuery.{name}={value!r}: give an area ≥ 0 亩")
        if self.min_mu is not None and self.max_mu is not None and self.min_mu > self.max_mu:
            raise ValueError(f"ParcelQuery: min_mu {self.min_mu} > max_mu {self.max_mu}; "
                             "swap them")


@dataclass(frozen=True)
class SupplyRules:
    """Red-line semantics, touch tolerance and offerable statuses (from the policy file).

    ``status_labels`` and ``land_use_labels`` (code → (中文, English)) only make the reason
    texts readable; codes stand in for missing labels.
    """

    categories: Mapping[str, RedlineCategory]
    tolerance: OverlapTolerance
    offerable_statuses: tuple[str, ...]
    status_labels: Mapping[str, tuple[str, str]] = field(default_factory=dict)
    land_use_labels: Mapping[str, tuple[str, str]] = field(default_factory=dict)


def verdicts(parcels: pd.DataFrame, overlaps: pd.DataFrame, rules: SupplyRules, *,
             query: ParcelQuery | None = None) -> pd.DataFrame:
    """Availability verdict per parcel from its attributes and red-line overlaps.

    Parameters
    ----------
    parcels : ``status`` (+ ``land_use`` when ``query.land_uses``, ``park_id`` when
        ``query.park_ids``); same index as ``overlaps``.
    overlaps : output of :func:`geo.overlap.overlap_table`; categories of ``rules`` without an
        ``overlap_mu_<cat>`` column are not judged (no such red lines loaded).
    rules : the supply rules; an overlap is a conflict when it reaches
        ``tolerance.min_mu`` 亩 or ``tolerance.min_share`` of the parcel (below both it is a
        touch of surveyed edges, shared/domain.md §3).
    query : optional investor query (area range, land uses, parks).

    Returns
    -------
    pandas.DataFrame
        ``overlaps`` plus ``available`` (bool: no blocking reason), ``reasons`` (tuple of codes,
        see the module docstring), ``reasons_zh`` and ``reasons_en`` (text, with 亩 figures).
    """
    query = query or ParcelQuery()
    if not parcels.index.equals(overlaps.index):
        raise ValueError("parcels and overlaps must share one index (overlap_table keeps it)")
    if "status" not in parcels.columns:
        raise ValueError("parcels: column 'status' is missing")
    n = len(overlaps)
    area = overlaps["area_mu"].to_numpy(dtype="float64")
    found: list[_Reason] = [_status_reason(parcels, rules)]
    for name, category in rules.categories.items():
        if overlap_column(name) in overlaps.columns:
            found.append(_redline_reason(name, category, overlaps, rules.tolerance))
    found.extend(_query_reasons(parcels, area, query, rules))

    if len(found) > 62:
        raise ValueError(f"{len(found)} reasons to check: at most 62 (fewer red-line categories)")
    # Rows with the same combination of reasons share codes and joined texts: build each
    # combination once (a handful) instead of once per row (up to millions).
    combo = np.zeros(n, dtype="int64")
    for bit, reason in enumerate(found):
        combo |= reason.mask.astype("int64") << bit
    kinds, inverse = np.unique(combo, return_inverse=True)
    order = np.argsort(inverse, kind="stable")
    groups = np.split(order, np.flatnonzero(np.diff(inverse[order])) + 1) if n else []
    codes = np.empty(len(kinds), dtype=object)
    blocking = np.zeros(len(kinds), dtype=bool)
    zh = np.full(n, "", dtype=object)
    en = np.full(n, "", dtype=object)
    for k, (kind, rows) in enumerate(zip(kinds, groups, strict=True)):
        members = [r for bit, r in enumerate(found) if kind >> bit & 1]
        codes[k] = tuple(r.code for r in members)
        blocking[k] = any(r.blocks for r in members)
        if members:
            zh[rows] = _joined([r.zh[rows] for r in members], "；")
            en[rows] = _joined([r.en[rows] for r in members], "; ")
    out = overlaps.copy(deep=False)  # new columns only: the caller's frame stays as it was
    out["available"] = ~blocking[inverse]
    out["reasons"] = pd.Series(codes[inverse], index=out.index, dtype=object)
    out["reasons_zh"] = pd.Series(zh, index=out.index, dtype=object)
    out["reasons_en"] = pd.Series(en, index=out.index, dtype=object)
    return out


def assess(parcels: gpd.GeoDataFrame, redlines: gpd.GeoDataFrame, rules: SupplyRules, *,
           query: ParcelQuery | None = None, threads: int | None = None,
           between: Callable[[], object] | None = None) -> pd.DataFrame:
    """Overlaps and verdicts in one call: :func:`overlap_table` then :func:`verdicts`.

    Only categories of ``rules`` that occur in ``redlines`` are computed, so a county without,
    say, a flood-zone layer is not judged on it (and a missing urban boundary does not put
    every parcel "outside" it).

    Parameters
    ----------
    parcels : ``parcel_id``, ``status``, ``land_use``, ``park_id`` and polygon geometry.
    redlines : ``category`` (+ optional ``parcel_id``) and polygon geometry, same CRS.
    rules, query : see :func:`verdicts`.
    threads : worker threads for the geometry; ``None`` uses every core.
    between : called after the overlaps, before the verdicts (a command hands the kernel
        threads' freed memory back to the system there).

    Returns
    -------
    pandas.DataFrame
        Same index as ``parcels``: ``parcel_id``, ``area_mu``, ``overlap_mu_<cat>``,
        ``share_<cat>``, ``available``, ``reasons``, ``reasons_zh``, ``reasons_en``.
    """
    present = set(redlines["category"].dropna().astype(str)) if len(redlines) else set()
    categories = {name: cat for name, cat in rules.categories.items() if name in present}
    overlaps = overlap_table(parcels, redlines, categories, threads=threads or 0)
    if between is not None:
        between()
    return verdicts(parcels, overlaps, rules, query=query)


# -- reasons ------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Reason:
    code: str
    blocks: bool
    mask: np.ndarray
    zh: np.ndarray  # text per row (object array; only rows in mask are read)
    en: np.ndarray


def _joined(parts: list[np.ndarray], sep: str) -> np.ndarray:
    if len(parts) == 1:
        return parts[0]
    pieces: list[np.ndarray | str] = [parts[0]]
    for part in parts[1:]:
        pieces += [sep, part]
    return join(*pieces).astype(object)


def _masked_text(mask: np.ndarray, make_zh, make_en) -> tuple[np.ndarray, np.ndarray]:  # noqa: ANN001
    """Text arrays filled only where ``mask``; ``make_*(rows)`` build them with
    :mod:`geo.verdict_text` (numbers formatted once per distinct value, no loop per row)."""
    zh = np.full(len(mask), "", dtype=object)
    en = np.full(len(mask), "", dtype=object)
    rows = np.flatnonzero(mask)
    if len(rows):
        zh[rows] = make_zh(rows).astype(object)
        en[rows] = make_en(rows).astype(object)
    return zh, en


def _label(table: Mapping[str, tuple[str, str]], code: object, lang: int) -> str:
    pair = table.get(code) if isinstance(code, str) else None
    return pair[lang] if pair else str(code)


def _status_reason(parcels: pd.DataFrame, rules: SupplyRules) -> _Reason:
    status = parcels["status"].astype(object).to_numpy()
    mask = ~np.isin(status, list(rules.offerable_statuses))
    inverse, values = pd.factorize(pd.Series(status, dtype=object).fillna(""))
    labels = rules.status_labels
    zh = np.array([f"供地状态为“{_label(labels, v, 0)}”，不可供应" for v in values],
                  dtype=object)[inverse]
    en = np.array([f"status is '{_label(labels, v, 1)}', not offerable" for v in values],
                  dtype=object)[inverse]
    return _Reason("status_not_offerable", True, mask, zh, en)


def _redline_reason(name: str, category: RedlineCategory, overlaps: pd.DataFrame,
                    tolerance: OverlapTolerance) -> _Reason:
    mu = overlaps[overlap_column(name)].to_numpy(dtype="float64")
    share = overlaps[share_column(name)].to_numpy(dtype="float64")
    mask = (mu > 0) & ((mu >= tolerance.min_mu) | (share >= tolerance.min_share))
    hard = category.severity == "hard"
    if not hard:
        code = f"soft_{name}"
    elif category.conflict == "outside":
        code = f"outside_{name}"
    else:
        code = f"redline_{name}"
    pre_zh, pre_en = ("", "") if hard else ("提示：", "warning: ")
    if category.conflict == "outside":
        zh, en = _masked_text(
            mask,
            lambda r: join(pre_zh, fixed(mu[r], 2), "亩（", percent(share[r]),
                           f"）位于{category.zh}之外"),
            lambda r: join(pre_en, fixed(mu[r], 2), " mu (", percent(share[r]),
                           f") outside the {category.en}"),
        )
    else:
        zh, en = _masked_text(
            mask,
            lambda r: join(f"{pre_zh}与{category.zh}重叠 ", fixed(mu[r], 2), " 亩（",
                           percent(share[r]), "）"),
            lambda r: join(f"{pre_en}overlaps the {category.en} by ", fixed(mu[r], 2),
                           " mu (", percent(share[r]), ")"),
        )
    return _Reason(code, hard, mask, zh, en)


def _query_reasons(parcels: pd.DataFrame, area: np.ndarray, query: ParcelQuery,
                   rules: SupplyRules) -> list[_Reason]:
    found: list[_Reason] = []
    if query.land_uses is not None:
        if "land_use" not in parcels.columns:
            raise ValueError("parcels: column 'land_use' is missing (needed by the land-use query)")
        uses = parcels["land_use"].astype(object).to_numpy()
        wanted = tuple(str(u) for u in query.land_uses)
        mask = np.array([not (isinstance(u, str) and u.startswith(wanted)) for u in uses],
                        dtype=bool)
        lab = rules.land_use_labels
        listed_zh = "、".join(_label(lab, u, 0) for u in wanted)
        listed_en = ", ".join(_label(lab, u, 1) for u in wanted)
        zh, en = _masked_text(
            mask,
            lambda r: per_distinct(uses[r], lambda u: f"用地性质为{_label(lab, u, 0)}（{u}），"
                                   f"不符合所需（{listed_zh}）"),
            lambda r: per_distinct(
                uses[r], lambda u: f"land use {_label(lab, u, 1)} ({u}) does not match the "
                f"request ({listed_en})"),
        )
        found.append(_Reason("land_use_mismatch", True, mask, zh, en))
    if query.min_mu is not None:
        lo = float(query.min_mu)
        mask = area < lo
        zh, en = _masked_text(
            mask,
            lambda r: join("面积 ", fixed(area[r], 2), f" 亩，小于所需 {lo:g} 亩"),
            lambda r: join("area ", fixed(area[r], 2), f" mu is below the requested {lo:g} mu"),
        )
        found.append(_Reason("area_below_min", True, mask, zh, en))
    if query.max_mu is not None:
        hi = float(query.max_mu)
        mask = area > hi
        zh, en = _masked_text(
            mask,
            lambda r: join("面积 ", fixed(area[r], 2), f" 亩，大于所需 {hi:g} 亩"),
            lambda r: join("area ", fixed(area[r], 2), f" mu is above the requested {hi:g} mu"),
        )
        found.append(_Reason("area_above_max", True, mask, zh, en))
    if query.park_ids is not None:
        if "park_id" not in parcels.columns:
            raise ValueError("parcels: column 'park_id' is missing (needed by the park query)")
        parks = parcels["park_id"].astype(object).to_numpy()
        mask = ~np.isin(parks, list(query.park_ids))
        zh, en = _masked_text(
            mask,
            lambda r: per_distinct(parks[r], lambda p: "不在所选园区内（所属："
                                   f"{p if isinstance(p, str) else '园区外'}）"),
            lambda r: per_distinct(
                parks[r], lambda p: "not in the requested parks (park: "
                f"{p if isinstance(p, str) else 'outside any park'})"),
        )
        found.append(_Reason("not_in_park", True, mask, zh, en))
    return found

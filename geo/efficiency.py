"""亩均效益综合评价 ("亩均论英雄"): indicators, item scores, ranks and A/B/C/D/T classes.

Rules from shared/domain.md §4 (浙政发〔2018〕5号; scoring as published by 台州黄岩区):

* indicators per enterprise (:data:`INDICATORS`, units below);
* ``ratio`` method: item = value ÷ benchmark × weight, optionally capped at
  ``cap_per_item × weight`` (the note names capped items); ``minmax`` method:
  item = weight × [20 + 80 × (x − min) ÷ (max − min)] ÷ 100 over the graded firms of the
  same scale group (no spread: every firm gets the full weight);
* a missing indicator (no data, or a zero denominator) takes the group's average item score,
  and the note says so;
* classes per scale group, by cumulative share from the top or by absolute score thresholds;
  T (not graded) for utilities, firms in production under ``ungraded_years`` and land below
  ``min_land_mu`` or unknown (a firm without ``production_start_date`` is graded).

Classes by share: a firm is A when fewer than ``classes.A`` (20 %) of the graded firms of its
scale group score strictly higher than it, B when fewer than ``classes.B`` (60 %) do, C when
fewer than ``classes.C`` (95 %) do, else D. So in a group of 10 the top 2 are A and the 3rd
(exactly 20 % ahead) is B; a lone firm is A; D is empty in groups under 20 firms.

Ties: scores are compared rounded to 9 decimals; equal scores share the better (smaller)
rank — the competition rank, 1 + the number of strictly better firms — and therefore the
better class. Rows are listed by scale group, rank, then ``enterprise_id``.

Groups: firms are ranked within the group of ``efficiency.groups`` whose ``when:`` rule they
match first (:mod:`geo.efficiency_groups`; by default one group per scale); a firm matching
no group is T and its note says why.

Settings (the ``efficiency`` policy section) live in :mod:`geo.efficiency_settings`, the
indicator catalogue and county-declared indicators in :mod:`geo.efficiency_catalog`, class
consequences in :mod:`geo.efficiency_consequences`, the what-if class of a prospect in
:mod:`geo.efficiency_whatif`, aggregates (land-weighted 亩均 figures per county, park and
parcel; low-efficiency flags) in :mod:`geo.aggregates`, which imports nothing from here.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from geo.efficiency_consequences import CONSEQUENCE_COLUMNS, apply_consequences
from geo.efficiency_groups import assign_groups
from geo.efficiency_settings import (
    CLASSES,
    INDICATORS,
    EfficiencySettings,
    Indicator,
    ItemRule,
    parse_settings,
)

__all__ = [
    "CLASSES", "CONSEQUENCE_COLUMNS", "INDICATORS", "EfficiencySettings", "ItemRule",
    "evaluate", "indicators", "parse_settings",
]


def indicators(enterprises: pd.DataFrame, *,
               catalogue: Mapping[str, Indicator] = INDICATORS) -> pd.DataFrame:
    """The 亩均 indicators per enterprise (same index), units as in the catalogue.

    Each is numerator ÷ denominator × factor (e.g. ``tax_per_mu = tax_wan ÷ land_mu``); pass
    ``settings.indicators`` to include the county's declared ones. A missing column, a missing
    value or a denominator ≤ 0 gives NaN (scored later as "missing").
    """
    out = pd.DataFrame(index=enterprises.index)
    for name, ind in catalogue.items():
        num = _numeric(enterprises, ind.numerator)
        den = _numeric(enterprises, ind.denominator)
        out[name] = (num / den.where(den > 0) * ind.factor).astype("float64")
    return out


def _numeric(frame: pd.DataFrame, column: str) -> pd.Series:
    if column not in frame:
        return pd.Series(np.nan, index=frame.index, dtype="float64")
    return pd.to_numeric(frame[column], errors="coerce").astype("float64")


def evaluate(enterprises: pd.DataFrame, settings: EfficiencySettings, *,
             as_of: pd.Timestamp) -> pd.DataFrame:
    """Score, rank and class every enterprise; each row explains itself in ``note``.

    Parameters
    ----------
    enterprises : the enterprise layer (``enterprise_id``, ``scale``, ``land_mu``, the figures
        the indicators divide, the columns the group rules test; optional
        ``production_start_date``, ``is_utility``).
    settings : the parsed ``efficiency`` policy section.
    as_of : evaluation date; "in production under N years" is measured to it.

    Returns
    -------
    DataFrame (same index) with ``enterprise_id``, ``name``, ``scale``, ``park_id``,
    ``land_mu``, ``tax_wan``, ``value_added_wan``, ``group`` (name, empty when none fits),
    ``group_zh``, ``group_en``, each indicator of ``settings.indicators``,
    ``score_<indicator>`` for each scored indicator, ``score``, ``rank`` (within the group),
    ``class`` (A/B/C/D/T), the class consequences (:data:`CONSEQUENCE_COLUMNS`), ``note``
    (English) and ``note_zh``; sorted by group order, rank, enterprise_id.
    """
    missing = [c for c in ("enterprise_id", "scale") if c not in enterprises]
    if missing:
        raise KeyError(f"enterprises lack column(s) {missing}; required: enterprise_id, scale, "
                       "land_mu and the indicator figures")
    out = pd.DataFrame(index=enterprises.index)
    for col in ("enterprise_id", "name", "scale", "park_id"):
        if col in enterprises:
            out[col] = enterprises[col].astype(object)
    for col in ("land_mu", "tax_wan", "value_added_wan"):
        out[col] = _numeric(enterprises, col)
    group_of, why_en, why_zh = assign_groups(enterprises, settings.groups)
    labels = {g.name: (g.zh, g.en) for g in settings.groups.values()}
    out["group"] = group_of
    out["group_zh"] = [labels[g][0] if g is not None else None for g in group_of]
    out["group_en"] = [labels[g][1] if g is not None else None for g in group_of]
    ind = indicators(enterprises, catalogue=settings.indicators)
    out = out.join(ind)
    notes_en, notes_zh = _ungraded(enterprises, settings, as_of, why_en, why_zh)
    graded = np.ones(len(out), dtype=bool)
    graded[list(notes_en)] = False
    for name in settings.scored_indicators:
        out[f"score_{name}"] = np.nan
    out["score"] = np.nan
    out["rank"] = pd.Series(pd.NA, index=out.index, dtype="Int64")
    out["class"] = "T"
    for group in settings.groups.values():
        members = graded & (group_of == group.name)
        if not members.any():
            continue
        positions = np.flatnonzero(members)
        total = np.zeros(len(positions))
        for name, rule in group.rules.items():
            item, missing_item, capped, fill = _item_scores(ind[name].to_numpy()[members],
                                                            rule, settings)
            out.iloc[positions, out.columns.get_loc(f"score_{name}")] = item
            total += item
            zh_name = settings.indicators[name].zh
            en_name = settings.indicators[name].en or name.replace("_", " ")
            for pos in positions[missing_item].tolist():
                notes_en.setdefault(pos, []).append(
                    f"{en_name} missing: scored at its group's average {fill:.2f} "
                    f"({group.en or group.name})")
                notes_zh.setdefault(pos, []).append(
                    f"{zh_name}缺数据，按{group.zh}组平均分{fill:.2f}计")
            for pos in positions[capped].tolist():
                cap = (settings.cap_per_item or 0) * rule.weight
                notes_en.setdefault(pos, []).append(f"{en_name} capped at {cap:g}")
                notes_zh.setdefault(pos, []).append(f"{zh_name}得分封顶{cap:g}")
        rank, cls = _rank_and_class(total, settings)
        out.iloc[positions, out.columns.get_loc("score")] = total
        out.iloc[positions, out.columns.get_loc("rank")] = rank
        out.iloc[positions, out.columns.get_loc("class")] = cls
    out = out.join(apply_consequences(out["class"], enterprises, settings.consequences))
    out["note"] = _join(notes_en, len(out), "; ")
    out["note_zh"] = _join(notes_zh, len(out), "；")
    order_of = {name: i for i, name in enumerate(settings.groups)}
    group_key = np.array([order_of.get(g, len(order_of)) for g in group_of], dtype="int64")
    rank_key = out["rank"].fillna(len(out) + 1).to_numpy(dtype="int64")
    order = np.lexsort((out["enterprise_id"].to_numpy(dtype=object), rank_key,
                        out["class"].eq("T").to_numpy(), group_key))
    return out.iloc[order]


def _join(notes: dict[int, list[str]], n: int, sep: str) -> np.ndarray:
    joined = np.full(n, "", dtype=object)
    for pos, parts in notes.items():
        joined[pos] = sep.join(parts)
    return joined


def _ungraded(enterprises: pd.DataFrame, settings: EfficiencySettings, as_of: pd.Timestamp,
              no_group_en: dict[int, str], no_group_zh: dict[int, str],
              ) -> tuple[dict[int, list[str]], dict[int, list[str]]]:
    """Position → the reasons a firm is T (graded firms absent), English and Chinese."""
    n = len(enterprises)
    en: dict[int, list[str]] = {}
    zh: dict[int, list[str]] = {}
    utility = (enterprises["is_utility"].fillna(False).astype(bool).to_numpy()
               if "is_utility" in enterprises else np.zeros(n, dtype=bool))
    since = (pd.to_datetime(enterprises["production_start_date"])
             if "production_start_date" in enterprises
             else pd.Series(pd.NaT, index=enterprises.index, dtype="datetime64[ns]"))
    cutoff = pd.Timestamp(as_of) - pd.DateOffset(years=settings.ungraded_years)
    young = (since > cutoff).to_numpy(dtype=bool)
    land = _numeric(enterprises, "land_mu").to_numpy()
    no_land = np.isnan(land)
    small = ~no_land & (land < settings.min_land_mu)
    no_group = np.zeros(n, dtype=bool)
    no_group[list(no_group_en)] = True
    years = settings.ungraded_years
    days = since.dt.strftime("%Y-%m-%d").to_numpy(dtype=object)
    for i in np.flatnonzero(no_group | utility | young | no_land | small).tolist():
        en[i], zh[i] = [], []
        if no_group[i]:
            en[i].append(no_group_en[i])
            zh[i].append(no_group_zh[i])
        if utility[i]:
            en[i].append("T: utility company (not graded)")
            zh[i].append("T：公用事业企业，不参评")
        if young[i]:
            en[i].append(f"T: in production since {days[i]}, under {years} years")
            zh[i].append(f"T：{days[i]}投产，不满{years}年")
        if no_land[i]:
            en[i].append("T: land area unknown")
            zh[i].append("T：用地面积不详")
        elif small[i]:
            en[i].append(f"T: land {land[i]:.2f} mu < {settings.min_land_mu:g} mu")
            zh[i].append(f"T：用地{land[i]:.2f}亩，不足{settings.min_land_mu:g}亩")
    return en, zh


def _item_scores(values: np.ndarray, rule: ItemRule, settings: EfficiencySettings,
                 ) -> tuple[np.ndarray, np.ndarray, np.ndarray, float]:
    """Item scores of one indicator for one group's graded firms.

    Returns the scores (missing ones filled), the mask of the filled ones, the mask of the
    capped ones, and the fill value (the average item score of the firms that have the
    indicator; 0 when none has it).
    """
    missing = np.isnan(values)
    x = values[~missing]
    if settings.method == "ratio":
        assert rule.benchmark is not None  # parse_settings requires it for ratio
        item = x / rule.benchmark * rule.weight
    elif len(x) and x.max() > x.min():
        item = rule.weight * (20 + 80 * (x - x.min()) / (x.max() - x.min())) / 100
    else:
        item = np.full(len(x), rule.weight, dtype="float64")
    capped = np.zeros(len(values), dtype=bool)
    if settings.cap_per_item is not None:
        cap = settings.cap_per_item * rule.weight
        capped[~missing] = item > cap
        item = np.minimum(item, cap)
    fill = float(item.mean()) if len(item) else 0.0
    full = np.full(len(values), fill, dtype="float64")
    full[~missing] = item
    return full, missing, capped, fill


def _rank_and_class(score: np.ndarray, settings: EfficiencySettings,
                    ) -> tuple[np.ndarray, np.ndarray]:
    """Competition rank (ties share the better rank) and class within one group."""
    key = np.round(score, 9)
    rank = pd.Series(key).rank(method="min", ascending=False).astype("int64").to_numpy()
    n = len(score)
    cls = np.full(n, "D", dtype=object)
    for c in reversed(("A", "B", "C")):
        if settings.class_rule == "share":
            inside = rank - 1 < settings.classes[c] * n - 1e-9
        else:
            assert settings.class_scores is not None
            inside = key >= round(settings.class_scores[c], 9)
        cls[inside] = c
    return rank, cls

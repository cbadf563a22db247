"""Target-enterprise recommendations (招商目标企业库 → chain gaps), with their evidence.

A prospect firm is recommended for a chain gap (``missing`` 补链, ``thin`` 强链, ``extension``
延链) only when it is *placed* in that segment (:func:`geo.chain_catalog.place`: its own
``segment_id``, else its industry code, else a keyword in its name or main products). Firms
placed elsewhere never appear under the segment.

Each firm gets an **evidence score** from the columns an enterprise-database export carries.
Every part is a value in [0, 1] *or unknown* — a blank cell is unknown, never 0:

* ``financing`` (column ``financing`` 近期融资): 1 when dated within ``recent_full_months``,
  0 from ``recent_zero_months`` (linear between); ``undated_value`` when positive but
  undated; 0 for an explicit 无/否.
* ``expansion`` (``expansion`` 异地设厂/拿地): the same rule.
* ``hiring`` (``hiring`` 招聘): postings ÷ ``hiring_full`` (capped at 1); 1 for 有/是; 0 for
  无/否/0.
* ``revenue`` (``revenue_band`` 营收规模): log-scale ramp of the band's mean in 万元 (亿 ×
  10⁴) from ``revenue_zero_wan`` to ``revenue_full_wan``.
* ``quality`` (``listed`` 上市情况 and ``specialised`` 专精特新): 1 for a listed firm or a
  专精特新小巨人, ``specialised_value`` for other 专精特新 levels, 0 when both say no.

``score = 100 × Σ_known wᵢ·vᵢ ÷ Σ_known wᵢ`` — the weighted mean of the *known* parts — and
``known_share = Σ_known wᵢ ÷ Σ wᵢ`` says how much of the evidence exists. Ranking within a
segment: firms whose ``known_share`` reaches ``min_known_share`` first, by score; then the
firms with thin evidence, by score; ties by the number of known parts, then by name. So a
firm with one glowing known part never outranks a firm with broad, good evidence by accident,
and no firm is punished for a blank cell.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import numpy as np
import pandas as pd

from geo.chain_catalog import ChainCatalog, place
from geo.policy_checks import Rule, fail, parse_section

EVIDENCE_PARTS: tuple[str, ...] = ("financing", "expansion", "hiring", "revenue", "quality")
"""Parts of the evidence score, in display order."""

PART_SOURCES: Mapping[str, tuple[str, ...]] = {
    "financing": ("financing",),
    "expansion": ("expansion",),
    "hiring": ("hiring",),
    "revenue": ("revenue_band",),
    "quality": ("listed", "specialised"),
}
"""Part → the target-layer columns it reads."""

PART_LABELS: Mapping[str, tuple[str, str]] = {
    "financing": ("近期融资", "Recent financing"),
    "expansion": ("异地设厂/拿地", "New plants or land elsewhere"),
    "hiring": ("招聘", "Hiring"),
    "revenue": ("营收规模", "Revenue band"),
    "quality": ("上市/专精特新", "Listed / specialised SME"),
}

RANKING_COLUMNS: tuple[str, ...] = (
    "chain_id", "segment_id", "segment_zh", "segment_en", "verdict", "rank", "target_id",
    "name", "city", "industry_code", "placed_by", "score", "known_parts", "known_share",
    "evidence_ok", "score_parts", *(f"part_{p}" for p in EVIDENCE_PARTS), "evidence_zh",
    "evidence_en", "owner",
)
"""One row per (gap segment, target firm); staff only (``owner`` is confidential)."""

_NEGATIVE = frozenset({"无", "否", "没有", "暂无", "未融资", "未上市", "非上市", "未", "不是",
                       "no", "none", "n", "false", "0", "-", "—", "－", "/"})
_POSITIVE = frozenset({"有", "是", "yes", "y", "true"})
_YEAR_MONTH = re.compile(r"(20\d{2}|19\d{2})(?:\s*[-/.年]\s*(\d{1,2}))?")
_NUMBER = re.compile(r"(\d+(?:\.\d+)?)\s*(亿|万|千万|百万)?")


@dataclass(frozen=True)
class TargetWeights:
    """Weights of the evidence parts (policy ``targets.weights``)."""

    financing: float = 0.25
    expansion: float = 0.30
    hiring: float = 0.15
    revenue: float = 0.15
    quality: float = 0.15

    def as_dict(self) -> dict[str, float]:
        return {p: float(getattr(self, p)) for p in EVIDENCE_PARTS}


@dataclass(frozen=True)
class TargetSettings:
    """Evidence-score settings (policy section ``targets``; README "Target enterprises")."""

    weights: TargetWeights = field(default_factory=TargetWeights)
    recent_full_months: float = 12.0
    recent_zero_months: float = 36.0
    undated_value: float = 0.5
    hiring_full: float = 20.0
    revenue_zero_wan: float = 1_000.0
    revenue_full_wan: float = 100_000.0
    specialised_value: float = 0.7
    min_known_share: float = 0.5
    max_per_segment: int = 20


# -- parsing one cell ---------------------------------------------------------------------


def _blank(text: str) -> bool:
    return text.strip().lower() in ("", "nan", "none", "nat", "null")


def _months_since(text: str, as_of: date) -> float | None:
    dates = [(int(y), int(m) if m else 6) for y, m in _YEAR_MONTH.findall(text)]
    dates = [(y, m) for y, m in dates if 1 <= m <= 12]
    if not dates:
        return None
    y, m = max(dates)
    return max(0.0, (as_of.year - y) * 12 + (as_of.month - m))


def _recency_value(text: str, as_of: date, s: TargetSettings) -> float | None:
    """Financing / expansion: dated events decay with age; an undated positive is partial."""
    if _blank(text):
        return None
    if text.strip().lower() in _NEGATIVE:
        return 0.0
    months = _months_since(text, as_of)
    if months is None:
        return s.undated_value
    span = max(s.recent_zero_months - s.recent_full_months, 1e-9)
    return float(np.clip((s.recent_zero_months - months) / span, 0.0, 1.0))


def _hiring_value(text: str, s: TargetSettings) -> float | None:
    if _blank(text):
        return None
    low = text.strip().lower()
    if low in _NEGATIVE:
        return 0.0
    if low in _POSITIVE:
        return 1.0
    found = _NUMBER.search(text)
    if found is None:
        return s.undated_value
    return float(min(float(found.group(1)) / s.hiring_full, 1.0))


def _wan(amount: str, unit: str | None) -> float:
    scale = {"亿": 10_000.0, "千万": 1_000.0, "百万": 100.0, "万": 1.0}.get(unit or "", 1.0)
    return float(amount) * scale


def _revenue_value(text: str, s: TargetSettings) -> float | None:
    if _blank(text):
        return None
    if text.strip().lower() in _NEGATIVE:
        return 0.0
    found = _NUMBER.findall(text)
    if not found:
        return None
    trailing = found[-1][1]  # "1-5亿": the unit written once applies to both numbers
    values = [_wan(a, u or trailing) for a, u in found]
    mean = sum(values) / len(values)
    if mean <= 0:
        return 0.0
    span = math.log(s.revenue_full_wan / s.revenue_zero_wan)
    return float(np.clip(math.log(mean / s.revenue_zero_wan) / span, 0.0, 1.0))


def _quality_value(listed: str, specialised: str, s: TargetSettings) -> float | None:
    if _blank(listed) and _blank(specialised):
        return None
    value = 0.0
    low_listed = listed.strip().lower()
    if not _blank(listed) and low_listed not in _NEGATIVE:
        value = 1.0
    low_spec = specialised.strip().lower()
    if not _blank(specialised) and low_spec not in _NEGATIVE:
        value = max(value, 1.0 if "小巨人" in specialised else s.specialised_value)
    return value


# -- the score ----------------------------------------------------------------------------


def _texts(frame: pd.DataFrame, column: str) -> list[str]:
    if column not in frame.columns:
        return [""] * len(frame)
    return ["" if v is None or (isinstance(v, float) and math.isnan(v)) else str(v)
            for v in frame[column].to_numpy(dtype=object)]


def _per_distinct(values: list[Any], fn: Any) -> np.ndarray:
    """Apply ``fn`` once per distinct input (exports repeat the same cells a lot)."""
    cache: dict[Any, float | None] = {}
    out = np.full(len(values), np.nan)
    for i, v in enumerate(values):
        if v not in cache:
            cache[v] = fn(v)
        got = cache[v]
        if got is not None:
            out[i] = got
    return out


def evidence_parts(targets: pd.DataFrame, *, as_of: date,
                   settings: TargetSettings | None = None) -> pd.DataFrame:
    """Per firm, each evidence part's value in [0, 1], NaN where the data is silent.

    Parameters
    ----------
    targets : target layer (columns of :data:`PART_SOURCES`; missing columns are unknown).
    as_of : reference date for the age of financing and expansion events.
    settings : score settings (policy section ``targets``).

    Returns
    -------
    A frame with the index of ``targets`` and one float column per :data:`EVIDENCE_PARTS`.
    """
    s = settings or TargetSettings()
    quality_keys = list(zip(_texts(targets, "listed"), _texts(targets, "specialised"),
                            strict=True))
    return pd.DataFrame({
        "financing": _per_distinct(_texts(targets, "financing"),
                                   lambda t: _recency_value(t, as_of, s)),
        "expansion": _per_distinct(_texts(targets, "expansion"),
                                   lambda t: _recency_value(t, as_of, s)),
        "hiring": _per_distinct(_texts(targets, "hiring"), lambda t: _hiring_value(t, s)),
        "revenue": _per_distinct(_texts(targets, "revenue_band"),
                                 lambda t: _revenue_value(t, s)),
        "quality": _per_distinct(quality_keys, lambda k: _quality_value(k[0], k[1], s)),
    }, index=targets.index)


def evidence_score(parts: pd.DataFrame, settings: TargetSettings | None = None
                   ) -> pd.DataFrame:
    """Score over the known parts, their count and their share of the total weight.

    ``score = 100 × Σ_known w·v ÷ Σ_known w`` (NaN when nothing is known),
    ``known_share = Σ_known w ÷ Σ w``.
    """
    s = settings or TargetSettings()
    weights = np.array([s.weights.as_dict()[p] for p in EVIDENCE_PARTS])
    values = parts[list(EVIDENCE_PARTS)].to_numpy(dtype=float)
    known = ~np.isnan(values)
    known_w = known @ weights
    weighted = np.where(known, values, 0.0) @ weights
    with np.errstate(invalid="ignore", divide="ignore"):
        score = np.where(known_w > 0, np.round(100.0 * weighted / known_w, 1), np.nan)
    share = np.round(known_w / weights.sum(), 3)
    return pd.DataFrame({"score": score, "known_parts": known.sum(axis=1).astype(int),
                         "known_share": share,
                         "evidence_ok": share >= s.min_known_share - 1e-12},
                        index=parts.index)


def place_targets(targets: pd.DataFrame, catalog: ChainCatalog) -> pd.DataFrame:
    """Place target firms in chain segments by segment → industry-code prefix → keyword in
    the name or main products (:func:`geo.chain_catalog.place`)."""
    text = pd.Series([f"{n} {p}".strip() for n, p in zip(_texts(targets, "name"),
                                                          _texts(targets, "products"),
                                                          strict=True)],
                     index=targets.index, dtype=object)
    placed = place(targets.assign(_placement_text=text), catalog,
                   name_column="_placement_text")
    return placed.drop(columns=["_placement_text"])


def rank_targets(targets: pd.DataFrame, catalog: ChainCatalog, analysis: pd.DataFrame, *,
                 as_of: date, match_verdicts: tuple[str, ...] = ("missing", "thin",
                                                                   "extension"),
                 settings: TargetSettings | None = None, chain_id: str | None = None,
                 ) -> pd.DataFrame:
    """Per gap segment of ``analysis``, the target firms placed in it, best evidence first.

    Parameters
    ----------
    targets : the target layer.
    catalog : chain definitions (placement rules, segment names).
    analysis : :func:`geo.chains.analyse` result (``segment_id``, ``verdict``).
    as_of : reference date for event ages.
    match_verdicts : verdicts that call for promotion.
    settings : score settings.
    chain_id : only this chain.

    Returns
    -------
    :data:`RANKING_COLUMNS`: at most ``max_per_segment`` rows per segment; a segment with no
    placed firm keeps one row with ``target_id`` None and the reason in ``evidence_zh/en``.
    ``part_<p>`` is the value or the text ``"unknown"``.
    """
    s = settings or TargetSettings()
    gaps = analysis[analysis["verdict"].isin(match_verdicts)]
    if chain_id is not None:
        gaps = gaps[gaps["chain_id"] == chain_id]
    gaps = gaps.drop_duplicates("segment_id")
    scored = _scored(targets, catalog, as_of, s)
    by_segment = {k: g for k, g in scored.groupby("segment_id", sort=False)}
    rows: list[dict[str, object]] = []
    for seg_id, verdict in zip(gaps["segment_id"], gaps["verdict"], strict=True):
        seg = catalog.segments[seg_id]
        base = {"chain_id": seg.chain_id, "segment_id": seg_id, "segment_zh": seg.zh,
                "segment_en": seg.en, "verdict": verdict}
        firms = by_segment.get(seg_id)
        if firms is None or firms.empty:
            rows.append({**base, "rank": None, "target_id": None, "evidence_zh":
                         "目标企业库中暂无该环节企业", "evidence_en":
                         "no firm of the target library is placed in this segment"})
            continue
        order = firms.sort_values(["evidence_ok", "score", "known_parts", "name"],
                                  ascending=[False, False, False, True], na_position="last")
        for rank, (_, firm) in enumerate(order.head(s.max_per_segment).iterrows(), start=1):
            rows.append({**base, "rank": rank, **_firm_row(firm, s)})
    out = pd.DataFrame(rows, columns=list(RANKING_COLUMNS))
    out["rank"] = out["rank"].astype("Int64")
    return out


def top_names(ranking: pd.DataFrame, n: int = 3) -> dict[str, str]:
    """Segment → the names of its ``n`` best-ranked firms (for the parcel worklist)."""
    firms = ranking[ranking["target_id"].notna()]
    return {seg: "、".join(group.sort_values("rank")["name"].astype(str).head(n))
            for seg, group in firms.groupby("segment_id", sort=False)}


def _scored(targets: pd.DataFrame, catalog: ChainCatalog, as_of: date,
            s: TargetSettings) -> pd.DataFrame:
    placed = place_targets(targets, catalog)
    placed = placed[placed["segment_id"].notna()]
    parts = evidence_parts(placed, as_of=as_of, settings=s)
    return pd.concat([placed, parts.add_prefix("v_"), evidence_score(parts, s)], axis=1)


def _firm_row(firm: pd.Series, s: TargetSettings) -> dict[str, object]:
    weights = s.weights.as_dict()
    parts: dict[str, dict[str, object]] = {}
    zh: list[str] = []
    en: list[str] = []
    for p in EVIDENCE_PARTS:
        value = firm[f"v_{p}"]
        known = not (isinstance(value, float) and math.isnan(value))
        sources = PART_SOURCES[p]
        raw = "；".join(str(firm[c]) for c in sources if c in firm.index
                       and not _blank(str(firm[c])))
        parts[p] = {"value": round(float(value), 3) if known else "unknown",
                    "weight": weights[p], "source": "+".join(sources), "evidence": raw}
        label_zh, label_en = PART_LABELS[p]
        shown = f"{float(value):.2f}" if known else None
        zh.append(f"{label_zh}：{raw}（{shown}）" if known else f"{label_zh}：未知")
        en.append(f"{label_en}: {raw} ({shown})" if known else f"{label_en}: unknown")
    n_known = int(firm["known_parts"])
    zh.append(f"已知 {n_known}/{len(EVIDENCE_PARTS)} 项" + (
        "" if firm["evidence_ok"] else "，证据不足，排在证据充分者之后"))
    en.append(f"{n_known}/{len(EVIDENCE_PARTS)} parts known" + (
        "" if firm["evidence_ok"] else "; thin evidence, ranked after firms with enough"))
    score = firm["score"]
    return {
        "target_id": firm["target_id"], "name": firm["name"], "city": firm.get("city"),
        "industry_code": firm.get("industry_code"), "placed_by": firm["placed_by"],
        "score": None if isinstance(score, float) and math.isnan(score) else float(score),
        "known_parts": n_known, "known_share": float(firm["known_share"]),
        "evidence_ok": bool(firm["evidence_ok"]),
        "score_parts": json.dumps(parts, ensure_ascii=False),
        **{f"part_{p}": parts[p]["value"] for p in EVIDENCE_PARTS},
        "evidence_zh": "；".join(zh), "evidence_en": "; ".join(en), "owner": firm.get("owner"),
    }


# -- policy section ``targets`` -----------------------------------------------------------

def _weights(value: Any, source: str, key: str) -> TargetWeights:
    weights = parse_section(TargetWeights, value, source, key, default=Rule(minimum=0))
    if sum(weights.as_dict().values()) <= 0:
        raise fail(source, key, "all weights are 0", "give at least one positive weight")
    return weights


_SHARE = Rule(minimum=0, maximum=1)
RULES = {
    "weights": Rule(parse=_weights),
    "undated_value": _SHARE,
    "specialised_value": _SHARE,
    "min_known_share": _SHARE,
    "hiring_full": Rule(minimum=0, strict=True, fix="give a count such as 20"),
    "revenue_zero_wan": Rule(minimum=0, strict=True),
    "max_per_segment": Rule(minimum=1, fix="give a count such as 20"),
}
"""Checks beyond the types (:func:`geo.policy_checks.parse_section`); other numbers are ≥ 0."""


def parse_settings(value: Mapping[str, Any], source: str) -> TargetSettings:
    """Validate the policy section ``targets`` (missing keys keep their defaults).

    Raises
    ------
    geo.policy_checks.PolicyError
        ``<file>: targets.<key>: <problem>; fix: <fix>``.
    """
    s = parse_section(TargetSettings, value, source, "targets", rules=RULES,
                      default=Rule(minimum=0))
    if s.recent_zero_months <= s.recent_full_months:
        raise fail(source, "targets.recent_zero_months", "not above recent_full_months",
                   "raise it")
    if s.revenue_full_wan <= s.revenue_zero_wan:
        raise fail(source, "targets.revenue_full_wan", "not above revenue_zero_wan (> 0)",
                   "give 0 < revenue_zero_wan < revenue_full_wan")
    return s

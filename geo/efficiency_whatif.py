"""What-if 亩均 class of a prospect (a project or lead) against the county's current cut-offs.

From a prospect's planned figures — land (亩), tax, output (营业收入), value added, and any
other enterprise figure a group scores — :func:`whatif_class` computes the indicators the
figures allow, picks the group its rule would put it in, scores it exactly as
:func:`geo.efficiency.evaluate` scores a firm of that group, and compares the score with
the group's cut-offs today:

* ``class_rule: score`` — the policy thresholds (A ≥ ``class_scores.A`` …);
* ``class_rule: share`` — the lowest score that holds each class in the group's current
  evaluation (the prospect is not inserted: nobody else changes class). A score at or above
  the lowest A is A, else at or above the lowest B is B, and so on; below every current C
  firm it is D when the group has a D class today, else C (a small group has no D).

An indicator the plan does not give is scored at the group's current average item, as a
missing figure is for a firm; ``minmax`` items use the group's current min and max (the
item kept between 20 % and 100 % of the weight). The prospect is not T for being new
(it is judged as if producing), but is T when its land is below ``min_land_mu`` or no
group fits. Scale, when not given, is 规上 from ``above_scale_revenue_wan`` of output.
Planned investment is not an 亩均 indicator; it is only shown as intensity (万元/亩).

Staff only: the cut-offs come from confidential firm figures.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace

import numpy as np
import pandas as pd

from geo.efficiency import indicators
from geo.efficiency_groups import assign_groups
from geo.efficiency_settings import CLASSES, EfficiencySettings

PLANNED_ALIASES: Mapping[str, tuple[str, ...]] = {
    "land_mu": ("land_mu", "planned_land_mu", "area_mu"),
    "tax_wan": ("tax_wan", "planned_tax_wan", "expected_tax_wan"),
    "revenue_wan": ("revenue_wan", "planned_output_wan", "output_wan", "expected_output_wan"),
    "value_added_wan": ("value_added_wan", "planned_value_added_wan"),
    "investment_wan": ("investment_wan", "planned_investment_wan"),
}
"""Enterprise figure → the column names a project or lead row may carry it under."""


@dataclass(frozen=True)
class WhatIf:
    """The class a prospect would get today, and why."""

    klass: str | None
    group: str | None = None
    group_zh: str = ""
    group_en: str = ""
    score: float | None = None
    cutoffs: Mapping[str, float] = field(default_factory=dict)
    filled_zh: tuple[str, ...] = ()
    filled_en: tuple[str, ...] = ()
    reason_zh: str = ""
    reason_en: str = ""
    intensity_wan_per_mu: float | None = None

    def text(self, lang: str = "zh") -> str:
        """One line for a card: "按现行标准预计为 B 类" / "Class B under current standards"."""
        if self.klass is None:
            return (f"无法预估亩均等级：{self.reason_zh}" if lang == "zh"
                    else f"No output-per-mu class estimate: {self.reason_en}")
        if self.klass == "T":
            return (f"按现行标准不参评（T）：{self.reason_zh}" if lang == "zh"
                    else f"Not graded (T) under current standards: {self.reason_en}")
        return (f"按现行标准预计为 {self.klass} 类" if lang == "zh"
                else f"Class {self.klass} under current standards")

    def detail(self, lang: str = "zh") -> str:
        """The score, group, cut-offs and filled items behind :meth:`text`."""
        if self.score is None:
            return ""
        cuts = "，".join(f"{c} 类≥{v:.1f}" for c, v in self.cutoffs.items()) if lang == "zh" \
            else ", ".join(f"{c} ≥ {v:.1f}" for c, v in self.cutoffs.items())
        if lang == "zh":
            parts = [f"{self.group_zh}组得分 {self.score:.1f}（{cuts}）"]
            if self.filled_zh:
                parts.append(f"未给出的指标按组平均分计：{'、'.join(self.filled_zh)}")
            if self.intensity_wan_per_mu is not None:
                parts.append(f"投资强度 {self.intensity_wan_per_mu:.1f} 万元/亩")
            return "；".join(parts)
        parts = [f"Score {self.score:.1f} in group {self.group_en} ({cuts})"]
        if self.filled_en:
            parts.append(f"items not planned scored at the group average: "
                         f"{', '.join(self.filled_en)}")
        if self.intensity_wan_per_mu is not None:
            parts.append(f"investment intensity {self.intensity_wan_per_mu:.1f} 10k CNY/mu")
        return "; ".join(parts)


def planned_figures(row: Mapping[str, object]) -> dict[str, object]:
    """Enterprise-column figures from a project or lead row (see :data:`PLANNED_ALIASES`);
    other keys (``scale``, ``industry_code``, ``park_id``, declared figures) pass through."""
    out: dict[str, object] = {k: v for k, v in row.items() if not _blank(v)}
    for figure, names in PLANNED_ALIASES.items():
        for name in names:
            if name in row and not _blank(row[name]):
                out[figure] = row[name]
                break
    return out


def whatif_class(planned: Mapping[str, object], evaluated: pd.DataFrame,
                 settings: EfficiencySettings) -> WhatIf:
    """The class ``planned`` figures would get today (see module docstring).

    Parameters
    ----------
    planned : enterprise-column figures (``land_mu``, ``tax_wan``, ``revenue_wan`` …; pass a
        project or lead row through :func:`planned_figures` first).
    evaluated : the county's current :func:`geo.efficiency.evaluate` result.
    settings : the ``efficiency`` settings that produced ``evaluated``.
    """
    figures = dict(planned)
    land = _number(figures.get("land_mu"))
    investment = _number(figures.get("investment_wan"))
    intensity = investment / land if investment is not None and land else None
    if land is None or land <= 0:
        return WhatIf(None, reason_zh="缺计划用地面积（亩）", reason_en="planned land (mu) missing")
    if land < settings.min_land_mu:
        return WhatIf("T", reason_zh=f"用地{land:.2f}亩，不足{settings.min_land_mu:g}亩",
                      reason_en=f"land {land:.2f} mu < {settings.min_land_mu:g} mu",
                      intensity_wan_per_mu=intensity)
    if _blank(figures.get("scale")):
        revenue = _number(figures.get("revenue_wan"))
        figures["scale"] = ("above" if revenue is not None
                            and revenue >= settings.above_scale_revenue_wan else "below")
    one = pd.DataFrame([figures])
    group_of, why_en, why_zh = assign_groups(one, settings.groups)
    if group_of[0] is None:
        return WhatIf("T", reason_zh=why_zh[0].removeprefix("T："),
                      reason_en=why_en[0].removeprefix("T: "), intensity_wan_per_mu=intensity)
    group = settings.groups[group_of[0]]
    values = indicators(one, catalogue=settings.indicators).iloc[0]
    peers = evaluated[evaluated["group"].eq(group.name) & evaluated["class"].isin(CLASSES)] \
        if "group" in evaluated else evaluated.iloc[:0]
    score, filled = 0.0, []  # names of the indicators scored at the group average
    for name, rule in group.rules.items():
        x = float(values[name])
        if np.isnan(x):
            column = f"score_{name}"
            have = peers[column].dropna() if column in peers else pd.Series(dtype=float)
            score += float(have.mean()) if len(have) else 0.0
            filled.append(name)
            continue
        score += _item(x, name, rule.weight, rule.benchmark, peers, settings)
    cutoffs = _cutoffs(peers, settings)
    base = WhatIf(None, group=group.name, group_zh=group.zh, group_en=group.en, score=score,
                  cutoffs=cutoffs, intensity_wan_per_mu=intensity,
                  filled_zh=tuple(settings.indicators[n].zh for n in filled),
                  filled_en=tuple(settings.indicators[n].en or n for n in filled))
    if not cutoffs:
        return replace(base, reason_zh=f"{group.zh}组目前无参评企业，无从比较",
                       reason_en=f"no graded firm in group {group.en} to compare with")
    klass = next((c for c, low in cutoffs.items() if round(score, 9) >= round(low, 9)), None)
    if klass is None:
        klass = "D" if settings.class_rule == "score" or "D" in set(peers["class"]) else "C"
    return replace(base, klass=klass)


def whatif_table(rows: pd.DataFrame, evaluated: pd.DataFrame,
                 settings: EfficiencySettings) -> pd.DataFrame:
    """The what-if class of every project or lead row (same index), for tables and cards.

    Columns: ``whatif_class`` (A–D, T, or empty when it cannot be estimated), ``whatif_score``,
    ``whatif_zh`` / ``whatif_en`` (the one-line text) and ``whatif_detail_zh`` /
    ``whatif_detail_en``. Staff only, like the evaluation it compares with.
    """
    results = [whatif_class(planned_figures(row), evaluated, settings)
               for row in rows.to_dict("records")]
    return pd.DataFrame({
        "whatif_class": [r.klass for r in results],
        "whatif_score": [r.score for r in results],
        "whatif_zh": [r.text("zh") for r in results],
        "whatif_en": [r.text("en") for r in results],
        "whatif_detail_zh": [r.detail("zh") for r in results],
        "whatif_detail_en": [r.detail("en") for r in results],
    }, index=rows.index)


def _item(x: float, name: str, weight: float, benchmark: float | None, peers: pd.DataFrame,
          settings: EfficiencySettings) -> float:
    if settings.method == "ratio":
        assert benchmark is not None  # parse_settings requires it for ratio
        item = x / benchmark * weight
    else:
        seen = peers[name].dropna() if name in peers else pd.Series(dtype=float)
        lo, hi = (float(seen.min()), float(seen.max())) if len(seen) else (x, x)
        item = weight if hi <= lo else weight * (20 + 80 * (x - lo) / (hi - lo)) / 100
        item = min(max(item, 0.2 * weight), weight)
    if settings.cap_per_item is not None:
        item = min(item, settings.cap_per_item * weight)
    return item


def _cutoffs(peers: pd.DataFrame, settings: EfficiencySettings) -> dict[str, float]:
    """Class → lowest score that reaches it today (A, B, C in order)."""
    if settings.class_rule == "score":
        assert settings.class_scores is not None
        return dict(settings.class_scores)
    lowest = peers.groupby("class")["score"].min()
    return {c: float(lowest[c]) for c in ("A", "B", "C") if c in lowest.index}


def _number(value: object) -> float | None:
    if _blank(value):
        return None
    try:
        return float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None


def _blank(value: object) -> bool:
    if value is None:
        return True
    if isinstance(value, float) and np.isnan(value):
        return True
    return isinstance(value, str) and not value.strip()

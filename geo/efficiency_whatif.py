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

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace

import numpy as np
import pandas as pd

from geo.efficiency import indicators
from geo.efficiency_groups import Group, assign_groups
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
    return _classify([dict(planned)], evaluated, settings)[0]


def whatif_table(rows: pd.DataFrame, evaluated: pd.DataFrame,
                 settings: EfficiencySettings) -> pd.DataFrame:
    """The what-if class of every project or lead row (same index), for tables and cards.

    Columns: ``whatif_class`` (A–D, T, or empty when it cannot be estimated), ``whatif_score``,
    ``whatif_zh`` / ``whatif_en`` (the one-line text) and ``whatif_detail_zh`` /
    ``whatif_detail_en``. Staff only, like the evaluation it compares with.

    All rows are grouped, given indicators and scored at once (one frame, one pass per group
    and item), with each group's peers, averages, min/max and cut-offs computed once: the
    same results as :func:`whatif_class` row by row, without its per-row frames.
    """
    return whatif_frame(_classify([planned_figures(row) for row in rows.to_dict("records")],
                                  evaluated, settings), rows.index)


def whatif_frame(results: Sequence[WhatIf], index: pd.Index) -> pd.DataFrame:
    """The columns of :func:`whatif_table` for ``results``, one per row of ``index``."""
    return pd.DataFrame({
        "whatif_class": [r.klass for r in results],
        "whatif_score": [r.score for r in results],
        "whatif_zh": [r.text("zh") for r in results],
        "whatif_en": [r.text("en") for r in results],
        "whatif_detail_zh": [r.detail("zh") for r in results],
        "whatif_detail_en": [r.detail("en") for r in results],
    }, index=index)


def _classify(plans: list[dict[str, object]], evaluated: pd.DataFrame,
              settings: EfficiencySettings) -> list[WhatIf]:
    """:func:`whatif_class` of every plan (``plans`` get their ``scale`` filled in).

    The checks on land come first, per plan (a few scalar tests each); the plans that pass
    are put in one object-typed frame (so each value keeps its own type, as in a one-row
    frame), then grouped, given indicators and scored per group with numpy arrays, item by
    item in the rules' order (the same float operations as one plan at a time).
    """
    out: list[WhatIf | None] = []
    intensity: list[float | None] = []
    for figures in plans:
        early, per_mu = _land_check(figures, settings)
        out.append(early)
        intensity.append(per_mu)
    pending = [i for i, r in enumerate(out) if r is None]
    if pending:
        frame = pd.DataFrame([plans[i] for i in pending], dtype=object)
        group_of, why_en, why_zh = assign_groups(frame, settings.groups)
        values = indicators(frame, catalogue=settings.indicators)
        for j in np.flatnonzero(pd.isna(group_of)).tolist():
            out[pending[j]] = WhatIf("T", reason_zh=why_zh[j].removeprefix("T："),
                                     reason_en=why_en[j].removeprefix("T: "),
                                     intensity_wan_per_mu=intensity[pending[j]])
        for group in settings.groups.values():
            members = np.flatnonzero(group_of == group.name)
            if len(members):
                for j, result in zip(members.tolist(),
                                     _score_group(group, values.iloc[members], evaluated,
                                                  settings), strict=True):
                    out[pending[j]] = replace(result,
                                              intensity_wan_per_mu=intensity[pending[j]])
    return [r for r in out if r is not None]


def _land_check(figures: dict[str, object], settings: EfficiencySettings,
                ) -> tuple[WhatIf | None, float | None]:
    """(the answer when the land alone decides it, else ``None``; investment intensity);
    fills in ``scale`` from the output when not given."""
    land = _number(figures.get("land_mu"))
    investment = _number(figures.get("investment_wan"))
    intensity = investment / land if investment is not None and land else None
    if land is None or land <= 0:
        return WhatIf(None, reason_zh="缺计划用地面积（亩）",
                      reason_en="planned land (mu) missing"), None
    if land < settings.min_land_mu:
        return WhatIf("T", reason_zh=f"用地{land:.2f}亩，不足{settings.min_land_mu:g}亩",
                      reason_en=f"land {land:.2f} mu < {settings.min_land_mu:g} mu",
                      intensity_wan_per_mu=intensity), intensity
    if _blank(figures.get("scale")):
        revenue = _number(figures.get("revenue_wan"))
        figures["scale"] = ("above" if revenue is not None
                            and revenue >= settings.above_scale_revenue_wan else "below")
    return None, intensity


def _score_group(group: Group, values: pd.DataFrame, evaluated: pd.DataFrame,
                 settings: EfficiencySettings) -> list[WhatIf]:
    """The what-if of plans that all fall in ``group`` (``values``: their indicators)."""
    peers = evaluated[evaluated["group"].eq(group.name) & evaluated["class"].isin(CLASSES)] \
        if "group" in evaluated else evaluated.iloc[:0]
    n = len(values)
    score = np.zeros(n)
    filled = np.zeros((n, len(group.rules)), dtype=bool)  # scored at the group average
    for k, (name, rule) in enumerate(group.rules.items()):
        x = values[name].to_numpy(dtype="float64")
        missing = np.isnan(x)
        column = f"score_{name}"
        have = peers[column].dropna() if column in peers else pd.Series(dtype=float)
        average = float(have.mean()) if len(have) else 0.0
        score = score + np.where(missing, average,
                                 _items(x, name, rule.weight, rule.benchmark, peers, settings))
        filled[:, k] = missing
    cutoffs = _cutoffs(peers, settings)
    names = list(group.rules)
    results = []
    for i in range(n):
        used = [names[k] for k in np.flatnonzero(filled[i]).tolist()]
        base = WhatIf(None, group=group.name, group_zh=group.zh, group_en=group.en,
                      score=float(score[i]), cutoffs=cutoffs,
                      filled_zh=tuple(settings.indicators[m].zh for m in used),
                      filled_en=tuple(settings.indicators[m].en or m for m in used))
        results.append(_graded(base, peers, settings))
    return results


def _graded(base: WhatIf, peers: pd.DataFrame, settings: EfficiencySettings) -> WhatIf:
    """``base`` with its class from its score and cut-offs (or why there is none)."""
    assert base.score is not None
    if not base.cutoffs:
        return replace(base, reason_zh=f"{base.group_zh}组目前无参评企业，无从比较",
                       reason_en=f"no graded firm in group {base.group_en} to compare with")
    score = round(base.score, 9)
    klass = next((c for c, low in base.cutoffs.items() if score >= round(low, 9)), None)
    if klass is None:
        klass = "D" if settings.class_rule == "score" or "D" in set(peers["class"]) else "C"
    return replace(base, klass=klass)


def _items(x: np.ndarray, name: str, weight: float, benchmark: float | None,
           peers: pd.DataFrame, settings: EfficiencySettings) -> np.ndarray:
    """Item scores of the values ``x`` (NaN where ``x`` is; the caller fills those)."""
    with np.errstate(invalid="ignore", divide="ignore"):
        if settings.method == "ratio":
            assert benchmark is not None  # parse_settings requires it for ratio
            item = x / benchmark * weight
        else:
            seen = peers[name].dropna() if name in peers else pd.Series(dtype=float)
            lo, hi = (float(seen.min()), float(seen.max())) if len(seen) else (0.0, 0.0)
            if hi <= lo:  # nobody, or no spread, to place it in: full weight
                item = np.full_like(x, weight)
            else:
                item = weight * (20 + 80 * (x - lo) / (hi - lo)) / 100
            item = np.minimum(np.maximum(item, 0.2 * weight), weight)
    if settings.cap_per_item is not None:
        item = np.minimum(item, settings.cap_per_item * weight)
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

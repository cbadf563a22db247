"""Settings of the 亩均 evaluation: the ``efficiency`` policy section (shared/domain.md §4,
§11), parsed and validated. The indicator catalogue lives in :mod:`geo.efficiency_catalog`,
groups by rule in :mod:`geo.efficiency_groups`, class consequences in
:mod:`geo.efficiency_consequences`; the names are re-exported here and in
:mod:`geo.efficiency`."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, Literal

from geo.efficiency_catalog import (
    INDICATORS,
    SCALES,
    DeclaredColumn,
    Indicator,
    parse_columns,
    parse_indicators,
)
from geo.efficiency_consequences import Consequences, parse_consequences
from geo.efficiency_groups import Group, ItemRule, parse_groups
from geo.policy_checks import check_keys, fail, mapping, number

__all__ = ["CLASSES", "INDICATORS", "SCALES", "ClassRule", "Consequences", "DeclaredColumn",
           "EfficiencySettings", "Group", "Indicator", "ItemRule", "Method", "parse_settings"]

Method = Literal["ratio", "minmax"]
ClassRule = Literal["share", "score"]
CLASSES: tuple[str, ...] = ("A", "B", "C", "D")
"""Graded classes, best first; ``T`` marks firms not graded."""


def _default_classes() -> Mapping[str, float]:
    return MappingProxyType({"A": 0.20, "B": 0.60, "C": 0.95})


@dataclass(frozen=True)
class EfficiencySettings:
    """Parsed ``efficiency`` policy section (documented in README "Policy settings").

    ``groups`` are tried in order (see :mod:`geo.efficiency_groups`); ``indicators`` is the
    built-in catalogue plus the county's ``efficiency.indicators``; ``columns`` the extra
    numeric enterprise columns those use. ``classes`` are cumulative shares from the top
    (A 20 %, B to 60 %, C to 95 %, rest D) used when ``class_rule == "share"``;
    ``class_scores`` are minimum scores (A ≥ 120 …) used when ``class_rule == "score"``.
    ``cap_per_item`` caps each item at that multiple of its weight; ``weights_sum`` is the
    total every group's weights must reach (``None``: not checked).
    ``above_scale_revenue_wan`` is the 规上 revenue threshold a what-if uses when a
    prospect's scale is not given.
    """

    groups: Mapping[str, Group]
    method: Method = "ratio"
    cap_per_item: float | None = None
    min_land_mu: float = 3.0
    ungraded_years: int = 2
    class_rule: ClassRule = "share"
    classes: Mapping[str, float] = field(default_factory=_default_classes)
    class_scores: Mapping[str, float] | None = None
    low_tax_fraction: float = 1 / 3
    weights_sum: float | None = 100.0
    indicators: Mapping[str, Indicator] = field(default_factory=lambda: INDICATORS)
    columns: tuple[DeclaredColumn, ...] = ()
    consequences: Consequences = field(default_factory=Consequences)
    above_scale_revenue_wan: float = 2000.0

    @property
    def scored_indicators(self) -> list[str]:
        """Indicators scored in any group, in catalogue order (built-in first)."""
        used = {name for group in self.groups.values() for name in group.rules}
        return [name for name in self.indicators if name in used]


_KEYS = {"method", "cap_per_item", "min_land_mu", "ungraded_years", "class_rule", "classes",
         "class_scores", "low_tax_fraction", "groups", "weights_sum", "indicators", "columns",
         "consequences", "above_scale_revenue_wan"}


def parse_settings(value: Mapping[str, Any], source: str) -> EfficiencySettings:
    """Parse and validate the ``efficiency`` section of the policy file.

    Raises
    ------
    geo.policy_checks.PolicyError
        Naming the file, the key path (``efficiency.groups.above.tax_per_mu.weight`` …) and
        the fix.
    """
    check_keys(value, _KEYS, source, "efficiency")
    method = value.get("method", "ratio")
    if method not in ("ratio", "minmax"):
        raise fail(source, "efficiency.method", f"{method!r} is not allowed",
                   "write ratio or minmax")
    cap_raw = value.get("cap_per_item")
    cap = None if cap_raw is None else number(cap_raw, source, "efficiency.cap_per_item",
                                              strict=True)
    years = value.get("ungraded_years", 2)
    if isinstance(years, bool) or not isinstance(years, int) or years < 0:
        raise fail(source, "efficiency.ungraded_years", f"{years!r} is not a whole number ≥ 0",
                   "give whole years, e.g. 2")
    rule = value.get("class_rule", "share")
    if rule not in ("share", "score"):
        raise fail(source, "efficiency.class_rule", f"{rule!r} is not allowed",
                   "write share or score")
    classes = _cutoffs(value.get("classes", dict(_default_classes())), source,
                       "efficiency.classes", shares=True)
    scores_raw = value.get("class_scores")
    class_scores = (None if scores_raw is None else
                    _cutoffs(scores_raw, source, "efficiency.class_scores", shares=False))
    if rule == "score" and class_scores is None:
        raise fail(source, "efficiency.class_scores", "class_rule is score but no thresholds",
                   "give e.g. {A: 120, B: 100, C: 80} (minimum score per class)")
    sum_raw = value.get("weights_sum", 100)
    weights_sum = None if sum_raw is None else number(sum_raw, source,
                                                      "efficiency.weights_sum", strict=True)
    columns = parse_columns(value.get("columns", {}), source)
    catalogue = parse_indicators(value.get("indicators", {}), source, columns)
    groups = parse_groups(value.get("groups", {}), source, method=method, catalogue=catalogue,
                          numeric_columns=[c.name for c in columns], weights_sum=weights_sum)
    return EfficiencySettings(
        groups=groups,
        method=method,
        cap_per_item=cap,
        min_land_mu=number(value.get("min_land_mu", 3), source, "efficiency.min_land_mu"),
        ungraded_years=years,
        class_rule=rule,
        classes=classes,
        class_scores=class_scores,
        low_tax_fraction=number(value.get("low_tax_fraction", 1 / 3), source,
                                "efficiency.low_tax_fraction", maximum=1.0),
        weights_sum=weights_sum,
        indicators=catalogue,
        columns=columns,
        consequences=parse_consequences(value.get("consequences", {}), source),
        above_scale_revenue_wan=number(value.get("above_scale_revenue_wan", 2000), source,
                                       "efficiency.above_scale_revenue_wan", strict=True),
    )


def _cutoffs(raw: Any, source: str, key: str, *, shares: bool) -> Mapping[str, float]:
    raw = mapping(raw, source, key)
    if set(raw) != {"A", "B", "C"}:
        raise fail(source, key, f"keys {sorted(map(str, raw))} are not A, B, C",
                   "give A, B and C (D is the rest)")
    values = {c: number(raw[c], source, f"{key}.{c}", maximum=1.0 if shares else None)
              for c in ("A", "B", "C")}
    ordered = (values["A"] <= values["B"] <= values["C"] if shares
               else values["A"] >= values["B"] >= values["C"])
    if not ordered:
        order = "A ≤ B ≤ C (cumulative shares)" if shares else "A ≥ B ≥ C (minimum scores)"
        raise fail(source, key, f"{values} are out of order", f"make {order}")
    return MappingProxyType(values)

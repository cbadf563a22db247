"""Settings of the 亩均 evaluation: the ``efficiency`` policy section (shared/domain.md §4,
§11), parsed and validated. The indicator catalogue lives in :mod:`geo.efficiency_catalog`,
groups by rule in :mod:`geo.efficiency_groups`, class consequences in
:mod:`geo.efficiency_consequences`; the names are re-exported here and in
:mod:`geo.efficiency`."""

from __future__ import annotations

import dataclasses
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
from geo.policy_checks import Rule, fail, mapping, nullable, number, parse_section

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

    groups: Mapping[str, Group] = field(default_factory=lambda: MappingProxyType({}))
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


def _classes(value: Any, source: str, key: str) -> Mapping[str, float]:
    return _cutoffs(value, source, key, shares=True)


def _class_scores(value: Any, source: str, key: str) -> Mapping[str, float] | None:
    return None if value is None else _cutoffs(value, source, key, shares=False)


def _consequences(value: Any, source: str, key: str) -> Consequences:
    return parse_consequences(value, source)


RULES = {
    "method": Rule(choices=("ratio", "minmax"), fix="write ratio or minmax"),
    "cap_per_item": nullable(float, Rule(minimum=0, strict=True,
                                         fix="give a multiple of the weight such as 2, or null")),
    "ungraded_years": Rule(minimum=0, fix="give whole years, e.g. 2"),
    "class_rule": Rule(choices=("share", "score"), fix="write share or score"),
    "classes": Rule(parse=_classes),
    "class_scores": Rule(parse=_class_scores),
    "low_tax_fraction": Rule(minimum=0, maximum=1),
    "weights_sum": nullable(float, Rule(minimum=0, strict=True,
                                        fix="give the total such as 100, or null")),
    "consequences": Rule(parse=_consequences),
    "above_scale_revenue_wan": Rule(minimum=0, strict=True),
}
"""Checks beyond the types (:func:`geo.policy_checks.parse_section`); other numbers are ≥ 0."""

DEPENDENT = ("columns", "indicators", "groups")
"""Keys parsed after the others: indicators use the declared columns, groups the method,
the catalogue and ``weights_sum``."""


def parse_settings(value: Mapping[str, Any], source: str) -> EfficiencySettings:
    """Parse and validate the ``efficiency`` section of the policy file.

    Raises
    ------
    geo.policy_checks.PolicyError
        Naming the file, the key path (``efficiency.groups.above.tax_per_mu.weight`` …) and
        the fix.
    """
    raw = mapping(value, source, "efficiency")
    settings = parse_section(EfficiencySettings,
                             {k: v for k, v in raw.items() if k not in DEPENDENT}, source,
                             "efficiency", rules=RULES, default=Rule(minimum=0))
    if settings.class_rule == "score" and settings.class_scores is None:
        raise fail(source, "efficiency.class_scores", "class_rule is score but no thresholds",
                   "give e.g. {A: 120, B: 100, C: 80} (minimum score per class)")
    columns = parse_columns(raw.get("columns", {}), source)
    catalogue = parse_indicators(raw.get("indicators", {}), source, columns)
    groups = parse_groups(raw.get("groups", {}), source, method=settings.method,
                          catalogue=catalogue, numeric_columns=[c.name for c in columns],
                          weights_sum=settings.weights_sum)
    return dataclasses.replace(settings, columns=columns, indicators=catalogue, groups=groups)


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

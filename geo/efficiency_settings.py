"""Settings of the 亩均 evaluation: the indicator catalogue and the ``efficiency`` policy
section (shared/domain.md §4), parsed and validated. Re-exported by :mod:`geo.efficiency`."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, Literal, NamedTuple

from geo.policy_checks import check_keys, fail, mapping, number
from layers.registry import SCALES

Method = Literal["ratio", "minmax"]
ClassRule = Literal["share", "score"]
CLASSES: tuple[str, ...] = ("A", "B", "C", "D")
"""Graded classes, best first; ``T`` marks firms not graded."""


class Indicator(NamedTuple):
    numerator: str
    denominator: str
    zh: str
    unit: str


INDICATORS: Mapping[str, Indicator] = MappingProxyType({
    "tax_per_mu": Indicator("tax_wan", "land_mu", "亩均税收", "万元/亩"),
    "value_added_per_mu": Indicator("value_added_wan", "land_mu", "亩均增加值", "万元/亩"),
    "revenue_per_mu": Indicator("revenue_wan", "land_mu", "亩均营业收入", "万元/亩"),
    "value_added_per_energy": Indicator("value_added_wan", "energy_tce", "单位能耗增加值",
                                        "万元/吨标煤"),
    "value_added_per_emission": Indicator("value_added_wan", "emission_t", "单位排放增加值",
                                          "万元/吨"),
    "labour_productivity": Indicator("value_added_wan", "employees", "全员劳动生产率", "万元/人"),
    "rnd_intensity": Indicator("rnd_wan", "revenue_wan", "R&D经费支出占比", "比值"),
    "tax_per_kwh": Indicator("tax_wan", "electricity_10k_kwh", "单位电耗税收",
                             "元/千瓦时 (= 万元/万千瓦时)"),
})
"""Indicator name → (numerator column, denominator column, 中文名, unit). Money is in 万元, so
``tax_per_kwh`` = 万元 ÷ 万kWh = 元/kWh and ``rnd_intensity`` is a plain ratio (0.0302 =
3.02 %). Benchmarks in ``efficiency.groups`` use these same units."""


@dataclass(frozen=True)
class ItemRule:
    """Weight and benchmark of one indicator in one scale group."""

    weight: float
    benchmark: float | None = None


def _default_classes() -> Mapping[str, float]:
    return MappingProxyType({"A": 0.20, "B": 0.60, "C": 0.95})


@dataclass(frozen=True)
class EfficiencySettings:
    """Parsed ``efficiency`` policy section (documented in README "Policy settings").

    ``classes`` are cumulative shares from the top (A 20 %, B to 60 %, C to 95 %, rest D; see
    the module docstring for the exact rule) used when ``class_rule == "share"``;
    ``class_scores`` are minimum scores (A ≥ 120 …) used when ``class_rule == "score"``.
    ``cap_per_item`` caps each item at that multiple of its weight.
    """

    groups: Mapping[str, Mapping[str, ItemRule]]
    method: Method = "ratio"
    cap_per_item: float | None = None
    min_land_mu: float = 3.0
    ungraded_years: int = 2
    class_rule: ClassRule = "share"
    classes: Mapping[str, float] = field(default_factory=_default_classes)
    class_scores: Mapping[str, float] | None = None
    low_tax_fraction: float = 1 / 3

    @property
    def scored_indicators(self) -> list[str]:
        """Indicators scored in any group, in :data:`INDICATORS` order."""
        used = {name for rules in self.groups.values() for name in rules}
        return [name for name in INDICATORS if name in used]


_KEYS = {"method", "cap_per_item", "min_land_mu", "ungraded_years", "class_rule", "classes",
         "class_scores", "low_tax_fraction", "groups"}


def parse_settings(value: Mapping[str, Any], source: str) -> EfficiencySettings:
    """Parse and validate the ``efficiency`` section of the policy file.

    Raises
    ------
    layers.policy.PolicyError
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
    return EfficiencySettings(
        groups=_groups(value.get("groups", {}), source, method),
        method=method,
        cap_per_item=cap,
        min_land_mu=number(value.get("min_land_mu", 3), source, "efficiency.min_land_mu"),
        ungraded_years=years,
        class_rule=rule,
        classes=classes,
        class_scores=class_scores,
        low_tax_fraction=number(value.get("low_tax_fraction", 1 / 3), source,
                                "efficiency.low_tax_fraction", maximum=1.0),
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


def _groups(raw: Any, source: str, method: str) -> Mapping[str, Mapping[str, ItemRule]]:
    raw = mapping(raw, source, "efficiency.groups")
    check_keys(raw, set(SCALES), source, "efficiency.groups")
    groups: dict[str, Mapping[str, ItemRule]] = {}
    for group, items in raw.items():
        gkey = f"efficiency.groups.{group}"
        items = mapping(items, source, gkey)
        if not items:
            raise fail(source, gkey, "no indicators", f"list some of {list(INDICATORS)}")
        check_keys(items, set(INDICATORS), source, gkey)
        rules: dict[str, ItemRule] = {}
        for name, spec in items.items():
            ikey = f"{gkey}.{name}"
            spec = mapping(spec, source, ikey)
            check_keys(spec, {"weight", "benchmark"}, source, ikey)
            if "weight" not in spec:
                raise fail(source, f"{ikey}.weight", "missing", "give a weight, e.g. 30")
            bench = spec.get("benchmark")
            if bench is None and method == "ratio":
                raise fail(source, f"{ikey}.benchmark", "missing (method is ratio)",
                           f"give the benchmark in {INDICATORS[name].unit}")
            rules[str(name)] = ItemRule(
                weight=number(spec["weight"], source, f"{ikey}.weight", strict=True),
                benchmark=None if bench is None else number(bench, source,
                                                            f"{ikey}.benchmark", strict=True),
            )
        groups[str(group)] = MappingProxyType(rules)
    return MappingProxyType(groups)

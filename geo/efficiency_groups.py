"""亩均 groups by rule (shared/domain.md §11): which firms are ranked together, on which items.

``efficiency.groups`` maps a group name to its items (``<indicator>: {weight, benchmark}``),
optional labels ``zh``/``en`` and an optional ``when:`` rule on enterprise columns:

* a range ``land_mu: [3, null]`` (≥ 3), ``[null, 3]`` (< 3), ``[1, 5]`` (1 ≤ x < 5) on a
  numeric column — lower bound included, upper excluded, so ``[null, 3]`` and ``[3, null]``
  meet exactly;
* a value list ``scale: [above]`` on a text column (``scale``, ``park_id``, ``segment_id``,
  ``industry_code``);
* an industry-code prefix ``industry_code: {prefix: ["13", "14"]}`` (GB/T 4754 codes).

Conditions of one rule must all hold. A group named after a scale (``above``, ``below``)
without ``when:`` means ``when: {scale: [<name>]}`` — the default grouping by scale.
Groups are tried in order and a firm joins the first that matches; a firm matching none is
not graded (T) and its note says why (a value the rules need is missing, or no rule fits).

Rules are checked when the policy loads: two groups that some firm could both match
(overlap), or two ranges of otherwise equal rules that leave a hole between them (gap), are
an error naming the key and the fix. One exception keeps exceptions-first lists possible: a
later group may use a *broader* industry-code prefix than an earlier one (``"3911"`` first,
then ``"39"``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

import numpy as np
import pandas as pd

from geo.efficiency_catalog import FIGURE_COLUMNS, SCALES, Indicator
from geo.policy_checks import check_keys, fail, mapping, number

TEXT_COLUMNS: tuple[str, ...] = ("scale", "park_id", "segment_id", "industry_code")
"""Enterprise text columns a ``when:`` rule may test by value list or prefix."""


@dataclass(frozen=True)
class ItemRule:
    """Weight and benchmark of one indicator in one group."""

    weight: float
    benchmark: float | None = None


@dataclass(frozen=True)
class Condition:
    """One test on one column: a half-open range, a value list or code prefixes."""

    column: str
    low: float | None = None
    high: float | None = None
    values: frozenset[str] | None = None
    prefixes: tuple[str, ...] | None = None

    @property
    def kind(self) -> str:
        return ("values" if self.values is not None
                else "prefix" if self.prefixes is not None else "range")

    def matches(self, frame: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
        """(rows that satisfy it, rows whose value is missing)."""
        n = len(frame)
        if self.column not in frame:
            return np.zeros(n, dtype=bool), np.ones(n, dtype=bool)
        if self.kind == "range":
            x = pd.to_numeric(frame[self.column], errors="coerce").to_numpy(dtype="float64")
            missing = np.isnan(x)
            ok = ~missing
            if self.low is not None:
                ok &= x >= self.low
            if self.high is not None:
                ok &= x < self.high
            return ok, missing
        text = frame[self.column].astype(object)
        missing = text.isna().to_numpy()
        text = text.where(~text.isna(), "").astype(str).str.strip()
        if self.kind == "values":
            ok = text.isin(sorted(self.values or ())).to_numpy()
        else:
            ok = text.str.startswith(tuple(self.prefixes or ())).to_numpy()
        return ok & ~missing, missing

    def describe(self) -> str:
        if self.kind == "values":
            return f"{self.column} ∈ {{{', '.join(sorted(self.values or ()))}}}"
        if self.kind == "prefix":
            return f"{self.column} starts with {'/'.join(self.prefixes or ())}"
        parts = []
        if self.low is not None:
            parts.append(f"≥ {self.low:g}")
        if self.high is not None:
            parts.append(f"< {self.high:g}")
        return f"{self.column} {' and '.join(parts)}"


@dataclass(frozen=True)
class Group:
    """One 亩均 group: labels, the rule that selects its firms, and its scored items."""

    name: str
    zh: str
    en: str
    when: tuple[Condition, ...]
    rules: Mapping[str, ItemRule] = field(default_factory=dict)

    def describe(self) -> str:
        return " and ".join(c.describe() for c in self.when) or "every firm"


def parse_groups(raw: Any, source: str, *, method: str, catalogue: Mapping[str, Indicator],
                 numeric_columns: Sequence[str], weights_sum: float | None,
                 ) -> Mapping[str, Group]:
    """Parse ``efficiency.groups`` and check that the rules neither overlap nor leave gaps."""
    raw = mapping(raw, source, "efficiency.groups")
    numeric = [*FIGURE_COLUMNS, *numeric_columns]
    groups = [_group(str(name), spec, source, method, catalogue, numeric, weights_sum)
              for name, spec in raw.items()]
    _check_overlaps(groups, source)
    _check_gaps(groups, source)
    return MappingProxyType({g.name: g for g in groups})


def assign_groups(frame: pd.DataFrame, groups: Mapping[str, Group],
                  ) -> tuple[np.ndarray, dict[int, str], dict[int, str]]:
    """The group of each row (``None`` when none matches) and, for those, why (en, zh)."""
    n = len(frame)
    assigned = np.full(n, None, dtype=object)
    free = np.ones(n, dtype=bool)
    missing_cols: dict[str, np.ndarray] = {}
    for group in groups.values():
        hit = np.ones(n, dtype=bool)
        for cond in group.when:
            ok, missing = cond.matches(frame)
            hit &= ok
            missing_cols[cond.column] = missing_cols.get(cond.column, np.zeros(n, bool)) | missing
        take = hit & free
        assigned[take] = group.name
        free &= ~take
    rules = "; ".join(f"{g.name}: {g.describe()}" for g in groups.values())
    en: dict[int, str] = {}
    zh: dict[int, str] = {}
    for i in np.flatnonzero(free).tolist():
        lacking = [c for c, m in missing_cols.items() if m[i]]
        if lacking:
            en[i] = f"T: no group — {', '.join(lacking)} missing (efficiency.groups use it)"
            zh[i] = f"T：{', '.join(lacking)}缺数据，无法分组（efficiency.groups 规则需要）"
        else:
            en[i] = f"T: fits no group of efficiency.groups ({rules})"
            zh[i] = f"T：不符合 efficiency.groups 任一分组（{rules}）"
    return assigned, en, zh


# -- parsing ------------------------------------------------------------------------------


def _group(name: str, spec: Any, source: str, method: str,
           catalogue: Mapping[str, Indicator], numeric: Sequence[str],
           weights_sum: float | None) -> Group:
    key = f"efficiency.groups.{name}"
    spec = mapping(spec, source, key)
    check_keys(spec, {"zh", "en", "when", *catalogue}, source, key)
    if "when" in spec:
        when = _conditions(spec["when"], source, f"{key}.when", numeric)
    elif name in SCALES:
        when = (Condition("scale", values=frozenset({name})),)
    else:
        raise fail(source, key, f"no when: rule, and {name!r} is not a scale ({list(SCALES)})",
                   "add e.g. when: {land_mu: [3, null]}, or name the group above or below")
    default = SCALES.get(name, (None, None))
    zh, en = spec.get("zh", default[0]), spec.get("en", default[1])
    if not zh or not en:
        raise fail(source, key, "zh or en label missing",
                   "give both, e.g. zh: 用地3亩及以上, en: Land ≥ 3 mu")
    items = {k: v for k, v in spec.items() if k not in ("zh", "en", "when")}
    if not items:
        raise fail(source, key, "no indicators", f"list some of {list(catalogue)}")
    rules: dict[str, ItemRule] = {}
    for item, rule in items.items():
        ikey = f"{key}.{item}"
        rule = mapping(rule, source, ikey)
        check_keys(rule, {"weight", "benchmark"}, source, ikey)
        if "weight" not in rule:
            raise fail(source, f"{ikey}.weight", "missing", "give a weight, e.g. 30")
        bench = rule.get("benchmark")
        if bench is None and method == "ratio":
            raise fail(source, f"{ikey}.benchmark", "missing (method is ratio)",
                       f"give the benchmark in {catalogue[item].unit}")
        rules[str(item)] = ItemRule(
            weight=number(rule["weight"], source, f"{ikey}.weight", strict=True),
            benchmark=None if bench is None else number(bench, source, f"{ikey}.benchmark",
                                                        strict=True))
    total = sum(r.weight for r in rules.values())
    if weights_sum is not None and abs(total - weights_sum) > 1e-9:
        raise fail(source, key, f"weights add up to {total:g}, the method requires "
                   f"{weights_sum:g} (efficiency.weights_sum)",
                   f"make the weights of {name} add up to {weights_sum:g}, or set "
                   "efficiency.weights_sum: null when the method has no fixed total")
    return Group(name=name, zh=str(zh), en=str(en), when=when,
                 rules=MappingProxyType(rules))


def _conditions(raw: Any, source: str, key: str, numeric: Sequence[str],
                ) -> tuple[Condition, ...]:
    raw = mapping(raw, source, key)
    if not raw:
        raise fail(source, key, "empty rule", "give at least one column, e.g. {land_mu: [3, null]}")
    out = []
    for column, value in raw.items():
        ckey = f"{key}.{column}"
        if column in numeric:
            out.append(_range(str(column), value, source, ckey))
        elif column in TEXT_COLUMNS:
            out.append(_text(str(column), value, source, ckey))
        else:
            raise fail(source, ckey, f"unknown column {column!r}",
                       f"use a numeric column {list(numeric)} or a text column "
                       f"{list(TEXT_COLUMNS)}")
    return tuple(out)


def _range(column: str, value: Any, source: str, key: str) -> Condition:
    fix = "write [low, high] with null for an open end, e.g. [3, null] for ≥ 3"
    if not isinstance(value, list) or len(value) != 2 or value == [None, None]:
        raise fail(source, key, f"{value!r} is not a range", fix)
    low, high = (None if v is None else number(v, source, key, minimum=float("-inf"))
                 for v in value)
    if low is not None and high is not None and low >= high:
        raise fail(source, key, f"[{low:g}, {high:g}] is empty", "make low < high")
    return Condition(column, low=low, high=high)


def _text(column: str, value: Any, source: str, key: str) -> Condition:
    if isinstance(value, Mapping):
        check_keys(value, {"prefix"}, source, key)
        prefixes = value.get("prefix")
        if (not isinstance(prefixes, list) or not prefixes
                or not all(isinstance(p, str) and p for p in prefixes)):
            raise fail(source, f"{key}.prefix", f"{prefixes!r} is not a list of codes",
                       'quote the codes, e.g. {prefix: ["13", "14"]}')
        return Condition(column, prefixes=tuple(prefixes))
    if not isinstance(value, list) or not value or not all(isinstance(v, str) for v in value):
        raise fail(source, key, f"{value!r} is not a list of values",
                   "write e.g. [above] (quote codes that look like numbers)")
    if column == "scale" and set(value) - set(SCALES):
        raise fail(source, key, f"unknown scale(s) {sorted(set(value) - set(SCALES))}",
                   f"use {list(SCALES)}")
    return Condition(column, values=frozenset(value))


# -- overlap and gap checks ---------------------------------------------------------------


def _check_overlaps(groups: list[Group], source: str) -> None:
    for j, later in enumerate(groups):
        for earlier in groups[:j]:
            if _can_share(earlier, later):
                raise fail(source, f"efficiency.groups.{later.name}.when",
                           f"overlaps group {earlier.name!r} (a firm with "
                           f"{later.describe()} and {earlier.describe()} fits both)",
                           "make the rules exclusive, e.g. ranges that meet: "
                           "[null, 3] and [3, null]")


def _can_share(earlier: Group, later: Group) -> bool:
    """Whether some firm could match both rules (a broader later prefix is allowed)."""
    a = {c.column: c for c in earlier.when}
    b = {c.column: c for c in later.when}
    for column in a.keys() & b.keys():
        x, y = a[column], b[column]
        if x.kind == "range":
            lo = max(v for v in (x.low, y.low, -np.inf) if v is not None)
            hi = min(v for v in (x.high, y.high, np.inf) if v is not None)
            if lo >= hi:
                return False
        elif x.kind == "values" and y.kind == "values":
            if not (x.values or set()) & (y.values or set()):
                return False
        elif x.kind == "prefix" and y.kind == "prefix":
            if not any(q.startswith(p) for p in x.prefixes or () for q in y.prefixes or ()):
                return False
        elif not _values_meet_prefixes(x, y):
            return False
    return True


def _values_meet_prefixes(x: Condition, y: Condition) -> bool:
    values = x.values if x.kind == "values" else y.values
    prefixes = x.prefixes if x.kind == "prefix" else y.prefixes
    return any(v.startswith(p) for v in values or () for p in prefixes or ())


def _check_gaps(groups: list[Group], source: str) -> None:
    """Ranges of rules that are otherwise equal must meet: no firm falls between them."""
    families: dict[tuple[str, frozenset[Condition]], list[tuple[Group, Condition]]] = {}
    for g in groups:
        for cond in g.when:
            if cond.kind == "range":
                rest = frozenset(c for c in g.when if c is not cond)
                families.setdefault((cond.column, rest), []).append((g, cond))
    for members in families.values():
        ordered = sorted(members, key=lambda m: -np.inf if m[1].low is None else m[1].low)
        for (g1, c1), (g2, c2) in zip(ordered, ordered[1:], strict=False):
            if c1.high is not None and c2.low is not None and c1.high < c2.low:
                raise fail(source, f"efficiency.groups.{g2.name}.when.{c2.column}",
                           f"leaves a gap [{c1.high:g}, {c2.low:g}) after group "
                           f"{g1.name!r}: firms there fit no group",
                           f"start it at {c1.high:g} (lower bounds are included, upper "
                           "bounds excluded)")

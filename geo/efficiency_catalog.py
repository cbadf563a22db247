"""The 亩均 indicator catalogue and the enterprise figures it divides (shared/domain.md §4, §11).

Built-in indicators (:data:`INDICATORS`) are the published Zhejiang set. A county adds its own
in the policy as data — ``efficiency.indicators`` — each the ratio of two enterprise columns
times a factor, e.g. 临海's 单位用水量增加值 = value added ÷ water use::

    indicators:
      value_added_per_water: {zh: 单位用水量增加值, en: Value added per water,
                              numerator: value_added_wan, denominator: water_t, factor: 1,
                              unit: 万元/吨}

The columns an indicator may divide are the enterprise layer's figures
(:data:`FIGURE_COLUMNS`, kept equal to the registry's numeric enterprise columns by a test)
and the extra numeric columns a county declares under ``efficiency.columns`` (confidential,
with Chinese header aliases; the layer validator receives them through
``layers.declared.layer_spec``). This module is pure: geo/ never imports layers/.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

from geo.policy_checks import check_keys, fail, mapping, number

SCALES: Mapping[str, tuple[str, str]] = MappingProxyType(
    {"above": ("规上", "Above designated size"), "below": ("规下", "Below designated size")}
)
"""Enterprise scale codes → (中文, English); the enterprise layer's ``scale`` values and the
default 亩均 groups (one per scale). ``layers.registry`` takes them from here."""


@dataclass(frozen=True)
class Indicator:
    """One 亩均 indicator: ``numerator ÷ denominator × factor`` in ``unit``."""

    numerator: str
    denominator: str
    zh: str
    unit: str
    en: str = ""
    factor: float = 1.0


INDICATORS: Mapping[str, Indicator] = MappingProxyType({
    "tax_per_mu": Indicator("tax_wan", "land_mu", "亩均税收", "万元/亩", "Tax per mu"),
    "value_added_per_mu": Indicator("value_added_wan", "land_mu", "亩均增加值", "万元/亩",
                                    "Value added per mu"),
    "revenue_per_mu": Indicator("revenue_wan", "land_mu", "亩均营业收入", "万元/亩",
                                "Revenue per mu"),
    "value_added_per_energy": Indicator("value_added_wan", "energy_tce", "单位能耗增加值",
                                        "万元/吨标煤", "Value added per tce"),
    "value_added_per_emission": Indicator("value_added_wan", "emission_t", "单位排放增加值",
                                          "万元/吨", "Value added per t emitted"),
    "labour_productivity": Indicator("value_added_wan", "employees", "全员劳动生产率",
                                     "万元/人", "Labour productivity"),
    "rnd_intensity": Indicator("rnd_wan", "revenue_wan", "R&D经费支出占比", "比值",
                               "R&D intensity"),
    "tax_per_kwh": Indicator("tax_wan", "electricity_10k_kwh", "单位电耗税收",
                             "元/千瓦时 (= 万元/万千瓦时)", "Tax per kWh"),
})
"""Built-in indicator name → :class:`Indicator`. Money is in 万元, so ``tax_per_kwh`` = 万元 ÷
万kWh = 元/kWh and ``rnd_intensity`` is a plain ratio (0.0302 = 3.02 %). Benchmarks in
``efficiency.groups`` use these same units."""

FIGURE_COLUMNS: tuple[str, ...] = (
    "land_mu", "tax_wan", "value_added_wan", "revenue_wan", "energy_tce", "emission_t",
    "employees", "rnd_wan", "electricity_10k_kwh", "water_t",
)
"""Numeric enterprise columns of the registry, usable in indicators and group rules."""

_NAME = re.compile(r"^[a-z][a-z0-9_]*$")


@dataclass(frozen=True)
class DeclaredColumn:
    """An extra numeric enterprise column declared in ``efficiency.columns`` (confidential)."""

    name: str
    zh: str
    en: str
    aliases: tuple[str, ...] = ()
    minimum: float | None = 0.0


def parse_columns(raw: Any, source: str) -> tuple[DeclaredColumn, ...]:
    """``efficiency.columns``: name → ``{zh, en, aliases, minimum}`` (numeric, confidential)."""
    raw = mapping(raw, source, "efficiency.columns")
    out = []
    for name, spec in raw.items():
        key = f"efficiency.columns.{name}"
        if not _NAME.match(str(name)):
            raise fail(source, key, "not a snake_case column name",
                       "use lower-case letters, digits and _, e.g. steam_t")
        if name in FIGURE_COLUMNS:
            raise fail(source, key, "already a built-in enterprise column",
                       "remove it from efficiency.columns; it is read already")
        spec = mapping(spec, source, key)
        check_keys(spec, {"zh", "en", "aliases", "minimum"}, source, key)
        if not spec.get("zh") or not spec.get("en"):
            raise fail(source, key, "zh or en label missing",
                       "give both, e.g. {zh: 用汽量(吨), en: Steam (t)}")
        aliases = spec.get("aliases", [])
        if not isinstance(aliases, list) or not all(isinstance(a, str) for a in aliases):
            raise fail(source, f"{key}.aliases", f"{aliases!r} is not a list of headers",
                       "write e.g. [用汽量, 蒸汽用量]")
        minimum = spec.get("minimum", 0)
        out.append(DeclaredColumn(
            name=str(name), zh=str(spec["zh"]), en=str(spec["en"]),
            aliases=tuple(aliases),
            minimum=None if minimum is None else number(minimum, source, f"{key}.minimum",
                                                        minimum=float("-inf"))))
    return tuple(out)


def parse_indicators(raw: Any, source: str, columns: tuple[DeclaredColumn, ...],
                     ) -> Mapping[str, Indicator]:
    """The built-in catalogue plus ``efficiency.indicators`` (ratios of known columns)."""
    raw = mapping(raw, source, "efficiency.indicators")
    known = [*FIGURE_COLUMNS, *(c.name for c in columns)]
    catalogue = dict(INDICATORS)
    for name, spec in raw.items():
        key = f"efficiency.indicators.{name}"
        if name in INDICATORS:
            raise fail(source, key, "is a built-in indicator",
                       "choose another name; built-in ones are used as they are")
        if not _NAME.match(str(name)) or name in ("zh", "en", "when"):
            raise fail(source, key, "not a usable indicator name",
                       "use a snake_case name other than zh, en, when")
        spec = mapping(spec, source, key)
        check_keys(spec, {"zh", "en", "numerator", "denominator", "factor", "unit"},
                   source, key)
        for part in ("numerator", "denominator"):
            column = spec.get(part)
            if column not in known:
                raise fail(source, f"{key}.{part}", f"unknown column {column!r}",
                           f"use one of {known}, or declare it under efficiency.columns")
        if not spec.get("zh") or not spec.get("en"):
            raise fail(source, key, "zh or en label missing",
                       "give both, e.g. {zh: 单位用水量增加值, en: Value added per water}")
        catalogue[str(name)] = Indicator(
            numerator=str(spec["numerator"]), denominator=str(spec["denominator"]),
            zh=str(spec["zh"]), en=str(spec["en"]), unit=str(spec.get("unit", "")),
            factor=number(spec.get("factor", 1), source, f"{key}.factor", strict=True))
    return MappingProxyType(catalogue)

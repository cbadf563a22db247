"""What follows from a 亩均 class (shared/domain.md §4, §11): 差别化电价/水价 surcharges and
城镇土地使用税 relief, from the ``efficiency.consequences`` policy table::

    consequences:
      land_use_tax_yuan_per_m2: 6        # optional: the county's land-use tax rate
      classes:
        A: {land_tax_relief_share: 1.0}  # A: full relief
        C: {electricity_surcharge_yuan_per_kwh: 0.05}
        D: {electricity_surcharge_yuan_per_kwh: 0.1, water_surcharge_yuan_per_t: 1.0}

Per firm (units follow from 万元 and 万kWh):

* ``electricity_surcharge_wan`` = ``electricity_10k_kwh`` (万kWh) × 元/kWh (= 万元);
* ``water_surcharge_wan`` = ``water_t`` (t) × 元/t ÷ 10,000;
* ``surcharge_wan`` = their sum — the 加价收入 a county collects, summed per park and county
  by :mod:`geo.aggregates`. A surcharge that applies to a use the firm did not report stays
  NaN (never guessed) and the sum counts the known part; the aggregates count such firms;
* ``land_tax_relief_share`` and ``land_tax_relief_wan`` = share × ``land_mu`` × 666.67 m² ×
  rate ÷ 10,000 (NaN without a rate).

T firms and classes not listed get nothing.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

import numpy as np
import pandas as pd

from geo.policy_checks import check_keys, mapping, number
from geo.units import M2_PER_MU

CONSEQUENCE_COLUMNS: tuple[str, ...] = (
    "electricity_surcharge_wan", "water_surcharge_wan", "surcharge_wan",
    "land_tax_relief_share", "land_tax_relief_wan",
)


@dataclass(frozen=True)
class ClassConsequence:
    """What one class gets: surcharges per kWh and per tonne of water, land-tax relief."""

    electricity_surcharge_yuan_per_kwh: float = 0.0
    water_surcharge_yuan_per_t: float = 0.0
    land_tax_relief_share: float = 0.0


@dataclass(frozen=True)
class Consequences:
    """Parsed ``efficiency.consequences``; empty means no class has consequences."""

    by_class: Mapping[str, ClassConsequence] = field(default_factory=dict)
    land_use_tax_yuan_per_m2: float | None = None


def parse_consequences(raw: Any, source: str) -> Consequences:
    """Parse ``efficiency.consequences`` (keys ``classes`` and ``land_use_tax_yuan_per_m2``)."""
    raw = mapping(raw, source, "efficiency.consequences")
    check_keys(raw, {"classes", "land_use_tax_yuan_per_m2"}, source, "efficiency.consequences")
    classes = mapping(raw.get("classes", {}), source, "efficiency.consequences.classes")
    check_keys(classes, {"A", "B", "C", "D"}, source, "efficiency.consequences.classes")
    by_class = {}
    for cls, spec in classes.items():
        key = f"efficiency.consequences.classes.{cls}"
        spec = mapping(spec, source, key)
        fields = {"electricity_surcharge_yuan_per_kwh", "water_surcharge_yuan_per_t",
                  "land_tax_relief_share"}
        check_keys(spec, fields, source, key)
        by_class[str(cls)] = ClassConsequence(**{
            name: number(spec[name], source, f"{key}.{name}",
                         maximum=1.0 if name == "land_tax_relief_share" else None)
            for name in fields if name in spec})
    rate = raw.get("land_use_tax_yuan_per_m2")
    return Consequences(
        by_class=MappingProxyType(by_class),
        land_use_tax_yuan_per_m2=None if rate is None else number(
            rate, source, "efficiency.consequences.land_use_tax_yuan_per_m2"))


def apply_consequences(classes: pd.Series, enterprises: pd.DataFrame,
                       consequences: Consequences) -> pd.DataFrame:
    """:data:`CONSEQUENCE_COLUMNS` per firm (same index as ``classes``), see module docstring."""
    def per_class(attr: str) -> np.ndarray:
        table = {c: getattr(v, attr) for c, v in consequences.by_class.items()}
        return classes.map(table).fillna(0.0).to_numpy(dtype="float64")

    def figure(column: str) -> np.ndarray:
        if column not in enterprises:
            return np.full(len(classes), np.nan)
        return pd.to_numeric(enterprises[column], errors="coerce").to_numpy(dtype="float64")

    kwh_rate = per_class("electricity_surcharge_yuan_per_kwh")
    water_rate = per_class("water_surcharge_yuan_per_t")
    relief = per_class("land_tax_relief_share")
    electricity = np.where(kwh_rate > 0, figure("electricity_10k_kwh") * kwh_rate, 0.0)
    water = np.where(water_rate > 0, figure("water_t") * water_rate / 10_000, 0.0)
    rate = consequences.land_use_tax_yuan_per_m2
    relief_wan = (figure("land_mu") * M2_PER_MU * rate / 10_000 * relief
                  if rate is not None else np.full(len(classes), np.nan))
    return pd.DataFrame({
        "electricity_surcharge_wan": electricity,
        "water_surcharge_wan": water,
        "surcharge_wan": np.nansum(np.stack([electricity, water]), axis=0),
        "land_tax_relief_share": relief,
        "land_tax_relief_wan": np.where(relief > 0, relief_wan, 0.0 if rate is not None
                                        else np.nan),
    }, index=classes.index)

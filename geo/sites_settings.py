"""Settings of the site search (policy section ``sites``, README "Site search").

Parsed here (pure, no file access) so that :mod:`geo.sites` takes them as a typed argument.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from geo.policy_checks import Rule, check_keys, fail, mapping, number, parse_section

SCORE_PARTS: tuple[str, ...] = ("area_fit", "compactness", "chain", "price", "utilities",
                                "facilities")
"""Parts of the site score, in the order of ``score_parts``."""


@dataclass(frozen=True)
class SiteSettings:
    """Weights of the score parts and the bounds of the assembly search."""

    weights: Mapping[str, float] = field(default_factory=lambda: {
        "area_fit": 0.25, "compactness": 0.2, "chain": 0.15, "price": 0.15,
        "utilities": 0.15, "facilities": 0.1})
    shared_edge_min_m: float = 20.0
    touch_tolerance_m: float = 0.5
    max_parcels: int = 4
    per_seed_cap: int = 200
    chain_full_m: float = 500.0
    chain_zero_m: float = 5000.0
    price_full_wan_per_mu: float = 10.0
    price_zero_wan_per_mu: float = 40.0
    facility_full_km: float = 2.0
    facility_zero_km: float = 20.0
    facility_kinds: tuple[str, ...] = ("interchange", "rail_yard", "substation",
                                       "water_plant", "sewage_plant", "gas_station")
    sensitivity_step: float = 0.2


def _weights(value: Any, source: str, key: str) -> dict[str, float]:
    given = mapping(value, source, key)
    check_keys(given, set(SCORE_PARTS), source, key)
    weights = {p: number(given.get(p, 0.0), source, f"{key}.{p}") for p in SCORE_PARTS}
    if sum(weights.values()) <= 0:
        raise fail(source, key, "all weights are 0", "give at least one weight > 0")
    return weights


RULES = {
    "weights": Rule(parse=_weights),
    "max_parcels": Rule(minimum=1, maximum=8),
    "per_seed_cap": Rule(minimum=1, maximum=100_000),
    "sensitivity_step": Rule(minimum=0, maximum=0.9, strict=True),
}
"""Checks beyond the types; every other number is ≥ 0."""

RANGES = (("chain_full_m", "chain_zero_m"), ("price_full_wan_per_mu", "price_zero_wan_per_mu"),
          ("facility_full_km", "facility_zero_km"))
"""(full score, zero score) pairs: the zero bound must lie above the full one."""


def parse_settings(value: Mapping[str, Any], source: str, *,
                   known_kinds: tuple[str, ...] | None = None) -> SiteSettings:
    """Parse and validate the ``sites`` policy section (PolicyError names key and fix).

    ``known_kinds``: the facility kinds of the registry (``facility_kinds`` must be among
    them); the caller in layers/ passes them, geo/ does not know the registry.
    """
    kinds = Rule(choices=known_kinds, fix=f"use kinds of the facility layer: "
                 f"{list(known_kinds or ())}")
    settings = parse_section(SiteSettings, value, source, "sites",
                             rules={**RULES, "facility_kinds": kinds}, default=Rule(minimum=0))
    for low, high in RANGES:
        if getattr(settings, high) <= getattr(settings, low):
            raise fail(source, f"sites.{high}", f"{getattr(settings, high)} is not above "
                       f"sites.{low} {getattr(settings, low)}", f"make {high} larger than {low}")
    return settings

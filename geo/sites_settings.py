"""Settings of the site search (policy section ``sites``, README "Site search").

Parsed here (pure, no file access) so that :mod:`geo.sites` takes them as a typed argument.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from geo.policy_checks import check_keys, fail, mapping, number

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


_KEYS = {"weights", "shared_edge_min_m", "touch_tolerance_m", "max_parcels", "per_seed_cap",
         "chain_full_m", "chain_zero_m", "price_full_wan_per_mu", "price_zero_wan_per_mu",
         "facility_full_km", "facility_zero_km", "facility_kinds", "sensitivity_step"}


def parse_settings(value: Mapping[str, Any], source: str, *,
                   known_kinds: tuple[str, ...] | None = None) -> SiteSettings:
    """Parse and validate the ``sites`` policy section (PolicyError names key and fix).

    ``known_kinds``: the facility kinds of the registry (``facility_kinds`` must be among
    them); the caller in layers/ passes them, geo/ does not know the registry.
    """
    check_keys(value, _KEYS, source, "sites")
    defaults = SiteSettings()
    raw_weights = mapping(value.get("weights", dict(defaults.weights)), source, "sites.weights")
    check_keys(raw_weights, set(SCORE_PARTS), source, "sites.weights")
    weights = {p: number(raw_weights.get(p, 0.0), source, f"sites.weights.{p}")
               for p in SCORE_PARTS}
    if sum(weights.values()) <= 0:
        raise fail(source, "sites.weights", "all weights are 0", "give at least one weight > 0")
    nums = {k: number(value.get(k, getattr(defaults, k)), source, f"sites.{k}")
            for k in ("shared_edge_min_m", "touch_tolerance_m", "chain_full_m", "chain_zero_m",
                      "price_full_wan_per_mu", "price_zero_wan_per_mu", "facility_full_km",
                      "facility_zero_km")}
    for low, high in (("chain_full_m", "chain_zero_m"),
                      ("price_full_wan_per_mu", "price_zero_wan_per_mu"),
                      ("facility_full_km", "facility_zero_km")):
        if nums[high] <= nums[low]:
            raise fail(source, f"sites.{high}", f"{nums[high]} is not above sites.{low} "
                       f"{nums[low]}", f"make {high} larger than {low}")
    ints = {}
    for key, low, high in (("max_parcels", 1, 8), ("per_seed_cap", 1, 100_000)):
        raw = value.get(key, getattr(defaults, key))
        if isinstance(raw, bool) or not isinstance(raw, int) or not low <= raw <= high:
            raise fail(source, f"sites.{key}", f"{raw!r} is not a whole number in "
                       f"{low}..{high}", f"give a whole number between {low} and {high}")
        ints[key] = raw
    kinds = tuple(str(k) for k in value.get("facility_kinds", defaults.facility_kinds))
    unknown = [k for k in kinds if known_kinds is not None and k not in known_kinds]
    if unknown:
        raise fail(source, "sites.facility_kinds", f"unknown kind(s) {unknown}",
                   f"use kinds of the facility layer: {list(known_kinds or ())}")
    step = number(value.get("sensitivity_step", defaults.sensitivity_step), source,
                  "sites.sensitivity_step", maximum=0.9, strict=True)
    return SiteSettings(weights=weights, facility_kinds=kinds, sensitivity_step=step,
                        **nums, **ints)

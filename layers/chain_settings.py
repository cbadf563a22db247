"""The ``chains`` policy section: verdict rules and matching weights (README "Policy settings").

Apart from :mod:`layers.chains` (which reaches the county loader) so that :mod:`layers.policy`
imports the parser directly.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from geo.chain_catalog import MATCH_PARTS, VERDICTS, ChainSettings, ScoreWeights
from geo.policy_checks import Rule, fail, mapping, number, parse_section
from layers.registry import PROJECT_STAGES

OUTPUT_MEASURES = ("value_added_wan", "revenue_wan", "tax_wan")


def _parse_weights(value: Any, source: str, key: str) -> ScoreWeights:
    weights = ScoreWeights().as_dict()
    for part, given in mapping(value, source, key).items():
        if part not in MATCH_PARTS:
            raise fail(source, f"{key}.{part}", "unknown score part", f"use {list(MATCH_PARTS)}")
        weights[part] = number(given, source, f"{key}.{part}")
    if sum(weights.values()) <= 0:
        raise fail(source, key, "all weights are 0", "give at least one positive weight")
    return ScoreWeights(**weights)


SETTING_RULES = {
    "present_stages": Rule(choices=tuple(PROJECT_STAGES)),
    "match_verdicts": Rule(choices=VERDICTS),
    "output_measure": Rule(choices=OUTPUT_MEASURES),
    "weights": Rule(parse=_parse_weights),
}
"""Checks beyond the types; every other setting is a number ≥ 0 (counts whole)."""


def parse_settings(value: Mapping[str, Any], source: str) -> ChainSettings:
    """Validate the policy section ``chains`` into :class:`ChainSettings` (missing keys keep
    their defaults; README "Policy settings" documents each key)."""
    settings = parse_section(ChainSettings, value, source, "chains", rules=SETTING_RULES,
                             default=Rule(minimum=0))
    if settings.proximity_zero_m <= settings.proximity_full_m:
        raise fail(source, "chains.proximity_zero_m", "not above proximity_full_m", "raise it")
    if settings.price_zero_wan_per_mu <= settings.price_full_wan_per_mu:
        raise fail(source, "chains.price_zero_wan_per_mu", "not above price_full_wan_per_mu",
                   "raise it")
    return settings

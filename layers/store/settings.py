"""The ``storage`` policy section: how imports decide that a feature really changed.

Parsed by :func:`geo.policy_checks.parse_section` (registered in
:data:`layers.policy.EXTRA_SECTIONS`); read with :func:`storage_settings`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from geo.policy_checks import Rule, parse_section


@dataclass(frozen=True)
class StorageSettings:
    """Storage settings (documented in README "Policy settings")."""

    geometry_tolerance_m: float = 0.001
    """A re-imported boundary whose every vertex lies within this distance (metres, working
    CRS) of the stored one is unchanged — a file re-projected from lon/lat differs by float
    noise only."""


DEFAULTS = StorageSettings()


def parse(mapping: Mapping[str, Any], source: str) -> StorageSettings:
    """Validate the ``storage`` mapping; unknown keys and negative numbers fail."""
    return parse_section(StorageSettings, mapping, source, "storage", default=Rule(
        minimum=0, fix="give a distance in metres, e.g. 0.001"))


def storage_settings(policy: Any) -> StorageSettings:
    """The ``storage`` section of a policy, or the defaults when it has none."""
    try:
        settings = policy.section("storage")
    except (KeyError, AttributeError):
        return DEFAULTS
    return settings if isinstance(settings, StorageSettings) else DEFAULTS

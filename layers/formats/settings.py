"""The ``imports`` policy section: tolerances used when reading planners' files.

Parsed by :func:`geo.policy_checks.parse_section` (registered in
:data:`layers.policy.EXTRA_SECTIONS`); read with :func:`import_settings`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from geo.policy_checks import Rule, parse_section


@dataclass(frozen=True)
class ImportSettings:
    """Tolerances for imports (documented in README "Policy settings")."""

    txt_area_tolerance_share: float = 0.001
    txt_area_tolerance_ha: float = 0.0001
    arc_max_deviation_m: float = 0.01
    zone_margin_deg: float = 0.5
    upload_max_mb: float = 50.0


DEFAULTS = ImportSettings()


def parse(mapping: Mapping[str, Any], source: str) -> ImportSettings:
    """Validate the ``imports`` mapping; unknown keys and non-positive numbers fail."""
    return parse_section(ImportSettings, mapping, source, "imports",
                         default=Rule(minimum=0, strict=True, fix="give a positive number"))


def import_settings(policy: Any) -> ImportSettings:
    """The ``imports`` section of a policy, or the defaults when none is given."""
    if policy is None:
        return DEFAULTS
    try:
        settings = policy.section("imports")
    except KeyError:
        return DEFAULTS
    return settings if isinstance(settings, ImportSettings) else DEFAULTS

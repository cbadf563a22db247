"""The ``imports`` policy section: tolerances used when reading planners' files.

Registered in :data:`layers.policy.EXTRA_SECTIONS`; read with ``policy.section("imports")``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from layers.policy import PolicyError


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
    allowed = set(ImportSettings.__dataclass_fields__)
    unknown = sorted(set(mapping) - allowed)
    if unknown:
        raise PolicyError(f"{source}: imports: unknown key(s) {unknown}; fix: use only "
                          f"{sorted(allowed)} (see README 'Policy settings')")
    values: dict[str, float] = {}
    for key in allowed:
        value = mapping.get(key, getattr(DEFAULTS, key))
        if isinstance(value, bool) or not isinstance(value, int | float) or value <= 0:
            raise PolicyError(f"{source}: imports.{key}: {value!r} is not a number > 0; "
                              "fix: give a positive number")
        values[key] = float(value)
    return ImportSettings(**values)


def import_settings(policy: Any) -> ImportSettings:
    """The ``imports`` section of a policy, or the defaults when none is given."""
    if policy is None:
        return DEFAULTS
    try:
        settings = policy.section("imports")
    except KeyError:
        return DEFAULTS
    return settings if isinstance(settings, ImportSettings) else DEFAULTS

"""The ``storage`` policy section: how imports decide that a feature really changed.

Registered in :data:`layers.policy.EXTRA_SECTIONS`; read with ``policy.section("storage")``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from layers.policy import PolicyError


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
    allowed = set(StorageSettings.__dataclass_fields__)
    unknown = sorted(set(mapping) - allowed)
    if unknown:
        raise PolicyError(f"{source}: storage: unknown key(s) {unknown}; fix: use only "
                          f"{sorted(allowed)} (see README 'Policy settings')")
    value = mapping.get("geometry_tolerance_m", DEFAULTS.geometry_tolerance_m)
    if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
        raise PolicyError(f"{source}: storage.geometry_tolerance_m: {value!r} is not a number "
                          "≥ 0; fix: give a distance in metres, e.g. 0.001")
    return StorageSettings(geometry_tolerance_m=float(value))


def storage_settings(policy: Any) -> StorageSettings:
    """The ``storage`` section of a policy, or the defaults when it has none."""
    try:
        settings = policy.section("storage")
    except (KeyError, AttributeError):
        return DEFAULTS
    return settings if isinstance(settings, StorageSettings) else DEFAULTS

"""Red-line category rules (shared/domain.md §3).

The rules are data loaded from ``data/policy.yaml``; this module only defines their shape so
that pure computations can take them as typed arguments.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Conflict = Literal["inside", "outside"]
Severity = Literal["hard", "soft"]


@dataclass(frozen=True)
class RedlineCategory:
    """How one red-line category constrains a parcel.

    ``conflict="inside"``: the part of a parcel inside the category's polygons conflicts
    (生态保护红线, 永久基本农田, another plot's 用地红线). ``conflict="outside"``: the part
    outside conflicts (城镇开发边界). ``severity="hard"`` blocks supply; ``"soft"`` warns.
    """

    name: str
    conflict: Conflict
    severity: Severity
    zh: str
    en: str


@dataclass(frozen=True)
class OverlapTolerance:
    """Overlaps below both thresholds are touches, not conflicts (surveyed edges meet)."""

    min_mu: float = 0.01
    min_share: float = 0.001

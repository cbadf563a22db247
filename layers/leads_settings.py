"""The ``leads`` policy section: id prefixes, the first follow-up and the inquiry limits.

Apart from :mod:`layers.leads` (which reaches the store) so that :mod:`layers.policy` imports
the parser directly.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from geo.policy_checks import Rule, fail, parse_section

_PREFIX = re.compile(r"[A-Za-z][A-Za-z0-9\-]{0,9}")


@dataclass(frozen=True)
class LeadSettings:
    """Parsed ``leads`` policy section."""

    lead_id_prefix: str = "L"
    project_id_prefix: str = "XM-L"
    first_action_days: int = 2
    inquiry_per_session: int = 3
    inquiry_per_ip: int = 10
    inquiry_window_hours: float = 24.0


def _prefix(value: Any, source: str, key: str) -> str:
    text = str(value)
    if not _PREFIX.fullmatch(text):
        raise fail(source, key, f"{text!r} is not a short id prefix",
                   "use 1–10 letters, digits or '-', starting with a letter")
    return text


RULES = {
    "lead_id_prefix": Rule(parse=_prefix),
    "project_id_prefix": Rule(parse=_prefix),
    "inquiry_window_hours": Rule(minimum=0, strict=True, fix="give hours, e.g. 24"),
}
"""Checks beyond the types; the counts are whole numbers ≥ 0."""


def parse_settings(value: Mapping[str, Any], source: str) -> LeadSettings:
    """Parse the ``leads`` policy section (PolicyError names the key and the fix)."""
    return parse_section(LeadSettings, value, source, "leads", rules=RULES,
                         default=Rule(minimum=0, fix="give a count, e.g. 3"))

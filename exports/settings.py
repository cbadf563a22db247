"""The ``export:`` section of the policy file: titles, contact block, online map URL, source line.

Parsed by :func:`parse`, which this module registers with
:func:`layers.policy.register_section` when ``exports`` is imported (``layers/`` never names
``exports/``); read with :func:`export_settings` or ``policy.section("export")``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from geo.policy_checks import Rule, parse_section
from layers.policy import Policy, register_section


@dataclass(frozen=True)
class ExportSettings:
    """Texts and defaults shared by every export (see README "Policy settings")."""

    title_zh: str = "招商地图"
    title_en: str = "Investment map"
    online_map_url: str = ""
    """The app's address for share links and QR codes (the admin's public base URL, saved
    in the settings page, takes precedence; see :func:`webmap.links.public_base`)."""
    contact_org_zh: str = ""
    contact_org_en: str = ""
    contact_phone: str = ""
    contact_email: str = ""
    contact_address_zh: str = ""
    contact_address_en: str = ""
    source_zh: str = ""
    source_en: str = ""
    png_dpi: int = 200

    def text(self, key: str, lang: str) -> str:
        """The ``<key>_zh`` or ``<key>_en`` value (``lang`` is ``zh`` or ``en``)."""
        return str(getattr(self, f"{key}_{'zh' if lang == 'zh' else 'en'}"))

    def contact_lines(self, lang: str) -> list[str]:
        """Contact block lines, empty entries left out."""
        labels = {"zh": ("电话", "邮箱", "地址"), "en": ("Tel", "Email", "Address")}[
            "zh" if lang == "zh" else "en"]
        lines = [self.text("contact_org", lang)]
        for label, value in zip(labels, (self.contact_phone, self.contact_email,
                                         self.text("contact_address", lang)), strict=True):
            if value:
                lines.append(f"{label}：{value}" if lang == "zh" else f"{label}: {value}")
        return [line for line in lines if line]


RULES = {
    "online_map_url": Rule(url=True),
    "png_dpi": Rule(minimum=200, fix="give e.g. 200 or 300 (print resolution)"),
}
"""Checks beyond the types: every other key is text."""


def parse(value: Mapping[str, Any], source: str) -> ExportSettings:
    """Validate the ``export:`` mapping of a policy file (:func:`geo.policy_checks.parse_section`).

    Raises
    ------
    PolicyError
        For unknown keys, non-text values, a URL that is not http(s) or a DPI below 200.
    """
    return parse_section(ExportSettings, value, source, "export", rules=RULES)


register_section("export", parse)


def export_settings(policy: Policy) -> ExportSettings:
    """The ``export`` section of ``policy`` (parsed on first use)."""
    settings: ExportSettings = policy.section("export")
    return settings

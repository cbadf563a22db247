"""The ``export:`` section of the policy file: titles, contact block, online map URL, source line.

Parsed by :func:`parse` (registered in ``layers.policy.EXTRA_SECTIONS``) and read with
``policy.section("export")``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlparse

from layers.policy import PolicyError

_TEXT_KEYS = ("title_zh", "title_en", "contact_org_zh", "contact_org_en", "contact_phone",
              "contact_email", "contact_address_zh", "contact_address_en", "source_zh",
              "source_en")


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


def parse(value: Mapping[str, Any], source: str) -> ExportSettings:
    """Validate the ``export:`` mapping of a policy file.

    Raises
    ------
    PolicyError
        For unknown keys, non-text values, a URL that is not http(s) or a DPI below 100.
    """
    allowed = set(_TEXT_KEYS) | {"online_map_url", "png_dpi"}
    unknown = sorted(set(value) - allowed)
    if unknown:
        raise PolicyError(f"{source}: export: unknown key(s) {unknown}; fix: use only "
                          f"{sorted(allowed)} (see README 'Policy settings')")
    kwargs: dict[str, Any] = {}
    for key in _TEXT_KEYS:
        if key in value:
            if not isinstance(value[key], str):
                raise PolicyError(f"{source}: export.{key}: {value[key]!r} is not text; "
                                  "fix: quote it")
            kwargs[key] = value[key]
    url = value.get("online_map_url", "")
    if url:
        parts = urlparse(str(url))
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise PolicyError(f"{source}: export.online_map_url: {url!r} is not an http(s) "
                              "URL; fix: write the app's full address, e.g. https://host/")
        kwargs["online_map_url"] = str(url)
    dpi = value.get("png_dpi", 200)
    if isinstance(dpi, bool) or not isinstance(dpi, int) or dpi < 200:
        raise PolicyError(f"{source}: export.png_dpi: {dpi!r} is not a whole number ≥ 200; "
                          "fix: give e.g. 200 or 300 (print resolution)")
    kwargs["png_dpi"] = dpi
    return ExportSettings(**kwargs)

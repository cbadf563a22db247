"""The ``ledger`` policy section: the step catalogue of 前期手续 and the judging thresholds.

A county's 重点项目台账 tracks each key project's preparatory steps (立项/备案, 用地预审, 环评 …).
Which steps exist, who is responsible for each by default and how long before the planned
start each must be done (the lead time used to back-schedule — 倒排 — a planned date the
ledger does not give) differ by county, so they are data here. Counties add their own steps
by adding entries under ``ledger.steps``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

from geo.policy_checks import check_keys, fail, mapping

STEP_KEYS = {"zh", "en", "department", "lead_days", "aliases"}
SECTION_KEYS = {"steps", "stuck_after_days", "no_progress_weeks"}


@dataclass(frozen=True)
class StepDef:
    """One preparatory step of the catalogue.

    Parameters
    ----------
    code : short English code stored in the ``ledger_step`` layer (``eia``).
    zh, en : labels shown to users (环评 / Environmental impact assessment).
    department : the responsible department (责任单位) when the ledger names none.
    lead_days : days before the planned start by which the step must be done (倒排).
    aliases : other column headers meaning this step in a ledger workbook.
    """

    code: str
    zh: str
    en: str
    department: str
    lead_days: int
    aliases: tuple[str, ...] = ()

    def label(self, lang: str) -> str:
        """The step's label in ``lang`` (``zh`` or ``en``)."""
        return self.zh if lang == "zh" else self.en


@dataclass(frozen=True)
class LedgerSettings:
    """Parsed ``ledger`` section.

    Attributes
    ----------
    steps : code → step, in catalogue order (the order of the board and the timeline).
    stuck_after_days : an undone step overdue by more than this many days is 卡壳.
    no_progress_weeks : a project under construction without new 形象进度 for this many weeks
        is listed as making no progress.
    """

    steps: Mapping[str, StepDef] = field(default_factory=lambda: MappingProxyType({}))
    stuck_after_days: int = 30
    no_progress_weeks: int = 4

    def step(self, code: str) -> StepDef | None:
        """The catalogue entry of ``code`` (``None`` for a step the catalogue lacks)."""
        return self.steps.get(code)

    def step_label(self, code: str, lang: str) -> str:
        """The label of a step code; an unknown code is shown as itself."""
        found = self.steps.get(code)
        return found.label(lang) if found is not None else code


def _whole(value: Any, source: str, key: str, default: int) -> int:
    value = default if value is None else value
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise fail(source, key, f"{value!r} is not a whole number ≥ 0", "give e.g. 30")
    return value


def _step(code: str, value: Any, source: str) -> StepDef:
    key = f"ledger.steps.{code}"
    spec = mapping(value, source, key)
    check_keys(spec, STEP_KEYS, source, key)
    for name in ("zh", "en", "department"):
        if not str(spec.get(name) or "").strip():
            raise fail(source, f"{key}.{name}", "missing", f"give the step's {name}")
    aliases = spec.get("aliases", [])
    if not isinstance(aliases, list):
        raise fail(source, f"{key}.aliases", f"{aliases!r} is not a list",
                   "write e.g. [立项, 备案]")
    return StepDef(code=code, zh=str(spec["zh"]).strip(), en=str(spec["en"]).strip(),
                   department=str(spec["department"]).strip(),
                   lead_days=_whole(spec.get("lead_days"), source, f"{key}.lead_days", 0),
                   aliases=tuple(str(a).strip() for a in aliases if str(a).strip()))


def parse_settings(value: Mapping[str, Any], source: str) -> LedgerSettings:
    """Parse and validate the ``ledger`` policy section.

    Raises
    ------
    geo.policy_checks.PolicyError
        Naming the key path and the fix (unknown key, missing label, negative days, a code
        that is not lower-case ``a-z0-9_``, two steps claiming one header).
    """
    check_keys(value, SECTION_KEYS, source, "ledger")
    raw_steps = mapping(value.get("steps", {}) or {}, source, "ledger.steps")
    steps: dict[str, StepDef] = {}
    headers: dict[str, str] = {}
    for code, spec in raw_steps.items():
        code = str(code)
        if not code.replace("_", "").isalnum() or not code.isascii() or code != code.lower():
            raise fail(source, f"ledger.steps.{code}", "a step code must be lower-case "
                       "letters, digits and _", "write e.g. eia or land_pre")
        step = _step(code, spec, source)
        for header in (step.zh, *step.aliases):
            other = headers.setdefault(header, code)
            if other != code:
                raise fail(source, f"ledger.steps.{code}", f"header {header!r} is also a "
                           f"header of step {other!r}", "keep each header on one step")
        steps[code] = step
    return LedgerSettings(
        steps=MappingProxyType(steps),
        stuck_after_days=_whole(value.get("stuck_after_days"), source,
                                "ledger.stuck_after_days", 30),
        no_progress_weeks=_whole(value.get("no_progress_weeks"), source,
                                 "ledger.no_progress_weeks", 4),
    )

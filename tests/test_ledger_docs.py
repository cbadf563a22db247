"""docs/reference/ledger.md holds the ledger layers' data dictionary, every ``ledger`` policy
key and every step of the embedded catalogue, as the registry and the policy define them."""

from __future__ import annotations

from pathlib import Path

import pytest

from geo.ledger_settings import parse_settings
from geo.policy_checks import PolicyError
from layers.docs import render_spec
from layers.policy import load_policy
from layers.registry import LEDGER_MONTH, LEDGER_PROJECT, LEDGER_STEP

DOC = Path(__file__).resolve().parents[1] / "docs" / "reference" / "ledger.md"


def test_layers_documented_as_specified():
    text = DOC.read_text(encoding="utf-8")
    for spec in (LEDGER_PROJECT, LEDGER_STEP, LEDGER_MONTH):
        assert render_spec(spec) in text, f"{spec.name}: rerender docs/reference/ledger.md"


def test_policy_keys_and_catalogue_documented():
    text = DOC.read_text(encoding="utf-8")
    raw = load_policy().raw["ledger"]
    for key in raw:
        assert f"`ledger.{key}`" in text
    for step in load_policy().section("ledger").steps.values():
        assert f"| `{step.code}` | {step.zh} | {step.en} | {step.department} | " \
               f"{step.lead_days} |" in text


@pytest.mark.parametrize(("section", "match"), [
    ({"steps": {"EIA": {"zh": "环评", "en": "EIA", "department": "x", "lead_days": 1}}},
     "lower-case"),
    ({"steps": {"eia": {"zh": "环评", "en": "EIA", "department": "x", "lead_days": -1}}},
     "lead_days"),
    ({"steps": {"eia": {"zh": "环评", "en": "EIA", "lead_days": 1}}}, "department"),
    ({"steps": {"a": {"zh": "环评", "en": "A", "department": "x", "lead_days": 1},
                "b": {"zh": "能评", "en": "B", "department": "x", "lead_days": 1,
                      "aliases": ["环评"]}}}, "also a header"),
    ({"stuck_after": 3}, "unknown key"),
])
def test_bad_settings_name_key_and_fix(section, match):
    with pytest.raises(PolicyError, match=match) as err:
        parse_settings(section, "policy.yaml")
    assert "fix:" in str(err.value)


def test_settings_are_typed_and_frozen():
    settings = load_policy().section("ledger")
    assert settings.stuck_after_days == 30 and settings.no_progress_weeks == 4
    assert settings.step_label("eia", "zh") == "环评"
    assert settings.step_label("eia", "en") == "Environmental impact assessment"
    with pytest.raises(AttributeError):
        settings.stuck_after_days = 5  # type: ignore[misc]
    with pytest.raises(TypeError):
        settings.steps["x"] = settings.steps["eia"]  # type: ignore[index]

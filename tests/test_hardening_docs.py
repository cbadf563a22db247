"""docs/reference/hardening.md lists every plausible range of the registry (issue 27)."""

from __future__ import annotations

from layers.registry import VALUE_RANGES
from layers.validation.sanity import plain_number
from tests.conftest import ROOT


def test_every_value_range_is_documented_as_declared():
    text = (ROOT / "docs" / "reference" / "hardening.md").read_text(encoding="utf-8")
    for name, rng in VALUE_RANGES.items():
        row = f"| `{name}` | {plain_number(rng.low)} | {plain_number(rng.high)} | {rng.unit} |"
        assert row in text, row

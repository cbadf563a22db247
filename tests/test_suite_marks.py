"""The suite's own rules: every browser module is marked ``e2e`` and ``slow`` (``make
test-fast`` leaves it out) and allows 900 s (a module fixture starts an app and Chromium);
the scheduling order names modules that exist."""

from __future__ import annotations

import importlib
from pathlib import Path

import pytest

from tests.conftest import LONGEST_FIRST, ROOT

E2E = Path(__file__).resolve().parent / "e2e"


@pytest.mark.parametrize("name", sorted(p.stem for p in E2E.glob("test_*.py")))
def test_every_browser_module_is_e2e_slow_with_the_long_timeout(name: str) -> None:
    module = importlib.import_module(f"tests.e2e.{name}")
    marks = getattr(module, "pytestmark", [])
    marks = marks if isinstance(marks, list) else [marks]
    names = {m.name: m for m in marks}
    assert {"e2e", "slow", "timeout"} <= set(names), (name, sorted(names))
    assert names["timeout"].args == (900,), name


def test_the_longest_first_order_names_existing_test_modules() -> None:
    assert [m for m in LONGEST_FIRST if not (ROOT / m).is_file()] == []
    assert len(set(LONGEST_FIRST)) == len(LONGEST_FIRST)

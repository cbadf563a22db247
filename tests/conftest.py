"""Shared fixtures: the demo county, a CLI runner and hand-checkable geometries."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

pytest_plugins = ["tests.pg_cluster"]  # postgis_cluster / postgis_url fixtures

POSTGIS = pytest.param("postgis", marks=(pytest.mark.postgis, pytest.mark.slow))
"""The PostGIS backend as a parameter: it starts a real server, so `slow` (``make test-fast``
leaves it out, ``make test`` runs it)."""
BACKENDS = ("gpkg", POSTGIS)
"""Both store backends, for ``@pytest.fixture(params=BACKENDS)``."""

_MAIN = sys.modules["__main__"]


@pytest.fixture(autouse=True)
def _restore_main_module():
    """Streamlit's AppTest runs a page as ``__main__`` and leaves it there; a process that
    ``spawn``s later would re-run that page in its child (and die on its login check)."""
    yield
    if sys.modules.get("__main__") is not _MAIN:
        sys.modules["__main__"] = _MAIN


@pytest.fixture(scope="session")
def demo_county():
    from layers.county import load_county

    return load_county()


@pytest.fixture(scope="session")
def policy():
    from layers.policy import load_policy

    return load_policy()


def run_cli(*args: str, cwd: Path | None = None,
            timeout: float = 600) -> subprocess.CompletedProcess:
    """Run ``investmap ARGS`` in a subprocess, as a user would."""
    return subprocess.run([sys.executable, "-m", "cli", *args], capture_output=True, text=True,
                          cwd=cwd or ROOT, timeout=timeout)


@pytest.fixture
def cli():
    return run_cli

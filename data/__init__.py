"""Embedded demo data and policy settings, addressed by name: ``get_path("demo")``."""

from __future__ import annotations

from pathlib import Path

_HERE = Path(__file__).parent

SAMPLES: dict[str, str] = {
    "demo": "demo.gpkg",
    "policy": "policy.yaml",
    "chains": "chains.yaml",
}
"""Sample name → file inside ``data/``."""


def get_path(name: str) -> Path:
    """Path of an embedded sample file; the error lists the valid names."""
    try:
        return _HERE / SAMPLES[name]
    except KeyError:
        raise KeyError(f"unknown sample {name!r}; valid names: {', '.join(SAMPLES)}") from None

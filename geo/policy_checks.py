"""Validators shared by every policy-section parser (``layers.policy`` and the sections owned
by the 亩均, idle-land and pipeline modules). Each failure names the file, the key path and
the fix. Pure: no file access, so geo/ modules can parse their own sections."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from geo.errors import DataError


class PolicyError(DataError):
    """The policy file is malformed; the message names the file, the key and the fix."""


def fail(source: str, key: str, problem: str, fix: str) -> PolicyError:
    """The error for a bad setting: ``<file>: <key>: <problem>; fix: <fix>``."""
    return PolicyError(f"{source}: {key}: {problem}; fix: {fix}")


def mapping(value: Any, source: str, key: str) -> Mapping[str, Any]:
    """``value`` as a mapping, or an error asking to indent keys under ``key``."""
    if not isinstance(value, Mapping):
        raise fail(source, key, f"expected a mapping, got {type(value).__name__}",
                   "indent the keys under it")
    return value


def check_keys(value: Mapping[str, Any], allowed: set[str], source: str, key: str) -> None:
    """Reject keys not in ``allowed`` (typos fail loudly)."""
    unknown = sorted(str(k) for k in set(value) - allowed)
    if unknown:
        raise fail(source, key, f"unknown key(s) {unknown}",
                   f"use only {sorted(allowed)} (see README 'Policy settings')")


def number(value: Any, source: str, key: str, *, minimum: float = 0.0,
           maximum: float | None = None, strict: bool = False) -> float:
    """A real number within ``[minimum, maximum]`` (``> minimum`` when ``strict``)."""
    bad = (isinstance(value, bool) or not isinstance(value, int | float)
           or value < minimum or (strict and value == minimum)
           or (maximum is not None and value > maximum))
    if bad:
        low = f"> {minimum}" if strict else f"≥ {minimum}"
        high = f" and ≤ {maximum}" if maximum is not None else ""
        raise fail(source, key, f"{value!r} is not a number {low}{high}",
                   f"give a number {low}{high}")
    return float(value)

"""Validators shared by every policy-section parser (``layers.policy`` and the sections owned
by the 亩均, idle-land and pipeline modules). Each failure names the file, the key path and
the fix. Pure: no file access, so geo/ modules can parse their own sections.

:func:`parse_section` is the one section parser: a section is a typed frozen dataclass whose
field defaults are the defaults, plus a :class:`Rule` per field where the type alone does not
say enough; unknown keys, types and bounds are checked here, cross-field checks by the owner.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, TypeVar
from urllib.parse import urlparse

from geo.errors import DataError

T = TypeVar("T")


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


@dataclass(frozen=True)
class Rule:
    """How :func:`parse_section` checks one setting beyond its type.

    The type comes from the field's default in the settings dataclass: ``bool``, ``int``
    (a whole number), ``float`` (any real number), ``str`` (text) or ``tuple`` (a list).
    """

    minimum: float | None = None
    """Smallest number allowed (``int``/``float`` fields)."""
    maximum: float | None = None
    """Largest number allowed."""
    strict: bool = False
    """``> minimum`` rather than ``≥ minimum``."""
    choices: tuple[Any, ...] | None = None
    """Allowed values of a ``str`` field, or allowed items of a ``tuple`` field."""
    url: bool = False
    """A ``str`` field holding an http(s) address (empty allowed)."""
    fix: str | None = None
    """The fix to print instead of the generic one."""
    parse: Callable[[Any, str, str], Any] | None = None
    """A parser of its own ``(value, source, key) → parsed`` for nested settings."""


def parse_section(settings: type[T], value: Any, source: str, section: str, *,
                  rules: Mapping[str, Rule] | None = None, default: Rule = Rule()) -> T:
    """The policy section ``section`` as the typed frozen dataclass ``settings``.

    Keys the dataclass has no field for fail; a missing key keeps the field's default; a given
    value is checked against the type of the field's default and its :class:`Rule`
    (``rules[name]``, else ``default``). Cross-field checks stay with the caller.

    Raises
    ------
    PolicyError
        ``<file>: <section>.<key>: <problem>; fix: <fix>``.
    """
    value = mapping(value, source, section)
    fields = {f.name: f for f in dataclasses.fields(settings)}  # type: ignore[arg-type]
    check_keys(value, set(fields), source, section)
    defaults = settings()
    out: dict[str, Any] = {}
    for name, given in value.items():
        rule = (rules or {}).get(name, default)
        out[name] = _setting(given, getattr(defaults, name), rule, source, f"{section}.{name}")
    return settings(**out)


def nullable(kind: type, rule: Rule = Rule()) -> Rule:
    """A :class:`Rule` for a setting that may be ``null`` (``None``: "no limit", "not
    checked") or else a value of ``kind`` (``int``, ``float``, ``str``) checked by ``rule``."""
    def parse(value: Any, source: str, key: str) -> Any:
        return None if value is None else check_value(value, kind(), rule, source, key)

    return dataclasses.replace(rule, parse=parse)


def check_value(value: Any, like: Any, rule: Rule, source: str, key: str) -> Any:
    """One value checked as :func:`parse_section` checks a field whose default is ``like``
    (for the entries of a nested mapping such as ``max_age_days.<layer>``)."""
    return _setting(value, like, dataclasses.replace(rule, parse=None), source, key)


def _setting(value: Any, default: Any, rule: Rule, source: str, key: str) -> Any:
    if rule.parse is not None:
        return rule.parse(value, source, key)
    if isinstance(default, bool):
        if not isinstance(value, bool):
            raise fail(source, key, f"{value!r} is not true or false", rule.fix or
                       "write true or false")
        return value
    if isinstance(default, int | float):
        return _number(value, isinstance(default, int), rule, source, key)
    if isinstance(default, str):
        return _text(value, rule, source, key)
    if isinstance(default, tuple):
        allowed = rule.choices or ()
        if not isinstance(value, list | tuple) or not value or (
                allowed and any(item not in allowed for item in value)):
            raise fail(source, key, f"{value!r} is not a list of allowed values",
                       rule.fix or f"use items from {list(allowed)}")
        return tuple(value)
    raise TypeError(f"{key}: no check for settings of type {type(default).__name__}")


def _number(value: Any, whole: bool, rule: Rule, source: str, key: str) -> float | int:
    low = rule.minimum if rule.minimum is not None else -math.inf
    bad = (isinstance(value, bool) or not isinstance(value, int | float)
           or not math.isfinite(value) or value < low or (rule.strict and value == low)
           or (rule.maximum is not None and value > rule.maximum)
           or (whole and value != int(value)))
    if bad:
        what = "a whole number" if whole else "a number"
        bounds = [f"{'>' if rule.strict else '≥'} {_show(low)}"] if math.isfinite(low) else []
        if rule.maximum is not None:
            bounds.append(f"≤ {_show(rule.maximum)}")
        limits = " and ".join(bounds)
        raise fail(source, key, f"{value!r} is not {what}{' ' + limits if limits else ''}",
                   rule.fix or f"give {what}{' ' + limits if limits else ''}")
    return int(value) if whole else float(value)


def _show(bound: float) -> str:
    return str(int(bound)) if float(bound).is_integer() else str(bound)


def _text(value: Any, rule: Rule, source: str, key: str) -> str:
    if not isinstance(value, str):
        raise fail(source, key, f"{value!r} is not text", rule.fix or "quote it")
    if rule.choices is not None and value not in rule.choices:
        raise fail(source, key, f"{value!r} is not allowed",
                   rule.fix or f"use one of {list(rule.choices)}")
    if rule.url and value:
        parts = urlparse(value)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise fail(source, key, f"{value!r} is not an http(s) URL",
                       rule.fix or "write the full address, e.g. https://host/map")
    return value

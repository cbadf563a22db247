"""Policy settings (``data/policy.yaml``): loaded, validated, typed.

:class:`PolicyError` and the small validators live in :mod:`geo.policy_checks` (pure, shared
with the sections parsed in geo/); ``PolicyError`` is re-exported here.

Every rule that varies by place (tolerances, red-line semantics, weights, benchmarks, cut-offs)
is data here, validated on load so that a typo fails loudly with the key path and the fix.
Each section is parsed by one ``_parse_<section>`` function registered in :data:`SECTIONS`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from geo.policy_checks import PolicyError, check_keys, fail, mapping, number
from geo.redlines import OverlapTolerance, RedlineCategory
from layers.registry import BUILTIN_REDLINE_CATEGORIES, LAND_USES, PARCEL_STATUSES


@dataclass(frozen=True)
class CRSSettings:
    working_epsg: int | None  # None means "auto" (GK zone from the data's longitude)


@dataclass(frozen=True)
class RedlineSettings:
    tolerance: OverlapTolerance
    categories: Mapping[str, RedlineCategory]


@dataclass(frozen=True)
class SupplySettings:
    offerable_statuses: tuple[str, ...]
    industrial_land_uses: tuple[str, ...]


@dataclass(frozen=True)
class Policy:
    """Typed, validated policy. ``raw`` keeps the parsed YAML for sections parsed elsewhere."""

    source: str
    crs: CRSSettings
    redlines: RedlineSettings
    supply: SupplySettings
    raw: Mapping[str, Any] = field(repr=False, default_factory=dict)
    extras: Mapping[str, Any] = field(repr=False, default_factory=dict)

    def section(self, name: str) -> Any:
        """The parsed object of an extra section (see :data:`EXTRA_SECTIONS`)."""
        try:
            return self.extras[name]
        except KeyError:
            raise KeyError(f"{self.source}: no section {name!r}; sections: "
                           f"{sorted(self.extras)}") from None

    @property
    def redline_categories(self) -> list[str]:
        return list(self.redlines.categories)


def _parse_crs(value: Mapping[str, Any], source: str) -> CRSSettings:
    check_keys(value, {"working_epsg"}, source, "crs")
    epsg = value.get("working_epsg", "auto")
    if epsg == "auto":
        return CRSSettings(working_epsg=None)
    if isinstance(epsg, bool) or not isinstance(epsg, int):
        raise fail(source, "crs.working_epsg", f"{epsg!r} is neither 'auto' nor an EPSG code",
                   "write auto or e.g. 4546")
    from geo.crs import CRSError, require_projected

    try:
        require_projected(epsg, what="areas")
    except CRSError as exc:
        raise fail(source, "crs.working_epsg", str(exc), "choose a projected metric CRS") from exc
    return CRSSettings(working_epsg=epsg)


def _parse_redlines(value: Mapping[str, Any], source: str) -> RedlineSettings:
    check_keys(value, {"tolerance_mu", "tolerance_share", "categories"}, source, "redlines")
    tolerance = OverlapTolerance(
        min_mu=number(value.get("tolerance_mu", 0.01), source, "redlines.tolerance_mu"),
        min_share=number(value.get("tolerance_share", 0.001), source,
                          "redlines.tolerance_share"),
    )
    cats_raw = mapping(value.get("categories", {}), source, "redlines.categories")
    categories: dict[str, RedlineCategory] = {}
    for name, spec in cats_raw.items():
        key = f"redlines.categories.{name}"
        spec = mapping(spec, source, key)
        check_keys(spec, {"conflict", "severity", "zh", "en"}, source, key)
        conflict = spec.get("conflict")
        severity = spec.get("severity")
        if conflict not in ("inside", "outside"):
            raise fail(source, f"{key}.conflict", f"{conflict!r} is not allowed",
                       "write inside or outside")
        if severity not in ("hard", "soft"):
            raise fail(source, f"{key}.severity", f"{severity!r} is not allowed",
                       "write hard or soft")
        categories[str(name)] = RedlineCategory(
            name=str(name), conflict=conflict, severity=severity,
            zh=str(spec.get("zh", name)), en=str(spec.get("en", name)),
        )
    missing = [c for c in BUILTIN_REDLINE_CATEGORIES if c not in categories]
    if missing:
        raise fail(source, "redlines.categories", f"missing built-in categories {missing}",
                   "declare each of eco_redline, basic_farmland, urban_boundary, "
                   "landuse_redline")
    return RedlineSettings(tolerance=tolerance, categories=categories)


def _parse_supply(value: Mapping[str, Any], source: str) -> SupplySettings:
    check_keys(value, {"offerable_statuses", "industrial_land_uses"}, source, "supply")
    statuses = tuple(str(s) for s in value.get("offerable_statuses", ["available"]))
    bad = [s for s in statuses if s not in PARCEL_STATUSES]
    if bad:
        raise fail(source, "supply.offerable_statuses", f"unknown status(es) {bad}",
                   f"use {list(PARCEL_STATUSES)}")
    uses = tuple(str(u) for u in value.get("industrial_land_uses", []))
    bad = [u for u in uses if u not in LAND_USES]
    if bad:
        raise fail(source, "supply.industrial_land_uses", f"unknown land-use code(s) {bad}",
                   f"use codes from {list(LAND_USES)} (quote them as strings)")
    return SupplySettings(offerable_statuses=statuses, industrial_land_uses=uses)


SECTIONS: dict[str, Callable[[Mapping[str, Any], str], Any]] = {
    "crs": _parse_crs,
    "redlines": _parse_redlines,
    "supply": _parse_supply,
}
"""Typed sections parsed here. Other sections (efficiency, idle, pipeline, chains, export)
are validated by the module that owns them through :data:`EXTRA_SECTIONS`."""

EXTRA_SECTIONS: dict[str, str] = {
    "efficiency": "geo.efficiency:parse_settings",
    "idle": "geo.idle:parse_settings",
    "pipeline": "geo.pipeline:parse_settings",
    "chains": "layers.chains:parse_settings",
    "targets": "geo.target_match:parse_settings",
    "export": "exports.settings:parse",
    "imports": "layers.formats.settings:parse",
    "storage": "layers.store.settings:parse",
    "sites": "layers.sites:parse_settings",
    "leads": "layers.leads:parse_settings",
    "freshness": "layers.freshness:parse_settings",
    "ledger": "geo.ledger_settings:parse_settings",
}
"""Further top-level sections: name → ``"module:callable"`` of the parser that owns it, called
as ``parser(mapping, source)``; it raises :class:`PolicyError` (or ``ValueError``) on bad
values. The parsed object is available as ``policy.section(name)``."""


def _import_parser(target: str) -> Callable[[Mapping[str, Any], str], Any]:
    import importlib

    module_name, _, attr = target.partition(":")
    obj: Any = importlib.import_module(module_name)
    for part in attr.split("."):
        obj = getattr(obj, part)
    return obj  # type: ignore[no-any-return,unused-ignore]


def default_policy_path() -> Path:
    from data import get_path

    return get_path("policy")


def load_policy(path: str | Path | None = None) -> Policy:
    """Load and validate a policy file (the embedded ``data/policy.yaml`` by default).

    Raises
    ------
    PolicyError
        Naming the file, the key path and the fix, for any malformed or unknown setting.
    """
    path = Path(path) if path is not None else default_policy_path()
    source = str(path)
    try:
        raw = yaml.load(path.read_text(encoding="utf-8"),  # noqa: S506 - a safe loader
                        Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))  # libyaml: 8× faster
    except FileNotFoundError:
        raise PolicyError(f"{source}: file not found; fix: pass an existing policy file") from None
    except yaml.YAMLError as exc:
        raise PolicyError(f"{source}: not valid YAML ({exc}); fix the syntax") from exc
    raw = mapping(raw or {}, source, "<top level>")
    allowed = set(SECTIONS) | set(EXTRA_SECTIONS)
    check_keys(raw, allowed, source, "<top level>")
    parsed = {name: parse(mapping(raw.get(name, {}), source, name), source)
              for name, parse in SECTIONS.items()}
    extras: dict[str, Any] = {}
    for name, target in EXTRA_SECTIONS.items():
        value = mapping(raw.get(name, {}), source, name)
        try:
            extras[name] = _import_parser(target)(value, source)
        except PolicyError:
            raise
        except (ValueError, TypeError, KeyError) as exc:
            raise PolicyError(f"{source}: {name}: {exc}") from exc
    return Policy(source=source, raw=raw, extras=extras, **parsed)

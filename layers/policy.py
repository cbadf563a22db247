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
from functools import partial
from pathlib import Path
from typing import Any

import yaml

from geo.efficiency import parse_settings as parse_efficiency
from geo.idle import parse_settings as parse_idle
from geo.pipeline import parse_settings as parse_pipeline
from geo.policy_checks import PolicyError, check_keys, fail, mapping, number
from geo.redlines import OverlapTolerance, RedlineCategory
from geo.sites_settings import parse_settings as parse_sites
from geo.target_match import parse_settings as parse_targets
from layers.chain_settings import parse_settings as parse_chains
from layers.formats.settings import parse as parse_imports
from layers.freshness import parse_settings as parse_freshness
from layers.leads_settings import parse_settings as parse_leads
from layers.registry import (
    BUILTIN_REDLINE_CATEGORIES,
    FACILITY_KINDS,
    LAND_USES,
    PARCEL_STATUSES,
)
from layers.store.settings import parse as parse_storage


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
    extras: dict[str, Any] = field(repr=False, default_factory=dict)

    def section(self, name: str) -> Any:
        """The parsed object of an extra section (see :data:`EXTRA_SECTIONS`) or of a section
        a package above ``layers/`` registered (:func:`register_section`), parsed on first
        use when the package was imported after this policy was loaded.

        Raises
        ------
        PolicyError
            The section's values are invalid (file, key and fix).
        KeyError
            No such section is known.
        """
        if name not in self.extras and name in OWNED_SECTIONS:
            value = mapping(self.raw.get(name, {}), self.source, name)
            self.extras[name] = _parse_extra(name, OWNED_SECTIONS[name], value, self.source)
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
"""Typed sections parsed here. Other sections (efficiency, idle, pipeline, chains …) are
validated by the module that owns them through :data:`EXTRA_SECTIONS`, and sections of packages
above ``layers/`` (``export``) through :data:`OWNED_SECTIONS`."""

SectionParser = Callable[[Mapping[str, Any], str], Any]

EXTRA_SECTIONS: dict[str, SectionParser] = {
    "efficiency": parse_efficiency,
    "idle": parse_idle,
    "pipeline": parse_pipeline,
    "chains": parse_chains,
    "targets": parse_targets,
    "imports": parse_imports,
    "storage": parse_storage,
    "sites": partial(parse_sites, known_kinds=tuple(FACILITY_KINDS)),
    "leads": parse_leads,
    "freshness": parse_freshness,
}
"""Further top-level sections: name → the parser of the module that owns it (in ``geo/`` or
``layers/``, imported directly: none of them imports this module), called as
``parser(mapping, source)``; it raises :class:`PolicyError` (or ``ValueError``) on bad values.
The parsed object is available as ``policy.section(name)``."""


OWNED_ABOVE: tuple[str, ...] = ("export",)
"""Top-level sections whose parser a package above ``layers/`` registers when it is imported
(``exports/`` owns ``export``). Only the name is known here, so that a typo still fails on
load while ``layers/`` never imports the package."""

OWNED_SECTIONS: dict[str, SectionParser] = {}
"""Parsers registered by :func:`register_section` for the names in :data:`OWNED_ABOVE`."""


def register_section(name: str, parser: SectionParser) -> None:
    """Let a package above ``layers/`` own the top-level policy section ``name``.

    ``parser(mapping, source)`` returns the typed settings or raises :class:`PolicyError`;
    ``policy.section(name)`` returns its result. Call it at the owning module's import.
    """
    if name not in OWNED_ABOVE:
        raise ValueError(f"policy section {name!r} is not in layers.policy.OWNED_ABOVE")
    OWNED_SECTIONS[name] = parser


def _parse_extra(name: str, parse: SectionParser, value: Mapping[str, Any],
                 source: str) -> Any:
    try:
        return parse(value, source)
    except PolicyError:
        raise
    except (ValueError, TypeError, KeyError) as exc:
        raise PolicyError(f"{source}: {name}: {exc}") from exc


def default_policy_path() -> Path:
    from data import get_path

    return get_path("policy")


def load_policy(path: str | Path | None = None) -> Policy:
    """Load and validate a policy file (the embedded ``data/policy.yaml`` by default).

    Raises
    ------
    PolicyError
        Naming the file, the key path and the fix, for any malformed or unknown setting. A
        section of :data:`OWNED_ABOVE` whose package is not imported yet is checked when
        :meth:`Policy.section` first reads it.
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
    check_keys(raw, set(SECTIONS) | set(EXTRA_SECTIONS) | set(OWNED_ABOVE), source,
               "<top level>")
    parsed = {name: parse(mapping(raw.get(name, {}), source, name), source)
              for name, parse in SECTIONS.items()}
    extras: dict[str, Any] = {}
    for name, parse in {**EXTRA_SECTIONS, **OWNED_SECTIONS}.items():
        extras[name] = _parse_extra(name, parse, mapping(raw.get(name, {}), source, name),
                                    source)
    return Policy(source=source, raw=raw, extras=extras, **parsed)

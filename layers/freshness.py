"""Data freshness: each layer's source department, data owner and as-of date (数据时效).

The dates live in the store's ``freshness`` layer (one row per layer, versioned and audited
like every layer, on both backends); ``investmap load`` sets the row on every load
(:func:`record_load`). The ``freshness:`` policy section gives each layer's maximum age; a
layer older than that — or with no date at all — is *stale*, and staff pages say so.
Investor views, cards and exports show the as-of date through :func:`as_of_text`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

import pandas as pd

from geo.policy_checks import Rule, check_value, fail, mapping, nullable, parse_section
from layers.registry import LAYERS

TRACKED: tuple[str, ...] = tuple(n for n in LAYERS if n not in ("lead", "freshness"))
"""Layers whose freshness is recorded: the county's data layers (leads are live records)."""


@dataclass(frozen=True)
class FreshnessSettings:
    """Parsed ``freshness`` policy section: maximum age in days per layer."""

    default_max_age_days: int | None = 365
    max_age_days: Mapping[str, int] = field(default_factory=lambda: MappingProxyType({}))

    def limit(self, layer: str) -> int | None:
        return self.max_age_days.get(layer, self.default_max_age_days)


_DAYS = Rule(minimum=1, fix="give days, e.g. 90")


def _max_age_days(value: Any, source: str, key: str) -> Mapping[str, int]:
    ages = mapping(value or {}, source, key)
    parsed: dict[str, int] = {}
    for layer, days in ages.items():
        if layer not in TRACKED:
            raise fail(source, f"{key}.{layer}", f"unknown layer {layer!r}",
                       f"use one of {list(TRACKED)}")
        parsed[str(layer)] = check_value(days, 0, _DAYS, source, f"{key}.{layer}")
    return MappingProxyType(parsed)


RULES = {
    "default_max_age_days": nullable(int, Rule(
        minimum=1, fix="give days, e.g. 365, or null for no limit")),
    "max_age_days": Rule(parse=_max_age_days),
}
"""How :func:`geo.policy_checks.parse_section` checks the ``freshness`` section."""


def parse_settings(value: Mapping[str, Any], source: str) -> FreshnessSettings:
    """Parse the ``freshness`` policy section.

    Raises
    ------
    geo.policy_checks.PolicyError
        ``<file>: freshness.<key>: <problem>; fix: <fix>``.
    """
    return parse_section(FreshnessSettings, value, source, "freshness", rules=RULES)


@dataclass(frozen=True)
class LayerFreshness:
    """How current one layer is on a given day."""

    layer: str
    as_of: pd.Timestamp | None
    source_department: str | None
    data_owner: str | None
    max_age_days: int | None
    age_days: int | None

    @property
    def stale(self) -> bool:
        """No date recorded, or older than the policy allows."""
        if self.as_of is None:
            return True
        return self.max_age_days is not None and (self.age_days or 0) > self.max_age_days


def freshness_frame(rows: Mapping[str, Mapping[str, Any]]) -> pd.DataFrame:
    """The one-row-per-layer frame :meth:`layers.store.Store.import_frame` takes."""
    return pd.DataFrame([{"layer": k, **v} for k, v in rows.items()],
                        columns=["layer", "source_department", "data_owner", "as_of"])


def record_load(store: Any, layer: str, *, user: str, role: str, today: pd.Timestamp,
                as_of: str | None = None, source_department: str | None = None,
                data_owner: str | None = None) -> LayerFreshness:
    """Set ``layer``'s freshness after a load: ``as_of`` (default ``today``); department and
    owner keep their recorded values when not given. Returns the new record."""
    from layers.store.values import canonical
    from layers.validate import validate_layer

    if layer not in TRACKED:
        raise ValueError(f"layer {layer!r} has no freshness record; tracked: {list(TRACKED)}")
    old = _stored(store).get(layer, {})
    row = {"as_of": as_of or pd.Timestamp(today).date().isoformat(),
           "source_department": source_department or old.get("source_department"),
           "data_owner": data_owner or old.get("data_owner")}
    frame, _ = validate_layer(freshness_frame({layer: row}), "freshness",
                              source=f"freshness of {layer}")
    store.import_frame("freshness", frame, user=user, role=role,
                       reason=f"as-of date of {layer} (load)")
    spec = LAYERS["freshness"]
    values = {c: canonical(spec.column(c), frame[c].iloc[0]) for c in row}
    return _record(layer, values, FreshnessSettings(), today)


def layer_freshness(source: Any, *, settings: FreshnessSettings | None = None,
                    today: pd.Timestamp | None = None) -> dict[str, LayerFreshness]:
    """Freshness of every tracked layer present in ``source``.

    ``source`` is a :class:`layers.store.Store`, a :class:`layers.county.County` (its
    ``freshness`` layer, when the county was read from a store), or a frame of freshness rows.
    ``settings`` default to the county's policy (``freshness`` section) or the defaults.
    """
    today = pd.Timestamp(today if today is not None else pd.Timestamp.today()).normalize()
    present: list[str] = list(TRACKED)
    if hasattr(source, "layers") and hasattr(source, "policy"):  # a County
        present = [n for n in TRACKED if n in source.layers]
        if settings is None:
            settings = _policy_settings(source.policy)
    elif hasattr(source, "layer_names"):  # a Store
        present = [n for n in source.layer_names() if n in TRACKED]
    settings = settings or FreshnessSettings()
    stored = _stored(source)
    return {name: _record(name, stored.get(name, {}), settings, today) for name in present}


def stale_layers(freshness: Mapping[str, LayerFreshness]) -> list[LayerFreshness]:
    """The stale records (see :attr:`LayerFreshness.stale`), in registry order."""
    return [f for f in freshness.values() if f.stale]


def as_of_text(layer: str, lang: str, freshness: Mapping[str, LayerFreshness]) -> str:
    """One line for investors and staff: ``地块数据截至 2026-11-30（青峰县自然资源局）``.

    Never names the data owner (a staff person)."""
    spec = LAYERS[layer]
    record = freshness.get(layer)
    name = spec.zh if lang == "zh" else spec.en
    if record is None or record.as_of is None:
        return f"{name}数据日期未登记" if lang == "zh" else f"{name}: date not recorded"
    day = record.as_of.date().isoformat()
    dept = record.source_department
    if lang == "zh":
        return f"{name}数据截至 {day}" + (f"（{dept}）" if dept else "")
    return f"{name} data as of {day}" + (f" ({dept})" if dept else "")


def as_of_line(county: Any, lang: str, layers: tuple[str, ...] = ("parcel", "redline")) -> str:
    """As-of texts of ``layers`` joined for a map's or a report's source line."""
    fresh = layer_freshness(county)
    return ("；" if lang == "zh" else "; ").join(as_of_text(name, lang, fresh)
                                                for name in layers)


def stale_text(record: LayerFreshness, lang: str) -> str:
    """Why a layer is stale, for the staff warning."""
    name = LAYERS[record.layer].zh if lang == "zh" else LAYERS[record.layer].en
    if record.as_of is None:
        return (f"{name}：未登记数据日期（用 investmap load --as-of 登记）" if lang == "zh"
                else f"{name}: no as-of date recorded (set it with investmap load --as-of)")
    day = record.as_of.date().isoformat()
    if lang == "zh":
        return f"{name}：数据截至 {day}，已 {record.age_days} 天，超过 {record.max_age_days} 天"
    return (f"{name}: data as of {day}, {record.age_days} days old, over the "
            f"{record.max_age_days}-day limit")


def _policy_settings(policy: Any) -> FreshnessSettings:
    try:
        return policy.section("freshness")
    except KeyError:
        return FreshnessSettings()


def _stored(source: Any) -> dict[str, dict[str, Any]]:
    """Freshness rows by layer from a store, a county or a frame (empty when none)."""
    if isinstance(source, pd.DataFrame):
        frame = source
    elif hasattr(source, "layers") and hasattr(source, "policy"):
        frame = source.layers.get("freshness")
    elif hasattr(source, "layer_names"):
        frame = source.read_layer("freshness") if "freshness" in source.layer_names() else None
    else:
        raise TypeError(f"freshness source must be a Store, County or DataFrame, not "
                        f"{type(source).__name__}")
    if frame is None or frame.empty:
        return {}
    rows = pd.DataFrame(frame).astype(object).where(pd.DataFrame(frame).notna(), None)
    return {str(r["layer"]): dict(r) for r in rows.to_dict("records")}


def _record(layer: str, values: Mapping[str, Any], settings: FreshnessSettings,
            today: pd.Timestamp) -> LayerFreshness:
    raw = values.get("as_of")
    as_of = pd.Timestamp(raw).normalize() if raw is not None and not pd.isna(raw) else None
    age = int((pd.Timestamp(today).normalize() - as_of).days) if as_of is not None else None
    return LayerFreshness(layer, as_of, values.get("source_department") or None,
                          values.get("data_owner") or None, settings.limit(layer), age)

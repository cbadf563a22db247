"""Edit rules: who may edit what, value checks (the one validator) and allowed transitions.

The parcel lifecycle follows shared/domain.md §5: 储备 reserve → 可供应 available → 意向/洽谈
reserved → 已出让 transferred → 在建 under construction → 已投产 producing; 闲置 idle is
derived from dates and never set by hand. Project stages follow the 挂图作战 pipeline of
shared/domain.md §1: signed → started → completed → producing, plus stalled and lost.
An ``admin`` may override any transition (the audit log records the role and reason).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from types import MappingProxyType
from typing import Any

import pandas as pd

from layers.registry import LayerSpec, get_spec
from layers.store.errors import EditError, PermissionDenied, TransitionError
from layers.store.lead_rules import LEAD_TRANSITIONS
from layers.store.values import canonical, stored_columns
from layers.validate import ValidationError, validate_layer

ROLES: tuple[str, ...] = ("admin", "planner", "promoter")
"""Roles that may edit; any other role (investor, viewer) may not."""

EDITORS: Mapping[str, frozenset[str]] = MappingProxyType({
    "parcel": frozenset({"planner", "admin"}),
    "project": frozenset({"promoter", "admin"}),
    "park": frozenset({"planner", "promoter", "admin"}),
    "target": frozenset({"promoter", "admin"}),
    "lead": frozenset({"promoter", "admin"}),
})
"""Layer → roles allowed to edit its features (planners: parcels; promoters: projects)."""

PARCEL_TRANSITIONS: Mapping[str, frozenset[str]] = MappingProxyType({
    "reserve": frozenset({"available"}),
    "available": frozenset({"reserve", "reserved", "transferred"}),
    "reserved": frozenset({"available", "transferred"}),
    "transferred": frozenset({"under_construction"}),
    "under_construction": frozenset({"producing"}),
    "producing": frozenset(),
})
"""Status → statuses a planner may set next (shared/domain.md §5). Back-steps: a parcel may be
withdrawn from supply (available → reserve) and a failed negotiation frees it (reserved →
available); ``available → transferred`` is a sale at auction (招拍挂) without negotiation.
Anything else — taking transferred land back, undoing construction or production — is admin."""

PROJECT_TRANSITIONS: Mapping[str, frozenset[str]] = MappingProxyType({
    "pipeline": frozenset({"signed", "stalled", "lost"}),
    "signed": frozenset({"started", "stalled", "lost"}),
    "started": frozenset({"completed", "stalled"}),
    "completed": frozenset({"producing"}),
    "producing": frozenset(),
    "stalled": frozenset({"pipeline", "signed", "started", "lost"}),
    "lost": frozenset({"pipeline"}),
})
"""Stage → stages a promoter may set next; a stalled project resumes where it stopped, a lost
one may be re-engaged (back to pipeline)."""

TRANSITIONS: Mapping[tuple[str, str], Mapping[str, frozenset[str]]] = MappingProxyType({
    ("parcel", "status"): PARCEL_TRANSITIONS,
    ("project", "stage"): PROJECT_TRANSITIONS,
    ("lead", "stage"): LEAD_TRANSITIONS,
})

DATE_ORDER: Mapping[str, tuple[tuple[str, str], ...]] = MappingProxyType({
    "project": (("signed_date", "start_date"), ("start_date", "completion_date"),
                ("planned_start_date", "planned_completion_date")),
    "parcel": (("transfer_date", "actual_start_date"),),
})
"""Pairs of dates that must be in order (checked when an edit touches one of them)."""


def editable_fields(layer: str) -> list[str]:
    """Fields of ``layer`` an edit may change: stored columns except the id."""
    spec = get_spec(layer)
    return [c.name for c in stored_columns(spec) if c.name != spec.id_column]


def check_role(layer: str, role: str) -> LayerSpec:
    """Return the layer spec if ``role`` may edit ``layer``; raise :class:`PermissionDenied`."""
    if layer not in EDITORS:
        raise PermissionDenied(f"layer {layer!r} cannot be edited here; fix: edit one of "
                               f"{sorted(EDITORS)} (other layers are replaced by `investmap "
                               "load`)")
    if role not in EDITORS[layer]:
        raise PermissionDenied(f"role {role!r} may not edit {layer} features; fix: ask a user "
                               f"with role {' or '.join(sorted(EDITORS[layer]))}")
    return get_spec(layer)


def coerce_changes(spec: LayerSpec, feature_id: str,
                   changes: Mapping[str, Any]) -> dict[str, Any]:
    """Check field names and values with :func:`layers.validate.validate_layer`.

    Returns the canonical values (see :mod:`layers.store.values`). Raises :class:`EditError`
    naming the feature, the field and the fix.
    """
    if not changes:
        raise EditError(f"{spec.name} {feature_id}: no change given; fix: pass field=value")
    allowed = editable_fields(spec.name)
    unknown = [f for f in changes if f not in allowed]
    if unknown:
        raise EditError(f"{spec.name} {feature_id}: field(s) {unknown} cannot be edited; fix: "
                        f"use one of {allowed}")
    if spec.name == "parcel" and str(changes.get("status", "")).strip().lower() in (
            "idle", "闲置"):
        raise EditError(f"parcel {feature_id}: status 'idle' (闲置) is derived from the agreed "
                        "start date and progress (shared/domain.md §5), never set by hand; fix: "
                        "edit actual_start_date, developed_share, invested_share or "
                        "stopped_since instead")
    keep = {spec.id_column, *changes}
    narrow = dataclasses.replace(spec, geometry="none",
                                 columns=tuple(c for c in spec.columns if c.name in keep))
    row = {spec.id_column: feature_id, **{k: _plain(v) for k, v in changes.items()}}
    try:
        frame, _ = validate_layer(pd.DataFrame([row]), narrow,
                                  source=f"edit {spec.name} {feature_id}",
                                  row_labels=[f"{spec.name} {feature_id}"])
    except ValidationError as exc:
        raise EditError(str(exc)) from exc
    return {name: canonical(spec.column(name), frame[name].iloc[0]) for name in changes}


def _plain(value: Any) -> Any:
    return "" if value is None else value


def check_transition(spec: LayerSpec, feature_id: str, field: str, old: Any, new: Any,
                     role: str) -> None:
    """Raise :class:`TransitionError` unless ``old → new`` is allowed for ``role``."""
    table = TRANSITIONS.get((spec.name, field))
    if table is None or old is None or role == "admin":
        return
    allowed = table.get(str(old), frozenset())
    if new not in allowed:
        options = ", ".join(sorted(allowed)) or "none"
        raise TransitionError(
            f"{spec.name} {feature_id}: {field} cannot go from {old!r} to {new!r} (role "
            f"{role}); allowed next: {options}; fix: follow the lifecycle, or ask an admin "
            "to override with a reason")


def check_dates(spec: LayerSpec, feature_id: str, merged: Mapping[str, Any],
                touched: set[str]) -> None:
    """Raise :class:`EditError` if an edited date pair is out of order."""
    for first, second in DATE_ORDER.get(spec.name, ()):
        if not touched & {first, second}:
            continue
        a, b = merged.get(first), merged.get(second)
        if a is not None and b is not None and str(a) > str(b):
            raise EditError(f"{spec.name} {feature_id}: {second} {b} is before {first} {a}; "
                            f"fix: correct one of the two dates")

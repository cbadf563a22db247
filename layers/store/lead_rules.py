"""Rules for creating features and for the lead lifecycle (shared/domain.md §9).

Kept apart from :mod:`layers.store.rules` (edits of existing layers) so that each stays one
concern: who may *create* a feature through :meth:`layers.store.Store.create`, how its values
are checked (the one validator, every column of the spec), how new ids are numbered, and the
consistency rules of a lead that a single field transition cannot express (流失 needs a
reason; only a signed lead carries a project).
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterable, Mapping
from types import MappingProxyType
from typing import Any

import pandas as pd

from layers.registry import LayerSpec, get_spec
from layers.store.errors import EditError, PermissionDenied
from layers.store.values import canonical, stored_columns
from layers.validate import ValidationError, validate_layer

LEAD_TRANSITIONS: Mapping[str, frozenset[str]] = MappingProxyType({
    "lead": frozenset({"contacted", "visited", "negotiating", "lost"}),
    "contacted": frozenset({"visited", "negotiating", "lost"}),
    "visited": frozenset({"negotiating", "lost"}),
    "negotiating": frozenset({"signed", "lost"}),
    "signed": frozenset(),
    "lost": frozenset({"lead", "contacted"}),
})
"""Stage → stages a promoter may set next: forward (a fair contact may skip straight to a
visit), 签约 only out of 谈判, 流失 from any open stage, and a lost lead may be re-opened.
Undoing a signature is an admin override (audited)."""

CREATORS: Mapping[str, frozenset[str]] = MappingProxyType({
    "lead": frozenset({"investor", "promoter", "admin"}),
    "project": frozenset({"promoter", "admin"}),
})
"""Layer → roles that may create single features (an investor only through the inquiry form,
see :func:`check_creator`)."""

INVESTOR_FIELDS: frozenset[str] = frozenset({
    "source", "company", "industry", "need_mu", "need", "parcel_id", "park_id",
    "contact_name", "phone", "email", "stage", "received_date", "next_action_date"})
"""What an investor's inquiry may fill: never an owner, notes, next action or project."""


def check_creator(layer: str, role: str, values: Mapping[str, Any]) -> LayerSpec:
    """Return the spec if ``role`` may create a ``layer`` feature with ``values``.

    An investor may create only a lead with source ``inquiry`` in stage ``lead``, filling the
    inquiry form's fields.
    """
    if layer not in CREATORS:
        raise PermissionDenied(f"features of layer {layer!r} are not created one by one; fix: "
                               "load a file with `investmap load`")
    if role not in CREATORS[layer]:
        raise PermissionDenied(f"role {role!r} may not create {layer} features; fix: ask a "
                               f"user with role {' or '.join(sorted(CREATORS[layer]))}")
    if role == "investor":
        extra = sorted(k for k, v in values.items() if k not in INVESTOR_FIELDS
                       and v not in (None, ""))
        if extra or values.get("source") != "inquiry" or values.get("stage") != "lead":
            raise PermissionDenied("an investor's inquiry is a new lead with source 'inquiry' "
                                   f"and stage 'lead' (fields not allowed: {extra}); fix: use "
                                   "the inquiry form")
    return get_spec(layer)


def coerce_new(spec: LayerSpec, values: Mapping[str, Any], *, feature_id: str) -> dict[str, Any]:
    """Check a new feature's values with :func:`layers.validate.validate_layer` (required
    columns included) and return every stored column's canonical value."""
    unknown = sorted(set(values) - {c.name for c in stored_columns(spec)})
    if unknown:
        raise EditError(f"new {spec.name}: unknown field(s) {unknown}; fix: use "
                        f"{[c.name for c in stored_columns(spec)]}")
    flat = dataclasses.replace(spec, geometry="none")
    row = {spec.id_column: feature_id, **{k: "" if v is None else v for k, v in values.items()
                                          if k != spec.id_column}}
    try:
        frame, _ = validate_layer(pd.DataFrame([row]), flat, source=f"new {spec.name}",
                                  row_labels=[f"new {spec.name}"])
    except ValidationError as exc:
        raise EditError(str(exc)) from exc
    return {c.name: canonical(c, frame[c.name].iloc[0]) if c.name in frame else None
            for c in stored_columns(spec)}


def next_id(existing: Iterable[str], prefix: str, *, width: int = 5) -> str:
    """``prefix`` + the next number after the largest ``prefix<digits>`` id (``L00001`` …).

    Called inside the write transaction that holds the layer's lock, so two writers never
    receive the same number.
    """
    pattern = re.compile(re.escape(prefix) + r"(\d+)$")
    numbers = [int(m.group(1)) for fid in existing if (m := pattern.match(str(fid)))]
    return f"{prefix}{(max(numbers, default=0) + 1):0{width}d}"


def check_record(spec: LayerSpec, feature_id: str, merged: Mapping[str, Any],
                 touched: set[str]) -> None:
    """Cross-field rules of a lead, checked on every create and edit that touches them."""
    if spec.name != "lead" or not touched & {"stage", "lost_reason", "project_id"}:
        return
    stage = merged.get("stage")
    if stage == "lost" and not str(merged.get("lost_reason") or "").strip():
        raise EditError(f"lead {feature_id}: stage 'lost' (流失) needs a reason; fix: also set "
                        "lost_reason")
    if merged.get("project_id") and stage != "signed":
        raise EditError(f"lead {feature_id}: only a signed lead (签约) becomes a project; fix: "
                        "set stage signed first (`investmap leads update ID --stage signed`)")

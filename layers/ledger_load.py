"""Loading a 重点项目台账 workbook into a store: its three layers, validated before any write.

The workbook goes through :func:`layers.importing.prepare_import` once per ledger layer (the
parse is shared, :mod:`layers.ledger_read`); only when all three are valid are they upserted
by id with :meth:`layers.store.Store.import_frame` (versions and audit rows as every load).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from layers.importing import PreparedImport, prepare_import
from layers.io import ReadOptions
from layers.ledger import LAYERS
from layers.ledger_read import PROJECT_NAMES, project_names
from layers.policy import Policy
from layers.registry import get_spec
from layers.store import Store
from layers.store.base import ImportResult
from layers.store.settings import storage_settings


@dataclass(frozen=True)
class LedgerLoad:
    """What a ledger load did: the prepared layers (reports, warnings) and the store results."""

    prepared: dict[str, PreparedImport]
    results: list[ImportResult]


def prepare_ledger(path: str | Path, *, policy: Policy, sheet: str | None = None,
                   names: Mapping[str, str] | None = None) -> dict[str, PreparedImport]:
    """The three ledger layers of a workbook, validated. ``names`` (项目名称 → project id,
    :func:`layers.ledger_read.project_names`) identifies projects in a workbook without a
    项目编号 column.

    Raises
    ------
    layers.ledger_read.LedgerError
        Cells that cannot be read (row, column, fix), before anything is validated.
    layers.validate.ValidationError
        A layer breaks its spec (e.g. a step code the policy's catalogue lacks).
    """
    extra = {} if names is None else {PROJECT_NAMES: dict(names)}
    return {layer: prepare_import(path, layer, options=ReadOptions(source_layer=sheet,
                                                                   extra=extra),
                                  policy=policy) for layer in LAYERS}


def load_ledger(store: Store, path: str | Path, *, policy: Policy, user: str, reason: str,
                role: str = "planner", sheet: str | None = None) -> LedgerLoad:
    """Validate the workbook's three layers, then upsert each into ``store``.

    Nothing is written unless all three layers are valid. Each layer is written in its own
    transaction (as ``investmap load`` does), only the columns the workbook has. A workbook
    without 项目编号 is matched to the store's projects by 项目名称.

    Raises
    ------
    layers.ledger_read.LedgerError, layers.validate.ValidationError
        As :func:`prepare_ledger`; nothing was written.
    layers.store.StoreError, layers.store.EditError
        The store refused a write.
    """
    names = project_names(store.read_layer("project")) if "project" in store.layer_names() \
        else None
    prepared = prepare_ledger(path, policy=policy, sheet=sheet, names=names)
    tolerance = storage_settings(policy).geometry_tolerance_m
    results = []
    for layer, item in prepared.items():
        spec = get_spec(layer)
        results.append(store.import_frame(layer, item.frame, user=user, reason=reason,
                                          role=role, tolerance_m=tolerance,
                                          columns=(*item.report.columns,
                                                   *(("geometry",) if spec.has_geometry
                                                     else ()))))
    return LedgerLoad(prepared=prepared, results=results)

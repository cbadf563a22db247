"""The storage interface shared by the GeoPackage and PostGIS backends.

A store holds the registry layers in the working CRS with a ``version`` integer per feature and
an ``audit`` table (layer, feature, field, old value, new value, user, role, reason, UTC time,
version). Everything that decides *what* to write — edit validation, transitions, optimistic
concurrency, import diffs, audit rows — lives here once; a backend only provides a transaction
(:class:`Transaction`) that reads and writes rows.

Edits and imports run in one write transaction each: the row is locked (SQLite ``BEGIN
IMMEDIATE``; PostgreSQL ``SELECT … FOR UPDATE`` / ``LOCK TABLE``) and updated with
``UPDATE … WHERE id = ? AND version = ?``, so two editors can never both win and a failed
import leaves the store exactly as before.
"""

from __future__ import annotations

import datetime as dt
from abc import ABC, abstractmethod
from collections.abc import Collection, Iterator, Mapping
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from layers.registry import LAYERS, LayerSpec, get_spec
from layers.store.errors import (
    EditError,
    NoChangeError,
    PermissionDenied,
    StaleVersionError,
    StoreError,
)
from layers.store.lead_rules import check_creator, check_record, coerce_new, next_id
from layers.store.loading import base_versions, check_force, check_load
from layers.store.rules import check_dates, check_role, check_transition, coerce_changes
from layers.store.values import (
    audit_text,
    canonical,
    geometry_summary,
    stored_columns,
)

IMPORTERS: frozenset[str] = frozenset({"planner", "admin"})
"""Roles that may import files into a store (planners import real files)."""

KEEP = object()
"""Sentinel for :meth:`Transaction.update`: leave the geometry as it is."""


@dataclass(frozen=True)
class Feature:
    """One stored feature: canonical values (id included), normalised WKB and version."""

    values: dict[str, Any]
    wkb: bytes | None
    version: int


@dataclass(frozen=True)
class AuditEntry:
    """One changed field of one feature (``field`` is ``"*"`` for a created feature)."""

    layer: str
    feature_id: str
    field: str
    old_value: str | None
    new_value: str | None
    user: str
    role: str
    reason: str
    at: str
    version: int


@dataclass
class LayerData:
    """A layer's content: EPSG code of its geometries and features by id."""

    epsg: int | None
    features: dict[str, Feature] = field(default_factory=dict)


@dataclass
class Snapshot:
    """Whole store content, backend-neutral (used for backups and content comparisons)."""

    layers: dict[str, LayerData]
    audit: list[AuditEntry]


@dataclass(frozen=True)
class Link:
    """An edit of another feature written with :meth:`Store.create` (``{id}`` in a change
    value stands for the new feature's id)."""

    layer: str
    feature_id: str
    changes: Mapping[str, Any]
    expect_version: int | None = None


@dataclass(frozen=True)
class ImportResult:
    """What an import changed."""

    layer: str
    inserted: int
    updated: int
    unchanged: int
    audit_rows: int


class Transaction(ABC):
    """Row access inside one backend transaction (read or write)."""

    @abstractmethod
    def layers(self) -> list[str]:
        """Registry layers present in the store."""

    @abstractmethod
    def layer_epsg(self, layer: str) -> int | None:
        """EPSG code of a layer's geometries (``None``: no geometry or not known yet)."""

    @abstractmethod
    def ensure_layer(self, spec: LayerSpec, epsg: int | None) -> None:
        """Create the layer's table if missing."""

    @abstractmethod
    def features(self, spec: LayerSpec, ids: list[str] | None = None, *,
                 lock: bool = False) -> dict[str, Feature]:
        """Features by id (all when ``ids`` is None); ``lock`` them against other writers."""

    @abstractmethod
    def ids(self, spec: LayerSpec) -> list[str]:
        """Every id of the layer, in id order."""

    @abstractmethod
    def insert(self, spec: LayerSpec, features: list[Feature], epsg: int | None) -> None:
        """Insert new features with their versions."""

    @abstractmethod
    def update(self, spec: LayerSpec, feature_id: str, values: Mapping[str, Any], wkb: Any,
               expected_version: int, epsg: int | None) -> bool:
        """``UPDATE … SET values, version = version + 1 WHERE id AND version = expected``;
        ``wkb`` is new WKB or :data:`KEEP`. True when exactly one row was updated."""

    @abstractmethod
    def add_audit(self, entries: list[AuditEntry]) -> None:
        """Append audit rows."""

    @abstractmethod
    def audit(self, layer: str | None = None,
              feature_id: str | None = None) -> list[AuditEntry]:
        """Audit rows in the order they were written."""

    @abstractmethod
    def clear(self) -> None:
        """Delete every feature of every layer and every audit row."""


def utc_now() -> str:
    """Current UTC time as ISO 8601 with microseconds and ``Z``."""
    return dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _require_who(user: str, reason: str | None, *, what: str) -> None:
    if not str(user or "").strip():
        raise EditError(f"{what}: no user given; fix: pass the editing user's name")
    if not str(reason or "").strip():
        raise EditError(f"{what}: no reason given; fix: say why (it goes into the audit log)")


class Store(ABC):
    """A county's layers with versions and an audit log. Use as a context manager."""

    location: str

    @abstractmethod
    def _transaction(self, *, write: bool) -> AbstractContextManager[Transaction]:
        """A transaction; a write transaction is serialised against other writers."""

    @abstractmethod
    def close(self) -> None:
        """Release the connection."""

    @abstractmethod
    def backup(self, out: str | Path) -> Path:
        """Write the whole store (layers, versions, audit) to the GeoPackage file ``out``."""

    @abstractmethod
    def restore(self, path: str | Path) -> None:
        """Replace the whole store content with a backup written by :meth:`backup`."""

    @abstractmethod
    def pending_upgrade(self) -> list[str]:
        """What :meth:`upgrade` would change in an older store (empty: up to date)."""

    @abstractmethod
    def upgrade(self, *, user: str = "investmap", reason: str = "upgrade-store") -> list[str]:
        """Bring an older store to the current structure (typed geometry, constraints,
        spatial index) in one audited transaction; returns what changed. Refused with a
        :class:`StoreError` naming the rows to fix when they would break the constraints."""

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- reading ---------------------------------------------------------------------------

    def layer_names(self) -> list[str]:
        """Registry layers present in the store, in registry order."""
        with self._transaction(write=False) as tx:
            present = set(tx.layers())
        return [name for name in LAYERS if name in present]

    def layer_epsg(self, layer: str) -> int | None:
        """EPSG code the store uses for a layer (``None``: absent, empty or no geometry)."""
        with self._transaction(write=False) as tx:
            return tx.layer_epsg(layer) if layer in tx.layers() else None

    def get(self, layer: str, feature_id: str) -> Feature:
        """One feature; :class:`StoreError` names the layer and id when it does not exist."""
        spec = get_spec(layer)
        with self._transaction(write=False) as tx:
            found = tx.features(spec, [feature_id]) if layer in tx.layers() else {}
        if feature_id not in found:
            raise StoreError(f"{self.location}: no {layer} with {spec.id_column} "
                             f"{feature_id!r}; fix: check the id")
        return found[feature_id]

    def read_layer(self, layer: str) -> pd.DataFrame:
        """A layer as a (Geo)DataFrame of canonical values plus ``version``."""
        spec = get_spec(layer)
        with self._transaction(write=False) as tx:
            if layer not in tx.layers():
                raise StoreError(f"{self.location}: no layer {layer!r}; present: "
                                 f"{tx.layers()}")
            data = LayerData(tx.layer_epsg(layer), tx.features(spec))
        return frame_from_features(spec, data)

    def read_rows(self, layer: str, ids: list[str]) -> pd.DataFrame:
        """The features of ``layer`` with these ids (those stored) as :meth:`read_layer`
        gives them: a few rows read back after an edit, not the whole layer."""
        spec = get_spec(layer)
        with self._transaction(write=False) as tx:
            if layer not in tx.layers():
                raise StoreError(f"{self.location}: no layer {layer!r}; present: "
                                 f"{tx.layers()}")
            data = LayerData(tx.layer_epsg(layer), tx.features(spec, ids))
        return frame_from_features(spec, data)

    def ids(self, layer: str) -> list[str]:
        """Every id of ``layer`` in id order (empty when the layer is absent): the edit
        page's choice of features, without reading the features."""
        spec = get_spec(layer)
        with self._transaction(write=False) as tx:
            return tx.ids(spec) if layer in tx.layers() else []

    def history(self, layer: str | None = None,
                feature_id: str | None = None) -> list[AuditEntry]:
        """Audit rows (optionally of one layer / feature), oldest first."""
        with self._transaction(write=False) as tx:
            return tx.audit(layer, feature_id)

    def snapshot(self) -> Snapshot:
        """Everything in the store, read in one transaction (layers without features are
        left out, so an empty table and a missing one compare equal)."""
        with self._transaction(write=False) as tx:
            present = tx.layers()
            layers = {name: LayerData(tx.layer_epsg(name), tx.features(get_spec(name)))
                      for name in LAYERS if name in present}
            return Snapshot(layers={k: v for k, v in layers.items() if v.features},
                            audit=tx.audit())

    # -- writing ---------------------------------------------------------------------------

    def edit(self, layer: str, feature_id: str, changes: Mapping[str, Any], *, user: str,
             role: str, reason: str, expect_version: int | None = None) -> int:
        """Change fields of one feature and return its new version.

        Parameters
        ----------
        layer : ``parcel``, ``project``, ``park`` or ``lead``.
        feature_id : the feature's id (``parcel_id`` …).
        changes : field → new value (text is parsed as the column's type).
        user, role, reason : recorded in the audit log; ``role`` decides what is allowed.
        expect_version : the version the edit is based on; a different stored version refuses
            the edit (:class:`StaleVersionError` with the current version and values).

        Raises
        ------
        EditError
            (and subclasses) when refused; nothing is written.
        """
        spec = check_role(layer, role)
        _require_who(user, reason, what=f"{layer} {feature_id}")
        values = coerce_changes(spec, feature_id, changes)
        at = utc_now()
        with self._transaction(write=True) as tx:
            return self._edit_locked(tx, spec, feature_id, values, user=user, role=role,
                                     reason=reason, expect_version=expect_version, at=at)

    def _edit_locked(self, tx: Transaction, spec: LayerSpec, feature_id: str,
                     values: Mapping[str, Any], *, user: str, role: str, reason: str,
                     expect_version: int | None, at: str) -> int:
        """The write half of :meth:`edit` inside an open write transaction."""
        layer, what = spec.name, f"{spec.name} {feature_id}"
        current = tx.features(spec, [feature_id], lock=True).get(feature_id)
        if current is None:
            raise StoreError(f"{self.location}: no {layer} with {spec.id_column} "
                             f"{feature_id!r}; fix: check the id")
        if expect_version is not None and current.version != expect_version:
            raise StaleVersionError(layer, feature_id, expect_version, current.version,
                                    {k: current.values.get(k) for k in values})
        diff = {k: v for k, v in values.items() if current.values.get(k) != v}
        if not diff:
            raise NoChangeError(f"{what}: {dict(values)} is what is stored already; nothing "
                                "was written")
        for name, new in diff.items():
            check_transition(spec, feature_id, name, current.values.get(name), new, role)
        check_dates(spec, feature_id, {**current.values, **diff}, set(diff))
        check_record(spec, feature_id, {**current.values, **diff}, set(diff))
        if not tx.update(spec, feature_id, diff, KEEP, current.version, None):
            fresh = tx.features(spec, [feature_id])[feature_id]
            raise StaleVersionError(layer, feature_id, current.version, fresh.version,
                                    {k: fresh.values.get(k) for k in diff})
        version = current.version + 1
        tx.add_audit([AuditEntry(layer, feature_id, name, audit_text(current.values.get(name)),
                                 audit_text(new), user, role, reason, at, version)
                      for name, new in diff.items()])
        return version

    def create(self, layer: str, values: Mapping[str, Any], *, user: str, role: str,
               reason: str, id_prefix: str, link: Link | None = None) -> str:
        """Insert one new feature under the next free id ``<id_prefix><number>`` and return
        the id (a lead from the inquiry form or ``investmap leads add``; a project converted
        from a lead).

        The values are checked like an import (every column, required ones included); the
        id is numbered inside the write transaction holding the layer's lock, so concurrent
        creators never share an id. ``link`` edits another feature in the same transaction
        (its ``changes`` may use ``{id}`` for the new id), with the edit's rules and version
        check: the new feature and the link are written together or not at all.

        Raises
        ------
        EditError
            (and subclasses) when refused; nothing is written.
        """
        spec = check_creator(layer, role, values)
        _require_who(user, reason, what=f"new {layer}")
        checked = coerce_new(spec, values, feature_id=f"{id_prefix}0")
        at = utc_now()
        with self._transaction(write=True) as tx:
            tx.ensure_layer(spec, self._epsg_in(tx, layer))
            fid = next_id(tx.features(spec, lock=True), id_prefix)
            row = {**checked, spec.id_column: fid}
            check_dates(spec, fid, row, set(row))
            check_record(spec, fid, row, set(row))
            tx.insert(spec, [Feature(row, None, 1)], self._epsg_in(tx, layer))
            tx.add_audit([AuditEntry(layer, fid, "*", None, "created", user, role, reason,
                                     at, 1)])
            if link is not None:
                link_spec = check_role(link.layer, role)
                changes = {k: (v.format(id=fid) if isinstance(v, str) else v)
                           for k, v in link.changes.items()}
                self._edit_locked(tx, link_spec, link.feature_id,
                                  coerce_changes(link_spec, link.feature_id, changes),
                                  user=user, role=role, reason=reason,
                                  expect_version=link.expect_version, at=at)
        return fid

    @staticmethod
    def _epsg_in(tx: Transaction, layer: str) -> int | None:
        return tx.layer_epsg(layer) if layer in tx.layers() else None

    def import_frame(self, layer: str, frame: pd.DataFrame, *, user: str, reason: str,
                     role: str = "planner", tolerance_m: float = 0.0,
                     columns: Collection[str] | None = None,
                     force: bool = False) -> ImportResult:
        """Upsert a validated layer (from :func:`layers.io.load_layer`) by id, atomically.

        New ids are inserted (version 1, one ``*`` audit row), changed features are updated
        (version + 1, one audit row per changed field), identical ones are left alone — so
        re-importing the same file changes nothing. Features missing from the file are kept.
        Geometries are transformed to the CRS the store already uses for the layer; a
        geometry whose vertices all lie within ``tolerance_m`` of the stored ones is unchanged
        (policy ``storage.geometry_tolerance_m``).

        Only ``columns`` (``"geometry"`` included) of existing features are compared and
        updated — the columns the file has; others keep their stored values (``None``: all).
        Changed rows follow the edit rules of ``role`` and, when the frame has a ``version``
        column, are refused if stored more recently unless ``force`` (admin); see
        :func:`layers.store.loading.check_load`. Any refused row means nothing is written.
        """
        spec = get_spec(layer)
        _require_who(user, reason, what=f"import into {layer}")
        if role not in IMPORTERS:
            raise PermissionDenied(f"role {role!r} may not import; fix: ask a user with role "
                                   f"{' or '.join(sorted(IMPORTERS))}")
        check_force(role, force)
        bases = base_versions(spec, frame)
        incoming, epsg = features_from_frame(spec, frame, target_epsg=self.layer_epsg(layer))
        at = utc_now()
        with self._transaction(write=True) as tx:
            if layer in tx.layers() and tx.layer_epsg(layer) not in (None, epsg):
                raise StoreError(f"{self.location}: the CRS of layer {layer!r} changed during "
                                 "the import; fix: run the import again")
            tx.ensure_layer(spec, epsg)
            existing = tx.features(spec, lock=True)
            inserts: list[Feature] = []
            entries: list[AuditEntry] = []
            changes: dict[str, list[str]] = {}
            for fid, new in incoming.items():
                old = existing.get(fid)
                if old is None:
                    inserts.append(Feature(new.values, new.wkb, 1))
                    entries.append(AuditEntry(layer, fid, "*", None, "created", user, role,
                                              reason, at, 1))
                    continue
                changed = [k for k in _changed_fields(old, new, tolerance_m)
                           if columns is None or k in columns or k == spec.id_column]
                if changed:
                    changes[fid] = changed
            check_load(spec, {fid: (existing[fid].values, incoming[fid].values,
                                    existing[fid].version, changed)
                              for fid, changed in changes.items()},
                       role=role, bases=bases, force=force)
            for fid, changed in changes.items():
                old, new = existing[fid], incoming[fid]
                values = {k: new.values.get(k) for k in changed if k != "geometry"}
                wkb = new.wkb if "geometry" in changed else KEEP
                if not tx.update(spec, fid, values, wkb, old.version, epsg):
                    raise StoreError(f"{self.location}: {layer} {fid} changed during the "
                                     "import; nothing was written; fix: run it again")
                entries.extend(_import_audit(layer, fid, changed, old, new, user, role, reason,
                                             at, old.version + 1))
            tx.insert(spec, inserts, epsg)
            tx.add_audit(entries)
        updated = len(changes)
        return ImportResult(layer, len(inserts), updated,
                            len(incoming) - len(inserts) - updated, len(entries))

    def replace_all(self, snapshot: Snapshot) -> None:
        """Replace the whole content (layers, versions, audit) in one transaction.

        Raises :class:`StoreError` when a layer's CRS differs from the one the store uses for
        it (restore into a new store instead); nothing is written then.
        """
        with self._transaction(write=True) as tx:
            present = tx.layers()
            for name, data in snapshot.layers.items():
                epsg = tx.layer_epsg(name) if name in present else None
                if epsg is not None and data.epsg is not None and epsg != data.epsg:
                    raise StoreError(f"{self.location}: layer {name!r} is stored in EPSG:{epsg} "
                                     f"but the backup holds EPSG:{data.epsg}; nothing was "
                                     "written; fix: restore into a new, empty store")
            tx.clear()
            for name, data in snapshot.layers.items():
                spec = get_spec(name)
                tx.ensure_layer(spec, data.epsg)
                tx.insert(spec, list(data.features.values()), data.epsg)
            tx.add_audit(list(snapshot.audit))


def _changed_fields(old: Feature, new: Feature, tolerance_m: float) -> list[str]:
    names = [k for k, v in new.values.items() if old.values.get(k) != v]
    if old.wkb != new.wkb and not (
            old.wkb is not None and new.wkb is not None and tolerance_m > 0
            and shapely.equals_exact(shapely.from_wkb(old.wkb), shapely.from_wkb(new.wkb),
                                     tolerance=tolerance_m)):
        names.append("geometry")
    return names


def _import_audit(layer: str, fid: str, changed: list[str], old: Feature, new: Feature,
                  user: str, role: str, reason: str, at: str,
                  version: int) -> Iterator[AuditEntry]:
    for name in changed:
        if name == "geometry":
            before, after = geometry_summary(old.wkb), geometry_summary(new.wkb)
        else:
            before, after = audit_text(old.values.get(name)), audit_text(new.values.get(name))
        yield AuditEntry(layer, fid, name, before, after, user, role, reason, at, version)


def features_from_frame(spec: LayerSpec, frame: pd.DataFrame, *,
                        target_epsg: int | None = None) -> tuple[dict[str, Feature], int | None]:
    """Canonical features of a validated frame, in ``target_epsg`` when given."""
    epsg: int | None = None
    wkbs: list[bytes | None] = [None] * len(frame)
    if spec.has_geometry:
        if not isinstance(frame, gpd.GeoDataFrame) or frame.crs is None:
            raise StoreError(f"{spec.name}: the frame has no geometry or CRS; fix: load it "
                             "with layers.io.load_layer")
        if target_epsg is not None and frame.crs.to_epsg() != target_epsg:
            frame = frame.to_crs(target_epsg)
        epsg = frame.crs.to_epsg()
        if epsg is None:
            raise StoreError(f"{spec.name}: CRS {frame.crs.name!r} has no EPSG code; fix: set "
                             "crs.working_epsg in the policy file")
        geoms = frame.geometry.values
        present = ~(shapely.is_missing(geoms) | shapely.is_empty(geoms))
        raw = np.full(len(frame), None, dtype=object)
        kept = np.asarray(geoms[present], dtype=object).copy()
        single = (shapely.get_type_id(kept) == 6) & (shapely.get_num_geometries(kept) == 1)
        kept[single] = shapely.get_geometry(kept[single], 0)  # as norm_wkb reads them back
        raw[present] = shapely.to_wkb(kept, byte_order=1, output_dimension=2)
        wkbs = [bytes(w) if w is not None else None for w in raw]
    columns = {c.name: [canonical(c, v) for v in frame[c.name].tolist()]
               if c.name in frame.columns else [None] * len(frame)
               for c in stored_columns(spec)}
    ids = columns[spec.id_column]
    out: dict[str, Feature] = {}
    for i, fid in enumerate(ids):
        out[str(fid)] = Feature({name: col[i] for name, col in columns.items()}, wkbs[i], 0)
    return out, epsg


def frame_from_features(spec: LayerSpec, data: LayerData) -> pd.DataFrame:
    """A DataFrame (GeoDataFrame for spatial layers) of stored features plus ``version``."""
    names = [c.name for c in stored_columns(spec)]
    rows = [{**{n: f.values.get(n) for n in names}, "version": f.version}
            for f in data.features.values()]
    frame = pd.DataFrame(rows, columns=[*names, "version"])
    if not spec.has_geometry:
        return frame
    geoms = [shapely.from_wkb(f.wkb) if f.wkb is not None else None
             for f in data.features.values()]
    return gpd.GeoDataFrame(frame, geometry=gpd.GeoSeries(geoms, index=frame.index),
                            crs=data.epsg)

"""A county with a few features changed, without reading the whole store again.

After a saved edit the app used to drop every cache and load the whole county again
(100,000 parcels read and validated, availability judged again: a minute at that size).
:func:`patched` instead reads back only the features the edit wrote (:func:`read_features`,
the same reader and validator :func:`layers.county.load_county` uses for that source) and
returns a **new** :class:`~layers.county.County` in which

- the changed features replace their old rows in place, new ones are appended and
  deleted ones dropped (the row order and index a full reload gives: a GeoPackage reads
  rows in insertion order, a PostGIS store in id order);
- the values :func:`layers.county.derive` fills are derived again for the changed rows
  (a parcel's park, a project's location); a change another layer derives from in a way
  only a whole pass can redo — a parcel whose shape, area or enterprise changed while
  projects or enterprises refer to it, a park whose shape changed — gives ``None``: the
  caller reloads everything (as it does for imports and unknown changes). The validation
  reports stay those of the last full load (warnings about the edited rows included).

:func:`patched_availability` re-judges only the changed parcels: their red-line overlaps
are computed again only when their shape changed (otherwise the cached overlaps are
reused) and their verdicts again from the new attributes; every other row is the cached
one. Overlaps and verdicts are row-wise (one parcel against the fixed red lines), so the
result equals judging the whole patched county (``tests/test_county_patch.py`` proves
incremental = full reload for an attribute edit, a shape edit, an addition and a
deletion: same frames, same availability, same tile state).

Concurrency: nothing here mutates its inputs. Every frame of the new county is either the
old frame object (layers not touched) or a new frame built from copies of the old
columns (pandas copy-on-write: assigning into a shallow copy copies the column first), so
a session still reading the old county (or its availability) sees it unchanged until it
asks for the current one again. Callers serialise patches (one at a time, each reading
its features from the store under the same lock), so the last patch applied reflects the
store's latest rows for its ids.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from layers.county import County, assign_parks, locate_projects
from layers.declared import layer_spec
from layers.formats.base import ReadOptions
from layers.io import load_layer
from layers.registry import LAYERS
from layers.store import is_database_url
from layers.supply import availability as judge
from layers.validate import validate_layer

PATCH_LIMIT = 5_000
"""Changes of more features than this reload the whole county (a bulk change: reading
everything is then about as fast and certainly right)."""


@dataclass(frozen=True)
class Change:
    """Features of one layer whose stored state the county must take over: each id is read
    back from the store; an id the store no longer holds is deleted from the county."""

    layer: str
    ids: tuple[str, ...]

    def __post_init__(self) -> None:
        if self.layer not in LAYERS:
            raise ValueError(f"Change.layer {self.layer!r}: not a registry layer; use one of "
                             f"{sorted(LAYERS)}")
        object.__setattr__(self, "ids", tuple(dict.fromkeys(str(i) for i in self.ids)))


def read_features(county: County, location: str, change: Change) -> pd.DataFrame:
    """The stored rows of ``change.ids`` (those still stored), read and validated as
    :func:`layers.county.load_county` reads ``location``: a GeoPackage through the file
    reader (an SQL filter on the id), a PostGIS store through the store.

    Raises
    ------
    layers.io.ReadError, layers.validate.ValidationError, layers.store.StoreError
        As a full load would.
    """
    name = change.layer
    id_column = LAYERS[name].id_column
    working = _working_crs(county)
    if is_database_url(location):
        from layers.store import open_store

        with open_store(location) as store:
            stored = store.read_rows(name, list(change.ids))
        extra = {"category": county.policy.redline_categories} if name == "redline" else {}
        frame, _report = validate_layer(stored, layer_spec(name, county.policy),
                                        source=county.source, working_crs=working,
                                        allowed_extra=extra)
        return frame
    quoted = ", ".join("'" + i.replace("'", "''") + "'" for i in change.ids)
    where = f'"{id_column}" IN ({quoted})'
    frame, _report = load_layer(Path(location), name, policy=county.policy,
                                working_crs=working,
                                options=ReadOptions(source_layer=name, where=where))
    return frame


def patched(county: County, change: Change, rows: pd.DataFrame) -> County | None:
    """A new county: ``county`` with the features of ``change`` as in ``rows`` (their
    stored rows, from :func:`read_features`); ``None`` when only a full reload is exact
    (see the module docstring) or the change is larger than :data:`PATCH_LIMIT`.

    ``county`` and its frames are left unchanged.
    """
    name = change.layer
    old = county.layers.get(name)
    if old is None or len(change.ids) > PATCH_LIMIT:
        return None
    id_column = LAYERS[name].id_column
    rows = rows[_keys(rows, id_column).isin(change.ids)]
    if name == "parcel" and "park" in county.layers:
        rows = assign_parks(rows, county["park"])
    if name == "project" and "parcel" in county.layers:
        rows = locate_projects(rows, county["parcel"])
    if not _derivations_hold(county, change, rows):
        return None
    frame = _spliced(old, rows, id_column, change.ids,
                     by_id=is_database_url(county.source) or _is_url(county.source))
    if frame is None:
        return None
    return County(layers={**county.layers, name: frame}, policy=county.policy,
                  reports=county.reports, source=county.source)


def patched_availability(before: County, after: County, change: Change,
                         availability: pd.DataFrame) -> pd.DataFrame:
    """Availability of ``after`` from that of ``before`` (``availability``, as
    :func:`layers.supply.availability` gives it): only the parcels of ``change`` judged
    again — their overlaps only when their shape changed. Not a parcel change: the same
    frame (availability reads parcels and red lines only)."""
    if change.layer != "parcel":
        return availability
    parcels = after["parcel"]
    rows = parcels[_keys(parcels, "parcel_id").isin(change.ids)]
    key = _keys(rows, "parcel_id")
    where = _keys(before["parcel"], "parcel_id").get_indexer(key)
    known = where >= 0
    same_shape = np.zeros(len(rows), dtype=bool)
    if known.any():
        same_shape[known] = shapely.equals_exact(
            rows.geometry.values[known], before["parcel"].geometry.values[where[known]],
            tolerance=0)
    judged = []
    reshaped = rows[~same_shape]
    if len(reshaped):
        sub = County(layers={**after.layers, "parcel": reshaped}, policy=after.policy,
                     source=after.source)
        judged.append(judge(sub, threads=1))
    kept = rows[same_shape]
    if len(kept):
        from geo.availability import VERDICT_COLUMNS, verdicts
        from layers.supply import supply_rules

        at = _keys(availability, "parcel_id").get_indexer(key[same_shape])
        overlaps = availability.iloc[at].drop(columns=list(VERDICT_COLUMNS))
        overlaps.index = kept.index
        judged.append(verdicts(kept, overlaps, supply_rules(after.policy)))
    fresh = pd.concat(judged) if judged else availability.iloc[:0]
    fresh = fresh.reindex(columns=availability.columns)
    out = _spliced(availability, fresh, "parcel_id", change.ids,
                   by_id=is_database_url(after.source) or _is_url(after.source))
    if out is None or not out.index.equals(parcels.index):
        # rows in another order than the parcels (should not happen): judge again in full
        return judge(after)
    return out


def offerable(availability: pd.DataFrame) -> tuple[str, ...]:
    """Ids of the parcels on offer (offerable status, no red-line conflict)."""
    return tuple(availability.loc[availability["available"], "parcel_id"].astype(str))


# -- helpers -------------------------------------------------------------------------------


def _is_url(source: str) -> bool:
    return "://" in source


def _working_crs(county: County) -> Any:
    for frame in county.layers.values():
        if isinstance(frame, gpd.GeoDataFrame) and frame.crs is not None:
            return frame.crs
    return county.policy.crs.working_epsg


DERIVED_FROM: dict[str, tuple[tuple[str, str, tuple[str, ...]], ...]] = {
    "parcel": (("project", "parcel_id", ("geometry",)),
               ("enterprise", "enterprise_id", ("area_mu", "enterprise_id", "geometry"))),
    "park": (("parcel", "park_id", ("geometry",)),),
}
"""Layer → (dependent layer, the key relating the two, changed columns that make the
dependent layer derive again): what :func:`layers.county.derive` fills from another layer
(a project's location from its parcel, an enterprise's land from its parcels, a parcel's
park from the park shapes). A feature added, deleted or changed in one of those columns
that a dependent row refers to needs a full reload (a derived value cannot be told from a
stored one); for parks any such change does (a parcel's park may have been derived)."""


def _derivations_hold(county: County, change: Change, rows: pd.DataFrame) -> bool:
    """True when no other layer's derived values depend on what changed (see
    :data:`DERIVED_FROM`)."""
    name = change.layer
    id_column = LAYERS[name].id_column
    frame = county[name]
    old = frame[_keys(frame, id_column).isin(change.ids)]
    old = old.set_index(old[id_column].astype(str))
    new = rows.set_index(rows[id_column].astype(str))
    for dependent, key, columns in DERIVED_FROM.get(name, ()):
        other = county.layers.get(dependent)
        if other is None or key not in other:
            continue
        touched = _changed_ids(old, new, columns)
        if not touched:
            continue
        if name == "park":
            return False
        keys = touched if key == id_column else {
            str(v) for part in (old, new) if key in part
            for v in part.loc[part.index.intersection(list(touched)), key].dropna()}
        if keys & set(other[key].dropna().astype(str)):
            return False
    return True


def _changed_ids(old: pd.DataFrame, new: pd.DataFrame, columns: Iterable[str]) -> set[str]:
    """Ids added, deleted, or with another value in one of ``columns``."""
    out = set(old.index).symmetric_difference(new.index)
    both = old.index.intersection(new.index)
    for column in columns:
        if column == "geometry":
            if isinstance(old, gpd.GeoDataFrame) and len(both):
                same = shapely.equals_exact(old.geometry.loc[both].values,
                                            new.geometry.loc[both].values, tolerance=0)
                out |= set(both[~same])
            continue
        if column not in old or column not in new:
            continue
        a, b = old.loc[both, column], new.loc[both, column]
        differs = ~((a == b) | (a.isna() & b.isna())).to_numpy(dtype=bool)
        out |= set(both[differs])
    return out


def _spliced(old: pd.DataFrame, rows: pd.DataFrame, id_column: str, ids: Collection[str],
             *, by_id: bool) -> pd.DataFrame | None:
    """``old`` with the rows of ``ids`` taken from ``rows``: replaced in place, new ones
    appended (where a GeoPackage's insertion order puts them), ids missing from ``rows``
    dropped; a fresh RangeIndex when ``old`` had one. ``None`` — only a full reload is
    exact — when ids are duplicated, ``rows`` lacks one of ``old``'s columns, or rows are
    added to a frame read in id order (``by_id``: a database's collation decides)."""
    keys, new_keys = _keys(old, id_column), _keys(rows, id_column)
    if not keys.is_unique or not new_keys.is_unique or any(c not in rows for c in old):
        return None
    rows = rows[list(old.columns)]
    where = keys.get_indexer(new_keys)
    replace, append = where >= 0, where < 0
    if by_id and append.any():
        return None  # where the database's collation would put them is its own business
    gone = np.flatnonzero(keys.isin([i for i in ids if i not in set(new_keys)]))
    out = old.copy(deep=False)
    if replace.any():
        at = where[replace]
        for column in old.columns:
            values = _as_dtype(rows[column], old[column])
            array = old[column].array.copy()
            fresh = values.array[replace]
            if isinstance(old[column].dtype, gpd.array.GeometryDtype):
                # an unchanged shape keeps its object: what was derived from it (display
                # shapes, webmap.display.DisplayShapes) is reused by identity
                kept = shapely.equals_exact(np.asarray(array[at]), np.asarray(fresh),
                                            tolerance=0)
                fresh = np.where(kept, np.asarray(array[at]), np.asarray(fresh))
            array[at] = fresh
            out[column] = pd.Series(array, index=old.index, name=column,
                                    dtype=old[column].dtype)
    if append.any():
        added = rows[append].astype({c: old[c].dtype for c in old.columns
                                     if c != getattr(old, "_geometry_column_name", None)})
        out = pd.concat([out, added], ignore_index=True)
    if len(gone):
        out = out.drop(index=out.index[gone])
    if isinstance(old.index, pd.RangeIndex):
        out = out.reset_index(drop=True)
    if isinstance(old, gpd.GeoDataFrame) and not isinstance(out, gpd.GeoDataFrame):
        out = gpd.GeoDataFrame(out, geometry=old.geometry.name, crs=old.crs)
    return out


def _keys(frame: pd.DataFrame, column: str) -> pd.Index:
    """The ids in ``column`` as text, in an object index (pandas' string-dtype ``isin``
    loops in Python: a second at 100,000 rows)."""
    return pd.Index(frame[column].astype(str).to_numpy(dtype=object), dtype=object)


def _as_dtype(values: pd.Series, like: pd.Series) -> pd.Series:
    """``values`` in the dtype of ``like`` (a one-row read may infer another dtype)."""
    if isinstance(like.dtype, gpd.array.GeometryDtype):
        return gpd.GeoSeries(values, crs=getattr(like, "crs", None))
    if values.dtype == like.dtype:
        return values
    return values.astype(like.dtype)

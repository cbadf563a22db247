"""Rules a file load must pass before anything is written: the same as an edit's, per row.

A load (``investmap load``) is a batch of edits. :func:`check_load` applies to every changed
feature what :meth:`layers.store.Store.edit` applies to one: the role's status/stage
transitions and the date order (:mod:`layers.store.rules`), and optimistic concurrency — a
file carrying a ``version`` column (written by ``investmap backup`` and the exports) is the
base it was edited from, so a feature stored with a newer version is refused unless an admin
passes ``force``. Every refused row is listed; when one is refused, nothing is written.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping

import pandas as pd

from layers.registry import LayerSpec
from layers.store.errors import EditError, PermissionDenied
from layers.store.rules import check_dates, check_transition
from layers.store.values import canonical

MAX_LISTED = 20
"""Refused rows named in the message before "and N more"."""

VERSION_COLUMN = "version"


class LoadRefused(EditError):
    """Rows of a load broke the edit rules or were based on an older version.

    Attributes
    ----------
    rows : one line per refused row (feature id, what is wrong, the fix).
    """

    def __init__(self, layer: str, rows: list[str]):
        self.rows = list(rows)
        shown = "\n  ".join(rows[:MAX_LISTED])
        more = len(rows) - MAX_LISTED
        super().__init__(f"{layer}: {len(rows)} row(s) refused, nothing was written:\n  {shown}"
                         + (f"\n  … and {more} more" if more > 0 else ""))


def base_versions(spec: LayerSpec, frame: pd.DataFrame) -> dict[str, int]:
    """Feature id → the version the file's row was based on (its ``version`` column).

    Rows with a blank version have no base (new rows, or a file not exported from a store).

    Raises
    ------
    EditError
        A version that is not a whole number ≥ 1, naming the feature.
    """
    if VERSION_COLUMN not in frame.columns:
        return {}
    ids = [canonical(spec.column(spec.id_column), v) for v in frame[spec.id_column].tolist()]
    raw = frame[VERSION_COLUMN].tolist()
    numbers = pd.to_numeric(pd.Series(raw, dtype=object), errors="coerce").tolist()
    out: dict[str, int] = {}
    bad: list[str] = []
    for fid, given, number in zip(ids, raw, numbers, strict=True):
        if given is None or str(given).strip() in ("", "nan", "None", "<NA>"):
            continue
        if pd.isna(number) or number < 1 or number != int(number):
            bad.append(f"{spec.name} {fid}: version {given!r} is not a whole number ≥ 1")
            continue
        out[str(fid)] = int(number)
    if bad:
        raise EditError("the file's version column is unreadable: " + "; ".join(bad[:5])
                        + "; fix: keep the version column as exported, or delete it")
    return out


def check_force(role: str, force: bool) -> None:
    """``force`` (load over newer stored versions) is for admins only."""
    if force and role != "admin":
        raise PermissionDenied(f"role {role!r} may not force a load over newer versions; fix: "
                               "load the newer data instead, or ask an admin (--role admin "
                               "--force)")


def check_load(spec: LayerSpec, changes: Mapping[str, tuple[dict, dict, int, Collection[str]]],
               *, role: str, bases: Mapping[str, int], force: bool) -> None:
    """Refuse a load whose changed rows break the edit rules.

    Parameters
    ----------
    spec : the layer.
    changes : feature id → (stored values, incoming values, stored version, changed fields).
    role : the loading role (transitions as in ``edit``; ``admin`` may override them).
    bases : feature id → version the file's row was based on (:func:`base_versions`).
    force : accept rows whose stored version is newer than their base (admin only).

    Raises
    ------
    LoadRefused
        Listing every refused row.
    """
    refused: list[str] = []
    for fid, (old, new, version, changed) in changes.items():
        base = bases.get(fid)
        if base is not None and version > base and not force:
            refused.append(f"{spec.name} {fid}: the file is based on version {base} but the "
                           f"store holds version {version} (edited since); fix: export again "
                           "and redo the change, or an admin loads with --force")
            continue
        for name in changed:
            if name == "geometry":
                continue
            try:
                check_transition(spec, fid, name, old.get(name), new.get(name), role)
            except EditError as exc:
                refused.append(str(exc))
        try:
            check_dates(spec, fid, {**old, **{k: new.get(k) for k in changed}}, set(changed))
        except EditError as exc:
            refused.append(str(exc))
    if refused:
        raise LoadRefused(spec.name, refused)

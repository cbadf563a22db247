"""``investmap edit LAYER ID --set f=v …`` and ``investmap history LAYER ID``: audited edits.

Both read ``--data GPKG|URL`` (default: ``$INVESTMAP_DATABASE_URL``, ``$INVESTMAP_STORE`` or the
working copy ``data/store.gpkg``); see :mod:`layers.store`.
"""

from __future__ import annotations

import argparse

from cli.common import UserError
from layers.store import (
    EDITORS,
    ROLES,
    Store,
    StoreError,
    open_store,
)

DEFAULT_ROLE = {"parcel": "planner", "project": "promoter", "park": "planner", "lead": "promoter"}
"""Role an edit runs with when ``--role`` is not given (admin overrides need ``--role admin``)."""


def add_store_option(parser: argparse.ArgumentParser) -> None:
    """Add ``--data GPKG|URL`` naming the store."""
    parser.add_argument("--data", metavar="GPKG|URL",
                        help="store: a GeoPackage path or a postgresql:// URL (default: "
                        "$INVESTMAP_DATABASE_URL, else $INVESTMAP_STORE, else the working copy "
                        "data/store.gpkg made from the demo county on first use)")


def store_from(args: argparse.Namespace) -> Store:
    """Open the store named by ``--data`` (or the default); errors become :class:`UserError`."""
    try:
        return open_store(getattr(args, "data", None))
    except StoreError as exc:
        raise UserError(str(exc)) from exc


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("edit", help="edit a parcel, project or park (audited, versioned)",
                       description="Change fields of one feature. Prints the new version. "
                       "With --expect-version, an edit based on an older version is refused "
                       "(exit 3) naming the current version and value.")
    p.add_argument("layer", choices=sorted(EDITORS))
    p.add_argument("id", help="feature id, e.g. QF-0001")
    p.add_argument("--set", dest="changes", action="append", required=True,
                   metavar="FIELD=VALUE", help="field to change (repeatable); empty VALUE "
                   "clears the field")
    p.add_argument("--user", required=True, help="who edits (recorded in the audit log)")
    p.add_argument("--reason", required=True, help="why (recorded in the audit log)")
    p.add_argument("--role", choices=ROLES,
                   help="role: planner (parcels, parks), promoter (projects, parks), admin "
                   "(overrides); default planner for parcels/parks, promoter for projects")
    p.add_argument("--expect-version", type=int, metavar="V",
                   help="refuse the edit unless the stored version is V")
    add_store_option(p)
    p.set_defaults(func=run_edit)

    h = sub.add_parser("history", help="print the audit trail of a parcel, project or park",
                       description="Print every recorded change of one feature, oldest first.")
    h.add_argument("layer", choices=sorted(EDITORS))
    h.add_argument("id", help="feature id")
    add_store_option(h)
    h.set_defaults(func=run_history)


def parse_changes(items: list[str]) -> dict[str, str]:
    """``["status=available", "notes="]`` → ``{"status": "available", "notes": ""}``."""
    changes: dict[str, str] = {}
    for item in items:
        name, sep, value = item.partition("=")
        if not sep or not name.strip():
            raise UserError(f"--set {item!r}: expected FIELD=VALUE, e.g. --set status=available")
        if name.strip() in changes:
            raise UserError(f"--set {name.strip()!r} given twice; fix: give each field once")
        changes[name.strip()] = value
    return changes


def run_edit(args: argparse.Namespace) -> int:
    changes = parse_changes(args.changes)
    role = args.role or DEFAULT_ROLE[args.layer]
    with store_from(args) as store:
        version = store.edit(args.layer, args.id, changes, user=args.user, role=role,
                             reason=args.reason, expect_version=args.expect_version)
    print(version)
    return 0


def run_history(args: argparse.Namespace) -> int:
    with store_from(args) as store:
        try:
            feature = store.get(args.layer, args.id)
            entries = store.history(args.layer, args.id)
        except StoreError as exc:
            raise UserError(str(exc)) from exc
    print(f"{args.layer} {args.id}: version {feature.version}, {len(entries)} change(s)")
    for e in entries:
        change = ("created" if e.field == "*"
                  else f"{e.field}: {_show(e.old_value)} → {_show(e.new_value)}")
        print(f"{e.at}  v{e.version}  {e.user} ({e.role})  {change}  — {e.reason}")
    return 0


def _show(value: str | None) -> str:
    return "∅" if value is None else repr(value)

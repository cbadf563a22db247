"""``investmap backup --out F``, ``investmap restore F``: whole-store copies;
``investmap upgrade-store``: an older store brought to the current structure.

A backup is one GeoPackage file with every layer, every feature's version and the audit log,
whatever the backend (GeoPackage: SQLite online-backup API; PostGIS: the same tables exported
in one transaction). ``restore`` replaces the store's content with it in one transaction.
"""

from __future__ import annotations

import argparse

from cli.common import UserError
from cli.edit import add_store_option, store_from
from layers.store import StoreError


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("backup", help="copy the whole store (layers, versions, audit) to a file",
                       description="Write a consistent copy of the store to a GeoPackage file "
                       "(restorable into a GeoPackage or PostGIS store).")
    p.add_argument("--out", required=True, metavar="FILE", help="backup file (.gpkg)")
    add_store_option(p)
    p.set_defaults(func=run_backup)

    r = sub.add_parser("restore", help="replace the store's content with a backup",
                       description="Replace every layer, version and audit row of the store "
                       "with the content of a file written by `investmap backup`.")
    r.add_argument("file", help="backup file written by `investmap backup`")
    add_store_option(r)
    r.set_defaults(func=run_restore)

    u = sub.add_parser("upgrade-store", help="bring an older store to the current structure "
                       "(typed geometry, constraints, spatial index)",
                       description="Type the geometry columns (MultiPolygon/Point/Geometry in "
                       "the store's EPSG), add NOT NULL and code-list CHECK constraints and "
                       "the spatial index, in one audited transaction. Refused, with nothing "
                       "changed, when rows would break them (several SRIDs, empty required "
                       "values, unknown codes); the message names them and the fix. "
                       "GeoPackage stores are upgraded when opened; this reports it.")
    u.add_argument("--user", default="investmap", help="recorded in the audit log")
    add_store_option(u)
    u.set_defaults(func=run_upgrade)


def run_backup(args: argparse.Namespace) -> int:
    if not str(args.out).lower().endswith(".gpkg"):
        raise UserError(f"{args.out}: a backup is a GeoPackage; fix: name it *.gpkg")
    with store_from(args) as store:
        try:
            out = store.backup(args.out)
        except StoreError as exc:
            raise UserError(str(exc)) from exc
        location = store.location
    print(f"backed up {location} to {out}")
    return 0


def run_restore(args: argparse.Namespace) -> int:
    with store_from(args) as store:
        try:
            store.restore(args.file)
        except StoreError as exc:
            raise UserError(str(exc)) from exc
        counts = {name: len(data.features) for name, data in store.snapshot().layers.items()}
        location = store.location
    shown = ", ".join(f"{k}={v:,}" for k, v in counts.items())
    print(f"restored {location} from {args.file} ({shown})")
    return 0


def run_upgrade(args: argparse.Namespace) -> int:
    with store_from(args) as store:
        try:
            done = store.upgrade(user=args.user, reason="investmap upgrade-store")
        except StoreError as exc:
            raise UserError(str(exc)) from exc
        location = store.location
    if not done:
        print(f"{location}: up to date; nothing to change")
        return 0
    print(f"upgraded {location}:")
    for item in done:
        print(f"  {item}")
    return 0

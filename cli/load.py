"""``investmap load FILE --layer NAME --user U``: atomic, idempotent import into a store.

The file goes through :func:`layers.importing.prepare_import` (every format registered in
:data:`layers.io.READERS`; ``--set``/``--replace``/``--skip-invalid`` as for ``import``) and
is validated completely before the store is touched; then one
transaction upserts it by id (see :meth:`layers.store.Store.import_frame`). A file that fails
validation, or a writer killed half-way, leaves the store exactly as it was; loading the same
file again changes nothing and writes no audit rows. Existing rows are updated only in the
columns the file has (the others are listed as left alone); changed rows follow the role's
edit rules, and a ``version`` column (as in backups) refuses rows edited since, unless an
admin passes ``--force``.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from cli.common import UserError, policy_from
from cli.edit import add_store_option, store_from
from cli.import_ import add_fill_options, prepare
from layers.freshness import as_of_text
from layers.importing import StoredIdClash, check_stored_ids
from layers.io import ReadOptions
from layers.registry import LAYERS
from layers.store import EditError, StoreError
from layers.store.base import IMPORTERS
from layers.store.settings import storage_settings
from layers.store.values import stored_columns
from layers.validate import ValidationError


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("load", help="import a file into the store (atomic, upsert by id)",
                       description="Validate FILE as layer NAME, then insert new features and "
                       "update changed ones in one transaction (audited). Nothing is written "
                       "when any row fails; loading the same file twice changes nothing.")
    p.add_argument("path", metavar="FILE", help="file to load (any format `investmap "
                   "validate` reads)")
    p.add_argument("--layer", required=True, choices=list(LAYERS), help="registry layer")
    p.add_argument("--user", required=True, help="who loads (recorded in the audit log)")
    p.add_argument("--reason", help="why (audit log; default: 'load FILE')")
    p.add_argument("--role", choices=sorted(IMPORTERS), default="planner",
                   help="role recorded in the audit log (default planner)")
    p.add_argument("--crs", help="CRS to assume when the file has none, e.g. EPSG:4490")
    p.add_argument("--encoding", help="attribute encoding, e.g. gbk")
    p.add_argument("--source-layer", help="layer or sheet inside FILE (default: NAME for a "
                   "GeoPackage)")
    p.add_argument("--force", action="store_true",
                   help="admin only: load rows whose stored version is newer than the file's "
                   "version column (overwrites edits made since the file was exported)")
    p.add_argument("--policy", metavar="FILE", help="policy settings YAML")
    add_fill_options(p)
    p.add_argument("--as-of", metavar="DATE", help="date the data is current to (default "
                   "today); shown on the map, cards and exports")
    p.add_argument("--department", metavar="TEXT", help="source department, e.g. 县自然资源局 "
                   "(kept from the previous load when omitted)")
    p.add_argument("--data-owner", metavar="NAME", help="staff member answerable for the layer "
                   "(confidential; kept from the previous load when omitted)")
    add_store_option(p)
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    policy = policy_from(args)
    path = Path(args.path)
    _check_as_of(args.as_of)
    t0 = time.perf_counter()
    with store_from(args) as store:
        epsg = store.layer_epsg(args.layer)
        options = ReadOptions(source_layer=args.source_layer, crs=args.crs,
                              encoding=args.encoding)
        prepared = prepare(args, path, args.layer, options=options, policy=policy,
                           working_crs=epsg, nothing=f"nothing was written to {store.location}")
        frame, report = prepared.frame, prepared.report
        if frame.empty:
            raise UserError(f"{path}: no features to load; fix: check that this is the right "
                            f"file (and --source-layer); nothing was written to {store.location}")
        spec = LAYERS[args.layer]
        try:
            check_stored_ids(store, args.layer, frame, source=str(path))
        except StoredIdClash as exc:
            raise UserError(f"{exc}; nothing was written to {store.location}") from exc
        columns = (*report.columns, *(("geometry",) if spec.has_geometry else ()))
        try:
            result = store.import_frame(args.layer, frame, user=args.user,
                                        reason=args.reason or f"load {path.name}",
                                        role=args.role, columns=columns, force=args.force,
                                        tolerance_m=storage_settings(policy).geometry_tolerance_m)
        except (EditError, StoreError) as exc:
            raise UserError(f"{exc}\nnothing was written to {store.location}") from exc
        fresh = _record_freshness(store, args)
        location = store.location
    for problem in report.warnings:
        print(problem.format(report.source))
    untouched = [c.name for c in stored_columns(spec) if c.name not in report.columns]
    if untouched:
        print(f"columns not in {path.name}, left as stored for existing rows: "
              f"{', '.join(untouched)}")
    print(f"loaded {path} into {location} [{args.layer}]: {result.inserted:,} inserted, "
          f"{result.updated:,} updated, {result.unchanged:,} unchanged, "
          f"{result.audit_rows:,} audit rows ({time.perf_counter() - t0:.1f} s)")
    if fresh is not None:
        print(as_of_text(args.layer, "en", {args.layer: fresh}))
    return 0


def _check_as_of(value: str | None) -> None:
    from cli.metric_options import parse_as_of

    if value is not None:
        parse_as_of(value)


def _record_freshness(store, args: argparse.Namespace):  # noqa: ANN001, ANN202
    """Set the layer's as-of date, department and owner (layers/freshness.py)."""
    import pandas as pd

    from layers.freshness import TRACKED, record_load

    if args.layer not in TRACKED:
        return None
    try:
        return record_load(store, args.layer, user=args.user, role=args.role,
                           today=pd.Timestamp.today(), as_of=args.as_of,
                           source_department=args.department, data_owner=args.data_owner)
    except (ValidationError, EditError, StoreError) as exc:
        raise UserError(f"{exc}\nthe layer was loaded; its as-of date was not recorded: "
                        "fix the value and load again") from exc

"""``investmap ledger``: the weekly 推进会 report of the 重点项目台账, or loading a 台账 workbook.

``investmap ledger --data D --out REPORT.xlsx|.pdf [--as-of DATE] [--lang zh|en]`` writes the
report (stuck steps per 责任单位 and 包抓领导, completion rates, projects without progress);
``investmap ledger --data STORE --load 台账.xlsx --user U`` validates the workbook's three
layers and only then loads them into the store (the same as three ``investmap load --layer
ledger_…`` runs of the same file). Staff material: the report names leaders and problems.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from cli.common import UserError, add_data_options, county_from, policy_from
from cli.metric_options import add_as_of, as_of_from

LAYERS = ("park", "project")
"""Layers joined to the ledger when present (park names, chains, started projects)."""


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("ledger", help="重点项目台账: weekly report, or load a 台账 workbook",
                       description="Write the weekly 推进会 report of the key-project ledger "
                       "(--out .xlsx or .pdf), or load the county's 台账 workbook into the "
                       "store (--load FILE --user U; --as-of is then the date the ledger is "
                       "current to). Staff only: the report names leaders.")
    add_data_options(p, LAYERS)
    add_as_of(p)
    mode = p.add_mutually_exclusive_group(required=True)
    mode.add_argument("--out", metavar="REPORT", help="report file: .xlsx or .pdf")
    mode.add_argument("--load", metavar="FILE", help="台账 workbook (.xlsx) to load into the "
                      "store --data")
    p.add_argument("--lang", choices=["zh", "en"], default="zh", help="report language")
    p.add_argument("--sheet", help="the workbook's ledger sheet (default: the first with a "
                   "项目名称 header)")
    p.add_argument("--user", help="who loads (audit log; required with --load)")
    p.add_argument("--reason", help="why (audit log; default 'load FILE')")
    p.add_argument("--role", choices=["planner", "admin"], default="planner",
                   help="role recorded in the audit log (default planner)")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    if args.load:
        return _load(args)
    return _report(args)


def _report(args: argparse.Namespace) -> int:
    from exports.common import ExportError
    from exports.ledger_report import write_report
    from layers.ledger import LAYERS as LEDGER_LAYERS
    from layers.ledger import ledger_view

    if Path(args.out).suffix.lower() not in (".xlsx", ".pdf"):
        raise UserError(f"{args.out}: unsupported report type; use .xlsx or .pdf")
    as_of = as_of_from(args)
    county = county_from(args, (*LAYERS, *LEDGER_LAYERS))
    missing = [name for name in LEDGER_LAYERS[:2] if name not in county.layers]
    if missing:
        raise UserError(f"{county.source}: no {' / '.join(missing)} layer: the county has no "
                        "重点项目台账 yet; fix: load the 台账 workbook first (investmap ledger "
                        "--load 台账.xlsx --user NAME)")
    view = ledger_view(county, as_of=as_of)
    parks = county.layers.get("park")
    names = {} if parks is None else dict(zip(
        parks["park_id"], parks["name_en" if args.lang == "en" else "name"].fillna(
            parks["name"]), strict=True))
    try:
        write_report(view, args.out, lang=args.lang, park_names=names,
                     chain_names=_chain_names(args.lang))
    except ExportError as exc:
        raise UserError(str(exc)) from exc
    print(f"wrote {args.out}: {len(view.board):,} stuck steps, {len(view.projects):,} "
          f"projects on {as_of.date()}", file=sys.stderr)
    return 0


def _chain_names(lang: str) -> dict[str, str]:
    from layers.chains import ChainsError, load_chains

    try:
        catalog = load_chains()
    except ChainsError:
        return {}
    return {c.chain_id: (c.zh if lang == "zh" else c.en) for c in catalog.chains}


def _load(args: argparse.Namespace) -> int:
    import pandas as pd

    from cli.edit import store_from
    from layers.freshness import record_load
    from layers.io import ReadError
    from layers.ledger import LAYERS as LEDGER_LAYERS
    from layers.ledger_load import load_ledger
    from layers.store import EditError, StoreError
    from layers.validate import ValidationError

    if not args.user:
        raise UserError("--load needs --user NAME (recorded in the audit log)")
    as_of = as_of_from(args).date().isoformat() if args.as_of else None
    path = Path(args.load)
    policy = policy_from(args)
    with store_from(args) as store:
        try:
            done = load_ledger(store, path, policy=policy, user=args.user,
                               reason=args.reason or f"load {path.name}", role=args.role,
                               sheet=args.sheet)
        except ReadError as exc:
            raise UserError(f"{exc}\nnothing was written to {store.location}") from exc
        except ValidationError as exc:
            raise UserError(f"{exc.report.format()}\nnothing was written to "
                            f"{store.location}") from exc
        except (EditError, StoreError) as exc:
            raise UserError(f"{exc}\nthe store refused the load; see the message") from exc
        for layer in LEDGER_LAYERS:  # the layers' as-of date (layers/freshness.py)
            record_load(store, layer, user=args.user, role=args.role,
                        today=pd.Timestamp.today(), as_of=as_of)
        location = store.location
    warnings = dict.fromkeys(p.format(str(path)) for item in done.prepared.values()
                             for p in item.report.warnings)
    for line in warnings:
        print(line)
    for result in done.results:
        print(f"loaded {path} into {location} [{result.layer}]: {result.inserted:,} inserted, "
              f"{result.updated:,} updated, {result.unchanged:,} unchanged, "
              f"{result.audit_rows:,} audit rows")
    return 0

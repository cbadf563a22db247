"""``investmap aggregates --enterprises T --out OUT``: land-weighted 亩均 aggregates per county
and park for province-scale enterprise tables, on this machine or on a Dask cluster."""

from __future__ import annotations

import argparse
import sys
import time

from cli.common import UserError, add_engine_options, policy_from, write_table
from cli.metric_options import add_as_of, as_of_from, check_out
from layers.extras import require


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("aggregates", help="亩均 aggregates per county/park (local or Dask)",
                       description="Land-weighted 亩均 aggregates (total tax ÷ total land) and "
                       "A/B/C/D mix per county, or per county and park. Each county's firms "
                       "are evaluated together (classes are relative within a county); with "
                       "--engine dask counties are spread over a Dask cluster.")
    p.add_argument("--enterprises", required=True, metavar="TABLE",
                   help="enterprise table: Parquet file or dataset folder, GeoPackage or CSV")
    p.add_argument("--county-column", metavar="COLUMN",
                   help="column naming each firm's county (default: the table is one county)")
    p.add_argument("--level", choices=["county", "park"], default="park",
                   help="one row per county, or per county and park (default)")
    p.add_argument("--policy", metavar="FILE",
                   help="policy settings YAML (default: data/policy.yaml)")
    add_as_of(p)
    p.add_argument("--out", required=True, help="output table: .csv, .xlsx or .parquet")
    add_engine_options(p, local="pandas in this process",
                       partitions="as read; applied after the shuffle on the county")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from pathlib import Path

    from layers.io import ReadError
    from layers.validate import ValidationError

    check_out(args.out)
    as_of = as_of_from(args)
    policy = policy_from(args)
    if not Path(args.enterprises).exists():
        raise UserError(f"{args.enterprises}: file not found; fix: check the path")
    t0 = time.perf_counter()
    try:
        if args.engine == "dask":
            require("dask")
            from scale.aggregates import aggregate_dataset
            from scale.dask_engine import KilledWorker, WorkersRestarting, cluster, worker_lost

            try:
                with cluster(args.scheduler):
                    table = aggregate_dataset(args.enterprises, policy, as_of=as_of,
                                              level=args.level,
                                              county_column=args.county_column,
                                              npartitions=args.partitions)
            except KilledWorker as exc:
                raise UserError(worker_lost(exc)) from exc
            except WorkersRestarting as exc:
                raise UserError(str(exc)) from exc
        else:
            table = _local(args, policy, as_of)
    except (ValidationError, ReadError, KeyError) as exc:
        raise UserError(str(exc).strip("'\"")) from exc
    write_table(table, args.out)
    print(f"wrote {args.out}: {len(table):,} rows ({time.perf_counter() - t0:.1f} s, "
          f"{args.engine})", file=sys.stderr)
    return 0


def _local(args: argparse.Namespace, policy, as_of):  # noqa: ANN001, ANN202
    from layers.io import load_layer
    from scale.aggregates import aggregate_table

    enterprises, _ = load_layer(args.enterprises, "enterprise", policy=policy)
    if args.county_column is not None and args.county_column not in enterprises.columns:
        raise KeyError(f"{args.enterprises}: no county column {args.county_column!r}; "
                       f"columns: {list(enterprises.columns)}")
    return aggregate_table(enterprises, policy.section("efficiency"), as_of=as_of,
                           level=args.level, county_column=args.county_column)

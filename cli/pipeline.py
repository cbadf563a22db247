"""``investmap pipeline --out OUT.csv``: signing, start, completion and performance rates."""

from __future__ import annotations

import argparse
import sys

from cli.common import add_data_options, county_from, write_table
from cli.metric_options import add_as_of, as_of_from, check_out


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("pipeline", help="project pipeline rates and overdue projects",
                       description="挂图作战: signing rate, start rate, completion rate, contract "
                       "performance rate, overdue, stalled and lost projects for the county, "
                       "per park or per chain (settings: 'pipeline' section of the policy "
                       "file). --overdue writes the overdue projects instead.")
    add_data_options(p, ("project",))
    add_as_of(p)
    p.add_argument("--by", choices=["park_id", "chain_id"], default=None,
                   help="one row per park or chain (default: one county row)")
    p.add_argument("--overdue", action="store_true",
                   help="write the projects behind their planned dates instead of the rates")
    p.add_argument("--out", required=True, help="output table: .csv, .xlsx or .parquet")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    import pandas as pd

    from geo.pipeline import overdue_projects, pipeline_rates

    check_out(args.out)

    as_of = as_of_from(args)
    county = county_from(args, ("project",))
    projects = county["project"]
    settings = county.policy.section("pipeline")
    if args.overdue:
        table = overdue_projects(projects, as_of=as_of, settings=settings)
    else:
        table = pipeline_rates(projects, by=args.by, as_of=as_of, settings=settings)
    write_table(pd.DataFrame(table), args.out)
    print(f"wrote {args.out}: {len(table):,} rows on {as_of.date()}", file=sys.stderr)
    return 0

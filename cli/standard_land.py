"""``investmap standard-land --out OUT.csv``: projects checked against 标准地 conditions."""

from __future__ import annotations

import argparse
import sys

from cli.common import add_data_options, county_from, write_table
from cli.metric_options import check_out


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("standard-land", help="check projects against their parcel's 标准地 "
                       "conditions", description="Investment intensity (万元/亩), FAR range "
                       "and tax per mu of each project against its parcel's conditions: pass or "
                       "fail with the shortfall.")
    add_data_options(p, ("project", "parcel", "enterprise"))
    p.add_argument("--out", required=True, help="output table: .csv, .xlsx or .parquet")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from geo.standard_land import check_projects

    check_out(args.out)
    county = county_from(args, ("parcel", "project", "enterprise"))
    table = check_projects(county["project"], county["parcel"],
                           county.layers.get("enterprise"))
    write_table(table, args.out)
    failed = int((table["passed"] == False).sum())  # noqa: E712
    print(f"wrote {args.out}: {len(table):,} projects on parcels, {failed:,} fail a condition",
          file=sys.stderr)
    return 0

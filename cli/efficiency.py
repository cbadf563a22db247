"""``investmap efficiency --out OUT.csv``: 亩均 evaluation of every enterprise (A/B/C/D/T)."""

from __future__ import annotations

import argparse
import sys

import pandas as pd

from cli.common import UserError, add_data_options, county_from, write_table
from cli.metric_options import add_as_of, as_of_from, check_out

TABLES = ("enterprises", "county", "park", "parcel", "low")
CONFIDENTIAL_INPUTS = ("tax_wan", "value_added_wan")


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("efficiency", help="亩均 evaluation: indicators, scores, A/B/C/D/T",
                       description="亩均效益综合评价 per enterprise: the indicators, item scores, "
                       "total score, rank and class (A/B/C/D, or T with the reason), by the "
                       "'efficiency' section of the policy file (groups by rule, declared "
                       "indicators, class consequences: README '亩均 methods'). "
                       "--table county|park|parcel writes land-weighted aggregates and summed "
                       "surcharges instead; --table low the low-efficiency firms.")
    add_data_options(p, ("enterprise", "parcel"))
    add_as_of(p)
    p.add_argument("--table", choices=TABLES, default="enterprises",
                   help="what to write (default: enterprises)")
    p.add_argument("--out", required=True, help="output table: .csv, .xlsx or .parquet")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from geo.aggregates import aggregate, flag_low_efficiency, low_efficiency, spread_to_parcels
    from geo.efficiency import evaluate

    check_out(args.out)
    as_of = as_of_from(args)
    only_enterprises = args.layer_enterprise and not (args.data or args.layer_parcel)
    needs_parcels = args.table == "parcel"
    if only_enterprises and needs_parcels:
        raise UserError("--table parcel needs parcels: pass --parcels FILE or --data GPKG")
    layers = ("enterprise",) if only_enterprises else ("parcel", "enterprise")
    county = county_from(args, layers)
    if "enterprise" not in county.layers:
        raise UserError(f"{county.source}: no enterprise layer; pass --enterprises FILE")
    settings = county.policy.section("efficiency")
    try:
        evaluated = evaluate(county["enterprise"], settings, as_of=as_of)
    except KeyError as exc:
        raise UserError(str(exc)) from exc
    if args.table == "enterprises":
        table = evaluated.drop(columns=list(CONFIDENTIAL_INPUTS))
    elif args.table == "county":
        table = aggregate(evaluated, by=None)
    elif args.table in ("park", "parcel"):
        rows = (evaluated if args.table == "park"
                else spread_to_parcels(evaluated, county["parcel"]))
        county_tax = aggregate(evaluated, by=None)["tax_per_mu"].iat[0]
        table = flag_low_efficiency(aggregate(rows, by=f"{args.table}_id"),
                                    county_tax_per_mu=county_tax, settings=settings)
    else:
        table = low_efficiency(evaluated, settings)
    write_table(pd.DataFrame(table), args.out)
    mix = evaluated["class"].value_counts()
    summary = " ".join(f"{c} {int(mix.get(c, 0))}" for c in ("A", "B", "C", "D", "T"))
    surcharge = float(evaluated["surcharge_wan"].sum())
    print(f"wrote {args.out}: {len(table):,} rows; classes on {as_of.date()}: {summary}; "
          f"surcharges (加价收入) {surcharge:,.2f} 万元", file=sys.stderr)
    return 0

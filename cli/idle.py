"""``investmap idle --as-of DATE --out OUT.csv``: idle land (闲置土地, 53号) on a date."""

from __future__ import annotations

import argparse
import sys

from cli.common import add_data_options, county_from, write_table
from cli.metric_options import add_as_of, as_of_from, check_out


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("idle", help="idle land (闲置土地) with fee estimates",
                       description="Judge transferred parcels under 国土资源部令第53号 on a date: "
                       "not started a full year after the agreed start, or started but under "
                       "1/3 developed or 25 %% invested and stopped a full year; idle fee "
                       "estimate and whether the land may be taken back (settings: 'idle' "
                       "section of the policy file). Writes the idle parcels (all with --all).")
    add_data_options(p, ("parcel", "project"))
    add_as_of(p, required=True)
    p.add_argument("--all", action="store_true", help="write every parcel, not only idle ones")
    p.add_argument("--out", required=True, help="output table: .csv, .xlsx, .parquet or .gpkg")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    import geopandas as gpd

    from geo.idle import idle_land

    check_out(args.out, (".csv", ".xlsx", ".parquet", ".gpkg"))

    as_of = as_of_from(args)
    county = county_from(args, ("parcel", "project"))
    parcels = county["parcel"]
    table = idle_land(parcels, as_of=as_of, settings=county.policy.section("idle"),
                      projects=county.layers.get("project"))
    if args.out.lower().endswith(".gpkg"):
        table = gpd.GeoDataFrame(table, geometry=parcels.geometry, crs=parcels.crs)
    if not args.all:
        table = table[table["idle"]]
    write_table(table, args.out, layer="idle")
    idle = table[table["idle"]]
    print(f"wrote {args.out}: {len(idle):,} idle parcels on {as_of.date()} "
          f"({int((idle['idle_kind'] == 'not_started').sum()):,} not started, "
          f"{int((idle['idle_kind'] == 'stopped').sum()):,} stopped), "
          f"{int(idle['may_reclaim'].sum()):,} may be taken back, idle fees ≈ "
          f"{idle['fee_estimate_wan'].sum():,.1f} 万元", file=sys.stderr)
    return 0

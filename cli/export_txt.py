"""``investmap export-txt --out F.txt``: parcels as the ministry's coordinate TXT (部标 format)."""

from __future__ import annotations

import argparse
from pathlib import Path

from cli.common import UserError, add_data_options, county_from
from layers.formats.coord_txt_write import write_coord_txt

ENCODINGS = ("gbk", "utf-8", "utf-8-sig", "utf-16")


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("export-txt", help="write parcels as a 部标 coordinate TXT",
                       description="Write the parcels (all, or --ids) as a coordinate TXT "
                       "([属性描述] + [地块坐标], X = northing) in their Gauss–Krüger zone "
                       "(CGCS2000 3° zone from the longitude unless the data are in another "
                       "GK system). The file appears only when complete.")
    add_data_options(p, ("parcel",))
    p.add_argument("--out", required=True, metavar="F.txt", help="file to write")
    p.add_argument("--ids", help="comma-separated parcel_id values to write (default: all)")
    p.add_argument("--encoding", default="gbk", choices=ENCODINGS,
                   help="text encoding (default gbk, what most receiving systems expect)")
    p.add_argument("--zone-prefix", action=argparse.BooleanOptionalAction, default=True,
                   help="write Y with the zone number in front (default: yes)")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    parcels = county_from(args, ("parcel",))["parcel"]
    if args.ids:
        wanted = [i.strip() for i in args.ids.split(",") if i.strip()]
        unknown = sorted(set(wanted) - set(parcels["parcel_id"].astype(str)))
        if unknown:
            raise UserError(f"--ids: unknown parcel_id(s) {unknown[:5]}; fix: use ids from "
                            "the parcel layer")
        parcels = parcels[parcels["parcel_id"].astype(str).isin(wanted)]
    if parcels.empty:
        raise UserError("no parcels to write; fix: check --data/--parcels")
    try:
        out = write_coord_txt(parcels, Path(args.out), encoding=args.encoding,
                              zone_prefix=args.zone_prefix)
    except (ValueError, UnicodeEncodeError, OSError) as exc:
        raise UserError(f"{args.out}: cannot write ({exc}); fix: choose another --encoding "
                        "(utf-8) for characters outside GBK, or another path") from exc
    print(f"{out}: {len(parcels)} parcel(s) written ({args.encoding})")
    return 0

"""``investmap demo --out DIR [--parcels N]``: write a fictional demo county of any size."""

from __future__ import annotations

import argparse
import sys
import time

from cli.common import UserError


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("demo", help="write a fictional demo county of any size",
                       description="Write the fictional demo county 青峰县 with N parcels "
                       "(deterministic: the same arguments give the same data).")
    p.add_argument("--out", required=True, help="output folder (or .gpkg file)")
    p.add_argument("--parcels", type=int, default=2000, help="number of parcels (default 2000)")
    p.add_argument("--redlines", type=int, default=None,
                   help="number of red-line polygons (default: natural count)")
    p.add_argument("--format", choices=["gpkg", "parquet"], default=None,
                   help="gpkg (one GeoPackage) or parquet (one GeoParquet file per layer); "
                   "default: gpkg up to 200,000 parcels, parquet above")
    p.add_argument("--seed", type=int, default=None, help="random seed")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from data.demo import SEED, build_county, write_county

    fmt = args.format or ("gpkg" if args.parcels <= 200_000 else "parquet")
    t0 = time.perf_counter()
    print(f"building {args.parcels:,} parcels …", file=sys.stderr)
    try:
        county = build_county(args.parcels, n_redlines=args.redlines,
                              seed=SEED if args.seed is None else args.seed)
    except ValueError as exc:
        raise UserError(str(exc)) from exc
    print(f"writing {fmt} …", file=sys.stderr)
    path = write_county(county, args.out, fmt=fmt)
    sizes = ", ".join(f"{k}={len(v):,}" for k, v in county.items())
    print(f"wrote {path} ({sizes}) in {time.perf_counter() - t0:.1f} s")
    return 0

"""``investmap demo --out DIR [--parcels N]``: write a fictional demo county of any size.

The county is generated and written in chunks of whole parks, so memory stays bounded at any
size (5,000,000 parcels write as 20 GeoParquet parts per layer).
"""

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
                   help="gpkg (one GeoPackage) or parquet (a partitioned GeoParquet dataset "
                   "<layer>.parquet/ per layer, one part per 250,000 parcels); "
                   "default: gpkg up to 200,000 parcels, parquet above")
    p.add_argument("--seed", type=int, default=None, help="random seed")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from data.demo import SEED, iter_county_chunks, write_county_chunks

    fmt = args.format or ("gpkg" if args.parcels <= 200_000 else "parquet")
    t0 = time.perf_counter()
    print(f"building and writing {args.parcels:,} parcels as {fmt} …", file=sys.stderr)
    if args.parcels < 50:
        raise UserError(f"--parcels {args.parcels}: the demo county needs at least 50 parcels")
    chunks = iter_county_chunks(args.parcels, n_redlines=args.redlines,
                                seed=SEED if args.seed is None else args.seed)
    path, counts = write_county_chunks(chunks, args.out, fmt=fmt)
    sizes = ", ".join(f"{k}={v:,}" for k, v in counts.items())
    print(f"wrote {path} ({sizes}) in {time.perf_counter() - t0:.1f} s")
    return 0

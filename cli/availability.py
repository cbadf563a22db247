"""``investmap availability --out OUT``: which parcels can be offered now, and why not."""

from __future__ import annotations

import argparse
import sys
import time

from cli.common import (
    UserError,
    add_data_options,
    add_engine_options,
    county_from,
    write_table,
)
from layers.extras import require

LAYERS = ("parcel", "redline")


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("availability", help="red-line overlaps and availability of every parcel",
                       description="For every parcel: area in 亩, conflicting area and share per "
                       "red-line category, whether it can be offered now and the reason codes.")
    add_data_options(p, LAYERS)
    p.add_argument("--out", required=True, help="output table: .csv, .gpkg or .parquet")
    p.add_argument("--threads", type=int, default=None,
                   help="worker threads for the geometry (default: every core)")
    add_engine_options(p, local="threads in this process",
                       partitions="chosen from the data size")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    if args.engine == "dask":
        require("dask")
        from cli import availability_dask

        return int(availability_dask.availability(args) or 0)
    if not args.out.lower().endswith((".csv", ".gpkg", ".parquet")):
        raise UserError(f"{args.out}: unsupported output type; use .csv, .gpkg or .parquet")
    if args.data is None and (args.layer_parcel is None) != (args.layer_redline is None):
        raise UserError("give both --parcels and --redlines (or --data with the other layer): "
                        "mixing one file with the fictional demo county's layer is meaningless")
    t0 = time.perf_counter()
    from layers.memory import release_memory
    from layers.supply import AVAILABILITY_COLUMNS

    county = county_from(args, LAYERS, columns=AVAILABILITY_COLUMNS)
    release_memory()  # the reading's freed blocks: not to be counted with the overlaps'
    table = assess_county(county, threads=args.threads)
    release_memory()  # the worker threads' freed blocks, before the output is encoded
    write_table(table, args.out, layer="availability")
    n_ok = int(table["available"].sum())
    print(f"wrote {args.out}: {len(table):,} parcels, {n_ok:,} available "
          f"({time.perf_counter() - t0:.1f} s)", file=sys.stderr)
    return 0


def assess_county(county, *, threads: int | None = None):  # noqa: ANN001, ANN201
    """Output table: reasons as semicolon-separated codes, geometry kept for .gpkg."""
    import geopandas as gpd
    import numpy as np
    import pandas as pd

    from geo.crs import CRSError
    from layers.supply import availability

    try:
        table = availability(county, threads=threads)
    except (CRSError, ValueError) as exc:
        raise UserError(str(exc)) from exc
    # One joined text per combination of reasons (the tuples are shared per combination):
    # 1,000,000 rows then hold references to a handful of strings, not a string each.
    combos, kinds = pd.factorize(table["reasons"])
    table["reasons"] = np.array([";".join(k) for k in kinds], dtype=object)[combos]
    parcels = county["parcel"]
    # copy=False: the table is ours (fresh from availability); a copy was 0.13 GiB at 1M
    return gpd.GeoDataFrame(table, geometry=parcels.geometry.values, crs=parcels.crs,
                            copy=False)

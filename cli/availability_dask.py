"""``investmap availability --engine dask``: the Dask engine's command line.

The computation lives in :mod:`scale.dask_engine`; this module reads the options, runs it on a
cluster and writes the table or dataset, as :mod:`cli.availability` does for the local engine.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import time
from pathlib import Path

import pandas as pd
from distributed.scheduler import KilledWorker

from cli.common import UserError, policy_from, write_table
from geo.crs import CRSError
from layers.county import demo_path
from layers.io import ReadError
from layers.supply import supply_rules
from layers.validate import ValidationError
from scale.dask_engine import (
    ORDER_COLUMN,
    WorkersRestarting,
    assess_dataset,
    cluster,
    replication,
    worker_lost,
)
from scale.partitioned import write_dataset


def is_dataset_output(out: str) -> bool:
    """``--out`` names a dataset folder: trailing slash, no suffix, or an existing folder."""
    path = Path(out)
    return out.endswith(("/", "\\")) or not path.suffix or path.is_dir()


def availability(args: argparse.Namespace) -> int:
    """``investmap availability --engine dask``: same table as the local engine.

    ``--out`` ending in ``.csv``/``.gpkg``/``.parquet``/``.xlsx`` is gathered and written in
    input order by :func:`cli.common.write_table`; a folder (``OUT/`` or no suffix) receives a
    partitioned GeoParquet dataset written by the workers (spatial order, ``_order`` dropped).
    """
    t0 = time.perf_counter()
    policy = policy_from(args)
    base = getattr(args, "data", None) or demo_path()
    parcels_path = getattr(args, "layer_parcel", None) or base
    redlines_path = getattr(args, "layer_redline", None) or base
    for path in {Path(parcels_path), Path(redlines_path)}:
        if not path.exists():
            raise UserError(f"{path}: file not found; fix: check the path")
    out = Path(args.out)
    scratch = out.parent / f".{out.name}.scratch"
    existed = out.exists()
    try:
        with cluster(getattr(args, "scheduler", None)) as client:
            workers = len(client.scheduler_info()["workers"])
            result = assess_dataset(parcels_path, redlines_path, policy, supply_rules(policy),
                                   scratch, npartitions=getattr(args, "partitions", None),
                                   read_partitions=2 * max(1, workers))
            table = result.frame
            if is_dataset_output(args.out):
                schema = result.schema.remove(result.schema.get_field_index(ORDER_COLUMN))
                write_dataset(table.drop(columns=[ORDER_COLUMN]), out, schema=schema)
                written = pd.read_parquet(out, columns=["available"])["available"]
                n, n_ok = len(written), written.sum()
            else:
                frame = table.compute().sort_values(ORDER_COLUMN)
                frame = frame.drop(columns=[ORDER_COLUMN]).reset_index(drop=True)
                write_table(frame, out, layer="availability")
                n, n_ok = len(frame), frame["available"].sum()
    except (ValidationError, ReadError, CRSError, ValueError) as exc:
        raise UserError(str(exc)) from exc
    except (KilledWorker, WorkersRestarting) as exc:
        if not existed and is_dataset_output(args.out):  # a half-written dataset: no answer
            shutil.rmtree(out, ignore_errors=True)
        message = worker_lost(exc) if isinstance(exc, KilledWorker) else str(exc)
        raise UserError(message) from exc
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    factor = replication(result.parcel_bounds, result.redline_bounds)
    print(f"wrote {out}: {int(n):,} parcels, {int(n_ok):,} available "
          f"({time.perf_counter() - t0:.1f} s, dask: {len(result.parcel_bounds)} parcel "
          f"partitions, red lines replicated ×{factor:.1f})", file=sys.stderr)
    return 0

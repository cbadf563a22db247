"""Options and helpers shared by every command (``--data``, per-layer overrides, output)."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterable
from pathlib import Path

import geopandas as gpd
import pandas as pd

import exports  # noqa: F401 - registers the "export" policy section
from geo.errors import InvestMapError
from layers.cells import csv_text
from layers.io import ReadError
from layers.policy import Policy, PolicyError, load_policy
from layers.store.errors import StaleVersionError
from layers.validate import ValidationError


class UserError(InvestMapError):
    """An error the user can fix; printed without a traceback, exit code 2."""


def exit_status(exc: InvestMapError) -> tuple[int, str]:
    """Exit code and verb :func:`cli.main` prints for an error a command raised.

    An edit or lead change based on an old version (:class:`StaleVersionError`: someone else
    changed the feature first) is *refused* with exit code 3, so that scripts can re-read and
    retry; every other error is exit code 2.
    """
    if isinstance(exc, StaleVersionError):
        return 3, "refused"
    return 2, "error"


LAYER_OPTIONS = {
    "park": "--parks",
    "parcel": "--parcels",
    "project": "--projects",
    "redline": "--redlines",
    "enterprise": "--enterprises",
    "target": "--targets",
}


def add_data_options(parser: argparse.ArgumentParser, layers: Iterable[str] = ()) -> None:
    """Add ``--data``, ``--policy`` and a per-layer override option for each of ``layers``."""
    parser.add_argument("--data", metavar="GPKG|URL",
                        help="county data: a GeoPackage (default: the embedded demo county)")
    parser.add_argument("--policy", metavar="FILE",
                        help="policy settings YAML (default: data/policy.yaml)")
    for layer in layers:
        parser.add_argument(LAYER_OPTIONS[layer], dest=f"layer_{layer}", metavar="FILE",
                            help=f"read the {layer} layer from FILE instead of --data")


def add_engine_options(parser: argparse.ArgumentParser, *, local: str,
                       partitions: str) -> None:
    """Add ``--engine local|dask``, ``--scheduler ADDRESS`` and ``--partitions N``; ``local``
    and ``partitions`` describe what the local engine and the partition default mean."""
    parser.add_argument("--engine", choices=["local", "dask"], default="local",
                        help=f"local ({local}, default) or dask")
    parser.add_argument("--scheduler", metavar="ADDRESS",
                        help="dask scheduler address (default: a local cluster)")
    parser.add_argument("--partitions", type=int, default=None, metavar="N",
                        help=f"dask partitions (default: {partitions})")


def policy_from(args: argparse.Namespace) -> Policy:
    """The ``--policy`` file (default ``data/policy.yaml``), every section checked on load
    (:mod:`exports` is imported here, so its ``export`` section too)."""
    try:
        return load_policy(getattr(args, "policy", None))
    except PolicyError as exc:
        raise UserError(str(exc)) from exc


def county_from(args: argparse.Namespace, layers: tuple[str, ...], *,
                columns: dict[str, tuple[str, ...]] | None = None):  # noqa: ANN201
    """Load the layers a command needs from ``--data`` and the per-layer options; with
    ``columns`` (layer → spec columns) only those columns are read and validated."""
    from layers.county import load_county

    overrides = {name: getattr(args, f"layer_{name}") for name in layers
                 if getattr(args, f"layer_{name}", None)}
    try:
        return load_county(getattr(args, "data", None), overrides=overrides,
                           policy=policy_from(args), layers=layers, columns=columns)
    except (ValidationError, ReadError) as exc:
        raise UserError(str(exc)) from exc


def write_table(frame: pd.DataFrame, out: str | Path, *, layer: str = "result") -> Path:
    """Write a result table by suffix: .csv (UTF-8 with BOM for Excel), .gpkg, .parquet,
    .xlsx. The file appears only when complete (written to a temporary name, then renamed).
    CSV and Excel text cannot run as formulas (:func:`layers.cells.safe_frame` for CSV,
    :func:`exports.excel.write_frames` for Excel)."""
    out = Path(out)
    suffix = out.suffix.lower()
    if suffix not in (".csv", ".gpkg", ".parquet", ".xlsx"):
        raise UserError(f"{out}: unsupported output type {suffix!r}; use .csv, .gpkg, "
                        ".parquet or .xlsx")
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(f".{out.stem}.partial{suffix}")
    if suffix == ".csv":
        plain = pd.DataFrame(frame.drop(columns=["geometry"], errors="ignore"))
        tmp.write_text(csv_text(plain), encoding="utf-8-sig", newline="")
    elif suffix == ".xlsx":
        from exports.excel import write_frames

        write_frames({out.stem: frame}, tmp)
    elif suffix == ".parquet" and isinstance(frame, gpd.GeoDataFrame):
        from layers.geoparquet import write_geoparquet

        write_geoparquet(frame, tmp)  # row group by row group: a bounded peak of memory
    elif suffix == ".parquet":
        frame.to_parquet(tmp)
    else:
        if not isinstance(frame, gpd.GeoDataFrame):
            raise UserError(f"{out}: a GeoPackage needs geometry; write .csv instead")
        if tmp.exists():
            tmp.unlink()
        frame.to_file(tmp, layer=layer, driver="GPKG")
    tmp.replace(out)
    return out


def progress(iterable, *, total: int | None = None, desc: str = ""):  # noqa: ANN001, ANN201
    """A progress bar on stderr for long work (silent when stderr is not a terminal)."""
    from tqdm import tqdm

    return tqdm(iterable, total=total, desc=desc, file=sys.stderr,
                disable=not sys.stderr.isatty(), leave=False)

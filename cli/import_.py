"""``investmap import FILE --layer NAME --out OUT.gpkg``: read a planner's file, validate, store.

Any file :data:`layers.io.READERS` knows (coordinate TXT, DXF, Shapefile, CSV, XLSX,
GeoPackage, GeoJSON …) goes through :func:`layers.importing.prepare_import` (read, column
aliases, ``--set``/``--replace``, validation, ``--skip-invalid``) and is written as layer
``NAME`` of ``OUT.gpkg`` — atomically: the GeoPackage is built under
a temporary name and renamed only when complete, so a failure leaves ``OUT.gpkg`` exactly as
it was (or absent). Other layers already in ``OUT.gpkg`` are kept.

:func:`add_fill_options` and :func:`prepare` are shared with ``validate`` and ``load``.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
from pathlib import Path
from typing import Any

import pandas as pd
import pyogrio

from cli.common import UserError, policy_from
from layers.formats.dxf import parse_layer_map
from layers.formats.tables import COORDS_VALUES
from layers.importing import (
    ImportOptionError,
    PreparedImport,
    parse_assignments,
    prepare_import,
    write_refused,
)
from layers.io import ReadError, ReadOptions
from layers.policy import Policy
from layers.registry import LAYERS, LayerSpec, get_spec
from layers.validate import ValidationError

LAYER_MAP_COLUMN = {"redline": "category", "parcel": "land_use", "park": "level",
                    "project": "stage"}
"""Column a bare ``--dxf-layer-map`` value goes to, per target layer."""


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "import", help="import a planner's file (coordinate TXT, DXF, SHP, CSV, XLSX …) "
        "into a GeoPackage layer",
        description="Read FILE, validate it as layer NAME and write it into OUT.gpkg "
        "(atomically; other layers of OUT.gpkg are kept). Errors name the file, the line or "
        "feature and the fix; on any error nothing is written.")
    p.add_argument("path", metavar="FILE", help="file to import")
    p.add_argument("--layer", required=True, choices=list(LAYERS), help="registry layer")
    p.add_argument("--out", required=True, metavar="OUT.gpkg", help="GeoPackage to write")
    p.add_argument("--crs", help="CRS of the file when it has none (required for DXF), e.g. "
                   "EPSG:4549; overrides the coordinate TXT header")
    p.add_argument("--coords", choices=list(COORDS_VALUES),
                   help="coordinate system of lon/lat columns when no 坐标系 column says it")
    p.add_argument("--encoding", help="text encoding instead of detection, e.g. gbk")
    p.add_argument("--source-layer", help="layer, CAD layer or sheet inside FILE")
    p.add_argument("--dxf-layer-map", metavar="CAD=VALUE,...",
                   help="DXF: import only these CAD layers; VALUE sets the red-line category "
                   "(parcel: land_use) or write CAD=COLUMN:VALUE")
    add_fill_options(p)
    p.add_argument("--policy", metavar="FILE", help="policy settings YAML")
    p.set_defaults(func=run)


def add_fill_options(p: argparse.ArgumentParser) -> None:
    """``--set``, ``--replace``, ``--skip-invalid`` and ``--refused-out`` (import, validate,
    load)."""
    p.add_argument("--set", action="append", default=[], metavar="COLUMN=VALUE",
                   help="fill COLUMN where missing or blank; VALUE may use {other column}, "
                   "e.g. --set status=reserve or --set redline_id=R-{地块编号} (repeatable)")
    p.add_argument("--replace", action="append", default=[], metavar="COLUMN=VALUE",
                   help="overwrite COLUMN in every row, e.g. --replace land_use=1001 when the "
                   "file holds wrong values (repeatable; {other column} allowed)")
    p.add_argument("--skip-invalid", action="store_true",
                   help="import the valid features and list the refused ones in a CSV report "
                   "instead of refusing the whole file")
    p.add_argument("--refused-out", metavar="CSV",
                   help="where --skip-invalid writes the refused features (default: "
                   "FILE's name + .refused.csv in the current folder)")


def prepare(args: argparse.Namespace, path: Path, layer: str, *, options: ReadOptions,
            policy: Policy, working_crs: Any = None, nothing: str = "nothing was written",
            ) -> PreparedImport:
    """Run :func:`layers.importing.prepare_import` with the fill options of ``args``; errors
    become :class:`cli.common.UserError`, refused features are written to their CSV."""
    try:
        prepared = prepare_import(
            path, layer, options=options, policy=policy, working_crs=working_crs,
            fills=parse_assignments(getattr(args, "set", []), flag="--set"),
            replaces=parse_assignments(getattr(args, "replace", []), flag="--replace"),
            skip_invalid=getattr(args, "skip_invalid", False))
    except (ReadError, ImportOptionError) as exc:
        raise UserError(f"{exc}\n{nothing}") from exc
    except ValidationError as exc:
        missing = [p.column for p in exc.report.errors
                   if p.message.startswith("required column missing")]
        hint = (f"\n(for columns the file does not have, pass --set {missing[0]}=VALUE)"
                if missing else "")
        per_feature = all(p.rows for p in exc.report.errors)
        skip = ("\n(to import the valid features and list the others, add --skip-invalid)"
                if per_feature and not getattr(args, "skip_invalid", False) else "")
        raise UserError(exc.report.format() + hint + skip + f"\n{nothing}") from exc
    if prepared.refused is not None:
        out = Path(getattr(args, "refused_out", None) or f"{path.name}.refused.csv")
        write_refused(prepared.refused, out)
        print(f"{path}: {prepared.n_refused} feature(s) refused; listed in {out}",
              file=sys.stderr)
    return prepared


def _storable(frame: pd.DataFrame, spec: LayerSpec) -> pd.DataFrame:
    out = frame.copy()
    for col in spec.columns:
        if col.type == "list" and col.name in out.columns:
            out[col.name] = out[col.name].map(
                lambda v: ",".join(v) if isinstance(v, list) else v)
    return out


def write_layer_atomically(frame: pd.DataFrame, out: Path, layer: str) -> None:
    """Write ``frame`` as ``layer`` of ``out`` via a temporary copy renamed when complete."""
    if out.suffix.lower() != ".gpkg":
        raise UserError(f"{out}: --out must be a .gpkg file")
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(f".{out.stem}.partial.gpkg")
    try:
        if out.exists():
            shutil.copy2(out, tmp)
        pyogrio.write_dataframe(frame, tmp, layer=layer, driver="GPKG")
        os.replace(tmp, out)
    except Exception as exc:
        raise UserError(f"{out}: cannot write layer {layer!r} ({exc}); nothing was changed; "
                        "fix: check the disk space and that the file is not open elsewhere") \
            from exc
    finally:
        tmp.unlink(missing_ok=True)


def run(args: argparse.Namespace) -> int:
    path, out = Path(args.path), Path(args.out)
    spec = get_spec(args.layer)
    policy = policy_from(args)
    extra: dict[str, object] = {}
    if args.dxf_layer_map:
        column = LAYER_MAP_COLUMN.get(spec.name)
        try:
            extra["dxf_layer_map"] = parse_layer_map(args.dxf_layer_map,
                                                     default_column=column or "")
        except ValueError as exc:
            raise UserError(f"{path}: {exc}") from exc
    options = ReadOptions(source_layer=args.source_layer, crs=args.crs,
                          encoding=args.encoding, coords=args.coords, extra=extra)
    prepared = prepare(args, path, spec.name, options=options, policy=policy)
    validated, report = prepared.frame, prepared.report
    write_layer_atomically(_storable(validated, spec), out, spec.name)
    for problem in report.warnings:
        print(problem.format(str(path)), file=sys.stderr)
    print(f"{out}: layer {spec.name!r} written with {len(validated)} feature(s) "
          f"({len(report.warnings)} warning(s))")
    return 0

"""``investmap validate PATH [--layer NAME]``: check a file against the layer registry."""

from __future__ import annotations

import argparse
from pathlib import Path

from cli.common import UserError, policy_from
from cli.import_ import add_fill_options
from layers.importing import (
    ImportOptionError,
    parse_assignments,
    prepare_import,
    write_refused,
)
from layers.io import ReadError, ReadOptions, known_layers_in
from layers.registry import LAYERS
from layers.validate import ValidationError


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("validate", help="validate a data file against the layer specs",
                       description="Validate a file (GeoPackage, GeoJSON, Shapefile, KML, "
                       "GeoParquet, CSV). A GeoPackage is checked layer by layer for every "
                       "registry layer it holds. Prints the report; exits 1 on errors.")
    p.add_argument("path", help="file to validate")
    p.add_argument("--layer", choices=list(LAYERS),
                   help="registry layer the file holds (required unless a GeoPackage)")
    p.add_argument("--crs", help="CRS to assume when the file has none, e.g. EPSG:4490")
    p.add_argument("--encoding", help="attribute encoding, e.g. gbk")
    p.add_argument("--policy", metavar="FILE", help="policy settings YAML")
    add_fill_options(p)
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    path = Path(args.path)
    policy = policy_from(args)
    if args.layer:
        layers = [args.layer]
    elif path.suffix.lower() == ".gpkg" and path.exists():
        layers = known_layers_in(path)
        if not layers:
            raise UserError(f"{path}: no layer named after a registry layer "
                            f"({', '.join(LAYERS)}); fix: pass --layer NAME")
    else:
        raise UserError(f"{path}: say which layer it holds with --layer "
                        f"({', '.join(LAYERS)})")
    failed = False
    for layer in layers:
        options = ReadOptions(source_layer=layer if len(layers) > 1 else None, crs=args.crs,
                              encoding=args.encoding)
        try:
            prepared = prepare_import(
                path, layer, options=options, policy=policy,
                fills=parse_assignments(args.set, flag="--set"),
                replaces=parse_assignments(args.replace, flag="--replace"),
                skip_invalid=args.skip_invalid)
        except ValidationError as exc:
            print(exc.report.format())
            failed = True
            continue
        except (ReadError, ImportOptionError) as exc:
            raise UserError(str(exc)) from exc
        print(prepared.report.format())
        if prepared.refused is not None:
            out = Path(args.refused_out or f"{path.name}.refused.csv")
            write_refused(prepared.refused, out)
            print(f"{prepared.n_refused} feature(s) would be refused; listed in {out}")
            failed = True
    return 1 if failed else 0

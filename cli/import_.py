"""``investmap import FILE --layer NAME --out OUT.gpkg``: read a planner's file, validate, store.

Any file :data:`layers.io.READERS` knows (coordinate TXT, DXF, Shapefile, CSV, XLSX,
GeoPackage, GeoJSON …) is read, completed with ``--set`` values, validated against the layer
spec and written as layer ``NAME`` of ``OUT.gpkg`` — atomically: the GeoPackage is built under
a temporary name and renamed only when complete, so a failure leaves ``OUT.gpkg`` exactly as
it was (or absent). Other layers already in ``OUT.gpkg`` are kept.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import sys
from pathlib import Path

import pandas as pd
import pyogrio

from cli.common import UserError, policy_from
from layers.formats.dxf import parse_layer_map
from layers.formats.tables import COORDS_VALUES
from layers.io import ReadError, ReadOptions, list_layers, read_frame
from layers.registry import LAYERS, LayerSpec, get_spec
from layers.validate import ValidationError, validate_layer

LAYER_MAP_COLUMN = {"redline": "category", "parcel": "land_use", "park": "level",
                    "project": "stage"}
"""Column a bare ``--dxf-layer-map`` value goes to, per target layer."""

_TEMPLATE = re.compile(r"\{([^{}]+)\}")


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
    p.add_argument("--set", action="append", default=[], metavar="COLUMN=VALUE",
                   help="fill COLUMN where missing or blank; VALUE may use {other column}, "
                   "e.g. --set status=reserve or --set redline_id=R-{地块编号} (repeatable)")
    p.add_argument("--policy", metavar="FILE", help="policy settings YAML")
    p.set_defaults(func=run)


def _parse_sets(items: list[str]) -> dict[str, str]:
    sets: dict[str, str] = {}
    for item in items:
        column, sep, value = item.partition("=")
        if not sep or not column.strip():
            raise UserError(f"--set {item!r} is not COLUMN=VALUE; fix: write e.g. "
                            "--set status=reserve")
        sets[column.strip()] = value.strip()
    return sets


def apply_sets(frame: pd.DataFrame, sets: dict[str, str], *, source: str) -> pd.DataFrame:
    """Fill each ``--set`` column where it is missing or blank; ``{name}`` takes a column."""
    out = frame.copy()
    for column, value in sets.items():
        refs = _TEMPLATE.findall(value)
        missing = [r for r in refs if r not in out.columns]
        if missing:
            raise UserError(f"{source}: --set {column}={value}: no column {missing[0]!r}; fix: "
                            f"use one of {[c for c in out.columns if c != 'geometry']}")
        if refs:
            filled = out.apply(lambda row, v=value: _TEMPLATE.sub(
                lambda m: str(row[m.group(1)]), v), axis=1)
        else:
            filled = pd.Series(value, index=out.index, dtype=object)
        if column in out.columns:
            current = out[column]
            blank = current.isna() | current.astype(str).str.strip().eq("")
            out[column] = current.astype(object).where(~blank, filled)
        else:
            out[column] = filled
    return out


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
    source_layer = args.source_layer
    if source_layer is None and path.suffix.lower() == ".gpkg" and path.exists():
        source_layer = spec.name if spec.name in list_layers(path) else None
    options = ReadOptions(source_layer=source_layer, crs=args.crs, encoding=args.encoding,
                          coords=args.coords, extra=extra, policy=policy)
    try:
        raw = read_frame(path, options)
    except ReadError as exc:
        raise UserError(str(exc)) from exc
    frame = apply_sets(raw.frame, _parse_sets(args.set), source=str(path))
    allowed = {"category": policy.redline_categories} if spec.name == "redline" else {}
    try:
        validated, report = validate_layer(frame, spec, source=str(path),
                                           working_crs=policy.crs.working_epsg,
                                           allowed_extra=allowed, row_labels=raw.row_labels)
    except ValidationError as exc:
        missing = [p.column for p in exc.report.errors
                   if p.message.startswith("required column missing")]
        hint = (f"\n(for columns the file does not have, pass --set {missing[0]}=VALUE)"
                if missing else "")
        raise UserError(exc.report.format() + hint + "\nnothing was written") from exc
    for message, fix in raw.warnings:
        report.add("warning", message, fix)
    write_layer_atomically(_storable(validated, spec), out, spec.name)
    for problem in report.warnings:
        print(problem.format(str(path)), file=sys.stderr)
    print(f"{out}: layer {spec.name!r} written with {len(validated)} feature(s) "
          f"({len(report.warnings)} warning(s))")
    return 0

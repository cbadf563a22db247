"""``investmap export-shp LAYER --out DIR``: a store layer as shapefile(s) for GIS tools.

Mixed layers (facility, context) give one shapefile per geometry family; field names are
cut to dBASE's 10 characters in registry order, which ``investmap load`` maps back (see
docs/reference/storage-conformance.md). Confidential columns only with ``--confidential``.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from cli.common import UserError
from cli.edit import add_store_option, store_from
from layers.registry import LAYERS
from layers.store import StoreError


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("export-shp", help="write a store layer as shapefile(s)",
                       description="Write one layer of the store as ESRI shapefile(s) in DIR "
                       "(UTF-8 with .cpg, the layer's CRS in .prj, polygons as MultiPolygons; "
                       "facility/context: one file per geometry family).")
    p.add_argument("layer", choices=[n for n, s in LAYERS.items() if s.has_geometry])
    p.add_argument("--out", required=True, metavar="DIR", help="folder to write into")
    p.add_argument("--confidential", action="store_true",
                   help="also write confidential columns (staff exchange only)")
    add_store_option(p)
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from layers.formats.shapefile_write import write_shapefiles

    with store_from(args) as store:
        try:
            frame = store.read_layer(args.layer)
        except StoreError as exc:
            raise UserError(str(exc)) from exc
    if frame.empty:
        raise UserError(f"{args.layer}: the store holds no features of this layer; nothing "
                        "was written")
    try:
        written = write_shapefiles(frame, LAYERS[args.layer], Path(args.out),
                                   confidential=args.confidential)
    except (ValueError, OSError) as exc:
        raise UserError(f"{args.out}: {exc}; fix: choose a writable folder") from exc
    for path, names in written.items():
        print(f"{path}: fields {', '.join(names)}")
    return 0

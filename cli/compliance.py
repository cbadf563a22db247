"""``investmap compliance FILE --out REPORT``: red-line compliance review of a boundary (合规审查).

Reads the boundary through the import readers, judges it with the availability kernel and
writes a CSV, Excel or PDF report. Nothing is stored.
"""

from __future__ import annotations

import argparse
import getpass
import sys
import time

from cli.common import UserError, add_data_options, county_from

LAYERS = ("park", "parcel", "redline", "context")


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("compliance", help="red-line compliance review of a boundary (合规审查)",
                       description="Per boundary feature: area (亩), conflicting area "
                       "overlap_mu_<cat> and share_<cat> per red-line category (same names and "
                       "meaning as `investmap availability`; the urban development boundary "
                       "counts the part outside it), parks and parcels touched, a verdict with "
                       "reasons (zh/en). The PDF adds a map, the control layers' as-of dates "
                       "and the 界址点 table. Nothing is stored.")
    p.add_argument("path", metavar="FILE", help="boundary: coordinate TXT, DXF, Shapefile, "
                   "GeoJSON, KML, GeoPackage, or CSV/XLSX of points in ring order")
    p.add_argument("--out", required=True, help="report: .csv, .xlsx or .pdf")
    p.add_argument("--crs", help="CRS of FILE when it has none, e.g. EPSG:4546")
    p.add_argument("--coords", choices=["wgs84", "cgcs2000", "gcj02", "bd09"],
                   help="coordinate system of a boundary in degrees (required for degrees)")
    p.add_argument("--encoding", help="text encoding of FILE, e.g. gbk")
    p.add_argument("--user", help="reviewer named in the report (default: login name)")
    p.add_argument("--lang", choices=["zh", "en"], default="zh", help="report language")
    add_data_options(p)
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from exports.common import ExportError
    from exports.compliance_report import write_report
    from exports.fonts import FontNotFoundError
    from geo.compliance import BoundaryError
    from geo.crs import CRSError
    from layers.compliance import boundary_frame, review
    from layers.io import ReadError

    if not args.out.lower().endswith((".csv", ".xlsx", ".pdf")):
        raise UserError(f"{args.out}: unsupported report type; use .csv, .xlsx or .pdf")
    t0 = time.perf_counter()
    county = county_from(args, LAYERS)
    try:
        boundary = boundary_frame(args.path, crs=args.crs, coords=args.coords,
                                  encoding=args.encoding, working_crs=county.crs)
        result = review(county, boundary, user=args.user or getpass.getuser())
        out = write_report(result, county, args.out, lang=args.lang)
    except (BoundaryError, ReadError, CRSError, ExportError, FontNotFoundError) as exc:
        raise UserError(str(exc)) from exc
    table = result.table
    n_bad = int((table["verdict"] == "conflict").sum())
    print(f"wrote {out}: {len(table)} boundary feature(s), {n_bad} with a hard conflict "
          f"({time.perf_counter() - t0:.1f} s)", file=sys.stderr)
    return 0

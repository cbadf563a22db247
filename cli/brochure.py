"""``investmap brochure --park ID | --parcel ID --out F.pdf``: the investor brochure (推介手册)."""

from __future__ import annotations

import argparse

from cli.common import UserError, add_data_options, county_from
from cli.export_png import step_reporter

LAYERS = ("park", "parcel", "project", "redline", "enterprise")


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("brochure", help="A4 PDF brochure (推介手册) of a park or a parcel",
                       description="Typeset an A4 PDF for investors (WeasyPrint): map, key "
                       "facts (area 亩, land use, planning indicators, 七通一平, price, red-line "
                       "check, distances), leading industries with the chain diagram and gaps, "
                       "offerable parcels, how to inquire; contact block and a QR code to the "
                       "park's or parcel's view of the online map (the public base URL of the "
                       "settings page, else export.online_map_url, else the local server) on "
                       "every page. Needs a CJK font (fonts-noto-cjk) and Pango.")
    target = p.add_mutually_exclusive_group(required=True)
    target.add_argument("--park", metavar="ID", help="park id, e.g. P01")
    target.add_argument("--parcel", metavar="ID", help="parcel id, e.g. QF-0890")
    p.add_argument("--out", required=True, help="output .pdf file")
    p.add_argument("--lang", choices=["zh", "en"], default="zh", help="language (default zh)")
    add_data_options(p, LAYERS)
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from exports.brochure import export_brochure
    from exports.common import ExportError
    from exports.fonts import FontNotFoundError

    if not args.out.lower().endswith(".pdf"):
        raise UserError(f"{args.out}: the output must be a .pdf file")
    county = county_from(args, LAYERS)
    step, close = step_reporter("brochure")
    try:
        out = export_brochure(county, args.out, park_id=args.park, parcel_id=args.parcel,
                              lang=args.lang, step=step)
    except (ExportError, FontNotFoundError, OSError) as exc:
        raise UserError(str(exc)) from exc
    finally:
        close()
    print(f"wrote {out}")
    return 0

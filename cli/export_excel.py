"""``investmap export-excel --out F.xlsx``: offerable parcels and the promotion worklist."""

from __future__ import annotations

import argparse

from cli.common import UserError, add_data_options, county_from
from cli.export_png import step_reporter

LAYERS = ("park", "parcel", "project", "redline", "enterprise")


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("export-excel", help="offerable parcels and promotion worklist (.xlsx)",
                       description="Write an Excel workbook with two sheets: 可供应地块 "
                       "(parcels that can be offered now, with the red-line check) and "
                       "招商工作清单 (chain gaps matched to parcels). Chinese headers by "
                       "default; the investor audience gets public columns only.")
    p.add_argument("--out", required=True, help="output .xlsx file")
    p.add_argument("--lang", choices=["zh", "en"], default="zh",
                   help="headers and labels (default zh)")
    p.add_argument("--audience", choices=["investor", "staff"], default="investor",
                   help="investor (default) or staff (adds scores, target enterprises, "
                   "reasons to the worklist)")
    add_data_options(p, LAYERS)
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from exports.common import ExportError
    from exports.excel import export_excel

    if not args.out.lower().endswith(".xlsx"):
        raise UserError(f"{args.out}: the output must be an .xlsx file")
    county = county_from(args, LAYERS)
    step, close = step_reporter("export-excel")
    try:
        out = export_excel(county, args.out, lang=args.lang, audience=args.audience,
                           step=step)
    except (ExportError, OSError) as exc:
        raise UserError(str(exc)) from exc
    finally:
        close()
    print(f"wrote {out}")
    return 0

"""``investmap export-png --out F.png [--park ID] [--dpi 200]``: print-resolution map."""

from __future__ import annotations

import argparse
from collections.abc import Callable

from cli.common import UserError, add_data_options, county_from, progress
from exports.settings import export_settings


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("export-png", help="print-resolution PNG map of the county or a park",
                       description="Write an A4-landscape PNG map (≥ 200 dpi) of the county "
                       "or one park: parcels by supply status, red lines, park boundaries, "
                       "scale bar, north arrow, legend and source line.")
    p.add_argument("--out", required=True, help="output .png file")
    p.add_argument("--park", metavar="ID", help="park id (default: the whole county)")
    p.add_argument("--dpi", type=int, default=None,
                   help="resolution, at least 200 (default: export.png_dpi of the policy)")
    p.add_argument("--lang", choices=["zh", "en"], default="zh", help="language (default zh)")
    add_data_options(p, ("park", "parcel", "redline"))
    p.set_defaults(func=run)


def step_reporter(desc: str) -> tuple[Callable[[str], None], Callable[[], None]]:
    """A stage callback for the exports, shown on stderr, and the function closing it."""
    bar = progress(None, desc=desc)

    def step(message: str) -> None:
        bar.set_postfix_str(message)
        bar.update(1)

    return step, bar.close


def run(args: argparse.Namespace) -> int:
    from exports.common import ExportError
    from exports.fonts import FontNotFoundError
    from exports.png_map import export_png

    county = county_from(args, ("park", "parcel", "redline", "context"))
    dpi = args.dpi or export_settings(county.policy).png_dpi
    step, close = step_reporter("export-png")
    try:
        out = export_png(county, args.out, park_id=args.park, dpi=dpi, lang=args.lang,
                         step=step)
    except (ExportError, FontNotFoundError, OSError) as exc:
        raise UserError(str(exc)) from exc
    finally:
        close()
    print(f"wrote {out}")
    return 0

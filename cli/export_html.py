"""``investmap export-html --out map.html``: the interactive map as one self-contained file."""

from __future__ import annotations

import argparse

from cli.common import UserError, add_data_options, county_from
from cli.export_png import step_reporter

FILE_LAYERS = ("park", "parcel", "project", "redline")
"""Layers that may also come from their own file (``--parks F`` …)."""
LAYERS = (*FILE_LAYERS, "context")
"""``context`` (county outline, towns, roads, rivers) is drawn under the parks when the data
has it: with ``--basemap none`` it is what shows where things are."""


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("export-html", help="interactive map as one HTML file for investors",
                       description="Write the investment map (layer control, legend, "
                       "tooltips, title block) as one HTML file that opens from disk. "
                       "--offline inlines Leaflet so that only map tiles are fetched (none "
                       "with --basemap none). Investor audience: public columns only.")
    p.add_argument("--out", required=True, help="output .html file")
    p.add_argument("--audience", choices=["investor", "staff"], default="investor",
                   help="investor (default: public columns only) or staff")
    p.add_argument("--lang", choices=["zh", "en"], default="zh", help="language (default zh)")
    p.add_argument("--basemap", choices=["osm", "tianditu", "gaode", "none"], default="osm",
                   help="tile basemap (tianditu needs TIANDITU_KEY); default osm")
    p.add_argument("--offline", action="store_true",
                   help="inline every script and stylesheet (no CDN)")
    p.add_argument("--park", metavar="ID", help="only this park and what lies in it")
    add_data_options(p, FILE_LAYERS)
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from exports.common import ExportError
    from exports.html import export_html

    county = county_from(args, LAYERS)
    step, close = step_reporter("export-html")
    try:
        out = export_html(county, args.out, audience=args.audience, lang=args.lang,
                          basemap=args.basemap, offline=args.offline, park_id=args.park,
                          step=step)
    except (ExportError, OSError) as exc:
        raise UserError(str(exc)) from exc
    finally:
        close()
    print(f"wrote {out} ({out.stat().st_size / 1e6:.1f} MB)")
    return 0

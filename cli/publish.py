"""``investmap publish --out DIR [--lang zh,en]``: the static investor site (see
:mod:`exports.publish`)."""

from __future__ import annotations

import argparse

from cli.common import UserError, add_data_options, county_from
from cli.export_png import step_reporter

FILE_LAYERS = ("park", "parcel", "project", "redline", "enterprise")
LAYERS = (*FILE_LAYERS, "facility", "context")


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("publish", help="static investor site (opens from file:// or any "
                       "web server)",
                       description="Write a self-contained folder for investors: an index "
                       "with the county map and the offerable parcels, one page per park and "
                       "per offerable parcel (facts, distances, contact, how to inquire) and "
                       "the brochure PDFs. Leaflet and every asset are copied in; no internet "
                       "or Streamlit is needed to open it. Public data only.")
    p.add_argument("--out", required=True, help="output folder (new, empty or an earlier "
                   "published site, which is replaced)")
    p.add_argument("--lang", default="zh,en", help="languages, comma-separated (default zh,en)")
    p.add_argument("--base-url", metavar="URL",
                   help="where the folder will be served, e.g. https://invest.example.gov.cn/"
                   "site/ — brochure QR codes then point at their pages there (default: the "
                   "public base URL saved in the app's settings, if any)")
    p.add_argument("--park", action="append", metavar="ID",
                   help="only this park (repeat for several; default: every park)")
    p.add_argument("--parcel-brochures", action="store_true",
                   help="also typeset a brochure per offerable parcel (about 6 s each)")
    add_data_options(p, FILE_LAYERS)
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from exports.common import ExportError
    from exports.fonts import FontNotFoundError
    from exports.publish import publish_site
    from layers.site_settings import SettingsError, load_site_settings

    langs = [x.strip() for x in args.lang.split(",") if x.strip()]
    base = args.base_url
    if base is None:
        try:
            base = load_site_settings().public_base_url
        except SettingsError as exc:
            raise UserError(str(exc)) from exc
    county = county_from(args, LAYERS)
    step, close = step_reporter("publish")
    try:
        result = publish_site(county, args.out, langs=langs, base_url=base,
                              park_ids=args.park, parcel_brochures=args.parcel_brochures,
                              step=step)
    except (ExportError, FontNotFoundError, OSError) as exc:
        raise UserError(str(exc)) from exc
    finally:
        close()
    print(f"wrote {result.folder}: {len(result.pages)} pages, {len(result.brochures)} "
          f"brochures; open {result.folder / 'index.html'}")
    return 0

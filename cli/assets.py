"""``investmap assets``: install the offline Leaflet files the app serves locally."""

from __future__ import annotations

import argparse
from pathlib import Path

from cli.common import UserError


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser(
        "assets", help="install the offline map assets (Leaflet, renderers) into static/vendor/ "
        "of the InvestMap home",
        description="Copy Leaflet from the installed xstatic-leaflet package, and Leaflet.draw "
                    "and the vector-tile renderer (protomaps-leaflet) from the npm registry, "
                    "into static/vendor/ of the InvestMap home "
                    "($INVESTMAP_HOME; the checkout in a checkout), which the app serves at "
                    "/app/static/vendor/. Run once at setup (make run/test do it).")
    parser.add_argument("--target", metavar="DIR",
                        help="vendor folder (default: static/vendor of the InvestMap home)")
    parser.add_argument("--check", action="store_true",
                        help="only check that the files are installed; exit 1 when not")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from webmap import draw_assets, vtile_assets
    from webmap.assets import AssetError, install, installed

    target = Path(args.target) if args.target else None
    if args.check:
        if installed(target) and draw_assets.installed(target) \
                and vtile_assets.installed(target):
            print("offline map assets installed")
            return 0
        raise UserError("offline map assets missing; fix: run `investmap assets`")
    try:
        files = install(target)
        files += draw_assets.install(target)  # Leaflet.draw for the compliance page
        files += vtile_assets.install(target)  # the vector-tile renderer of every map
    except (AssetError, OSError) as exc:
        raise UserError(str(exc)) from exc
    print(f"installed {len(files)} files into {files[0].parent}")
    return 0

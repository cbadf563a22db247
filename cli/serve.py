"""``investmap serve``: run the web app with its shipped settings, data warmed before the first
visitor (:mod:`ui.serve`)."""

from __future__ import annotations

import argparse


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser(
        "serve", help="run the web app (Streamlit) with its settings",
        description="Start the InvestMap web app. Writable state (store, published tiles, "
                    "offline map assets, site settings, login failures) lives in the "
                    "InvestMap home: $INVESTMAP_HOME, else the checkout when run from one, "
                    "else ~/.local/share/investmap. Streamlit options go after `--`, e.g. "
                    "`investmap serve -- --server.baseUrlPath map`.")
    parser.add_argument("--port", type=int, default=8501, help="TCP port (default: 8501)")
    parser.add_argument("--address", default=None, metavar="HOST",
                        help="address to listen on (default: every interface)")
    parser.add_argument("streamlit_options", nargs="*", metavar="STREAMLIT_OPTION",
                        help="further `streamlit run` options, after `--`")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from ui.serve import main

    options = ["--server.port", str(args.port)]
    if args.address:
        options += ["--server.address", args.address]
    main([*options, *args.streamlit_options])
    return 0

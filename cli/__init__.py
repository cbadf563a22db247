"""``investmap`` command line: one module per command, registered in :data:`COMMANDS`.

Each command module defines ``register(subparsers)`` which adds its parser and sets
``func`` to a callable taking the parsed arguments and returning an exit code.
Errors that users can fix (bad files, bad options) go to stderr with exit code 2.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

COMMANDS: tuple[str, ...] = (
    "cli.validate",
    "cli.import_",
    "cli.export_txt",
    "cli.demo",
    "cli.assets",
    "cli.export_html",
    "cli.brochure",
    "cli.export_png",
    "cli.export_excel",
    "cli.availability",
    "cli.efficiency",
    "cli.aggregates",
    "cli.idle",
    "cli.pipeline",
    "cli.standard_land",
    "cli.chains",
    "cli.load",
    "cli.edit",
    "cli.backup",
)
"""Modules providing sub-commands, in the order ``--help`` lists them."""


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="investmap",
        description="InvestMap 招商地图: parks, parcels, projects, red lines and 亩均 metrics.",
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for name in COMMANDS:
        importlib.import_module(name).register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``investmap`` console script."""
    from cli.common import UserError

    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.func(args) or 0)
    except UserError as exc:
        print(f"investmap {args.command}: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())

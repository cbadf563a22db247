"""``investmap`` command line: a static table of commands, each module imported when it runs.

Each command module defines ``register(subparsers)`` which adds its parser(s) and sets
``func`` to a callable taking the parsed arguments and returning an exit code. The top-level
parser (and ``investmap --help``) is built from :data:`COMMANDS` alone, so listing the
commands imports none of them (geopandas, ezdxf, matplotlib …); only the module of the
command being run is imported.
Errors raised on purpose (every :class:`geo.errors.InvestMapError`: bad files, bad options,
refused edits) go to stderr without a traceback, with the exit code of
:func:`cli.common.exit_status` (2, or 3 for an edit based on an old version).
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence
from typing import NamedTuple

from geo.errors import InvestMapError


class Command(NamedTuple):
    """One sub-command: its name, the module that registers it, and its one-line help."""

    name: str
    module: str
    help: str


COMMANDS: tuple[Command, ...] = (
    Command("validate", "cli.validate", "validate a data file against the layer specs"),
    Command("import", "cli.import_", "import a planner's file (coordinate TXT, DXF, SHP, CSV, "
            "XLSX …) into a GeoPackage layer"),
    Command("export-txt", "cli.export_txt", "write parcels as a 部标 coordinate TXT"),
    Command("export-shp", "cli.export_shp", "write a store layer as shapefile(s) (one per "
            "geometry type for mixed layers)"),
    Command("demo", "cli.demo", "write a fictional demo county of any size"),
    Command("assets", "cli.assets", "install the offline map assets (Leaflet) into "
            "static/vendor/ of the InvestMap home"),
    Command("export-html", "cli.export_html", "interactive map as one HTML file for investors"),
    Command("brochure", "cli.brochure", "A4 PDF brochure (推介手册) of a park or a parcel"),
    Command("publish", "cli.publish", "static investor site (opens from file:// or any web "
            "server)"),
    Command("export-png", "cli.export_png", "print-resolution PNG map of the county or a park"),
    Command("export-excel", "cli.export_excel", "offerable parcels and promotion worklist "
            "(.xlsx)"),
    Command("availability", "cli.availability", "red-line overlaps and availability of every "
            "parcel"),
    Command("efficiency", "cli.efficiency", "亩均 evaluation: indicators, scores, A/B/C/D/T"),
    Command("aggregates", "cli.aggregates", "亩均 aggregates per county/park (local or Dask)"),
    Command("idle", "cli.idle", "idle land (闲置土地) with fee estimates"),
    Command("pipeline", "cli.pipeline", "project pipeline rates and overdue projects"),
    Command("standard-land", "cli.standard_land", "check projects against their parcel's "
            "标准地 conditions"),
    Command("chains", "cli.chains", "industry-chain analysis: segments and verdicts"),
    Command("targets", "cli.chains", "promotion worklist: chain gap → parcels → enterprises"),
    Command("load", "cli.load", "import a file into the store (atomic, upsert by id)"),
    Command("edit", "cli.edit", "edit a parcel, project or park (audited, versioned)"),
    Command("history", "cli.edit", "print the audit trail of a parcel, project or park"),
    Command("backup", "cli.backup", "copy the whole store (layers, versions, audit) to a file"),
    Command("restore", "cli.backup", "replace the store's content with a backup"),
    Command("upgrade-store", "cli.backup", "bring an older store to the current structure "
            "(typed geometry, constraints, spatial index)"),
    Command("compliance", "cli.compliance", "red-line compliance review of a boundary "
            "(合规审查)"),
    Command("sites", "cli.sites", "site search: single and assembled parcels, ranked "
            "(智能选址)"),
    Command("leads", "cli.leads", "招商线索: add, update, list and convert leads"),
    Command("ledger", "cli.ledger", "重点项目台账: weekly 推进会 report, or load a 台账 workbook"),
    Command("serve", "cli.serve", "run the web app (Streamlit) with its settings"),
)
"""Every sub-command, in the order ``--help`` lists them. Adding a command is one line here
plus its module's ``register``."""

_DESCRIPTION = "InvestMap 招商地图: parks, parcels, projects, red lines and 亩均 metrics."


def _command_in(argv: Sequence[str]) -> Command | None:
    """The command named by the first non-option argument, if it is a known one."""
    names = {c.name: c for c in COMMANDS}
    for arg in argv:
        if arg.startswith("-"):
            continue
        return names.get(arg)
    return None


def build_parser(argv: Sequence[str] = ()) -> argparse.ArgumentParser:
    """The parser for ``argv``: every command listed, only the named command's module loaded.

    With no (known) command in ``argv`` no command module is imported at all.
    """
    parser = argparse.ArgumentParser(prog="investmap", description=_DESCRIPTION)
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    wanted = _command_in(argv)
    registered: set[str] = set()
    for cmd in COMMANDS:
        if cmd.name in registered:
            continue
        if wanted is not None and cmd.module == wanted.module:
            before = set(sub.choices)
            importlib.import_module(cmd.module).register(sub)
            registered |= set(sub.choices) - before
        else:
            sub.add_parser(cmd.name, help=cmd.help, add_help=False)
            registered.add(cmd.name)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``investmap`` console script."""
    argv = list(sys.argv[1:] if argv is None else argv)
    parser = build_parser(argv)
    args = parser.parse_args(argv)
    from cli.common import exit_status

    try:
        return int(args.func(args) or 0)
    except InvestMapError as exc:  # raised on purpose, written for the user: no traceback
        code, verb = exit_status(exc)
        print(f"investmap {args.command}: {verb}: {exc}", file=sys.stderr)
        return code
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())

"""Options shared by the 亩均, idle-land, pipeline and 标准地 commands: ``--as-of DATE`` and
an early check of the ``--out`` file type (before any data is loaded)."""

from __future__ import annotations

import argparse
from datetime import date

import pandas as pd

from cli.common import UserError


def add_as_of(parser: argparse.ArgumentParser, *, required: bool = False) -> None:
    """Add ``--as-of DATE`` (ISO date; default today unless ``required``)."""
    parser.add_argument("--as-of", dest="as_of", metavar="DATE", required=required,
                        help="date of the judgement, e.g. 2026-06-30"
                        + ("" if required else " (default: today)"))


def as_of_from(args: argparse.Namespace) -> pd.Timestamp:
    """The ``--as-of`` date as a Timestamp (today when not given); bad dates are a UserError."""
    text = getattr(args, "as_of", None)
    if text is None:
        return pd.Timestamp.today().normalize()
    try:
        return pd.Timestamp(date.fromisoformat(text))
    except ValueError:
        raise UserError(f"--as-of {text!r} is not a date; write it as YYYY-MM-DD") from None


def check_out(out: str, suffixes: tuple[str, ...] = (".csv", ".xlsx", ".parquet")) -> None:
    """Fail at once when ``--out`` has a type the command cannot write."""
    if not out.lower().endswith(suffixes):
        raise UserError(f"{out}: unsupported output type; use {', '.join(suffixes)}")

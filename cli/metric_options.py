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


FUTURE_SLACK_DAYS = 1
"""Days after the server's today still accepted as "today" (China is ahead of UTC)."""


def parse_as_of(text: str) -> pd.Timestamp:
    """``--as-of`` text as a Timestamp: an ISO date that is not in the future.

    Raises
    ------
    UserError
        Not a date (``YYYY-MM-DD``), or a day after today: a judgement or a data date
        cannot lie ahead.
    """
    try:
        day = pd.Timestamp(date.fromisoformat(text.strip()))
    except ValueError:
        raise UserError(f"--as-of {text!r} is not a date; write it as YYYY-MM-DD") from None
    today = pd.Timestamp.today().normalize()
    if day > today + pd.Timedelta(days=FUTURE_SLACK_DAYS):
        raise UserError(f"--as-of {text} is in the future (today is {today.date()}); "
                        "fix: give today or an earlier date; nothing was written")
    return day


def as_of_from(args: argparse.Namespace) -> pd.Timestamp:
    """The ``--as-of`` date as a Timestamp (today when not given); bad or future dates are a
    UserError (:func:`parse_as_of`)."""
    text = getattr(args, "as_of", None)
    if text is None:
        return pd.Timestamp.today().normalize()
    return parse_as_of(text)


def check_out(out: str, suffixes: tuple[str, ...] = (".csv", ".xlsx", ".parquet")) -> None:
    """Fail at once when ``--out`` has a type the command cannot write."""
    if not out.lower().endswith(suffixes):
        raise UserError(f"{out}: unsupported output type; use {', '.join(suffixes)}")

"""Helpers every export shares: atomic output files, audience checks, bilingual labels."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from geo.errors import DataError

AUDIENCES = ("investor", "staff")
LANGS = ("zh", "en")


class ExportError(DataError):
    """An export cannot be made as asked; the message names the input and the fix."""


def check_choice(value: str, allowed: tuple[str, ...], what: str) -> str:
    """Return ``value`` if allowed, else raise :class:`ExportError` listing the choices."""
    if value not in allowed:
        raise ExportError(f"{what} {value!r} is not supported; use one of: "
                          f"{', '.join(allowed)}")
    return value


def tr(zh: str, en: str, lang: str) -> str:
    """Pick the Chinese or English text."""
    return zh if lang == "zh" else en


@contextmanager
def atomic_output(out: str | Path) -> Iterator[Path]:
    """Yield a temporary path next to ``out``; on success rename it to ``out``.

    The final file appears only complete: a failed export leaves any earlier file untouched
    and no partial file behind.
    """
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(prefix=f".{out.stem}.", suffix=f".partial{out.suffix}",
                                dir=out.parent)
    os.close(fd)
    tmp = Path(name)
    try:
        yield tmp
        os.chmod(tmp, 0o644)
        tmp.replace(out)
    finally:
        if tmp.exists():
            tmp.unlink()

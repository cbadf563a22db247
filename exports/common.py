"""Helpers every export shares: atomic output files, audience checks, bilingual labels."""

from __future__ import annotations

import errno
import gc
import os
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import NoReturn

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


WRITE_FIXES: dict[int, str] = {
    errno.EFBIG: "the file is larger than this system lets one file be (a file-size limit such "
                 "as ulimit -f, or the file system's maximum): write it to another disk or ask "
                 "the administrator to raise the limit",
    errno.ENOSPC: "the disk is full: free space or write the file to another disk",
    errno.EDQUOT: "the disk quota is used up: free space or write the file elsewhere",
    errno.EACCES: "this folder may not be written to: choose a folder you may write to",
    errno.EPERM: "this folder may not be written to: choose a folder you may write to",
    errno.EROFS: "the disk is read-only: write the file to another folder",
}
"""errno of a failed write → what the user can do about it."""


def write_failure(out: Path, exc: OSError) -> ExportError:
    """The :class:`ExportError` for a failed write of ``out``: the file, the reason, the fix."""
    reason = os.strerror(exc.errno) if exc.errno else str(exc)
    fix = WRITE_FIXES.get(exc.errno or 0, "check the folder and the disk, then write again")
    return ExportError(f"{out}: cannot write the file ({reason}); fix: {fix}; nothing was "
                       "written")


@contextmanager
def atomic_output(out: str | Path) -> Iterator[Path]:
    """Yield a temporary path next to ``out``; on success rename it to ``out``.

    The final file appears only complete: a failed export leaves any earlier file untouched
    and no partial file behind. An operating-system error while writing (file too large, disk
    full, no permission: :data:`WRITE_FIXES`) becomes an :class:`ExportError` naming ``out``
    and the fix.
    """
    out = Path(out)
    tmp: Path | None = None
    failure: ExportError | None = None
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        fd, name = tempfile.mkstemp(prefix=f".{out.stem}.", suffix=f".partial{out.suffix}",
                                    dir=out.parent)
        os.close(fd)
        tmp = Path(name)
        yield tmp
        os.chmod(tmp, 0o644)
        tmp.replace(out)
    except OSError as exc:
        if exc.errno not in WRITE_FIXES:  # e.g. an input that is missing: not a write error
            raise
        failure = write_failure(out, exc)
    finally:
        if tmp is not None and tmp.exists():
            tmp.unlink()
    if failure is not None:
        raise failure


def raise_quietly(failure: ExportError) -> NoReturn:
    """Raise ``failure`` after collecting what the failed writer left behind, without the
    noise of its finalizers: openpyxl's worksheet streams retry the failed write when they are
    collected and would print "Exception ignored … File too large" under the clear message.
    Call it outside the ``except`` block that caught ``failure`` (the writer's frames must be
    unreachable by then)."""
    failure.__context__ = failure.__cause__ = None
    failure.__traceback__ = None  # its frames hold the OSError and, through it, the writer
    hook = sys.unraisablehook
    sys.unraisablehook = lambda _: None
    try:
        gc.collect()
    finally:
        sys.unraisablehook = hook
    raise failure

"""A validated county kept on disk, so repeated commands and the app's cold start skip reading
and validating unchanged files.

One entry per (source files, layers, column subset), in ``$INVESTMAP_CACHE`` (``off``
disables it) or ``$XDG_CACHE_HOME/investmap`` or ``~/.cache/investmap``. An entry is used only
when its key still matches: every source file's path, size and modification time (and a
GeoPackage's ``-wal`` file, where edits wait before they reach the main file), the policy, the
column subset and the validator's own source code — any change means a miss and a fresh
validation, which then replaces the entry.

Safe for concurrent commands: an entry is written to a temporary file and renamed into place,
so a reader sees a whole old entry or a whole new one. A file modified less than
:data:`RACY_SECONDS` ago is not cached (as git does for its index): a second change within
the file system's timestamp granularity could keep the size and modification time. The folder
must belong to the user and be closed to others (entries are pickles); otherwise nothing is
cached.
"""

from __future__ import annotations

import hashlib
import os
import pickle
import tempfile
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from layers.validate import ValidationReport

CACHE_ENV = "INVESTMAP_CACHE"
DISABLED = ("off", "0", "none", "no", "false")
RACY_SECONDS = 2.0
"""Files changed more recently than this are validated but not cached."""

_CODE = ("layers/validate.py", "layers/registry.py", "layers/county.py", "layers/io.py",
         "layers/county_cache.py", "geo/crs.py")
"""Source files whose change invalidates every entry (what validation does)."""


@dataclass
class Entry:
    """What is kept: the validated (and derived) layers and their validation reports."""

    key: str
    layers: dict[str, pd.DataFrame]
    reports: dict[str, ValidationReport]


def cache_dir() -> Path | None:
    """The cache folder, or ``None`` when caching is disabled."""
    chosen = os.environ.get(CACHE_ENV)
    if chosen is not None and chosen.strip().lower() in DISABLED:
        return None
    if chosen:
        return Path(chosen).expanduser()
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "investmap"


def entry_key(sources: Mapping[str, Path], *, policy: Any,
              columns: Mapping[str, Sequence[str]] | None) -> tuple[str, str] | None:
    """(entry name, full key) for these layer sources, or ``None`` when one of them cannot be
    cached (missing, or changed within :data:`RACY_SECONDS`)."""
    now = time.time()
    place = [(name, str(Path(path).resolve())) for name, path in sorted(sources.items())]
    wanted = sorted((k, tuple(v)) for k, v in (columns or {}).items())
    stats: list[tuple[str, int, int]] = []
    for _, path in place:
        found = _stat_files(Path(path))
        if found is None or any(now - mtime / 1e9 < RACY_SECONDS for _, _, mtime in found):
            return None
        stats.extend(found)
    name = hashlib.sha256(repr((place, wanted)).encode()).hexdigest()[:32]
    full = hashlib.sha256(repr((place, wanted, stats, repr(policy), _code_digest())).encode())
    return name, full.hexdigest()


def load(name: str, key: str) -> Entry | None:
    """The entry ``name`` when it holds ``key``; ``None`` on a miss or an unreadable entry."""
    folder = _usable_dir(create=False)
    if folder is None:
        return None
    path = folder / f"{name}.pkl"
    try:
        with path.open("rb") as fh:
            if fh.readline().rstrip(b"\n").decode() != key:
                return None
            entry = pickle.load(fh)
    except (OSError, EOFError, pickle.UnpicklingError, AttributeError, ImportError,
            UnicodeDecodeError, ValueError):
        return None
    return entry if isinstance(entry, Entry) and entry.key == key else None


def store(name: str, entry: Entry) -> None:
    """Write ``entry`` atomically (temporary file renamed into place); failures only mean
    that the next run validates again."""
    folder = _usable_dir(create=True)
    if folder is None:
        return
    tmp: Path | None = None
    try:
        with tempfile.NamedTemporaryFile(dir=folder, prefix=f".{name}.", suffix=".tmp",
                                         delete=False) as fh:
            tmp = Path(fh.name)
            fh.write(entry.key.encode() + b"\n")
            pickle.dump(entry, fh, protocol=pickle.HIGHEST_PROTOCOL)
        tmp.replace(folder / f"{name}.pkl")
    except (OSError, pickle.PicklingError, TypeError):
        if tmp is not None:
            tmp.unlink(missing_ok=True)


def _stat_files(path: Path) -> list[tuple[str, int, int]] | None:
    """(path, size, mtime_ns) of a file (plus its SQLite ``-wal``) or of every file in a
    dataset folder; ``None`` when it does not exist."""
    try:
        if path.is_dir():
            files = sorted(p for p in path.rglob("*") if p.is_file())
        else:
            files = [path] + [p for p in (Path(f"{path}-wal"),) if p.exists()]
        out = []
        for file in files:
            st = file.stat()
            out.append((str(file), st.st_size, st.st_mtime_ns))
        return out
    except OSError:
        return None


def _code_digest() -> str:
    root = Path(__file__).resolve().parents[1]
    digest = hashlib.sha256()
    for rel in _CODE:
        try:
            digest.update((root / rel).read_bytes())
        except OSError:
            digest.update(rel.encode())
    return digest.hexdigest()


def _usable_dir(*, create: bool) -> Path | None:
    folder = cache_dir()
    if folder is None:
        return None
    try:
        if create:
            folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        st = folder.stat()
    except OSError:
        return None
    if st.st_uid != os.getuid() or st.st_mode & 0o022:
        return None  # someone else could plant a pickle here
    return folder

"""Server-side inquiry rate limits and weekly view counts, in one small SQLite file.

Nothing personal is kept about visitors. The view counter stores only (ISO week, kind,
target id, count) — no address, session, time of day or browser. The rate limiter must tell
requests of one session or one client address apart, so it keeps a keyed hash (HMAC-SHA256
with a random secret generated on the server, never the address itself) with the time of
each accepted attempt, and deletes rows older than the window on every check.

Every check runs in one ``BEGIN IMMEDIATE`` transaction that records the attempt before it
answers, so a burst of parallel submissions (several app processes) cannot slip through.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import os
import secrets
import sqlite3
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

import pandas as pd

KINDS: dict[str, tuple[str, str]] = {
    "park_view": ("园区浏览", "Park views"),
    "parcel_view": ("地块浏览", "Parcel views"),
    "inquiry": ("意向提交", "Inquiries"),
}
"""What is counted per week: code → (中文, English)."""

_DDL = (
    "CREATE TABLE IF NOT EXISTS views (week TEXT NOT NULL, kind TEXT NOT NULL, target TEXT "
    "NOT NULL, n INTEGER NOT NULL, PRIMARY KEY (week, kind, target))",
    "CREATE TABLE IF NOT EXISTS attempts (bucket TEXT NOT NULL, at REAL NOT NULL)",
    "CREATE INDEX IF NOT EXISTS attempts_bucket ON attempts (bucket, at)",
)


class VisitLog:
    """The SQLite file ``path`` (created with its tables and a secret next to it)."""

    def __init__(self, path: str | Path):
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self._write() as conn:
            for sql in _DDL:
                conn.execute(sql)

    @contextmanager
    def _write(self) -> Iterator[sqlite3.Connection]:
        conn = sqlite3.connect(self.path, timeout=30, isolation_level=None)
        try:
            conn.execute("BEGIN IMMEDIATE")
            try:
                yield conn
            except BaseException:
                conn.execute("ROLLBACK")
                raise
            conn.execute("COMMIT")
        finally:
            conn.close()

    def _secret(self) -> bytes:
        key = self.path.with_suffix(".key")
        if not key.exists():
            tmp = key.with_suffix(f".{os.getpid()}.partial")
            tmp.write_bytes(secrets.token_bytes(32))
            os.chmod(tmp, 0o600)
            try:
                os.link(tmp, key)  # first writer wins; later ones read its secret
            except FileExistsError:
                pass
            finally:
                tmp.unlink(missing_ok=True)
        return key.read_bytes()

    def bucket(self, kind: str, value: str) -> str:
        """Keyed hash of a session token or client address (the value is never stored)."""
        digest = hmac.new(self._secret(), f"{kind}:{value}".encode(), hashlib.sha256)
        return f"{kind}:{digest.hexdigest()}"

    # -- rate limit -----------------------------------------------------------------------

    def allow(self, limits: Sequence[tuple[str, int]], *, window_seconds: float,
              now: float) -> bool:
        """Record an attempt for every bucket and say whether all are within their limit.

        ``limits`` pairs a :meth:`bucket` with the attempts it may make per window. A refused
        attempt is not recorded (it does not extend the wait)."""
        with self._write() as conn:
            conn.execute("DELETE FROM attempts WHERE at < ?", (now - window_seconds,))
            for bucket, limit in limits:
                used = conn.execute("SELECT count(*) FROM attempts WHERE bucket = ?",
                                    (bucket,)).fetchone()[0]
                if used >= limit:
                    return False
            conn.executemany("INSERT INTO attempts (bucket, at) VALUES (?, ?)",
                             [(bucket, now) for bucket, _ in limits])
        return True

    # -- weekly counts --------------------------------------------------------------------

    def count(self, kind: str, target: str, *, day: dt.date) -> None:
        """Add one to ``kind`` of ``target`` in the ISO week of ``day``."""
        if kind not in KINDS:
            raise ValueError(f"unknown count kind {kind!r}; use one of {list(KINDS)}")
        with self._write() as conn:
            conn.execute("INSERT INTO views (week, kind, target, n) VALUES (?, ?, ?, 1) ON "
                         "CONFLICT (week, kind, target) DO UPDATE SET n = n + 1",
                         (week_of(day), kind, str(target)))

    def weekly(self, *, since: dt.date | None = None) -> pd.DataFrame:
        """Counts as a table: ``week`` (Monday, ISO date), ``kind``, ``target``, ``n``."""
        conn = sqlite3.connect(self.path, timeout=30)
        try:
            rows = conn.execute("SELECT week, kind, target, n FROM views WHERE week >= ? "
                                "ORDER BY week, kind, target",
                                (week_of(since) if since else "",)).fetchall()
        finally:
            conn.close()
        return pd.DataFrame(rows, columns=["week", "kind", "target", "n"])

    def stored_text(self) -> str:
        """Every value stored, as text (for tests that no visitor data is kept)."""
        conn = sqlite3.connect(self.path, timeout=30)
        try:
            tables = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = "
                                                 "'table'")]
            return "\n".join(str(row) for t in tables
                             for row in conn.execute(f'SELECT * FROM "{t}"'))
        finally:
            conn.close()


def week_of(day: dt.date) -> str:
    """Monday of ``day``'s ISO week as ``YYYY-MM-DD``."""
    return (day - dt.timedelta(days=day.weekday())).isoformat()


def interest_table(weekly: pd.DataFrame, *, weeks: int = 8) -> pd.DataFrame:
    """Per target: views and inquiries of the last ``weeks`` weeks present, busiest first.

    Returns ``target``, ``kind`` and one column per week (oldest first) plus ``total``."""
    if weekly.empty:
        return pd.DataFrame(columns=["target", "kind", "total"])
    recent = sorted(weekly["week"].unique())[-weeks:]
    part = weekly[weekly["week"].isin(recent)]
    table = part.pivot_table(index=["target", "kind"], columns="week", values="n",
                             aggfunc="sum", fill_value=0)
    table["total"] = table.sum(axis=1)
    out = table.reset_index().sort_values(["total", "target"], ascending=[False, True])
    out.columns.name = None
    return out.reset_index(drop=True)

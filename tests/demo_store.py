"""A working copy of the demo county without its demo leads (data/demo_leads.py), for tests
that follow one lead from L00001 on."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from data import get_path
from layers.store.gpkg import GeoPackageStore


def store_without_leads(path: Path) -> Path:
    """Create the store at ``path`` as the app would (a copy of the demo) and empty its
    lead table; returns ``path``."""
    with GeoPackageStore(path, seed=get_path("demo")):
        pass
    con = sqlite3.connect(path)
    try:
        con.execute("DELETE FROM lead")
        con.commit()
    finally:
        con.close()
    return path

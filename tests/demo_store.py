"""Working copies of the demo county as a store: as the app makes one, or without its demo
leads (data/demo_leads.py) for tests that follow one lead from L00001 on."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from data import get_path
from layers.store.gpkg import GeoPackageStore


def demo_store(path: Path) -> Path:
    """Create the store at ``path`` as the app would (a copy of the demo); returns ``path``
    (browser tests make their app's store before the app starts)."""
    with GeoPackageStore(path, seed=get_path("demo")):
        pass
    return path


def store_without_leads(path: Path) -> Path:
    """:func:`demo_store` with its lead table emptied; returns ``path``."""
    demo_store(path)
    con = sqlite3.connect(path)
    try:
        con.execute("DELETE FROM lead")
        con.commit()
    finally:
        con.close()
    return path

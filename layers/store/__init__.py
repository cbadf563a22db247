"""Storage of a county's layers with versions, audited edits and atomic imports.

``open_store(location)`` picks the backend: a ``postgresql://`` URL opens PostGIS
(:mod:`layers.store.postgis`), anything else is a GeoPackage path (:mod:`layers.store.gpkg`).
Without a location: ``$INVESTMAP_DATABASE_URL``, else ``$INVESTMAP_STORE``, else the working
copy ``data/store.gpkg`` in the InvestMap home (:func:`layers.paths.store_path`), initialised
from the demo county on first use (the committed ``data/demo.gpkg`` itself is never written).
"""

from __future__ import annotations

import os
from pathlib import Path

from layers.extras import MissingExtraError, require
from layers.paths import store_path
from layers.store.base import (
    AuditEntry,
    Feature,
    ImportResult,
    LayerData,
    Snapshot,
    Store,
)
from layers.store.errors import (
    EditError,
    NoChangeError,
    PermissionDenied,
    StaleVersionError,
    StoreError,
    TransitionError,
)
from layers.store.rules import EDITORS, PARCEL_TRANSITIONS, PROJECT_TRANSITIONS, ROLES

__all__ = [
    "EDITORS", "PARCEL_TRANSITIONS", "PROJECT_TRANSITIONS", "ROLES", "AuditEntry", "EditError",
    "Feature", "ImportResult", "LayerData", "NoChangeError", "PermissionDenied", "Snapshot",
    "StaleVersionError", "Store", "StoreError", "TransitionError", "default_location",
    "open_store",
]

DATABASE_URL_ENV = "INVESTMAP_DATABASE_URL"
STORE_PATH_ENV = "INVESTMAP_STORE"


def default_location() -> str:
    """Where the store lives when none is given (see module docstring)."""
    url = os.environ.get(DATABASE_URL_ENV, "").strip()
    if url:
        return url
    path = os.environ.get(STORE_PATH_ENV, "").strip()
    if path:
        return path
    return str(store_path())


def is_database_url(location: str) -> bool:
    """True for ``postgresql://`` / ``postgres://`` URLs."""
    return location.startswith(("postgresql://", "postgres://"))


def open_store(location: str | Path | None = None) -> Store:
    """Open (creating when missing) the store at a path or ``postgresql://`` URL.

    A missing GeoPackage at the default location (``location=None``) starts as a copy of the
    demo county; at an explicit path it starts empty (fill it with ``investmap load``).

    Raises
    ------
    StoreError
        The location is the read-only embedded demo, not a GeoPackage, the server cannot
        be reached, or a PostGIS URL without the ``postgis`` extra; the message says how to
        fix it.
    """
    from data import get_path

    chosen = str(location) if location is not None else default_location()
    if is_database_url(chosen):
        try:
            require("postgis")
        except MissingExtraError as exc:
            raise StoreError(str(exc)) from exc
        from layers.store.postgis import PostGISStore

        return PostGISStore(chosen)
    from layers.store.gpkg import GeoPackageStore

    path = Path(chosen)
    demo = get_path("demo")
    if path.exists() and path.resolve() == demo.resolve():
        raise StoreError(f"{path}: the embedded demo county is read-only; fix: omit --data to "
                         f"use the working copy, or pass another .gpkg path")
    if path.suffix.lower() != ".gpkg":
        raise StoreError(f"{path}: a store is a .gpkg file or a postgresql:// URL; fix: pass "
                         "one of those")
    return GeoPackageStore(path, seed=demo if location is None else None)

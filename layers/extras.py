"""Optional features and the extra that installs each: ``pip install 'investmap[dask]'``.

A plain ``pip install investmap`` runs the app, the exports and every local command. Heavy
features that many installs never use are extras; a command that needs a missing one stops
with :class:`MissingExtraError`, whose message names the extra to install.
"""

from __future__ import annotations

import importlib.util

from geo.errors import InvestMapError

EXTRAS: dict[str, tuple[str, tuple[str, ...]]] = {
    "dask": ("the Dask engine (--engine dask, province-scale datasets)",
             ("dask", "dask_geopandas", "distributed")),
    "postgis": ("a PostGIS store (postgresql:// URLs)", ("psycopg",)),
}
"""Extra name → (what it enables, the import names it provides)."""


class MissingExtraError(InvestMapError, ImportError):
    """A feature needs an optional extra that is not installed; the message says which."""


def missing(extra: str) -> list[str]:
    """Import names of ``extra`` that cannot be found in this environment."""
    return [name for name in EXTRAS[extra][1] if importlib.util.find_spec(name) is None]


def require(extra: str) -> None:
    """Check that every module of ``extra`` is installed.

    Raises
    ------
    MissingExtraError
        One is missing; the message names the feature and ``pip install 'investmap[extra]'``.
    KeyError
        ``extra`` is not one of :data:`EXTRAS`.
    """
    absent = missing(extra)
    if absent:
        feature = EXTRAS[extra][0]
        raise MissingExtraError(
            f"{feature} needs the optional extra '{extra}' (missing: {', '.join(absent)}); "
            f"fix: pip install 'investmap[{extra}]'")

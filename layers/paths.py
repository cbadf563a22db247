"""Where InvestMap reads and writes on this machine: one home folder for everything writable.

The code and its read-only data (demo county, policy, chains, accounts) are read where they
are installed; everything the app *writes* lives under one home folder, never beside the code
(after ``pip install .`` that would be site-packages):

- ``$INVESTMAP_HOME`` when set;
- else the source checkout itself when the code runs from one (``make run``, ``make test``,
  an editable install): ``static/``, ``data/store.gpkg`` and ``state/`` of the checkout,
  all git-ignored;
- else the per-user data folder: ``$XDG_DATA_HOME/investmap`` (``~/.local/share/investmap``),
  ``~/Library/Application Support/investmap`` on macOS, ``%LOCALAPPDATA%\\investmap`` on
  Windows.

Inside the home::

    investmap_app.py     launcher Streamlit runs after `pip install .` (written by `serve`)
    static/vendor/       offline Leaflet and Leaflet.draw (`investmap assets`)
    static/tiles/        published offline basemap tiles (webmap.tiles)
    data/store.gpkg      the default working store (layers.store)
    state/               login failures, session secret, site settings, visit log

Streamlit serves static files only from ``static/`` beside the script it runs, hence the
launcher: a two-line script in the home that runs the installed ``app.py``
(:func:`write_launcher`). In a checkout the home is the checkout and ``app.py`` is run
directly. ``INVESTMAP_STORE``, ``INVESTMAP_DATABASE_URL`` and ``INVESTMAP_STATE_DIR`` still
override the store and the state folder one by one.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

HOME_ENV = "INVESTMAP_HOME"
STATE_ENV = "INVESTMAP_STATE_DIR"
SOURCE_ROOT = Path(__file__).resolve().parents[1]
"""Folder holding ``app.py`` and the packages: the checkout, or site-packages once installed."""
APP_SCRIPT = SOURCE_ROOT / "app.py"
LAUNCHER = "investmap_app.py"
STATIC_URL = "/app/static"
"""URL under which Streamlit serves :func:`static_dir`."""


def source_checkout() -> bool:
    """Whether the code runs from a source checkout (its ``pyproject.toml`` beside ``app.py``)."""
    return (SOURCE_ROOT / "pyproject.toml").is_file() and APP_SCRIPT.is_file()


def user_data_dir() -> Path:
    """The per-user data folder of this platform, ``investmap`` inside it."""
    if sys.platform == "win32":
        base = os.environ.get("LOCALAPPDATA") or str(Path.home() / "AppData" / "Local")
        return Path(base) / "investmap"
    if sys.platform == "darwin":
        return Path.home() / "Library" / "Application Support" / "investmap"
    base = os.environ.get("XDG_DATA_HOME", "").strip() or str(Path.home() / ".local" / "share")
    return Path(base) / "investmap"


def home() -> Path:
    """The folder everything writable lives in (see the module docstring)."""
    env = os.environ.get(HOME_ENV, "").strip()
    if env:
        return Path(env).expanduser().resolve()
    return SOURCE_ROOT if source_checkout() else user_data_dir()


def static_dir() -> Path:
    """Folder Streamlit serves at :data:`STATIC_URL` (``static/`` beside :func:`main_script`)."""
    return home() / "static"


def vendor_dir() -> Path:
    """Offline map libraries (Leaflet, Leaflet.draw)."""
    return static_dir() / "vendor"


def tiles_dir() -> Path:
    """Published offline basemap tiles."""
    return static_dir() / "tiles"


def store_path() -> Path:
    """The default GeoPackage store (made from the demo county on first use)."""
    return home() / "data" / "store.gpkg"


def state_dir() -> Path:
    """Server state: login failures, session secret, site settings, visit log
    (``$INVESTMAP_STATE_DIR``, else ``state/`` in the home)."""
    env = os.environ.get(STATE_ENV, "").strip()
    return Path(env).expanduser() if env else home() / "state"


def main_script() -> Path:
    """The script Streamlit runs: ``app.py`` itself when the home is its folder (a checkout),
    else the launcher in the home (:func:`write_launcher`)."""
    folder = home()
    return APP_SCRIPT if folder == APP_SCRIPT.parent else folder / LAUNCHER


def write_launcher() -> Path:
    """Write (or refresh) the launcher in the home and return :func:`main_script`.

    The launcher runs the installed ``app.py`` on every rerun, so Streamlit serves
    ``static/`` from the home while the pages are read from the installed code.
    """
    script = main_script()
    if script == APP_SCRIPT:
        return script
    text = ('"""InvestMap launcher written by `investmap serve`: runs the installed app so that '
            'Streamlit\nserves static/ from this folder. Rewritten on every start."""\n'
            "import runpy\n\n"
            f"runpy.run_path({str(APP_SCRIPT)!r}, run_name='__main__')\n")
    script.parent.mkdir(parents=True, exist_ok=True)
    if not script.is_file() or script.read_text(encoding="utf-8") != text:
        partial = script.with_name(f".{script.name}.partial")
        partial.write_text(text, encoding="utf-8")
        partial.replace(script)
    return script

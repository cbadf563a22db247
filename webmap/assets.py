"""Offline Leaflet assets: installed from a registry package, served locally, never a CDN.

The files come from the PyPI package ``xstatic-leaflet`` (Leaflet 1.9.3, the version folium 0.20
asks for). ``investmap assets`` copies them into ``static/vendor/leaflet/`` of the InvestMap
home (:mod:`layers.paths`; git-ignored in a checkout), which Streamlit serves at
``/app/static/vendor/leaflet/`` (``server.enableStaticServing``). The HTML export inlines the
same files (:func:`asset_paths`).

folium and streamlit-folium load each element's ``default_js`` / ``default_css``;
:func:`use_local_assets` replaces those of a map with the local files and drops what InvestMap
does not use (jQuery, Bootstrap, awesome-markers, Font Awesome).
"""

from __future__ import annotations

import shutil
from pathlib import Path

import folium

from geo.errors import InstallError
from layers.paths import STATIC_URL as PATHS_STATIC_URL
from layers.paths import vendor_dir

STATIC_URL = f"{PATHS_STATIC_URL}/vendor"

_FILES = ("leaflet.js", "leaflet.css")
_IMAGES = ("layers.png", "layers-2x.png", "marker-icon.png", "marker-icon-2x.png",
           "marker-shadow.png")


class AssetError(InstallError):
    """The offline assets are missing; the message says how to install them."""


def source_dir() -> Path:
    """Folder of the installed Leaflet distribution (from the ``xstatic-leaflet`` package).

    Raises
    ------
    AssetError
        When the package is not installed.
    """
    try:
        import xstatic.pkg.leaflet as pkg
    except ImportError as exc:
        raise AssetError("the Python package xstatic-leaflet is not installed; fix: "
                         "pip install investmap (or make venv in a checkout)") from exc
    return Path(pkg.BASE_DIR)


def asset_paths() -> dict[str, Path]:
    """Local files of every script and stylesheet the map needs, for inlining.

    Returns
    -------
    dict
        ``{"leaflet.js": Path, "leaflet.css": Path}``; the images the stylesheet refers to sit
        in ``images/`` beside ``leaflet.css`` (see :func:`image_paths`).
    """
    base = source_dir()
    paths = {name: base / name for name in _FILES}
    missing = [str(p) for p in paths.values() if not p.is_file()]
    if missing:
        raise AssetError(f"Leaflet files missing: {missing}; fix: reinstall xstatic-leaflet")
    return paths


def image_paths() -> dict[str, Path]:
    """Leaflet's images (layer-control icon, default markers) by file name."""
    base = source_dir() / "images"
    return {name: base / name for name in _IMAGES}


def install(target: Path | None = None) -> list[Path]:
    """Copy the Leaflet files into ``static/vendor/leaflet/`` (idempotent).

    Parameters
    ----------
    target : vendor folder; ``static/vendor`` in the InvestMap home by default
        (:func:`layers.paths.vendor_dir`).

    Returns
    -------
    list of Path
        The files now present in the target folder.
    """
    dest = (target or vendor_dir()) / "leaflet"
    (dest / "images").mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    sources = {**asset_paths(), **{f"images/{k}": v for k, v in image_paths().items()}}
    for rel, src in sources.items():
        out = dest / rel
        if not out.exists() or out.stat().st_size != src.stat().st_size:
            tmp = out.with_name(f".{out.name}.partial")
            shutil.copyfile(src, tmp)
            tmp.replace(out)
        written.append(out)
    return written


def installed(target: Path | None = None) -> bool:
    """Whether :func:`install` has put every file in place."""
    dest = (target or vendor_dir()) / "leaflet"
    return all((dest / name).is_file() for name in _FILES) and all(
        (dest / "images" / name).is_file() for name in _IMAGES)


def local_js() -> list[tuple[str, str]]:
    """``default_js`` entries pointing at the locally served files."""
    return [("leaflet", f"{STATIC_URL}/leaflet/leaflet.js")]


def local_css() -> list[tuple[str, str]]:
    """``default_css`` entries pointing at the locally served files."""
    return [("leaflet_css", f"{STATIC_URL}/leaflet/leaflet.css")]


def use_local_assets(fmap: folium.Map) -> folium.Map:
    """Make ``fmap`` load Leaflet from the local static folder and nothing else.

    Only :class:`folium.Map` among the elements InvestMap uses declares assets; the override
    is per instance, so other maps in the process are unaffected.
    """
    fmap.default_js = local_js()
    fmap.default_css = local_css()
    return fmap

"""protomaps-leaflet, the vector-tile renderer of the map, served locally (no CDN).

The npm registry package ``protomaps-leaflet`` 5.1.0 ships one browser bundle
(``dist/protomaps-leaflet.js``, global ``protomapsL``) that reads PMTiles archives by HTTP
range requests and paints their features on canvas tiles inside Leaflet. :func:`install`
downloads the tarball once at setup (``investmap assets``; plain HTTPS from the registry, as
:mod:`webmap.draw_assets` does for Leaflet.draw), checks the registry's pinned sha512
integrity and copies the bundle into ``static/vendor/protomaps-leaflet/`` (git-ignored),
served at ``/app/static/vendor/protomaps-leaflet/``.
"""

from __future__ import annotations

from pathlib import Path

from layers.paths import vendor_dir
from webmap.assets import STATIC_URL
from webmap.draw_assets import _download, extract, registry_url, verify_integrity

PACKAGE = "protomaps-leaflet@5.1.0"
TARBALL = "protomaps-leaflet/-/protomaps-leaflet-5.1.0.tgz"
INTEGRITY = ("sha512-N0YY1Gbw5nZ9n8VUOvwHKm/w3zhTTuaZEeMZl8doHemeM4ujGPp2otI6t4Sgqrz8iM4svx2rpG"
             "1Q17rHkOWSaA==")
BUNDLE = "protomaps-leaflet.js"
FOLDER = "protomaps-leaflet"


def bundle_path(target: Path | None = None) -> Path:
    """Where the installed bundle lies."""
    return (target or vendor_dir()) / FOLDER / BUNDLE


def bundle_url() -> str:
    """URL of the bundle as the app serves it."""
    return f"{STATIC_URL}/{FOLDER}/{BUNDLE}"


def installed(target: Path | None = None) -> bool:
    """Whether :func:`install` has put the bundle in place."""
    return bundle_path(target).is_file()


def install(target: Path | None = None) -> list[Path]:
    """Fetch the ``protomaps-leaflet`` tarball and copy its browser bundle (idempotent).

    Raises
    ------
    webmap.assets.AssetError
        The registry cannot be reached, the tarball fails its integrity check or lacks the
        bundle; the message names the fix.
    """
    out = bundle_path(target)
    if out.is_file():
        return [out]
    data = _download(f"{registry_url()}/{TARBALL}")
    verify_integrity(data, INTEGRITY, package=PACKAGE)
    return extract(data, out.parent, names=(BUNDLE,), package=PACKAGE)

"""Leaflet.draw for the compliance page's "draw a boundary" map, served locally (no CDN).

folium's :class:`folium.plugins.Draw` loads Leaflet.draw 1.0.2 from a CDN (its ``default_js`` /
``default_css``). The same plugin's files come from the npm registry package ``leaflet-draw``
(1.0.4, API-compatible): :func:`install` downloads its tarball once at setup (``investmap
assets``, plain HTTPS from the registry: no ``npm`` binary, which Debian cannot always install
beside held packages), checks it against the registry's pinned sha512 integrity, and copies
``dist/`` into ``static/vendor/leaflet-draw/`` of the InvestMap home (:mod:`layers.paths`),
which Streamlit serves at ``/app/static/vendor/leaflet-draw/``. :func:`local_draw` points a Draw
control at those files.
"""

from __future__ import annotations

import base64
import hashlib
import io
import os
import tarfile
import urllib.error
import urllib.request
from pathlib import Path

from folium.plugins import Draw

from layers.paths import vendor_dir
from webmap.assets import STATIC_URL, AssetError

PACKAGE = "leaflet-draw@1.0.4"
#: Tarball and its ``dist.integrity`` as the npm registry publishes them for 1.0.4.
TARBALL = "leaflet-draw/-/leaflet-draw-1.0.4.tgz"
INTEGRITY = ("sha512-rsQ6saQO5ST5Aj6XRFylr5zvarWgzWnrg46zQ1MEOEIHsppdC/8hnN8qMoFvACsPvTioAuysya"
             "/TVtog15tyAQ==")
#: Registry base URL; ``INVESTMAP_NPM_REGISTRY`` points at a mirror such as
#: https://registry.npmmirror.com.
DEFAULT_REGISTRY = "https://registry.npmjs.org"
_FILES = ("leaflet.draw.js", "leaflet.draw.css", "images/spritesheet.png",
          "images/spritesheet-2x.png", "images/spritesheet.svg")


def installed(target: Path | None = None) -> bool:
    """Whether :func:`install` has put every file in place."""
    dest = (target or vendor_dir()) / "leaflet-draw"
    return all((dest / name).is_file() for name in _FILES)


def registry_url() -> str:
    """Base URL of the npm registry to fetch from (a mirror when configured)."""
    base = os.environ.get("INVESTMAP_NPM_REGISTRY") or DEFAULT_REGISTRY
    return base.rstrip("/")


def verify_integrity(data: bytes, integrity: str = INTEGRITY, *, package: str = PACKAGE) -> None:
    """Refuse a tarball whose digest differs from the pinned ``sha512-…`` integrity.

    Raises
    ------
    webmap.assets.AssetError
        The digest differs (a corrupted download or a tampered mirror).
    """
    algorithm, _, expected = integrity.partition("-")
    actual = base64.b64encode(hashlib.new(algorithm, data).digest()).decode()
    if actual != expected:
        raise AssetError(f"{package} tarball from {registry_url()} fails its {algorithm} "
                         "integrity check; fix: check the registry or mirror "
                         "(INVESTMAP_NPM_REGISTRY) and rerun `investmap assets`")


def _download(url: str) -> bytes:
    try:
        with urllib.request.urlopen(url, timeout=120) as response:  # noqa: S310 (https URL)
            return response.read()
    except (urllib.error.URLError, OSError) as exc:
        raise AssetError(f"cannot download {url} ({exc}); fix: check access to the npm "
                         "registry, or set INVESTMAP_NPM_REGISTRY to a mirror, and rerun "
                         "`investmap assets`") from exc


def extract(data: bytes, dest: Path, names: tuple[str, ...] = _FILES,
            package: str = PACKAGE) -> list[Path]:
    """Copy the ``package/dist/`` files ``names`` of a verified npm tarball into ``dest``
    (each written whole: a partial file renamed into place)."""
    written = []
    with tarfile.open(fileobj=io.BytesIO(data), mode="r:gz") as archive:
        for name in names:
            try:
                member = archive.extractfile(f"package/dist/{name}")
            except KeyError:
                member = None
            if member is None:
                raise AssetError(f"{package} lacks dist/{name}; fix: pin another version")
            out = dest / name
            out.parent.mkdir(parents=True, exist_ok=True)
            partial = out.with_name(f".{out.name}.partial")
            partial.write_bytes(member.read())
            partial.replace(out)
            written.append(out)
    return written


def install(target: Path | None = None) -> list[Path]:
    """Fetch the ``leaflet-draw`` tarball and copy its ``dist/`` files (idempotent).

    Raises
    ------
    webmap.assets.AssetError
        The registry cannot be reached or the tarball fails its integrity check; the
        message names the fix.
    """
    dest = (target or vendor_dir()) / "leaflet-draw"
    if installed(target):
        return [dest / name for name in _FILES]
    data = _download(f"{registry_url()}/{TARBALL}")
    verify_integrity(data)
    return extract(data, dest)


def local_draw(**options: object) -> Draw:
    """A :class:`folium.plugins.Draw` control loading Leaflet.draw from the local files."""
    control = Draw(**options)
    control.default_js = [("leaflet_draw_js", f"{STATIC_URL}/leaflet-draw/leaflet.draw.js")]
    control.default_css = [("leaflet_draw_css",
                            f"{STATIC_URL}/leaflet-draw/leaflet.draw.css")]
    return control

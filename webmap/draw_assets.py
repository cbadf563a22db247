"""Leaflet.draw for the compliance page's "draw a boundary" map, served locally (no CDN).

folium's :class:`folium.plugins.Draw` loads Leaflet.draw 1.0.2 from a CDN (its ``default_js``
/ ``default_css``). The same plugin's files come from the npm registry package
``leaflet-draw`` (1.0.4, API-compatible): :func:`install` runs ``npm pack`` once at setup
(``investmap assets``) and copies ``dist/`` into ``static/vendor/leaflet-draw/`` (git-ignored),
which Streamlit serves at ``/app/static/vendor/leaflet-draw/``. :func:`local_draw` points a
Draw control at those files.
"""

from __future__ import annotations

import shutil
import subprocess
import tarfile
import tempfile
from pathlib import Path

from folium.plugins import Draw

from webmap.assets import STATIC_URL, VENDOR_DIR, AssetError

PACKAGE = "leaflet-draw@1.0.4"
_FILES = ("leaflet.draw.js", "leaflet.draw.css", "images/spritesheet.png",
          "images/spritesheet-2x.png", "images/spritesheet.svg")


def installed(target: Path | None = None) -> bool:
    """Whether :func:`install` has put every file in place."""
    dest = (target or VENDOR_DIR) / "leaflet-draw"
    return all((dest / name).is_file() for name in _FILES)


def install(target: Path | None = None) -> list[Path]:
    """Fetch ``leaflet-draw`` with ``npm pack`` and copy its ``dist/`` files (idempotent).

    Raises
    ------
    webmap.assets.AssetError
        npm missing or the package cannot be fetched; the message names the fix.
    """
    dest = (target or VENDOR_DIR) / "leaflet-draw"
    if installed(target):
        return [dest / name for name in _FILES]
    npm = shutil.which("npm")
    if npm is None:
        raise AssetError("npm is needed once to fetch Leaflet.draw from the npm registry; "
                         "fix: apt-get install npm (scripts/setup-system.sh does), then rerun "
                         "`investmap assets`")
    with tempfile.TemporaryDirectory() as tmp:
        done = subprocess.run([npm, "pack", PACKAGE, "--pack-destination", tmp, "--silent"],
                              capture_output=True, text=True, timeout=300)
        tarballs = list(Path(tmp).glob("leaflet-draw-*.tgz"))
        if done.returncode or not tarballs:
            raise AssetError(f"npm pack {PACKAGE} failed ({done.stderr.strip()[-300:]}); fix: "
                             "check access to the npm registry and rerun `investmap assets`")
        with tarfile.open(tarballs[0]) as archive:
            for name in _FILES:
                member = archive.extractfile(f"package/dist/{name}")
                if member is None:
                    raise AssetError(f"{PACKAGE} lacks dist/{name}; fix: pin another version")
                out = dest / name
                out.parent.mkdir(parents=True, exist_ok=True)
                partial = out.with_name(f".{out.name}.partial")
                partial.write_bytes(member.read())
                partial.replace(out)
    return [dest / name for name in _FILES]


def local_draw(**options: object) -> Draw:
    """A :class:`folium.plugins.Draw` control loading Leaflet.draw from the local files."""
    control = Draw(**options)
    control.default_js = [("leaflet_draw_js", f"{STATIC_URL}/leaflet-draw/leaflet.draw.js")]
    control.default_css = [("leaflet_draw_css",
                            f"{STATIC_URL}/leaflet-draw/leaflet.draw.css")]
    return control

"""Server-side site settings an administrator enters once in the app: the Tianditu key, the
default basemap (``none`` = 无底图 for an intranet), the offline tiles folder and the public
base URL that share links, QR codes and the published site point at.

Kept in ``settings.json`` in the server's state folder (``INVESTMAP_STATE_DIR``, default
``state/`` in the InvestMap home, :mod:`layers.paths` — the folder that also holds the login
state), never in the repository. The file is written atomically and readable by the server's
user only (mode 600). The key is a secret of the deployment: it reaches a browser only inside
Tianditu tile URLs.
"""

from __future__ import annotations

import json
import os
import tempfile
from dataclasses import asdict, dataclass
from pathlib import Path

from geo.errors import DataError
from layers.paths import state_dir

SETTINGS_FILE = "settings.json"


class SettingsError(DataError):
    """The settings file or a value is unusable; the message names it and the fix."""


@dataclass(frozen=True)
class SiteSettings:
    """What an administrator set in the settings page."""

    tianditu_key: str | None = None
    public_base_url: str | None = None
    updated_by: str | None = None
    updated_at: str | None = None
    default_basemap: str | None = None
    """Basemap every map opens on (a :data:`webmap.basemaps.BASEMAPS` code); ``None`` = the
    automatic choice (天地图 with a key, else offline tiles, else OpenStreetMap)."""
    tiles_folder: str | None = None
    """Offline tiles on the server: a z/x/y folder or an ``.mbtiles`` file."""


def settings_path() -> Path:
    """Where the site settings are kept."""
    return state_dir() / SETTINGS_FILE


def load_site_settings(path: Path | None = None) -> SiteSettings:
    """Read the settings (defaults when the file does not exist yet).

    Raises
    ------
    SettingsError
        The file is not a JSON object of known keys.
    """
    path = path or settings_path()
    if not path.is_file():
        return SiteSettings()
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise SettingsError(f"{path}: not readable as JSON ({exc}); fix: delete the file and "
                            "enter the settings again in the app") from exc
    known = set(SiteSettings.__dataclass_fields__)
    if not isinstance(doc, dict) or set(doc) - known:
        raise SettingsError(f"{path}: expected a JSON object with keys {sorted(known)}; fix: "
                            "delete the file and enter the settings again in the app")
    return SiteSettings(**{k: (str(v) if v is not None else None) for k, v in doc.items()})


def check_tianditu_key(key: str) -> str:
    """A Tianditu key as typed, trimmed; 32 hexadecimal characters (what 天地图 issues).

    Raises
    ------
    SettingsError
        Anything else (the message says what a key looks like).
    """
    key = key.strip()
    if len(key) != 32 or any(c not in "0123456789abcdefABCDEF" for c in key):
        raise SettingsError("a Tianditu key (tk) is 32 hexadecimal characters, e.g. as shown "
                            "under 控制台 → 应用管理 at console.tianditu.gov.cn")
    return key.lower()


def check_tiles_folder(value: str) -> str | None:
    """An offline tiles location as typed: trimmed, ``None`` when empty; it must exist on
    the server as a folder or an ``.mbtiles`` file.

    Raises
    ------
    SettingsError
        The location does not exist or is neither a folder nor an ``.mbtiles`` file.
    """
    value = value.strip()
    if not value:
        return None
    path = Path(value).expanduser()
    if not (path.is_dir() or (path.is_file() and path.suffix.lower() == ".mbtiles")):
        raise SettingsError(f"{value}: not a tile folder nor an .mbtiles file on the server")
    return str(path)


def save_site_settings(settings: SiteSettings, path: Path | None = None) -> Path:
    """Write the settings atomically, readable by the server's user only."""
    path = path or settings_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".settings-", dir=path.parent)
    try:
        os.fchmod(fd, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            json.dump(asdict(settings), handle, ensure_ascii=False, indent=1)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def check_public_base_url(url: str) -> str:
    """The public base URL as typed, trimmed: an ``http(s)://host[/path]`` address of the
    app with no query (links add their own).

    Raises
    ------
    SettingsError
        Anything else (the message shows what a base URL looks like).
    """
    from urllib.parse import urlsplit

    url = url.strip()
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc or parts.query \
            or parts.fragment or any(c.isspace() for c in url):
        raise SettingsError("the public base URL is the address investors open the map at, "
                            "e.g. https://invest.example.gov.cn/ (http or https, no query)")
    return url

"""Server-side site settings an administrator enters once in the app (the Tianditu key, the
public base URL that share links, QR codes and the published site point at).

Kept in ``settings.json`` in the server's state folder (``INVESTMAP_STATE_DIR``, default
``~/.local/state/investmap`` — the folder that also holds the login state), never in the
repository. The file is written atomically and readable by the server's user only (mode 600).
The key is a secret of the deployment: it reaches a browser only inside Tianditu tile URLs.
"""

from __future__ import annotations

import json
import os
import tempfile
from dataclasses import asdict, dataclass
from pathlib import Path

SETTINGS_FILE = "settings.json"


class SettingsError(ValueError):
    """The settings file or a value is unusable; the message names it and the fix."""


@dataclass(frozen=True)
class SiteSettings:
    """What an administrator set in the settings page."""

    tianditu_key: str | None = None
    public_base_url: str | None = None
    updated_by: str | None = None
    updated_at: str | None = None


def state_dir() -> Path:
    """The server's state folder (``INVESTMAP_STATE_DIR``), shared with the login state."""
    env = os.environ.get("INVESTMAP_STATE_DIR")
    return Path(env) if env else Path.home() / ".local" / "state" / "investmap"


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

"""Offline basemap: raster tiles from a local z/x/y folder or an MBTiles file, served by the app.

``INVESTMAP_TILES`` names the source: a folder laid out ``{z}/{x}/{y}.png`` (or ``.jpg``,
``.jpeg``, ``.webp``) or an ``.mbtiles`` file (SQLite, MBTiles 1.3: ``tiles`` with TMS rows,
``metadata`` with ``format``, ``minzoom``, ``maxzoom``, ``attribution``).

Streamlit serves ``static/`` of the InvestMap home (:mod:`layers.paths`) at ``/app/static/`` but
can neither read an SQLite file nor follow a symbolic link out of ``static/`` (it resolves real
paths and refuses what leaves the folder). So the tiles are *published* once into
``static/tiles/<name>-<digest>/{z}/{x}/{y}.ext`` — MBTiles rows written out as files (TMS rows
flipped to XYZ), folder tiles hard-linked (copied across file systems) — and a stamp file makes
a restart with the same source skip the work. The app then needs no second server, port or
route, and the browser fetches tiles from the same origin as the page: an intranet install shows
streets with no internet.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import sqlite3
import threading
from dataclasses import dataclass
from pathlib import Path

from geo.errors import DataError
from layers.paths import STATIC_URL as PATHS_STATIC_URL
from layers.paths import tiles_dir

TILES_ENV = "INVESTMAP_TILES"
STATIC_TILES = tiles_dir()
"""Where tiles are published: ``static/tiles`` in the InvestMap home (:mod:`layers.paths`),
served at :data:`STATIC_URL`; fixed when this module is imported."""
STATIC_URL = f"{PATHS_STATIC_URL}/tiles"
IMAGE_EXTENSIONS = ("png", "jpg", "jpeg", "webp")
_STAMP = ".published.json"
_LOCK = threading.Lock()


class TileSourceError(DataError):
    """The offline tile source cannot be used; the message names it and the fix."""


@dataclass(frozen=True)
class LocalTiles:
    """Published offline tiles: where they lie, their URL template and zoom range."""

    folder: Path
    url: str
    min_zoom: int
    max_zoom: int
    attribution: str
    count: int


def tiles_source() -> Path | None:
    """The configured source: ``INVESTMAP_TILES``, else the folder an administrator set in
    the settings page (:mod:`layers.site_settings`), else ``None``."""
    from layers.site_settings import SettingsError, load_site_settings

    value = os.environ.get(TILES_ENV, "").strip()
    if not value:
        try:
            value = load_site_settings().tiles_folder or ""
        except SettingsError:
            value = ""
    return Path(value).expanduser() if value else None


def local_tiles(source: str | Path | None = None, *,
                static_dir: Path = STATIC_TILES, url_base: str = STATIC_URL) -> LocalTiles | None:
    """Publish the offline tiles (once per source version) and describe them.

    Parameters
    ----------
    source : folder or ``.mbtiles`` file; ``None`` reads :func:`tiles_source` (unset → ``None``
        is returned: no offline basemap configured).
    static_dir : where tiles are published (served at ``url_base``).
    url_base : URL under which ``static_dir`` is served.

    Raises
    ------
    TileSourceError
        The source is missing, not a tile folder nor an MBTiles file, or holds no tiles.
    """
    path = Path(source).expanduser() if source is not None else tiles_source()
    if path is None:
        return None
    if not path.exists():
        raise TileSourceError(f"{path}: offline tiles not found; fix: set {TILES_ENV} to a "
                              "z/x/y tile folder or an .mbtiles file")
    stat = path.stat()
    digest = hashlib.sha1(f"{path.resolve()}|{stat.st_mtime_ns}|{stat.st_size}".encode())
    name = f"{_safe(path.stem)}-{digest.hexdigest()[:10]}"
    target = static_dir / name
    with _LOCK:
        stamp = target / _STAMP
        if stamp.is_file():
            meta = json.loads(stamp.read_text(encoding="utf-8"))
        else:
            if target.exists():
                shutil.rmtree(target)
            if path.is_dir():
                meta = _publish_folder(path, target)
            elif path.suffix.lower() == ".mbtiles":
                meta = _publish_mbtiles(path, target)
            else:
                raise TileSourceError(f"{path}: not a tile folder nor an .mbtiles file; fix: "
                                      f"point {TILES_ENV} at one of them")
            stamp.write_text(json.dumps(meta), encoding="utf-8")
    return LocalTiles(folder=target, url=f"{url_base}/{name}/{{z}}/{{x}}/{{y}}.{meta['ext']}",
                      min_zoom=int(meta["min_zoom"]), max_zoom=int(meta["max_zoom"]),
                      attribution=str(meta["attribution"]), count=int(meta["count"]))


def _safe(text: str) -> str:
    return "".join(c if c.isalnum() or c in "-_" else "_" for c in text)[:40] or "tiles"


def _publish_mbtiles(path: Path, target: Path) -> dict[str, object]:
    try:
        con = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    except sqlite3.Error as exc:
        raise TileSourceError(f"{path}: cannot open as SQLite ({exc}); fix: give a valid "
                              ".mbtiles file") from exc
    try:
        meta = dict(con.execute("SELECT name, value FROM metadata").fetchall())
        ext = str(meta.get("format", "png")).lower()
        if ext not in IMAGE_EXTENSIONS:
            raise TileSourceError(f"{path}: tile format {ext!r} is not a raster image "
                                  f"({', '.join(IMAGE_EXTENSIONS)}); vector tiles (pbf) need "
                                  "a renderer InvestMap does not ship")
        tmp = target.with_name(target.name + ".partial")
        if tmp.exists():
            shutil.rmtree(tmp)
        count, zooms = 0, set()
        for z, x, row, data in con.execute(
                "SELECT zoom_level, tile_column, tile_row, tile_data FROM tiles"):
            y = (1 << int(z)) - 1 - int(row)  # MBTiles rows are TMS (south up)
            folder = tmp / str(z) / str(x)
            folder.mkdir(parents=True, exist_ok=True)
            (folder / f"{y}.{ext}").write_bytes(data)
            count += 1
            zooms.add(int(z))
    except sqlite3.Error as exc:
        raise TileSourceError(f"{path}: not an MBTiles file ({exc}); fix: give a file with "
                              "the tables 'tiles' and 'metadata'") from exc
    finally:
        con.close()
    if count == 0:
        raise TileSourceError(f"{path}: the MBTiles file holds no tiles")
    tmp.rename(target)
    return {"ext": ext, "min_zoom": min(zooms), "max_zoom": max(zooms), "count": count,
            "attribution": str(meta.get("attribution", meta.get("name", path.stem)))}


def _publish_folder(path: Path, target: Path) -> dict[str, object]:
    tmp = target.with_name(target.name + ".partial")
    if tmp.exists():
        shutil.rmtree(tmp)
    count, zooms, exts = 0, set(), set()
    for tile in path.glob("*/*/*.*"):
        z, x, ext = tile.parent.parent.name, tile.parent.name, tile.suffix.lower().lstrip(".")
        if not (z.isdigit() and x.isdigit() and tile.stem.isdigit() and ext in IMAGE_EXTENSIONS):
            continue
        dest = tmp / z / x / tile.name
        dest.parent.mkdir(parents=True, exist_ok=True)
        try:
            os.link(tile, dest)
        except OSError:  # another file system: copy
            shutil.copyfile(tile, dest)
        count += 1
        zooms.add(int(z))
        exts.add(ext)
    if count == 0:
        raise TileSourceError(f"{path}: no tiles laid out as {{z}}/{{x}}/{{y}}.png (or .jpg, "
                              ".webp) in this folder")
    if len(exts) > 1:
        raise TileSourceError(f"{path}: tiles of several formats ({', '.join(sorted(exts))}); "
                              "fix: use one image format")
    tmp.rename(target)
    return {"ext": exts.pop(), "min_zoom": min(zooms), "max_zoom": max(zooms), "count": count,
            "attribution": path.name}

"""Uploaded files → a folder the readers can open (the app's import page).

Planners upload a zip of a shapefile with its parts (.shp .shx .dbf .prj .cpg), the parts
themselves, or one coordinate TXT, DXF, CSV/XLSX, GeoPackage, GeoJSON or KML.
:func:`stage_upload` writes them into a folder (zips unpacked with their sub-folders, every
path component made safe so none can escape it, the unpacked size capped) and returns the files
a reader can open, best first. Two files of the same name never overwrite each other:
``2023/地块.shp`` and ``2024/地块.shp`` of one zip stay in their own sub-folders, and two uploads
of one name are refused.

Every upload page stages through :func:`upload_folder` (a temporary folder removed when the
page's run ends, also on an error or a rerun) with the size limit of :func:`upload_limit_mb`
(the policy's ``imports.upload_max_mb``), passed to Streamlit's uploader too.
"""

from __future__ import annotations

import tempfile
import zipfile
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path, PurePosixPath

from layers.formats.settings import import_settings
from layers.io import READERS, ReadError
from layers.policy import Policy

MAIN_SUFFIXES: tuple[str, ...] = (".shp", ".gpkg", ".geojson", ".json", ".kml", ".txt", ".dxf",
                                  ".dwg", ".csv", ".xlsx", ".parquet", ".geoparquet")
"""Suffixes of files a reader opens, in the order offered (a shapefile's parts follow .shp)."""
UNPACK_FACTOR = 20
"""A zip may unpack to at most this many times the upload limit."""


def upload_limit_mb(policy: Policy) -> float:
    """The largest upload a page accepts (MB), from the policy (``imports.upload_max_mb``)."""
    return import_settings(policy).upload_max_mb


@contextmanager
def upload_folder(prefix: str = "investmap-upload-") -> Iterator[Path]:
    """A new temporary folder for one page run's upload, removed when the block ends.

    An error raised inside names the uploaded file without the folder (a server path means
    nothing to the person who uploaded it).
    """
    with tempfile.TemporaryDirectory(prefix=prefix) as tmp:
        try:
            yield Path(tmp)
        except Exception as exc:
            if exc.args and isinstance(exc.args[0], str) and tmp in exc.args[0]:
                exc.args = (exc.args[0].replace(f"{tmp}/", "").replace(tmp, ""),
                            *exc.args[1:])
            raise


def stage_upload(files: Iterable[tuple[str, bytes]], folder: str | Path, *,
                 max_bytes: int) -> list[Path]:
    """Write uploaded ``(name, content)`` pairs into ``folder`` and list the readable files.

    Raises
    ------
    layers.io.ReadError
        An upload over ``max_bytes``, a broken zip or one that unpacks too large, or nothing a
        reader can open (the message lists what was found and what is accepted).
    """
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    total = 0
    for name, content in files:
        total += len(content)
        if total > max_bytes:
            raise ReadError(f"{name}: the upload exceeds {max_bytes / 2**20:.0f} MB; fix: load "
                            "larger files from the command line (investmap load FILE --layer "
                            "NAME --user U) or split them")
        if Path(name).suffix.lower() == ".zip":
            _unpack(name, content, folder, limit=max_bytes * UNPACK_FACTOR)
        else:
            _write_new(folder / _safe_name(name), content, name)
    found = sorted((p for p in folder.rglob("*") if p.is_file()),
                   key=lambda p: (_rank(p), p.name))
    mains = [p for p in found if p.suffix.lower() in MAIN_SUFFIXES
             and p.suffix.lower() in READERS]
    if not mains:
        names = ", ".join(p.name for p in found) or "nothing"
        raise ReadError(f"upload holds {names}; fix: upload a zip of a shapefile with its "
                        ".shp/.shx/.dbf/.prj parts, or a coordinate TXT, DXF, CSV, XLSX, "
                        "GeoPackage, GeoJSON or KML file")
    return mains


def _rank(path: Path) -> int:
    suffix = path.suffix.lower()
    return MAIN_SUFFIXES.index(suffix) if suffix in MAIN_SUFFIXES else len(MAIN_SUFFIXES)


def _safe_name(name: str) -> str:
    """The last path component, never empty, never ``..``."""
    base = PurePosixPath(name.replace("\\", "/")).name
    return base if base not in ("", ".", "..") else "upload"


def _unpack(name: str, content: bytes, folder: Path, *, limit: int) -> None:
    import io

    try:
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            members = [m for m in archive.infolist() if not m.is_dir()
                       and not PurePosixPath(m.filename).name.startswith(("._", "."))
                       and "__MACOSX" not in m.filename]
            if sum(m.file_size for m in members) > limit:
                raise ReadError(f"{name}: unpacks to more than {limit / 2**20:.0f} MB; fix: "
                                "load it from the command line (investmap load)")
            for member in members:
                target = folder / _safe_path(_decoded_name(member))
                target.parent.mkdir(parents=True, exist_ok=True)
                _write_new(target, archive.read(member), f"{name}: {member.filename}")
    except zipfile.BadZipFile as exc:
        raise ReadError(f"{name}: not a readable zip ({exc}); fix: zip the files again") \
            from None


def _safe_path(name: str) -> Path:
    """A member's relative path with every component safe (no root, no ``..``, no empty
    parts), so sub-folders stay apart and nothing lands outside the staging folder."""
    parts = [p for p in PurePosixPath(name.replace("\\", "/")).parts
             if p not in ("", ".", "..", "/")]
    return Path(*parts) if parts else Path("upload")


def _write_new(target: Path, content: bytes, name: str) -> None:
    """Write ``content`` to ``target``, refusing to overwrite a file staged before."""
    if target.exists():
        raise ReadError(f"{name}: the upload holds two files named {target.name!r} in the same "
                        "place; fix: upload them one at a time, or zip them in separate folders")
    target.write_bytes(content)


def _decoded_name(member: zipfile.ZipInfo) -> str:
    """Member name; zips made on Chinese Windows store names in GBK without the UTF-8 flag."""
    if member.flag_bits & 0x800:
        return member.filename
    try:
        return member.filename.encode("cp437").decode("gb18030")
    except (UnicodeEncodeError, UnicodeDecodeError):
        return member.filename

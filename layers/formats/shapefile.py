"""Shapefiles whose attributes are GBK, often without a ``.cpg`` file (shared/domain.md §7).

Without ``.cpg`` (and without ``--encoding``) GDAL falls back to the DBF language byte or
ISO-8859-1 and produces mojibake. This reader looks at the DBF's text-field bytes itself
(:func:`detect_dbf_encoding`): pure ASCII needs nothing; strict UTF-8 is taken as UTF-8;
otherwise GB18030 (a superset of GBK/GB2312) with the plausibility check of
:mod:`layers.formats.textcodec`. A detected encoding is reported as a warning; bytes that are
neither give a clear error asking for ``--encoding`` or a ``.cpg`` file.
"""

from __future__ import annotations

import struct
from pathlib import Path
from typing import Any

from layers.formats.base import RawFrame, ReadError, ReadOptions, read_with_ogr
from layers.formats.textcodec import has_cjk, plausibly_chinese

SAMPLE_RECORDS = 50_000
"""Records whose text fields are inspected to detect the encoding."""


def dbf_text_bytes(dbf: Path, *, max_records: int = SAMPLE_RECORDS,
                   ) -> tuple[list[bytes], list[bytes]]:
    """Field names and non-blank character (``C``) values of the first records of a DBF file.

    Raises
    ------
    layers.io.ReadError
        When the file is too short or its header is inconsistent.
    """
    data = dbf.read_bytes()
    if len(data) < 32:
        raise ReadError(f"{dbf}: not a dBASE file (only {len(data)} bytes); fix: copy the "
                        "complete shapefile (.shp, .shx, .dbf, .prj)")
    n_records, header_len, record_len = struct.unpack("<IHH", data[4:12])
    fields: list[tuple[int, int]] = []
    names: list[bytes] = []  # field names are text in the same encoding as the values
    values: list[bytes] = []
    offset, pos = 1, 32
    while pos + 32 <= header_len and data[pos] != 0x0D:
        kind, length = chr(data[pos + 11]), data[pos + 16]
        names.append(data[pos:pos + 11].split(b"\x00")[0])
        if kind == "C":
            fields.append((offset, length))
        offset += length
        pos += 32
    if record_len <= 0 or offset > record_len:
        raise ReadError(f"{dbf}: inconsistent dBASE header; fix: re-export the shapefile")
    for i in range(min(n_records, max_records)):
        start = header_len + i * record_len
        record = data[start:start + record_len]
        if len(record) < record_len:
            break
        for field_offset, length in fields:
            value = record[field_offset:field_offset + length].strip(b" \x00")
            if value:
                values.append(value)
    return names, values


def _decodes(value: bytes, encoding: str, *, trailing: int = 0) -> str | None:
    """``value`` decoded strictly, allowing up to ``trailing`` bytes of a character cut off at
    the end (DBF field names are cut at 10 bytes, sometimes inside a character)."""
    for cut in range(trailing + 1):
        try:
            return value[:len(value) - cut].decode(encoding)
        except UnicodeDecodeError:
            continue
    return None


def detect_dbf_encoding(dbf: Path) -> str | None:
    """``None`` (ASCII only), ``"UTF-8"`` or ``"GB18030"``; raises when neither fits."""
    names, values = dbf_text_bytes(dbf)
    if all(v.isascii() for v in (*names, *values)):
        return None
    decoded: dict[str, str | None] = {}
    for encoding in ("UTF-8", "GB18030"):
        texts = [_decodes(v, encoding) for v in values]
        texts += [_decodes(n, encoding, trailing=3) for n in names]
        ok = all(t is not None for t in texts)
        decoded[encoding] = "\n".join(t or "" for t in texts) if ok else None
    utf8, gbk = decoded["UTF-8"], decoded["GB18030"]
    gbk_plausible = gbk is not None and plausibly_chinese(gbk)
    if utf8 is not None and (has_cjk(utf8) or not gbk_plausible):
        return "UTF-8"
    if gbk_plausible:
        return "GB18030"
    raise ReadError(f"{dbf}: attribute text is neither UTF-8 nor GBK (GBK decoding does not give "
                    "plausible Chinese); fix: pass --encoding with the real code page (e.g. "
                    "cp1252) or add a .cpg file naming it")


CPG_FAMILIES: dict[str, str] = {
    "utf-8": "UTF-8", "utf8": "UTF-8", "65001": "UTF-8",
    "gbk": "GB18030", "gb2312": "GB18030", "gb18030": "GB18030", "936": "GB18030",
    "cp936": "GB18030", "ansi 936": "GB18030",
}
""".cpg spellings of the two encodings Chinese shapefiles use → the codec that reads them."""


def _checked_cpg(cpg: Path, dbf: Path, warnings: list[tuple[str, str]]) -> str | None:
    """The encoding to read ``dbf`` with when a ``.cpg`` names one: the ``.cpg``'s unless it
    names UTF-8 or GBK and the text is plainly the other (a ``.cpg`` copied from another file
    would store mojibake); other code pages are left to GDAL as declared."""
    declared = cpg.read_bytes()[:64].decode("ascii", errors="replace").strip().lower()
    family = CPG_FAMILIES.get(declared)
    if family is None:
        return None
    try:
        detected = detect_dbf_encoding(dbf)
    except ReadError:
        return family
    if detected is None or detected == family:
        return family
    shown = "GBK" if detected == "GB18030" else detected
    warnings.append((f"{cpg.name} says {declared.upper()} but the attribute text is {shown}; "
                     f"read as {shown}", f"correct {cpg.name} to {shown} (or pass --encoding)"))
    return detected


def read_shapefile(path: Path, options: ReadOptions) -> RawFrame:
    """:data:`layers.io.READERS` entry for ``.shp`` with encoding detection."""
    kwargs: dict[str, Any] = {"use_arrow": False}
    warnings: list[tuple[str, str]] = []
    encoding = options.encoding
    cpg = path.with_suffix(".cpg")
    dbf = next((p for p in (path.with_suffix(".dbf"), path.with_suffix(".DBF")) if p.exists()),
               None)
    if encoding is None and not cpg.exists() and dbf is not None:
        encoding = detect_dbf_encoding(dbf)
        if encoding == "GB18030":
            warnings.append((f"{path.name} has no .cpg file; attributes detected as GBK "
                             "(read as GB18030, its superset)", "add a .cpg file containing "
                             "GBK, or pass --encoding, to make it explicit"))
    elif encoding is None and cpg.exists() and dbf is not None:
        encoding = _checked_cpg(cpg, dbf, warnings)
    if encoding is not None:
        kwargs["encoding"] = encoding
    frame = read_with_ogr(path, options, fix="copy all of the shapefile's files (.shp, .shx, "
                          ".dbf, .prj) side by side", **kwargs)
    return RawFrame(frame, None, warnings)

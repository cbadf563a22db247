"""Detect the encoding of text that Chinese offices send: UTF-8 (± BOM), UTF-16, GBK.

Detection, not guessing (shared/domain.md §7): UTF-8 is tried strictly first (a short GBK text
can also be valid UTF-8: UTF-8 that yields no CJK character loses to a plausible GBK reading);
then GB18030 (a superset of GBK and GB2312) strictly, accepted only when the decoded text is
plausibly Chinese — most non-ASCII characters must be GB2312 characters and at least half of them
level-1 (common) hanzi or CJK punctuation. Latin-1, cp1251 and random bytes fail that check
and get a clear error instead of mojibake.
"""

from __future__ import annotations

import codecs
from dataclasses import dataclass

from geo.errors import DataError

GB2312_SHARE_MIN = 0.9
"""Share of non-ASCII characters that must be GB2312 characters to accept a GBK decoding."""

COMMON_SHARE_MIN = 0.5
"""Share of non-ASCII characters that must be common (GB2312 level 1, symbols) hanzi."""


class EncodingError(DataError):
    """Bytes are not text in a supported encoding; the message says what was tried."""


@dataclass(frozen=True)
class Decoded:
    """Decoded text, the encoding used and whether it was detected (not given or marked)."""

    text: str
    encoding: str
    detected: bool


def _gb2312_class(char: str) -> str:
    """``common`` (level-1 hanzi, symbols), ``rare`` (level-2 hanzi) or ``other``."""
    try:
        raw = char.encode("gb2312")
    except UnicodeEncodeError:
        return "other"
    if len(raw) != 2:
        return "other"
    return "rare" if raw[0] >= 0xD8 else "common"


def plausibly_chinese(text: str) -> bool:
    """Whether GB18030-decoded ``text`` looks like real Chinese rather than mojibake."""
    non_ascii = [c for c in text if ord(c) > 0x7F]
    if not non_ascii:
        return True
    classes = [_gb2312_class(c) for c in non_ascii]
    n = len(classes)
    in_gb2312 = sum(c != "other" for c in classes) / n
    common = sum(c == "common" for c in classes) / n
    return in_gb2312 >= GB2312_SHARE_MIN and common >= COMMON_SHARE_MIN


def has_cjk(text: str) -> bool:
    """Any CJK ideograph, CJK punctuation or full-width form (U+3000–U+9FFF, U+FF00–U+FFEF)."""
    return any("\u3000" <= c <= "\u9fff" or "\uff00" <= c <= "\uffef" for c in text)


def looks_binary(data: bytes) -> bool:
    """NUL bytes or many control characters: not a text file (UTF-16 is handled first)."""
    sample = data[:65536]
    if b"\x00" in sample:
        return True
    controls = sum(1 for b in sample if b < 0x20 and b not in (0x09, 0x0A, 0x0D, 0x0C, 0x1A))
    return controls > max(2, len(sample) // 200)


def _utf16_without_bom(data: bytes) -> str | None:
    """``utf-16-le``/``-be`` when every other byte is NUL as in ASCII-heavy UTF-16 text."""
    sample = data[:4096]
    if len(sample) < 4:
        return None
    even, odd = sample[0::2], sample[1::2]
    if odd.count(0) > 0.3 * len(odd) and even.count(0) < 0.05 * len(even):
        return "utf-16-le"
    if even.count(0) > 0.3 * len(even) and odd.count(0) < 0.05 * len(odd):
        return "utf-16-be"
    return None


def decode_text(data: bytes, *, source: str, encoding: str | None = None) -> Decoded:
    """Decode a text file's bytes, detecting the encoding when none is given.

    Order: a byte-order mark (UTF-8, UTF-16 LE/BE); UTF-16 without BOM (NUL pattern);
    binary content is refused; strict UTF-8; strict GB18030 with :func:`plausibly_chinese`.

    Parameters
    ----------
    data : the file's bytes.
    source : file name used in messages.
    encoding : a codec name given by the user; decoded strictly, no detection.

    Raises
    ------
    EncodingError
        Binary content, or text that is neither UTF-8/UTF-16 nor plausible GBK, or text that
        does not decode with the given encoding.
    """
    if encoding:
        try:
            codecs.lookup(encoding)
        except LookupError:
            raise EncodingError(f"{source}: unknown encoding {encoding!r}; fix: use e.g. gbk, "
                                "utf-8, utf-16") from None
        try:
            return Decoded(data.decode(encoding).lstrip("\ufeff"), encoding, detected=False)
        except UnicodeDecodeError as exc:
            raise EncodingError(f"{source}: byte {exc.start} does not decode as {encoding} "
                                f"({exc.reason}); fix: pass the file's real encoding or leave "
                                "--encoding out to detect it") from None
    for bom, name in ((codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF16_LE, "utf-16"),
                      (codecs.BOM_UTF16_BE, "utf-16")):
        if data.startswith(bom):
            try:
                return Decoded(data.decode(name).lstrip("\ufeff"), name, detected=False)
            except UnicodeDecodeError as exc:
                raise EncodingError(f"{source}: starts with a {name} byte-order mark but byte "
                                    f"{exc.start} is invalid; fix: re-save the file") from None
    utf16 = _utf16_without_bom(data)
    if utf16 is not None:
        try:
            return Decoded(data.decode(utf16), utf16, detected=True)
        except UnicodeDecodeError:
            pass
    if looks_binary(data):
        raise EncodingError(f"{source}: binary content, not a text file; fix: check that this "
                            "is the right file (a text file such as the coordinate TXT)")
    try:
        utf8: str | None = data.decode("utf-8")
    except UnicodeDecodeError:
        utf8 = None
    try:
        gbk: str | None = data.decode("gb18030")
    except UnicodeDecodeError:
        gbk = None
    if utf8 is not None and (has_cjk(utf8) or utf8.isascii() or gbk is None
                             or not plausibly_chinese(gbk)):
        return Decoded(utf8, "utf-8", detected=True)
    if gbk is not None and plausibly_chinese(gbk):
        return Decoded(gbk, "gb18030", detected=True)
    raise EncodingError(f"{source}: text is neither UTF-8, UTF-16 nor GBK/GB18030 (no byte-order "
                        "mark; GBK decoding does not give plausible Chinese); fix: re-save it as "
                        "UTF-8 or pass --encoding with the file's real encoding")

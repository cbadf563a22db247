"""Ids that are what they look like, text that every writer can store.

* **Ids** (the layer's id column and every column naming another feature, ``*_id``) are
  compared as text, so an invisible character or a full-width letter would make a second
  feature that looks like the first (``QF\\u200b-0001`` beside ``QF-0001``). Invisible
  characters (zero-width spaces and joiners, the BOM, soft hyphens, direction marks) are
  removed and the id is put in Unicode NFKC form (``ＱＦ－０００１`` → ``QF-0001``), with a
  warning naming the rows; an id that still holds a control character is refused.
* **Text** keeps its characters except control characters, which no spreadsheet can hold
  (openpyxl refuses them): a vertical tab or form feed (Word's manual line break and page
  break) becomes a line break, any other control character is removed, with a warning.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from layers.registry import LayerSpec
from layers.validation.report import ValidationReport

INVISIBLE = ("\u00ad\u034f\u061c\u115f\u1160\u17b4\u17b5\u180b\u180c\u180d\u180e"
             "\u200b\u200c\u200d\u200e\u200f\u202a\u202b\u202c\u202d\u202e"
             "\u2060\u2061\u2062\u2063\u2064\u2066\u2067\u2068\u2069\u206a\u206b\u206c\u206d"
             "\u206e\u206f\u3164\ufe00\ufe01\ufe02\ufe03\ufe04\ufe05\ufe06\ufe07\ufe08\ufe09"
             "\ufe0a\ufe0b\ufe0c\ufe0d\ufe0e\ufe0f\ufeff\uffa0")
"""Characters that print as nothing (format characters, fillers, variation selectors)."""

_INVISIBLE_RE = re.compile(f"[{INVISIBLE}]")
CONTROL_RE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
"""Control characters a spreadsheet cannot hold (tab, line feed and carriage return can)."""
_LINE_BREAKS_RE = re.compile("[\x0b\x0c]")
_ID_REFUSED_RE = re.compile("[\x00-\x1f\x7f-\x9f]")


def is_id_column(spec: LayerSpec, name: str) -> bool:
    """The layer's id and the columns that name another feature (``parcel_id``, ...)."""
    return name == spec.id_column or name.endswith("_id")


def canonical_id(value: str) -> str:
    """``value`` without invisible characters, in NFKC form, stripped."""
    return unicodedata.normalize("NFKC", _INVISIBLE_RE.sub("", value)).strip()


def clean_text(value: str) -> str:
    """``value`` with vertical tabs and form feeds as line breaks and other control
    characters removed."""
    return CONTROL_RE.sub("", _LINE_BREAKS_RE.sub("\n", value))


def shown(value: str) -> str:
    """``value`` with invisible and control characters written as ``\\uXXXX`` (messages)."""
    return "".join(f"\\u{ord(c):04x}" if _INVISIBLE_RE.match(c) or CONTROL_RE.match(c)
                   else c for c in value)


_CONTROL_RE2 = "[\\x00-\\x08\\x0b\\x0c\\x0e-\\x1f\\x7f-\\x{9f}]"
_INVISIBLE_RE2 = f"[{INVISIBLE}]"


def _suspects(series: pd.Series, *, is_id: bool) -> np.ndarray:
    """Positions of the text cells the rules may change (vectorised in Arrow: 1,000,000
    plain cells cost milliseconds); each is then looked at in Python."""
    try:
        if isinstance(series.dtype, pd.StringDtype):  # Arrow-backed already: no conversion
            arr = pa.array(series.array)
        else:
            arr = pa.array(series.to_numpy(dtype=object), type=pa.large_string(),
                           from_pandas=True)
    except (pa.ArrowInvalid, pa.ArrowTypeError):  # not only text: look at every text cell
        return np.flatnonzero([isinstance(v, str) for v in series])
    if isinstance(arr, pa.ChunkedArray):
        arr = arr.combine_chunks()
    found = np.flatnonzero(pc.match_substring_regex(arr, _CONTROL_RE2).fill_null(False)
                           .to_numpy(zero_copy_only=False))
    if not is_id:
        return found
    # invisible characters and NFKC changes are never ASCII: look only at the other ids
    other = np.flatnonzero(pc.invert(pc.string_is_ascii(arr)).fill_null(False)
                           .to_numpy(zero_copy_only=False))
    if not len(other):
        return found
    rest = arr.take(pa.array(other))
    changed = pc.or_(pc.match_substring_regex(rest, _INVISIBLE_RE2),
                     pc.not_equal(pc.utf8_normalize(rest, form="NFKC"), rest))
    return np.union1d(found, other[changed.fill_null(False).to_numpy(zero_copy_only=False)])


def check_text(frame: pd.DataFrame, spec: LayerSpec, report: ValidationReport,
               labels: Sequence[str]) -> pd.DataFrame:
    """``frame`` with its ids canonical and its text cleaned; warnings for what changed,
    errors for ids that cannot be made plain."""
    out = frame
    for col in spec.columns:
        if col.type != "str" or col.derived or col.name not in frame.columns:
            continue
        series = frame[col.name]
        suspect_rows = _suspects(series, is_id=is_id_column(spec, col.name))
        if not len(suspect_rows):
            continue
        fix = canonical_id if is_id_column(spec, col.name) else clean_text
        changed_from = pd.Series(series.iloc[suspect_rows].to_numpy(dtype=object),
                                 index=suspect_rows, dtype=object)
        changed_to = changed_from.map(fix)
        moved = changed_to.ne(changed_from)
        if is_id_column(spec, col.name):
            refused = changed_to.str.contains(_ID_REFUSED_RE) | changed_to.eq("")
            if refused.any():
                found = [shown(v) for v in changed_from[refused].unique()[:3]]
                report.add("error", f"id {found} holds control characters",
                           "retype the id with letters, digits and - _ . / only",
                           column=col.name,
                           rows=[labels[int(i)] for i in changed_from[refused].index])
            moved &= ~refused
            what = "id(s) normalised (invisible characters removed, full-width → plain)"
        else:
            what = "control characters in text replaced (vertical tab → line break)"
        if not moved.any():
            continue
        if out is frame:
            out = frame.copy()
        column = out[col.name].to_numpy(dtype=object, copy=True)
        column[changed_to[moved].index.to_numpy()] = changed_to[moved].to_numpy()
        out[col.name] = pd.Series(column, index=out.index, dtype=object)
        pairs = [f"'{shown(a)}' → '{shown(b)}'" for a, b in
                 zip(changed_from[moved].unique()[:3], changed_to[moved].unique()[:3],
                     strict=False)]
        report.add("warning", f"{what}: {', '.join(pairs)}",
                   "none needed; retype the value in the source to silence this",
                   column=col.name,
                   rows=[labels[int(i)] for i in changed_from[moved].index])
    return out


def all_digit_ids(series: pd.Series) -> pd.Series:
    """The cells of ``series`` that are ASCII digits only (``"007"``), vectorised in Arrow."""
    try:
        arr = pa.array(series.to_numpy(dtype=object), type=pa.large_string(), from_pandas=True)
    except (pa.ArrowInvalid, pa.ArrowTypeError):
        mask = [isinstance(v, str) and v.isascii() and v.isdigit() for v in series]
        return series[np.asarray(mask, dtype=bool)]
    mask = pc.match_substring_regex(arr, "^[0-9]+$").fill_null(False)
    return series[mask.to_numpy(zero_copy_only=False)]


def _unpadded(value: str) -> str | None:
    """``"7"`` for ``"007"`` (digits only); ``None`` for an id that is not all digits."""
    return value.lstrip("0") or "0" if value.isdigit() and value.isascii() else None


def leading_zero_clashes(ids: Iterable[object],
                         existing: Iterable[object] = ()) -> list[tuple[str, str]]:
    """Pairs of different all-digit ids that are equal without their leading zeros
    (``("7", "007")``): what a spreadsheet makes of ``007`` when it reads it as a number.

    Within ``ids`` when ``existing`` is empty; else each id of ``ids`` against ``existing``.
    """
    texts = [str(v) for v in ids if isinstance(v, str)]
    others = [str(v) for v in existing if isinstance(v, str)] if existing else texts
    by_number: dict[str, set[str]] = {}
    for value in others:
        key = _unpadded(value)
        if key is not None:
            by_number.setdefault(key, set()).add(value)
    clashes: set[tuple[str, str]] = set()
    for value in texts:
        key = _unpadded(value)
        for other in by_number.get(key, ()) if key is not None else ():
            if other != value and (existing or (other, value) not in clashes):
                clashes.add((value, other))
    return sorted(clashes)

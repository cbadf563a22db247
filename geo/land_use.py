"""Land-use codes as a hierarchy: a code's parent is any shorter code it starts with
(``1001`` 工业用地 is the parent of ``100102`` 三类工业用地, GB/T 21010 / 国土空间调查分类).

A query for a parent matches its children and a query for a child matches a parcel recorded
only with the parent (the parcel *may* be that child), so matching goes both ways.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import numpy as np


def related(code: str, other: str) -> bool:
    """Whether two codes are the same, or one is the parent of the other."""
    return code.startswith(other) or other.startswith(code)


def matches(codes: Sequence[object], wanted: Iterable[str]) -> np.ndarray:
    """For each parcel code, whether it is related to any of ``wanted`` (blank codes never
    match).

    Parameters
    ----------
    codes : the parcels' land-use codes.
    wanted : the requested codes (parents or children).
    """
    wanted = tuple(str(w) for w in wanted)
    distinct = {c for c in codes if isinstance(c, str)}
    ok = {c for c in distinct if any(related(c, w) for w in wanted)}
    return np.fromiter((c in ok for c in codes), dtype=bool, count=len(codes))


def combine(chosen: Iterable[str], needed: Iterable[str]) -> tuple[str, ...]:
    """The codes that satisfy both lists: for each related pair, the narrower (longer) code.

    An empty result means the two lists have nothing in common.
    """
    out: list[str] = []
    for a in map(str, chosen):
        for b in map(str, needed):
            if related(a, b):
                narrower = a if len(a) >= len(b) else b
                if narrower not in out:
                    out.append(narrower)
    return tuple(out)

"""A row of a layer frame by its id in O(1): the parcel card looks up one parcel (and its
availability verdict) per map click, and a comparison over the whole id column costs a
second at a million parcels.

:func:`row_index` builds an id → position index of a frame's id column once per frame
object and keeps it while the frame lives (frames of the loaded county are never modified
in place: an edit makes a new county). Ids are compared as text, and a repeated id gives
its first row, as ``frame[frame[column].astype(str) == str(value)].iloc[0]`` would.
"""

from __future__ import annotations

import functools
import threading
import weakref

import numpy as np
import pandas as pd


class RowIndex:
    """Positions of a frame's rows by the text of one id column (first row of each id).

    Parameters
    ----------
    values : the id column.
    """

    def __init__(self, values: pd.Series) -> None:
        ids = pd.Index(values.astype(str).to_numpy(dtype=object), dtype=object)
        first = ~ids.duplicated(keep="first")
        self._ids = ids[first]
        self._positions = np.flatnonzero(first)
        self.length = len(values)
        self._ids.is_unique  # noqa: B018 - builds the hash table now, not on the first lookup

    def position(self, value: object) -> int | None:
        """Row position of the first row whose id is ``str(value)``; ``None`` when none."""
        try:
            at = self._ids.get_loc(str(value))
        except KeyError:
            return None
        return int(self._positions[at])


_INDEXES: dict[tuple[int, str], tuple[weakref.ref[pd.DataFrame], RowIndex]] = {}
_LOCK = threading.Lock()


def row_index(frame: pd.DataFrame, column: str) -> RowIndex:
    """The :class:`RowIndex` of ``frame[column]``, built on first use and kept as long as
    ``frame`` lives (rebuilt if its length changed).

    Raises
    ------
    KeyError
        ``column`` is not a column of ``frame``.
    """
    key = (id(frame), column)
    with _LOCK:
        kept = _INDEXES.get(key)
    if kept is not None and kept[1].length == len(frame) and kept[0]() is frame:
        return kept[1]
    index = RowIndex(frame[column])
    ref = weakref.ref(frame, functools.partial(_forget, key))
    with _LOCK:
        _INDEXES[key] = (ref, index)
    return index


def row_of(frame: pd.DataFrame, column: str, value: object) -> pd.Series | None:
    """The first row of ``frame`` whose ``column`` reads ``str(value)``; ``None`` when none."""
    at = row_index(frame, column).position(value)
    return None if at is None else frame.iloc[at]


def _forget(key: tuple[int, str], ref: weakref.ref[pd.DataFrame]) -> None:
    with _LOCK:
        if key in _INDEXES and _INDEXES[key][0] is ref:
            del _INDEXES[key]

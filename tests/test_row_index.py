"""layers.row_index: a row by its id in O(1), same answers as comparing the whole column."""

from __future__ import annotations

import gc

import pandas as pd
import pytest

from layers import row_index as ri
from layers.row_index import RowIndex, row_index, row_of


@pytest.fixture
def frame() -> pd.DataFrame:
    # ids as a store gives them: text, a repeated id, a number
    return pd.DataFrame({"parcel_id": ["P1", "P2", "P1", 7],
                         "area_mu": [15.0, 30.0, 45.0, 60.0]},
                        index=[10, 20, 30, 40])


def test_positions_by_text_first_row_wins(frame):
    index = RowIndex(frame["parcel_id"])
    assert index.position("P1") == 0  # rows 0 and 2 are P1: the first
    assert index.position("P2") == 1
    assert index.position(7) == 3 and index.position("7") == 3  # compared as text
    assert index.position("P3") is None


def test_row_of_is_the_row_a_full_comparison_finds(frame):
    for pid in ("P1", "P2", "7"):
        old = frame[frame["parcel_id"].astype(str) == pid].iloc[0]
        pd.testing.assert_series_equal(row_of(frame, "parcel_id", pid), old)
    assert row_of(frame, "parcel_id", "nope") is None
    assert row_of(frame, "parcel_id", "P1")["area_mu"] == 15.0
    assert row_of(frame, "parcel_id", "P1").name == 10  # the frame's own index label


def test_kept_per_frame_object_and_rebuilt_when_the_length_changes(frame):
    first = row_index(frame, "parcel_id")
    assert row_index(frame, "parcel_id") is first  # built once
    other = frame.iloc[[1, 0]]  # another frame: P2 now comes first
    assert row_index(other, "parcel_id").position("P2") == 0
    assert row_index(frame, "parcel_id").position("P2") == 1
    frame.loc[50] = ["P9", 75.0]
    assert row_index(frame, "parcel_id") is not first
    assert row_of(frame, "parcel_id", "P9")["area_mu"] == 75.0
    with pytest.raises(KeyError):
        row_index(frame, "no_such_column")


def test_forgotten_with_its_frame():
    frame = pd.DataFrame({"parcel_id": ["A"]})
    row_index(frame, "parcel_id")
    key = (id(frame), "parcel_id")
    assert key in ri._INDEXES
    del frame
    gc.collect()
    assert key not in ri._INDEXES

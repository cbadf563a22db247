"""Per-distinct formatting of display columns: the same text as one call per cell."""

from __future__ import annotations

import numpy as np
import pandas as pd

from webmap.display import display_text, member_of, per_distinct
from webmap.features import redline_text


def test_per_distinct_equals_per_cell_formatting():
    cells = pd.Series(["a<b", "a<b", None, 2.5, 2.5, float("nan"), "x", pd.NaT,
                       pd.Timestamp("2026-01-02"), 1234.5], dtype=object)
    expected = [display_text(None if pd.isna(v) else v) for v in cells]
    assert list(per_distinct(cells, display_text)) == expected
    assert expected[0] == "a&lt;b" and expected[2] == "" and expected[-1] == "1,234.50"


def test_per_distinct_calls_once_per_value_and_handles_lists():
    calls: list[object] = []

    def fn(value: object) -> str:
        calls.append(value)
        return "" if value is None else "+".join(value)

    cells = [["water", "power"], ["water", "power"], None, ["road"]]
    assert list(per_distinct(cells, fn)) == ["water+power", "water+power", "", "road"]
    assert len(calls) == 3  # two distinct lists and the missing value


def test_member_of_matches_python_membership():
    ids = np.array([f"P{i}" for i in range(1000)], dtype=object)
    wanted = {"P3", "P999", "Q1"}
    mask = member_of(ids, wanted)
    assert mask.tolist() == [i in wanted for i in ids]


def test_redline_text_per_parcel():
    av = pd.DataFrame({"parcel_id": ["A", "B", "C"], "available": [True, False, False],
                       "reasons_zh": ["", "压占生态保护红线 2.0 亩", None],
                       "reasons_en": ["", "2.0 mu in ecological red line", None]})
    assert list(redline_text(av, ["A", "B", "C", "Z"], "zh")) == [
        "可供应", "暂不可供应: 压占生态保护红线 2.0 亩", "暂不可供应", ""]
    assert list(redline_text(av, ["B"], "en")) == [
        "Not available now: 2.0 mu in ecological red line"]
    assert list(redline_text(None, ["A"], "zh")) == [""]

"""Texts built once per distinct value equal Python's own formatting, row by row."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from geo.verdict_text import fixed, join, per_distinct, percent

FLOATS = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True),
    st.floats(-1e6, 1e6),
    st.sampled_from([0.125, 1.005, 2.675, -0.004, -0.0, 0.0, 0.005, 0.015, 1e-9, 0.9995,
                     0.00049999, 0.0005, 12.345, 0.3049, 1234567.125]),
)


@settings(max_examples=300, deadline=None)
@given(values=st.lists(FLOATS, max_size=40), decimals=st.integers(0, 3))
def test_fixed_and_percent_equal_python_format(values, decimals):
    arr = np.array(values, dtype="float64")
    assert fixed(arr, decimals).tolist() == [format(v, f".{decimals}f") for v in values]
    assert percent(arr, decimals).tolist() == [format(v, f".{decimals}%") for v in values]


def test_join_and_per_distinct():
    mu = np.array([1.0, 2.5])
    assert join("与红线重叠 ", fixed(mu, 2), " 亩").tolist() == ["与红线重叠 1.00 亩",
                                                             "与红线重叠 2.50 亩"]
    calls: list[object] = []

    def text(v: object) -> str:
        calls.append(v)
        return f"<{v}>"

    values = np.array(["a", "b", "a", None, np.nan, None], dtype=object)
    assert per_distinct(values, text).tolist() == ["<a>", "<b>", "<a>", "<None>", "<nan>",
                                                   "<None>"]
    assert len(calls) == 4  # a, b, None, NaN: once each

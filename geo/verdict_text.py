"""Texts for many rows without formatting each row: numbers formatted once per distinct
rounded value, pieces joined by numpy's string ufuncs.

:func:`fixed` gives exactly what Python's ``format(value, ".2f")`` gives (``percent``: what
``format(value, ".1%")`` gives): the value is rounded to the shown digits with numpy, each
distinct rounded number is formatted once, and the few values lying within floating-point
noise of a rounding tie, and any NaN or infinity, are formatted by Python itself.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd

TEXT = np.dtypes.StringDType()
"""numpy's variable-width string dtype: the arrays the string ufuncs work on."""

TIE_SLACK = 1e-6
"""Values this close (in units of the last shown digit) to a rounding tie go to Python."""


def fixed(values: np.ndarray, decimals: int) -> np.ndarray:
    """``format(v, f".{decimals}f")`` for every value (a :data:`TEXT` array)."""
    values = np.asarray(values, dtype="float64")
    out = np.empty(len(values), dtype=TEXT)
    scaled = values * 10.0 ** decimals
    finite = np.isfinite(scaled) & (np.abs(scaled) < 2.0 ** 52)
    frac = scaled - np.floor(scaled)
    near_tie = finite & (np.abs(frac - 0.5) < TIE_SLACK)
    clear = finite & ~near_tie
    steps = np.floor(scaled[clear] + 0.5)
    # -0.004 shows as "-0.00" (Python keeps the sign): a key no whole number can take
    steps[(steps == 0) & np.signbit(values[clear])] = -0.5
    distinct, inverse = np.unique(steps, return_inverse=True)
    texts = np.array([format(-0.0 if s == -0.5 else s / 10.0 ** decimals, f".{decimals}f")
                      for s in distinct.tolist()], dtype=TEXT)
    out[clear] = texts[inverse.reshape(-1)]
    for i in np.flatnonzero(~clear):
        out[i] = format(float(values[i]), f".{decimals}f")
    return out


def percent(values: np.ndarray, decimals: int = 1) -> np.ndarray:
    """``format(v, f".{decimals}%")`` for every value (Python multiplies by 100 first, too)."""
    return np.strings.add(fixed(np.asarray(values, dtype="float64") * 100.0, decimals), "%")


def join(*parts: str | np.ndarray) -> np.ndarray:
    """Concatenate texts and text arrays element-wise (a :data:`TEXT` array)."""
    arrays = [p if isinstance(p, str) else np.asarray(p).astype(TEXT) for p in parts]
    out = arrays[0] if not isinstance(arrays[0], str) else None
    if out is None:
        first_array = next(a for a in arrays if not isinstance(a, str))
        out = np.full(len(first_array), arrays[0], dtype=TEXT)
    for piece in arrays[1:]:
        out = np.strings.add(out, piece)
    return out


def per_distinct(values: np.ndarray, func: Callable[[object], str]) -> np.ndarray:
    """``func(v)`` for every value of one type (codes, ids), called once per distinct value
    (a :data:`TEXT` array); missing values are passed as they are, once per kind (None, NaN)."""
    values = np.asarray(values, dtype=object)
    codes, uniques = pd.factorize(values, use_na_sentinel=True)
    texts = np.empty(len(uniques), dtype=TEXT)
    texts[:] = [func(u) for u in uniques]
    out = np.empty(len(values), dtype=TEXT)
    found = codes >= 0
    out[found] = texts[codes[found]]
    by_kind: dict[type, list[int]] = {}
    for i in np.flatnonzero(~found).tolist():
        by_kind.setdefault(type(values[i]), []).append(i)
    for rows in by_kind.values():
        out[rows] = func(values[rows[0]])
    return out

"""The vectorised value checks give exactly what the per-value checks they replaced gave.

``_reference_*`` below are the per-value implementations as they were before issue 15 (the
oracle); hypothesis feeds both the same columns — text with odd whitespace and blank
spellings, numbers, dates, booleans, lists and mixed objects — and every result, including
where a value is NaN rather than None, must agree.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import shapely
from hypothesis import given, settings
from hypothesis import strategies as st
from pyproj import CRS

from layers.registry import Column
from layers.validation.values import PY_WHITESPACE, _coerce, _is_blank


def _reference_is_blank(series: pd.Series) -> pd.Series:
    return series.isna() | series.astype(str).str.strip().isin(["", "nan", "None", "NaT"])


def _reference_as_text(value: object) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _reference_as_list(value: object) -> list[str]:
    if isinstance(value, list | tuple | np.ndarray):
        return [str(v).strip() for v in value if str(v).strip()]
    text = str(value)
    for sep in (";", "；", "、", "，", "|"):
        text = text.replace(sep, ",")
    return [part.strip() for part in text.split(",") if part.strip()]


def _reference_date_number(value: object) -> pd.Timestamp | None:
    """Issue 27: a number in a date cell is a year, a YYYYMMDD day or an Excel serial."""
    if isinstance(value, pd.Timestamp) or value is None:
        return None
    try:
        x = float(value.strip() if isinstance(value, str) else value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None
    if not np.isfinite(x):
        return pd.NaT
    if x.is_integer() and 1900 <= x <= 2100:
        return pd.Timestamp(year=int(x), month=1, day=1)
    if x.is_integer() and 19000101 <= x <= 21001231:
        return pd.to_datetime(str(int(x)), format="%Y%m%d", errors="coerce")
    if 1 <= x <= 73050:
        return pd.Timestamp("1899-12-30") + pd.Timedelta(days=int(x // 1))
    return pd.NaT


def _reference_dates(series: pd.Series) -> pd.Series:
    """Issue 27: numeric cells by the number rules; a text column as dates first and by the
    number rules only where a text is no date; mixed cells: numbers as numbers, the rest as
    text dates."""
    out = pd.Series(pd.NaT, index=series.index, dtype="datetime64[us]")
    cells = list(series)
    if series.dtype.kind in "biuf":
        numbers = [i for i, v in enumerate(cells) if not pd.isna(v)]
    elif all(isinstance(v, str) or v is None or v is pd.NA or (isinstance(v, float)
                                                                and np.isnan(v))
             for v in cells):
        if len(series):
            out[:] = pd.to_datetime(series, errors="coerce")
        numbers = [i for i, v in enumerate(cells) if isinstance(v, str) and pd.isna(out.iloc[i])
                   and _reference_date_number(v) is not None]
    else:
        numbers = [i for i, v in enumerate(cells) if isinstance(v, int | float | np.number)
                   and not isinstance(v, bool) and not pd.isna(v)]
        rest = [i for i, v in enumerate(cells) if i not in numbers]
        if rest:
            out.iloc[rest] = pd.to_datetime(series.iloc[rest], errors="coerce")
    for i in numbers:
        out.iloc[i] = _reference_date_number(cells[i])
    return out


def _reference_coerce(series: pd.Series, col: Column) -> tuple[pd.Series, pd.Series]:
    blank = _reference_is_blank(series)
    if col.type == "str":
        values = series.map(_reference_as_text).where(~blank, None)
        return values.astype(object), pd.Series(False, index=series.index)
    if col.type in ("float", "int"):
        values = pd.to_numeric(series.where(~blank), errors="coerce")
        bad = values.isna() & ~blank
        if col.type == "int":
            frac = values.notna() & (values % 1 != 0)
            bad |= frac
            return values.round().astype("Int64"), bad
        return values.astype("float64"), bad
    if col.type == "date":
        values = _reference_dates(series.where(~blank))
        return values, values.isna() & ~blank
    if col.type == "bool":
        mapping = {"true": True, "1": True, "yes": True, "是": True, "y": True,
                   "false": False, "0": False, "no": False, "否": False, "n": False}
        values = series.map(lambda v: mapping.get(str(v).strip().lower()) if v is not None
                            else None)
        values = values.where(~blank, False)
        return values.astype("boolean"), values.isna() & ~blank
    values = series.map(_reference_as_list).where(~blank, None)
    values = values.map(lambda v: v if isinstance(v, list) else [])
    return values, pd.Series(False, index=series.index)


SPACES = st.sampled_from(["", " ", "\t", "\u3000", "\xa0", "\x1c", "\n", "\u2029"])
WORDS = st.sampled_from(["", "nan", "None", "NaT", "available", "是", "否", "yes", "N",
                         "1", "0", "3.0", "2.5", "-4", "1e3", "2024-05-01", "2024/5/1",
                         "x", "road,power", "水；电、路", "公园 A", "TRUE", "1001"])
TEXT = st.builds(lambda a, w, b: a + w + b, SPACES, WORDS, SPACES)
MISSING = st.sampled_from([None, np.nan])
SCALARS = st.one_of(TEXT, MISSING, st.integers(-5, 5), st.booleans(),
                    st.floats(allow_nan=True, allow_infinity=False, width=64),
                    st.sampled_from([3.0, -0.0, 1e20, 0.1, 2.5]))
COLUMNS = [Column("c", kind, "列", "column") for kind in
           ("str", "float", "int", "date", "bool", "list")]


def _series(draw_kind: str, values: list) -> pd.Series:  # noqa: ANN001
    if draw_kind == "str-dtype":
        return pd.Series([v if isinstance(v, str) else None for v in values], dtype="str")
    if draw_kind == "object-text":
        return pd.Series([v if isinstance(v, str) else None for v in values], dtype=object)
    if draw_kind == "float64":
        return pd.Series([float(v) if isinstance(v, int | float) and not isinstance(v, bool)
                          else np.nan for v in values], dtype="float64")
    if draw_kind == "int64":
        return pd.Series([v if isinstance(v, int) and not isinstance(v, bool) else 7
                          for v in values], dtype="int64")
    if draw_kind == "bool":
        return pd.Series([bool(v) for v in values], dtype=bool)
    if draw_kind == "datetime":
        return pd.Series(pd.to_datetime(["2024-01-02" if i % 3 else None
                                         for i in range(len(values))]))
    return pd.Series(values, dtype=object)  # mixed objects


def _assert_same(got: pd.Series, want: pd.Series) -> None:
    if got.dtype.kind == "M":  # dates: the unit pandas picks is not part of the contract
        got, want = got.astype("datetime64[us]"), want.astype("datetime64[us]")
    assert got.dtype == want.dtype
    assert got.index.equals(want.index)
    if got.dtype == object:
        for a, b in zip(got.tolist(), want.tolist(), strict=True):
            if isinstance(b, float) and np.isnan(b):
                assert isinstance(a, float) and np.isnan(a)
            else:
                assert a == b and type(a) is type(b)
    else:
        pd.testing.assert_series_equal(got, want)


@settings(max_examples=300, deadline=None)
@given(kind=st.sampled_from(["str-dtype", "object-text", "float64", "int64", "bool",
                             "datetime", "mixed"]),
       values=st.lists(SCALARS, min_size=0, max_size=12),
       col=st.sampled_from(COLUMNS))
def test_coerce_matches_the_per_value_reference(kind, values, col):  # noqa: ANN001
    series = _series(kind, values)
    pd.testing.assert_series_equal(_is_blank(series), _reference_is_blank(series),
                                   check_dtype=False)
    try:
        want, want_bad = _reference_coerce(series, col)
    except (TypeError, ValueError) as exc:  # e.g. 9.2e18 does not fit Int64: same refusal
        with pytest.raises(type(exc)):
            _coerce(series, col)
        return
    got, got_bad = _coerce(series, col)
    _assert_same(got, want)
    assert got_bad.tolist() == want_bad.tolist()


def test_lists_of_items_and_real_lists():
    series = pd.Series(["road, power", ["water", " gas "], None, "  "], dtype=object)
    got, _ = _coerce(series, Column("u", "list", "设施", "utilities"))
    assert got.tolist() == [["road", "power"], ["water", "gas"], [], []]
    same = pd.Series(["a,b", "a,b"], dtype="str")
    first, second = _coerce(same, Column("u", "list", "设施", "utilities"))[0]
    assert first == second and first is not second  # one list per row, never shared


def test_whitespace_list_is_what_python_strips():
    assert PY_WHITESPACE == "".join(chr(c) for c in range(0x110000) if chr(c).isspace())


def _reference_working_crs(frame):  # noqa: ANN001, ANN202 - the rule before issue 15
    from geo.crs import working_crs_for_lonlat

    present = frame.geometry[~(frame.geometry.is_empty | frame.geometry.isna())]
    lonlat = present.to_crs(4490)
    lon = float(np.nanmean(shapely.get_coordinates(lonlat.values.envelope)[:, 0]))
    return working_crs_for_lonlat(lon)


@settings(max_examples=60, deadline=None)
@given(west=st.floats(100.0, 120.0), width=st.floats(0.0005, 4.0), n=st.integers(1, 30),
       seed=st.integers(0, 2**16), source=st.sampled_from([4490, 4546, 4548]))
def test_auto_working_crs_matches_reprojecting_every_polygon(west, width, n, seed, source):
    import geopandas as gpd

    from layers.validation.geometry import auto_working_crs as _auto_working_crs

    rng = np.random.default_rng(seed)
    x = west + rng.random(n) * width
    y = 30 + rng.random(n)
    boxes = shapely.box(x, y, x + 0.002, y + 0.002)
    frame = gpd.GeoDataFrame(geometry=gpd.GeoSeries(boxes, crs=4490)).to_crs(source)
    assert _auto_working_crs(frame) == _reference_working_crs(frame)


def test_auto_working_crs_across_a_zone_edge_takes_the_mean():
    import geopandas as gpd

    from layers.validation.geometry import auto_working_crs as _auto_working_crs

    # zone 36/37 edge at 109.5°E: three plots west of it, one east → the mean is west (zone 36)
    lons = [109.30, 109.32, 109.34, 109.60]
    frame = gpd.GeoDataFrame(geometry=gpd.GeoSeries(
        [shapely.box(x, 30, x + 0.01, 30.01) for x in lons], crs=4490))
    assert _auto_working_crs(frame).to_epsg() == 4545
    frame = gpd.GeoDataFrame(geometry=gpd.GeoSeries(
        [shapely.box(x, 30, x + 0.01, 30.01) for x in [109.4, 109.7, 109.8, 109.9]], crs=4490))
    assert _auto_working_crs(frame).to_epsg() == 4546


@pytest.mark.parametrize("chunk", [1, 3, 50_000])
def test_chunked_checks_give_the_answers_of_the_whole_layer(monkeypatch, chunk):
    """Vertex checks and the two-zone working-CRS mean run a chunk of features at a time
    (bounded memory); any chunk size gives the same rows and the same zone."""
    import geopandas as gpd

    import layers.validation.geometry as lv
    from layers.validation.geometry import _check_coordinates
    from layers.validation.geometry import auto_working_crs as _auto_working_crs
    from layers.validation.report import ValidationReport

    monkeypatch.setattr(lv, "COORDINATE_CHUNK", chunk)
    lons = [109.30, 109.32, 109.34, 109.60, 109.36, 109.31, 109.33]  # across 109.5°E
    frame = gpd.GeoDataFrame(geometry=gpd.GeoSeries(
        [shapely.box(x, 30, x + 0.01, 30.01) for x in lons], crs=4490))
    assert _auto_working_crs(frame) == _reference_working_crs(frame)
    geoms = np.array([shapely.box(0, 0, 1, 1), shapely.Point(float("nan"), 2),
                      shapely.box(0, 0, 1, 1), shapely.LineString([(0, 0), (2e9, 1)]),
                      shapely.box(0, 0, 1, 1), shapely.Point(float("inf"), 3e9),
                      shapely.box(5e9, 0, 5e9 + 1, 1)], dtype=object)
    report = ValidationReport(source="t", layer="parcel")
    labels = [f"row {i}" for i in range(len(geoms))]
    _check_coordinates(geoms, np.ones(len(geoms), bool), CRS(4547), report, labels)
    finite, beyond = report.errors
    assert "not a finite number" in finite.message and finite.rows == ("row 1", "row 5")
    assert "beyond" in beyond.message and beyond.rows == ("row 3", "row 6")

"""Numbers and dates that read but make no sense are refused, naming the unit (issue 27)."""

from __future__ import annotations

import geopandas as gpd
import pandas as pd
import pytest
import shapely

from layers.validate import ValidationError, validate_layer
from layers.validation.dates import as_dates


def _projects(**columns: list) -> gpd.GeoDataFrame:
    n = len(next(iter(columns.values())))
    frame = pd.DataFrame({"project_id": [f"P{i}" for i in range(n)], "name": "x",
                          "stage": "signed", **columns})
    return gpd.GeoDataFrame(frame, geometry=[shapely.Point(111, 38.9)] * n, crs=4490)


def _errors(frame: pd.DataFrame, layer: str = "project") -> list[str]:
    try:
        validate_layer(frame, layer, source="t.csv")
    except ValidationError as exc:
        return [p.format("t.csv") for p in exc.report.errors]
    return []


@pytest.mark.parametrize(("column", "value", "needle"), [
    ("investment_wan", "inf", "not a finite number"),
    ("investment_wan", "-inf", "not a finite number"),
    ("investment_wan", 2e7, "outside the plausible range 0–10,000,000 万元 / 10k CNY"),
])
def test_numbers_must_be_finite_and_plausible(column, value, needle):
    errors = _errors(_projects(**{column: [1.0, value]}))
    assert len(errors) == 1 and needle in errors[0] and "feature 2" in errors[0]


def test_enterprise_land_inf_is_refused_with_its_unit():
    frame = pd.DataFrame({"enterprise_id": ["E1"], "name": ["a"], "scale": ["above"],
                          "land_mu": [float("inf")], "employees": ["inf"]})
    errors = _errors(frame, "enterprise")
    assert any("land_mu" in e and "亩 / mu" in e and "finite" in e for e in errors)
    assert any("employees" in e for e in errors)


def test_plausible_values_pass():
    assert _errors(_projects(investment_wan=[0.0, 9_999_999.0])) == []


@pytest.mark.parametrize(("cells", "want"), [
    ([45292], "2024-01-01"),             # Excel serial
    ([45292.75], "2024-01-01"),          # serial with a time of day
    (["45292"], "2024-01-01"),           # the serial as text (CSV)
    ([2024], "2024-01-01"),              # a year
    ([20240115], "2024-01-15"),          # YYYYMMDD
    (["2024-03-05"], "2024-03-05"),
])
def test_dates_from_spreadsheet_numbers(cells, want):
    series = pd.Series(cells, dtype=object)
    dates, bad = as_dates(series, pd.Series(False, index=series.index))
    assert not bad.any() and dates.iloc[0] == pd.Timestamp(want)


def test_a_serial_never_becomes_1970():
    frame = _projects(signed_date=[45292])
    out, _ = validate_layer(frame, "project", source="t.xlsx")
    assert out["signed_date"].iloc[0] == pd.Timestamp("2024-01-01")


def test_dates_outside_the_plausible_range_are_refused():
    errors = _errors(_projects(signed_date=["1850-01-01"]))
    assert len(errors) == 1 and "outside 1900-01-01" in errors[0]


def test_milestones_out_of_order_are_refused():
    errors = _errors(_projects(signed_date=["2024-05-01", "2024-05-01"],
                               start_date=[None, "2024-06-01"],
                               completion_date=["2024-04-01", "2025-01-01"]))
    assert len(errors) == 1
    assert "feature 1" in errors[0] and "竣工日期" in errors[0] and "签约日期" in errors[0]

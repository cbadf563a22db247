"""The province benchmark's answer comparison: it must call a wrong Dask answer wrong."""

from __future__ import annotations

import pandas as pd

from bench.bench_dask import same_availability, same_table


def _availability() -> pd.DataFrame:
    return pd.DataFrame({"parcel_id": ["A", "B", "C"], "area_mu": [15.0, 30.0, 7.5],
                         "overlap_mu_eco": [0.0, 1.5, 0.0], "available": [True, False, True],
                         "reasons": ["", "eco", ""]})


def test_same_availability_in_any_order(tmp_path):
    local = _availability()
    local.to_parquet(tmp_path / "local.parquet")
    local.iloc[::-1].to_parquet(tmp_path / "dask.parquet")
    assert same_availability(tmp_path / "local.parquet", tmp_path / "dask.parquet") == "identical"


def test_wrong_verdict_overlap_or_missing_parcel_is_reported(tmp_path):
    _availability().to_parquet(tmp_path / "local.parquet")
    for column, value, word in (("available", False, "available"),
                                ("overlap_mu_eco", 1.5001, "overlap_mu_eco")):
        wrong = _availability()
        wrong.loc[2, column] = value
        wrong.to_parquet(tmp_path / "dask.parquet")
        got = same_availability(tmp_path / "local.parquet", tmp_path / "dask.parquet")
        assert got.startswith("WRONG") and word in got
    _availability().iloc[:2].to_parquet(tmp_path / "dask.parquet")
    assert same_availability(tmp_path / "local.parquet",
                             tmp_path / "dask.parquet").startswith("WRONG")


def test_same_table_compares_aggregates_by_park(tmp_path):
    local = pd.DataFrame({"park_id": ["P01", "P02"], "tax_per_mu": [3.25, 1.5]})
    local.to_parquet(tmp_path / "local.parquet")
    local.iloc[::-1].to_parquet(tmp_path / "dask.parquet")
    assert same_table(tmp_path / "local.parquet", tmp_path / "dask.parquet") == "identical"
    local.assign(tax_per_mu=[3.25, 1.6]).to_parquet(tmp_path / "dask.parquet")
    assert same_table(tmp_path / "local.parquet", tmp_path / "dask.parquet").startswith("WRONG")

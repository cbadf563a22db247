"""Column subsets and the validated-county cache (issue 15): a command reads only what it
needs, and a second run with unchanged files, policy and columns skips validation."""

from __future__ import annotations

import os
import shutil
import time

import pandas as pd
import pytest

from data import get_path
from layers import county_cache
from layers.county import load_county
from layers.policy import load_policy
from layers.supply import AVAILABILITY_COLUMNS

LAYERS = ("parcel", "redline")


@pytest.fixture()
def county_file(tmp_path, monkeypatch):
    """A copy of the demo county, last modified a minute ago, and a private cache folder."""
    path = tmp_path / "county.gpkg"
    shutil.copy(get_path("demo"), path)
    _age(path)
    monkeypatch.setenv(county_cache.CACHE_ENV, str(tmp_path / "cache"))
    return path


def _age(path, seconds: float = 60.0) -> None:
    past = time.time() - seconds
    os.utime(path, (past, past))


def _key(path, columns=None):  # noqa: ANN001, ANN202
    return county_cache.entry_key({name: path for name in LAYERS}, policy=load_policy(),
                                  columns=columns)


def test_only_the_asked_columns_are_read_and_they_equal_a_full_load(county_file):
    full = load_county(county_file, layers=LAYERS, cache=False)
    narrow = load_county(county_file, layers=LAYERS, columns=AVAILABILITY_COLUMNS, cache=False)
    parcels = narrow["parcel"]
    assert set(parcels.columns) == {*AVAILABILITY_COLUMNS["parcel"], "geometry"}
    assert set(narrow["redline"].columns) == {*AVAILABILITY_COLUMNS["redline"], "geometry"}
    pd.testing.assert_frame_equal(parcels, full["parcel"][parcels.columns])
    assert narrow.crs == full.crs


def test_a_second_load_comes_from_the_cache(county_file):
    assert county_cache.load(*_key(county_file)) is None
    first = load_county(county_file, layers=LAYERS)
    entry = county_cache.load(*_key(county_file))
    assert entry is not None
    second = load_county(county_file, layers=LAYERS)
    pd.testing.assert_frame_equal(second["parcel"], first["parcel"])
    assert second.reports["parcel"].n_features == first.reports["parcel"].n_features
    # a different column subset is a different entry
    assert county_cache.load(*_key(county_file, AVAILABILITY_COLUMNS)) is None


def test_any_change_to_the_file_invalidates_the_entry(county_file):
    from layers.store import open_store

    first = load_county(county_file, layers=LAYERS)
    pid = first["parcel"]["parcel_id"].iloc[0]
    assert first["parcel"]["price_wan_per_mu"].iloc[0] != 99.0
    with open_store(county_file) as store:  # the staff edit path: WAL, then checkpoint
        store.edit("parcel", pid, {"price_wan_per_mu": "99"}, user="t", role="admin",
                   reason="cache test")
    for path in county_file.parent.glob("county.gpkg*"):
        _age(path, 30.0)
    again = load_county(county_file, layers=LAYERS)
    assert again["parcel"].set_index("parcel_id").loc[pid, "price_wan_per_mu"] == 99.0


def test_a_file_changed_just_now_is_not_cached(county_file):
    os.utime(county_file, None)
    assert _key(county_file) is None
    load_county(county_file, layers=LAYERS)
    assert not list((county_file.parent / "cache").glob("*.pkl"))


def test_a_changed_policy_misses(county_file, tmp_path):
    load_county(county_file, layers=LAYERS)
    text = (get_path("demo").parent / "policy.yaml").read_text(encoding="utf-8")
    assert "tolerance_mu" in text
    changed = tmp_path / "policy.yaml"
    changed.write_text(text.replace("tolerance_mu:", "tolerance_mu: 0.02 #", 1),
                       encoding="utf-8")
    other = load_policy(changed)
    key = county_cache.entry_key({n: county_file for n in LAYERS}, policy=other, columns=None)
    assert key is not None and county_cache.load(*key) is None


def test_disabled_or_open_folder_caches_nothing(county_file, tmp_path, monkeypatch):
    monkeypatch.setenv(county_cache.CACHE_ENV, "off")
    load_county(county_file, layers=LAYERS)
    assert county_cache.load(*_key(county_file)) is None
    shared = tmp_path / "shared"
    shared.mkdir(mode=0o777)
    shared.chmod(0o777)
    monkeypatch.setenv(county_cache.CACHE_ENV, str(shared))
    load_county(county_file, layers=LAYERS)
    assert not list(shared.iterdir())


def test_a_damaged_entry_is_a_miss_and_gets_replaced(county_file):
    load_county(county_file, layers=LAYERS)
    (entry,) = (county_file.parent / "cache").glob("*.pkl")
    entry.write_bytes(entry.read_bytes()[:200])
    assert county_cache.load(*_key(county_file)) is None
    load_county(county_file, layers=LAYERS)
    assert county_cache.load(*_key(county_file)) is not None


def test_an_unknown_column_is_named_with_the_valid_ones(county_file):
    with pytest.raises(KeyError, match="no column 'price'.*price_wan_per_mu"):
        load_county(county_file, layers=LAYERS, columns={"parcel": ["price"]}, cache=False)


def test_a_narrow_validation_still_reports_a_bad_value(tmp_path):
    import geopandas as gpd
    import shapely

    from layers.validate import ValidationError, validate_layer

    square = shapely.box(500_000, 4_300_000, 500_100, 4_300_100)  # 100 m × 100 m = 15 亩
    frame = gpd.GeoDataFrame({"parcel_id": ["A", "B"], "status": ["available", "sold"],
                              "land_use": ["1001", "1001"], "notes": ["x", "y"]},
                             geometry=[square, shapely.affinity.translate(square, 200)],
                             crs=4546)
    with pytest.raises(ValidationError, match="feature 2, column 'status'"):
        validate_layer(frame, "parcel", source="t", columns=["status", "land_use"])
    frame.loc[1, "status"] = "available"
    out, _ = validate_layer(frame, "parcel", source="t", columns=["status", "area_mu"])
    assert set(out.columns) == {"parcel_id", "status", "area_mu", "geometry"}
    assert out["area_mu"].tolist() == pytest.approx([15.0, 15.0])


def test_data_folder_of_parquet_layers_loads_like_a_geopackage(tmp_path):
    """`--data DIR` of `investmap demo --format parquet` reads <layer>.parquet from it."""
    from layers.county import load_county

    demo = load_county(layers=("park", "parcel"), cache=False)
    folder = tmp_path / "county"
    folder.mkdir()
    for name in ("park", "parcel"):
        demo[name].to_parquet(folder / f"{name}.parquet")
    county = load_county(folder, layers=("park", "parcel"), cache=False)
    assert sorted(county.layers) == ["parcel", "park"]
    assert len(county["parcel"]) == len(demo["parcel"])


def test_missing_layer_is_a_clear_cli_error_not_a_traceback(tmp_path, cli):
    folder = tmp_path / "empty"
    folder.mkdir()
    done = cli("availability", "--data", str(folder), "--out", str(tmp_path / "a.csv"))
    assert done.returncode == 2, done.stderr
    assert "Traceback" not in done.stderr
    assert "no parcel layer" in done.stderr and "fix:" in done.stderr
    other = tmp_path / "notes.txt"
    other.write_text("x")
    done = cli("availability", "--data", str(other), "--out", str(tmp_path / "a.csv"))
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert "not a GeoPackage" in done.stderr

"""Layer freshness: recorded by every ``investmap load`` on both backends, aged against the
policy, shown as an as-of line that never names the data owner."""

from __future__ import annotations

import pandas as pd
import pytest

from data import get_path
from exports.html import export_html
from layers.county import load_county
from layers.freshness import (
    FreshnessSettings,
    LayerFreshness,
    as_of_text,
    layer_freshness,
    parse_settings,
    record_load,
    stale_layers,
    stale_text,
)
from layers.policy import PolicyError
from layers.store import open_store
from layers.store.gpkg import GeoPackageStore
from tests import store_county as county
from tests.conftest import BACKENDS, run_cli

TODAY = pd.Timestamp("2026-12-01")


@pytest.fixture(params=BACKENDS)
def location(request, tmp_path) -> str:
    url = request.getfixturevalue("postgis_url") if request.param == "postgis" else None
    where = county.location(request.param, tmp_path, url)
    with open_store(where) as store:
        county.fill(store)
    return where


def test_load_records_as_of_department_and_owner(location, tmp_path):
    parks = tmp_path / "parks.gpkg"
    county.parks().to_file(parks, layer="park")
    done = run_cli("load", str(parks), "--layer", "park", "--user", "liu", "--as-of",
                   "2026-10-01", "--department", "青峰县自然资源局", "--data-owner", "刘工",
                   "--data", location)
    assert done.returncode == 0, done.stderr
    assert "as of 2026-10-01 (青峰县自然资源局)" in done.stdout
    # a later load without department or owner keeps them and moves the date
    again = run_cli("load", str(parks), "--layer", "park", "--user", "liu", "--as-of",
                    "2026-11-15", "--data", location)
    assert again.returncode == 0, again.stderr
    with open_store(location) as store:
        fresh = layer_freshness(store, settings=FreshnessSettings(30, {}), today=TODAY)
        audit = store.history("freshness", "park")
    park = fresh["park"]
    assert (park.as_of, park.source_department, park.data_owner) == (
        pd.Timestamp("2026-11-15"), "青峰县自然资源局", "刘工")
    assert park.age_days == 16 and not park.stale
    assert [e.field for e in audit] == ["*", "as_of"]
    # layers loaded before freshness existed have no date: stale until one is recorded
    assert fresh["parcel"].as_of is None and fresh["parcel"].stale


def test_bad_as_of_writes_nothing(location, tmp_path):
    parks = tmp_path / "parks.gpkg"
    county.parks().to_file(parks, layer="park")
    done = run_cli("load", str(parks), "--layer", "park", "--user", "liu", "--as-of",
                   "2026-13-45", "--data", location)
    assert done.returncode == 2 and "--as-of" in done.stderr
    with open_store(location) as store:
        assert "freshness" not in store.layer_names() or store.read_layer("freshness").empty


def test_record_load_defaults_to_today_and_county_reads_it(tmp_path):
    path = tmp_path / "store.gpkg"
    with open_store(path) as store:
        county.fill(store)
        record_load(store, "parcel", user="liu", role="planner", today=TODAY,
                    source_department="自然资源局")
    loaded = load_county(path)
    fresh = layer_freshness(loaded, today=TODAY + pd.Timedelta(days=100))
    assert fresh["parcel"].as_of == TODAY
    assert fresh["parcel"].max_age_days == 90  # data/policy.yaml freshness.max_age_days
    assert fresh["parcel"].stale
    assert [f.layer for f in stale_layers(fresh)] == ["park", "parcel", "project",
                                                      "enterprise"]
    with pytest.raises(ValueError, match="tracked"), open_store(path) as store:
        record_load(store, "lead", user="liu", role="planner", today=TODAY)


def test_texts_name_department_and_date_never_the_owner():
    record = LayerFreshness("parcel", pd.Timestamp("2026-11-30"), "青峰县自然资源局", "刘工",
                            90, 120)
    fresh = {"parcel": record}
    assert as_of_text("parcel", "zh", fresh) == "地块数据截至 2026-11-30（青峰县自然资源局）"
    assert as_of_text("parcel", "en", fresh) == "Parcel data as of 2026-11-30 (青峰县自然资源局)"
    assert as_of_text("redline", "zh", fresh) == "管控红线数据日期未登记"
    assert "刘工" not in as_of_text("parcel", "zh", fresh) + stale_text(record, "zh")
    assert stale_text(record, "zh") == "地块：数据截至 2026-11-30，已 120 天，超过 90 天"
    assert "over the 90-day limit" in stale_text(record, "en")


@pytest.mark.parametrize(("value", "message"), [
    ({"default_max_age_days": 0}, "default_max_age_days"),
    ({"max_age_days": {"parcels": 30}}, "unknown layer"),
    ({"max_age_days": {"parcel": "30"}}, "max_age_days.parcel"),
    ({"max_age_days": {"lead": 30}}, "unknown layer"),
    ({"limit": 3}, "limit"),
])
def test_bad_settings_name_the_key(value, message):
    with pytest.raises(PolicyError, match=message):
        parse_settings(value, "policy.yaml")


@pytest.mark.parametrize(("value", "message"), [
    ({"limit": 3}, "policy.yaml: freshness: unknown key(s) ['limit']; fix: use only "
                   "['default_max_age_days', 'max_age_days']"),
    ({"default_max_age_days": "365"}, "policy.yaml: freshness.default_max_age_days: '365' is "
                                      "not a whole number ≥ 1; fix: give days, e.g. 365, or "
                                      "null for no limit"),
    ({"default_max_age_days": True}, "policy.yaml: freshness.default_max_age_days: True is "
                                     "not a whole number"),
    ({"max_age_days": [30]}, "policy.yaml: freshness.max_age_days: expected a mapping, got "
                             "list; fix: "),
    ({"max_age_days": {"parcel": 0}}, "policy.yaml: freshness.max_age_days.parcel: 0 is not "
                                      "a whole number ≥ 1; fix: give days, e.g. 90"),
    ({"max_age_days": {"parcels": 30}}, "policy.yaml: freshness.max_age_days.parcels: unknown "
                                        "layer 'parcels'; fix: use one of ['"),
])
def test_an_unknown_key_or_a_wrong_type_names_file_key_and_fix(value, message):
    """The section is parsed by geo.policy_checks.parse_section (issue 26)."""
    with pytest.raises(PolicyError) as err:
        parse_settings(value, "policy.yaml")
    assert str(err.value).startswith(message)


def test_settings_defaults_and_no_limit():
    assert parse_settings({}, "p").limit("park") == 365
    settings = parse_settings({"default_max_age_days": None, "max_age_days": {"parcel": 7}},
                              "p")
    assert settings.limit("park") is None and settings.limit("parcel") == 7
    never = LayerFreshness("park", pd.Timestamp("2000-01-01"), None, None, None, 9000)
    assert not never.stale


def test_investor_html_map_shows_the_as_of_dates(tmp_path):
    path = tmp_path / "store.gpkg"
    with GeoPackageStore(path, seed=get_path("demo")) as store:
        record_load(store, "parcel", user="liu", role="planner", today=TODAY,
                    as_of="2026-11-30", source_department="青峰县自然资源局", data_owner="刘工")
    county = load_county(path)
    page = export_html(county, tmp_path / "map.html", basemap="none").read_text("utf-8")
    assert "地块数据截至 2026-11-30（青峰县自然资源局）" in page
    assert "未登记" not in page  # investors never see missing-metadata notes (issue 31)
    assert "刘工" not in page

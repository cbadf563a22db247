"""Pipeline rates on a small hand table, overdue projects, grace boundary, settings, CLI."""

from __future__ import annotations

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from geo.pipeline import (
    PipelineSettings,
    milestones,
    overdue_projects,
    parse_settings,
    pipeline_rates,
)
from layers.policy import PolicyError

AS_OF = pd.Timestamp("2026-06-30")


def project(pid, stage, park, *, signed=None, planned_start=None, start=None,
            planned_done=None, done=None, chain="battery", investment=1000.0):
    def ts(value):
        return pd.Timestamp(value) if value else pd.NaT

    return {"project_id": pid, "name": f"项目{pid}", "stage": stage, "park_id": park,
            "chain_id": chain, "investment_wan": investment, "signed_date": ts(signed),
            "planned_start_date": ts(planned_start), "start_date": ts(start),
            "planned_completion_date": ts(planned_done), "completion_date": ts(done),
            "owner": "招商1组"}


# grace 30 days; as of 2026-06-30
TABLE = pd.DataFrame([
    # A in talks
    project("A", "pipeline", "P01"),
    # B signed, planned start 2025-06-01 not met → overdue (start), not performing
    project("B", "signed", "P01", signed="2025-01-01", planned_start="2025-06-01"),
    # C started 19 days after plan (inside grace) → performing; completion not due yet
    project("C", "started", "P01", signed="2025-01-01", planned_start="2025-06-01",
            start="2025-06-20", planned_done="2026-12-31"),
    # D started 2 months late, completed early → completed, but not performing
    project("D", "completed", "P01", signed="2024-01-01", planned_start="2024-03-01",
            start="2024-05-01", planned_done="2025-12-01", done="2025-11-01"),
    # E on time throughout (completion 14 days late, inside grace) → performing
    project("E", "producing", "P02", signed="2024-01-01", planned_start="2024-03-01",
            start="2024-03-01", planned_done="2025-06-01", done="2025-06-15",
            chain="food"),
    # F stalled before starting → overdue (start)
    project("F", "stalled", "P02", signed="2024-06-01", planned_start="2024-09-01",
            chain="food"),
    # G lost in talks → neither signed nor overdue
    project("G", "lost", "P02", chain="food"),
    # H signed last month, start not due
    project("H", "signed", "P02", signed="2026-05-01", planned_start="2026-08-01"),
    # I started, planned completion 2026-03-01 passed → overdue (completion)
    project("I", "started", "P02", signed="2024-01-01", planned_start="2024-02-01",
            start="2024-02-10", planned_done="2026-03-01"),
])


def test_county_rates_by_hand():
    # 9 projects; signed B C D E F H I = 7; started C D E I = 4; completed D E = 2;
    # due B C D E F I = 6, performing C E = 2; overdue B F I = 3; stalled F; lost G
    row = pipeline_rates(TABLE, as_of=AS_OF).iloc[0]
    counts = {k: int(row[f"n_{k}"]) for k in ("projects", "signed", "started", "completed",
                                              "stalled", "lost", "overdue", "due",
                                              "performed")}
    assert counts == {"projects": 9, "signed": 7, "started": 4, "completed": 2, "stalled": 1,
                      "lost": 1, "overdue": 3, "due": 6, "performed": 2}
    assert row["signing_rate"] == pytest.approx(7 / 9)
    assert row["start_rate"] == pytest.approx(4 / 7)
    assert row["completion_rate"] == pytest.approx(2 / 4)
    assert row["performance_rate"] == pytest.approx(2 / 6)
    assert row["investment_wan"] == pytest.approx(9000)


def test_rates_per_park_and_chain():
    parks = pipeline_rates(TABLE, by="park_id", as_of=AS_OF).set_index("park_id")
    # P01: A B C D → signed 3/4, started 2/3, completed 1/2
    assert parks.loc["P01", ["n_projects", "n_signed", "n_started", "n_completed"]].tolist() \
        == [4, 3, 2, 1]
    # P02: E F G H I → signed E F H I 4/5, started E I 2/4, completed E 1/2
    assert parks.at["P02", "signing_rate"] == pytest.approx(4 / 5)
    assert parks.at["P02", "start_rate"] == pytest.approx(2 / 4)
    chains = pipeline_rates(TABLE, by="chain_id", as_of=AS_OF).set_index("chain_id")
    assert chains.at["food", "n_lost"] == 1 and chains.at["food", "n_stalled"] == 1
    assert chains["n_projects"].sum() == 9


def test_overdue_projects_most_overdue_first():
    # F: planned start 2024-09-01 → 667 days; B: 2025-06-01 → 394; I: completion
    # 2026-03-01 → 121
    out = overdue_projects(TABLE, as_of=AS_OF)
    assert out["project_id"].tolist() == ["F", "B", "I"]
    assert out["days_overdue"].tolist() == [667, 394, 121]
    assert out["overdue_kind"].tolist() == ["start", "start", "completion"]
    assert out.iloc[2]["reason_zh"] == "计划竣工日期2026-03-01，已逾期121天"
    assert "owner" in out.columns


def test_grace_boundary_and_settings():
    # planned start + 30 days = as-of exactly → not yet due; one day earlier → due
    rows = pd.DataFrame([project("x", "signed", "P01", signed="2026-01-01",
                                 planned_start="2026-05-31"),
                         project("y", "signed", "P01", signed="2026-01-01",
                                 planned_start="2026-05-30")])
    flags = milestones(rows, as_of=AS_OF).set_index(rows["project_id"])
    assert flags["overdue"].to_dict() == {"x": False, "y": True}
    flags = milestones(rows, as_of=AS_OF, settings=PipelineSettings(grace_days=0))
    assert flags["overdue"].tolist() == [True, True]


def test_stage_counts_when_dates_are_missing_and_future_dates_do_not():
    rows = pd.DataFrame([project("s", "producing", "P01"),
                         project("f", "signed", "P01", signed="2026-09-01")])
    flags = milestones(rows, as_of=AS_OF)
    assert flags.loc[0, ["signed", "started", "completed"]].tolist() == [True, True, True]
    assert not flags.loc[1, "signed"]


def test_empty_denominators_give_nan():
    row = pipeline_rates(pd.DataFrame([project("A", "pipeline", "P01")]), as_of=AS_OF).iloc[0]
    assert row["signing_rate"] == 0 and pd.isna(row["start_rate"])
    assert pd.isna(row["performance_rate"])


def test_bad_by_and_settings():
    with pytest.raises(ValueError, match="segment_id"):
        pipeline_rates(TABLE, by="segment_id", as_of=AS_OF)
    with pytest.raises(PolicyError, match="pipeline.grace_days"):
        parse_settings({"grace_days": -1}, "p.yaml")
    with pytest.raises(PolicyError, match="unknown key"):
        parse_settings({"grace": 3}, "p.yaml")


def test_demo_county_and_cli(demo_county, policy, cli, tmp_path):
    settings = policy.section("pipeline")
    assert settings == PipelineSettings(grace_days=30)
    projects = demo_county["project"]
    county = pipeline_rates(projects, as_of=AS_OF, settings=settings).iloc[0]
    assert county["n_projects"] == len(projects)
    assert 0 < county["signing_rate"] < 1 and 0 < county["start_rate"] < 1
    assert county["n_lost"] == (projects["stage"] == "lost").sum()
    parks = pipeline_rates(projects, by="park_id", as_of=AS_OF, settings=settings)
    assert parks["n_signed"].sum() == county["n_signed"]
    path = tmp_path / "rates.csv"
    result = cli("pipeline", "--by", "chain_id", "--as-of", "2026-06-30", "--out", str(path))
    assert result.returncode == 0, result.stderr
    table = pd.read_csv(path, encoding="utf-8-sig")
    assert set(table["chain_id"]) == set(projects["chain_id"])
    assert table["n_projects"].sum() == len(projects)
    overdue = tmp_path / "overdue.csv"
    assert cli("pipeline", "--overdue", "--as-of", "2026-06-30", "--out",
               str(overdue)).returncode == 0
    assert len(pd.read_csv(overdue, encoding="utf-8-sig")) == county["n_overdue"]


_DAYS = st.one_of(st.none(), st.integers(-2000, 400))


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(["pipeline", "signed", "started", "completed",
                                           "producing", "stalled", "lost"]),
                          st.sampled_from(["P01", "P02", None]), _DAYS, _DAYS, _DAYS, _DAYS,
                          _DAYS), min_size=1, max_size=25))
def test_rates_are_shares_and_parks_add_up(rows):
    """Whatever the (possibly inconsistent) dates: rates in [0, 1], parks sum to the county."""
    def day(offset):
        return None if offset is None else (AS_OF + pd.Timedelta(days=offset)).isoformat()

    table = pd.DataFrame([project(f"x{i}", stage, park, signed=day(a), planned_start=day(b),
                                  start=day(c), planned_done=day(d), done=day(e))
                          for i, (stage, park, a, b, c, d, e) in enumerate(rows)])
    county = pipeline_rates(table, as_of=AS_OF).iloc[0]
    for rate in ("signing_rate", "start_rate", "completion_rate", "performance_rate"):
        assert pd.isna(county[rate]) or 0 <= county[rate] <= 1
    assert county["n_completed"] <= county["n_started"] <= county["n_signed"]
    parks = pipeline_rates(table, by="park_id", as_of=AS_OF)
    for col in ("n_projects", "n_signed", "n_started", "n_overdue", "n_performed"):
        assert parks[col].sum() == county[col]
    assert len(overdue_projects(table, as_of=AS_OF)) == county["n_overdue"]

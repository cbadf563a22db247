"""Idle land (闲置土地, 国土资源部令第53号): a rule table on hand-made parcels, the fee,
taking back, government-caused delays, project start dates, settings and the CLI."""

from __future__ import annotations

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from geo.idle import IdleSettings, idle_land, parse_settings
from layers.policy import PolicyError

AS_OF = pd.Timestamp("2026-06-30")
NaT = None


def parcel(pid: str = "p", *, status: str = "transferred", agreed: str | None = "2025-06-30",
           started: str | None = NaT, developed: float | None = None,
           invested: float | None = None, stopped: str | None = NaT, area: float = 15.0,
           price: float | None = 20.0, **extra) -> dict:
    return {"parcel_id": pid, "park_id": "P01", "status": status, "area_mu": area,
            "price_wan_per_mu": price, "transfer_date": pd.Timestamp("2025-01-01"),
            "agreed_start_date": pd.Timestamp(agreed) if agreed else pd.NaT,
            "actual_start_date": pd.Timestamp(started) if started else pd.NaT,
            "developed_share": developed, "invested_share": invested,
            "stopped_since": pd.Timestamp(stopped) if stopped else pd.NaT, **extra}


def judge(*rows: dict, as_of: pd.Timestamp = AS_OF, **kwargs) -> pd.DataFrame:
    return idle_land(pd.DataFrame(list(rows)), as_of=as_of, **kwargs).set_index("parcel_id")


# 15 亩 at 20 万元/亩 = 300 万元 land price → 20 % idle fee = 60 万元
@pytest.mark.parametrize(("row", "idle", "kind", "reclaim"), [
    # not started, agreed start exactly one year before the as-of date: idle
    (parcel(agreed="2025-06-30"), True, "not_started", False),
    # one day short of a full year: not idle yet
    (parcel(agreed="2025-07-01"), False, None, False),
    # two full years: may be taken back
    (parcel(agreed="2024-06-30"), True, "not_started", True),
    (parcel(agreed="2024-07-01"), True, "not_started", False),
    # started (any date before as-of): not idle, however late
    (parcel(agreed="2023-01-01", started="2026-01-01", developed=0.1, invested=0.1), False,
     None, False),
    # started after the as-of date: not started yet on that date
    (parcel(agreed="2025-01-01", started="2026-07-15"), True, "not_started", False),
    # started, 20 % developed, stopped a full year: idle
    (parcel(status="under_construction", agreed="2023-01-01", started="2023-03-01",
            developed=0.2, invested=0.5, stopped="2025-06-30"), True, "stopped", False),
    # … 20 % invested (< 25 %) is enough on its own
    (parcel(status="under_construction", agreed="2023-01-01", started="2023-03-01",
            developed=0.5, invested=0.2, stopped="2025-06-30"), True, "stopped", False),
    # … stopped two full years: may be taken back
    (parcel(status="under_construction", agreed="2023-01-01", started="2023-03-01",
            developed=0.2, invested=0.2, stopped="2024-06-30"), True, "stopped", True),
    # stopped under a year: not idle
    (parcel(status="under_construction", agreed="2023-01-01", started="2023-03-01",
            developed=0.2, invested=0.2, stopped="2025-07-01"), False, None, False),
    # stopped a year but 1/3 developed and 25 % invested: not idle
    (parcel(status="under_construction", agreed="2023-01-01", started="2023-03-01",
            developed=0.34, invested=0.25, stopped="2024-01-01"), False, None, False),
    # producing with no recorded start date: started
    (parcel(status="producing", agreed="2020-01-01"), False, None, False),
    # not transferred: no agreed start, never idle
    (parcel(status="available", agreed=None), False, None, False),
])
def test_rule_table(row, idle, kind, reclaim):
    out = judge(row).loc["p"]
    assert bool(out["idle"]) == idle
    assert out["idle_kind"] == kind
    assert bool(out["may_reclaim"]) == reclaim
    if idle:
        assert out["fee_estimate_wan"] == pytest.approx(60.0)
        assert out["years_idle"] >= 1.0
    else:
        assert pd.isna(out["fee_estimate_wan"]) and pd.isna(out["years_idle"])
    assert out["reason_zh"] and out["reason_en"]


def test_fee_and_reasons_on_a_worked_parcel():
    # 30 亩 at 12.5 万元/亩 = 375 万元 → fee 75 万元; agreed start 2024-03-31, as of
    # 2026-06-30: 821 days = 2.25 years → idle and may be taken back
    out = judge(parcel(agreed="2024-03-31", area=30, price=12.5)).loc["p"]
    assert out["fee_estimate_wan"] == pytest.approx(75.0)
    assert out["years_idle"] == pytest.approx(821 / 365.25, abs=0.01)
    assert out["idle_from"] == pd.Timestamp("2024-03-31")
    assert "2024-03-31" in out["reason_zh"] and "75.00万元" in out["reason_zh"]
    assert "可无偿收回" in out["reason_zh"] and "may be taken back" in out["reason_en"]


def test_unknown_price_gives_no_fee_but_still_idle():
    out = judge(parcel(price=None)).loc["p"]
    assert bool(out["idle"]) and pd.isna(out["fee_estimate_wan"])
    assert "地价缺失" in out["reason_zh"]


def test_government_caused_delay_is_idle_without_fee_or_taking_back():
    out = judge(parcel(agreed="2023-01-01", government_delay=True)).loc["p"]
    assert bool(out["idle"]) and bool(out["government_delay"])
    assert out["fee_estimate_wan"] == 0 and not out["may_reclaim"]
    assert "政府原因" in out["reason_zh"]


def test_project_start_date_counts_as_the_parcels_start():
    projects = pd.DataFrame({"project_id": ["x1", "x2"], "parcel_id": ["p", "p"],
                             "start_date": [pd.Timestamp("2026-02-01"),
                                            pd.Timestamp("2025-11-01")]})
    out = judge(parcel(agreed="2024-01-01"), projects=projects).loc["p"]
    assert not out["idle"] and out["start_date"] == pd.Timestamp("2025-11-01")
    assert bool(judge(parcel(agreed="2024-01-01")).loc["p", "idle"])


def test_as_of_is_a_parameter():
    row = parcel(agreed="2025-03-01")
    assert not judge(row, as_of=pd.Timestamp("2026-02-28")).loc["p", "idle"]
    assert judge(row, as_of=pd.Timestamp("2026-03-01")).loc["p", "idle"]
    assert judge(row, as_of=pd.Timestamp("2027-03-01")).loc["p", "may_reclaim"]


def test_settings_change_the_rules():
    strict = IdleSettings(fee_rate=0.1, reclaim_after_years=3)
    out = judge(parcel(agreed="2024-01-01"), settings=strict).loc["p"]
    assert out["fee_estimate_wan"] == pytest.approx(30.0) and not out["may_reclaim"]


def test_keeps_the_input_index():
    frame = pd.DataFrame([parcel("a"), parcel("b", agreed=None)], index=[10, 20])
    out = idle_land(frame, as_of=AS_OF)
    assert list(out.index) == [10, 20] and out["idle"].tolist() == [True, False]


@pytest.mark.parametrize(("patch", "key"), [
    ({"fee_rate": 1.5}, "idle.fee_rate"),
    ({"idle_after_years": 0.5}, "idle.idle_after_years"),
    ({"reclaim_after_years": 0}, "idle.reclaim_after_years"),
    ({"grace": 3}, "unknown key"),
])
def test_bad_settings(patch, key):
    with pytest.raises(PolicyError, match=key):
        parse_settings(patch, "p.yaml")


def test_policy_file_section(policy):
    assert policy.section("idle") == IdleSettings(developed_share_min=0.3333333333)


def test_demo_county_and_cli(demo_county, cli, tmp_path):
    out = idle_land(demo_county["parcel"], as_of=AS_OF, projects=demo_county["project"])
    idle = out[out["idle"]]
    assert set(idle["status"]) <= {"transferred", "under_construction", "producing"}
    assert {"not_started", "stopped"} <= set(idle["idle_kind"])
    assert (idle["fee_estimate_wan"] > 0).all()
    path = tmp_path / "idle.csv"
    result = cli("idle", "--as-of", "2026-06-30", "--out", str(path))
    assert result.returncode == 0, result.stderr
    table = pd.read_csv(path, encoding="utf-8-sig")
    assert len(table) == len(idle) and table["idle"].all()
    assert f"{len(idle):,} idle parcels on 2026-06-30" in result.stderr
    assert cli("idle", "--out", str(path)).returncode == 2  # --as-of is required


_OFFSET = st.one_of(st.none(), st.integers(-2000, 200))


@settings(max_examples=80, deadline=None)
@given(agreed=_OFFSET, started=_OFFSET, stopped=_OFFSET,
       developed=st.one_of(st.none(), st.floats(0, 1)),
       invested=st.one_of(st.none(), st.floats(0, 1)),
       status=st.sampled_from(["transferred", "under_construction", "producing"]),
       later=st.integers(0, 1500))
def test_invariants(agreed, started, stopped, developed, invested, status, later):
    """may_reclaim ⇒ idle; a fee only when idle; kind set ⇔ idle; idle at least a year;
    a parcel that never starts stays idle as time passes."""
    def day(offset):
        return None if offset is None else (AS_OF + pd.Timedelta(days=offset)).isoformat()

    row = parcel(status=status, agreed=day(agreed), started=day(started),
                 stopped=day(stopped), developed=developed, invested=invested)
    out = judge(row).loc["p"]
    assert not out["may_reclaim"] or out["idle"]
    assert (out["idle_kind"] is not None) == bool(out["idle"])
    assert pd.isna(out["fee_estimate_wan"]) != bool(out["idle"])
    if out["idle"]:
        assert out["fee_estimate_wan"] == pytest.approx(60.0)
        assert out["years_idle"] >= 0.99
    if out["idle_kind"] == "not_started" and (started is None or started > later):
        assert judge(row, as_of=AS_OF + pd.Timedelta(days=later)).loc["p", "idle"]

"""Overdue leads, the 三未 lists and the per-person view on hand-made tables (days counted by
hand from 2026-12-01)."""

from __future__ import annotations

import pandas as pd
import pytest

from geo.followup import (
    by_person,
    lead_signing_rate,
    overdue_leads,
    per_person,
    stage_counts,
    three_wei,
)
from geo.pipeline import PipelineSettings

AS_OF = pd.Timestamp("2026-12-01")


def leads() -> pd.DataFrame:
    return pd.DataFrame([
        {"lead_id": "L1", "stage": "contacted", "owner": "zhang", "park_id": "P1",
         "next_action_date": "2026-11-21", "received_date": "2026-10-01"},   # 10 days late
        {"lead_id": "L2", "stage": "lead", "owner": None, "park_id": "P1",
         "next_action_date": "2026-11-30", "received_date": "2026-11-29"},   # 1 day late
        {"lead_id": "L3", "stage": "negotiating", "owner": "li", "park_id": "P2",
         "next_action_date": "2026-12-01", "received_date": "2026-09-01"},   # due today
        {"lead_id": "L4", "stage": "signed", "owner": "li", "park_id": "P2",
         "next_action_date": "2026-10-01", "received_date": "2026-08-01"},   # closed
        {"lead_id": "L5", "stage": "lost", "owner": "zhang", "park_id": None,
         "next_action_date": "2026-10-01", "received_date": "2026-11-01"},   # closed
        {"lead_id": "L6", "stage": "visited", "owner": "zhang", "park_id": "P1",
         "next_action_date": None, "received_date": "2026-11-15"},           # no date
    ])


def parcels() -> pd.DataFrame:
    return pd.DataFrame([
        {"parcel_id": "A", "status": "available", "agreed_start_date": None},
        {"parcel_id": "B", "status": "transferred", "agreed_start_date": "2026-09-01"},
        {"parcel_id": "C", "status": "under_construction", "agreed_start_date": None},
    ])


def projects() -> pd.DataFrame:
    return pd.DataFrame([
        # signed, parcel not supplied: 签约未落地 since 2026-06-04 = 180 days
        {"project_id": "X1", "name": "甲", "stage": "signed", "signed_date": "2026-06-04",
         "parcel_id": "A", "park_id": "P1", "owner": "zhang"},
        # signed without parcel: 签约未落地, 30 days
        {"project_id": "X2", "name": "乙", "stage": "signed", "signed_date": "2026-11-01",
         "parcel_id": None, "park_id": "P2", "owner": "li"},
        # land transferred, parcel's agreed start 2026-09-01 + 30 grace passed: 91 days
        {"project_id": "X3", "name": "丙", "stage": "signed", "signed_date": "2026-05-01",
         "parcel_id": "B", "park_id": "P1", "owner": "zhang"},
        # started, planned completion 2026-10-02 + 30 passed: 开工未竣工 60 days
        {"project_id": "X4", "name": "丁", "stage": "started", "signed_date": "2025-01-01",
         "start_date": "2025-03-01", "planned_completion_date": "2026-10-02",
         "parcel_id": "C", "park_id": "P1", "owner": "wang"},
        # started, completion planned later: not late
        {"project_id": "X5", "name": "戊", "stage": "started", "signed_date": "2025-01-01",
         "start_date": "2025-03-01", "planned_completion_date": "2027-01-01",
         "parcel_id": "C", "park_id": "P1", "owner": "wang"},
        # lost: never listed
        {"project_id": "X6", "name": "己", "stage": "lost", "signed_date": "2026-01-01",
         "parcel_id": None, "park_id": "P1", "owner": "zhang"},
        # land transferred but planned start in the future: not late
        {"project_id": "X7", "name": "庚", "stage": "signed", "signed_date": "2026-11-01",
         "planned_start_date": "2026-12-20", "parcel_id": "B", "park_id": "P1",
         "owner": "zhang"},
    ])


def test_overdue_leads_are_open_and_past_their_next_action():
    out = overdue_leads(leads(), as_of=AS_OF)
    assert out["lead_id"].tolist() == ["L1", "L2"]
    assert out["days_overdue"].tolist() == [10, 1]


def test_three_wei_kinds_and_days():
    out = three_wei(projects(), parcels(), as_of=AS_OF, settings=PipelineSettings(30))
    got = {(r.project_id, r.kind, r.days) for r in out.itertuples()}
    assert got == {("X1", "signed_no_land", 180), ("X2", "signed_no_land", 30),
                   ("X3", "land_not_started", 91), ("X4", "started_not_completed", 60)}
    assert out["kind"].tolist() == ["signed_no_land", "signed_no_land", "land_not_started",
                                    "started_not_completed"]
    x3 = out.set_index("project_id").loc["X3"]
    assert x3["reason_zh"] == "落地未开工：计划开工日期2026-09-01，已91天"
    assert x3["reason_en"] == "Land supplied, not started: planned start 2026-09-01, 91 days"


def test_grace_days_move_the_land_not_started_cut():
    out = three_wei(projects(), parcels(), as_of=AS_OF, settings=PipelineSettings(100))
    assert "X3" not in set(out["project_id"]) and "X4" not in set(out["project_id"])


def test_by_person_counts_per_owner_and_park():
    view = by_person(overdue_leads(leads(), as_of=AS_OF),
                     three_wei(projects(), parcels(), as_of=AS_OF))
    rows = {(r.owner, r.park_id): r for r in view.itertuples()}
    zhang = rows[("zhang", "P1")]
    assert (zhang.overdue_leads, zhang.signed_no_land, zhang.land_not_started,
            zhang.started_not_completed, zhang.max_days) == (1, 1, 1, 0, 180)
    unassigned = rows[(None, "P1")]
    assert unassigned.overdue_leads == 1 and unassigned.max_days == 1
    assert rows[("wang", "P1")].started_not_completed == 1
    assert view.iloc[0]["owner"] == "zhang"  # most items first


def test_per_person_is_one_line_per_person_across_parks_most_overdue_first():
    late = overdue_leads(leads(), as_of=AS_OF)
    three = three_wei(projects(), parcels(), as_of=AS_OF)
    three.loc[three["project_id"] == "X2", "park_id"] = "P9"  # li's work in two parks
    view = per_person(late, three)
    assert list(view["owner"]) == ["zhang", "wang", "li", None]  # 180, 60, 30, 1 days
    rows = {r.owner: r for r in view.itertuples()}
    zhang = rows["zhang"]
    assert (zhang.overdue_leads, zhang.signed_no_land, zhang.land_not_started,
            zhang.lead_days, zhang.three_days) == (1, 1, 1, 10, 180)
    assert rows["li"].signed_no_land == 1 and pd.isna(rows["li"].lead_days)
    assert rows[None].overdue_leads == 1 and rows[None].lead_days == 1
    assert per_person(late.iloc[0:0], three.iloc[0:0]).empty


def test_empty_inputs_give_empty_tables():
    empty = leads().iloc[0:0]
    assert overdue_leads(empty, as_of=AS_OF).empty
    assert three_wei(projects().iloc[0:0], parcels(), as_of=AS_OF).empty
    assert by_person(overdue_leads(empty, as_of=AS_OF),
                     three_wei(projects().iloc[0:0], None, as_of=AS_OF)).empty


def test_stage_counts_and_signing_rate():
    counts = stage_counts(leads(), ["lead", "contacted", "visited", "negotiating", "signed",
                                    "lost"])
    assert counts.tolist() == [1, 1, 1, 1, 1, 1]
    # received Sep–Nov: L1, L2, L3, L5, L6 → none signed; Aug–Nov adds L4 (signed): 1/6
    assert lead_signing_rate(leads(), start=pd.Timestamp("2026-09-01"),
                             end=AS_OF) == 0.0
    assert lead_signing_rate(leads(), start=pd.Timestamp("2026-08-01"),
                             end=AS_OF) == pytest.approx(1 / 6)
    assert pd.isna(lead_signing_rate(leads(), start=pd.Timestamp("2020-01-01"),
                                     end=pd.Timestamp("2020-12-31")))

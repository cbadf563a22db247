"""标准地 check: investment intensity, FAR range and tax per mu against the parcel's conditions."""

from __future__ import annotations

import pandas as pd
import pytest

from geo.standard_land import check_projects
from geo.units import M2_PER_MU
from tests.shapes import square

# p1: a 100 m square = 15 亩; conditions: investment ≥ 200 万元/亩, FAR 0.8–2.0, tax ≥ 10 万元/亩
PARCELS = pd.DataFrame({
    "parcel_id": ["p1", "p2"],
    "area_mu": [square().area / M2_PER_MU, 10.0],
    "investment_min_wan_per_mu": [200.0, None],
    "far_min": [0.8, None],
    "far_max": [2.0, None],
    "tax_min_wan_per_mu": [10.0, None],
})
ENTERPRISES = pd.DataFrame({
    "enterprise_id": ["e1", "e2"],
    "tax_wan": [180.0, 120.0],   # e1: 180 / 15 = 12 万元/亩; e2: 120 / 15 = 8 万元/亩
    "land_mu": [15.0, 15.0],
})
PROJECTS = pd.DataFrame([
    # x1: 2400 / 15 = 160 万元/亩 < 200 → short 40 万元/亩 = 600 万元; FAR 1.2 ok; no tax yet
    {"project_id": "x1", "parcel_id": "p1", "stage": "signed", "investment_wan": 2400.0,
     "far": 1.2, "enterprise_id": "e1"},
    # x2: 3000 / 15 = 200 exactly → pass; FAR 2.5 > 2.0 → short 0.5; tax 12 ≥ 10
    {"project_id": "x2", "parcel_id": "p1", "stage": "producing", "investment_wan": 3000.0,
     "far": 2.5, "enterprise_id": "e1"},
    # x3: 300 万元/亩 ok; no FAR given; tax 8 < 10 → short 2 万元/亩 = 30 万元
    {"project_id": "x3", "parcel_id": "p1", "stage": "producing", "investment_wan": 4500.0,
     "far": None, "enterprise_id": "e2"},
    # x4: everything passes (FAR 0.8 is the lower bound itself)
    {"project_id": "x4", "parcel_id": "p1", "stage": "producing", "investment_wan": 3000.0,
     "far": 0.8, "enterprise_id": "e1"},
    # x5: no parcel → not checked
    {"project_id": "x5", "parcel_id": None, "stage": "pipeline", "investment_wan": 10.0,
     "far": None, "enterprise_id": None},
    # x6: a parcel without conditions → nothing to judge
    {"project_id": "x6", "parcel_id": "p2", "stage": "signed", "investment_wan": None,
     "far": None, "enterprise_id": None},
])


@pytest.fixture(scope="module")
def checked():
    return check_projects(PROJECTS, PARCELS, ENTERPRISES).set_index("project_id")


def test_investment_intensity(checked):
    assert checked.at["x1", "area_mu"] == pytest.approx(15)
    assert checked.at["x1", "investment_per_mu"] == pytest.approx(160)
    assert not checked.at["x1", "investment_pass"]
    assert checked.at["x1", "investment_shortfall_per_mu"] == pytest.approx(40)
    assert checked.at["x1", "investment_shortfall_wan"] == pytest.approx(600)
    assert bool(checked.at["x2", "investment_pass"])  # exactly the minimum passes
    assert checked.at["x2", "investment_shortfall_wan"] == 0


def test_far_range(checked):
    assert bool(checked.at["x1", "far_pass"])
    assert not checked.at["x2", "far_pass"]
    assert checked.at["x2", "far_shortfall"] == pytest.approx(0.5)
    assert bool(checked.at["x4", "far_pass"])
    assert pd.isna(checked.at["x3", "far_pass"])


def test_tax_commitment(checked):
    assert pd.isna(checked.at["x1", "tax_pass"])  # signed: no tax due yet
    assert bool(checked.at["x2", "tax_pass"])
    assert checked.at["x3", "tax_per_mu"] == pytest.approx(8)
    assert not checked.at["x3", "tax_pass"]
    assert checked.at["x3", "tax_shortfall_per_mu"] == pytest.approx(2)
    assert checked.at["x3", "tax_shortfall_wan"] == pytest.approx(30)


def test_overall_verdict_and_reasons(checked):
    assert "x5" not in checked.index
    verdict = checked["passed"]
    assert [verdict[p] for p in ("x1", "x2", "x3", "x4")] == [False, False, False, True]
    assert pd.isna(verdict["x6"])
    assert checked.at["x1", "reason_zh"] == "投资强度160.0万元/亩，低于200，差600万元"
    assert "FAR 2.5 outside 0.8–2" in checked.at["x2", "reason_en"]
    assert "差30万元" in checked.at["x3", "reason_zh"]
    assert checked.at["x4", "reason_en"] == "meets the standard-land conditions"
    assert "nothing to judge" in checked.at["x6", "reason_en"]


def test_without_enterprises_tax_is_not_judged():
    out = check_projects(PROJECTS, PARCELS).set_index("project_id")
    assert out["tax_pass"].isna().all()
    assert bool(out.at["x3", "passed"])  # investment passes, nothing else judged


def test_demo_county_and_cli(demo_county, cli, tmp_path):
    out = check_projects(demo_county["project"], demo_county["parcel"],
                         demo_county["enterprise"])
    assert len(out) == demo_county["project"]["parcel_id"].notna().sum()
    failing = out[out["investment_pass"] == False]  # noqa: E712
    assert (failing["investment_shortfall_wan"] > 0).all()
    path = tmp_path / "std.csv"
    result = cli("standard-land", "--out", str(path))
    assert result.returncode == 0, result.stderr
    assert len(pd.read_csv(path, encoding="utf-8-sig")) == len(out)

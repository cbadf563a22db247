"""Published 亩均 methods written as policy files (tests/policies/), with firms scored by hand:
黄岩 as announced in 2022 (2021 figures) and in 2023 (2022 figures), and 临海 2014–2016
(groups by land, a water indicator declared as data). The arithmetic is in the comments."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
import yaml

from geo.efficiency import evaluate, parse_settings

POLICIES = Path(__file__).parent / "policies"
AS_OF = pd.Timestamp("2026-06-30")


def method(name: str):
    path = POLICIES / f"{name}.yaml"
    return parse_settings(yaml.safe_load(path.read_text(encoding="utf-8"))["efficiency"],
                          str(path))


def firm(eid: str, **figures) -> dict:
    base = {"enterprise_id": eid, "name": f"企业{eid}", "scale": "above", "park_id": "P1",
            "production_start_date": pd.Timestamp("2015-01-01"), "is_utility": False}
    return {**base, **figures}


# One 规上 firm and one 规下 firm, the same under both 黄岩 years.
W = firm("W", land_mu=10, tax_wan=300, value_added_wan=1500, revenue_wan=6000,
         energy_tce=500, emission_t=0.15, employees=50, rnd_wan=120)
# indicators: tax/mu 30, VA/mu 150, VA/tce 3, VA/t 10000, VA/person 30, R&D 120/6000 = 0.02
S = firm("S", scale="below", land_mu=5, tax_wan=40, electricity_10k_kwh=200)
# indicators: tax/mu 8, tax/kWh 40 万元 ÷ 200 万kWh = 0.2 元/kWh


def scores(settings, *rows: dict) -> pd.DataFrame:
    return evaluate(pd.DataFrame(list(rows)), settings, as_of=AS_OF).set_index("enterprise_id")


def test_huangyan_announced_2022():
    out = scores(method("huangyan_2022"), W, S)
    # 规上: 30/26.01×30 = 34.6021; 150/132.27×20 = 22.6809; 3/2.54×20 = 23.6220;
    # 10000/4861.08×10 = 20.5716; 30/17.45×10 = 17.1920; 0.02/0.0305×10 = 6.5574 → 125.2259
    assert out.at["W", "score_tax_per_mu"] == pytest.approx(34.6021, abs=1e-4)
    assert out.at["W", "score_value_added_per_emission"] == pytest.approx(20.5716, abs=1e-4)
    assert out.at["W", "score"] == pytest.approx(125.2259, abs=1e-4)
    # 规下: 8/16.601058×50 = 24.0948; 0.2/0.236565×50 = 42.2717 → 66.3665
    assert out.at["S", "score"] == pytest.approx(66.3665, abs=1e-4)
    assert out.at["W", "group_zh"] == "规上" and out.at["S", "group_zh"] == "规下"


def test_huangyan_announced_2023_with_a_missing_emission_item():
    # 规上: 30/24.097×30 = 37.3490; 150/136.16×20 = 22.0329; 3/2.694×20 = 22.2717;
    # 10000/4929.81×10 = 20.2848; 30/18.14×10 = 16.5380; 0.02/0.0302×10 = 6.6225 → 125.0990
    # Firm V: W's figures with half the emission (VA/t 20000 → 40.5695) and no R&D
    # (0 → item 0), total 37.3490 + 22.0329 + 22.2717 + 40.5695 + 16.5380 + 0 = 138.7612
    # (summing the unrounded items).
    # Firm N reports no emission: "按规上企业此项平均得分赋分" — (20.2848 + 40.5695) / 2
    # = 30.4272 (30.42714), plus its other items as W → 125.0990 − 20.2848 + 30.4272 = 135.2414.
    v = {**W, "enterprise_id": "V", "emission_t": 0.075, "rnd_wan": 0}
    n = {**W, "enterprise_id": "N", "emission_t": None}
    out = scores(method("huangyan_2023"), W, v, n, S)
    assert out.at["W", "score"] == pytest.approx(125.0990, abs=1e-4)
    assert out.at["V", "score"] == pytest.approx(138.7612, abs=1e-4)
    assert out.at["N", "score_value_added_per_emission"] == pytest.approx(30.4272, abs=1e-4)
    assert out.at["N", "score"] == pytest.approx(135.2414, abs=1e-4)
    assert "单位排放增加值缺数据，按规上组平均分30.43计" in out.at["N", "note_zh"]
    # 规下: 8/11.5932×50 = 34.5030; 0.2/0.2352×50 = 42.5170 → 77.0200
    assert out.at["S", "score"] == pytest.approx(77.0200, abs=1e-4)
    # ranks within 规上: V 138.76, N 135.24, W 125.10
    assert [out.at[e, "rank"] for e in ("V", "N", "W")] == [1, 2, 3]


def test_linhai_2014_groups_by_land_and_scores_water():
    s = method("linhai_2014")
    big = firm("L1", land_mu=10, tax_wan=180, revenue_wan=2400, value_added_wan=600,
               energy_tce=250, emission_t=1.5, water_t=5000, employees=40)
    # ≥ 3 亩: tax/mu 18 → 18/15×40 = 48; revenue/mu 240 → 240/300×10 = 8;
    # VA/tce 2.4 → 2.4/3×20 = 16; VA per t COD 400 → 400/500×15 = 12;
    # VA per t water 600/5000 = 0.12 → 0.12/0.1×5 = 6; VA/person 15 → 15/15×10 = 10 → 100
    small = firm("L2", scale="below", land_mu=2, tax_wan=20, revenue_wan=500,
                 electricity_10k_kwh=8)
    # < 3 亩: tax/mu 10 → 10/15×50 = 33.3333; revenue/mu 250 → 250/300×20 = 16.6667;
    # tax/kWh 20/8 = 2.5 元 → 2.5/2×30 = 37.5 → 87.5
    edge = firm("L3", land_mu=3, tax_wan=45, revenue_wan=900, value_added_wan=300,
                energy_tce=100, emission_t=0.6, water_t=3000, employees=20)
    # exactly 3 亩 belongs to "≥ 3": tax/mu 15 → 40; revenue/mu 300 → 10; VA/tce 3 → 20;
    # VA per t COD 500 → 15; VA per t water 0.1 → 5; VA/person 15 → 10 → 100
    out = scores(s, big, small, edge)
    assert out.at["L1", "value_added_per_water"] == pytest.approx(0.12)
    assert out.at["L1", "score_value_added_per_water"] == pytest.approx(6)
    assert out.at["L1", "score"] == pytest.approx(100)
    assert out.at["L2", "score"] == pytest.approx(87.5)
    assert out.at["L3", "score"] == pytest.approx(100)
    assert out.loc[["L1", "L3"], "group"].tolist() == ["land_3mu_plus"] * 2
    assert out.at["L2", "group"] == "land_under_3mu"
    assert out.at["L2", "group_zh"] == "用地3亩以下"
    assert (out["class"] != "T").all()  # both land groups are graded (min_land_mu 0)


def test_cli_applies_the_linhai_method_to_a_file_with_chinese_headers(cli, tmp_path):
    from data import get_path

    policy = yaml.safe_load(get_path("policy").read_text(encoding="utf-8"))
    policy["efficiency"] = yaml.safe_load(
        (POLICIES / "linhai_2014.yaml").read_text(encoding="utf-8"))["efficiency"]
    policy["efficiency"]["consequences"] = {"classes": {
        "C": {"water_surcharge_yuan_per_t": 2.0}}}
    policy_file = tmp_path / "linhai.yaml"
    policy_file.write_text(yaml.safe_dump(policy, allow_unicode=True), encoding="utf-8")
    src = tmp_path / "企业.csv"
    src.write_text(
        "企业编号,企业名称,规模,所属园区,用地面积(亩),税收,工业增加值,营业收入,综合能耗,排放量,"
        "用水量,职工人数,用电量,投产日期\n"
        "L1,甲,above,P1,10,180,600,2400,250,1.5,5000,40,,2015-01-01\n"
        "L3,丙,above,P1,3,45,300,900,100,0.6,3000,20,,2015-01-01\n"
        "L2,乙,below,P2,2,20,,500,,,,,8,2015-01-01\n"
        "L4,丁,below,P2,5,15,50,500,50,1,10000,10,,2015-01-01\n", encoding="utf-8")
    out = tmp_path / "out.csv"
    result = cli("efficiency", "--enterprises", str(src), "--policy", str(policy_file),
                 "--as-of", "2026-06-30", "--out", str(out))
    assert result.returncode == 0, result.stderr
    table = pd.read_csv(out, encoding="utf-8-sig").set_index("enterprise_id")
    # L1, L2, L3 as in test_linhai_2014_groups_by_land_and_scores_water: 100, 87.5, 100.
    # L4 (5 亩): tax/mu 3 → 8; revenue/mu 100 → 3.3333; VA/tce 1 → 6.6667; VA per t COD 50
    # → 1.5; VA per t water 0.005 → 0.25; VA/person 5 → 3.3333 → 23.0833
    assert table["score"].to_dict() == pytest.approx(
        {"L1": 100, "L3": 100, "L2": 87.5, "L4": 23.0833}, abs=1e-4)
    assert table.at["L1", "group_zh"] == "用地3亩及以上"
    assert table.at["L1", "value_added_per_water"] == pytest.approx(0.12)
    # ≥ 3 亩: L1 and L3 tie at rank 1 → A; L4 has 2 of 3 ahead (67 %) → C; L2 alone → A.
    # C pays 2 元/t of water: L4 10,000 t → 20,000 元 = 2 万元
    assert table["class"].to_dict() == {"L1": "A", "L3": "A", "L2": "A", "L4": "C"}
    assert table.at["L4", "surcharge_wan"] == pytest.approx(2)
    assert "tax_wan" not in table.columns and "surcharges (加价收入) 2.00 万元" in result.stderr
    bad = policy_file.read_text(encoding="utf-8").replace("denominator: water_t",
                                                          "denominator: water")
    policy_file.write_text(bad, encoding="utf-8")
    result = cli("efficiency", "--enterprises", str(src), "--policy", str(policy_file),
                 "--as-of", "2026-06-30", "--out", str(out))
    assert result.returncode != 0 and "Traceback" not in result.stderr
    assert "efficiency.indicators.value_added_per_water.denominator: unknown column 'water'" \
        in result.stderr

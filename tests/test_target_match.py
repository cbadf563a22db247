"""Target-enterprise library: Chinese export headers, evidence parts by hand, unknown ≠ 0,
placement per segment, ranking rules, the CLI and investor refusal.

The toy chain world (tests/chain_toy.py): segment b (冶炼, code 3216) is thin, c (零件,
keywords 齿轮/轴承) missing, e (服务) extension; a (矿石, code 0810) is strong — no gap.
"""

from __future__ import annotations

import json
import math
from datetime import date

import openpyxl
import pandas as pd
import pytest

from geo.chains import analyse
from geo.target_match import (
    TargetSettings,
    evidence_parts,
    evidence_score,
    parse_settings,
    rank_targets,
)
from layers.chains import load_chains
from layers.io import load_layer
from layers.policy import PolicyError
from tests import chain_toy

AS_OF = date(2026, 12, 1)
HEADERS = ["统一社会信用代码", "企业名称", "注册地", "行业代码", "主要产品", "近期融资",
           "异地设厂/拿地", "招聘", "营收规模", "上市情况", "专精特新", "联系人", "联系电话"]
ROWS = [
    # T1 → b by industry code: financing 6 months old (1.0), hiring 10/20 (0.5),
    # revenue 1–5亿 (mean 3亿 = 30000 万元 → log(30)/log(100)), listed (1.0)
    ["91610000MA00000011", "示例冶炼科技有限公司", "上海", "3216", "", "B轮 2026-06", "", "10",
     "1-5亿", "A股上市", "", "张三", "13900000001"],
    # T2 → c by keyword 齿轮 in its products: no financing (0), a plant 12 months ago (1.0),
    # 省级专精特新 (0.7)
    ["91610000MA00000022", "示例精工有限公司", "西安", "", "精密齿轮", "无",
     "西安新建基地 2025-12", "", "", "", "省级专精特新", "李四", "13900000002"],
    # T3 → b: only its listing is known (share 0.15 < 0.5) → ranked after T1 despite 100
    ["91610000MA00000033", "示例冶炼二厂有限公司", "包头", "3216", "", "", "", "", "",
     "A股上市", "", "", ""],
    # T4 → a (strong, no gap): never listed
    ["91610000MA00000044", "示例矿业有限公司", "榆林", "0810", "", "C轮 2026-10", "", "50",
     "10亿以上", "", "", "", ""],
    # T5 → fits no segment: never listed
    ["91610000MA00000055", "示例无关贸易公司", "天津", "", "办公用品", "", "", "", "", "",
     "", "", ""],
]


@pytest.fixture
def toy(tmp_path):
    return load_chains(chain_toy.write_toy(tmp_path))


@pytest.fixture
def sheet(tmp_path):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(HEADERS)
    for row in ROWS:
        ws.append(row)
    path = tmp_path / "targets.xlsx"
    wb.save(path)
    return path


@pytest.fixture
def targets(sheet):
    frame, report = load_layer(sheet, "target")
    assert report.ok
    return frame


def _analysis(toy):
    return analyse(toy, chain_toy.projects(), chain_toy.enterprises(), parks=chain_toy.parks())


def test_chinese_export_headers_map_to_the_target_layer(targets):
    assert targets["target_id"].tolist()[0] == "91610000MA00000011"
    assert targets.loc[0, "financing"] == "B轮 2026-06"
    assert targets.loc[1, "products"] == "精密齿轮"
    assert targets.loc[0, "contact_phone"] == "13900000001"
    assert pd.isna(targets.loc[0, "expansion"])


def test_evidence_parts_by_hand_and_blank_is_unknown_not_zero(targets):
    parts = evidence_parts(targets, as_of=AS_OF)
    t1, t2 = parts.iloc[0], parts.iloc[1]
    assert t1["financing"] == pytest.approx(1.0)
    assert math.isnan(t1["expansion"])  # blank cell: unknown
    assert t1["hiring"] == pytest.approx(0.5)
    assert t1["revenue"] == pytest.approx(math.log(30) / math.log(100))
    assert t1["quality"] == pytest.approx(1.0)
    assert t2["financing"] == 0.0  # "无" is known evidence of no financing
    assert t2["expansion"] == pytest.approx(1.0)
    assert math.isnan(t2["hiring"]) and math.isnan(t2["revenue"])
    assert t2["quality"] == pytest.approx(0.7)


def test_score_is_the_weighted_mean_of_known_parts(targets):
    scored = evidence_score(evidence_parts(targets, as_of=AS_OF))
    rev = math.log(30) / math.log(100)
    t1 = (0.25 * 1 + 0.15 * 0.5 + 0.15 * rev + 0.15 * 1) / 0.70
    t2 = (0.30 * 1 + 0.15 * 0.7) / 0.70
    assert scored["score"].iloc[0] == pytest.approx(round(100 * t1, 1))
    assert scored["score"].iloc[1] == pytest.approx(round(100 * t2, 1))
    assert scored["known_parts"].tolist()[:3] == [4, 3, 1]
    assert scored["known_share"].tolist()[:3] == pytest.approx([0.70, 0.70, 0.15])
    assert scored["evidence_ok"].tolist()[:3] == [True, True, False]


def test_recency_ramp_between_full_and_zero_months():
    frame = pd.DataFrame({"financing": ["A轮 2024-12", "A轮 2023-06", "战略融资", None]})
    parts = evidence_parts(frame, as_of=AS_OF)["financing"]
    assert parts.iloc[0] == pytest.approx((36 - 24) / 24)  # 24 months old
    assert parts.iloc[1] == 0.0  # 42 months: past recent_zero_months
    assert parts.iloc[2] == pytest.approx(TargetSettings().undated_value)
    assert math.isnan(parts.iloc[3])


def test_ranking_per_gap_segment_only_firms_placed_in_it(toy, targets):
    everywhere = rank_targets(targets, toy, _analysis(toy), as_of=AS_OF)
    assert set(everywhere["segment_id"]) == {"b", "c", "e", "x", "y"}
    assert everywhere.loc[everywhere["chain_id"] == "other", "target_id"].isna().all()
    ranking = rank_targets(targets, toy, _analysis(toy), as_of=AS_OF, chain_id="toy")
    assert set(ranking["segment_id"]) == {"b", "c", "e"}
    b = ranking[ranking["segment_id"] == "b"]
    assert b["name"].tolist() == ["示例冶炼科技有限公司", "示例冶炼二厂有限公司"]
    assert b["rank"].tolist() == [1, 2]
    assert b["score"].iloc[1] == 100.0  # higher score, thin evidence: still second
    c = ranking[ranking["segment_id"] == "c"]
    assert c["name"].tolist() == ["示例精工有限公司"] and c["placed_by"].iloc[0] == "keyword"
    e = ranking[ranking["segment_id"] == "e"]
    assert len(e) == 1 and pd.isna(e["target_id"].iloc[0])
    assert "暂无" in e["evidence_zh"].iloc[0]
    assert "示例矿业有限公司" not in set(ranking["name"].dropna())
    assert "示例无关贸易公司" not in set(ranking["name"].dropna())


def test_unknown_parts_are_shown_as_unknown_with_their_sources(toy, targets):
    ranking = rank_targets(targets, toy, _analysis(toy), as_of=AS_OF)
    t1 = ranking[ranking["target_id"] == "91610000MA00000011"].iloc[0]
    parts = json.loads(t1["score_parts"])
    assert parts["expansion"] == {"value": "unknown", "weight": 0.3, "source": "expansion",
                                  "evidence": ""}
    assert parts["financing"]["value"] == 1.0
    assert parts["financing"]["evidence"] == "B轮 2026-06"
    assert t1["part_expansion"] == "unknown"
    assert "异地设厂/拿地：未知" in t1["evidence_zh"] and "已知 4/5 项" in t1["evidence_zh"]
    assert "4/5 parts known" in t1["evidence_en"]


def test_settings_errors_name_the_key_and_the_fix():
    with pytest.raises(PolicyError, match=r"targets\.weights.*unknown key.*'funding'"):
        parse_settings({"weights": {"funding": 1}}, "p.yaml")
    with pytest.raises(PolicyError, match=r"targets\.min_known_share.*≤ 1"):
        parse_settings({"min_known_share": 2}, "p.yaml")
    with pytest.raises(PolicyError, match=r"targets\.recent_zero_months.*raise it"):
        parse_settings({"recent_full_months": 40}, "p.yaml")
    s = parse_settings({"weights": {"hiring": 0.5}}, "p.yaml")
    assert s.weights.hiring == 0.5 and s.weights.financing == 0.25


@pytest.mark.parametrize(("value", "message"), [
    ({"funding": 1}, "p.yaml: targets: unknown key(s) ['funding']; fix: use only ["),
    ({"max_per_segment": "20"}, "p.yaml: targets.max_per_segment: '20' is not a whole number "
                                "≥ 1; fix: give a count such as 20"),
    ({"max_per_segment": 2.5}, "p.yaml: targets.max_per_segment: 2.5 is not a whole number"),
    ({"weights": [0.5]}, "p.yaml: targets.weights: expected a mapping, got list; fix: "),
    ({"weights": {"hiring": "high"}}, "p.yaml: targets.weights.hiring: 'high' is not a number "
                                      "≥ 0; fix: give a number ≥ 0"),
    ({"weights": dict.fromkeys(("financing", "expansion", "hiring", "revenue", "quality"), 0)},
     "p.yaml: targets.weights: all weights are 0; fix: "),
    ({"hiring_full": 0}, "p.yaml: targets.hiring_full: 0 is not a number > 0; fix: give a count"),
    ({"revenue_full_wan": 500}, "p.yaml: targets.revenue_full_wan: not above revenue_zero_wan"),
])
def test_an_unknown_key_or_a_wrong_type_names_file_key_and_fix(value, message):
    """The section is parsed by geo.policy_checks.parse_section (issue 26)."""
    with pytest.raises(PolicyError) as err:
        parse_settings(value, "p.yaml")
    assert str(err.value).startswith(message)


def test_settings_are_typed_and_frozen():
    import dataclasses

    s = parse_settings({"max_per_segment": 5.0, "hiring_full": 10}, "p.yaml")
    assert s.max_per_segment == 5 and type(s.max_per_segment) is int
    assert type(s.hiring_full) is float and s.weights == TargetSettings().weights
    with pytest.raises(dataclasses.FrozenInstanceError):
        s.max_per_segment = 6  # type: ignore[misc]


def test_cli_firm_list_only_gap_segments_and_investor_refused(cli, tmp_path, demo_county):
    from layers.chains import county_analysis

    catalog = load_chains()
    analysis = county_analysis(demo_county, catalog)
    gaps = analysis[analysis["verdict"].isin(["missing", "thin", "extension"])]
    present = analysis[~analysis["verdict"].isin(["missing", "thin", "extension"])]
    gap, other = gaps["segment_id"].iloc[0], present["segment_id"].iloc[0]
    sheet = tmp_path / "t.csv"
    pd.DataFrame({"统一社会信用代码": ["X1", "X2"], "企业名称": ["示例甲", "示例乙"],
                  "产业链环节": [gap, other], "近期融资": ["A轮 2026-01", ""],
                  "联系电话": ["13900009999", "13900008888"]}).to_csv(sheet, index=False)
    out = tmp_path / "firms.csv"
    result = cli("targets", "--list", "firms", "--targets", str(sheet), "--as-of",
                 "2026-12-01", "--out", str(out))
    assert result.returncode == 0, result.stderr
    table = pd.read_csv(out, dtype=str)
    assert set(table["segment_id"]) == set(gaps["segment_id"])
    assert table.loc[table["target_id"] == "X1", "segment_id"].tolist() == [gap]
    assert "X2" not in set(table["target_id"].dropna())
    assert "13900009999" not in out.read_text(encoding="utf-8-sig")  # contacts stay in layer
    refused = cli("targets", "--list", "firms", "--audience", "investor", "--targets",
                  str(sheet), "--out", str(tmp_path / "inv.csv"))
    assert refused.returncode == 2 and "--audience staff" in refused.stderr
    assert not (tmp_path / "inv.csv").exists()


def test_cli_firm_to_parcels_uses_the_worklist_reasons(cli, tmp_path, demo_county):
    from layers.chains import county_worklist

    catalog = load_chains()
    work = county_worklist(demo_county, catalog)
    row = work[work["parcel_id"].notna()].iloc[0]
    sheet = tmp_path / "t.csv"
    pd.DataFrame({"统一社会信用代码": ["X1"], "企业名称": ["示例甲"],
                  "产业链环节": [row["segment_id"]]}).to_csv(sheet, index=False)
    out = tmp_path / "parcels.csv"
    result = cli("targets", "--firm", "X1", "--targets", str(sheet), "--out", str(out))
    assert result.returncode == 0, result.stderr
    table = pd.read_csv(out, dtype={"parcel_id": str})
    assert set(table["target_id"]) == {"X1"}
    assert row["parcel_id"] in set(table["parcel_id"])
    assert table["reasons"].str.contains("亩").all()
    missing = cli("targets", "--firm", "NOPE", "--targets", str(sheet), "--out",
                  str(tmp_path / "x.csv"))
    assert missing.returncode == 2 and "NOPE" in missing.stderr


def test_worklist_names_the_best_evidenced_library_firms(tmp_path, demo_county):
    from layers.chains import county_worklist

    catalog = load_chains()
    plain = county_worklist(demo_county, catalog)
    seg = plain["segment_id"].iloc[0]
    library = pd.DataFrame({"target_id": ["X1", "X2"], "name": ["示例好企业", "示例空企业"],
                            "segment_id": [seg, seg], "financing": ["A轮 2026-10", None],
                            "expansion": ["新建基地 2026-05", None],
                            "hiring": ["30", None]})
    from layers.county import County

    county = County(layers={**demo_county.layers, "target": library},
                    policy=demo_county.policy, source="test")
    work = county_worklist(county, catalog)
    names = work.loc[work["segment_id"] == seg, "enterprises"].iloc[0]
    assert names.split("、")[0] == "示例好企业"

"""亩均 methods as data: groups by rule, declared indicators and columns, class consequences,
the what-if class of a prospect, and the errors bad method settings get."""

from __future__ import annotations

import pandas as pd
import pytest

from geo.aggregates import aggregate, spread_to_parcels
from geo.efficiency import evaluate, parse_settings
from geo.efficiency_catalog import FIGURE_COLUMNS
from geo.efficiency_whatif import planned_figures, whatif_class
from geo.policy_checks import PolicyError
from layers.registry import get_spec

AS_OF = pd.Timestamp("2026-06-30")
TAX_ONLY = {"tax_per_mu": {"weight": 100, "benchmark": 10}}


def firm(eid: str, *, land: float | None = 10.0, tax: float = 100.0, scale: str = "above",
         code: str | None = "1310", park: str = "P1", **more) -> dict:
    return {"enterprise_id": eid, "name": f"企业{eid}", "scale": scale, "park_id": park,
            "industry_code": code, "land_mu": land, "tax_wan": tax, **more}


def run(settings, *rows: dict) -> pd.DataFrame:
    return evaluate(pd.DataFrame(list(rows)), settings, as_of=AS_OF).set_index("enterprise_id")


def by_land(**extra) -> dict:
    return {"min_land_mu": 0, "groups": {
        "small": {"zh": "小", "en": "Small", "when": {"land_mu": [None, 3]}, **TAX_ONLY},
        "large": {"zh": "大", "en": "Large", "when": {"land_mu": [3, None]}, **TAX_ONLY},
    }, **extra}


# -- groups by rule -----------------------------------------------------------------------


@pytest.mark.parametrize(("land", "group"), [(2.99, "small"), (3.0, "large"), (0.5, "small"),
                                              (1e6, "large")])
def test_land_ranges_include_the_lower_bound(land, group):
    out = run(parse_settings(by_land(), "t.yaml"), firm("F", land=land))
    assert out.at["F", "group"] == group and out.at["F", "class"] == "A"


def test_ranking_is_within_the_group():
    # tax per mu: a 20, b 10 (large); c 5 (small) → c alone is rank 1 of its group
    out = run(parse_settings(by_land(), "t"), firm("a", tax=200), firm("b", tax=100),
              firm("c", land=2, tax=10))
    assert out.loc[["a", "b", "c"], "rank"].tolist() == [1, 2, 1]
    assert out.at["c", "score"] == pytest.approx(50)  # 5 ÷ 10 × 100


def test_every_firm_in_one_group_or_ungrouped_with_the_reason():
    s = parse_settings({"groups": {
        "textiles": {"zh": "纺织", "en": "Textiles",
                     "when": {"industry_code": {"prefix": ["17", "18"]}}, **TAX_ONLY},
        "metals": {"zh": "金属", "en": "Metals",
                   "when": {"industry_code": {"prefix": ["33"]}, "land_mu": [3, None]},
                   **TAX_ONLY},
    }}, "t")
    out = run(s, firm("t", code="1711"), firm("m", code="3311"), firm("x", code="2611"),
              firm("n", code=None), firm("s", code="3311", land=4, scale="below"),
              firm("u", code="3311", land=None))
    assert out.at["t", "group"] == "textiles" and out.at["m", "group"] == "metals"
    assert out.at["s", "group"] == "metals"  # scale plays no part in these rules
    assert out.at["x", "class"] == "T" and "fits no group" in out.at["x", "note"]
    assert "不符合 efficiency.groups 任一分组" in out.at["x", "note_zh"]
    assert out.at["n", "class"] == "T" and "industry_code missing" in out.at["n", "note"]
    assert "land_mu missing" in out.at["u", "note"]
    assert out["group"].isna().sum() == 3


def test_scale_groups_stay_the_default():
    s = parse_settings({"groups": {"above": TAX_ONLY, "below": TAX_ONLY}}, "t")
    out = run(s, firm("a"), firm("b", scale="below"))
    assert out.loc[["a", "b"], "group"].tolist() == ["above", "below"]
    assert out.loc[["a", "b"], "group_zh"].tolist() == ["规上", "规下"]


def test_an_exception_before_a_broader_prefix_is_allowed():
    s = parse_settings({"weights_sum": None, "groups": {
        "batteries": {"zh": "电池", "en": "Batteries",
                      "when": {"industry_code": {"prefix": ["3841"]}}, **TAX_ONLY},
        "electrical": {"zh": "电气", "en": "Electrical",
                       "when": {"industry_code": {"prefix": ["38"]}}, **TAX_ONLY},
    }}, "t")
    out = run(s, firm("b", code="3841"), firm("e", code="3812"))
    assert out.loc[["b", "e"], "group"].tolist() == ["batteries", "electrical"]


# -- bad method settings name the key and the fix -----------------------------------------


def _groups(**groups) -> dict:
    return {"groups": groups}


def rule(when: dict, **items) -> dict:
    return {"zh": "组", "en": "Group", "when": when, **(items or TAX_ONLY)}


@pytest.mark.parametrize(("settings", "key", "text"), [
    (_groups(a=rule({"land_mu": [None, 3.5]}), b=rule({"land_mu": [3, None]})),
     "efficiency.groups.b.when", "overlaps group 'a'"),
    (_groups(a=rule({"land_mu": [None, 2]}), b=rule({"land_mu": [3, None]})),
     "efficiency.groups.b.when.land_mu", "leaves a gap [2, 3)"),
    (_groups(a=rule({"scale": ["above"]}), b=rule({"land_mu": [None, 3]})),
     "efficiency.groups.b.when", "overlaps group 'a'"),
    (_groups(a=rule({"industry_code": {"prefix": ["38"]}}),
             b=rule({"industry_code": {"prefix": ["3841"]}})),
     "efficiency.groups.b.when", "overlaps"),
    (_groups(a=rule({"land_mu": [5, 3]})), "efficiency.groups.a.when.land_mu", "is empty"),
    (_groups(a=rule({"acreage": [3, None]})), "efficiency.groups.a.when.acreage",
     "unknown column"),
    (_groups(a=rule({"scale": ["huge"]})), "efficiency.groups.a.when.scale", "unknown scale"),
    (_groups(above={"tax_per_mu": {"weight": 30, "benchmark": 10},
                    "tax_per_kwh": {"weight": 60, "benchmark": 1}}),
     "efficiency.groups.above", "weights add up to 90, the method requires 100"),
    (_groups(a={"when": {"land_mu": [3, None]}, **TAX_ONLY}), "efficiency.groups.a",
     "zh or en label missing"),
    ({"indicators": {"va_per_water": {"zh": "单位用水量增加值", "en": "VA per water",
                                      "numerator": "value_added_wan",
                                      "denominator": "water"}}},
     "efficiency.indicators.va_per_water.denominator", "unknown column 'water'"),
    ({"indicators": {"tax_per_mu": {"zh": "x", "en": "x", "numerator": "tax_wan",
                                    "denominator": "land_mu"}}},
     "efficiency.indicators.tax_per_mu", "built-in"),
    ({"columns": {"water_t": {"zh": "用水量", "en": "Water"}}}, "efficiency.columns.water_t",
     "already a built-in"),
    ({"consequences": {"classes": {"D": {"electricity_surcharge": 0.1}}}},
     "efficiency.consequences.classes.D", "unknown key"),
    ({"consequences": {"classes": {"A": {"land_tax_relief_share": 1.5}}}},
     "efficiency.consequences.classes.A.land_tax_relief_share", "≤ 1.0"),
])
def test_bad_method_settings_name_the_key_and_the_fix(settings, key, text):
    with pytest.raises(PolicyError) as err:
        parse_settings(settings, "county.yaml")
    message = str(err.value)
    assert message.startswith(f"county.yaml: {key}: ") and text in message
    assert "; fix: " in message


def test_weights_sum_null_accepts_any_total():
    s = parse_settings({"weights_sum": None, "groups": {
        "above": {"tax_per_mu": {"weight": 30, "benchmark": 10}}}}, "t")
    assert s.groups["above"].rules["tax_per_mu"].weight == 30


# -- declared indicators and columns ------------------------------------------------------


STEAM = {"columns": {"steam_t": {"zh": "用汽量(吨)", "en": "Steam (t)", "aliases": ["用汽量"]}},
         "indicators": {"tax_per_steam": {"zh": "单位用汽税收", "en": "Tax per t steam",
                                          "numerator": "tax_wan", "denominator": "steam_t",
                                          "factor": 10000, "unit": "元/吨"}},
         "weights_sum": None,
         "groups": {"above": {"tax_per_steam": {"weight": 10, "benchmark": 50}}}}


def test_declared_indicator_with_a_factor():
    # 100 万元 tax ÷ 400 t steam × 10000 = 2500 元/t → 2500 ÷ 50 × 10 = 500
    out = run(parse_settings(STEAM, "t"), firm("F", steam_t=400))
    assert out.at["F", "tax_per_steam"] == pytest.approx(2500)
    assert out.at["F", "score"] == pytest.approx(500)


def test_figure_columns_match_the_registry():
    numeric = [c.name for c in get_spec("enterprise").columns if c.type in ("float", "int")]
    assert sorted(numeric) == sorted(FIGURE_COLUMNS)
    water = get_spec("enterprise").column("water_t")
    assert water.confidential and "用水量" in water.aliases


def test_declared_and_water_columns_are_read_from_chinese_headers(tmp_path):
    from data import get_path
    from layers.io import load_layer
    from layers.policy import load_policy
    from layers.validate import ValidationError

    policy_file = tmp_path / "policy.yaml"
    text = get_path("policy").read_text(encoding="utf-8")
    text = text.replace("\nefficiency:\n", "\nefficiency:\n"
                        "  columns:\n"
                        "    steam_t: {zh: 用汽量(吨), en: Steam (t), aliases: [用汽量]}\n", 1)
    policy_file.write_text(text, encoding="utf-8")
    policy = load_policy(policy_file)
    src = tmp_path / "企业.csv"
    src.write_text("企业编号,企业名称,规模,用地面积(亩),用水量,用汽量\n"
                   "E1,甲,above,10,5000,400\nE2,乙,below,4,,-3\n", encoding="utf-8")
    with pytest.raises(ValidationError) as err:
        load_layer(src, "enterprise", policy=policy)
    assert "steam_t" in str(err.value) and "line 3" in str(err.value)
    src.write_text("企业编号,企业名称,规模,用地面积(亩),用水量,用汽量\n"
                   "E1,甲,above,10,5000,400\nE2,乙,below,4,,\n", encoding="utf-8")
    frame, _ = load_layer(src, "enterprise", policy=policy)
    assert frame["water_t"].tolist()[0] == 5000 and frame["steam_t"].tolist()[0] == 400
    assert pd.isna(frame["steam_t"].tolist()[1])


# -- class consequences -------------------------------------------------------------------


CONSEQUENCES = {"land_use_tax_yuan_per_m2": 6, "classes": {
    "A": {"land_tax_relief_share": 1.0},
    "D": {"electricity_surcharge_yuan_per_kwh": 0.1, "water_surcharge_yuan_per_t": 1.0}}}


def test_consequences_per_firm_and_summed_per_park_and_county():
    s = parse_settings({"class_rule": "score", "class_scores": {"A": 150, "B": 100, "C": 50},
                        "consequences": CONSEQUENCES, "groups": {"above": TAX_ONLY}}, "t")
    rows = [
        firm("a", land=15, tax=300, electricity_10k_kwh=500),             # 20/mu → 200 A
        firm("d1", tax=20, electricity_10k_kwh=1000, water_t=5000),       # 2/mu → 20 D
        firm("d2", tax=10, electricity_10k_kwh=300, water_t=None, park="P2"),  # 1/mu → 10 D
    ]
    out = run(s, *rows)
    assert out["class"].to_dict() == {"a": "A", "d1": "D", "d2": "D"}
    # d1: 1000 万kWh × 0.1 元 = 100 万元; 5000 t × 1 元 = 5000 元 = 0.5 万元
    assert out.at["d1", "electricity_surcharge_wan"] == pytest.approx(100)
    assert out.at["d1", "water_surcharge_wan"] == pytest.approx(0.5)
    assert out.at["d1", "surcharge_wan"] == pytest.approx(100.5)
    # d2: 300 万kWh × 0.1 = 30; water use unknown: that part is not guessed
    assert pd.isna(out.at["d2", "water_surcharge_wan"])
    assert out.at["d2", "surcharge_wan"] == pytest.approx(30)
    # a: 15 亩 = 10,000 m² × 6 元 = 6 万元 relief, all of it
    assert out.at["a", "land_tax_relief_wan"] == pytest.approx(6)
    assert out.at["a", "surcharge_wan"] == 0
    county = aggregate(out.reset_index(), by=None).iloc[0]
    assert county["surcharge_wan"] == pytest.approx(130.5)
    assert county["n_surcharge_unknown"] == 1
    assert county["land_tax_relief_wan"] == pytest.approx(6)
    parks = aggregate(out.reset_index(), by="park_id").set_index("park_id")
    assert parks.at["P1", "surcharge_wan"] == pytest.approx(100.5)
    assert parks.at["P2", "electricity_surcharge_wan"] == pytest.approx(30)
    assert parks.at["P2", "n_surcharge_unknown"] == 1
    parcels = pd.DataFrame({"parcel_id": ["x", "y"], "enterprise_id": ["d1", "d1"],
                            "area_mu": [2.5, 7.5]})
    by_parcel = aggregate(spread_to_parcels(out.reset_index(), parcels), by="parcel_id")
    assert by_parcel.set_index("parcel_id")["surcharge_wan"].to_dict() == pytest.approx(
        {"x": 25.125, "y": 75.375})


# -- what-if ------------------------------------------------------------------------------


def _county_of_ten():
    # ten 规上 firms on 10 亩 with tax per mu 1 … 10 → scores 10 … 100 (benchmark 10, weight
    # 100); shares 20/60/95 %: A = 100, 90; B = 80 … 50; C = 40 … 10 (no D under 20 firms)
    s = parse_settings({"groups": {"above": TAX_ONLY, "below": TAX_ONLY}}, "t")
    rows = [firm(f"E{i}", tax=10 * i) for i in range(1, 11)]
    return s, evaluate(pd.DataFrame(rows), s, as_of=AS_OF)


@pytest.mark.parametrize(("tax", "klass"), [(90, "A"), (89.9, "B"), (50, "B"), (49, "C"),
                                            (1, "C")])
def test_whatif_compares_with_the_lowest_score_of_each_class(tax, klass):
    s, evaluated = _county_of_ten()
    plan = planned_figures({"planned_land_mu": 10, "planned_tax_wan": tax,
                            "planned_output_wan": 5000, "investment_wan": 3000})
    result = whatif_class(plan, evaluated, s)
    assert result.klass == klass and result.group == "above"
    assert result.cutoffs == {"A": 90, "B": 50, "C": 10}
    assert result.text("zh") == f"按现行标准预计为 {klass} 类"
    assert result.text("en") == f"Class {klass} under current standards"
    assert "投资强度 300.0 万元/亩" in result.detail("zh")


def test_whatif_scale_from_output_missing_items_and_t():
    s, evaluated = _county_of_ten()
    small = whatif_class({"land_mu": 10, "tax_wan": 100, "revenue_wan": 1999}, evaluated, s)
    assert small.group == "below" and small.klass is None  # no 规下 firm to compare with
    assert "无从比较" in small.text("zh")
    # tax missing: scored at the group's average item (10 … 100 → 55) → B
    filled = whatif_class({"land_mu": 10, "revenue_wan": 5000}, evaluated, s)
    assert filled.score == pytest.approx(55) and filled.klass == "B"
    assert filled.filled_zh == ("亩均税收",) and filled.filled_en == ("Tax per mu",)
    assert "Tax per mu" in filled.detail("en") and "亩均" not in filled.detail("en")
    tiny = whatif_class({"land_mu": 2, "tax_wan": 100}, evaluated, s)
    assert tiny.klass == "T" and "不足3亩" in tiny.text("zh")
    assert whatif_class({"tax_wan": 100}, evaluated, s).klass is None


def test_whatif_with_score_thresholds_and_a_d_class():
    s = parse_settings({"class_rule": "score", "class_scores": {"A": 120, "B": 90, "C": 60},
                        "groups": {"above": TAX_ONLY}}, "t")
    evaluated = evaluate(pd.DataFrame([firm("E", tax=100)]), s, as_of=AS_OF)
    plan = {"land_mu": 10, "scale": "above"}
    assert whatif_class({**plan, "tax_wan": 59}, evaluated, s).klass == "D"
    assert whatif_class({**plan, "tax_wan": 120}, evaluated, s).klass == "A"
    below = whatif_class({"land_mu": 10, "tax_wan": 120}, evaluated, s)  # no 规下 group
    assert below.klass == "T" and "fits no group" in below.reason_en


def test_whatif_table_for_project_and_lead_rows():
    from geo.efficiency_whatif import whatif_table

    s, evaluated = _county_of_ten()
    rows = pd.DataFrame({"project_id": ["J1", "J2"], "area_mu": [10, None],
                         "planned_tax_wan": [95, 95], "planned_output_wan": [5000, 5000]},
                        index=[7, 8])
    table = whatif_table(rows, evaluated, s)
    assert list(table.index) == [7, 8]
    assert table.at[7, "whatif_class"] == "A"
    assert table.at[7, "whatif_zh"] == "按现行标准预计为 A 类"
    assert pd.isna(table.at[8, "whatif_class"]) and "缺计划用地面积" in table.at[8, "whatif_zh"]
    assert "规上组得分 95.0" in table.at[7, "whatif_detail_zh"]

"""亩均 evaluation: hand-computed scores, ties, missing items, T classes, class cut-offs,
land-weighted aggregates, low-efficiency flags, policy parsing, the demo mix and the CLI."""

from __future__ import annotations

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from geo.aggregates import (
    aggregate,
    aggregate_sums,
    finish_aggregates,
    flag_low_efficiency,
    low_efficiency,
    spread_to_parcels,
)
from geo.efficiency import INDICATORS, evaluate, indicators, parse_settings
from layers.policy import PolicyError

AS_OF = pd.Timestamp("2026-06-30")

# Round benchmarks so that every item can be checked on paper.
GROUPS = {
    "above": {
        "tax_per_mu": {"weight": 30, "benchmark": 20},
        "value_added_per_mu": {"weight": 20, "benchmark": 100},
        "value_added_per_energy": {"weight": 20, "benchmark": 2},
        "value_added_per_emission": {"weight": 10, "benchmark": 5000},
        "labour_productivity": {"weight": 10, "benchmark": 20},
        "rnd_intensity": {"weight": 10, "benchmark": 0.03},
    },
    "below": {
        "tax_per_mu": {"weight": 50, "benchmark": 10},
        "tax_per_kwh": {"weight": 50, "benchmark": 0.25},
    },
}


def make_settings(**overrides):
    return parse_settings({"groups": GROUPS, **overrides}, "test.yaml")


def firm(eid: str, *, scale: str = "above", land: float = 10.0, tax: float = 300.0,
         va: float = 1500.0, revenue: float = 6000.0, energy: float = 500.0,
         emission: float | None = 0.15, employees: int = 50, rnd: float = 120.0,
         kwh: float = 1000.0, since: str = "2015-01-01", utility: bool = False,
         park: str | None = "P01") -> dict:
    return {"enterprise_id": eid, "name": f"企业{eid}", "scale": scale, "park_id": park,
            "land_mu": land, "tax_wan": tax, "value_added_wan": va, "revenue_wan": revenue,
            "energy_tce": energy, "emission_t": emission, "employees": employees,
            "rnd_wan": rnd, "electricity_10k_kwh": kwh,
            "production_start_date": pd.Timestamp(since), "is_utility": utility}


def frame(*rows: dict) -> pd.DataFrame:
    return pd.DataFrame(list(rows))


def by_id(evaluated: pd.DataFrame) -> pd.DataFrame:
    return evaluated.set_index("enterprise_id")


def test_worked_enterprise_ratio_method():
    # Firm W, above scale, 10 亩:
    #   tax 300 万元        → 30 万元/亩  ÷ 20    × 30 = 45
    #   value added 1500   → 150 万元/亩 ÷ 100   × 20 = 30
    #   energy 500 tce     → 3 万元/tce  ÷ 2     × 20 = 30
    #   emission 0.15 t    → 10000 万元/t ÷ 5000 × 10 = 20
    #   50 employees       → 30 万元/人  ÷ 20    × 10 = 15
    #   R&D 120 / rev 6000 → 0.02        ÷ 0.03  × 10 = 6.6667
    #   total = 146.6667
    out = by_id(evaluate(frame(firm("W")), make_settings(), as_of=AS_OF)).loc["W"]
    assert out["tax_per_mu"] == pytest.approx(30)
    assert out["value_added_per_emission"] == pytest.approx(10_000)
    assert out["rnd_intensity"] == pytest.approx(0.02)
    expected = {"tax_per_mu": 45, "value_added_per_mu": 30, "value_added_per_energy": 30,
                "value_added_per_emission": 20, "labour_productivity": 15,
                "rnd_intensity": 20 / 3}
    for name, item in expected.items():
        assert out[f"score_{name}"] == pytest.approx(item)
    assert pd.isna(out["score_tax_per_kwh"])  # not an above-scale indicator
    assert out["score"] == pytest.approx(146.6667, abs=1e-4)
    assert out["rank"] == 1 and out["class"] == "A"  # a lone firm: nobody ahead → A
    assert out["note"] == ""


def test_below_scale_uses_its_own_indicators():
    # 5 亩, tax 75 → 15 万元/亩 ÷ 10 × 50 = 75; tax 75 万元 ÷ 250 万kWh = 0.3 元/kWh ÷ 0.25 × 50
    # = 60; total 135.
    out = by_id(evaluate(frame(firm("S", scale="below", land=5, tax=75, kwh=250)),
                         make_settings(), as_of=AS_OF)).loc["S"]
    assert out["tax_per_kwh"] == pytest.approx(0.3)
    assert out["score"] == pytest.approx(135)
    assert pd.isna(out["score_value_added_per_mu"])


def test_cap_per_item():
    # cap 1.5 × weight: emission item 20 → 15; tax 45 = cap exactly stays 45; total 141.6667
    out = by_id(evaluate(frame(firm("W")), make_settings(cap_per_item=1.5), as_of=AS_OF))
    assert out.at["W", "score_value_added_per_emission"] == pytest.approx(15)
    assert out.at["W", "score_tax_per_mu"] == pytest.approx(45)
    assert out.at["W", "score"] == pytest.approx(141.6667, abs=1e-4)
    assert out.at["W", "note"] == "Value added per t emitted capped at 15"
    assert out.at["W", "note_zh"] == "单位排放增加值得分封顶15"


def test_minmax_method():
    # one indicator, weight 100: tax per mu 10, 20, 30 → 20, 60, 100
    groups = {"below": {"tax_per_mu": {"weight": 100}}}
    s = parse_settings({"method": "minmax", "groups": groups}, "t")
    rows = [firm(e, scale="below", land=10, tax=t) for e, t in
            (("a", 100), ("b", 200), ("c", 300))]
    out = by_id(evaluate(frame(*rows), s, as_of=AS_OF))
    assert out["score"].to_dict() == pytest.approx({"a": 20, "b": 60, "c": 100})
    # two indicators, weights 50/50: kwh figures give tax_per_kwh 0.1, 0.1, 0.1 (no spread)
    # → every firm gets the full 50 for it
    groups = {"below": {"tax_per_mu": {"weight": 50}, "tax_per_kwh": {"weight": 50}}}
    s = parse_settings({"method": "minmax", "groups": groups}, "t")
    rows = [firm(e, scale="below", land=10, tax=t, kwh=t * 10) for e, t in
            (("a", 100), ("b", 200), ("c", 300))]
    out = by_id(evaluate(frame(*rows), s, as_of=AS_OF))
    assert out["score_tax_per_mu"].to_dict() == pytest.approx({"a": 10, "b": 30, "c": 50})
    assert out["score_tax_per_kwh"].tolist() == pytest.approx([50, 50, 50])


def test_missing_item_takes_the_group_average_and_says_so():
    # X and Y have emission items 20 and 10 (10000 and 5000 万元/t); Z has no emission figure,
    # Q has 0 t (a zero denominator is missing too) → both get (20 + 10) / 2 = 15
    rows = [firm("X"), firm("Y", emission=0.3), firm("Z", emission=None),
            firm("Q", emission=0.0)]
    out = by_id(evaluate(frame(*rows), make_settings(), as_of=AS_OF))
    assert pd.isna(out.at["Z", "value_added_per_emission"])
    assert out.at["Z", "score_value_added_per_emission"] == pytest.approx(15)
    assert out.at["Q", "score_value_added_per_emission"] == pytest.approx(15)
    assert out.at["Z", "score"] == pytest.approx(146.6667 - 20 + 15, abs=1e-4)
    assert "Value added per t emitted missing" in out.at["Z", "note"]
    assert "15.00" in out.at["Z", "note"] and "单位排放增加值缺数据" in out.at["Z", "note_zh"]
    assert out.at["X", "note"] == ""


def test_missing_in_every_firm_scores_zero():
    rows = [firm("X", emission=None), firm("Y", emission=None)]
    out = by_id(evaluate(frame(*rows), make_settings(), as_of=AS_OF))
    assert out["score_value_added_per_emission"].tolist() == [0, 0]
    assert "average 0.00" in out.at["X", "note"]


@pytest.mark.parametrize(("kwargs", "graded", "reason"), [
    ({"utility": True}, False, "utility"),
    ({"since": "2024-06-30"}, True, ""),            # exactly 2 years before as-of: graded
    ({"since": "2024-07-01"}, False, "under 2 years"),
    ({"land": 3.0}, True, ""),                      # exactly the minimum: graded
    ({"land": 2.99}, False, "land 2.99 mu < 3 mu"),
    ({"land": None}, False, "land area unknown"),
    ({"scale": "below", "kwh": 1000}, True, ""),
])
def test_t_class_rules(kwargs, graded, reason):
    out = by_id(evaluate(frame(firm("F", **kwargs), firm("G")), make_settings(),
                         as_of=AS_OF)).loc["F"]
    assert (out["class"] != "T") is graded
    assert reason in out["note"]
    if not graded:
        assert pd.isna(out["score"]) and pd.isna(out["rank"])
        assert out["note"].startswith("T: ") and out["note_zh"].startswith("T：")


def test_t_firms_do_not_count_in_the_group():
    # the utility's figures are not in the minmax range nor in the shares
    groups = {"above": {"tax_per_mu": {"weight": 100}}}
    s = parse_settings({"method": "minmax", "groups": groups}, "t")
    rows = [firm("a", tax=100), firm("b", tax=300), firm("u", tax=900, utility=True)]
    out = by_id(evaluate(frame(*rows), s, as_of=AS_OF))
    assert out.at["b", "score"] == pytest.approx(100)
    assert out.at["u", "class"] == "T"


def test_several_t_reasons_are_all_listed():
    out = by_id(evaluate(frame(firm("F", utility=True, land=1.0, since="2026-01-01")),
                         make_settings(), as_of=AS_OF)).loc["F"]
    assert out["note"].count("T: ") == 3


def _firms_with_taxes(taxes: list[float]) -> pd.DataFrame:
    return frame(*[firm(f"E{i:02d}", scale="below", land=10, tax=t, kwh=t * 4)
                   for i, t in enumerate(taxes)])


def _below_only(**overrides):
    return parse_settings({"groups": {"below": GROUPS["below"]}, **overrides}, "t")


def test_share_cut_offs_at_exact_boundaries():
    # A when fewer than 20 % of the group score strictly higher, B < 60 %, C < 95 %.
    # 20 firms, distinct scores: rank 4 has 3 ahead (15 %) → A, rank 5 has exactly 4 ahead
    # (20 %) → B; rank 12 (11 ahead, 55 %) → B, rank 13 (12 ahead, 60 %) → C; rank 19
    # (18 ahead, 90 %) → C, rank 20 (19 ahead, exactly 95 %) → D
    out = evaluate(_firms_with_taxes([100.0 - i for i in range(20)]), _below_only(),
                   as_of=AS_OF)
    assert out["rank"].tolist() == list(range(1, 21))
    assert "".join(out["class"]) == "A" * 4 + "B" * 8 + "C" * 7 + "D"
    # 10 firms: A = ranks 1–2, B = 3–6, C = 7–10 (the last has 90 % ahead < 95 %): no D
    out = evaluate(_firms_with_taxes([100.0 - i for i in range(10)]), _below_only(),
                   as_of=AS_OF)
    assert "".join(out["class"]) == "AABBBBCCCC"
    # 40 firms: D = ranks 39 and 40 (38 and 39 ahead ≥ 38 = 95 % of 40)
    out = evaluate(_firms_with_taxes([100.0 - i for i in range(40)]), _below_only(),
                   as_of=AS_OF)
    assert out["class"].value_counts().to_dict() == {"A": 8, "B": 16, "C": 14, "D": 2}


def test_ties_share_the_better_rank_and_class():
    # scores 10, 9, 9, 8, …: firms 2 and 3 tie at rank 2 (1 firm ahead, 10 % < 20 %) → both
    # A; the next firm is rank 4 (competition ranking). Equal firms are listed by id.
    taxes = [100, 90, 90, 80, 70, 60, 50, 40, 30, 20]
    out = evaluate(_firms_with_taxes(taxes), _below_only(), as_of=AS_OF)
    assert out["rank"].tolist() == [1, 2, 2, 4, 5, 6, 7, 8, 9, 10]
    assert "".join(out["class"]) == "AAABBBCCCC"
    assert out["enterprise_id"].tolist()[1:3] == ["E01", "E02"]
    # 20 firms, the last two tied at rank 19 (18 ahead, 90 %): both C, no D
    out = evaluate(_firms_with_taxes([100.0 - i for i in range(19)] + [82.0]),
                   _below_only(), as_of=AS_OF)
    assert out["rank"].tolist()[-2:] == [19, 19]
    assert out["class"].tolist()[-2:] == ["C", "C"] and "D" not in set(out["class"])


def test_absolute_score_thresholds():
    # tax per mu 10 → 50 + tax per kWh 0.25 → 50 = 100 exactly: B (≥ 100)
    s = _below_only(class_rule="score", class_scores={"A": 120, "B": 100, "C": 60})
    rows = [firm(e, scale="below", land=10, tax=t, kwh=t * 4) for e, t in
            (("a", 120), ("b", 100), ("c", 99), ("d", 60), ("e", 59))]
    out = by_id(evaluate(frame(*rows), s, as_of=AS_OF))
    assert out["score"].to_dict() == pytest.approx({"a": 110, "b": 100, "c": 99.5,
                                                    "d": 80, "e": 79.5})
    assert out["class"].to_dict() == {"a": "B", "b": "B", "c": "C", "d": "C", "e": "C"}
    s = _below_only(class_rule="score", class_scores={"A": 110, "B": 100, "C": 80})
    out = by_id(evaluate(frame(*rows), s, as_of=AS_OF))
    assert out["class"].to_dict() == {"a": "A", "b": "B", "c": "C", "d": "C", "e": "D"}


def test_indicators_keep_index_and_treat_zero_denominators_as_missing():
    df = frame(firm("a", employees=0, kwh=0.0)).set_index(pd.Index([7]))
    ind = indicators(df)
    assert list(ind.index) == [7] and list(ind.columns) == list(INDICATORS)
    assert pd.isna(ind.at[7, "labour_productivity"]) and pd.isna(ind.at[7, "tax_per_kwh"])
    assert ind.at[7, "revenue_per_mu"] == pytest.approx(600)


def test_aggregates_are_land_weighted():
    # park P01: a 10 亩 tax 100 (10/亩), b 90 亩 tax 90 (1/亩): Σ tax ÷ Σ land = 190 / 100
    # = 1.9, not the mean of ratios 5.5. Park P02: c 20 亩 tax 200. County: 390 / 120 = 3.25
    rows = [firm("a", land=10, tax=100, va=500, park="P01"),
            firm("b", land=90, tax=90, va=900, park="P01"),
            firm("c", land=20, tax=200, va=1000, park="P02")]
    ev = evaluate(frame(*rows), make_settings(), as_of=AS_OF)
    parks = aggregate(ev, by="park_id").set_index("park_id")
    assert parks.at["P01", "tax_per_mu"] == pytest.approx(1.9)
    assert parks.at["P01", "value_added_per_mu"] == pytest.approx(14)
    assert parks.at["P01", "n_enterprises"] == 2
    county = aggregate(ev, by=None).iloc[0]
    assert county["tax_per_mu"] == pytest.approx(3.25)
    assert county["land_mu"] == pytest.approx(120)
    assert county[["n_A", "n_B", "n_C", "n_D"]].sum() == county["n_graded"] == 3


def test_class_mix_shares():
    out = evaluate(_firms_with_taxes([100.0 - i for i in range(20)]), _below_only(),
                   as_of=AS_OF)
    county = aggregate(out, by=None).iloc[0]
    assert (county["share_A"], county["share_B"], county["share_C"], county["share_D"]) == \
        pytest.approx((0.20, 0.40, 0.35, 0.05))


@settings(max_examples=40, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(["P01", "P02", None]),
                          st.floats(0.5, 500), st.floats(0, 5000)), min_size=1, max_size=30),
       st.integers(1, 5))
def test_partition_sums_equal_whole(rows, parts):
    """Summing per-partition sums and finishing equals aggregating everything at once."""
    firms = frame(*[firm(f"E{i:03d}", park=p, land=land, tax=tax)
                    for i, (p, land, tax) in enumerate(rows)])
    ev = evaluate(firms, make_settings(), as_of=AS_OF)
    for by in (None, "park_id"):
        whole = aggregate(ev, by=by)
        chunks = [ev.iloc[i::parts] for i in range(parts)]
        pieces = pd.concat([aggregate_sums(c, by=by) for c in chunks if len(c)],
                           ignore_index=True)
        pd.testing.assert_frame_equal(finish_aggregates(pieces), whole, check_exact=False,
                                      rtol=1e-9)


def test_spread_to_parcels_splits_by_area():
    # firm a: tax 400 on parcels 10 亩 and 30 亩 → 100 and 300, both 10 万元/亩
    ev = evaluate(frame(firm("a", land=40, tax=400), firm("b", land=5, tax=50)),
                  make_settings(), as_of=AS_OF)
    parcels = pd.DataFrame({"parcel_id": ["p1", "p2", "p3"], "enterprise_id": ["a", "a", None],
                            "area_mu": [10.0, 30.0, 8.0]})
    rows = spread_to_parcels(ev, parcels)
    assert sorted(rows["parcel_id"]) == ["p1", "p2"]
    per = aggregate(rows, by="parcel_id").set_index("parcel_id")
    assert per.at["p1", "tax_wan"] == pytest.approx(100)
    assert per.at["p2", "tax_wan"] == pytest.approx(300)
    assert per["tax_per_mu"].tolist() == pytest.approx([10, 10])
    with pytest.raises(KeyError, match="spread_to_parcels"):
        aggregate(ev, by="parcel_id")


def test_low_efficiency_flags():
    # 20 graded firms, tax per mu 1 … 20 on 10 亩 each, plus a utility on 10 亩 with no tax:
    # county = 2100 / 210 = 10.0; threshold 10/3 = 3.33 → firms with 1, 2, 3 flagged for
    # tax; the firm with 1 is also D (rank 20); the utility (T) is never flagged.
    rows = [firm(f"E{i:02d}", scale="below", land=10, tax=10.0 * i, kwh=40.0 * i)
            for i in range(1, 21)] + [firm("U", scale="below", land=10, tax=0, utility=True)]
    s = _below_only()
    ev = evaluate(frame(*rows), s, as_of=AS_OF)
    low = low_efficiency(ev, s).set_index("enterprise_id")
    assert list(low.index) == ["E01", "E02", "E03"]
    assert low.at["E01", "county_tax_per_mu"] == pytest.approx(10.0)
    assert low.at["E01", "threshold_tax_per_mu"] == pytest.approx(10 / 3)
    assert low["low_tax"].all() and low["class_d"].tolist() == [True, False, False]
    assert "1.00" in low.at["E01", "reason_en"] and "D类" in low.at["E01", "reason_zh"]
    assert "D类" not in low.at["E02", "reason_zh"]
    # raise the fraction to 0.5: threshold 5 → firms with 1 … 4 flagged
    low = low_efficiency(ev, _below_only(low_tax_fraction=0.5))
    assert low["enterprise_id"].tolist() == ["E01", "E02", "E03", "E04"]


def test_park_and_parcel_low_efficiency_flags():
    # county 10 万元/亩 (see above); P01 holds E01–E03 (tax per mu 1–3: 60 / 30 = 2 < 3.33,
    # and E01 is D); P02 holds E04–E20 and the utility (2040 / 180 亩 = 11.3, no D)
    rows = [firm(f"E{i:02d}", scale="below", land=10, tax=10.0 * i, kwh=40.0 * i,
                 park="P01" if i <= 3 else "P02") for i in range(1, 21)]
    rows.append(firm("U", scale="below", land=10, tax=0, utility=True, park="P02"))
    s = _below_only()
    ev = evaluate(frame(*rows), s, as_of=AS_OF)
    county = aggregate(ev, by=None)["tax_per_mu"].iat[0]
    parks = flag_low_efficiency(aggregate(ev, by="park_id"), county_tax_per_mu=county,
                                settings=s).set_index("park_id")
    assert parks.at["P01", "tax_per_mu"] == pytest.approx(2.0)
    assert parks["low_tax"].to_dict() == {"P01": True, "P02": False}
    assert parks["has_class_d"].to_dict() == {"P01": True, "P02": False}
    assert parks["low_efficiency"].to_dict() == {"P01": True, "P02": False}


@pytest.mark.parametrize(("patch", "message"), [
    ({"method": "average"}, "efficiency.method"),
    ({"classes": {"A": 0.6, "B": 0.2, "C": 0.95}}, "out of order"),
    ({"classes": {"A": 0.2, "B": 0.6}}, "are not A, B, C"),
    ({"class_rule": "score", "class_scores": None}, "efficiency.class_scores"),
    ({"class_scores": {"A": 60, "B": 90, "C": 120}}, "out of order"),
    ({"groups": {"above": {"tax_per_mu": {"weight": 30}}}},
     "efficiency.groups.above.tax_per_mu.benchmark"),
    ({"groups": {"above": {"tax_per_acre": {"weight": 30, "benchmark": 1}}}}, "unknown key"),
    ({"groups": {"huge": {"tax_per_mu": {"weight": 30, "benchmark": 1}}}}, "no when: rule"),
    ({"groups": {"above": {"tax_per_mu": {"weight": -1, "benchmark": 1}}}}, "weight"),
    ({"ungraded_years": 1.5}, "efficiency.ungraded_years"),
    ({"cap_per_item": 0}, "efficiency.cap_per_item"),
    ({"colour": "red"}, "unknown key"),
])
def test_bad_settings_name_the_key(patch, message):
    with pytest.raises(PolicyError, match=message) as err:
        parse_settings({"groups": GROUPS, **patch}, "county.yaml")
    assert str(err.value).startswith("county.yaml: ") and "fix:" in str(err.value)


@pytest.mark.parametrize(("patch", "message"), [
    ({"colour": "red"}, "county.yaml: efficiency: unknown key(s) ['colour']; fix: use only ["),
    ({"min_land_mu": "3"}, "county.yaml: efficiency.min_land_mu: '3' is not a number ≥ 0; "
                           "fix: give a number ≥ 0"),
    ({"method": 5}, "county.yaml: efficiency.method: 5 is not text; fix: write ratio or minmax"),
    ({"classes": [0.2, 0.6]}, "county.yaml: efficiency.classes: expected a mapping, got list"),
    ({"weights_sum": "100"}, "county.yaml: efficiency.weights_sum: '100' is not a number > 0; "
                             "fix: give the total such as 100, or null"),
])
def test_an_unknown_key_or_a_wrong_type_names_file_key_and_fix(patch, message):
    """The section is parsed by geo.policy_checks.parse_section (issue 26)."""
    with pytest.raises(PolicyError) as err:
        parse_settings({"groups": GROUPS, **patch}, "county.yaml")
    assert str(err.value).startswith(message) and "fix: " in str(err.value)


def test_nullable_settings_take_null():
    s = parse_settings({"groups": GROUPS, "cap_per_item": None, "weights_sum": None,
                        "class_scores": None}, "county.yaml")
    assert s.cap_per_item is None and s.weights_sum is None and s.class_scores is None
    assert parse_settings({"groups": GROUPS, "cap_per_item": 2}, "c").cap_per_item == 2.0


def test_policy_file_holds_the_published_shape(policy):
    s = policy.section("efficiency")
    assert s.method == "ratio" and s.cap_per_item is None and s.min_land_mu == 3
    assert s.ungraded_years == 2 and dict(s.classes) == {"A": 0.2, "B": 0.6, "C": 0.95}
    above = {k: (r.weight, r.benchmark) for k, r in s.groups["above"].rules.items()}
    assert above["tax_per_mu"] == (30, 24.097)
    assert sum(w for w, _ in above.values()) == 100
    assert {k: r.weight for k, r in s.groups["below"].rules.items()} == {"tax_per_mu": 50,
                                                                  "tax_per_kwh": 50}


def test_demo_county_class_mix_looks_real(demo_county, policy):
    # 天台县 2022: 1,248 firms = A 134 / B 439 / C 575 / D 100 — most firms B or C,
    # a few A and D, and some firms not graded (T).
    ev = evaluate(demo_county["enterprise"], policy.section("efficiency"), as_of=AS_OF)
    mix = ev["class"].value_counts()
    graded = int(mix[["A", "B", "C", "D"]].sum())
    assert (mix["B"] + mix["C"]) / graded >= 0.6
    assert 0 < mix["A"] / graded <= 0.25 and 0 < mix["D"] / graded <= 0.10
    assert mix["A"] < mix["B"] and mix["D"] < mix["C"]
    assert 0 < mix["T"] < 0.3 * len(ev)
    assert ev.loc[ev["class"].eq("T"), "note"].str.startswith("T: ").all()
    assert ev["note"].str.contains("missing").any()  # demo firms without emission data
    county = aggregate(ev, by=None).iloc[0]
    e = demo_county["enterprise"]
    assert county["tax_per_mu"] == pytest.approx(e["tax_wan"].sum() / e["land_mu"].sum())


def test_cli_efficiency_writes_the_documented_columns(cli, tmp_path):
    out = tmp_path / "eff.csv"
    result = cli("efficiency", "--as-of", "2026-06-30", "--out", str(out))
    assert result.returncode == 0, result.stderr
    table = pd.read_csv(out, encoding="utf-8-sig")
    for col in ("enterprise_id", *INDICATORS, "score", "rank", "class", "note"):
        assert col in table.columns
    assert "tax_wan" not in table.columns
    assert set(table["class"]) == {"A", "B", "C", "D", "T"}
    assert "classes on 2026-06-30" in result.stderr
    parks = tmp_path / "parks.csv"
    assert cli("efficiency", "--as-of", "2026-06-30", "--table", "park", "--out",
               str(parks)).returncode == 0
    assert "tax_per_mu" in pd.read_csv(parks, encoding="utf-8-sig").columns


def test_cli_efficiency_errors(cli, tmp_path):
    result = cli("efficiency", "--as-of", "30/06/2026", "--out", str(tmp_path / "x.csv"))
    assert result.returncode == 2 and "YYYY-MM-DD" in result.stderr
    result = cli("efficiency", "--as-of", "2026-06-30", "--out", str(tmp_path / "x.txt"))
    assert result.returncode == 2 and "unsupported output type" in result.stderr
    result = cli("efficiency", "--table", "parcel", "--enterprises", str(tmp_path / "e.csv"),
                 "--out", str(tmp_path / "x.csv"))
    assert result.returncode == 2 and "--table parcel needs parcels" in result.stderr
    assert not (tmp_path / "x.txt").exists()


def test_cli_reads_an_enterprise_file_with_chinese_headers(cli, tmp_path):
    # Firm W with the published 规上 benchmarks (data/policy.yaml):
    # 30/24.097×30 + 150/136.16×20 + 3/2.694×20 + 10000/4929.81×10 + 30/18.14×10
    # + 0.02/0.0302×10 = 37.349 + 22.033 + 22.272 + 20.285 + 16.538 + 6.623 = 125.099
    src = tmp_path / "企业.csv"
    src.write_text(
        "企业编号,企业名称,规模,用地面积(亩),税收,工业增加值,营业收入,综合能耗,排放量,"
        "职工人数,研发经费,用电量,投产日期,公用事业\n"
        "W,甲公司,above,10,300,1500,6000,500,0.15,50,120,1000,2015-01-01,false\n"
        "U,水务公司,below,20,10,50,100,10,,10,0,100,2015-01-01,true\n", encoding="utf-8")
    out = tmp_path / "out.csv"
    result = cli("efficiency", "--enterprises", str(src), "--as-of", "2026-06-30",
                 "--out", str(out))
    assert result.returncode == 0, result.stderr
    table = pd.read_csv(out, encoding="utf-8-sig").set_index("enterprise_id")
    assert table.at["W", "score"] == pytest.approx(125.099, abs=1e-3)
    assert table.at["W", "class"] == "A"
    assert table.at["U", "class"] == "T" and "utility" in table.at["U", "note"]

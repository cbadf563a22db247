"""Chain definitions, placement and the per-segment analysis (tests/chain_toy.py explains the
hand-made world and its expected verdicts)."""

from __future__ import annotations

import pickle

import numpy as np
import pandas as pd
import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from geo.chains import (
    PROJECT_STAGES,
    ChainSettings,
    analyse,
    analysis_for,
    forward_cycle,
    place,
    unplaced,
)
from layers.chain_settings import parse_settings
from layers.chains import ChainsError, load_chains
from layers.policy import PolicyError
from tests import chain_toy


@pytest.fixture
def toy(tmp_path):
    return load_chains(chain_toy.write_toy(tmp_path))


# -- definitions ---------------------------------------------------------------------------


def test_demo_chains_load_and_fit_the_demo_parks(demo_county):
    catalog = load_chains()
    assert catalog.chain_ids == ["battery", "coal_chem", "food"]
    assert all(8 <= len(c.segments) <= 15 for c in catalog.chains)
    assert len(catalog.targets) >= 20
    assert {t.segment_id for t in catalog.targets} <= set(catalog.segments)
    assert all(forward_cycle(catalog, c) == [] for c in catalog.chain_ids)
    led = {c for chains in demo_county["park"]["leading_industries"] for c in chains}
    assert led == set(catalog.chain_ids)
    # the battery chain closes its loop through recycling → lithium salts
    assert catalog.loop_edges("battery") == [("recycling", "li_salt")]


def test_toy_graph(toy):
    assert toy.linked("c") == ["b", "d"]
    assert toy.linked("b") == ["a", "c", "e"]
    assert toy.downstream_of("b") == {"c", "d", "e"}
    assert toy.upstream_of("d") == {"a", "b", "c"}
    assert [t.name for t in toy.targets_for("c")] == ["示例零件公司", "示例轴承公司"]
    assert toy.segments["e"].supplies == ()


def _mutated(edit) -> str:  # noqa: ANN001
    doc = yaml.safe_load(chain_toy.TOY_YAML)
    edit(doc)
    return yaml.safe_dump(doc, allow_unicode=True)


def _seg(doc, seg_id):  # noqa: ANN001, ANN202
    return next(s for c in doc["chains"] for s in c["segments"] if s["segment_id"] == seg_id)


@pytest.mark.parametrize(("edit", "expected"), [
    (lambda d: _seg(d, "b").update(position="sideways"),
     "chain 'toy', segment 'b': position: 'sideways' is not allowed; fix: write one of"),
    (lambda d: _seg(d, "b").update(supplies=["c", "zzz"]),
     "chain 'toy', segment 'b': supplies: 'zzz' is not another segment of this chain"),
    (lambda d: _seg(d, "x").update(supplies=["d"]),
     "chain 'other', segment 'x': supplies: 'd' is not another segment of this chain"),
    (lambda d: _seg(d, "a").update(industry_codes=[810]),
     "segment 'a': industry_codes: 810 is not quoted; fix: quote GB/T 4754 codes"),
    (lambda d: _seg(d, "a").update(industry_codes=["08a"]),
     "segment 'a': industry_codes: '08a' is not a GB/T 4754 code"),
    (lambda d: _seg(d, "y").update(segment_id="a"),
     "chain 'other', segment 'a': segment_id: already used in chain 'toy'"),
    (lambda d: _seg(d, "c")["land"].update(mu=[40, 20]),
     "segment 'c': land.mu: [40, 20] is not a range [min, max] with 0 < min ≤ max"),
    (lambda d: _seg(d, "c")["land"].update(land_use=["9999"]),
     "segment 'c': land.land_use: unknown or missing land-use code(s) ['9999']"),
    (lambda d: _seg(d, "c").update(colour="red"),
     "segment 'c': colour: unknown key; fix: use only"),
    (lambda d: _seg(d, "c").pop("land"),
     "segment 'c': land: missing; fix: add it"),
    (lambda d: _seg(d, "c").update(supplies=["b", "d"]),
     "chain 'toy': supplies: segments ['b', 'c'] supply each other in a loop"),
    (lambda d: d["targets"][1].update(segment_id="nope"),
     "target '示例零件公司': segment_id: 'nope' is not a segment; fix: use a segment_id"),
    (lambda d: d["chains"][0].update(chain_id="Toy Chain"),
     "chains[0]: chain_id: 'Toy Chain' is not a lower-case id"),
    (lambda d: d.update(extra=1), "top level: extra: unknown key"),
])
def test_definition_errors_name_file_chain_segment_key_and_fix(tmp_path, edit, expected):
    path = chain_toy.write_toy(tmp_path, _mutated(edit))
    with pytest.raises(ChainsError) as info:
        load_chains(path)
    message = str(info.value)
    assert str(path) in message
    assert expected in message, message


def test_every_problem_is_listed_at_once(tmp_path):
    def edit(doc):  # noqa: ANN001, ANN202
        _seg(doc, "a").update(position="top")
        _seg(doc, "d")["land"].update(far_min=-1)

    with pytest.raises(ChainsError) as info:
        load_chains(chain_toy.write_toy(tmp_path, _mutated(edit)))
    assert len(info.value.problems) == 2
    assert "segment 'd': land.far_min: -1 is not a number ≥ 0" in str(info.value)


@pytest.mark.parametrize(("text", "expected"), [
    (None, "file not found"),
    ("chains: [unclosed", "not valid YAML"),
    ("targets: []", "expected a mapping with a list under 'chains'"),
])
def test_unreadable_files(tmp_path, text, expected):
    path = tmp_path / "chains.yaml"
    if text is not None:
        path.write_text(text, encoding="utf-8")
    with pytest.raises(ChainsError, match=expected):
        load_chains(path)


# -- placement -----------------------------------------------------------------------------


def test_placement_order_segment_id_then_code_then_keyword(toy):
    placed = place(chain_toy.projects(), toy)
    assert placed["segment_id"].tolist() == ["b", "d", "c"]
    assert placed["placed_by"].tolist() == ["segment_id", "industry_code", "keyword"]
    assert placed["chain_id"].tolist() == ["toy", "toy", "toy"]


@pytest.mark.parametrize(("row", "segment", "by", "note"), [
    ({"segment_id": "zzz", "industry_code": "3453"}, "c", "industry_code",
     "segment_id 'zzz' is not in the chain definitions"),
    ({"industry_code": "345"}, None, None, "no industry code or keyword"),  # group ≠ class
    ({"industry_code": "34531"}, "c", "industry_code", ""),  # longest prefix: class 3453
    ({"name": "轴承维修中心"}, None, None, "name keywords fit c, e"),  # equal-length tie
    ({"name": "精密轴承维修服务"}, None, None, "name keywords fit c, e"),
    ({"name": "整机与齿轮"}, None, None, "name keywords fit c, d"),
    ({"name": "某某公司"}, None, None, "no industry code or keyword of any segment fits"),
    ({}, None, None, "no segment_id, industry_code or name"),
    ({"chain_id": "other", "name": "原料仓储"}, None, None, "name keywords fit x, y"),
    ({"chain_id": "other", "industry_code": "5960"}, "y", "industry_code", ""),
])
def test_placement_cases(toy, row, segment, by, note):
    frame = pd.DataFrame([{"segment_id": None, "chain_id": None, "industry_code": None,
                           "name": None, **row}], index=[7])
    placed = place(frame, toy)
    assert placed.index.tolist() == [7]
    assert placed["segment_id"].iat[0] == segment
    assert placed["placed_by"].iat[0] == by
    assert note in placed["placement_note"].iat[0]


def test_shared_industry_code_is_decided_by_keyword(tmp_path):
    text = chain_toy.TOY_YAML.replace('industry_codes: ["3431"]', 'industry_codes: ["3453"]')
    catalog = load_chains(chain_toy.write_toy(tmp_path, text))
    frame = pd.DataFrame({"industry_code": ["3453", "3453", "3453"],
                          "name": ["齿轮厂", "整机厂", "某厂"]})
    placed = place(frame, catalog)
    assert placed["segment_id"].tolist() == ["c", "d", None]
    assert placed["placed_by"].tolist() == ["keyword", "keyword", None]
    assert "industry code 3453 fits c, d" in placed["placement_note"].iat[2]
    assert len(unplaced(placed)) == 1


def test_unplaced_rows_are_listed_not_dropped(toy):
    frame = pd.DataFrame({"name": ["冶炼厂", "面包房", "维修站"], "industry_code": [None] * 3})
    placed = place(frame, toy)
    assert len(placed) == 3
    assert unplaced(placed)["name"].tolist() == ["面包房"]


# -- analysis ------------------------------------------------------------------------------


def test_county_verdicts_by_hand(toy):
    table = analyse(toy, chain_toy.projects(), chain_toy.enterprises(),
                    parks=chain_toy.parks()).set_index("segment_id")
    assert table["verdict"].to_dict() == {"a": "strong", "b": "thin", "c": "missing",
                                          "d": "present", "e": "extension", "x": "thin",
                                          "y": "extension"}
    assert table["producers"].to_dict() == {"a": 3, "b": 1, "c": 0, "d": 2, "e": 0, "x": 1,
                                            "y": 0}  # P2 is F5's project: F5 counted once
    assert table.loc["b", "projects_started"] == 1
    assert table.loc["c", "projects_pipeline"] == 1 and table.loc["c", "projects_active"] == 0
    assert table.loc[["b", "c", "d"], "investment_wan"].tolist() == [5000.0, 0.0, 8000.0]
    assert table.loc[["a", "b", "d"], "relative_output"].tolist() == pytest.approx(
        [300 / 160, 60 / 160, 120 / 160])
    assert table.loc["a", "value_added_wan"] == 300.0 and table.loc["a", "tax_wan"] == 33.0
    # fewer than 3 reporting firms: the sums would reveal single firms, so they are blanked
    assert table.loc[["b", "d", "x"], "figures_suppressed"].all()
    assert table.loc[["b", "d", "x"], "tax_wan"].isna().all()
    assert table.loc["a", "needed_by"] == "K1" and table.loc["x", "needed_by"] == "K2"
    assert "（冶炼、整机）" not in table.loc["e", "reason"]
    assert "冶炼" in table.loc["e", "reason"]
    assert set(table.columns) >= {f"projects_{s}" for s in PROJECT_STAGES}


def test_park_analysis_covers_only_its_leading_chains(toy):
    k2 = analyse(toy, chain_toy.projects(), chain_toy.enterprises(), parks=chain_toy.parks(),
                 park_id="K2")
    assert k2["chain_id"].unique().tolist() == ["other"]
    assert set(k2["scope"]) == {"K2"}
    assert k2.set_index("segment_id")["verdict"].to_dict() == {"x": "thin", "y": "extension"}
    k1 = analyse(toy, chain_toy.projects(), chain_toy.enterprises(), parks=chain_toy.parks(),
                 park_id="K1")
    assert k1["chain_id"].unique().tolist() == ["toy"]  # x's firm sits in K2, not a K1 gap


def test_segment_present_only_through_projects_is_thin(toy):
    table = analyse(toy, chain_toy.projects(), chain_toy.enterprises().iloc[:0]
                    ).set_index("segment_id")
    # b: P1 started; d: P2 producing (a producer without reported figures)
    assert table.loc["b", "verdict"] == "thin" and table.loc["b", "producers"] == 0
    assert table.loc["d", "verdict"] == "thin" and np.isnan(table.loc["d", "relative_output"])
    assert table.loc["a", "verdict"] == "missing"  # nothing upstream is present
    assert table.loc["c", "verdict"] == "missing" and table.loc["e", "verdict"] == "extension"


@pytest.mark.parametrize(("settings", "verdicts"), [
    (ChainSettings(strong_min_producers=2, strong_min_relative_output=0.7),
     {"a": "strong", "b": "thin", "d": "strong"}),
    (ChainSettings(thin_max_producers=0), {"a": "strong", "b": "present", "d": "present"}),
    (ChainSettings(thin_max_producers=0, thin_max_relative_output=0.5),
     {"a": "strong", "b": "thin", "d": "present"}),
    (ChainSettings(present_stages=("producing",)), {"a": "strong", "b": "thin", "d": "present"}),
])
def test_verdict_rules_follow_settings(toy, settings, verdicts):
    table = analyse(toy, chain_toy.projects(), chain_toy.enterprises(), settings=settings)
    got = table.set_index("segment_id")["verdict"]
    assert {k: got[k] for k in verdicts} == verdicts


@settings(max_examples=60, deadline=None)
@given(firms=st.lists(st.tuples(st.sampled_from("abcdexy"), st.floats(0, 500)), max_size=12),
       works=st.lists(st.tuples(st.sampled_from("abcdexy"), st.sampled_from(PROJECT_STAGES)),
                      max_size=8))
def test_verdict_invariants(tmp_path_factory, firms, works):
    catalog = load_chains(chain_toy.write_toy(tmp_path_factory.mktemp("toy")))
    enterprises = pd.DataFrame({"enterprise_id": [f"F{i}" for i in range(len(firms))],
                                "segment_id": [f[0] for f in firms],
                                "value_added_wan": [f[1] for f in firms]})
    projects = pd.DataFrame({"project_id": [f"P{i}" for i in range(len(works))],
                             "segment_id": [w[0] for w in works],
                             "stage": [w[1] for w in works]})
    table = analyse(catalog, projects, enterprises).set_index("segment_id")
    present = set(table.index[(table["producers"] > 0) | (table["projects_active"] > 0)])
    rules = ChainSettings()
    for seg, row in table.iterrows():
        down, up = catalog.downstream_of(seg) & present, catalog.upstream_of(seg) & present
        if seg in present:
            assert row["verdict"] in ("strong", "present", "thin")
        elif row["verdict"] == "extension":
            assert up and not down
        else:
            assert row["verdict"] == "missing" and (down or not up)
        if row["verdict"] == "strong":
            assert row["producers"] >= rules.strong_min_producers
        if row["verdict"] == "thin" and row["producers"] > rules.thin_max_producers:
            assert row["relative_output"] < rules.thin_max_relative_output
        assert row["figures_suppressed"] or pd.notna(row["value_added_wan"])


def test_park_errors(toy):
    with pytest.raises(ValueError, match="unknown park 'K9'; parks: \\['K1', 'K2'\\]"):
        analyse(toy, chain_toy.projects(), chain_toy.enterprises(), parks=chain_toy.parks(),
                park_id="K9")
    with pytest.raises(ValueError, match="pass the parks layer"):
        analyse(toy, chain_toy.projects(), chain_toy.enterprises(), park_id="K1")


def test_investor_view_has_names_and_verdicts_only(toy):
    table = analyse(toy, chain_toy.projects(), chain_toy.enterprises())
    investor = analysis_for(table, "investor")
    assert list(investor.columns) == ["scope", "chain_id", "segment_id", "zh", "en",
                                      "position", "verdict"]
    assert "tax_wan" in analysis_for(table, "staff").columns
    with pytest.raises(ValueError, match="unknown audience"):
        analysis_for(table, "press")  # type: ignore[arg-type]


# -- policy section ------------------------------------------------------------------------


def test_policy_section_parses_to_settings(policy):
    settings = policy.section("chains")
    assert isinstance(settings, ChainSettings)
    assert settings == parse_settings(policy.raw["chains"], policy.source)
    assert parse_settings({}, "x.yaml") == ChainSettings()
    custom = parse_settings({"weights": {"price": 0.5}}, "x.yaml")
    assert custom.weights.as_dict() == {"proximity": 0.35, "area": 0.2, "utilities": 0.2,
                                        "price": 0.5, "intensity": 0.1}
    assert pickle.loads(pickle.dumps(settings)) == settings and hash(settings)


@pytest.mark.parametrize(("section", "expected"), [
    ({"strong_min_producers": -1}, "chains.strong_min_producers: -1 is not a whole number ≥ 0"),
    ({"strong_min_producers": 2.5}, "chains.strong_min_producers: 2.5 is not a whole number"),
    ({"present_stages": ["built"]}, "chains.present_stages"),
    ({"match_verdicts": []}, "chains.match_verdicts"),
    ({"output_measure": "profit"}, "chains.output_measure: 'profit' is not allowed"),
    ({"weights": {"beauty": 1}}, "chains.weights.beauty: unknown score part"),
    ({"weights": {"proximity": 0, "area": 0, "utilities": 0, "price": 0, "intensity": 0}},
     "chains.weights: all weights are 0"),
    ({"proximity_full_m": 6000}, "chains.proximity_zero_m: not above proximity_full_m"),
    ({"colour": 1}, "chains: unknown key(s) ['colour']"),
])
def test_bad_policy_values(section, expected):
    with pytest.raises(PolicyError) as info:
        parse_settings(section, "p.yaml")
    assert str(info.value).startswith("p.yaml: ") and expected in str(info.value)


def test_code_lists_mirror_the_registry():
    from geo.chain_catalog import UTILITY_FLAGS
    from layers.registry import PROJECT_STAGES as REGISTRY_STAGES
    from layers.registry import UTILITIES

    assert tuple(REGISTRY_STAGES) == PROJECT_STAGES
    assert tuple(UTILITIES) == UTILITY_FLAGS


# -- demo county and CLI -------------------------------------------------------------------


def test_demo_county_and_parks(demo_county):
    from layers.chains import county_analysis

    catalog = load_chains()
    county = county_analysis(demo_county, catalog)
    assert len(county) == 33 and set(county["scope"]) == {"county"}
    assert set(county["verdict"]) <= {"strong", "present", "thin", "missing", "extension"}
    assert (county["producers"] > 0).all()  # the demo places a firm in every segment
    p01 = county_analysis(demo_county, catalog, park_id="P01")
    assert set(p01["chain_id"]) == {"battery"}
    assert {"missing", "extension"} & set(p01["verdict"])
    gaps = p01[p01["verdict"].isin(["missing", "extension"])]
    assert (gaps["producers"] == 0).all()  # a gap is a segment no firm of the park is in


def test_cli_chains(cli, tmp_path):
    out = tmp_path / "chains.csv"
    result = cli("chains", "--park", "P01", "--out", str(out), "--figures",
                 str(tmp_path / "figs"), "--unplaced", str(tmp_path / "unplaced.csv"))
    assert result.returncode == 0, result.stderr
    table = pd.read_csv(out, encoding="utf-8-sig")
    assert len(table) == 12 and set(table["chain_id"]) == {"battery"}
    assert "verdict" in table and "tax_wan" in table
    assert (tmp_path / "figs" / "battery.svg").stat().st_size > 10_000
    investor = tmp_path / "investor.csv"
    result = cli("chains", "--audience", "investor", "--out", str(investor))
    assert result.returncode == 0, result.stderr
    columns = pd.read_csv(investor, encoding="utf-8-sig").columns
    assert not {"tax_wan", "value_added_wan", "revenue_wan", "producers"} & set(columns)


@pytest.mark.parametrize(("args", "expected"), [
    (("--park", "P99"), "--park P99: no such park; parks: P01, P02"),
    (("--chains", "missing.yaml"), "missing.yaml: 1 problem(s)"),
])
def test_cli_chains_errors(cli, tmp_path, args, expected):
    result = cli("chains", *args, "--out", str(tmp_path / "x.csv"))
    assert result.returncode == 2
    assert expected in result.stderr and "Traceback" not in result.stderr
    assert not (tmp_path / "x.csv").exists()

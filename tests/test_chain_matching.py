"""Gap → parcel → target matching on the hand-made world of tests/chain_toy.py.

Hand computation (weights 0.35/0.2/0.2/0.15/0.1; proximity 1 up to 500 m, 0 from 5000 m;
price 1 up to 10, 0 from 40 万元/亩; area tolerance 0.2):

* b (thin): Q1 only — Q2's FAR ceiling 0.8 is below b's 1.0. No linked project is active
  (a and e have none, P3 in c is only in talks): proximity 0, the rest 1 → 65.0.
* c (missing): Q1 only — Q2 is 100101, c needs 100102. P1 (b) is 200 m away → proximity 1;
  intensity 150/200 = 0.75 → 100 × (0.35 + 0.2 + 0.2 + 0.15 + 0.075) = 97.5.
* e (extension): Q1 → intensity 100/200 = 0.5 → 95.0. Q2: 15 亩 vs 16 → deviation 1/16,
  area 1 − 0.0625/0.2 = 0.6875; P1 700 m away → (5000 − 700)/4500; utilities 4/8; price
  (40 − 25)/30 = 0.5 → 74.7.
* x (thin, chain other): Q4 in K2 → no linked active project → 65.0.
* y (extension): Q4 is 100102, y needs 1101 → no parcel, with the reason.
"""

from __future__ import annotations

import geopandas as gpd
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from geo.availability import assess
from geo.chains import (
    MATCH_PARTS,
    ChainSettings,
    analyse,
    match,
    worklist_for,
)
from geo.crs import CRSError
from layers.chains import load_chains
from layers.supply import supply_rules
from tests import chain_toy
from tests.shapes import EPSG, rect


@pytest.fixture
def toy(tmp_path):
    return load_chains(chain_toy.write_toy(tmp_path))


def _available(parcels: pd.DataFrame, unavailable: tuple[str, ...] = ()) -> pd.DataFrame:
    return pd.DataFrame({"parcel_id": parcels["parcel_id"],
                         "available": ~parcels["parcel_id"].isin(unavailable)})


def _worklist(catalog, *, park_id=None, availability=None, chain_id=None,  # noqa: ANN001, ANN202
              settings_=None):
    parcels, parks = chain_toy.parcels(), chain_toy.parks()
    analysis = analyse(catalog, chain_toy.projects(), chain_toy.enterprises(), parks=parks,
                       park_id=park_id)
    availability = availability if availability is not None else _available(parcels, ("Q3",))
    return match(catalog, analysis, availability, parcels, chain_toy.projects(), parks,
                 chain_id=chain_id, settings=settings_)


def test_worklist_by_hand(toy):
    work = _worklist(toy)
    got = [(s, p, sc) for s, p, sc in zip(work["segment_id"], work["parcel_id"], work["score"],
                                          strict=True)]
    assert got[:5] == [("b", "Q1", 65.0), ("c", "Q1", 97.5), ("e", "Q1", 95.0),
                       ("e", "Q2", 74.7), ("x", "Q4", 65.0)]
    assert got[5][0] == "y" and pd.isna(got[5][1]) and pd.isna(got[5][2])
    assert work["verdict"].tolist() == ["thin", "missing", "extension", "extension", "thin",
                                        "extension"]
    assert work["rank"].tolist()[:5] == [1, 1, 1, 2, 1]
    e_q2 = work.iloc[3]
    assert e_q2["score_parts"] == {"proximity": pytest.approx(4300 / 4500, abs=5e-4),
                                   "area": 0.688, "utilities": 0.5, "price": 0.5,
                                   "intensity": 1.0}
    assert e_q2["part_area"] == 0.688 and e_q2["area_mu"] == 15.0
    assert "0.7 km" in e_q2["reasons_en"] and "冶炼扩建项目" in e_q2["reasons"]
    assert "七通一平 4/8" in e_q2["reasons"]
    assert work.iloc[0]["reasons_en"].endswith("no linked project yet")
    assert work["enterprises"].tolist()[:3] == ["示例冶炼公司", "示例零件公司、示例轴承公司",
                                                "示例服务公司"]
    assert "land use 1" in work.iloc[5]["reasons_en"]
    assert "用地性质不符 1 宗" in work.iloc[5]["reasons"]


def test_score_is_the_weighted_sum_of_its_parts(toy):
    weights = ChainSettings().weights.as_dict()
    work = _worklist(toy).dropna(subset=["parcel_id"])
    for _, row in work.iterrows():
        expected = 100 * sum(weights[p] * row[f"part_{p}"] for p in MATCH_PARTS) / sum(
            weights.values())
        assert row["score"] == pytest.approx(expected, abs=0.06)


def test_parcel_with_a_red_line_conflict_is_never_a_candidate(toy, policy):
    parcels = chain_toy.parcels()
    eco = gpd.GeoDataFrame({"category": ["eco_redline"]}, geometry=[rect(-50, 450, 300, 50)],
                           crs=EPSG)
    availability = assess(parcels, eco, supply_rules(policy))
    assert availability.set_index("parcel_id")["available"].to_dict() == {
        "Q1": True, "Q2": True, "Q3": False, "Q4": True}
    work = _worklist(toy, availability=availability)
    assert "Q3" not in set(work["parcel_id"])
    # the same parcel without the red line ties with Q1 wherever Q1 fits (same size, use, …)
    clean = _worklist(toy, availability=_available(parcels))
    c_rows = clean[clean["segment_id"] == "c"]
    assert c_rows["parcel_id"].tolist() == ["Q1", "Q3"]  # equal scores: by parcel id
    assert c_rows["score"].tolist() == [97.5, 97.5] and c_rows["rank"].tolist() == [1, 2]


def test_unknown_or_unset_availability_is_not_available(toy):
    parcels = chain_toy.parcels()
    partial = pd.DataFrame({"parcel_id": ["Q2", "Q4", "Q1"], "available": [True, True, None]})
    work = _worklist(toy, availability=partial)
    assert set(work["parcel_id"].dropna()) == {"Q2", "Q4"}
    assert set(parcels["parcel_id"]) - set(partial["parcel_id"]) == {"Q3"}


def test_parks_only_host_their_leading_chains(toy):
    county = _worklist(toy)
    toy_rows = county[county["chain_id"] == "toy"]
    assert set(toy_rows["park_id"].dropna()) == {"K1"}  # Q4 (K2) never serves chain toy
    k2 = _worklist(toy, park_id="K2")
    assert set(k2["chain_id"]) == {"other"}  # toy segments are not gaps for K2
    assert k2["parcel_id"].dropna().tolist() == ["Q4"]
    k1 = _worklist(toy, park_id="K1")
    assert set(k1["chain_id"]) == {"toy"} and "Q4" not in set(k1["parcel_id"])


def test_filters_and_limits(toy):
    work = _worklist(toy, chain_id="toy",
                     settings_=ChainSettings(max_parcels_per_segment=1,
                                             match_verdicts=("extension",)))
    assert work[["segment_id", "parcel_id"]].values.tolist() == [["e", "Q1"]]
    with pytest.raises(KeyError, match="no chain 'nope'"):
        _worklist(toy, chain_id="nope")


def test_no_leading_park_is_explained(toy):
    parks = chain_toy.parks().assign(leading_industries=[["toy"], ["toy"]])
    analysis = analyse(toy, chain_toy.projects(), chain_toy.enterprises())
    parcels = chain_toy.parcels()
    work = match(toy, analysis, _available(parcels), parcels, chain_toy.projects(), parks)
    y = work[work["segment_id"] == "y"].iloc[0]
    assert pd.isna(y["parcel_id"]) and y["reasons"] == "没有以该产业链为主导产业的园区"


def test_investor_worklist_hides_targets_scores_and_reasons(toy):
    work = _worklist(toy)
    investor = worklist_for(work, "investor")
    assert list(investor.columns) == ["chain_id", "segment_id", "segment_zh", "segment_en",
                                      "verdict", "parcel_id", "park_id", "area_mu"]
    assert investor["parcel_id"].notna().all()
    assert worklist_for(work, "staff").equals(work)


def test_crs_mismatch_is_an_error(toy):
    parcels, parks = chain_toy.parcels(), chain_toy.parks()
    analysis = analyse(toy, chain_toy.projects(), chain_toy.enterprises())
    with pytest.raises(CRSError, match="bring both into the working CRS"):
        match(toy, analysis, _available(parcels), parcels, chain_toy.projects().to_crs(4490),
              parks)


@settings(max_examples=40, deadline=None)
@given(st.lists(st.tuples(st.floats(5, 60), st.floats(0, 60), st.integers(0, 8),
                          st.floats(0, 400), st.booleans()), min_size=1, max_size=8))
def test_candidates_are_available_and_ranked(tmp_path_factory, rows):
    catalog = load_chains(chain_toy.write_toy(tmp_path_factory.mktemp("toy")))
    side = [(mu * 10_000 / 15) ** 0.5 for mu, *_ in rows]
    parcels = gpd.GeoDataFrame({
        "parcel_id": [f"R{i}" for i in range(len(rows))],
        "park_id": "K1", "land_use": "100102", "status": "available", "far_max": 2.0,
        "price_wan_per_mu": [r[1] for r in rows],
        "investment_min_wan_per_mu": [r[3] for r in rows],
        "utilities": [chain_toy.ALL_UTILITIES[:r[2]] for r in rows],
    }, geometry=[rect(400 * i, 0, s, s) for i, s in enumerate(side)], crs=EPSG)
    parcels["area_mu"] = parcels.geometry.area / (10_000 / 15)
    availability = pd.DataFrame({"parcel_id": parcels["parcel_id"],
                                 "available": [r[4] for r in rows]})
    analysis = analyse(catalog, chain_toy.projects(), chain_toy.enterprises())
    work = match(catalog, analysis, availability, parcels, chain_toy.projects(),
                 chain_toy.parks(), chain_id="toy")
    offered = set(availability.loc[availability["available"], "parcel_id"])
    hits = work.dropna(subset=["parcel_id"])
    assert set(hits["parcel_id"]) <= offered
    assert hits["score"].between(0, 100).all()
    parts = hits[[f"part_{p}" for p in MATCH_PARTS]]
    assert ((parts >= 0) & (parts <= 1)).all().all()
    for _, group in hits.groupby("segment_id"):
        assert group["score"].is_monotonic_decreasing
        assert group["rank"].tolist() == list(range(1, len(group) + 1))
        assert len(group) <= ChainSettings().max_parcels_per_segment


# -- demo county and CLI -------------------------------------------------------------------


def test_demo_worklist_only_offers_available_parcels_in_leading_parks(demo_county):
    from geo.chains import leading_chains
    from layers.chains import county_worklist
    from layers.supply import availability

    catalog = load_chains()
    work = county_worklist(demo_county, catalog)
    hits = work.dropna(subset=["parcel_id"])
    assert len(hits) > 10
    ok = availability(demo_county).set_index("parcel_id")["available"]
    assert ok[hits["parcel_id"]].all()
    lead = leading_chains(demo_county["park"])
    assert all(c in lead[p] for c, p in zip(hits["chain_id"], hits["park_id"], strict=True))
    p01 = county_worklist(demo_county, catalog, park_id="P01")
    assert set(p01["park_id"].dropna()) == {"P01"} and set(p01["chain_id"]) == {"battery"}


def test_cli_targets(cli, tmp_path):
    out = tmp_path / "targets.csv"
    result = cli("targets", "--park", "P01", "--out", str(out))
    assert result.returncode == 0, result.stderr
    table = pd.read_csv(out, encoding="utf-8-sig", dtype={"parcel_id": str})
    assert list(table.columns[:11]) == ["chain_id", "segment_id", "segment_zh", "segment_en",
                                        "verdict", "rank", "parcel_id", "park_id", "area_mu",
                                        "score", "score_parts"]
    assert {"enterprises", "reasons"} <= set(table.columns)
    assert table["score_parts"].dropna().str.startswith('{"proximity"').all()
    investor = tmp_path / "investor.xlsx"
    result = cli("targets", "--chain", "food", "--audience", "investor", "--out", str(investor))
    assert result.returncode == 0, result.stderr
    columns = set(pd.read_excel(investor).columns)
    assert not {"enterprises", "score", "reasons", "score_parts"} & columns
    bad = cli("targets", "--chain", "steel", "--out", str(tmp_path / "x.csv"))
    assert bad.returncode == 2 and "--chain steel: no such chain" in bad.stderr

"""Site search (智能选址) on hand-made parcels: 100 m squares (15 亩 each).

Park P1 (x 0–400): A B C D in a row along y 0–100, E above A (touches A along 100 m and B only
at a corner), G above B (transferred: not available). Park P2 (x 400–600): F right of D.
"""

from __future__ import annotations

import json

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

from tests.conftest import run_cli
from tests.shapes import EPSG, X0, Y0, rect, square

IDS = ["A", "B", "C", "D", "E", "F", "G"]
GEOMS = [square(0, 0), square(100, 0), square(200, 0), square(300, 0), square(0, 100),
         square(400, 0), square(100, 100)]


def _write(out, *, eco=None, facilities=None):
    layers = {
        "park": gpd.GeoDataFrame({"park_id": ["P1", "P2"], "name": ["甲园", "乙园"],
                                  "level": ["county"] * 2,
                                  "leading_industries": ["battery"] * 2},
                                 geometry=[rect(0, 0, 400, 400), rect(400, 0, 200, 400)],
                                 crs=EPSG),
        "parcel": gpd.GeoDataFrame({
            "parcel_id": IDS, "land_use": ["100102"] * 6 + ["0901"],
            "status": ["available"] * 6 + ["transferred"],
            "park_id": ["P1"] * 5 + ["P2", "P1"],
            "price_wan_per_mu": [10.0] * 7,
            "utilities": ["road,power,water,drainage,telecom,gas,heat,levelled"] * 7},
            geometry=GEOMS, crs=EPSG),
        "redline": gpd.GeoDataFrame({"redline_id": ["U1"], "category": ["urban_boundary"]},
                                    geometry=[rect(-1000, -1000, 3000, 3000)], crs=EPSG),
        "project": gpd.GeoDataFrame({"project_id": ["J1"], "name": ["甲项目"],
                                     "stage": ["producing"], "parcel_id": ["G"],
                                     "chain_id": ["battery"], "segment_id": ["cell"]},
                                    geometry=[shapely.Point(X0 + 150, Y0 + 150)], crs=EPSG),
    }
    if eco is not None:
        layers["redline"] = pd.concat([layers["redline"], gpd.GeoDataFrame(
            {"redline_id": ["E1"], "category": ["eco_redline"]}, geometry=[eco], crs=EPSG)])
    if facilities is not None:
        layers["facility"] = facilities
    for name, frame in layers.items():
        frame.to_file(out, layer=name, driver="GPKG")
    return out


@pytest.fixture(scope="module")
def county(tmp_path_factory):
    from layers.county import load_county

    fac = gpd.GeoDataFrame({"facility_id": ["I1", "S1"], "name": ["青峰互通", "北变电站"],
                            "kind": ["interchange", "substation"]},
                           geometry=[shapely.Point(X0 + 50, Y0 - 1000),
                                     rect(0, 2000, 100, 100)], crs=EPSG)
    return load_county(_write(tmp_path_factory.mktemp("s") / "toy.gpkg", facilities=fac))


def _search(county, lo, hi, **kw):
    from geo.sites import SiteQuery
    from layers.sites import SiteRequest, search

    request = SiteRequest(**{k: kw.pop(k) for k in ("park_ids", "land_uses", "utilities")
                             if k in kw})
    result, pool = search(county, request, SiteQuery(min_mu=lo, max_mu=hi, **kw))
    return result, pool


def test_every_connected_set_once(county):
    result, _ = _search(county, 25, 65, assemble=True, max_parcels=4)
    sets = sorted(result.sites["parcel_ids"])
    # path E–A–B–C–D: 4 pairs, 3 triples, 2 quadruples; F is in another park, G not available
    assert sets == sorted(["A,E", "A,B", "B,C", "C,D", "A,B,E", "A,B,C", "B,C,D",
                           "A,B,C,E", "A,B,C,D"])
    assert not result.sites["parcel_ids"].duplicated().any()
    assert result.sites.set_index("parcel_ids").loc["A,B,C,D", "area_mu"] == pytest.approx(60)


def test_singles_and_size_limit(county):
    result, _ = _search(county, 10, 35, assemble=True, max_parcels=2)
    assert sorted(result.sites["parcel_ids"]) == sorted(
        ["A", "B", "C", "D", "E", "F", "A,E", "A,B", "B,C", "C,D"])
    singles, _ = _search(county, 10, 35)
    assert sorted(singles.sites["parcel_ids"]) == ["A", "B", "C", "D", "E", "F"]


def test_compactness_and_score_by_hand(county):
    result, _ = _search(county, 25, 65, assemble=True, max_parcels=4)
    parts = result.sites.set_index("parcel_ids")["score_parts"].map(json.loads)
    assert parts["A,B"]["compactness"] == pytest.approx(16 * 20_000 / 600**2, abs=1e-3)
    assert parts["A,B,C,D"]["compactness"] == pytest.approx(16 * 40_000 / 1000**2, abs=1e-3)
    assert parts["A,B,E"]["compactness"] == pytest.approx(16 * 30_000 / 800**2, abs=1e-3)
    assert parts["A,B,C"]["area_fit"] == pytest.approx(1.0)  # 45 亩 = middle of 25–65
    assert parts["A,B"]["price"] == pytest.approx(1.0) and parts["A,B"]["utilities"] == 1.0
    assert parts["A,B"]["chain"] is None  # no segment asked: the part does not apply
    # one square alone: everything full except facilities
    single, _ = _search(county, 10, 20)
    row = single.sites.set_index("parcel_ids").loc["A"]
    part = json.loads(row["score_parts"])
    # interchange 1.0 km (full up to 2 km); substation 1.9 km from A's top edge
    assert part["facilities"] == pytest.approx(1.0)
    assert row["score"] == pytest.approx(100.0)


def test_member_with_redline_conflict_is_never_assembled(tmp_path):
    from layers.county import load_county

    county = load_county(_write(tmp_path / "eco.gpkg", eco=rect(350, 50, 100, 100)))
    result, _ = _search(county, 25, 65, assemble=True, max_parcels=4)
    assert not any("D" in s.split(",") for s in result.sites["parcel_ids"])
    assert "A,B,C,E" in set(result.sites["parcel_ids"])


def test_facility_distance_filter_and_columns(county):
    from layers.sites import facility_distances

    dist = facility_distances(county).set_index(county["parcel"]["parcel_id"])
    assert dist.loc["A", "distance_km_interchange"] == pytest.approx(1.0)
    assert dist.loc["E", "distance_km_interchange"] == pytest.approx(1.1)
    assert dist.loc["E", "distance_km_substation"] == pytest.approx(1.8)  # polygon: from edge
    assert dist.loc["A", "nearest_interchange"] == "青峰互通"
    near, _ = _search(county, 10, 65, assemble=True, max_parcels=3,
                      max_distance_km={"interchange": 1.0})
    assert all("A" in s.split(",") for s in near.sites["parcel_ids"])
    assert "A" in set(near.sites["parcel_ids"])
    none, _ = _search(county, 10, 65, max_distance_km={"port": 50.0})
    assert none.sites.empty  # no port loaded: nothing is within reach


def test_sensitivity_by_hand():
    from geo.sites import sensitivity
    from geo.sites_settings import SCORE_PARTS

    parts = np.full((2, len(SCORE_PARTS)), np.nan)
    parts[:, 0] = [1.0, 0.0]   # area_fit
    parts[:, 1] = [0.0, 0.95]  # compactness
    weights = {"area_fit": 0.5, "compactness": 0.5}
    table = sensitivity(parts, weights, step=0.2, top=1).set_index(["part", "change"])
    # area_fit −20 %: 0.4 vs 0.475 → the second site moves first
    assert not table.loc[("area_fit", -0.2), "first_kept"]
    assert table.loc[("area_fit", 0.2), "first_kept"]
    assert table.loc[("compactness", -0.2), "first_kept"]
    assert not table.loc[("compactness", 0.2), "first_kept"]  # 0.5 vs 0.57


def test_settings_validated(tmp_path):
    from pathlib import Path

    from layers.policy import PolicyError, load_policy

    text = Path(load_policy().source).read_text(encoding="utf-8")
    bad = tmp_path / "p.yaml"
    bad.write_text(text.replace("  max_parcels: 4", "  max_parcels: 40"), encoding="utf-8")
    with pytest.raises(PolicyError, match="sites.max_parcels"):
        load_policy(bad)
    bad.write_text(text.replace("facility_kinds: [interchange,", "facility_kinds: [harbour,"),
                   encoding="utf-8")
    with pytest.raises(PolicyError, match="harbour"):
        load_policy(bad)


def test_cli_sites(county, tmp_path):
    data = county.source
    out = tmp_path / "sites.csv"
    done = run_cli("sites", "--data", data, "--min-mu", "25", "--max-mu", "65", "--assemble",
                   "--max-parcels", "4", "--max-distance", "interchange=5", "--out", str(out))
    assert done.returncode == 0, done.stderr
    table = pd.read_csv(out, encoding="utf-8-sig")
    assert list(table.columns)[:3] == ["site_id", "parcel_ids", "n_parcels"]
    assert len(table) == 9 and table["score"].is_monotonic_decreasing
    assert table["reasons_zh"].str.contains("距青峰互通").all()
    bad = run_cli("sites", "--data", data, "--min-mu", "5", "--max-mu", "1", "--out",
                  str(out))
    assert bad.returncode == 2 and "min" in bad.stderr and "Traceback" not in bad.stderr
    bad = run_cli("sites", "--data", data, "--min-mu", "1", "--max-mu", "5",
                  "--max-distance", "harbour=3", "--out", str(out))
    assert bad.returncode == 2 and "interchange=5" in bad.stderr


def test_card_and_brochure_show_facility_distances(county, tmp_path):
    import subprocess

    from exports.brochure import export_brochure
    from webmap.card import parcel_card

    card = parcel_card(county, "E", audience="investor", lang="zh")
    facts = dict(card.facts)
    assert facts["距高速互通"] == "青峰互通 1.1 公里"
    assert facts["距变电站"] == "北变电站 1.8 公里"
    en = dict(parcel_card(county, "E", audience="investor", lang="en").facts)
    assert en["To highway interchange"] == "青峰互通, 1.1 km"
    pdf = export_brochure(county, tmp_path / "e.pdf", parcel_id="E", lang="zh")
    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True).stdout
    assert "距高速互通" in text and "青峰互通" in text


def test_segment_scores_chain_proximity(county):
    """J1 (segment cell, producing) stands at (150, 150): 70.7 m from A's corner."""
    from geo.sites import SiteQuery
    from layers.chains import load_chains
    from layers.sites import SiteRequest, search

    request = SiteRequest(segment_id="cathode")  # cathode supplies cell
    result, pool = search(county, request, SiteQuery(min_mu=10, max_mu=20),
                          catalog=load_chains(), chain_settings=county.policy.section("chains"))
    distance = pool.set_index("parcel_id")["chain_distance_m"]
    assert distance["A"] == pytest.approx((50**2 + 50**2) ** 0.5)
    row = result.sites.set_index("parcel_ids").loc["A"]
    assert json.loads(row["score_parts"])["chain"] == pytest.approx(1.0)
    assert "距关联产业链项目 0.1 公里" in row["reasons_zh"]
    with pytest.raises(ValueError, match="unknown segment"):
        search(county, SiteRequest(segment_id="nope"), SiteQuery(min_mu=1, max_mu=2),
               catalog=load_chains())


def test_sites_what_if_class_follows_the_site_area(cli, tmp_path):
    """The same planned figures on a larger site mean less per 亩: never a better class."""
    out = tmp_path / "sites.csv"
    result = cli("sites", "--min-mu", "10", "--max-mu", "200", "--plan-output", "20000",
                 "--plan-tax", "800", "--out", str(out))
    assert result.returncode == 0, result.stderr
    sites = pd.read_csv(out).sort_values("area_mu")
    assert set(sites["whatif_class"]) <= set("ABCD")
    rank = sites["whatif_class"].map("ABCD".index).to_numpy()
    assert (rank[1:] >= rank[:-1]).all()
    assert sites["whatif_zh"].str.startswith("按现行标准预计为").all()
    assert sites["whatif_en"].str.contains("under current standards").all()

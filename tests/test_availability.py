"""Availability verdicts: rule table, tolerance, query, demo county and the CLI."""

from __future__ import annotations

import geopandas as gpd
import pandas as pd
import pytest

from geo.availability import ParcelQuery, SupplyRules, assess, verdicts
from geo.redlines import OverlapTolerance, RedlineCategory
from layers.supply import availability, supply_rules
from tests.shapes import EPSG, rect, square

CATS = {
    "eco_redline": RedlineCategory("eco_redline", "inside", "hard", "生态保护红线",
                                   "Ecological protection red line"),
    "urban_boundary": RedlineCategory("urban_boundary", "outside", "hard", "城镇开发边界",
                                      "Urban development boundary"),
    "flood_zone": RedlineCategory("flood_zone", "inside", "soft", "洪涝风险区", "Flood zone"),
}
RULES = SupplyRules(categories=CATS, tolerance=OverlapTolerance(min_mu=0.01, min_share=0.001),
                    offerable_statuses=("available",))


def one_parcel(*, area=15.0, eco=0.0, outside=0.0, flood=0.0, status="available",
               land_use="100102", park_id="P01"):
    parcels = pd.DataFrame({"parcel_id": ["A"], "status": [status], "land_use": [land_use],
                            "park_id": [park_id]})
    overlaps = pd.DataFrame({"parcel_id": ["A"], "area_mu": [area],
                             "overlap_mu_eco_redline": [eco],
                             "share_eco_redline": [eco / area],
                             "overlap_mu_urban_boundary": [outside],
                             "share_urban_boundary": [outside / area],
                             "overlap_mu_flood_zone": [flood],
                             "share_flood_zone": [flood / area]})
    return parcels, overlaps


@pytest.mark.parametrize(("case", "query", "available", "codes"), [
    ({}, None, True, ()),
    ({"status": "producing"}, None, False, ("status_not_offerable",)),
    ({"eco": 7.5}, None, False, ("redline_eco_redline",)),
    ({"eco": 0.005}, None, True, ()),  # 0.005 亩, 0.03 %: a touch
    ({"eco": 0.02}, None, False, ("redline_eco_redline",)),  # ≥ 0.01 亩
    ({"area": 1.0, "eco": 0.005}, None, False, ("redline_eco_redline",)),  # 0.5 % ≥ 0.1 %
    ({"outside": 4.5}, None, False, ("outside_urban_boundary",)),
    ({"flood": 3.0}, None, True, ("soft_flood_zone",)),
    ({"land_use": "0901"}, ParcelQuery(land_uses=("1001",)), False, ("land_use_mismatch",)),
    ({"land_use": "100102"}, ParcelQuery(land_uses=("1001",)), True, ()),
    ({}, ParcelQuery(min_mu=20), False, ("area_below_min",)),
    ({}, ParcelQuery(max_mu=10), False, ("area_above_max",)),
    ({}, ParcelQuery(min_mu=15, max_mu=15), True, ()),
    ({}, ParcelQuery(park_ids=("P02",)), False, ("not_in_park",)),
    ({"park_id": None}, ParcelQuery(park_ids=("P01",)), False, ("not_in_park",)),
    ({"status": "reserve", "eco": 2.0, "outside": 1.0, "flood": 1.0},
     ParcelQuery(min_mu=30, land_uses=("1101",)), False,
     ("status_not_offerable", "redline_eco_redline", "outside_urban_boundary",
      "soft_flood_zone", "land_use_mismatch", "area_below_min")),
])
def test_rule_table(case, query, available, codes):
    parcels, overlaps = one_parcel(**case)
    out = verdicts(parcels, overlaps, RULES, query=query)
    assert bool(out.loc[0, "available"]) is available
    assert out.loc[0, "reasons"] == codes
    assert (out.loc[0, "reasons_zh"] == "") is (not codes)


def test_reason_texts_name_the_area_in_mu():
    parcels, overlaps = one_parcel(eco=7.5, outside=4.5, status="producing")
    rules = SupplyRules(CATS, RULES.tolerance, ("available",),
                        status_labels={"producing": ("已投产", "In production")})
    out = verdicts(parcels, overlaps, rules).loc[0]
    assert "与生态保护红线重叠 7.50 亩（50.0%）" in out["reasons_zh"]
    assert "4.50亩（30.0%）位于城镇开发边界之外" in out["reasons_zh"]
    assert "已投产" in out["reasons_zh"]
    assert "overlaps the Ecological protection red line by 7.50 mu (50.0%)" in out["reasons_en"]
    assert "status is 'In production', not offerable" in out["reasons_en"]


def test_zero_tolerance_still_ignores_exact_touches():
    rules = SupplyRules(CATS, OverlapTolerance(0.0, 0.0), ("available",))
    parcels, overlaps = one_parcel(eco=0.0)
    assert verdicts(parcels, overlaps, rules).loc[0, "available"]
    parcels, overlaps = one_parcel(eco=1e-6)
    assert not verdicts(parcels, overlaps, rules).loc[0, "available"]


def test_verdicts_need_matching_index_and_columns():
    parcels, overlaps = one_parcel()
    with pytest.raises(ValueError, match="one index"):
        verdicts(parcels.set_axis([5]), overlaps, RULES)
    with pytest.raises(ValueError, match="'land_use' is missing"):
        verdicts(parcels.drop(columns="land_use"), overlaps, RULES,
                 query=ParcelQuery(land_uses=("1001",)))


def test_assess_on_shapes_judges_only_categories_present():
    parcels = gpd.GeoDataFrame(
        {"parcel_id": ["in", "half_eco", "straddle", "touch"],
         "status": ["available"] * 4, "land_use": ["100101"] * 4, "park_id": ["P01"] * 4},
        geometry=[square(0, 0), square(200, 0), square(400, 0), square(600, 0)], crs=EPSG)
    redlines = gpd.GeoDataFrame(
        {"category": ["urban_boundary", "eco_redline", "eco_redline"]},
        geometry=[rect(-100, -100, 570, 400), rect(250, 0, 100, 100), rect(700, 0, 50, 50)],
        crs=EPSG)
    out = assess(parcels, redlines, RULES, threads=1).set_index("parcel_id")
    assert "overlap_mu_flood_zone" not in out.columns
    assert out.loc["half_eco", "overlap_mu_eco_redline"] == pytest.approx(7.5)
    assert out.loc["straddle", "overlap_mu_urban_boundary"] == pytest.approx(4.5)
    assert out["reasons"].to_dict() == {
        "in": (), "half_eco": ("redline_eco_redline",),
        "straddle": ("outside_urban_boundary",),
        "touch": ("outside_urban_boundary",),
    }
    assert out["available"].tolist() == [True, False, False, False]


def test_supply_rules_come_from_the_policy(policy):
    rules = supply_rules(policy)
    assert rules.categories["urban_boundary"].conflict == "outside"
    assert rules.tolerance.min_mu == pytest.approx(0.01)
    assert rules.offerable_statuses == ("available",)


def test_demo_county_has_conflicts_touches_and_mostly_clean_parcels(demo_county):
    out = availability(demo_county)
    assert len(out) == len(demo_county["parcel"])
    assert out.index.equals(demo_county["parcel"].index)
    codes = out["reasons"].explode().value_counts()
    for code in ("redline_eco_redline", "redline_basic_farmland", "outside_urban_boundary",
                 "redline_landuse_redline", "soft_flood_zone", "status_not_offerable"):
        assert codes.get(code, 0) > 0, code
    overlap_cols = [c for c in out.columns if c.startswith("overlap_mu_")]
    touched = (out[overlap_cols] > 0).any(axis=1)
    redline_codes = out["reasons"].map(lambda r: any(c.startswith(("redline_", "outside_",
                                                                       "soft_")) for c in r))
    touches_only = touched & ~redline_codes
    assert touches_only.sum() > 0  # shared edges and the 2 cm farmland sliver
    assert redline_codes.mean() < 0.2  # mostly clean
    offerable = out[demo_county["parcel"]["status"] == "available"]
    assert 0 < (~offerable["available"]).sum() < len(offerable) / 2


def test_demo_query_for_industrial_land_in_a_park(demo_county):
    query = ParcelQuery(min_mu=20, max_mu=80, land_uses=("1001",), park_ids=("P01",))
    out = availability(demo_county, query)
    parcels = demo_county["parcel"]
    hits = out[out["available"]]
    assert len(hits) > 0
    assert hits["area_mu"].between(20, 80).all()
    assert parcels.loc[hits.index, "land_use"].str.startswith("1001").all()
    assert (parcels.loc[hits.index, "park_id"] == "P01").all()


@pytest.mark.parametrize("suffix", [".csv", ".gpkg", ".parquet"])
def test_cli_writes_the_table(cli, tmp_path, suffix, demo_county):
    out = tmp_path / f"av{suffix}"
    if suffix == ".csv":  # once as a user runs it, in a subprocess; the others in-process
        result = cli("availability", "--out", str(out))
        assert result.returncode == 0, result.stderr
    else:
        from cli import main

        assert main(["availability", "--out", str(out), "--threads", "2"]) == 0
    frame = (pd.read_csv(out, keep_default_na=False) if suffix == ".csv"
             else gpd.read_file(out) if suffix == ".gpkg" else pd.read_parquet(out))
    cats = sorted(set(demo_county["redline"]["category"]))
    for cat in cats:
        assert f"overlap_mu_{cat}" in frame.columns
        assert f"share_{cat}" in frame.columns
    assert {"parcel_id", "area_mu", "available", "reasons"} <= set(frame.columns)
    assert len(frame) == len(demo_county["parcel"])
    assert frame["reasons"].str.contains("status_not_offerable;").any()


def test_cli_parser_accepts_engine_options_and_rejects_bad_output(tmp_path, capsys):
    from cli import build_parser

    argv = ["availability", "--out", "x.csv", "--engine", "dask",
            "--scheduler", "tcp://127.0.0.1:8786", "--partitions", "8"]
    args = build_parser(argv).parse_args(argv)
    assert (args.engine, args.scheduler, args.partitions) == ("dask", "tcp://127.0.0.1:8786", 8)
    from cli import main

    assert main(["availability", "--out", str(tmp_path / "x.txt")]) == 2
    assert "unsupported output type" in capsys.readouterr().err


def test_verdicts_leave_the_overlap_table_untouched_and_handle_no_rows():
    parcels, overlaps = one_parcel(eco=7.5)
    before = overlaps.copy()
    verdicts(parcels, overlaps, RULES)
    pd.testing.assert_frame_equal(overlaps, before)
    empty = verdicts(parcels.iloc[:0], overlaps.iloc[:0], RULES, query=ParcelQuery(min_mu=1))
    assert list(empty.columns[-4:]) == ["available", "reasons", "reasons_zh", "reasons_en"]
    assert len(empty) == 0


def test_query_normalises_single_codes_and_rejects_bad_ranges():
    assert ParcelQuery(land_uses="1001").land_uses == ("1001",)
    assert ParcelQuery(park_ids=["P01", "P02"]).park_ids == ("P01", "P02")
    with pytest.raises(ValueError, match="swap"):
        ParcelQuery(min_mu=50, max_mu=10)
    with pytest.raises(ValueError, match="≥ 0"):
        ParcelQuery(min_mu=-1)


def test_cli_reads_parcels_and_redlines_from_files(cli, tmp_path, demo_county, capsys):
    parcels, redlines = tmp_path / "parcels.gpkg", tmp_path / "redlines.geojson"
    demo_county["parcel"][["parcel_id", "park_id", "land_use", "status", "geometry"]].to_file(
        parcels)
    demo_county["redline"].to_crs(4490).to_file(redlines)
    out = tmp_path / "av.parquet"
    result = cli("availability", "--parcels", str(parcels), "--redlines", str(redlines),
                 "--out", str(out))
    assert result.returncode == 0, result.stderr
    frame = pd.read_parquet(out).set_index("parcel_id")
    expected = availability(demo_county).set_index("parcel_id")
    assert frame["available"].equals(expected["available"])
    assert frame["overlap_mu_eco_redline"].to_numpy() == pytest.approx(
        expected["overlap_mu_eco_redline"].to_numpy(), abs=1e-6)
    from cli import main

    assert main(["availability", "--parcels", str(parcels), "--out", str(out)]) == 2
    assert "give both --parcels and --redlines" in capsys.readouterr().err


def test_verdicts_are_row_wise_so_partitions_give_the_same_answer(demo_county):
    parcels = demo_county["parcel"]
    rules = supply_rules(demo_county.policy)
    whole = availability(demo_county).drop(columns=["available", "reasons", "reasons_zh",
                                                    "reasons_en"])
    query = ParcelQuery(min_mu=10, land_uses=("1001",))
    expected = verdicts(parcels, whole, rules, query=query)
    parts = [verdicts(parcels.iloc[i::3], whole.iloc[i::3], rules, query=query)
             for i in range(3)]
    pd.testing.assert_frame_equal(pd.concat(parts).loc[expected.index], expected)

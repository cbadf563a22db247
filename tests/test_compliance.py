"""Compliance review (合规审查) of hand-made boundaries against a hand-made county.

Layout (metres from tests.shapes' origin, EPSG:4546): park P1 = 1000 × 1000; urban
development boundary x 0–600; eco red line = 100 m square at x 700; flood zone (soft) =
100 × 50 at (100, 150); parcels A = 100 m square at (100, 100) and C at (300, 300).
"""

from __future__ import annotations

import geopandas as gpd
import pandas as pd
import pytest
import shapely

from tests.conftest import run_cli
from tests.shapes import EPSG, X0, Y0, bow_tie, rect, square


@pytest.fixture(scope="module")
def toy_gpkg(tmp_path_factory):
    out = tmp_path_factory.mktemp("county") / "toy.gpkg"
    layers = {
        "park": gpd.GeoDataFrame({"park_id": ["P1"], "name": ["甲园"], "level": ["county"],
                                  "leading_industries": ["battery"]},
                                 geometry=[rect(0, 0, 1000, 1000)], crs=EPSG),
        "parcel": gpd.GeoDataFrame({"parcel_id": ["A", "C"], "land_use": ["100102"] * 2,
                                    "status": ["available"] * 2, "park_id": ["P1"] * 2},
                                   geometry=[square(100, 100), square(300, 300)], crs=EPSG),
        "redline": gpd.GeoDataFrame(
            {"redline_id": ["U1", "E1", "F1"],
             "category": ["urban_boundary", "eco_redline", "flood_zone"]},
            geometry=[rect(0, 0, 600, 1000), square(700, 0), rect(100, 150, 100, 50)],
            crs=EPSG),
    }
    context = gpd.GeoDataFrame(  # drawn under the report's map (town names are labelled)
        {"context_id": ["R1", "T1"], "kind": ["road", "town"], "name": ["示例大道", "示例镇"]},
        geometry=[shapely.LineString([(X0 - 200, Y0 + 50), (X0 + 1200, Y0 + 50)]),
                  shapely.Point(X0 + 650, Y0 + 80)], crs=EPSG)
    for name, frame in {**layers, "context": context}.items():
        frame.to_file(out, layer=name, driver="GPKG")
    return out


@pytest.fixture(scope="module")
def toy_county(toy_gpkg):
    from layers.county import load_county

    return load_county(toy_gpkg)


def _boundary(tmp_path, geoms, names, *, suffix=".geojson", crs=EPSG):
    path = tmp_path / f"boundary{suffix}"
    gpd.GeoDataFrame({"name": names}, geometry=geoms, crs=crs).to_file(path)
    return path


def _review(county, path, **kw):
    from layers.compliance import boundary_frame, review

    boundary = boundary_frame(path, working_crs=county.crs, **kw)
    return review(county, boundary, user="tester")


def test_overlaps_by_hand_same_names_as_availability(toy_county, tmp_path):
    path = _boundary(tmp_path, [square(100, 100), rect(550, 0, 200, 100), square(300, 600, 50)],
                     ["B1", "B2", "B3"])
    table = _review(toy_county, path).table.set_index("feature_id")
    assert table.loc["B1", "area_mu"] == pytest.approx(15.0)
    assert table.loc["B2", "area_mu"] == pytest.approx(30.0)
    # B2: x 550–750 → 150 m × 100 m outside the urban boundary, 50 m × 100 m in the eco line
    assert table.loc["B2", "overlap_mu_urban_boundary"] == pytest.approx(22.5)
    assert table.loc["B2", "share_urban_boundary"] == pytest.approx(0.75)
    assert table.loc["B2", "overlap_mu_eco_redline"] == pytest.approx(7.5)
    assert table.loc["B2", "share_eco_redline"] == pytest.approx(0.25)
    assert set(table.loc["B2", "reasons"]) == {"redline_eco_redline", "outside_urban_boundary"}
    assert table.loc["B2", "verdict"] == "conflict" and not table.loc["B2", "compliant"]
    # B1: half of it in the soft flood zone → a warning, still compliant
    assert table.loc["B1", "overlap_mu_flood_zone"] == pytest.approx(7.5)
    assert table.loc["B1", "verdict"] == "warning" and table.loc["B1", "compliant"]
    assert table.loc["B3", "verdict"] == "compliant"
    assert table.loc["B3", "reasons_en"] == "no red-line conflict found"
    assert table.loc["B1", "parcels"] == "A" and table.loc["B2", "parcels"] == ""
    assert table.loc["B1", "parks"] == "P1"


def test_same_numbers_as_availability_for_a_stored_parcel(toy_county, tmp_path):
    from layers.supply import availability

    path = _boundary(tmp_path, [square(100, 100)], ["A"])
    mine = _review(toy_county, path).table.iloc[0]
    theirs = availability(toy_county).set_index("parcel_id").loc["A"]
    for column in [c for c in theirs.index if c.startswith(("overlap_mu_", "share_"))]:
        assert mine[column] == pytest.approx(theirs[column])


def test_far_from_every_urban_boundary_polygon_is_outside(toy_county, tmp_path):
    """The urban boundary polygon is not near the boundary, yet outside counts (whole)."""
    path = _boundary(tmp_path, [square(800, 800)], ["far"])
    row = _review(toy_county, path).table.iloc[0]
    assert row["overlap_mu_urban_boundary"] == pytest.approx(15.0)
    assert row["share_urban_boundary"] == pytest.approx(1.0)


def test_corner_points_in_prefixed_gk_zone(toy_county, tmp_path):
    path = _boundary(tmp_path, [square(100, 100)], ["B1"])
    result = _review(toy_county, path)
    assert result.points_crs.to_epsg() == 4525  # zone 37 with the zone prefix
    pts = result.points
    assert list(pts["point_no"]) == ["J1", "J2", "J3", "J4"]
    assert set(pts["y_easting"]) == {37_000_000 + X0 + 100, 37_000_000 + X0 + 200}
    assert set(pts["x_northing"]) == {Y0 + 100, Y0 + 200}


def test_points_csv_in_ring_order_with_coords(toy_county, tmp_path):
    ring = gpd.GeoSeries([square(100, 100)], crs=EPSG).to_crs(4326).iloc[0]
    lon, lat = ring.exterior.xy
    path = tmp_path / "ring.csv"
    pd.DataFrame({"地块编号": "R1", "经度": list(lon), "纬度": list(lat)}).to_csv(
        path, index=False, encoding="utf-8-sig")
    table = _review(toy_county, path, coords="wgs84").table
    assert table["feature_id"].tolist() == ["R1"]
    assert table["area_mu"].iloc[0] == pytest.approx(15.0, rel=1e-6)


@pytest.mark.parametrize("case, kwargs, message", [
    ("degrees", {}, "--coords"),
    ("open", {"coords": "wgs84"}, "open"),
    ("bowtie", {}, "self-crossing"),
    ("outside", {}, "outside the county"),
    ("line", {}, "open line"),
])
def test_bad_boundaries_name_the_feature_and_the_fix(toy_county, tmp_path, case, kwargs,
                                                     message):
    from geo.compliance import BoundaryError

    if case == "degrees":
        path = _boundary(tmp_path, [gpd.GeoSeries([square()], crs=EPSG).to_crs(4326).iloc[0]],
                         ["deg"], crs=4326)
    elif case == "open":
        ring = gpd.GeoSeries([square()], crs=EPSG).to_crs(4326).iloc[0]
        lon, lat = ring.exterior.xy
        path = tmp_path / "open.csv"
        pd.DataFrame({"经度": list(lon)[:-1], "纬度": list(lat)[:-1]}).to_csv(path, index=False)
    elif case == "bowtie":
        path = _boundary(tmp_path, [square(), bow_tie()], ["ok", "BT-7"])
    elif case == "outside":
        path = _boundary(tmp_path, [square(90_000, 0)], ["FAR-1"])
    else:
        path = _boundary(tmp_path, [shapely.LineString(square().exterior.coords[:-1])],
                         ["L-1"])
    with pytest.raises(BoundaryError, match=message) as err:
        _review(toy_county, path, **kwargs)
    text = str(err.value)
    assert "fix" in text
    if case in ("bowtie", "outside", "line"):
        assert {"bowtie": "BT-7", "outside": "FAR-1", "line": "L-1"}[case] in text


def test_cli_reports(toy_gpkg, tmp_path):
    path = _boundary(tmp_path, [square(100, 100), rect(550, 0, 200, 100)], ["B1", "B2"])
    csv = tmp_path / "r.csv"
    done = run_cli("compliance", str(path), "--data", str(toy_gpkg), "--out", str(csv),
                   "--user", "tester")
    assert done.returncode == 0, done.stderr
    table = pd.read_csv(csv, encoding="utf-8-sig")
    assert table.loc[1, "overlap_mu_urban_boundary"] == pytest.approx(22.5)
    assert table.loc[1, "reasons"] == "redline_eco_redline;outside_urban_boundary"
    xlsx = tmp_path / "r.xlsx"
    assert run_cli("compliance", str(path), "--data", str(toy_gpkg), "--out", str(xlsx),
                   "--user", "tester").returncode == 0
    book = pd.read_excel(xlsx, sheet_name=None)
    assert list(book) == ["合规审查", "界址点", "涉及地块", "图层"]
    assert len(book["界址点"]) == 8


def test_cli_bad_boundary_is_a_clear_error(toy_gpkg, tmp_path):
    path = _boundary(tmp_path, [bow_tie()], ["BT-7"])
    done = run_cli("compliance", str(path), "--data", str(toy_gpkg), "--out",
                   str(tmp_path / "r.csv"))
    assert done.returncode == 2
    assert "BT-7" in done.stderr and "Traceback" not in done.stderr
    assert not (tmp_path / "r.csv").exists()


def test_pdf_report_text(toy_gpkg, tmp_path):
    import subprocess

    path = _boundary(tmp_path, [rect(550, 0, 200, 100)], ["B2"])
    pdf = tmp_path / "r.pdf"
    done = run_cli("compliance", str(path), "--data", str(toy_gpkg), "--out", str(pdf),
                   "--user", "张规划")
    assert done.returncode == 0, done.stderr
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True).stdout
    assert "Pages:          2" in info or "Pages:           2" in info
    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True,
                          text=True).stdout
    for expected in ("合规审查", "张规划", "存在硬性冲突", "生态保护红线", "城镇开发边界",
                     "界址点", "37500750.000", "4300100.000", "数据日期", "示例镇"):
        assert expected in text, expected


def test_formula_like_names_are_written_as_text(toy_gpkg, tmp_path):
    path = _boundary(tmp_path, [square(100, 100)], ["=HYPERLINK(\"x\")"])
    for suffix in (".csv", ".xlsx"):
        out = tmp_path / f"r{suffix}"
        assert run_cli("compliance", str(path), "--data", str(toy_gpkg), "--out",
                       str(out)).returncode == 0
        if suffix == ".csv":
            table = pd.read_csv(out, encoding="utf-8-sig")
            assert table.iloc[0, 0] == "'=HYPERLINK(\"x\")"
            continue
        from openpyxl import load_workbook

        cell = load_workbook(out)["合规审查"]["A2"]  # text as typed, no apostrophe, no formula
        assert (cell.value, cell.data_type, cell.quotePrefix) == ("=HYPERLINK(\"x\")", "s", True)


def test_workbook_holds_numbers_with_formats_and_park_names(toy_county, tmp_path):
    """Read back with openpyxl: 亩 and % are numbers with number formats, 界址点 keep their
    millimetres (0.001 m), parks are named, no cell is a formula or starts with ``'``."""
    from openpyxl import load_workbook

    from exports.compliance_report import write_report
    from geo.compliance import VERDICTS

    path = _boundary(tmp_path, [rect(100.1234, 100.5678, 50, 50)], ["B1"])
    out = write_report(_review(toy_county, path), toy_county, tmp_path / "r.xlsx")
    book = load_workbook(out)
    assert book.sheetnames == ["合规审查", "界址点", "涉及地块", "图层"]
    sheet = book["合规审查"]
    row = {c.value: v for c, v in zip(sheet[1], sheet[2], strict=True)}
    assert row["结论"].value in {zh for zh, _ in VERDICTS.values()}  # a label, not a code
    assert row["面积(亩)"].value == pytest.approx(3.75)
    assert row["面积(亩)"].number_format == "#,##0.00"
    assert row["涉及园区"].value == "甲园"  # the park's name, not P1
    shares = [v for c, v in row.items() if str(c).endswith("占比(%)")]
    assert shares and all(isinstance(v.value, float | int) and v.number_format == "0.0"
                          for v in shares)
    points = book["界址点"]
    assert [c.value for c in points[1]] == ["边界编号", "圈号", "点号", "X", "Y"]
    xs = {round(c.value, 6) for c in points["D"][1:]}
    ys = {round(c.value, 6) for c in points["E"][1:]}
    assert xs == {4_300_100.568, 4_300_150.568}  # X northing, to the millimetre
    assert ys == {37_500_100.123, 37_500_150.123}  # Y easting with the zone prefix 37
    assert {c.number_format for c in (*points["D"][1:], *points["E"][1:])} == {"0.000"}
    parcels = book["涉及地块"]
    assert [c.value for c in parcels[2]] == ["B1", "A", "甲园", pytest.approx(3.75),
                                             pytest.approx(25.0)]
    for ws in book.worksheets:
        for cells in ws.iter_rows():
            for cell in cells:
                assert cell.data_type != "f", (ws.title, cell.coordinate)
                assert not (isinstance(cell.value, str) and cell.value.startswith("'")), \
                    (ws.title, cell.coordinate, cell.value)


def test_conflict_areas_by_hand(toy_county, tmp_path):
    from geo.compliance import conflict_areas
    from layers.compliance import boundary_frame
    from layers.supply import supply_rules

    path = _boundary(tmp_path, [rect(550, 0, 200, 100)], ["B2"])
    boundary = boundary_frame(path, working_crs=toy_county.crs)
    areas = conflict_areas(boundary.frame, toy_county["redline"],
                           supply_rules(toy_county.policy)).set_index("category")
    assert set(areas.index) == {"eco_redline", "urban_boundary"}
    assert areas.loc["urban_boundary", "geometry"].area == pytest.approx(150 * 100)
    assert areas.loc["eco_redline", "geometry"].area == pytest.approx(50 * 100)


def test_coordinate_txt_boundary(toy_county, tmp_path):
    """The 部标 TXT a surveyor hands in (GBK, zone-prefixed Y), through the import reader."""
    from layers.formats.coord_txt_write import write_coord_txt

    frame = gpd.GeoDataFrame({"parcel_id": ["JZ-1"], "land_use": ["100102"]},
                             geometry=[rect(550, 0, 200, 100)], crs=EPSG)
    path = write_coord_txt(frame, tmp_path / "界址点.txt")
    result = _review_txt(toy_county, path)
    row = result.table.iloc[0]
    assert row["area_mu"] == pytest.approx(30.0)
    assert row["overlap_mu_urban_boundary"] == pytest.approx(22.5)
    assert row["verdict"] == "conflict"
    assert result.points["y_easting"].max() == pytest.approx(37_000_000 + X0 + 750)


def _review_txt(county, path):
    from layers.compliance import boundary_frame, review

    return review(county, boundary_frame(path, working_crs=county.crs), user="tester")

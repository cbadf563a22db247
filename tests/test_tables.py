"""CSV/XLSX project and park lists: Chinese headers, 坐标系 column or --coords, GCJ-02/BD-09."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from geo.chinacoords import wgs84_to_bd09, wgs84_to_gcj02
from layers.formats.tables import coords_key
from layers.io import ReadError, ReadOptions, load_layer, read_frame

WGS = (110.95, 38.92)  # a point in northern Shaanxi (WGS84)
GCJ = tuple(float(v) for v in wgs84_to_gcj02(*WGS))
BD = tuple(float(v) for v in wgs84_to_bd09(*WGS))


def csv(tmp_path: Path, text: str, *, encoding: str = "utf-8-sig", name: str = "p.csv") -> Path:
    path = tmp_path / name
    path.write_bytes(text.replace("\n", "\r\n").encode(encoding))
    return path


def projects_text() -> str:
    return ("项目编号,名称,阶段,投资额(万元),经度,纬度,坐标系\n"
            f"X1,新能源电池项目,signed,52000,{WGS[0]},{WGS[1]},WGS84\n"
            f"X2,光伏组件项目,started,18000,{GCJ[0]:.9f},{GCJ[1]:.9f},高德\n"
            f"X3,物流园项目,pipeline,6000,{BD[0]:.9f},{BD[1]:.9f},百度\n"
            f"X4,仓储项目,pipeline,3000,{WGS[0]},{WGS[1]},CGCS2000\n")


@pytest.mark.parametrize("encoding", ["utf-8-sig", "utf-8", "gbk", "utf-16"])
def test_coordinate_system_column_brings_every_row_to_wgs84(tmp_path, encoding):
    raw = read_frame(csv(tmp_path, projects_text(), encoding=encoding))
    frame = raw.frame
    assert frame.crs.to_epsg() == 4490
    assert "坐标系" not in frame.columns and "经度" not in frame.columns
    for point in frame.geometry:
        assert point.x == pytest.approx(WGS[0], abs=1e-7)
        assert point.y == pytest.approx(WGS[1], abs=1e-7)
    assert raw.row_labels == ["line 2", "line 3", "line 4", "line 5"]


def test_validates_as_project_layer_with_chinese_headers(tmp_path, policy):
    frame, report = load_layer(csv(tmp_path, projects_text()), "project", policy=policy)
    assert list(frame["name"]) == ["新能源电池项目", "光伏组件项目", "物流园项目", "仓储项目"]
    assert list(frame["investment_wan"]) == [52000.0, 18000.0, 6000.0, 3000.0]
    assert frame.crs.to_epsg() == 4546  # working CRS: CGCS2000 GK zone 37
    xs = frame.geometry.x.to_numpy()
    assert xs.max() - xs.min() < 0.05  # metres: all four rows land on the same spot
    assert report.ok


@pytest.mark.parametrize(("coords", "point"), [("gcj02", GCJ), ("bd09", BD), ("wgs84", WGS)])
def test_coords_option_when_no_column(tmp_path, coords, point):
    text = f"名称,经度,纬度\n某项目,{point[0]:.9f},{point[1]:.9f}\n"
    raw = read_frame(csv(tmp_path, text), ReadOptions(coords=coords))
    assert raw.frame.geometry.iloc[0].x == pytest.approx(WGS[0], abs=1e-7)
    assert raw.frame.geometry.iloc[0].y == pytest.approx(WGS[1], abs=1e-7)
    assert raw.warnings == []


def test_no_coordinate_system_anywhere_warns(tmp_path):
    raw = read_frame(csv(tmp_path, f"名称,经度,纬度\n某项目,{WGS[0]},{WGS[1]}\n"))
    assert raw.warnings[0][0] == "no coordinate system given for some rows; WGS84 assumed"


def test_column_wins_over_option_and_blank_cells_take_the_option(tmp_path):
    text = (f"名称,经度,纬度,坐标系\nA,{WGS[0]},{WGS[1]},wgs84\n"
            f"B,{GCJ[0]:.9f},{GCJ[1]:.9f},\n")
    frame = read_frame(csv(tmp_path, text), ReadOptions(coords="gcj02")).frame
    assert frame.geometry.x.tolist() == pytest.approx([WGS[0]] * 2, abs=1e-7)


def test_xlsx_with_title_row_and_sheet_choice(tmp_path, policy):
    path = tmp_path / "list.xlsx"
    title = pd.DataFrame([["榆林市某县2024年招商项目清单", None, None, None, None, None, None]])
    table = pd.DataFrame(
        [["项目编号", "项目名称", "项目阶段", "投资额(万元)", "经度", "纬度", "地块编号"],
         ["Y1", "储能项目", "signed", 8000, GCJ[0], GCJ[1], None],
         ["Y2", "氢能项目", "pipeline", None, None, None, "DK-9"]])
    with pd.ExcelWriter(path) as writer:
        pd.DataFrame([["说明"]]).to_excel(writer, sheet_name="说明", header=False, index=False)
        pd.concat([title, table]).to_excel(writer, sheet_name="项目", header=False, index=False)
    raw = read_frame(path, ReadOptions(source_layer="项目", coords="gcj02"))
    assert raw.row_labels == ["sheet 项目 row 3", "sheet 项目 row 4"]
    point = raw.frame.geometry.iloc[0]
    assert (point.x, point.y) == pytest.approx(WGS, abs=1e-7)
    assert raw.frame.geometry.iloc[1] is None
    frame, _ = load_layer(path, "project", policy=policy,
                          options=ReadOptions(source_layer="项目", coords="gcj02"))
    assert list(frame["project_id"]) == ["Y1", "Y2"]
    with pytest.raises(ReadError, match=r"no sheet '汇总'; fix: use one of \['说明', '项目'\]"):
        read_frame(path, ReadOptions(source_layer="汇总"))


@pytest.mark.parametrize(("row", "message"), [
    ("A,110.95,abc,wgs84", r"line 2: 经度/纬度 '110.95', 'abc' is not a number"),
    ("A,38.92,110.95,wgs84", r"line 2: 经度=38.92 looks like a latitude .* swap the two"),
    ("A,500000,4300000,wgs84", r"line 2: 500000, 4300000 are not degrees"),
    ("A,110.95,38.92,mars", r"line 2: 坐标系 'mars' is unknown"),
])
def test_bad_rows_are_named(tmp_path, row, message):
    with pytest.raises(ReadError, match=message):
        read_frame(csv(tmp_path, f"名称,经度,纬度,坐标系\n{row}\n"))


def test_unknown_coords_option_and_garbage(tmp_path):
    with pytest.raises(ReadError, match="--coords 'wgs' is unknown"):
        read_frame(csv(tmp_path, "名称,经度,纬度\nA,110,38\n"), ReadOptions(coords="wgs"))
    garbage = tmp_path / "g.csv"
    garbage.write_bytes(bytes(range(256)) * 8)
    with pytest.raises(ReadError, match="binary content"):
        read_frame(garbage)
    empty = tmp_path / "e.csv"
    empty.write_bytes(b"")
    with pytest.raises(ReadError, match="empty file"):
        read_frame(empty)
    bad_xlsx = tmp_path / "b.xlsx"
    bad_xlsx.write_bytes(b"not a zip")
    with pytest.raises(ReadError, match="not a readable .xlsx workbook"):
        read_frame(bad_xlsx)


def test_attribute_list_without_coordinates_passes_through(tmp_path, policy):
    text = "企业编号,企业名称,规模\nE1,某某新材料有限公司,above\n"
    frame, _ = load_layer(csv(tmp_path, text, encoding="gbk"), "enterprise", policy=policy)
    assert frame["name"].tolist() == ["某某新材料有限公司"]


@pytest.mark.parametrize(("text", "key"), [
    ("WGS-84", "wgs84"), ("GPS", "wgs84"), ("2000国家大地坐标系", "cgcs2000"),
    ("高德坐标", "gcj02"), ("GCJ-02", "gcj02"), ("腾讯地图", "gcj02"), ("百度", "bd09"),
    ("BD09LL", "bd09"), ("mercator", None)])
def test_coords_spellings(text, key):
    assert coords_key(text) == key

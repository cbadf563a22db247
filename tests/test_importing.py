"""The import pipeline on files made like the real ones counties send (issue 14): an ArcGIS
shp2txt coordinate TXT (GBK, CRLF, field codes as placeholders, islands inside a hole, header
areas in m² and 亩), a GBK shapefile with upper-case and truncated field names, sheets with
规上/规下 and Chinese stage words, a DXF drawn far outside its zone, and a DWG."""

from __future__ import annotations

import csv
import io
import zipfile
from pathlib import Path

import ezdxf
import geopandas as gpd
import openpyxl
import pyogrio
import pytest
import shapely

from cli import main
from layers.importing import ImportOptionError, parse_assignments, prepare_import
from layers.io import ReadError, ReadOptions
from layers.validate import ValidationError
from tests.test_coord_txt import rect_lines

E0, N0 = 40_520_000.0, 3_170_000.0  # CGCS2000 3° zone 40 with prefix (台州黄岩, 121.2°E)
HEADER = """[属性描述]
格式版本号=1.01版本
数据产生单位=台州市黄岩区某测绘公司
数据产生日期=2024-3-6
坐标系=2000国家大地坐标系
几度分带=3
投影类型=高斯克吕格
计量单位=米
带号=40
精度=0.0001
转换参数=,,,,,,
[地块坐标]
"""
PLACEHOLDER = "FID_0,DKMC,面,TFH,DKYT,DLBM,@"


def square(x: float, y: float, side: float, *, ring: int) -> list[str]:
    return rect_lines(E0 + x, N0 + y, side, side, ring=ring, start=ring * 10)


# An outer 100 m square (ring 1) with a 60 m hole (2) holding two islands (3: 10 m; 4: 20 m
# with a 5 m hole of its own, ring 5) and a second 10 m hole in the outer part (6):
# 10000 − 3600 + 100 + 400 − 25 − 100 = 6775 m² = 10.1625 亩, three parts.
ENCLAVES = [f"30,0.6775,{PLACEHOLDER}", *square(0, 0, 100, ring=1), *square(20, 20, 60, ring=2),
            *square(30, 30, 10, ring=3), *square(50, 50, 20, ring=4),
            *square(55, 55, 5, ring=5), *square(85, 85, 10, ring=6)]
ENCLAVES_M2 = 6775.0
PLOT_M2 = [  # header 109.43 is m² (a 10.9 m × 10 m plot)
    f"5,109.43,{PLACEHOLDER}", *rect_lines(E0 + 300, N0, 10.9, 10)]
PLOT_MU = [  # header 9 is 亩 (100 m × 60 m = 6000 m² = 9 亩)
    f"5,9.0000,{PLACEHOLDER}", *rect_lines(E0 + 500, N0, 100, 60)]
PLAIN = [f"5,3.0000,{PLACEHOLDER}", *rect_lines(E0 + 800, N0, 200, 150)]
BOW_TIE = [f"5,0.5000,{PLACEHOLDER}",  # crosses itself: (0,0) (100,100) (100,0) (0,100)
           f"B1,1,{N0:.3f},{E0 + 1200:.3f}", f"B2,1,{N0 + 100:.3f},{E0 + 1300:.3f}",
           f"B3,1,{N0:.3f},{E0 + 1300:.3f}", f"B4,1,{N0 + 100:.3f},{E0 + 1200:.3f}",
           f"B1,1,{N0:.3f},{E0 + 1200:.3f}"]


def shp2txt(tmp_path: Path, *parcels: list[str], name: str = "huangyan.txt") -> Path:
    """GBK, CRLF, as ArcGIS shp2txt tools write it."""
    body = HEADER + "\n".join(line for parcel in parcels for line in parcel) + "\n"
    path = tmp_path / name
    path.write_bytes(body.replace("\n", "\r\n").encode("gbk"))
    return path


def run(capsys, *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


# -- item 1 + 3: fill after aliases, placeholders ----------------------------------------------


def test_shp2txt_file_imports_with_set_after_aliases(tmp_path, capsys):
    path = shp2txt(tmp_path, ENCLAVES, PLOT_M2, PLOT_MU, PLAIN)
    out = tmp_path / "county.gpkg"
    code, stdout, stderr = run(capsys, "import", str(path), "--layer", "parcel", "--out",
                               str(out), "--set", "status=储备", "--set", "land_use=1001",
                               "--set", "parcel_id=HY-{序号}")
    assert code == 0, stderr
    assert "written with 4 feature(s)" in stdout
    assert "(地类编码) holds its own field name ['DLBM']" in stderr
    assert "(地块编号) holds its own field name ['FID_0']" in stderr
    stored = pyogrio.read_dataframe(out, layer="parcel")
    assert stored["parcel_id"].tolist() == ["HY-1", "HY-2", "HY-3", "HY-4"]
    assert set(stored["land_use"]) == {"1001"} and set(stored["status"]) == {"reserve"}
    assert list(stored.columns).count("land_use") == 1
    enclave = stored.geometry.iloc[0]
    assert enclave.geom_type == "MultiPolygon" and len(enclave.geoms) == 3
    assert enclave.area == pytest.approx(ENCLAVES_M2, abs=1e-6)
    assert stored["area_mu"].tolist() == pytest.approx([10.1625, 109 * 0.0015, 9.0, 45.0])


def test_placeholders_blank_and_replace_overwrites(tmp_path):
    path = shp2txt(tmp_path, PLAIN, [line.replace("DLBM", "0901") for line in PLOT_MU])
    with pytest.raises(ValidationError) as err:
        prepare_import(path, "parcel", fills={"status": "reserve", "parcel_id": "P{序号}"})
    text = str(err.value)
    assert "value is empty" in text and "land_use" in text
    assert "parcel 'FID_0' (line 13)" in text  # the placeholder parcel, not the 0901 one
    kept = prepare_import(path, "parcel", fills={"status": "reserve", "land_use": "1001",
                                                 "parcel_id": "P{序号}"})
    assert kept.frame["land_use"].tolist() == ["1001", "0901"]  # --set fills blanks only
    replaced = prepare_import(path, "parcel", replaces={"land_use": "工业用地"},
                              fills={"status": "reserve", "parcel_id": "P{序号}"})
    assert replaced.frame["land_use"].tolist() == ["1001", "1001"]


def test_set_names_an_alias_or_the_file_header(tmp_path):
    path = shp2txt(tmp_path, PLAIN)
    done = prepare_import(path, "parcel", fills={"供地状态": "可供应", "地类编码": "100101",
                                                 "地块编号": "HY-{地块面积(公顷)}"})
    row = done.frame.iloc[0]
    assert (row["status"], row["land_use"], row["parcel_id"]) == ("available", "100101",
                                                                  "HY-3")
    with pytest.raises(ImportOptionError, match=r"no column 'nope'; fix: use one of"):
        prepare_import(path, "parcel", fills={"parcel_id": "{nope}"})
    with pytest.raises(ImportOptionError, match="has no column 'colour'"):
        prepare_import(path, "parcel", fills={"colour": "red"})
    with pytest.raises(ImportOptionError, match="is not COLUMN=VALUE"):
        parse_assignments(["status"], flag="--set")


# -- item 2: islands in holes, every bad parcel, --skip-invalid ----------------------------------


def test_island_inside_hole_is_its_own_part_in_any_ring_order(tmp_path):
    rings = ENCLAVES[1:]
    shuffled = [f"30,0.6775,{PLACEHOLDER}", *rings[15:20], *rings[5:10], *rings[:5],
                *rings[25:], *rings[10:15], *rings[20:25]]
    for parcel in (ENCLAVES, shuffled):
        done = prepare_import(shp2txt(tmp_path, parcel), "parcel",
                              fills={"status": "reserve", "land_use": "1001", "parcel_id": "A"})
        geom = done.frame.geometry.iloc[0]
        assert geom.is_valid and len(geom.geoms) == 3
        assert geom.area == pytest.approx(ENCLAVES_M2, abs=1e-6)
        assert sorted(len(p.interiors) for p in geom.geoms) == [0, 1, 2]


def test_skip_invalid_imports_the_good_and_reports_the_refused(tmp_path, capsys):
    bad_use = [line.replace("DLBM", "9999") for line in PLAIN]
    path = shp2txt(tmp_path, ENCLAVES, BOW_TIE, PLOT_MU, bad_use)
    args = ["import", str(path), "--layer", "parcel", "--out", str(tmp_path / "c.gpkg"),
            "--set", "status=reserve", "--set", "land_use=1001", "--set", "parcel_id=HY-{序号}"]
    code, _, stderr = run(capsys, *args)
    assert code == 2
    assert "line 44" in stderr and "line 56" in stderr  # both bad parcels are listed
    assert "add --skip-invalid" in stderr and "nothing was written" in stderr
    assert not (tmp_path / "c.gpkg").exists()
    report = tmp_path / "refused.csv"
    code, stdout, stderr = run(capsys, *args, "--skip-invalid", "--refused-out", str(report))
    assert code == 0, stderr
    assert "written with 2 feature(s)" in stdout
    assert f"2 feature(s) refused; listed in {report}" in stderr
    stored = pyogrio.read_dataframe(tmp_path / "c.gpkg", layer="parcel")
    assert stored["parcel_id"].tolist() == ["HY-1", "HY-3"]
    with report.open(encoding="utf-8-sig") as handle:
        rows = list(csv.DictReader(handle))
    assert [r["feature"] for r in rows] == ["parcel 'FID_0' (line 56)",
                                            "parcel 'FID_0' (line 44)"]
    assert {r["file"] for r in rows} == {str(path)}
    assert "unknown value(s) ['9999']" in rows[0]["problem"] and "1001" in rows[0]["fix"]
    assert "invalid polygon" in rows[1]["problem"] and "redraw" in rows[1]["fix"]


def test_skip_invalid_does_not_hide_a_file_wide_error(tmp_path):
    path = shp2txt(tmp_path, PLAIN)
    with pytest.raises(ValidationError, match="required column missing"):
        prepare_import(path, "parcel", skip_invalid=True, fills={"parcel_id": "A"})


# -- item 5: header areas in the wrong unit ------------------------------------------------------


def test_header_area_in_square_metres_or_mu_is_explained(tmp_path):
    done = prepare_import(shp2txt(tmp_path, PLOT_M2, PLOT_MU), "parcel",
                          fills={"status": "reserve", "land_use": "1001",
                                 "parcel_id": "P{序号}"})
    texts = [p.message for p in done.report.warnings]
    m2 = next(t for t in texts if "109.43" in t)
    assert "looks like square metres (m²), not hectares" in m2 and "109.00 m²" in m2
    assert "what InvestMap uses" in m2 and "+999" not in m2
    mu = next(t for t in texts if "header area 9 " in t)
    assert "looks like 亩" in mu and "6,000.00 m² = 9.0000 亩 = 0.6000 ha" in mu


# -- item 4: labels for codes ---------------------------------------------------------------------


def test_enterprise_sheet_with_scale_words(tmp_path):
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["2024年规上工业企业亩均效益评价表"])
    sheet.append(["统一社会信用代码", "企业名称", "规上规下", "用地面积(亩)", "公用事业"])
    sheet.append(["91331003A", "黄岩模具有限公司", "规上", 32.5, "否"])
    sheet.append(["91331003B", "黄岩塑料制品厂", "规下", 4.2, "否"])
    sheet.append(["91331003C", "黄岩自来水公司", "规模以上", 12, "是"])
    sheet.append(["91331003D", "Export Co.", "Below designated size", 3, ""])
    path = tmp_path / "企业.xlsx"
    book.save(path)
    done = prepare_import(path, "enterprise")
    assert done.frame["scale"].tolist() == ["above", "below", "above", "below"]
    assert done.frame["is_utility"].tolist() == [False, False, True, False]


def test_project_list_with_chinese_stage_words(tmp_path):
    path = tmp_path / "projects.csv"
    path.write_text("项目编号,项目名称,进度,经度,纬度\n"
                    "J1,模具产业园,在谈,121.26,28.64\nJ2,塑料新材料,签约,121.27,28.65\n"
                    "J3,智能装备,开工,121.28,28.66\nJ4,汽配,已投产,121.29,28.67\n"
                    "J5,物流,意向,121.30,28.68\n", encoding="gbk")
    with pytest.raises(ValidationError) as err:
        prepare_import(path, "project")
    assert "unknown value(s) ['意向']" in str(err.value)  # a status word, not a stage
    done = prepare_import(path, "project", skip_invalid=True)
    assert done.frame["stage"].tolist() == ["pipeline", "signed", "started", "producing"]
    assert done.refused["feature"].tolist() == ["line 6"]


# -- shapefile with upper-case and truncated names ------------------------------------------------


def test_gbk_shapefile_with_upper_case_and_truncated_names(tmp_path, capsys):
    frame = gpd.GeoDataFrame(
        {"PARK_ID": ["HY01", "HY02"], "NAME": ["黄岩经济开发区", None],
         "LEVEL": ["省级", "County"], "LEADING_IN": ["模具,塑料", "汽车零部件"]},
        geometry=[shapely.box(520_000, 3_170_000, 520_100, 3_170_100),
                  shapely.box(521_000, 3_170_000, 521_200, 3_170_100)], crs=4549)
    path = tmp_path / "parks.shp"
    pyogrio.write_dataframe(frame, path, encoding="GBK")
    path.with_suffix(".cpg").unlink(missing_ok=True)
    out = tmp_path / "c.gpkg"
    code, _, stderr = run(capsys, "import", str(path), "--layer", "park", "--out", str(out),
                          "--set", "name=园区{PARK_ID}")
    assert code == 0, stderr
    stored = pyogrio.read_dataframe(out, layer="park")
    assert stored["name"].tolist() == ["黄岩经济开发区", "园区HY02"]
    assert stored["level"].tolist() == ["provincial", "county"]
    assert stored["leading_industries"].tolist() == ["模具,塑料", "汽车零部件"]
    assert stored["area_mu"].tolist() == pytest.approx([15.0, 30.0])


# -- item 6: DWG, DXF far outside its zone --------------------------------------------------------


def test_dwg_says_how_to_convert(tmp_path, capsys):
    path = tmp_path / "红线.dwg"
    path.write_bytes(b"AC1032" + bytes(100))
    code, _, stderr = run(capsys, "validate", str(path), "--layer", "redline")
    assert code == 2
    assert "另存为" in stderr and "ODA File Converter" in stderr and "--crs" in stderr


def test_dxf_far_outside_its_zone_warns_and_keeps_the_official_area(tmp_path):
    doc = ezdxf.new("R2010")
    doc.layers.add("用地红线")
    e, n = 786_000.0, 3_350_000.0  # 286 km east of zone 40's central meridian (500 km)
    doc.modelspace().add_lwpolyline([(e, n), (e + 100, n), (e + 100, n + 100), (e, n + 100)],
                                    close=True, dxfattribs={"layer": "用地红线"})
    path = tmp_path / "red.dxf"
    doc.saveas(path)
    done = prepare_import(path, "parcel", options=ReadOptions(crs="EPSG:4549"),
                          fills={"land_use": "1001", "status": "reserve"})
    warning = next(p for p in done.report.warnings if "central meridian" in p.message)
    assert "eastings reach 786 km, 286 km" in warning.message and "±1.5°" in warning.message
    assert "area_official_mu" in warning.fix
    row = done.frame.iloc[0]
    assert row["area_official_mu"] == pytest.approx(15.0, abs=1e-9)
    # TM scale at 286 km from the meridian ≈ 1 + 286²/(2·6380²): areas grow by ≈ 0.2 %
    assert 1 - row["area_mu"] / row["area_official_mu"] == pytest.approx(0.002, abs=3e-4)


def test_dxf_inside_its_zone_has_no_zone_warning(tmp_path):
    doc = ezdxf.new("R2010")
    doc.modelspace().add_lwpolyline([(520_000, 3_170_000), (520_100, 3_170_000),
                                     (520_100, 3_170_100), (520_000, 3_170_100)], close=True)
    path = tmp_path / "ok.dxf"
    doc.saveas(path)
    done = prepare_import(path, "parcel", options=ReadOptions(crs="EPSG:4549"),
                          fills={"land_use": "1001", "status": "reserve"})
    assert not [p for p in done.report.warnings if "central meridian" in p.message]
    assert done.frame["area_official_mu"].tolist() == pytest.approx([15.0])
    assert done.frame["area_mu"].tolist() == pytest.approx([15.0], rel=1e-6)


def test_unreadable_file_and_unknown_options_are_read_errors(tmp_path, capsys):
    path = tmp_path / "empty.txt"
    path.write_bytes(b"")
    with pytest.raises(ReadError, match="empty file"):
        prepare_import(path, "parcel")
    dxf = tmp_path / "a.dxf"
    ezdxf.new("R2010").saveas(dxf)
    code, _, stderr = run(capsys, "import", str(dxf), "--layer", "parcel", "--crs",
                          "EPSG:99999", "--out", str(tmp_path / "o.gpkg"))
    assert code == 2 and "--crs 'EPSG:99999' is not a known coordinate system" in stderr
    code, _, stderr = run(capsys, "validate", str(path), "--layer", "parcel", "--encoding",
                          "gbkk")
    assert code == 2 and "--encoding 'gbkk' is not a known text encoding" in stderr
    assert "Traceback" not in stderr


# -- uploads (the import page) ------------------------------------------------------------------


class _GbkName(zipfile.ZipInfo):
    """Names stored as GBK bytes without the UTF-8 flag, as zips made on Chinese Windows."""

    def _encodeFilenameFlags(self):  # noqa: N802 - zipfile's hook
        return self.filename.encode("gbk"), self.flag_bits


def _zip(members: dict[str, bytes], *, gbk_names: bool = False) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            info = (_GbkName if gbk_names else zipfile.ZipInfo)(name)
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, data)
    return buffer.getvalue()


def test_zip_of_shapefile_parts_is_staged_and_imports(tmp_path):
    from layers.uploads import stage_upload

    frame = gpd.GeoDataFrame({"地块编号": ["Z1"], "供地状态": ["可供应"], "用地性质": ["工业用地"]},
                             geometry=[shapely.box(520_000, 3_170_000, 520_100, 3_170_100)],
                             crs=4549)
    source = tmp_path / "src"
    source.mkdir()
    pyogrio.write_dataframe(frame, source / "黄岩地块.shp", encoding="GBK")
    parts = {f"导出/黄岩地块{p.suffix}": p.read_bytes() for p in source.iterdir()}
    parts["__MACOSX/._黄岩地块.shp"] = b"junk"
    mains = stage_upload([("地块.zip", _zip(parts, gbk_names=True))], tmp_path / "up",
                         max_bytes=2**20)
    assert [p.name for p in mains] == ["黄岩地块.shp"]
    done = prepare_import(mains[0], "parcel")
    assert done.frame[["parcel_id", "status", "land_use"]].values.tolist() == [
        ["Z1", "available", "1001"]]
    assert done.frame["area_mu"].tolist() == pytest.approx([15.0])


def test_upload_names_cannot_escape_and_limits_hold(tmp_path):
    from layers.uploads import stage_upload

    folder = tmp_path / "up"
    mains = stage_upload([("../../evil.txt", b"x"), ("a.csv", b"a,b\n1,2\n")], folder,
                         max_bytes=1000)
    assert [p.name for p in mains] == ["evil.txt", "a.csv"]  # TXT ranks before CSV
    assert all(p.parent == folder for p in mains)
    assert not (tmp_path / "evil.txt").exists()
    with pytest.raises(ReadError, match=r"exceeds 0 MB; fix: load larger files from the "
                       "command line"):
        stage_upload([("big.txt", bytes(2000))], tmp_path / "b", max_bytes=1000)
    bomb = _zip({"a.txt": bytes(30_000)})
    with pytest.raises(ReadError, match="unpacks to more than"):
        stage_upload([("bomb.zip", bomb)], tmp_path / "c", max_bytes=1000)
    with pytest.raises(ReadError, match=r"upload holds notes.doc; fix: upload a zip"):
        stage_upload([("notes.doc", b"x")], tmp_path / "d", max_bytes=1000)


def test_skip_invalid_leaves_out_a_parcel_the_reader_cannot_close(tmp_path, capsys):
    open_ring = [f"5,3.0000,{PLACEHOLDER}", *rect_lines(E0 + 2000, N0, 200, 150)[:4],
                 f"J9,1,{N0 + 1:.3f},{E0 + 2000:.3f}"]  # last point ≠ first
    path = shp2txt(tmp_path, PLAIN, open_ring, PLOT_MU)
    fills = {"status": "reserve", "land_use": "1001", "parcel_id": "P{序号}"}
    with pytest.raises(ReadError, match=r"line 24: parcel 'FID_0' \(line 19\): ring 1 is not "
                       r"closed"):
        prepare_import(path, "parcel", fills=fills)
    done = prepare_import(path, "parcel", fills=fills, skip_invalid=True)
    assert done.frame["parcel_id"].tolist() == ["P1", "P3"]  # 序号 counts the left-out one
    assert done.frame["area_mu"].tolist() == pytest.approx([45.0, 9.0])
    assert done.refused.values.tolist() == [[
        str(path), "parcel 'FID_0' (line 19)",
        "line 24: parcel 'FID_0' (line 19): ring 1 is not closed (last point J9 ≠ first point "
        "J1)", "repeat point J1 at the end of ring 1"]]
    assert any("1 feature(s) refused" in p.message for p in done.report.warnings)


def test_parcel_sheet_with_status_words_and_utility_labels(tmp_path):
    path = tmp_path / "地块.csv"
    path.write_text(
        "地块编号,供地状态,用地性质,七通一平,wkt\n"
        "A1,可供应,一类工业用地,通路、通电、场地平整,"
        "\"POLYGON ((520000 3170000, 520100 3170000, 520100 3170100, 520000 3170000))\"\n"
        "A2,已出让,工业用地,road;Power,"
        "\"POLYGON ((521000 3170000, 521100 3170000, 521100 3170100, 521000 3170000))\"\n"
        "A3,储备,Industrial,,"
        "\"POLYGON ((522000 3170000, 522100 3170000, 522100 3170100, 522000 3170000))\"\n",
        encoding="utf-8-sig")
    done = prepare_import(path, "parcel", options=ReadOptions(crs="EPSG:4549"))
    assert done.frame["status"].tolist() == ["available", "transferred", "reserve"]
    assert done.frame["land_use"].tolist() == ["100101", "1001", "1001"]
    assert done.frame["utilities"].tolist() == [["road", "power", "levelled"],
                                                ["road", "power"], []]
    assert done.frame["area_mu"].tolist() == pytest.approx([7.5] * 3)  # half of 15 亩


def test_a_refused_file_still_explains_its_placeholders(tmp_path, capsys):
    path = shp2txt(tmp_path, PLAIN)
    code, stdout, _ = run(capsys, "validate", str(path), "--layer", "parcel", "--set",
                          "status=reserve", "--set", "parcel_id=P{序号}")
    assert code == 1
    assert "column 'land_use': value is empty" in stdout
    assert "(地类编码) holds its own field name ['DLBM']" in stdout
    assert "encoding detected as gb18030" in stdout


def test_red_lines_by_the_policy_labels_of_their_categories(tmp_path):
    frame = gpd.GeoDataFrame(
        {"编号": ["R1", "R2", "R3"],
         "类别": ["生态保护红线", "Permanent basic farmland", "城镇开发边界"]},
        geometry=[shapely.box(520_000 + 200 * i, 3_170_000, 520_100 + 200 * i, 3_170_100)
                  for i in range(3)], crs=4549)
    path = tmp_path / "红线.geojson"
    pyogrio.write_dataframe(frame, path, driver="GeoJSON")
    done = prepare_import(path, "redline")
    assert done.frame["category"].tolist() == ["eco_redline", "basic_farmland",
                                               "urban_boundary"]


def test_check_stored_ids_refuses_ids_that_lost_their_zeros(tmp_path):
    """Issue 27: ``7`` from a spreadsheet beside a stored ``007`` (load and the import page
    both call this before writing)."""
    import pandas as pd

    from layers.importing import StoredIdClash, check_stored_ids
    from layers.store import open_store
    from tests import store_county as county

    with open_store(tmp_path / "s.gpkg") as store:
        county.fill(store)
        stored = county.projects().iloc[[0]].assign(project_id="007")
        store.import_frame("project", stored, user="u", role="admin", reason="r")
        check_stored_ids(store, "project", pd.DataFrame({"project_id": ["X9", "8"]}),
                         source="ok.csv")
        with pytest.raises(StoredIdClash, match=r"new.csv: id\(s\) 7 \(stored: 007\)"):
            check_stored_ids(store, "project", pd.DataFrame({"project_id": ["7"]}),
                             source="new.csv")

"""Write the hostile/broken input corpus of issues 13 and 27 into this folder (``python make.py``).

Every file is small and broken on purpose (one defect each, named by the file name);
``manifest.json`` gives the layer and the extra command-line options each is tried with, and
what must happen (issue 27, :data:`ISSUE_27`): by default every command refuses the file;
``expect`` says ``accept`` (or per command) for a file that must be read in full — ``features``
is then the count ``validate`` must report, ``warning`` a text its report must hold, and
``stored`` the values the loaded row must have in the store.
``tests/test_fuzz_readers.py`` runs every file through ``validate``, ``import`` and ``load``.
"""

from __future__ import annotations

import io
import json
import sqlite3
import zipfile
from pathlib import Path

HERE = Path(__file__).resolve().parent

TXT_HEAD = ("[属性描述]\n格式版本号=1.01版本\n坐标系=2000国家大地坐标系\n几度分带=3\n"
            "投影类型=高斯克吕格\n计量单位=米\n带号=37\n精度=0.01\n转换参数=,,,,,,\n[地块坐标]\n")


def txt_parcel(points: list[tuple[float | str, float | str]], *, count: int | None = None,
               ring: int | str = 1) -> str:
    """A coordinate TXT with one parcel whose ring 1 has ``points`` (X northing, Y easting)."""
    n = len(points) if count is None else count
    lines = [f"{n},1.0000,QF-9001,测试地块,面,,工业用地,100101,@"]
    lines += [f"J{i + 1},{ring},{x},{y}" for i, (x, y) in enumerate(points)]
    return TXT_HEAD + "\n".join(lines) + "\n"


NAN = float("nan")
SQUARE = [(4300000.0, 37500000.0), (4300000.0, 37500100.0), (4300100.0, 37500100.0),
          (4300100.0, 37500000.0), (4300000.0, 37500000.0)]


def dxf(entities: str) -> str:
    """A minimal ASCII DXF (R12 style) with ``entities`` in the ENTITIES section."""
    return ("0\nSECTION\n2\nHEADER\n9\n$ACADVER\n1\nAC1009\n0\nENDSEC\n"
            "0\nSECTION\n2\nENTITIES\n" + entities + "0\nENDSEC\n0\nEOF\n")


def lwpolyline(points: list[tuple[float, float, float]], layer: str = "REDLINE") -> bytes:
    """An R2000 DXF written by ezdxf with one closed LWPOLYLINE (x, y, bulge)."""
    import ezdxf

    doc = ezdxf.new("R2000")
    doc.modelspace().add_lwpolyline(points, format="xyb", close=True,
                                    dxfattribs={"layer": layer})
    stream = io.StringIO()
    doc.write(stream)
    return stream.getvalue().encode("utf-8")


def circle(x: str, y: str, r: str) -> str:
    return f"0\nCIRCLE\n5\n30\n8\nREDLINE\n10\n{x}\n20\n{y}\n40\n{r}\n"


def gpkg_bytes() -> bytes:
    """A tiny valid GeoPackage with one parcel (to truncate)."""
    import geopandas as gpd
    import shapely

    frame = gpd.GeoDataFrame([{"parcel_id": "Z1", "land_use": "100101", "status": "reserve"}],
                             geometry=[shapely.box(500000, 4300000, 500100, 4300100)],
                             crs=4546)
    tmp = HERE / ".tmp.gpkg"
    frame.to_file(tmp, layer="parcel", driver="GPKG")
    data = tmp.read_bytes()
    tmp.unlink()
    return data


def dbf_files() -> dict[str, bytes]:
    """A valid point shapefile whose .dbf is then truncated in the middle of a record."""
    import geopandas as gpd
    import shapely

    frame = gpd.GeoDataFrame([{"project_id": f"X{i}", "name": "项目" * 5, "stage": "signed"}
                              for i in range(5)],
                             geometry=[shapely.Point(500000 + i, 4300000) for i in range(5)],
                             crs=4546)
    tmp = HERE / ".tmp_shp"
    tmp.mkdir(exist_ok=True)
    frame.to_file(tmp / "t.shp", encoding="UTF-8")
    out = {f"truncated_dbf{p.suffix}": p.read_bytes() for p in tmp.iterdir()}
    for p in tmp.iterdir():
        p.unlink()
    tmp.rmdir()
    out["truncated_dbf.dbf"] = out["truncated_dbf.dbf"][:-120]
    return out


def cases() -> dict[str, tuple[bytes | str | None, str, list[str]]]:
    """File name → (content, layer, extra options); ``None`` content makes a folder (the
    expectations of issue 27's cases are in :func:`expectations`)."""
    nan_ring = [SQUARE[0], ("nan", "37500100"), *SQUARE[2:]]
    return {
        # coordinate TXT (部标)
        "txt_bow_tie.txt": (txt_parcel([(4300000, 37500000), (4300100, 37500100),
                                        (4300000, 37500100), (4300100, 37500000),
                                        (4300000, 37500000)]), "parcel", []),
        "txt_one_point_ring.txt": (txt_parcel([SQUARE[0]]), "parcel", []),
        "txt_two_point_ring.txt": (txt_parcel(SQUARE[:2]), "parcel", []),
        "txt_zero_area_ring.txt": (txt_parcel([SQUARE[0], SQUARE[1], SQUARE[0], SQUARE[1],
                                               SQUARE[0]]), "parcel", []),
        "txt_nan.txt": (txt_parcel(nan_ring), "parcel", []),
        "txt_inf.txt": (txt_parcel([SQUARE[0], ("inf", "37500100"), *SQUARE[2:]]), "parcel",
                        []),
        "txt_1e400.txt": (txt_parcel([SQUARE[0], ("1e400", "1e400"), *SQUARE[2:]]), "parcel",
                          []),
        "txt_1e300.txt": (txt_parcel([(1e300, 1e300), (1e300, 2e300), (2e300, 2e300),
                                      (1e300, 1e300)]), "parcel", []),
        "txt_count_mismatch.txt": (txt_parcel(SQUARE, count=99), "parcel", []),
        "txt_ring_zero.txt": (txt_parcel(SQUARE, ring=0), "parcel", []),
        "txt_header_only.txt": (TXT_HEAD, "parcel", []),
        "txt_binary.txt": (bytes(range(256)) * 4, "parcel", []),
        "txt_utf16_garbage.txt": (("\ufeff" + "界址点" * 50).encode("utf-16-le"), "parcel", []),
        # CSV / Excel lists
        "csv_only_bom.csv": (b"\xef\xbb\xbf", "project", []),
        "csv_bom_newlines.csv": (b"\xef\xbb\xbf\r\n\r\n", "project", []),
        "csv_duplicate_lon.csv": ("project_id,name,stage,经度,经度,纬度\nX1,a,signed,111,112,38\n",
                                  "project", []),
        "csv_bad_wkt.csv": ("project_id,name,stage,wkt\nX1,a,signed,POINT (1 2\n"
                            'X2,b,signed,"POLYGON ((0 0, 1 1))"\nX3,c,signed,0.0\n', "project",
                            ["--crs", "EPSG:4490"]),
        "csv_wkt_nan.csv": ("project_id,name,stage,wkt\nX1,a,signed,POINT (nan 38)\n", "project",
                            ["--crs", "EPSG:4490"]),
        "csv_lon_500.csv": ("project_id,name,stage,lon,lat\nX1,a,signed,500,38\n", "project", []),
        "csv_lon_1e300.csv": ("project_id,name,stage,lon,lat\nX1,a,signed,1e300,1e300\n",
                              "project", []),
        "csv_blank_lonlat.csv": ("project_id,name,stage,lon,lat\nX1,a,signed,,\n", "project",
                                 []),
        "csv_header_only.csv": ("project_id,name,stage,lon,lat\n", "project", []),
        "csv_unclosed_quote.csv": ('project_id,name,stage,lon,lat\nX1,"a,signed,111,38\n',
                                   "project", []),
        "csv_xy_1e400.csv": ("project_id,name,stage,x,y\nX1,a,signed,1e400,4300000\n",
                             "project", ["--crs", "EPSG:4546"]),
        "folder.csv": (None, "project", []),
        "xlsx_zip_not_workbook.xlsx": (_zip({"hello.txt": b"not a workbook"}), "project", []),
        "xlsx_text.xlsx": (b"this is not a zip", "project", []),
        # GeoPackage / GeoJSON / Parquet / Shapefile / KML
        "gpkg_empty.gpkg": (b"", "parcel", []),
        "gpkg_truncated.gpkg": (gpkg_bytes()[:3000], "parcel", []),
        "gpkg_sqlite_no_tables.gpkg": (_sqlite_only(), "parcel", []),
        "parquet_corrupt.parquet": (b"PAR1" + b"\x00" * 64 + b"PAR1", "parcel", []),
        "geojson_garbage.geojson": ('{"type": "FeatureCollection", "features": [', "parcel",
                                    []),
        "geojson_nan.geojson": ('{"type":"FeatureCollection","features":[{"type":"Feature",'
                                '"properties":{"project_id":"X1","name":"a","stage":"signed"},'
                                '"geometry":{"type":"Point","coordinates":[1e400,38]}}]}',
                                "project", []),
        "geojson_lon_500.geojson": ('{"type":"FeatureCollection","features":[{"type":"Feature",'
                                    '"properties":{"project_id":"X1","name":"a","stage":'
                                    '"signed"},"geometry":{"type":"Point","coordinates":'
                                    '[500,38]}}]}', "project", []),
        "kml_broken.kml": ("<kml><Document><Placemark><Polygon>", "parcel", []),
        "shp_no_shx.shp": (b"\x00\x00\x27\x0a" + b"\x00" * 96, "parcel", []),
        **{name: (data, "project", []) for name, data in dbf_files().items()
           if name.endswith(".shp")},
        # DXF
        "dxf_nan_vertex.dxf": (lwpolyline([(500000, 4300000, 0), (NAN, 4300000, 0),
                                           (500100, 4300100, 0)]), "redline",
                               ["--crs", "EPSG:4546"]),
        "dxf_circle_1e15.dxf": (dxf(circle("500000", "4300000", "1e15")), "redline",
                                ["--crs", "EPSG:4546"]),
        "dxf_bulge_1e12.dxf": (lwpolyline([(500000, 4300000, 1e12), (500100, 4300000, 0),
                                           (500100, 4300100, 0)]), "redline",
                               ["--crs", "EPSG:4546"]),
        "dxf_coords_1e300.dxf": (lwpolyline([(1e300, 1e300, 0), (2e300, 1e300, 0),
                                             (2e300, 2e300, 0)]), "redline",
                                 ["--crs", "EPSG:4546"]),
        "dxf_truncated.dxf": (dxf(circle("500000", "4300000", "50"))[:60], "redline",
                              ["--crs", "EPSG:4546"]),
        "dxf_empty.dxf": (b"", "redline", ["--crs", "EPSG:4546"]),
        "dxf_inf_bulge.dxf": (lwpolyline([(500000, 4300000, float("inf")),
                                          (500100, 4300000, 0), (500100, 4300100, 0)]),
                              "redline", ["--crs", "EPSG:4546"]),
        "dxf_crs_foo.dxf": (dxf(circle("500000", "4300000", "50")), "redline",
                            ["--crs", "foo"]),
        "csv_crs_foo.csv": ("project_id,name,stage,x,y\nX1,a,signed,500000,4300000\n",
                            "project", ["--crs", "foo"]),
        "unknown_suffix.xyz": (b"1 2 3", "parcel", []),
        **{name: case[:3] for name, case in issue_27_cases().items()},
    }


# -- issue 27: values that make sense, ids that are what they look like, complete reads ---

PROJECT_HEAD = "project_id,name,stage,lon,lat"
ACCEPT = "accept"


def _projects_csv(*rows: str, head: str = PROJECT_HEAD) -> str:
    return "\n".join([head, *rows]) + "\n"


def _xlsx(rows: list[list[object]], *, hidden_first: bool = False,
          sheet_prefix: bytes = b"", cell: bytes = b"") -> bytes:
    """A one-list workbook; with ``hidden_first`` an older list sits in a hidden first sheet;
    with ``sheet_prefix`` the sheet's XML starts with it and the cell ``111`` becomes ``cell``."""
    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    if hidden_first:
        sheet.title = "旧表"
        sheet.append(["project_id", "name", "stage", "经度", "纬度"])
        sheet.append(["OLD-1", "旧项目", "signed", 111.0, 38.9])
        sheet.sheet_state = "hidden"
        sheet = book.create_sheet("项目")
        book.active = 1
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    if not sheet_prefix:
        return buffer.getvalue()
    out = io.BytesIO()
    with zipfile.ZipFile(buffer) as src, zipfile.ZipFile(out, "w") as dst:
        for item in src.infolist():
            data = src.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                data = sheet_prefix + data.replace(b"<v>111</v>", b"<v>" + cell + b"</v>")
            dst.writestr(item.filename, data)
    return out.getvalue()


LAUGHS = (b'<!DOCTYPE l [<!ENTITY a "aaaaaaaaaa">'
          + b"".join(f'<!ENTITY {c} "{("&" + p + ";") * 10}">'.encode()
                     for p, c in zip("abcdefgh", "bcdefghi", strict=True)) + b"]>")


def _nested_geojson() -> str:
    def feature(pid: str, lon: float) -> dict[str, object]:
        return {"type": "Feature", "properties": {"project_id": pid, "name": "嵌套",
                                                  "stage": "signed"},
                "geometry": {"type": "Point", "coordinates": [lon, 38.9]}}
    inner = {"type": "FeatureCollection", "features": [feature("N2", 111.01),
                                                       feature("N3", 111.02)]}
    return json.dumps({"type": "FeatureCollection", "features": [feature("N1", 111.0), inner]},
                      ensure_ascii=False)


def cpg_lies_files() -> dict[str, bytes]:
    """A point shapefile written in UTF-8 whose .cpg says GBK (copied from another file)."""
    import geopandas as gpd
    import shapely

    frame = gpd.GeoDataFrame([{"project_id": "C1", "name": "新材料产业园", "stage": "signed"}],
                             geometry=[shapely.Point(500000, 4300000)], crs=4546)
    tmp = HERE / ".tmp_cpg"
    tmp.mkdir(exist_ok=True)
    frame.to_file(tmp / "t.shp", encoding="UTF-8")
    out = {f"shp_cpg_says_gbk{p.suffix}": p.read_bytes() for p in tmp.iterdir()}
    for p in tmp.iterdir():
        p.unlink()
    tmp.rmdir()
    out["shp_cpg_says_gbk.cpg"] = b"GBK"
    return out


def issue_27_cases() -> dict[str, tuple[bytes | str, str, list[str], dict[str, object]]]:
    """File name → (content, layer, options, expectations) of issue 27's case classes."""
    square = SQUARE
    return {
        # 1. numbers and dates are sanity-checked
        "csv_investment_inf.csv": (_projects_csv("V1,a,signed,111.0,38.9").replace(
            "lon,lat", "lon,lat,investment_wan").replace("38.9", "38.9,inf"), "project", [],
            {}),
        "csv_investment_implausible.csv": (_projects_csv(
            "V1,a,signed,111.0,38.9,1e12", head=PROJECT_HEAD + ",投资额(万元)"), "project",
            [], {}),
        "csv_completion_before_signing.csv": (_projects_csv(
            "V1,a,completed,111.0,38.9,2024-05-01,2023-01-01",
            head=PROJECT_HEAD + ",签约日期,竣工日期"), "project", [], {}),
        "csv_date_2150.csv": (_projects_csv("V1,a,signed,111.0,38.9,2150-01-01",
                                            head=PROJECT_HEAD + ",签约日期"), "project", [], {}),
        "xlsx_date_serial.xlsx": (_xlsx([["project_id", "name", "stage", "经度", "纬度",
                                          "签约日期"],
                                         ["S1", "序列日期", "signed", 111.0, 38.9, 45292]]),
                                  "project", [], {"expect": ACCEPT, "features": 1,
                                                  "stored": {"S1": {"signed_date":
                                                                    "2024-01-01"}}}),
        # 2. ids are what they look like; text holds no control character
        "csv_id_zero_width.csv": (_projects_csv("X\u200b1,新材料产业园,pipeline,111.0,38.9"),
                                  "project", [], {"expect": ACCEPT, "features": 1,
                                                  "warning": "normalised",
                                                  "stored": {"X1": {"name": "新材料产业园"}}}),
        "csv_id_bom_fullwidth.csv": (_projects_csv("\ufeffＸＷ－１,全角,signed,111.0,38.9"),
                                     "project", [], {"expect": ACCEPT, "features": 1,
                                                     "warning": "normalised",
                                                     "stored": {"XW-1": {"name": "全角"}}}),
        "csv_id_control.csv": (_projects_csv("V\x071,a,signed,111.0,38.9"), "project", [], {}),
        "csv_text_vertical_tab.csv": (_projects_csv("VT1,第一行\x0b第二行,signed,111.0,38.9"),
                                      "project", [], {"expect": ACCEPT, "features": 1,
                                                      "warning": "control characters",
                                                      "stored": {"VT1": {"name":
                                                                         "第一行\n第二行"}}}),
        "csv_ids_007_and_7.csv": (_projects_csv("007,a,signed,111.0,38.9",
                                                "7,b,signed,111.0,38.9"), "project", [], {}),
        "csv_id_007.csv": (_projects_csv("007,零零七,signed,111.0,38.9"), "project", [],
                           {"expect": ACCEPT, "features": 1,
                            "stored": {"007": {"name": "零零七"}}}),
        "csv_id_7_after_007.csv": (_projects_csv("7,零零七,signed,111.0,38.9"), "project", [],
                                   {"expect": {"validate": ACCEPT, "import": ACCEPT},
                                    "features": 1}),
        # 3. coordinates against their CRS and the store's zone
        "csv_xy_prefixed_easting.csv": (
            "project_id,name,stage,x,y\nV1,a,signed,37500050,4300050\n", "project",
            ["--crs", "EPSG:4546"], {}),
        "geojson_24deg_outside_zone.geojson": (
            '{"type":"FeatureCollection","features":[{"type":"Feature","properties":'
            '{"parcel_id":"FAR1","land_use":"100101","status":"reserve"},"geometry":'
            '{"type":"Polygon","coordinates":[[[135.0,38.9],[135.001,38.9],[135.001,38.901],'
            '[135.0,38.901],[135.0,38.9]]]}}]}', "parcel", [],
            {"expect": {"validate": ACCEPT, "import": ACCEPT}, "features": 1}),
        "txt_ring_number_1e400.txt": (txt_parcel(square).replace("J1,1,", "J1,1e400,"),
                                      "parcel", [], {}),
        "txt_bow_tie_ring_inf.txt": (txt_parcel([(4300000, 37500000), (4300100, 37500100),
                                                 (4300000, 37500100), (4300100, 37500000),
                                                 (4300000, 37500000)], ring="inf"),
                                     "parcel", [], {}),
        # 4. readers read everything or say what they skipped
        "geojson_nested_collection.geojson": (_nested_geojson(), "project", [],
                                              {"expect": ACCEPT, "features": 3,
                                               "warning": "nested FeatureCollections"}),
        "shp_cpg_says_gbk.shp": (cpg_lies_files()["shp_cpg_says_gbk.shp"], "project", [],
                                 {"expect": ACCEPT, "features": 1, "warning": "says GBK",
                                  "stored": {"C1": {"name": "新材料产业园"}}}),
        "xlsx_hidden_first_sheet.xlsx": (
            _xlsx([["project_id", "name", "stage", "经度", "纬度"],
                   ["H1", "可见表", "signed", 111.0, 38.9],
                   ["H2", "可见表", "signed", 111.0, 38.9]],
                  hidden_first=True), "project", [],
            {"expect": ACCEPT, "features": 2, "warning": "hidden sheet"}),
        "csv_excel_sep_line.csv": ("sep=;\r\nproject_id;name;stage;lon;lat\r\n"
                                   "SP1;分号;signed;111.0;38.9\r\nSP2;分号;signed;111.0;38.9\r\n",
                                   "project", [], {"expect": ACCEPT, "features": 2}),
        # 6. XML attacks in a workbook
        "xlsx_xxe.xlsx": (_xlsx([["project_id", "name", "stage", "经度", "纬度"],
                                 ["E1", "a", "signed", 111, 38.9]],
                                sheet_prefix=b'<!DOCTYPE x [<!ENTITY e SYSTEM '
                                             b'"file:///etc/passwd">]>', cell=b"&e;"),
                          "project", [], {}),
        "xlsx_billion_laughs.xlsx": (_xlsx([["project_id", "name", "stage", "经度", "纬度"],
                                            ["E1", "a", "signed", 111, 38.9]],
                                           sheet_prefix=LAUGHS, cell=b"&i;"), "project", [], {}),
    }


def expectations() -> dict[str, dict[str, object]]:
    """File name → what must happen beyond "refused" (issue 27's accepted cases)."""
    return {name: case[3] for name, case in issue_27_cases().items() if case[3]}


def _zip(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def _sqlite_only() -> bytes:
    tmp = HERE / ".tmp.sqlite"
    conn = sqlite3.connect(tmp)
    conn.execute("CREATE TABLE t (x)")
    conn.commit()
    conn.close()
    data = tmp.read_bytes()
    tmp.unlink()
    return data


def main() -> None:
    manifest: dict[str, dict[str, object]] = {}
    extra_files = {**dbf_files(), **cpg_lies_files()}
    expected = expectations()
    for name, (content, layer, args) in cases().items():
        path = HERE / name
        if content is None:
            path.mkdir(exist_ok=True)
            (path / ".keep").write_text("a folder named like a file\n")
        else:
            path.write_bytes(content.encode("utf-8") if isinstance(content, str) else content)
        manifest[name] = {"layer": layer, "args": args, **expected.get(name, {})}
    for name, data in extra_files.items():
        if not name.endswith(".shp"):
            (HERE / name).write_bytes(data)
    (HERE / "manifest.json").write_text(json.dumps(manifest, ensure_ascii=False, indent=1)
                                        + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()

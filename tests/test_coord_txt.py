"""部标 coordinate TXT (shared/domain.md §7): files built to the published spec in every encoding
and line-ending style, from several provinces, zones and datums; area and centroid checked
against hand-computed values and an independent Gauss–Krüger inverse (Snyder's series)."""

from __future__ import annotations

import math
from pathlib import Path

import geopandas as gpd
import pytest
import shapely
from hypothesis import given, settings
from hypothesis import strategies as st

from layers.formats.coord_txt import parse_coord_txt, read_coord_txt
from layers.formats.coord_txt_write import render_coord_txt, write_coord_txt
from layers.io import ReadError, ReadOptions, read_frame

ELLIPSOIDS = {  # a, 1/f
    "cgcs2000": (6378137.0, 298.257222101, 4490),
    "xian1980": (6378140.0, 298.257, 4610),
    "beijing1954": (6378245.0, 298.3, 4214),
}


def gk_inverse(easting: float, northing: float, *, cm: float, datum: str) -> tuple[float, float]:
    """Transverse Mercator inverse (Snyder 1987, eq. 8-12…8-18), k0 = 1, FE = 500 km."""
    a, inv_f, _ = ELLIPSOIDS[datum]
    f = 1 / inv_f
    e2 = f * (2 - f)
    ep2 = e2 / (1 - e2)
    mu = northing / (a * (1 - e2 / 4 - 3 * e2**2 / 64 - 5 * e2**3 / 256))
    e1 = (1 - math.sqrt(1 - e2)) / (1 + math.sqrt(1 - e2))
    phi1 = (mu + (3 * e1 / 2 - 27 * e1**3 / 32) * math.sin(2 * mu)
            + (21 * e1**2 / 16 - 55 * e1**4 / 32) * math.sin(4 * mu)
            + (151 * e1**3 / 96) * math.sin(6 * mu) + (1097 * e1**4 / 512) * math.sin(8 * mu))
    c1 = ep2 * math.cos(phi1) ** 2
    t1 = math.tan(phi1) ** 2
    n1 = a / math.sqrt(1 - e2 * math.sin(phi1) ** 2)
    r1 = a * (1 - e2) / (1 - e2 * math.sin(phi1) ** 2) ** 1.5
    d = (easting - 500_000.0) / n1
    phi = phi1 - (n1 * math.tan(phi1) / r1) * (
        d**2 / 2 - (5 + 3 * t1 + 10 * c1 - 4 * c1**2 - 9 * ep2) * d**4 / 24
        + (61 + 90 * t1 + 298 * c1 + 45 * t1**2 - 252 * ep2 - 3 * c1**2) * d**6 / 720)
    lam = (d - (1 + 2 * t1 + c1) * d**3 / 6
           + (5 - 2 * c1 + 28 * t1 - 3 * c1**2 + 8 * ep2 + 24 * t1**2) * d**5 / 120
           ) / math.cos(phi1)
    return cm + math.degrees(lam), math.degrees(phi)


HEADER = """[属性描述]
格式版本号=1.01版本
数据产生单位=陕西省某某测绘院
数据产生日期=2023-05-18
坐标系={datum}
几度分带={width}
投影类型=高斯克吕格
计量单位=米
带号={zone}
精度=0.01
转换参数=,,,,,,
[地块坐标]
"""


def rect_lines(x0: float, y0: float, w: float, h: float, *, ring: int = 1,
               start: int = 1) -> list[str]:
    """A closed ring of a w (east) × h (north) rectangle: 点号,圈号,X(north),Y(east)."""
    corners = [(y0, x0), (y0 + h, x0), (y0 + h, x0 + w), (y0, x0 + w)]
    names = [f"J{start + i}" for i in range(4)]
    lines = [f"{n},{ring},{x:.3f},{y:.3f}" for n, (x, y) in zip(names, corners, strict=True)]
    return [*lines, lines[0]]


# Province files: (name, datum label, width, zone, central meridian, body, expected parcels)
# expected: id → (area m², centroid easting, centroid northing) computed by hand.
SHAANXI = (  # CGCS2000 3° zone 37 (CM 111°E), northern Shaanxi; a parcel with a hole
    "2000国家大地坐标系", 3, 37, 111, "cgcs2000",
    ["10,1.3000,SX-01,榆林某工业园一号地块,面,J49G000001,工业用地,1001,@",
     *rect_lines(37_512_000, 4_310_000, 150, 100),
     *rect_lines(37_512_050, 4_310_030, 50, 40, ring=2, start=5),
     "5,1.8000,SX-02,榆林某商业地块,面,,商业用地,0901,@",
     "J1,1,4310500.000,37512000.000", "J2,1,4310500.000,37512200.000",
     "J3,1,4310620.000,37512150.000", "J4,1,4310620.000,37512050.000",
     "J1,1,4310500.000,37512000.000"],
    {"SX-01": (13_000.0, 37_512_075.0, 4_310_050.0),
     "SX-02": (18_000.0, 37_512_100.0, 4_310_500 + 120 * (2 * 100 + 200) / (3 * 300))},
)
SHANDONG = (  # Xian 1980 3° zone 39 (CM 117°E), near Jinan
    "1980西安坐标系", 3, 39, 117, "xian1980",
    ["5,0.9600,SD-7,济南某产业园地块,面,,工业用地,100101,@",
     *rect_lines(39_488_500, 4_064_000, 120, 80)],
    {"SD-7": (9_600.0, 39_488_560.0, 4_064_040.0)},
)
ZHEJIANG = (  # Beijing 1954 3° zone 40 (CM 120°E), Hangzhou, Y without zone prefix
    "1954北京坐标系", 3, 40, 120, "beijing1954",
    ["5,1.0000,ZJ-1,杭州某地块,面,,,1001,@", *rect_lines(505_000, 3_345_000, 100, 100)],
    {"ZJ-1": (10_000.0, 505_050.0, 3_345_050.0)},
)
SIX_DEGREE = (  # CGCS2000 6° zone 20 (CM 117°E)
    "CGCS2000", 6, 20, 117, "cgcs2000",
    ["5,0.5000,LY-3,临沂某地块,面,,,1001,@", *rect_lines(20_493_000, 3_880_000, 100, 50)],
    {"LY-3": (5_000.0, 20_493_050.0, 3_880_025.0)},
)

STYLES = {  # encoding, line ending, optional prefix bytes
    "gbk-crlf": ("gbk", "\r\n"),
    "gb2312-lf": ("gb2312", "\n"),
    "utf8-bom-lf": ("utf-8-sig", "\n"),
    "utf8-crlf": ("utf-8", "\r\n"),
    "utf16-crlf": ("utf-16", "\r\n"),
    "utf16be-lf": ("utf-16-be", "\n"),
    "utf16le-nobom-crlf": ("utf-16-le", "\r\n"),  # no BOM: found by the NUL pattern
}


def build(province: tuple, style: str) -> bytes:
    datum, width, zone, *_rest = province
    body = province[5]
    text = HEADER.format(datum=datum, width=width, zone=zone) + "\n".join(body) + "\n"
    encoding, newline = STYLES[style]
    data = text.replace("\n", newline).encode(encoding)
    return b"\xfe\xff" + data if encoding == "utf-16-be" else data


def write(tmp_path: Path, name: str, data: bytes | str) -> Path:
    path = tmp_path / name
    path.write_bytes(data if isinstance(data, bytes) else data.encode("gbk"))
    return path


@pytest.mark.parametrize("style", list(STYLES))
@pytest.mark.parametrize("province", [SHAANXI, SHANDONG, ZHEJIANG, SIX_DEGREE],
                         ids=["shaanxi-cgcs2000-z37", "shandong-xian80-z39",
                              "zhejiang-bj54-z40", "linyi-cgcs2000-6deg-z20"])
def test_province_files_area_and_location(tmp_path, province, style):
    path = write(tmp_path, f"{style}.txt", build(province, style))
    raw = read_frame(path, ReadOptions())
    frame = raw.frame
    _, width, zone, cm, datum, _, expected = province
    assert list(frame["地块编号"]) == list(expected)
    assert frame.crs.to_epsg() is not None
    geographic = frame.to_crs(ELLIPSOIDS[datum][2])
    for i, (pid, (area, east, north)) in enumerate(expected.items()):
        geom = frame.geometry.iloc[i]
        assert geom.area == pytest.approx(area, abs=1e-3)
        assert frame["地块面积(公顷)"].iloc[i] == pytest.approx(area / 10_000, abs=1e-4)
        prefix = zone * 1_000_000 if east > 1_000_000 else 0
        lon, lat = gk_inverse(east - prefix, north, cm=cm, datum=datum)
        centroid = geographic.geometry.iloc[i].centroid
        assert centroid.x == pytest.approx(lon, abs=1e-7), pid
        assert centroid.y == pytest.approx(lat, abs=1e-7), pid
    assert not [w for w in raw.warnings if "area" in w[0]]


def test_crs_from_header_per_datum_width_zone_and_prefix(tmp_path):
    expected = {"shaanxi": 4525, "shandong": 2363, "zhejiang": 2437, "six": 4498}
    for key, province in zip(expected, (SHAANXI, SHANDONG, ZHEJIANG, SIX_DEGREE), strict=True):
        parsed = parse_coord_txt(build(province, "gbk-crlf"), source=key)
        assert parsed.crs.to_epsg() == expected[key], key


def test_header_keys_and_attributes_kept(tmp_path):
    parsed = parse_coord_txt(build(SHAANXI, "gbk-crlf"), source="x.txt")
    assert parsed.header["数据产生单位"] == "陕西省某某测绘院"
    assert parsed.header["转换参数"] == ",,,,,,"
    assert parsed.encoding == "gb18030" and parsed.encoding_detected
    path = write(tmp_path, "a.txt", build(SHAANXI, "gbk-crlf"))
    frame = read_frame(path).frame
    row = frame.iloc[0]
    assert (row["地块名称"], row["图幅号"], row["地块用途"], row["地类编码"]) == (
        "榆林某工业园一号地块", "J49G000001", "工业用地", "1001")
    assert row["界址点数"] == 10 and len(row.geometry.interiors) == 1
    assert frame.attrs["coord_txt_header"]["带号"] == "37"


def test_maps_into_parcel_layer_through_aliases(tmp_path, policy):
    path = write(tmp_path, "a.txt", build(SHAANXI, "gbk-crlf"))
    raw = read_frame(path, ReadOptions())
    raw.frame["status"] = "reserve"
    from layers.validate import validate_layer

    frame, report = validate_layer(raw.frame, "parcel", source="a.txt")
    assert list(frame["parcel_id"]) == ["SX-01", "SX-02"]
    assert list(frame["land_use"]) == ["1001", "0901"]
    assert frame["area_mu"].tolist() == pytest.approx([19.5, 27.0], abs=1e-6)
    assert frame.crs.to_epsg() == 4546  # working CRS: zone 37 without prefix


def test_land_use_label_fills_missing_code(tmp_path):
    body = ["5,0.9600,X1,,面,,工业用地,,@", *rect_lines(39_488_500, 4_064_000, 120, 80)]
    data = (HEADER.format(datum="1980西安坐标系", width=3, zone=39) + "\n".join(body)).encode()
    frame = read_frame(write(tmp_path, "a.txt", data)).frame
    assert frame["地类编码"].iloc[0] == "1001"


def test_header_area_mismatch_is_reported(tmp_path, policy):
    body = ["5,1.0500,SD-7,,面,,,1001,@", *rect_lines(39_488_500, 4_064_000, 120, 80)]
    data = (HEADER.format(datum="西安80", width=3, zone=39) + "\n".join(body)).encode("gbk")
    raw = read_coord_txt(write(tmp_path, "a.txt", data), ReadOptions(policy=policy))
    messages = [m for m, _ in raw.warnings if "header area" in m]
    assert messages == ["parcel 'SD-7' (line 13): header area 1.0500 ha but the boundary "
                        "encloses 0.9600 ha (+9.38%)"]


def test_small_rounding_is_not_a_mismatch(tmp_path, policy):
    body = ["5,0.96004,SD-7,,面,,,1001,@", *rect_lines(39_488_500, 4_064_000, 120, 80)]
    data = (HEADER.format(datum="西安80", width=3, zone=39) + "\n".join(body)).encode("gbk")
    raw = read_coord_txt(write(tmp_path, "a.txt", data), ReadOptions(policy=policy))
    assert not [m for m, _ in raw.warnings if "header area" in m]


def test_second_outer_ring_becomes_another_part(tmp_path):
    body = ["10,1.6000,M1,,面,,,1001,@", *rect_lines(37_512_000, 4_310_000, 100, 100),
            *rect_lines(37_513_000, 4_310_000, 60, 100, ring=2, start=5)]
    data = (HEADER.format(datum="2000国家大地坐标系", width=3, zone=37) + "\n".join(body))
    geom = read_frame(write(tmp_path, "a.txt", data.encode())).frame.geometry.iloc[0]
    assert geom.geom_type == "MultiPolygon" and geom.area == pytest.approx(16_000)


# -- malformed inputs: each a specific error ---------------------------------------------


def _bad(tmp_path: Path, body: list[str], **header: object) -> str:
    values = {"datum": "2000国家大地坐标系", "width": 3, "zone": 37, **header}
    data = (HEADER.format(**values) + "\n".join(body) + "\n").encode("gbk")
    with pytest.raises(ReadError) as info:
        read_frame(write(tmp_path, "bad.txt", data))
    return str(info.value)


GOOD = ["5,1.5000,P1,,面,,,1001,@", "J1,1,4310000.000,37512000.000",
        "J2,1,4310100.000,37512000.000", "J3,1,4310100.000,37512150.000",
        "J4,1,4310000.000,37512150.000", "J1,1,4310000.000,37512000.000"]


def test_good_body_reads(tmp_path):
    data = (HEADER.format(datum="2000国家大地坐标系", width=3, zone=37) + "\n".join(GOOD))
    assert read_frame(write(tmp_path, "ok.txt", data.encode("gbk"))).frame.geometry.iloc[0].area \
        == pytest.approx(15_000)


def test_truncated_ring(tmp_path):
    message = _bad(tmp_path, GOOD[:4])
    assert "line 16: parcel 'P1' (line 13): the file ends after 3 of 5 points (ring 1 " \
        "truncated)" in message and "export the file again" in message


def test_non_numeric_coordinate(tmp_path):
    body = [*GOOD[:3], "J3,1,4310100.000,3751215O.000", *GOOD[4:]]
    message = _bad(tmp_path, body)
    assert "line 16: point J3: Y '3751215O.000' is not a number" in message


def test_ring_not_closed(tmp_path):
    body = [*GOOD[:5], "J5,1,4310000.000,37512010.000"]
    message = _bad(tmp_path, body)
    assert "line 18: parcel 'P1' (line 13): ring 1 is not closed (last point J5 ≠ first " \
        "point J1)" in message and "repeat point J1" in message


def test_wrong_zone_number(tmp_path):
    message = _bad(tmp_path, GOOD, zone=38)
    assert "line 14: parcel 'P1' (line 13): Y 37512000.000 carries zone prefix 37 but the " \
        "header says 带号=38" in message and "correct 带号" in message


def test_empty_file(tmp_path):
    for data in (b"", b"\r\n  \n"):
        with pytest.raises(ReadError, match=r"empty\.txt: empty file"):
            read_frame(write(tmp_path, "empty.txt", data))


def test_binary_garbage(tmp_path):
    data = bytes(range(256)) * 20
    with pytest.raises(ReadError, match="binary content, not a text file"):
        read_frame(write(tmp_path, "garbage.txt", data))


def test_latin1_text_is_not_taken_for_gbk(tmp_path):
    data = ("[属性描述]\n".encode() + "Müller Straße Gewerbegebiet Köln\n".encode("latin-1"))
    with pytest.raises(ReadError, match="neither UTF-8, UTF-16 nor GBK"):
        read_frame(write(tmp_path, "latin.txt", data))


def test_swapped_x_and_y(tmp_path):
    body = [GOOD[0], *(",".join([*ln.split(",")[:2], ln.split(",")[3], ln.split(",")[2]])
                       for ln in GOOD[1:])]
    message = _bad(tmp_path, body)
    assert "X and Y look swapped" in message and "X is the northing" in message
    unprefixed = [ln.replace(",37512", ",512") for ln in body]
    message = _bad(tmp_path, unprefixed)
    assert "line 14: parcel 'P1' (line 13): X 512000.000, Y 4310000.000 are not a northing " \
        "and an easting in China (X and Y look swapped)" in message


def test_point_count_disagrees(tmp_path):
    message = _bad(tmp_path, ["6" + GOOD[0][1:], *GOOD[1:], *GOOD])
    assert "界址点数 says 6 but 5 point lines follow" in message


def test_missing_header_keys_and_no_sections(tmp_path):
    text = "[属性描述]\n坐标系=2000国家大地坐标系\n[地块坐标]\n" + "\n".join(
        [GOOD[0], *(ln.replace(",37512", ",512") for ln in GOOD[1:])])
    with pytest.raises(ReadError, match="lacks 几度分带, 带号"):
        read_frame(write(tmp_path, "a.txt", text.encode()))
    with pytest.raises(ReadError, match="not a 部标 coordinate TXT"):
        read_frame(write(tmp_path, "b.txt", "名称,经度,纬度\n某,110,38\n".encode()))


def test_given_crs_overrides_header(tmp_path):
    text = "[属性描述]\n[地块坐标]\n" + "\n".join(
        [GOOD[0], *(ln.replace(",37512", ",512") for ln in GOOD[1:])])
    frame = read_frame(write(tmp_path, "a.txt", text.encode()), ReadOptions(crs=4546)).frame
    assert frame.crs.to_epsg() == 4546


# -- writer → reader round trips ---------------------------------------------------------


def test_round_trip_geometry_attributes_and_header(tmp_path):
    original = read_frame(write(tmp_path, "a.txt", build(SHAANXI, "gbk-crlf"))).frame
    header = parse_coord_txt(build(SHAANXI, "gbk-crlf"), source="a").header
    kept = {k: header[k] for k in ("数据产生单位", "数据产生日期", "精度")}
    for encoding in ("gbk", "utf-8-sig", "utf-16"):
        out = write_coord_txt(original, tmp_path / f"out-{encoding}.txt", encoding=encoding,
                              header=kept)
        again = read_frame(out).frame
        assert again.crs == original.crs
        for a, b in zip(original.geometry, again.geometry, strict=True):
            assert a.symmetric_difference(b).area < 1e-6 and a.hausdorff_distance(b) < 1e-3
        for column in ("地块编号", "地块名称", "图幅号", "地块用途", "地类编码", "界址点数"):
            assert again[column].tolist() == original[column].tolist(), column
        reparsed = parse_coord_txt(out.read_bytes(), source="out")
        assert reparsed.header == header


def test_writer_without_prefix_and_from_another_crs(tmp_path):
    frame = gpd.GeoDataFrame({"parcel_id": ["A"], "land_use": ["1001"]},
                             geometry=[shapely.box(111.10, 38.90, 111.101, 38.901)], crs=4490)
    text = render_coord_txt(frame.to_crs(3857), zone_prefix=False)
    assert "带号=37" in text and ",37" not in text.split("[地块坐标]")[1]
    parsed = parse_coord_txt(text.encode(), source="t")
    assert parsed.crs.to_epsg() == 4546


def test_writer_is_atomic_on_unencodable_text(tmp_path):
    frame = gpd.GeoDataFrame({"parcel_id": ["A"], "地块名称": ["😀"], "land_use": ["1001"]},
                             geometry=[shapely.box(500000, 4300000, 500100, 4300100)], crs=4546)
    out = tmp_path / "x.txt"
    with pytest.raises(UnicodeEncodeError):
        write_coord_txt(frame, out, encoding="gbk")
    assert not out.exists() and list(tmp_path.iterdir()) == []


@settings(max_examples=40, deadline=None)
@given(st.lists(st.tuples(st.floats(0, 5000), st.floats(0, 5000), st.floats(10, 800),
                          st.floats(10, 800)), min_size=1, max_size=4))
def test_round_trip_property(tmp_path_factory, boxes):
    geoms = [shapely.box(500_000 + x, 3_300_000 + y, 500_000 + x + w, 3_300_000 + y + h)
             for x, y, w, h in boxes]
    frame = gpd.GeoDataFrame({"parcel_id": [f"P{i}" for i in range(len(geoms))],
                              "land_use": "1001"}, geometry=geoms, crs=4549)
    parsed = parse_coord_txt(render_coord_txt(frame).encode("gbk"), source="p")
    from layers.formats.coord_txt import parcel_geometry

    for parcel, geom in zip(parsed.parcels, geoms, strict=True):
        back = shapely.affinity.translate(parcel_geometry(parcel), xoff=-40_000_000)
        assert back.hausdorff_distance(geom) < 1e-3
        assert float(parcel.fields["地块面积(公顷)"]) == pytest.approx(geom.area / 1e4, abs=5e-5)


COMMON_HANZI = "".join(bytes([lead, trail]).decode("gb2312") for lead in range(0xB0, 0xD7)
                       for trail in range(0xA1, 0xFF))
TEXT = st.text(alphabet=st.sampled_from(COMMON_HANZI + "，。（）abcXYZ0123456789,.=@ \n"),
               min_size=1, max_size=200)


@settings(max_examples=100, deadline=None)
@given(TEXT, st.sampled_from(["gbk", "utf-8", "utf-8-sig", "utf-16"]))
def test_decode_text_recovers_chinese_in_every_encoding(text, encoding):
    from layers.formats.textcodec import decode_text

    assert decode_text(text.encode(encoding), source="p").text == text


def test_writer_numbers_points_and_orients_rings():
    square_with_hole = shapely.box(500_000, 4_300_000, 500_100, 4_300_100).difference(
        shapely.box(500_040, 4_300_040, 500_060, 4_300_060))
    frame = gpd.GeoDataFrame({"parcel_id": ["H"], "land_use": ["1001"]},
                             geometry=[square_with_hole], crs=4546)
    parsed = parse_coord_txt(render_coord_txt(frame).encode("gbk"), source="h")
    rings = parsed.parcels[0].rings()
    names = [p.name for ring in rings.values() for p in ring]
    assert names == ["J1", "J2", "J3", "J4", "J1", "J5", "J6", "J7", "J8", "J5"]
    assert parsed.parcels[0].fields["界址点数"] == "10"
    assert parsed.parcels[0].fields["地块面积(公顷)"] == "0.9600"
    outer = shapely.LinearRing([(p.y, p.x) for p in rings[1]])
    hole = shapely.LinearRing([(p.y, p.x) for p in rings[2]])
    assert not outer.is_ccw and hole.is_ccw

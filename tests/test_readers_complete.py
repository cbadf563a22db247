"""Readers read everything or say what they skipped (issue 27, causes 4 and 6): nested
FeatureCollections, a .cpg naming the wrong encoding, a hidden first sheet, Excel's ``sep=``
line, and workbooks whose XML declares entities."""

from __future__ import annotations

import io
import json
import zipfile

import geopandas as gpd
import openpyxl
import pytest
import shapely

from layers.io import ReadError, ReadOptions, read_frame

POINT = {"type": "Point", "coordinates": [111.0, 38.9]}


def _feature(pid: str) -> dict:
    return {"type": "Feature", "properties": {"project_id": pid, "name": "n", "stage": "signed"},
            "geometry": POINT}


def test_nested_feature_collections_are_read_in_full(tmp_path):
    path = tmp_path / "nested.geojson"
    inner = {"type": "FeatureCollection", "features": [_feature("X2"), _feature("X3")]}
    path.write_text(json.dumps({"type": "FeatureCollection",
                                "features": [_feature("X1"), inner]}), encoding="utf-8")
    raw = read_frame(path, ReadOptions())
    assert raw.frame["project_id"].tolist() == ["X1", "X2", "X3"]
    assert any("nested FeatureCollections" in m for m, _ in raw.warnings)


def test_a_flat_collection_has_no_warning(tmp_path):
    path = tmp_path / "flat.geojson"
    path.write_text(json.dumps({"type": "FeatureCollection",
                                "features": [_feature("X1"), _feature("X2")]}))
    raw = read_frame(path, ReadOptions())
    assert len(raw.frame) == 2 and raw.warnings == []


@pytest.mark.parametrize(("written", "declared"), [("UTF-8", "GBK"), ("GBK", "UTF-8")])
def test_a_cpg_naming_the_wrong_encoding_is_noticed(tmp_path, written, declared):
    frame = gpd.GeoDataFrame({"project_id": ["X1"], "name": ["新材料产业园"],
                              "stage": ["signed"]}, geometry=[shapely.Point(500000, 4300000)],
                             crs=4546)
    frame.to_file(tmp_path / "p.shp", encoding=written)
    (tmp_path / "p.cpg").write_text(declared)
    raw = read_frame(tmp_path / "p.shp", ReadOptions())
    assert raw.frame["name"].tolist() == ["新材料产业园"]
    assert any(f"says {declared}" in m for m, _ in raw.warnings)


def _book(path, *, hidden_first: bool) -> None:
    book = openpyxl.Workbook()
    old = book.active
    old.title = "旧表"
    old.append(["project_id", "name", "stage", "经度", "纬度"])
    old.append(["OLD", "a", "signed", 111.0, 38.9])
    new = book.create_sheet("项目")
    new.append(["project_id", "name", "stage", "经度", "纬度"])
    new.append(["X1", "a", "signed", 111.0, 38.9])
    new.append(["X2", "b", "signed", 111.0, 38.9])
    if hidden_first:
        old.sheet_state = "hidden"
        book.active = 1
    book.save(path)


def test_a_hidden_first_sheet_is_skipped_for_the_first_visible_one(tmp_path):
    _book(tmp_path / "h.xlsx", hidden_first=True)
    raw = read_frame(tmp_path / "h.xlsx", ReadOptions())
    assert raw.frame["project_id"].tolist() == ["X1", "X2"]
    assert any("hidden sheet(s) ['旧表'] skipped" in m for m, _ in raw.warnings)
    chosen = read_frame(tmp_path / "h.xlsx", ReadOptions(source_layer="旧表"))
    assert chosen.frame["project_id"].tolist() == ["OLD"]


@pytest.mark.parametrize("hint", ["sep=;\r\n", "\ufeffsep=;\n", "SEP=;\n"])
def test_excel_separator_line(tmp_path, hint):
    path = tmp_path / "sep.csv"
    path.write_text(hint + "project_id;name;stage;lon;lat\nX1;a;signed;111;38.9\n"
                    "X2;b;zz;111;38.9\n", encoding="utf-8")
    raw = read_frame(path, ReadOptions())
    assert raw.frame["project_id"].tolist() == ["X1", "X2"]
    assert raw.row_labels == ["line 3", "line 4"]


def _xlsx_with(sheet_prefix: bytes, cell: bytes) -> bytes:
    book = openpyxl.Workbook()
    book.active.append(["project_id", "name", "stage", "经度", "纬度"])
    book.active.append(["X1", "a", "signed", 111, 38.9])
    plain = io.BytesIO()
    book.save(plain)
    out = io.BytesIO()
    with zipfile.ZipFile(plain) as src, zipfile.ZipFile(out, "w") as dst:
        for item in src.infolist():
            data = src.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                data = sheet_prefix + data.replace(b"<v>111</v>", b"<v>" + cell + b"</v>")
            dst.writestr(item.filename, data)
    return out.getvalue()


LAUGHS = (b'<!DOCTYPE l [<!ENTITY a "aaaaaaaaaa">'
          + b"".join(f'<!ENTITY {c} "{("&" + p + ";") * 10}">'.encode()
                     for p, c in zip("abcdefgh", "bcdefghi", strict=True)) + b"]>")


@pytest.mark.parametrize(("prefix", "cell"), [
    (b'<!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]>', b"&e;"),  # XXE
    (LAUGHS, b"&i;"),                                                    # billion laughs
])
def test_workbooks_declaring_entities_are_a_clear_error(tmp_path, prefix, cell):
    path = tmp_path / "evil.xlsx"
    path.write_bytes(_xlsx_with(prefix, cell))
    with pytest.raises(ReadError, match=r"evil.xlsx: not a readable .xlsx workbook .*fix:"):
        read_frame(path, ReadOptions())

"""Shapefiles written in GBK without a .cpg file: detected, decoded, reported; others refused."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import pyogrio
import pytest
import shapely

from layers.formats.shapefile import detect_dbf_encoding
from layers.formats.textcodec import plausibly_chinese
from layers.io import ReadError, ReadOptions, read_frame

NAMES = ["榆林经济技术开发区一号地块", "高新区产业园", "物流园仓储用地"]


def write_shapefile(tmp_path: Path, encoding: str, *, names: list[str] = NAMES,
                    keep_cpg: bool = False, columns: tuple[str, str] = ("地块编号", "名称"),
                    ) -> Path:
    """Write with a real library in ``encoding``, then drop the .cpg and the DBF language byte
    as many desktop tools do, so only the bytes themselves tell the encoding."""
    frame = gpd.GeoDataFrame(
        {columns[0]: [f"P{i}" for i in range(len(names))], columns[1]: names},
        geometry=[shapely.box(500_000 + 200 * i, 4_300_000, 500_100 + 200 * i, 4_300_100)
                  for i in range(len(names))], crs=4546)
    path = tmp_path / f"parcels_{encoding}.shp"
    pyogrio.write_dataframe(frame, path, encoding=encoding)
    if not keep_cpg:
        path.with_suffix(".cpg").unlink(missing_ok=True)
        dbf = path.with_suffix(".dbf")
        data = bytearray(dbf.read_bytes())
        data[29] = 0
        dbf.write_bytes(bytes(data))
    return path


def test_gbk_without_cpg_is_detected_and_reported(tmp_path):
    path = write_shapefile(tmp_path, "GBK")
    assert not path.with_suffix(".cpg").exists()
    plain = pyogrio.read_dataframe(path)
    assert "名称" not in plain.columns  # what GDAL alone gives: mojibake
    raw = read_frame(path)
    assert list(raw.frame["名称"]) == NAMES
    assert list(raw.frame["地块编号"]) == ["P0", "P1", "P2"]
    assert raw.warnings == [(f"{path.name} has no .cpg file; attributes detected as GBK (read "
                             "as GB18030, its superset)", "add a .cpg file containing GBK, or "
                             "pass --encoding, to make it explicit")]
    assert raw.frame.crs.to_epsg() == 4546


def test_utf8_without_cpg_needs_no_warning(tmp_path):
    # field names ≤ 10 bytes: GDAL cuts longer UTF-8 names inside a character
    path = write_shapefile(tmp_path, "UTF-8", columns=("编号", "名称"))
    raw = read_frame(path)
    assert list(raw.frame["名称"]) == NAMES and raw.warnings == []
    assert detect_dbf_encoding(path.with_suffix(".dbf")) == "UTF-8"


def test_cpg_or_explicit_encoding_is_used_as_given(tmp_path):
    path = write_shapefile(tmp_path, "GBK", keep_cpg=True)
    raw = read_frame(path)
    assert list(raw.frame["名称"]) == NAMES and raw.warnings == []
    (tmp_path / "bare").mkdir()
    bare = write_shapefile(tmp_path / "bare", "GBK")
    raw = read_frame(bare, ReadOptions(encoding="GBK"))
    assert list(raw.frame["名称"]) == NAMES and raw.warnings == []


@pytest.mark.parametrize(("encoding", "names"), [
    ("CP1251", ["Промышленная зона", "Склад логистики", "Новый участок"]),
    ("latin1", ["Gewerbegebiet Müller", "Lagerfläche Süd", "Straße Ost"]),
])
def test_neither_gbk_nor_utf8_is_a_clear_error(tmp_path, encoding, names):
    path = write_shapefile(tmp_path, encoding, names=names, columns=("code", "name"))
    with pytest.raises(ReadError, match="neither UTF-8 nor GBK.*--encoding"):
        read_frame(path)
    raw = read_frame(path, ReadOptions(encoding=encoding))
    assert list(raw.frame["name"]) == names


def test_ascii_only_reads_without_detection(tmp_path):
    path = write_shapefile(tmp_path, "GBK", names=["Plot A", "Plot B", "Plot C"],
                           columns=("code", "name"))
    raw = read_frame(path)
    assert list(raw.frame["name"]) == ["Plot A", "Plot B", "Plot C"] and raw.warnings == []


@pytest.mark.parametrize(("raw", "expected"), [
    ("榆林经济技术开发区一号地块".encode("gbk"), True),
    ("鑫源化工（榆林）有限公司".encode("gbk"), True),
    ("ÄÖÜ Gewerbegebiet Müller Straße".encode("latin-1"), False),
    ("промышленная зона склад".encode("cp1251"), False),
])
def test_plausibility_of_gbk_decoding(raw, expected):
    assert plausibly_chinese(raw.decode("gb18030", "replace")) is expected


def test_truncated_dbf_is_an_error(tmp_path):
    path = write_shapefile(tmp_path, "GBK")
    path.with_suffix(".dbf").write_bytes(b"\x03\x00")
    with pytest.raises(ReadError, match="not a dBASE file"):
        read_frame(path)


def test_short_gbk_that_is_also_valid_utf8_is_read_as_gbk(tmp_path):
    assert "为".encode("gbk").decode("utf-8") == "Ϊ"  # the ambiguity
    path = write_shapefile(tmp_path, "GBK", names=["为"], columns=("code", "name"))
    raw = read_frame(path)
    assert raw.frame["name"].tolist() == ["为"] and "detected as GBK" in raw.warnings[0][0]

"""``investmap import`` and ``investmap export-txt``: real files in, validated GeoPackage out,
specific errors and no output on failure, TXT → GeoPackage → TXT round trip."""

from __future__ import annotations

from pathlib import Path

import pyogrio
import pytest

from cli import main
from layers.formats.coord_txt import parse_coord_txt
from tests.test_coord_txt import GOOD, HEADER, SHAANXI, build
from tests.test_dxf import drawing
from tests.test_shapefile_gbk import write_shapefile


def run(capsys, *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def txt(tmp_path: Path, name: str = "parcels.txt") -> Path:
    path = tmp_path / name
    path.write_bytes(build(SHAANXI, "gbk-crlf"))
    return path


def test_txt_to_gpkg_to_txt_round_trip(tmp_path, capsys):
    out = tmp_path / "county.gpkg"
    code, stdout, stderr = run(capsys, "import", str(txt(tmp_path)), "--layer", "parcel",
                               "--set", "status=available", "--out", str(out))
    assert code == 0, stderr
    assert "layer 'parcel' written with 2 feature(s)" in stdout
    assert "encoding detected as gb18030" in stderr
    stored = pyogrio.read_dataframe(out, layer="parcel")
    assert stored["parcel_id"].tolist() == ["SX-01", "SX-02"]
    assert stored["land_use"].tolist() == ["1001", "0901"]
    assert stored["status"].tolist() == ["available", "available"]
    assert stored["area_mu"].tolist() == pytest.approx([19.5, 27.0])
    assert stored.crs.to_epsg() == 4546
    back = tmp_path / "back.txt"
    code, _, stderr = run(capsys, "export-txt", "--data", str(out), "--out", str(back))
    assert code == 0, stderr
    original = parse_coord_txt(build(SHAANXI, "gbk-crlf"), source="a")
    again = parse_coord_txt(back.read_bytes(), source="b")
    assert again.crs.to_epsg() == original.crs.to_epsg() == 4525
    assert again.encoding == "gb18030"
    for a, b in zip(original.parcels, again.parcels, strict=True):
        for key in ("地块编号", "地块名称", "图幅号", "地块用途", "地类编码", "地块面积(公顷)"):
            assert a.fields[key] == b.fields[key], key
        first = sorted(c for p in a.points for c in (p.x, p.y))
        assert sorted(c for p in b.points for c in (p.x, p.y)) == pytest.approx(first, abs=1e-3)


def test_export_options(tmp_path, capsys):
    out = tmp_path / "county.gpkg"
    assert run(capsys, "import", str(txt(tmp_path)), "--layer", "parcel", "--set",
               "status=reserve", "--out", str(out))[0] == 0
    target = tmp_path / "one.txt"
    code, stdout, _ = run(capsys, "export-txt", "--data", str(out), "--out", str(target),
                          "--ids", "SX-02", "--encoding", "utf-8", "--no-zone-prefix")
    assert code == 0 and "1 parcel(s) written (utf-8)" in stdout
    text = target.read_bytes().decode("utf-8")
    assert "SX-02" in text and "SX-01" not in text and "\r\n" in text
    assert "J1,1,4310500.000,512000.000" in text
    code, _, stderr = run(capsys, "export-txt", "--data", str(out), "--out",
                          str(tmp_path / "x.txt"), "--ids", "NOPE")
    assert code == 2 and "unknown parcel_id(s) ['NOPE']" in stderr


MALFORMED = {
    "truncated": (GOOD[:4], "the file ends after 3 of 5 points (ring 1 truncated)"),
    "non-numeric": ([*GOOD[:3], "J3,1,4310100.000,3751215O.000", *GOOD[4:]],
                    "line 16: point J3: Y '3751215O.000' is not a number"),
    "not-closed": ([*GOOD[:5], "J5,1,4310000.000,37512010.000"],
                   "ring 1 is not closed (last point J5 ≠ first point J1)"),
    "wrong-zone": (GOOD, "carries zone prefix 37 but the header says 带号=38"),
}


def _malformed(tmp_path: Path, case: str) -> tuple[Path, str]:
    path = tmp_path / f"{case}.txt"
    if case == "empty":
        path.write_bytes(b"")
        return path, "empty file"
    if case == "garbage":
        path.write_bytes(bytes(range(256)) * 16)
        return path, "binary content, not a text file"
    body, message = MALFORMED[case]
    zone = 38 if case == "wrong-zone" else 37
    text = HEADER.format(datum="2000国家大地坐标系", width=3, zone=zone) + "\n".join(body)
    path.write_bytes(text.encode("gbk"))
    return path, message


@pytest.mark.parametrize("case", [*MALFORMED, "empty", "garbage"])
def test_malformed_input_specific_error_and_no_output(tmp_path, capsys, case):
    path, message = _malformed(tmp_path, case)
    out = tmp_path / "out.gpkg"
    code, _, stderr = run(capsys, "import", str(path), "--layer", "parcel", "--set",
                          "status=reserve", "--out", str(out))
    assert code == 2
    assert message in stderr and str(path) in stderr and "fix:" in stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == [path.name]


def test_failure_leaves_existing_output_unchanged(tmp_path, capsys):
    out = tmp_path / "county.gpkg"
    assert run(capsys, "import", str(txt(tmp_path)), "--layer", "parcel", "--set",
               "status=reserve", "--out", str(out))[0] == 0
    before = out.read_bytes()
    bad, _ = _malformed(tmp_path, "not-closed")
    assert run(capsys, "import", str(bad), "--layer", "parcel", "--set", "status=reserve",
               "--out", str(out))[0] == 2
    assert out.read_bytes() == before
    assert not list(tmp_path.glob(".*partial*"))


def test_missing_required_column_suggests_set(tmp_path, capsys):
    out = tmp_path / "o.gpkg"
    code, _, stderr = run(capsys, "import", str(txt(tmp_path)), "--layer", "parcel",
                          "--out", str(out))
    assert code == 2 and "pass --set status=VALUE" in stderr and "nothing was written" in stderr
    assert not out.exists()


def test_dxf_red_lines_with_layer_map_keep_other_layers(tmp_path, capsys):
    out = tmp_path / "county.gpkg"
    assert run(capsys, "import", str(txt(tmp_path)), "--layer", "parcel", "--set",
               "status=reserve", "--out", str(out))[0] == 0
    dxf = drawing(tmp_path)
    code, _, stderr = run(capsys, "import", str(dxf), "--layer", "redline", "--out", str(out))
    assert code == 2 and "has no coordinate system; fix: pass --crs" in stderr
    code, stdout, stderr = run(
        capsys, "import", str(dxf), "--layer", "redline", "--crs", "EPSG:4549",
        "--dxf-layer-map", "用地红线=landuse_redline,生态红线=eco_redline,基本农田=basic_farmland",
        "--out", str(out))
    assert code == 0, stderr
    assert "CAD layers not imported: 标注" in stderr
    layers = {name for name, _ in pyogrio.list_layers(out)}
    assert layers == {"parcel", "redline"}
    redlines = pyogrio.read_dataframe(out, layer="redline")
    assert sorted(redlines["category"]) == ["basic_farmland", "eco_redline", "landuse_redline",
                                            "landuse_redline"]
    assert redlines["redline_id"].is_unique and redlines.crs.to_epsg() == 4549


def test_txt_as_red_lines_with_set_template(tmp_path, capsys):
    out = tmp_path / "r.gpkg"
    code, _, stderr = run(capsys, "import", str(txt(tmp_path)), "--layer", "redline",
                          "--set", "redline_id=R-{地块编号}", "--set", "category=landuse_redline",
                          "--out", str(out))
    assert code == 0, stderr
    stored = pyogrio.read_dataframe(out, layer="redline")
    assert stored["redline_id"].tolist() == ["R-SX-01", "R-SX-02"]
    assert stored["parcel_id"].tolist() == ["SX-01", "SX-02"]
    code, _, stderr = run(capsys, "import", str(txt(tmp_path)), "--layer", "redline",
                          "--set", "redline_id={编号X}", "--out", str(tmp_path / "n.gpkg"))
    assert code == 2 and "no column '编号X'" in stderr
    code, _, stderr = run(capsys, "import", str(txt(tmp_path)), "--layer", "redline",
                          "--set", "oops", "--out", str(tmp_path / "n.gpkg"))
    assert code == 2 and "is not COLUMN=VALUE" in stderr


def test_gcj02_list_and_gbk_shapefile(tmp_path, capsys):
    from tests.test_tables import GCJ, WGS

    listing = tmp_path / "projects.csv"
    listing.write_bytes(("项目编号,名称,阶段,经度,纬度\n"
                         f"X1,储能项目,signed,{GCJ[0]:.9f},{GCJ[1]:.9f}\n").encode("gbk"))
    out = tmp_path / "p.gpkg"
    code, _, stderr = run(capsys, "import", str(listing), "--layer", "project", "--coords",
                          "gcj02", "--out", str(out))
    assert code == 0, stderr
    point = pyogrio.read_dataframe(out, layer="project").to_crs(4490).geometry.iloc[0]
    assert (point.x, point.y) == pytest.approx(WGS, abs=1e-7)
    shp = write_shapefile(tmp_path, "GBK")
    code, _, stderr = run(capsys, "import", str(shp), "--layer", "parcel", "--set",
                          "status=reserve", "--set", "land_use=1001", "--out", str(out))
    assert code == 0, stderr
    assert "no .cpg file; attributes detected as GBK" in stderr
    names = pyogrio.read_dataframe(out, layer="parcel")["名称"].tolist()
    assert names[0] == "榆林经济技术开发区一号地块"


def test_commands_are_registered_as_a_user_runs_them(cli, tmp_path, capsys):
    for command, option in (("import", "--dxf-layer-map"), ("export-txt", "--no-zone-prefix")):
        with pytest.raises(SystemExit) as info:
            main([command, "--help"])
        assert info.value.code == 0 and option in capsys.readouterr().out
    path, _ = _malformed(tmp_path, "empty")
    result = cli("import", str(path), "--layer", "parcel", "--out", str(tmp_path / "o.gpkg"))
    assert result.returncode == 2 and "empty file" in result.stderr


@pytest.mark.parametrize(("snippet", "message"), [
    ("imports:\n  txt_area_tolerance_share: -1\n", "imports.txt_area_tolerance_share: -1 is not"),
    ("imports:\n  arc_max_deviation_m: fine\n", "imports.arc_max_deviation_m: 'fine' is not"),
    ("imports:\n  area_tol: 1\n", r"imports: unknown key\(s\) \['area_tol'\]"),
])
def test_imports_settings_are_validated(tmp_path, snippet, message):
    from data import get_path
    from layers.policy import PolicyError, load_policy

    text = get_path("policy").read_text(encoding="utf-8")
    bad = tmp_path / "policy.yaml"  # PyYAML keeps the last of duplicate keys: ours overrides
    bad.write_text(text + "\n" + snippet, encoding="utf-8")
    with pytest.raises(PolicyError, match=message):
        load_policy(bad)
    assert load_policy().section("imports").txt_area_tolerance_ha == 0.0001


def test_gpkg_source_defaults_to_the_layer_of_that_name(tmp_path, capsys):
    first = tmp_path / "a.gpkg"
    assert run(capsys, "import", str(txt(tmp_path)), "--layer", "parcel", "--set",
               "status=reserve", "--out", str(first))[0] == 0
    assert run(capsys, "import", str(drawing(tmp_path)), "--layer", "redline", "--crs", "4549",
               "--set", "category=eco_redline", "--out", str(first))[0] == 0
    second = tmp_path / "b.gpkg"
    code, _, stderr = run(capsys, "import", str(first), "--layer", "parcel", "--out", str(second))
    assert code == 0, stderr
    assert pyogrio.read_dataframe(second, layer="parcel")["parcel_id"].tolist() == [
        "SX-01", "SX-02"]

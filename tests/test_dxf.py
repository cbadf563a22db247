"""CAD (DXF) red-line drawings written with ezdxf, read back as polygons."""

from __future__ import annotations

import math
from pathlib import Path

import ezdxf
import pytest

from layers.formats.dxf import parse_layer_map, read_dxf
from layers.io import ReadError, ReadOptions, read_frame

E0, N0 = 500_000.0, 3_300_000.0  # CGCS2000 3° zone 40 without prefix (EPSG:4549)


def drawing(tmp_path: Path, *, prefix: float = 0.0, name: str = "red.dxf") -> Path:
    """A red-line drawing: a bulged polyline, a circle, a LINE/ARC chain, an open line."""
    doc = ezdxf.new("R2010")
    msp = doc.modelspace()
    for layer in ("用地红线", "生态红线", "基本农田", "标注"):
        doc.layers.add(layer)
    x0 = E0 + prefix
    # 100 m × 100 m square whose south edge bulges out as a half circle of radius 50 m
    msp.add_lwpolyline([(x0, N0, 0, 0, 1.0), (x0 + 100, N0), (x0 + 100, N0 + 100),
                        (x0, N0 + 100)], format="xyseb", close=True,
                       dxfattribs={"layer": "用地红线"})
    # plain closed polyline not flagged closed (last vertex repeats the first): 200 × 50 m
    msp.add_lwpolyline([(x0 + 300, N0), (x0 + 500, N0), (x0 + 500, N0 + 50),
                        (x0 + 300, N0 + 50), (x0 + 300, N0)], dxfattribs={"layer": "用地红线"})
    msp.add_circle((x0 + 1000, N0 + 1000), 40, dxfattribs={"layer": "生态红线"})
    # a 60 × 60 m square whose east side is a half circle, drawn as 3 LINEs + 1 ARC
    a = (x0 + 2000, N0)
    msp.add_line(a, (a[0] + 60, a[1]), dxfattribs={"layer": "基本农田"})
    msp.add_line((a[0], a[1] + 60), (a[0] + 60, a[1] + 60), dxfattribs={"layer": "基本农田"})
    msp.add_line(a, (a[0], a[1] + 60), dxfattribs={"layer": "基本农田"})
    msp.add_arc((a[0] + 60, a[1] + 30), 30, -90, 90, dxfattribs={"layer": "基本农田"})
    msp.add_line((x0, N0 - 500), (x0 + 50, N0 - 500), dxfattribs={"layer": "标注"})
    path = tmp_path / name
    doc.saveas(path)
    return path


def assert_arc_area(area: float, straight: float, radius: float, sweep: float) -> None:
    exact = straight + radius**2 * sweep / 2
    assert exact - radius * sweep * 0.01 <= area <= exact + 1e-6


def by_layer(frame, layer):
    return frame[frame["图层"] == layer].geometry.tolist()


def test_closed_shapes_become_polygons_with_densified_arcs(tmp_path):
    frame = read_frame(drawing(tmp_path), ReadOptions(crs=4549)).frame
    assert frame.crs.to_epsg() == 4549
    red = sorted(g.area for g in by_layer(frame, "用地红线"))
    assert red[0] == pytest.approx(10_000.0)
    # chords within 0.01 m of the arc (imports.arc_max_deviation_m): the area lost is below
    # arc length × 0.01 m, and nothing is gained (chords lie inside a convex arc)
    assert_arc_area(red[1], 10_000, 50, math.pi)
    [eco] = by_layer(frame, "生态红线")
    assert_arc_area(eco.area, 0, 40, 2 * math.pi)
    [farm] = by_layer(frame, "基本农田")
    assert_arc_area(farm.area, 3_600, 30, math.pi)
    assert by_layer(frame, "标注") == []
    assert frame["编号"].is_unique


def test_arc_deviation_follows_policy(tmp_path, policy):
    from dataclasses import replace

    from layers.formats.settings import ImportSettings

    coarse = replace(policy, extras={**policy.extras,
                                     "imports": ImportSettings(arc_max_deviation_m=2.0)})
    fine = read_dxf(drawing(tmp_path), ReadOptions(crs=4549, policy=policy)).frame
    rough = read_dxf(drawing(tmp_path), ReadOptions(crs=4549, policy=coarse)).frame
    n_fine = len(fine.geometry.iloc[2].exterior.coords)
    n_rough = len(rough.geometry.iloc[2].exterior.coords)
    assert n_rough < n_fine
    exact = math.pi * 40**2
    assert abs(fine.geometry.iloc[2].area - exact) < abs(rough.geometry.iloc[2].area - exact)


def test_layer_map_selects_layers_and_sets_categories(tmp_path):
    mapping = parse_layer_map("用地红线=landuse_redline,生态红线=eco_redline",
                              default_column="category")
    raw = read_frame(drawing(tmp_path), ReadOptions(crs=4549,
                                                    extra={"dxf_layer_map": mapping}))
    frame = raw.frame
    assert sorted(frame["category"]) == ["eco_redline", "landuse_redline", "landuse_redline"]
    assert raw.warnings == [("CAD layers not imported: 基本农田, 标注",
                             "add them to --dxf-layer-map if they hold boundaries")]


def test_layer_map_syntax():
    assert parse_layer_map("DK=1001,DK2=status:available", default_column="land_use") == {
        "DK": {"land_use": "1001"}, "DK2": {"status": "available"}}
    with pytest.raises(ValueError, match="is not CADLAYER=VALUE"):
        parse_layer_map("DK", default_column="category")


def test_crs_is_required_and_the_error_says_so(tmp_path):
    with pytest.raises(ReadError, match=r"has no coordinate system; fix: pass --crs .*4549"):
        read_frame(drawing(tmp_path))
    with pytest.raises(ReadError, match=r"carry zone prefix 40, so if the datum is CGCS2000 "
                       r"pass --crs EPSG:4528"):
        read_frame(drawing(tmp_path, prefix=40_000_000, name="p.dxf"))


def test_prefixed_drawing_needs_prefixed_crs(tmp_path):
    path = drawing(tmp_path, prefix=40_000_000)
    frame = read_frame(path, ReadOptions(crs=4528)).frame
    assert frame.geometry.iloc[1].area == pytest.approx(10_000.0)
    with pytest.raises(ReadError, match="carry a zone prefix .40. but EPSG:4549 has none"):
        read_frame(path, ReadOptions(crs=4549))
    with pytest.raises(ReadError, match="do not start with zone 40"):
        read_frame(drawing(tmp_path, name="plain.dxf"), ReadOptions(crs=4528))


def test_dwg_and_garbage_are_refused(tmp_path):
    dwg = tmp_path / "a.dxf"
    dwg.write_bytes(b"AC1032" + bytes(200))
    with pytest.raises(ReadError, match="binary DWG drawing, not DXF"):
        read_frame(dwg, ReadOptions(crs=4549))
    junk = tmp_path / "b.dxf"
    junk.write_bytes(b"\x00\x01garbage" * 50)
    with pytest.raises(ReadError, match="not a readable DXF drawing"):
        read_frame(junk, ReadOptions(crs=4549))


def test_no_closed_shape_lists_layers(tmp_path):
    doc = ezdxf.new()
    doc.modelspace().add_line((E0, N0), (E0 + 10, N0), dxfattribs={"layer": "道路"})
    path = tmp_path / "lines.dxf"
    doc.saveas(path)
    with pytest.raises(ReadError, match=r"no closed polyline.*layers with linework: 道路 \(1\)"):
        read_frame(path, ReadOptions(crs=4549))

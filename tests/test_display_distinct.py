"""Per-distinct formatting of display columns: the same text as one call per cell."""

from __future__ import annotations

import numpy as np
import pandas as pd

from webmap.display import display_text, member_of, per_distinct
from webmap.features import redline_text


def test_per_distinct_equals_per_cell_formatting():
    cells = pd.Series(["a<b", "a<b", None, 2.5, 2.5, float("nan"), "x", pd.NaT,
                       pd.Timestamp("2026-01-02"), 1234.5], dtype=object)
    expected = [display_text(None if pd.isna(v) else v) for v in cells]
    assert list(per_distinct(cells, display_text)) == expected
    assert expected[0] == "a&lt;b" and expected[2] == "" and expected[-1] == "1,234.50"


def test_per_distinct_calls_once_per_value_and_handles_lists():
    calls: list[object] = []

    def fn(value: object) -> str:
        calls.append(value)
        return "" if value is None else "+".join(value)

    cells = [["water", "power"], ["water", "power"], None, ["road"]]
    assert list(per_distinct(cells, fn)) == ["water+power", "water+power", "", "road"]
    assert len(calls) == 3  # two distinct lists and the missing value


def test_member_of_matches_python_membership():
    ids = np.array([f"P{i}" for i in range(1000)], dtype=object)
    wanted = {"P3", "P999", "Q1"}
    mask = member_of(ids, wanted)
    assert mask.tolist() == [i in wanted for i in ids]
    position = {pid: i for i, pid in enumerate(ids)}
    assert member_of(ids, wanted, position=position).tolist() == mask.tolist()
    assert member_of(ids, ["P3", "P3", "Q1"], position=position).sum() == 1
    twice = np.array(["A", "B", "A"], dtype=object)  # duplicate ids: every row found
    assert member_of(twice, ["A"], position={"A": 2, "B": 1}).tolist() == [True, False, True]


def test_redline_text_per_parcel():
    av = pd.DataFrame({"parcel_id": ["A", "B", "C"], "available": [True, False, False],
                       "reasons_zh": ["", "压占生态保护红线 2.0 亩", None],
                       "reasons_en": ["", "2.0 mu in ecological red line", None]})
    assert list(redline_text(av, ["A", "B", "C", "Z"], "zh")) == [
        "可供应", "暂不可供应: 压占生态保护红线 2.0 亩", "暂不可供应", ""]
    assert list(redline_text(av, ["B"], "en")) == [
        "Not available now: 2.0 mu in ecological red line"]
    assert list(redline_text(None, ["A"], "zh")) == [""]


def test_simplified_shapes_are_kept_per_zoom_and_equal_a_fresh_simplification():
    import geopandas as gpd
    import shapely

    from layers.registry import LAYERS
    from webmap.display import KEEP_SIMPLIFIED_MAX_ZOOM, DisplayLayer, pixel_degrees

    wiggly = [shapely.Point(120.0 + k * 0.01, 30.0).buffer(0.004, quad_segs=64)
              for k in range(4)]
    frame = gpd.GeoDataFrame({"parcel_id": ["A", "B", "C", "D"]}, geometry=wiggly,
                             crs=4326).to_crs(4547)  # a working CRS, as the app's layers
    layer = DisplayLayer(frame, LAYERS["parcel"], columns=[], audience="staff")
    for zoom in (10, 14, KEEP_SIMPLIFIED_MAX_ZOOM + 2):
        fresh = shapely.simplify(layer.geoms[[1, 3]], pixel_degrees(zoom) * 0.5,
                                 preserve_topology=True)
        got = layer.simplified(np.array([1, 3]), zoom)
        assert all(a.equals_exact(b, 0) for a, b in zip(got, fresh, strict=True))
    kept = layer._simplified[10]
    assert shapely.is_missing(kept).tolist() == [True, False, True, False]  # only asked rows
    assert layer.simplified(np.array([1]), 10)[0] is kept[1]  # not simplified again
    assert KEEP_SIMPLIFIED_MAX_ZOOM + 2 not in layer._simplified
    assert shapely.get_num_coordinates(layer.simplified(np.array([0]), 10)[0]) < \
        shapely.get_num_coordinates(layer.geoms[0])

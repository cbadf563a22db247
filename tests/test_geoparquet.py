"""layers.geoparquet: row-group writing gives the GeoParquet geopandas writes (read back
equal, whole-table metadata), however the rows split into groups."""

from __future__ import annotations

import json

import geopandas as gpd
import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import pytest
import shapely

from layers.geoparquet import write_geoparquet


def _frame() -> gpd.GeoDataFrame:
    geoms = [shapely.box(0, 0, 1, 1), None, shapely.Point(5, -2),
             shapely.MultiPolygon([shapely.box(10, 10, 11, 12)]), shapely.box(3, 3, 4, 4),
             shapely.Polygon()]
    return gpd.GeoDataFrame({
        "parcel_id": ["A", "B", "C", "D", "E", "F"],
        "area_mu": [1.5, np.nan, 0.0, 2.25, 3.0, 0.0],
        "available": [True, False, True, False, True, False],
        "note": [None, None, None, "晚到的文字", None, "x"],  # empty in the first group
    }, geometry=geoms, crs=4547)


@pytest.mark.parametrize("rows", [1, 2, 4, 100])
def test_groups_read_back_as_geopandas_writes(tmp_path, rows):
    frame = _frame()
    ours = write_geoparquet(frame, tmp_path / "ours.parquet", rows_per_group=rows)
    frame.to_parquet(tmp_path / "theirs.parquet", index=False)
    back = gpd.read_parquet(ours)
    pd.testing.assert_frame_equal(pd.DataFrame(back.drop(columns="geometry")),
                                  pd.DataFrame(frame.drop(columns="geometry")))
    assert back.crs == frame.crs
    same = [a is None and b is None or a.equals_exact(b, 0)
            for a, b in zip(back.geometry.values, frame.geometry.values, strict=True)]
    assert all(same)
    assert pq.ParquetFile(ours).metadata.num_row_groups == -(-len(frame) // rows)
    geo = json.loads(pq.read_schema(ours).metadata[b"geo"])["columns"]["geometry"]
    want = json.loads(pq.read_schema(tmp_path / "theirs.parquet").metadata[b"geo"])
    want = want["columns"]["geometry"]
    assert geo["bbox"] == pytest.approx(want["bbox"]) == [0.0, -2.0, 11.0, 12.0]
    assert sorted(geo["geometry_types"]) == sorted(want["geometry_types"])
    assert geo["crs"] == want["crs"]


def test_release_memory_trims_on_glibc():
    import platform

    from layers.memory import release_memory

    assert release_memory() is (platform.libc_ver()[0] == "glibc")

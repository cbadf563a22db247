"""Deliberately broken inputs each fail with a message naming the problem, row and fix."""

from __future__ import annotations

import geopandas as gpd
import pandas as pd
import pyogrio
import pytest
import shapely

from layers.io import ReadError, ReadOptions, load_layer
from layers.validate import ValidationError, validate_layer
from tests.shapes import EPSG, bow_tie, square, square_with_duplicate_vertex


def parcels(n: int = 3, **overrides) -> gpd.GeoDataFrame:
    data = {
        "parcel_id": [f"T-{i}" for i in range(n)],
        "land_use": ["100101"] * n,
        "status": ["available"] * n,
        "geometry": [square(200 * i) for i in range(n)],
    }
    data.update(overrides)
    return gpd.GeoDataFrame(data, crs=EPSG)


def write(frame: gpd.GeoDataFrame, path, **kw) -> str:
    pyogrio.write_dataframe(frame, path, **kw)
    return str(path)


def test_valid_parcels_get_area_and_working_crs(policy, tmp_path):
    path = write(parcels(), tmp_path / "ok.gpkg")
    frame, report = load_layer(path, "parcel", policy=policy)
    assert report.ok
    assert frame.crs.to_epsg() == EPSG
    assert frame["area_mu"].tolist() == pytest.approx([15.0, 15.0, 15.0])


def test_lonlat_input_is_reprojected_to_gk_zone(policy, tmp_path):
    path = write(parcels().to_crs(4490), tmp_path / "lonlat.geojson", driver="GeoJSON")
    frame, _ = load_layer(path, "parcel", policy=policy)
    assert frame.crs.to_epsg() == 4546
    assert frame["area_mu"].tolist() == pytest.approx([15.0] * 3, rel=1e-6)


def test_missing_crs(policy, tmp_path):
    frame = parcels().set_crs(None, allow_override=True)
    path = write(frame, tmp_path / "nocrs.shp")
    with pytest.raises(ValidationError, match=r"no coordinate reference system.*--crs"):
        load_layer(path, "parcel", policy=policy)
    # the fix the message names works
    fixed, _ = load_layer(path, "parcel", policy=policy, options=ReadOptions(crs=EPSG))
    assert len(fixed) == 3


def test_bad_status_names_row_column_and_allowed_values(policy, tmp_path):
    path = write(parcels(status=["available", "sold", "available"]), tmp_path / "bad.gpkg")
    with pytest.raises(ValidationError) as err:
        load_layer(path, "parcel", policy=policy)
    msg = str(err.value)
    assert "feature 2" in msg and "'status'" in msg and "'sold'" in msg
    assert "available" in msg and "producing" in msg


def test_bow_tie_is_not_silently_repaired(policy, tmp_path):
    geoms = [square(), bow_tie(), square(400)]
    path = write(parcels(geometry=geoms), tmp_path / "bowtie.gpkg")
    with pytest.raises(ValidationError) as err:
        load_layer(path, "parcel", policy=policy)
    msg = str(err.value)
    assert "feature 2" in msg and "Self-intersection" in msg and "redraw" in msg


def test_safe_repair_keeps_area_and_warns(policy):
    frame = parcels(geometry=[square(), square_with_duplicate_vertex(), square(400)])
    assert not shapely.is_valid(frame.geometry.iloc[1])
    out, report = validate_layer(frame, "parcel", source="mem")
    assert shapely.is_valid(out.geometry).all()
    assert out["area_mu"].iloc[1] == pytest.approx(15.0)
    assert report.repaired == 1 and report.warnings


def test_duplicate_ids(policy, tmp_path):
    path = write(parcels(parcel_id=["A", "B", "A"]), tmp_path / "dup.gpkg")
    with pytest.raises(ValidationError, match=r"feature 1, feature 3.*duplicate id.*'A'"):
        load_layer(path, "parcel", policy=policy)


def test_wrong_geometry_type(policy, tmp_path):
    frame = parcels(geometry=[shapely.centroid(square(200 * i)) for i in range(3)])
    path = write(frame, tmp_path / "points.gpkg")
    with pytest.raises(ValidationError, match=r"\['Point'\] where Polygon/MultiPolygon"):
        load_layer(path, "parcel", policy=policy)


def test_empty_geometry(policy):
    frame = parcels(geometry=[square(), shapely.Polygon(), square(400)])
    with pytest.raises(ValidationError, match="feature 2: empty or missing geometry"):
        validate_layer(frame, "parcel", source="mem")


def test_missing_required_column_suggests_aliases():
    frame = parcels().drop(columns=["status"])
    with pytest.raises(ValidationError, match=r"'status'.*required column missing.*状态"):
        validate_layer(frame, "parcel", source="mem")


def test_chinese_headers_are_recognised():
    frame = parcels().rename(columns={"parcel_id": "地块编号", "status": "供地状态",
                                      "land_use": "用地性质"})
    out, _ = validate_layer(frame, "parcel", source="mem")
    assert out["status"].tolist() == ["available"] * 3


def test_bad_date_and_negative_price():
    frame = parcels(transfer_date=["2024-01-05", "last spring", None],
                    price_wan_per_mu=[10, -3, 5])
    with pytest.raises(ValidationError) as err:
        validate_layer(frame, "parcel", source="mem")
    msg = str(err.value)
    assert "feature 2, column 'transfer_date'" in msg and "YYYY-MM-DD" in msg
    assert "column 'price_wan_per_mu': value below 0" in msg


def test_redline_category_from_policy(policy):
    frame = gpd.GeoDataFrame({"redline_id": ["R1", "R2"], "category": ["flood_zone", "volcano"],
                              "geometry": [square(), square(300)]}, crs=EPSG)
    with pytest.raises(ValidationError, match=r"feature 2.*'volcano'.*flood_zone"):
        validate_layer(frame, "redline", source="mem",
                       allowed_extra={"category": policy.redline_categories})


def test_csv_with_lonlat_becomes_points(policy, tmp_path):
    path = tmp_path / "projects.csv"
    pd.DataFrame({"项目编号": ["X1", "X2"], "项目名称": ["甲", "乙"], "阶段": ["signed", "lost"],
                  "经度": [110.95, 110.96], "纬度": [38.92, 38.93]}).to_csv(
        path, index=False, encoding="utf-8-sig")
    frame, _ = load_layer(path, "project", policy=policy)
    assert frame.crs.to_epsg() == 4546 and frame.geom_type.tolist() == ["Point", "Point"]


def test_csv_bad_value_names_the_line(policy, tmp_path):
    path = tmp_path / "projects.csv"
    pd.DataFrame({"project_id": ["X1", "X2"], "name": ["a", "b"], "stage": ["signed", "won"],
                  "lon": [110.95, 110.96], "lat": [38.92, 38.93]}).to_csv(path, index=False)
    with pytest.raises(ValidationError, match=r"line 3, column 'stage'"):
        load_layer(path, "project", policy=policy)


def test_unsupported_and_missing_files(policy, tmp_path):
    (tmp_path / "x.doc").write_text("hello")
    with pytest.raises(ReadError, match="unsupported file type"):
        load_layer(tmp_path / "x.doc", "parcel", policy=policy)
    with pytest.raises(ReadError, match="file not found"):
        load_layer(tmp_path / "none.gpkg", "parcel", policy=policy)

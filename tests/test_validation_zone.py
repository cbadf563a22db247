"""Coordinates are checked against their CRS and the store's working zone (issue 27, cause 3)."""

from __future__ import annotations

import geopandas as gpd
import pytest
import shapely

from layers.validate import ValidationError, validate_layer


def _parcel(geom: shapely.Geometry, crs: int) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame({"parcel_id": ["A"], "land_use": ["100101"], "status": ["reserve"]},
                            geometry=[geom], crs=crs)


def test_a_prefixed_easting_under_a_crs_without_prefix_names_the_right_crs():
    square = shapely.box(37_500_000, 4_300_000, 37_500_100, 4_300_100)
    with pytest.raises(ValidationError) as caught:
        validate_layer(_parcel(square, 4546), "parcel", source="t.shp", working_crs=4546)
    text = str(caught.value)
    assert "outside what EPSG:4546 can describe" in text and "EPSG:4525" in text
    assert "inf" not in text


def test_the_same_square_with_the_prefixed_crs_is_fine():
    square = shapely.box(37_500_000, 4_300_000, 37_500_100, 4_300_100)
    out, report = validate_layer(_parcel(square, 4525), "parcel", source="t.shp",
                                 working_crs=4546)
    assert out["area_mu"].iloc[0] == pytest.approx(15.0, rel=1e-3)
    assert report.warnings == []


def test_a_parcel_far_outside_the_working_zone_is_refused():
    far = shapely.box(135.0, 38.9, 135.001, 38.901)  # 24° east of zone 37 (111°E)
    with pytest.raises(ValidationError, match=r"24\.0° from the central meridian 111°"):
        validate_layer(_parcel(far, 4490), "parcel", source="t.geojson", working_crs=4546)


def test_a_parcel_just_beyond_the_zone_edge_is_warned_about():
    near = shapely.box(113.5, 38.9, 113.501, 38.901)  # 2.5° east: beyond ±1.5° + 0.5°
    _, report = validate_layer(_parcel(near, 4490), "parcel", source="t.geojson",
                               working_crs=4546)
    assert [w.rows for w in report.warnings] == [("feature 1",)]
    assert "beyond its zone's ±1.5°" in report.warnings[0].message

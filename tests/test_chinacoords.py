"""GCJ-02 / BD-09 transforms against the public vectors (shared/domain.md §6) and round trips."""

from __future__ import annotations

import math

import numpy as np
import pytest
import shapely
from hypothesis import given, settings
from hypothesis import strategies as st

from geo.chinacoords import (
    bd09_to_gcj02,
    bd09_to_wgs84,
    gcj02_to_bd09,
    gcj02_to_wgs84,
    in_china,
    transform_geometries,
    wgs84_to_bd09,
    wgs84_to_gcj02,
)

# (WGS84 lat, lng) → (GCJ-02 lat, lng), shared/domain.md §6
VECTORS = [
    ((31.1774276, 121.5272106), (31.17530398364597, 121.531541859215)),  # Shanghai
    ((39.911954, 116.377817), (39.91334545536069, 116.38404722455657)),  # Beijing
]


@pytest.mark.parametrize(("wgs", "gcj"), VECTORS)
def test_public_vectors(wgs, gcj):
    lon, lat = wgs84_to_gcj02(wgs[1], wgs[0])
    assert float(lon) == pytest.approx(gcj[1], abs=1e-9)
    assert float(lat) == pytest.approx(gcj[0], abs=1e-9)


def test_vectorised_over_arrays():
    lons = np.array([v[0][1] for v in VECTORS])
    lats = np.array([v[0][0] for v in VECTORS])
    lon, lat = wgs84_to_gcj02(lons, lats)
    assert lon.shape == (2,)
    np.testing.assert_allclose(lon, [v[1][1] for v in VECTORS], atol=1e-9)
    np.testing.assert_allclose(lat, [v[1][0] for v in VECTORS], atol=1e-9)


@pytest.mark.parametrize(("lon", "lat"), [
    (2.35, 48.85),        # Paris
    (139.69, 35.69),      # Tokyo: east of 137.8347
    (71.9, 40.0),         # west of 72.004
    (100.0, 0.5),         # south of 0.8293
    (120.0, 56.0),        # north of 55.8271
])
def test_no_shift_outside_china(lon, lat):
    assert not in_china(lon, lat)
    for func in (wgs84_to_gcj02, gcj02_to_wgs84):
        x, y = func(lon, lat)
        assert (float(x), float(y)) == (lon, lat)


def test_shift_is_hundreds_of_metres_in_china():
    lon, lat = wgs84_to_gcj02(110.95, 38.92)
    metres = math.hypot((float(lon) - 110.95) * 111_320 * math.cos(math.radians(38.92)),
                        (float(lat) - 38.92) * 110_540)
    assert 100 < metres < 1000


@pytest.mark.parametrize(("wgs", "gcj"), VECTORS)
def test_inverse_of_public_vectors(wgs, gcj):
    lon, lat = gcj02_to_wgs84(gcj[1], gcj[0])
    assert abs(float(lon) - wgs[1]) < 1e-7 and abs(float(lat) - wgs[0]) < 1e-7


def _bd_scalar(lon: float, lat: float) -> tuple[float, float]:
    """Independent scalar GCJ-02 → BD-09 with x_pi (not π: the known bug in some vectors)."""
    x_pi = math.pi * 3000.0 / 180.0
    z = math.sqrt(lon * lon + lat * lat) + 0.00002 * math.sin(lat * x_pi)
    theta = math.atan2(lat, lon) + 0.000003 * math.cos(lon * x_pi)
    return z * math.cos(theta) + 0.0065, z * math.sin(theta) + 0.006


def test_bd09_uses_x_pi_not_pi():
    gcj = (116.38404722455657, 39.91334545536069)
    expected = _bd_scalar(*gcj)
    lon, lat = gcj02_to_bd09(*gcj)
    assert (float(lon), float(lat)) == pytest.approx(expected, abs=1e-12)
    # the buggy variant (π) lands visibly elsewhere: the test would catch it
    z = math.hypot(*gcj) + 0.00002 * math.sin(gcj[1] * math.pi)
    theta = math.atan2(gcj[1], gcj[0]) + 0.000003 * math.cos(gcj[0] * math.pi)
    buggy = (z * math.cos(theta) + 0.0065, z * math.sin(theta) + 0.006)
    assert abs(buggy[0] - expected[0]) + abs(buggy[1] - expected[1]) > 1e-6
    # BD-09 is GCJ-02 offset by about (0.0065, 0.006)
    assert float(lon) - gcj[0] == pytest.approx(0.0065, abs=0.0005)
    assert float(lat) - gcj[1] == pytest.approx(0.006, abs=0.0005)


china = st.tuples(st.floats(73.0, 135.0), st.floats(18.0, 53.0))


@settings(max_examples=200, deadline=None)
@given(china)
def test_round_trips_below_1e7_degrees(point):
    lon, lat = point
    for forward, inverse in ((wgs84_to_gcj02, gcj02_to_wgs84), (gcj02_to_bd09, bd09_to_gcj02),
                             (wgs84_to_bd09, bd09_to_wgs84)):
        back = inverse(*forward(lon, lat))
        assert abs(float(back[0]) - lon) < 1e-7
        assert abs(float(back[1]) - lat) < 1e-7


def test_inverse_accuracy_over_a_grid():
    lon, lat = np.meshgrid(np.linspace(74, 134, 61), np.linspace(19, 53, 35))
    back_lon, back_lat = gcj02_to_wgs84(*wgs84_to_gcj02(lon, lat))
    assert np.abs(back_lon - lon).max() < 1e-9
    assert np.abs(back_lat - lat).max() < 1e-9


def test_transform_geometries_moves_every_vertex_and_keeps_missing():
    square = shapely.box(121.52, 31.17, 121.53, 31.18)
    point = shapely.Point(116.377817, 39.911954)
    out = transform_geometries(np.array([square, point, None], dtype=object), wgs84_to_gcj02)
    assert out[2] is None
    assert out[1].x == pytest.approx(116.38404722455657, abs=1e-9)
    assert out[1].y == pytest.approx(39.91334545536069, abs=1e-9)
    coords = shapely.get_coordinates(out[0])
    expected = np.column_stack(wgs84_to_gcj02(*shapely.get_coordinates(square).T))
    np.testing.assert_allclose(coords, expected)
    back = transform_geometries(out, gcj02_to_wgs84)
    assert shapely.equals_exact(back[0], square, tolerance=1e-9)

"""CRS detection from raw coordinates, working-CRS choice and geodesic vs planar areas."""

from __future__ import annotations

import numpy as np
import pytest
import shapely
from pyproj import Transformer

from geo.crs import (
    CRSError,
    GKGuess,
    area_mu,
    choose_working_crs,
    detect_gk,
    detect_lonlat,
    geodesic_area_mu,
    gk6_epsg,
)
from tests.shapes import EPSG, square

# Points of the demo county (zone 37, central meridian 111°E): eastings near 500000.
EAST = np.array([495_321.5, 501_877.2, 512_004.9])
NORTH = np.array([4_308_112.0, 4_309_954.3, 4_311_020.8])


@pytest.mark.parametrize(("x", "y", "kwargs", "expected"), [
    (EAST + 37e6, NORTH, {}, GKGuess(37, True, False, 4525)),
    (NORTH, EAST + 37e6, {}, GKGuess(37, True, True, 4525)),
    (EAST + 37e6, NORTH, {"zone": 37}, GKGuess(37, True, False, 4525)),
    (EAST, NORTH, {"zone": 37}, GKGuess(37, False, False, 4546)),
    (NORTH, EAST, {"zone": 37}, GKGuess(37, False, True, 4546)),
    (EAST, NORTH, {"lon": 110.95}, GKGuess(37, False, False, 4546)),
    (EAST, NORTH, {}, GKGuess(None, False, False, None)),
    (EAST + 19e6, NORTH, {}, GKGuess(19, True, False, 4497, width=6)),
    (EAST, NORTH, {"zone": 19, "width": 6}, GKGuess(19, False, False, 4508, width=6)),
])
def test_detect_gk(x, y, kwargs, expected):
    assert detect_gk(x, y, **kwargs) == expected


def test_swapped_guess_gives_easting_northing_order():
    guess = detect_gk(NORTH, EAST, zone=37)
    east, north = guess.easting_northing(NORTH, EAST)
    assert east.tolist() == EAST.tolist()
    assert north.tolist() == NORTH.tolist()


def test_detected_crs_places_points_in_the_demo_county():
    guess = detect_gk(EAST + 37e6, NORTH)
    lon, lat = Transformer.from_crs(guess.epsg, 4490, always_xy=True).transform(
        *guess.easting_northing(EAST + 37e6, NORTH))
    assert np.all((110.8 < lon) & (lon < 111.2))
    assert np.all((38.8 < lat) & (lat < 39.0))


@pytest.mark.parametrize(("x", "y", "kwargs", "match"), [
    (EAST + 37e6, NORTH, {"zone": 38}, "prefix 37 but zone 38"),
    (np.r_[EAST + 37e6, 38_500_000.0], np.r_[NORTH, 4_300_000.0], {}, "cannot tell"),
    (np.array([110.9, 111.0]), np.array([38.9, 38.95]), {}, "degrees"),
    (EAST, EAST, {}, "cannot tell"),
    (np.array([np.nan]), NORTH[:1], {}, "no finite x"),
    (EAST, NORTH, {"zone": 37, "width": 4}, "width"),
])
def test_detect_gk_refuses(x, y, kwargs, match):
    with pytest.raises(CRSError, match=match):
        detect_gk(x, y, **kwargs)


def test_detect_lonlat_order():
    lon, lat = np.array([110.9, 111.0]), np.array([38.9, 38.95])
    assert detect_lonlat(lon, lat).swapped is False
    assert detect_lonlat(lat, lon).swapped is True
    with pytest.raises(CRSError, match="not longitude/latitude"):
        detect_lonlat(np.array([500_000.0]), np.array([4_300_000.0]))


def test_choose_working_crs():
    assert choose_working_crs([110.5, 111.4]).to_epsg() == 4546
    assert choose_working_crs([110.5], epsg=4525).to_epsg() == 4525
    with pytest.raises(CRSError, match="geographic"):
        choose_working_crs([110.5], epsg=4490)
    assert gk6_epsg(19, prefixed=True) == 4497


def test_geodesic_area_of_a_square_and_degrees_refused():
    assert geodesic_area_mu([square()], EPSG)[0] == pytest.approx(15.0, rel=1e-3)
    with pytest.raises(CRSError):
        area_mu([shapely.box(110, 38, 110.01, 38.01)], 4490)


def test_demo_planar_gk_areas_agree_with_geodesic_within_a_tenth_of_a_percent(demo_county):
    parcels = demo_county["parcel"]
    planar = area_mu(parcels.geometry.values, parcels.crs)
    geodesic = geodesic_area_mu(parcels.geometry.values, parcels.crs)
    rel = np.abs(planar - geodesic) / geodesic
    assert rel.max() < 1e-3
    assert planar.sum() == pytest.approx(geodesic.sum(), rel=1e-3)

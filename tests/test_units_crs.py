import numpy as np
import pytest
import shapely

from geo.crs import CRSError, area_mu, gk3_epsg, gk3_zone_for_lon, require_projected
from geo.units import M2_PER_MU, ha_to_mu, m2_to_mu, mu_to_m2
from tests.shapes import EPSG, square


def test_mu_definition_and_published_figure():
    assert M2_PER_MU == pytest.approx(666.6666667)
    assert float(m2_to_mu(68_507.52)) == pytest.approx(102.76, abs=0.005)
    assert float(ha_to_mu(1)) == 15
    assert float(mu_to_m2(15)) == pytest.approx(10_000)


def test_hundred_metre_square_is_fifteen_mu():
    assert area_mu([square()], EPSG)[0] == pytest.approx(15.0)


@pytest.mark.parametrize(("lon", "zone", "prefixed", "plain"), [
    (120.15, 40, 4528, 4549),
    (110.95, 37, 4525, 4546),
    (75.2, 25, 4513, 4534),
    (134.9, 45, 4533, 4554),
])
def test_gk_zone_and_epsg(lon, zone, prefixed, plain):
    assert gk3_zone_for_lon(lon) == zone
    assert gk3_epsg(zone, prefixed=True) == prefixed
    assert gk3_epsg(zone) == plain


def test_zone_outside_china_raises():
    with pytest.raises(CRSError, match="outside CGCS2000 zones"):
        gk3_zone_for_lon(10.0)


@pytest.mark.parametrize("crs", [4490, 4326, None])
def test_area_in_degrees_raises(crs):
    with pytest.raises(CRSError):
        area_mu(np.array([shapely.box(110, 38, 110.1, 38.1)]), crs)
    with pytest.raises(CRSError):
        require_projected(crs)

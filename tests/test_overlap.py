"""Red-line overlaps on hand-checkable shapes (tests/shapes.py: 100 m square = 15 亩)."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pytest
import shapely

from geo.crs import CRSError
from geo.overlap import dissolve_pieces, overlap_table
from geo.redlines import RedlineCategory
from tests.shapes import EPSG, X0, Y0, rect, square, square_with_hole

CATS = {
    "eco_redline": RedlineCategory("eco_redline", "inside", "hard", "生态保护红线", "Eco"),
    "urban_boundary": RedlineCategory("urban_boundary", "outside", "hard", "城镇开发边界",
                                      "Urban boundary"),
    "landuse_redline": RedlineCategory("landuse_redline", "inside", "hard", "用地红线",
                                       "Plot red line"),
}


def parcels_of(*geoms, ids=None, crs=EPSG):
    ids = ids or [f"P{i}" for i in range(len(geoms))]
    return gpd.GeoDataFrame({"parcel_id": ids}, geometry=list(geoms), crs=crs)


def redlines_of(*rows, crs=EPSG):
    """rows: (category, geometry) or (category, geometry, own parcel_id)."""
    return gpd.GeoDataFrame(
        {"category": [r[0] for r in rows], "parcel_id": [r[2] if len(r) > 2 else None
                                                        for r in rows]},
        geometry=[r[1] for r in rows], crs=crs)


def only(cat):
    return {cat: CATS[cat]}


def test_square_is_fifteen_mu_and_half_inside_eco_is_seven_and_a_half():
    table = overlap_table(parcels_of(square()), redlines_of(("eco_redline", square(50, 0))),
                          only("eco_redline"))
    assert table.loc[0, "area_mu"] == pytest.approx(15.0)
    assert table.loc[0, "overlap_mu_eco_redline"] == pytest.approx(7.5)
    assert table.loc[0, "share_eco_redline"] == pytest.approx(0.5)

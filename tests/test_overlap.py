"""Red-line overlaps on hand-checkable shapes (tests/shapes.py: 100 m square = 15 亩)."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pytest
import shapely
from hypothesis import given, settings
from hypothesis import strategies as st

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


def test_touching_boundaries_are_not_overlaps():
    table = overlap_table(parcels_of(square()), redlines_of(("eco_redline", square(100, 0)),
                                                           ("urban_boundary", square(0, 100))),
                          {k: CATS[k] for k in ("eco_redline", "urban_boundary")})
    assert table.loc[0, "overlap_mu_eco_redline"] == 0.0
    assert table.loc[0, "overlap_mu_urban_boundary"] == pytest.approx(15.0)  # fully outside


def test_overlapping_redline_polygons_are_counted_once():
    reds = redlines_of(("eco_redline", rect(0, 0, 50, 100)), ("eco_redline", rect(0, 0, 50, 100)),
                       ("eco_redline", rect(25, 0, 50, 100)))
    table = overlap_table(parcels_of(square()), reds, only("eco_redline"))
    assert table.loc[0, "overlap_mu_eco_redline"] == pytest.approx(11.25)  # 75 m of 100 m


def test_parcel_straddling_the_urban_boundary():
    reds = redlines_of(("urban_boundary", rect(-500, -500, 570, 1000)))  # x up to 70 m
    table = overlap_table(parcels_of(square(), square(-200, 0)), reds, only("urban_boundary"))
    assert table["overlap_mu_urban_boundary"].tolist() == pytest.approx([4.5, 0.0])
    assert table["share_urban_boundary"].tolist() == pytest.approx([0.3, 0.0])


def test_parcel_with_hole():
    parcel = square_with_hole()  # 100 m square minus a centred 50 m square: 11.25 亩
    cases = [(square(-10, -10, 200), 11.25), (square(25, 25, 50), 0.0),
             (rect(0, 0, 50, 100), 11.25 / 2)]
    for red, expected in cases:
        table = overlap_table(parcels_of(parcel), redlines_of(("eco_redline", red)),
                              only("eco_redline"))
        assert table.loc[0, "area_mu"] == pytest.approx(11.25)
        assert table.loc[0, "overlap_mu_eco_redline"] == pytest.approx(expected)


def test_multipolygons_on_both_sides():
    parcel = shapely.MultiPolygon([square(), square(300, 0)])
    red = shapely.MultiPolygon([rect(0, 0, 100, 20), rect(300, 0, 100, 20)])
    table = overlap_table(parcels_of(parcel), redlines_of(("eco_redline", red)),
                          only("eco_redline"))
    assert table.loc[0, "area_mu"] == pytest.approx(30.0)
    assert table.loc[0, "overlap_mu_eco_redline"] == pytest.approx(6.0)
    assert table.loc[0, "share_eco_redline"] == pytest.approx(0.2)


def test_own_plot_red_line_is_not_a_conflict_but_a_neighbours_is():
    parcels = parcels_of(square(), square(100, 0), ids=["A", "B"])
    reds = redlines_of(("landuse_redline", square(), "A"),  # A's own, exact
                       ("landuse_redline", rect(100 - 8, 0, 108, 100), "B"))  # B's, 8 m too wide
    table = overlap_table(parcels, reds, only("landuse_redline"))
    assert table["overlap_mu_landuse_redline"].tolist() == pytest.approx([1.2, 0.0])


def test_owned_and_shared_polygons_of_one_category_are_unioned_per_parcel():
    parcels = parcels_of(square(), ids=["A"])
    reds = redlines_of(("landuse_redline", rect(0, 0, 60, 100), "B"),
                       ("landuse_redline", rect(40, 0, 60, 100), "C"),
                       ("landuse_redline", rect(50, 0, 10, 100)),
                       ("landuse_redline", square(), "A"))
    table = overlap_table(parcels, reds, only("landuse_redline"))
    assert table.loc[0, "overlap_mu_landuse_redline"] == pytest.approx(15.0)
    reds2 = redlines_of(("landuse_redline", rect(0, 0, 30, 100), "B"),
                        ("landuse_redline", rect(20, 0, 30, 100), "C"))
    table2 = overlap_table(parcels, reds2, only("landuse_redline"))
    assert table2.loc[0, "overlap_mu_landuse_redline"] == pytest.approx(7.5)


def test_category_without_polygons_is_zero_inside_and_whole_parcel_outside():
    table = overlap_table(parcels_of(square()), redlines_of(("eco_redline", square(500, 0))),
                          CATS)
    assert table.loc[0, "overlap_mu_landuse_redline"] == 0.0
    assert table.loc[0, "overlap_mu_urban_boundary"] == pytest.approx(15.0)


def test_empty_inputs_keep_index_and_columns():
    parcels = parcels_of(square()).iloc[:0]
    table = overlap_table(parcels, redlines_of(("eco_redline", square())), only("eco_redline"))
    assert list(table.columns) == ["parcel_id", "area_mu", "overlap_mu_eco_redline",
                                   "share_eco_redline"]
    assert len(table) == 0


def test_index_is_kept():
    parcels = parcels_of(square(), square(200, 0)).set_axis([10, 7])
    table = overlap_table(parcels, redlines_of(("eco_redline", square(200, 0))),
                          only("eco_redline"))
    assert table.index.tolist() == [10, 7]
    assert table.loc[7, "overlap_mu_eco_redline"] == pytest.approx(15.0)


@pytest.mark.parametrize(("parcel_crs", "red_crs", "match"), [
    (4490, 4490, "geographic"),
    (None, EPSG, "no CRS"),
    (EPSG, 4547, "reproject"),
])
def test_crs_is_checked(parcel_crs, red_crs, match):
    with pytest.raises(CRSError, match=match):
        overlap_table(parcels_of(square(), crs=parcel_crs),
                      redlines_of(("eco_redline", square()), crs=red_crs), only("eco_redline"))


def test_undeclared_category_and_missing_column_raise():
    with pytest.raises(ValueError, match="undeclared categories.*'flood'"):
        overlap_table(parcels_of(square()), redlines_of(("flood", square())), only("eco_redline"))
    with pytest.raises(ValueError, match="'parcel_id' is missing"):
        overlap_table(parcels_of(square()).rename(columns={"parcel_id": "id"}),
                      redlines_of(("eco_redline", square())), only("eco_redline"))


def test_huge_polygons_are_subdivided_without_changing_areas():
    circle = shapely.Point(X0, Y0).buffer(2_000, quad_segs=512)  # 2,049 vertices
    ring_pair = np.array([circle, shapely.affinity.translate(circle, 1_000, 0)])
    pieces = dissolve_pieces(ring_pair, max_vertices=64)
    union = shapely.union_all(ring_pair)
    assert len(pieces) > 10
    assert shapely.get_num_coordinates(pieces).max() <= 64 + 8
    assert shapely.area(pieces).sum() == pytest.approx(union.area, rel=1e-9)
    assert shapely.area(shapely.union_all(pieces)) == pytest.approx(union.area, rel=1e-9)


def test_threads_and_chunks_give_the_same_result(monkeypatch):
    import geo.overlap

    rng = np.random.default_rng(3)
    xy = rng.uniform(0, 2_000, (400, 2))
    parcels = parcels_of(*[rect(x, y, 90, 60) for x, y in xy])
    reds = redlines_of(*[("eco_redline", shapely.Point(X0 + x, Y0 + y).buffer(150))
                         for x, y in rng.uniform(0, 2_000, (30, 2))])
    one = overlap_table(parcels, reds, only("eco_redline"))
    monkeypatch.setattr(geo.overlap, "CHUNK_SIZE", 37)
    many = overlap_table(parcels, reds, only("eco_redline"), threads=2)
    np.testing.assert_allclose(many["overlap_mu_eco_redline"], one["overlap_mu_eco_redline"],
                               rtol=1e-12, atol=1e-9)
    assert (one["overlap_mu_eco_redline"] > 0).sum() > 20


# -- properties ---------------------------------------------------------------------------

_rects = st.tuples(st.integers(0, 300), st.integers(0, 300), st.integers(1, 150),
                   st.integers(1, 150)).map(lambda r: rect(*map(float, r)))


@settings(max_examples=60, deadline=None)
@given(parcels=st.lists(_rects, min_size=1, max_size=8),
       reds=st.lists(_rects, min_size=1, max_size=8), seed=st.integers(0, 2**16))
def test_properties_overlap_plus_remainder_share_bounds_and_order(parcels, reds, seed):
    both = {"inside": RedlineCategory("inside", "inside", "hard", "内", "in"),
            "outside": RedlineCategory("outside", "outside", "hard", "外", "out")}
    frame = parcels_of(*parcels)
    red = redlines_of(*[("inside", g) for g in reds], *[("outside", g) for g in reds])
    table = overlap_table(frame, red, both)
    area = table["area_mu"].to_numpy()
    # overlap (inside) + remainder (outside the same polygons) = parcel area
    np.testing.assert_allclose(table["overlap_mu_inside"] + table["overlap_mu_outside"], area,
                               rtol=1e-9)
    for col in ("share_inside", "share_outside"):
        assert ((table[col] >= 0) & (table[col] <= 1)).all()
    # exact: area of parcel ∩ union of the polygons (no double counting)
    union = shapely.union_all(reds)
    expected = shapely.area(shapely.intersection(np.array(parcels), union)) / (10_000 / 15)
    np.testing.assert_allclose(table["overlap_mu_inside"], expected, rtol=1e-9, atol=1e-9)
    # independent of input order
    rng = np.random.default_rng(seed)
    shuffled = overlap_table(frame.iloc[rng.permutation(len(frame))],
                             red.iloc[rng.permutation(len(red))], both)
    np.testing.assert_allclose(shuffled.loc[table.index, "overlap_mu_inside"],
                               table["overlap_mu_inside"], rtol=1e-9, atol=1e-9)


def test_dissolve_joins_chains_of_overlaps_and_keeps_separate_polygons_apart():
    chain = np.array([rect(0, 0, 60, 10), rect(50, 0, 60, 10), rect(100, 0, 60, 10),
                      rect(500, 0, 10, 10)])  # A–B–C overlap in a chain (A, C disjoint); D apart
    pieces = dissolve_pieces(chain)
    assert sorted(shapely.area(pieces).tolist()) == pytest.approx([100.0, 1_600.0])


def test_invalid_polygon_is_named_not_a_crash():
    from tests.shapes import bow_tie

    with pytest.raises(ValueError, match=r"parcels row 'bad' \(Self-intersection"):
        overlap_table(parcels_of(bow_tie(), ids=["x"]).set_axis(["bad"]),
                      redlines_of(("eco_redline", rect(0, 0, 50, 100))), only("eco_redline"))

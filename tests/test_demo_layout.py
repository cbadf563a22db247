"""The demo generator at province scale: the park-outline repair path on a real GEOS failure
shape, and chunked generation that is the same every run."""

from __future__ import annotations

import hashlib

import pytest
import shapely

from data.demo import iter_county_chunks, write_county_chunks
from data.demo_layout import joined

# A park hull whose ring doubles back along itself: the two edges of a 100 m spike are
# nearly coincident and cross by float noise (7e-10 m), as GEOS's own noded output can.
# GEOS refuses every union with it ("TopologyException: side location conflict").
SPIKED_HULL = shapely.from_wkt(
    "POLYGON ((0 0, 100 0, 100 100, 50 100, 49.99999999928832 200, "
    "50.00000000035584 100.0000000008973, 0 100, 0 0))")


def test_spiked_hull_is_a_real_geos_failure():
    part = shapely.box(40, 50, 60, 150)
    with pytest.raises(shapely.errors.GEOSException, match="side location conflict"):
        SPIKED_HULL.union(part)
    with pytest.raises(shapely.errors.GEOSException, match="side location conflict"):
        shapely.union_all([SPIKED_HULL, part])


def test_outline_union_repairs_nearly_coincident_edges_and_keeps_the_area():
    # the square 100 × 100 and the part's 20 m × 50 m reaching out of it: 11,000 m²
    part = shapely.box(40, 50, 60, 150)
    out = joined(SPIKED_HULL, part)
    assert isinstance(out, shapely.Polygon) and out.is_valid
    assert out.area == pytest.approx(11_000.0, rel=1e-6)
    assert out.covers(shapely.box(0.001, 0.001, 99.999, 99.999))
    assert out.covers(shapely.box(40.001, 100, 59.999, 149.999))


def _digest(folder) -> dict[str, str]:  # noqa: ANN001 - a pathlib.Path
    return {f"{p.parent.name}/{p.name}": hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.glob("*.parquet/*.parquet"))}


def test_chunked_demo_is_byte_identical_between_runs(tmp_path):
    """The same seed gives the same files: two runs of three chunks, compared byte for byte."""
    for run in ("a", "b"):
        write_county_chunks(iter_county_chunks(2400, seed=5, chunk_parcels=800),
                            tmp_path / run, fmt="parquet")
    first, second = _digest(tmp_path / "a"), _digest(tmp_path / "b")
    assert len(first) >= 3 * 5 and first == second
    other = tmp_path / "c"
    write_county_chunks(iter_county_chunks(2400, seed=6, chunk_parcels=800), other,
                        fmt="parquet")
    assert _digest(other)["parcel.parquet/part-00000.parquet"] != first[
        "parcel.parquet/part-00000.parquet"]


@pytest.mark.parametrize("n", [1_000_000, 5_000_000])
def test_a_province_sized_layout_stays_measurable_in_its_zone(n):
    """The 3 % of parcels outside parks once took one lattice slot whose radius set the
    spacing of every slot: a 1M county spread over 2,400 km and the validator refused it
    (areas off by more than 1 % at 16.6° from the central meridian)."""
    import numpy as np
    from pyproj import CRS, Proj

    from data import demo
    from layers.validation.zone import MAX_AREA_DISTORTION

    layout = demo._layout(n, np.random.default_rng(demo.SEED), demo.SEED)
    radii = layout.lattice.radii
    assert radii[layout.n_parks:].max() <= radii[: layout.n_parks].max()
    assert layout.counts.sum() == n
    corners = np.concatenate([layout.lattice.centres + radii[:, None] * d
                              for d in ((1, 1), (1, -1), (-1, 1), (-1, -1))])
    proj = Proj(CRS.from_epsg(demo.WORKING_EPSG))
    lon, lat = proj(corners[:, 0], corners[:, 1], inverse=True)
    factors = proj.get_factors(lon, lat)
    assert np.max(np.abs(np.asarray(factors.areal_scale) - 1)) < MAX_AREA_DISTORTION

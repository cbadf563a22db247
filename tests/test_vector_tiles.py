"""The county's vector tiles: one PMTiles archive per store content, every feature at every
zoom, ids and public codes only (every tile of the archive is read back and scanned)."""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path

import geopandas as gpd
import pytest
import shapely

from layers.county import County
from layers.registry import LAYERS
from layers.supply import availability
from layers.vector_tiles import (
    DERIVED_COLUMNS,
    PRIVATE_STAGES,
    TILE_COLUMNS,
    TILE_LAYERS,
    build_archive,
    tile_frames,
)
from tests.confidential import CONFIDENTIAL, confidential_hits
from tests.mvt_reader import archive_header, archive_tiles


@pytest.fixture(scope="module")
def demo_availability(demo_county):
    return availability(demo_county)


@pytest.fixture(scope="module")
def demo_archive(demo_county, demo_availability, tmp_path_factory):
    out = tmp_path_factory.mktemp("vtiles")
    return build_archive(demo_county, out, min_zoom=4, max_zoom=13,
                         availability=demo_availability)


def _ids_per_zoom(path: Path) -> dict[tuple[int, str], set[str]]:
    seen: dict[tuple[int, str], set[str]] = defaultdict(set)
    for (z, _x, _y), tile in archive_tiles(path):
        for layer, rows in tile.items():
            seen[(z, layer)].update(str(r[f"{layer}_id"]) for r in rows)
    return seen


def test_every_feature_is_in_the_tiles_at_every_zoom(demo_county, demo_archive):
    header = archive_header(demo_archive.path)
    assert (header["version"], header["min_zoom"], header["max_zoom"]) == (3, 4, 13)
    seen = _ids_per_zoom(demo_archive.path)
    for layer in TILE_LAYERS:
        frame = demo_county[layer]
        if layer == "project":  # stalled and lost projects are internal: never in tiles
            frame = frame[~frame["stage"].isin(PRIVATE_STAGES)]
            assert len(frame) < len(demo_county[layer])
        ids = set(frame[f"{layer}_id"].astype(str))
        for z in range(4, 14):  # down to z4, where a 100 m parcel is a fraction of a pixel
            assert seen[(z, layer)] == ids, (layer, z)


def test_tiles_carry_ids_and_public_codes_only(demo_county, demo_archive):
    allowed = {layer: set(TILE_COLUMNS[layer]) | set(DERIVED_COLUMNS.get(layer, ()))
               for layer in TILE_LAYERS}
    values: list[str] = []
    for _zxy, tile in archive_tiles(demo_archive.path):
        for layer, rows in tile.items():
            for row in rows:
                assert set(row) <= allowed[layer], set(row) - allowed[layer]
                assert not set(row) & set(CONFIDENTIAL)
                assert row.get("stage") not in PRIVATE_STAGES
                values.extend(str(v) for v in row.values())
    assert confidential_hits(" ".join(sorted(set(values))), demo_county) == []
    for layer, columns in TILE_COLUMNS.items():
        assert set(columns) <= set(LAYERS[layer].public_columns)


def test_offer_and_chain_codes_follow_the_county(demo_county, demo_availability):
    parcels = tile_frames(demo_county, availability=demo_availability)["parcel"]
    on_offer = set(demo_availability.loc[demo_availability["available"], "parcel_id"])
    assert set(parcels.loc[parcels["offer"] == 1, "parcel_id"]) == on_offer
    placed = demo_county["project"].dropna(subset=["parcel_id", "chain_id"])
    pid, chain = placed.iloc[0]["parcel_id"], placed.iloc[0]["chain_id"]
    assert parcels.set_index("parcel_id").loc[pid, "chain"] == \
        placed[placed["parcel_id"] == pid]["chain_id"].iloc[0] == chain


def test_gcj02_variant_is_shifted_for_gaode(demo_county):
    from geo.chinacoords import wgs84_to_gcj02

    wgs = tile_frames(demo_county, coords="wgs84")["park"].geometry.iloc[0]
    gcj = tile_frames(demo_county, coords="gcj02")["park"].geometry.iloc[0]
    x, y = wgs.exterior.coords[0]
    assert gcj.exterior.coords[0] == pytest.approx(tuple(float(v) for v in
                                                         wgs84_to_gcj02(x, y)))


def test_same_content_reuses_the_archive_and_an_edit_makes_a_new_one(demo_county, tmp_path):
    first = build_archive(demo_county, tmp_path, min_zoom=10, max_zoom=11)
    mtime = first.path.stat().st_mtime_ns
    again = build_archive(demo_county, tmp_path, min_zoom=10, max_zoom=11)
    assert again.path == first.path and again.path.stat().st_mtime_ns == mtime
    parcels = demo_county["parcel"].copy()
    parcels.loc[parcels.index[0], "status"] = "sold"
    edited = County(layers={**demo_county.layers, "parcel": parcels},
                    policy=demo_county.policy, source=demo_county.source)
    changed = build_archive(edited, tmp_path, min_zoom=10, max_zoom=11)
    assert changed.path != first.path and changed.path.is_file() and first.path.is_file()
    statuses = {r["parcel_id"]: r["status"] for _zxy, tile in archive_tiles(changed.path)
                for r in tile.get("parcel", [])}
    assert statuses[str(parcels.iloc[0]["parcel_id"])] == "sold"


def test_a_hand_made_square_lands_in_its_tile(tmp_path, demo_county):
    """A 100 m square near (110.9, 38.9) is in exactly the z14 tile holding that point."""
    square = shapely.box(0, 0, 100, 100)
    parcels = demo_county["parcel"].iloc[:1].copy()
    centre = gpd.GeoSeries([shapely.Point(110.9, 38.9)], crs=4326).to_crs(demo_county.crs)
    cx, cy = centre.iloc[0].x, centre.iloc[0].y
    parcels["geometry"] = [shapely.affinity.translate(square, cx, cy)]
    county = County(layers={"parcel": parcels}, policy=demo_county.policy, source="square")
    archive = build_archive(county, tmp_path, min_zoom=14, max_zoom=14)
    tiles = [zxy for zxy, tile in archive_tiles(archive.path) if tile.get("parcel")]
    # tile of (110.9, 38.9) at z14: x = ⌊(110.9 + 180) / 360 · 2^14⌋ = ⌊13239.07⌋,
    # y = ⌊(1 − ln(tan φ + sec φ) / π) / 2 · 2^14⌋ = ⌊(1 − 0.73814 / π) / 2 · 16384⌋ = 6267
    assert tiles == [(14, 13239, 6267)]


def test_changed_features_are_the_edited_and_new_parcels(demo_county):
    from layers.vector_tiles import changed_features

    parcels = demo_county["parcel"].copy()
    ids = parcels["parcel_id"].astype(str)
    parcels.loc[parcels.index[0], "status"] = "sold"  # another colour
    parcels.loc[parcels.index[1], "geometry"] = parcels.geometry.iloc[1].buffer(5)  # reshaped
    parcels.loc[parcels.index[2], "price_wan_per_mu"] = 1.0  # not in the tiles: unchanged
    edited = County(layers={**demo_county.layers, "parcel": parcels},
                    policy=demo_county.policy, source=demo_county.source)
    assert changed_features(demo_county, edited) == [ids.iloc[0], ids.iloc[1]]
    assert changed_features(demo_county, demo_county) == []


def test_publisher_shows_the_old_archive_and_the_edit_until_the_rebuild_lands(
        demo_county, tmp_path):
    from webmap.vtiles import TilePublisher

    publisher = TilePublisher(static_dir=tmp_path, url_base="/t")
    first = publisher.current(demo_county, coords="wgs84")
    assert first.pending == () and publisher.current(demo_county, coords="wgs84") == first
    parcels = demo_county["parcel"].copy()
    parcels.loc[parcels.index[0], "status"] = "sold"
    edited = County(layers={**demo_county.layers, "parcel": parcels},
                    policy=demo_county.policy, source=demo_county.source)
    meanwhile = publisher.current(edited, coords="wgs84")
    assert meanwhile.tiles == first.tiles  # the rebuild runs in the background …
    assert meanwhile.pending == (str(parcels.iloc[0]["parcel_id"]),)  # … the edit shows
    publisher.wait()
    landed = publisher.current(edited, coords="wgs84")
    assert landed.pending == () and landed.tiles.url != first.tiles.url

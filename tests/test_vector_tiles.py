"""The county's vector tiles: one PMTiles archive per store content, every feature at every
zoom, ids and public codes only (every tile of the archive is read back and scanned)."""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest
import shapely

from layers.county import County
from layers.registry import LAYERS
from layers.supply import availability
from layers.tile_delta import TileDelta, build_delta, tile_delta, tile_state
from layers.vector_tiles import (
    DERIVED_COLUMNS,
    GROUP_CODES,
    LAYER_MIN_ZOOM,
    OVERVIEW_MAX_ZOOM,
    PRIVATE_STAGES,
    TILE_COLUMNS,
    TILE_LAYERS,
    build_archive,
    feature_groups,
    pack_ids,
    tile_frames,
    unpack_ids,
)
from tests import shapes
from tests.confidential import CONFIDENTIAL, confidential_hits
from tests.mvt_reader import archive_header, archive_tiles
from webmap.styles import PROJECT_MIN_ZOOM
from webmap.vtiles import LEVEL_DIFF


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
        first = LAYER_MIN_ZOOM.get(layer, 4)  # projects: from the zoom they are drawn at
        for z in range(4, 14):  # down to z4, where a 100 m parcel is a fraction of a pixel
            assert seen[(z, layer)] == (ids if z >= first else set()), (layer, z)


def test_projects_are_tiled_from_the_data_zoom_the_map_draws_them_at():
    assert LAYER_MIN_ZOOM["project"] == PROJECT_MIN_ZOOM - LEVEL_DIFF


def test_a_sub_pixel_member_is_drawn_as_its_pixel_and_a_big_one_keeps_its_shape():
    """At pixel zoom 8 a pixel (a 512-pixel tile) is 360 / 2^8 / 512 degrees wide: a 10 m
    square inside one pixel becomes exactly that pixel; a 20 km square keeps its box."""
    pixel = 360.0 / 2**8 / 512
    edge = -180.0 + (290.0 // pixel) * pixel  # the pixel column's west edge near 110° E
    west = edge + pixel * 0.25  # a quarter into the column
    tiny = shapely.box(west, 38.0, west + 0.0001, 38.0001)
    big = shapely.box(111.0, 38.0, 111.2, 38.2)
    frame = gpd.GeoDataFrame({"parcel_id": ["t", "b"], "status": ["available", "reserved"]},
                             geometry=[tiny, big], crs=4326)
    groups = feature_groups(frame, id_column="parcel_id", zoom=9, pixel_zoom=8)
    by_ids = dict(zip(groups["parcel_ids"], groups.geometry, strict=True))
    x0, y0, x1, y1 = by_ids["t"].bounds
    assert x0 == pytest.approx(edge, abs=1e-9) and x1 == pytest.approx(edge + pixel, abs=1e-9)
    assert x0 <= west and y0 <= 38.0 and y1 >= 38.0001 and y1 - y0 < pixel
    assert by_ids["b"].bounds == pytest.approx(big.bounds)


def test_group_ids_are_packed_front_coded_and_read_back():
    assert pack_ids(["QF-0000012", "QF-0000004", "QF-0000005"]) == \
        "QF-0000004\x1f95\x1f812"  # 9 and 8 characters shared with the id before
    assert pack_ids(["A"]) == "A"
    odd = ["a,b", "a,c", "b", "x" * 100 + "1", "x" * 100 + "2", "中国1", "中国2"]
    packed = pack_ids(odd)
    assert unpack_ids(packed) == sorted(odd)  # a comma in an id is kept
    assert chr(48 + 74) + "x" * 26 + "2" in packed.split("\x1f")  # 74 shared at most


def test_a_big_county_holds_groups_at_the_overview_zooms(policy, tmp_path):
    """Three squares 200 m apart, two on offer, and two red lines of one category: over
    the overview threshold, zooms 8–9 hold one group per set of codes ({A, B} on offer,
    {C} not; {R1, R2}), every id in one group (tiles repeat a feature in their neighbours'
    buffers); from zoom 10 each feature is one of its own."""
    county = _squares(policy, [("A", "available", 0), ("B", "available", 200),
                               ("C", "transferred", 400)])
    county["parcel"]["land_use"] = ["industrial", "logistics", "industrial"]  # painted by
    # nothing: not a group code (A and B still one group), kept in each parcel's own feature
    redlines = gpd.GeoDataFrame({"redline_id": ["R1", "R2"], "category": "eco_redline"},
                                geometry=[shapes.square(0, 300), shapes.square(300, 300)],
                                crs=shapes.EPSG)
    county = County(layers={**county.layers, "redline": redlines}, policy=policy,
                    source="squares")
    archive = build_archive(county, tmp_path, min_zoom=8, max_zoom=11,
                            availability=_offer(county), overview_parcels=2)
    assert archive.overview_zoom == OVERVIEW_MAX_ZOOM == 9
    groups: dict[tuple[int, str], set[tuple[str, ...]]] = defaultdict(set)
    singles: dict[tuple[int, str], set[str]] = defaultdict(set)
    for (z, _x, _y), tile in archive_tiles(archive.path):
        for layer in ("parcel", "redline"):
            for row in tile[layer]:
                if f"{layer}_ids" in row:
                    assert set(row) == {f"{layer}_ids", *GROUP_CODES[layer]}, row
                    groups[(z, layer)].add((",".join(unpack_ids(str(row[f"{layer}_ids"]))),
                                            str(row.get("offer", row.get("category")))))
                else:
                    singles[(z, layer)].add(str(row[f"{layer}_id"]))
    for z in (8, 9):
        assert groups[(z, "parcel")] == {("A,B", "1"), ("C", "0")}, z
        assert groups[(z, "redline")] == {("R1,R2", "eco_redline")}, z
        assert not singles[(z, "parcel")] and not singles[(z, "redline")], z
    assert {str(r["land_use"]) for (z, _x, _y), tile in archive_tiles(archive.path)
            if z == 10 for r in tile["parcel"]} == {"industrial", "logistics"}
    for z in (10, 11):
        assert singles[(z, "parcel")] == {"A", "B", "C"} and not groups[(z, "parcel")], z
        assert singles[(z, "redline")] == {"R1", "R2"} and not groups[(z, "redline")], z
    small = build_archive(county, tmp_path / "small", min_zoom=8, max_zoom=11,
                          availability=_offer(county))
    assert small.overview_zoom is None  # the threshold not reached: parcels at every zoom
    assert {str(r["parcel_id"]) for (z, _x, _y), tile in archive_tiles(small.path)
            if z == 8 for r in tile["parcel"]} == {"A", "B", "C"}


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
    assert parcels.iloc[0]["status"] != "reserved"
    parcels.loc[parcels.index[0], "status"] = "reserved"  # a registry status (PARCEL_STATUSES)
    edited = County(layers={**demo_county.layers, "parcel": parcels},
                    policy=demo_county.policy, source=demo_county.source)
    changed = build_archive(edited, tmp_path, min_zoom=10, max_zoom=11)
    assert changed.path != first.path and changed.path.is_file() and first.path.is_file()
    statuses = {r["parcel_id"]: r["status"] for _zxy, tile in archive_tiles(changed.path)
                for r in tile.get("parcel", [])}
    assert statuses[str(parcels.iloc[0]["parcel_id"])] == "reserved"


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


def test_changed_parcels_are_the_edited_and_reshaped_ones(demo_county):
    parcels = demo_county["parcel"].copy()
    ids = parcels["parcel_id"].astype(str)
    parcels.loc[parcels.index[0], "status"] = "reserve"  # another colour (was transferred)
    parcels.loc[parcels.index[1], "geometry"] = parcels.geometry.iloc[1].buffer(5)  # reshaped
    parcels.loc[parcels.index[2], "price_wan_per_mu"] = 1.0  # not in the tiles: unchanged
    edited = County(layers={**demo_county.layers, "parcel": parcels},
                    policy=demo_county.policy, source=demo_county.source)
    delta = tile_delta(demo_county, edited)
    assert delta.changed == {"parcel": (ids.iloc[0], ids.iloc[1])} and delta.removed == {}
    assert tile_delta(demo_county, demo_county).size == 0


# A hand-made county for the delta: four 100 m squares side by side, A–C on offer before the
# edit; the edit transfers A (no longer on offer), deletes B, adds D and leaves C alone.
def _squares(policy, rows: list[tuple[str, str, float]]) -> County:  # noqa: ANN001
    parcels = gpd.GeoDataFrame(
        {"parcel_id": [r[0] for r in rows], "status": [r[1] for r in rows],
         "park_id": "P01", "land_use": "industrial"},
        geometry=[shapes.square(x) for _pid, _status, x in rows], crs=shapes.EPSG)
    return County(layers={"parcel": parcels}, policy=policy, source="squares")


def _offer(county: County) -> pd.DataFrame:
    parcels = county["parcel"]
    return pd.DataFrame({"parcel_id": parcels["parcel_id"],
                         "available": (parcels["status"] == "available").to_numpy()})


@pytest.fixture
def before_after(policy):
    old = _squares(policy, [("A", "available", 0), ("B", "available", 200),
                            ("C", "available", 400)])
    new = _squares(policy, [("A", "transferred", 0), ("C", "available", 400),
                            ("D", "available", 600)])
    return old, new


def test_delta_is_the_changed_new_and_removed_parcels(before_after):
    old, new = before_after
    delta = tile_delta(old, new, old_availability=_offer(old), new_availability=_offer(new))
    assert delta.changed == {"parcel": ("A", "D")}  # A transferred (off offer), D new
    assert delta.removed == {"parcel": ("B",)}  # deleted
    assert delta.hidden == {"parcel": ("A", "B", "D")} and delta.size == 3
    same = tile_delta(old, old, old_availability=_offer(old), new_availability=_offer(old))
    assert same.changed == same.removed == {} and same.size == 0


def test_delta_archive_holds_only_the_new_versions_at_the_base_zooms(before_after, tmp_path):
    old, new = before_after
    base = build_archive(old, tmp_path, min_zoom=11, max_zoom=13, availability=_offer(old))
    delta = tile_delta(old, new, old_availability=_offer(old), new_availability=_offer(new))
    archive = build_delta(tile_state(new, _offer(new)), delta, base, tmp_path)
    assert archive is not None and archive.name.startswith("delta-wgs84-")
    assert (archive.min_zoom, archive.max_zoom, archive.features) == (11, 13, 2)
    header = archive_header(archive.path)
    assert (header["min_zoom"], header["max_zoom"]) == (11, 13)
    rows: dict[int, dict[str, tuple]] = defaultdict(dict)
    for (z, _x, _y), tile in archive_tiles(archive.path):
        for row in tile.get("parcel", []):
            rows[z][row["parcel_id"]] = (row["status"], row["offer"])
    for z in (11, 12, 13):  # A transferred and off offer, D new and on offer; nothing else
        assert rows[z] == {"A": ("transferred", 0), "D": ("available", 1)}, z
    again = build_delta(tile_state(new, _offer(new)), delta, base, tmp_path)
    assert again is not None and again.path == archive.path  # same delta, same file
    only_removed = TileDelta(changed={}, removed={"parcel": ("B",)})
    assert build_delta(tile_state(new), only_removed, base, tmp_path) is None  # hiding B


def test_publisher_gives_the_delta_at_once_and_the_full_archive_when_it_lands(
        before_after, tmp_path):
    from webmap.vtiles import TilePublisher

    old, new = before_after
    publisher = TilePublisher(static_dir=tmp_path, url_base="/t", compact_after=0.5)
    first = publisher.current(old, coords="wgs84", availability=_offer(old))
    assert first.tiles.delta is None and first.tiles.hidden == ()
    meanwhile = publisher.current(new, coords="wgs84", availability=_offer(new))
    assert meanwhile.tiles.url == first.tiles.url  # the full archive stays …
    assert meanwhile.tiles.delta_url.startswith("/t/delta-wgs84-")  # … with the delta on top
    assert dict(meanwhile.tiles.hidden) == {"parcel": ("A", "B", "D")}  # B erased
    assert meanwhile.pending == ()
    assert publisher.current(new, coords="wgs84", availability=_offer(new)) is meanwhile
    publisher.wait()  # the full rebuild, half a second after the last edit
    landed = publisher.current(new, coords="wgs84", availability=_offer(new))
    assert landed.tiles.url != first.tiles.url and landed.tiles.delta is None
    ids = {r["parcel_id"] for _zxy, tile in archive_tiles(landed.tiles.archive.path)
           for r in tile.get("parcel", [])}
    assert ids == {"A", "C", "D"}


def test_a_change_over_the_delta_limit_draws_the_changed_parcels_from_the_server(
        before_after, tmp_path):
    from webmap.vtiles import TilePublisher

    old, new = before_after
    publisher = TilePublisher(static_dir=tmp_path, url_base="/t", compact_after=3600,
                              delta_limit=2)
    publisher.current(old, coords="wgs84", availability=_offer(old))
    shown = publisher.current(new, coords="wgs84", availability=_offer(new))
    assert shown.tiles.delta is None and shown.pending == ("A", "D")


def test_a_big_county_is_split_into_strips_each_feature_in_one_part(policy, tmp_path):
    """Four squares west to east, two features a part: A and B in the first file, C and D
    in the second, named by the one digest; the same content reuses both files."""
    county = _squares(policy, [("C", "available", 400), ("A", "available", 0),
                               ("D", "available", 600), ("B", "available", 200)])
    archive = build_archive(county, tmp_path, min_zoom=12, max_zoom=13, part_features=2)
    stem = archive.path.name.split(".")[0]
    assert [p.name for p in archive.paths] == [f"{stem}.0of2.pmtiles", f"{stem}.1of2.pmtiles"]
    held = [{r["parcel_id"] for _zxy, tile in archive_tiles(p) for r in tile.get("parcel", [])}
            for p in archive.paths]
    assert held == [{"A", "B"}, {"C", "D"}]
    again = build_archive(county, tmp_path, min_zoom=12, max_zoom=13, part_features=2)
    assert again.paths == archive.paths and archive.size_bytes == sum(
        p.stat().st_size for p in archive.paths)


def test_two_builds_of_the_same_archive_at_once_both_land_whole(tmp_path):
    """The app and a CLI publish sharing one home may build the same archive at the same
    moment (the thread lock cannot see the other process): each build writes a file of its
    own and the rename leaves one whole archive, no partial file behind."""
    from concurrent.futures import ThreadPoolExecutor

    from layers.vector_tiles import run_tiler, write_geojsonseq

    squares = gpd.GeoDataFrame(
        {"parcel_id": [f"P{i}" for i in range(40)]},
        geometry=[shapely.box(110 + i * 0.001, 38, 110.0008 + i * 0.001, 38.0008)
                  for i in range(40)], crs=4326)
    source = tmp_path / "parcel.geojsons"
    write_geojsonseq(squares, source)
    target = tmp_path / "county-wgs84-0123456789abcdef.pmtiles"
    with ThreadPoolExecutor(4) as pool:  # no lock here: run_tiler as two processes call it
        jobs = [pool.submit(run_tiler, [("parcel", source)], target, min_zoom=10,
                            max_zoom=13) for _ in range(4)]
        for job in jobs:
            job.result()
    assert target.read_bytes()[:7] == b"PMTiles"
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([source.name, target.name])

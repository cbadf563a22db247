"""ui.map_component: the component receives what st_folium would send for the same map, and
kept renders are reused (by view key), evicted oldest first and dropped on clear."""

from __future__ import annotations

import re

import pytest
import streamlit_folium as sf

from ui.map_component import RenderCache, frozen, render, show
from webmap.builder import build_parts, prepare
from webmap.display import Viewport

RANDOM_ID = re.compile(r"[0-9a-f]{32}")  # folium's element ids (os.urandom): differ per build


@pytest.fixture(scope="module")
def data(demo_county):  # noqa: ANN001, ANN201
    return prepare(demo_county, audience="investor", lang="zh")


def _parts(data, **options):  # noqa: ANN001, ANN003, ANN202
    view = Viewport.covering(data.bounds(), width_px=800, height_px=600)
    return build_parts(data, basemap="none", viewport=view, compact=True,
                       highlight_ids=[data.layers["parcel"].ids[3]], **options)


def _sent(monkeypatch: pytest.MonkeyPatch, call) -> dict:  # noqa: ANN001
    got: dict = {}
    monkeypatch.setattr(sf, "_component_func", lambda **kwargs: got.update(kwargs))
    call()
    got.pop("on_change")
    return {k: RANDOM_ID.sub("ID", v) if isinstance(v, str) else v for k, v in got.items()}


def test_component_gets_what_st_folium_sends(data, monkeypatch):
    returned = ["last_active_drawing", "bounds", "zoom"]
    theirs = _sent(monkeypatch, lambda: sf.st_folium(
        (p := _parts(data)).base, key="m", height=600, use_container_width=True,
        feature_group_to_add=p.overlays, layer_control=p.layer_control,
        returned_objects=returned))
    ours = _sent(monkeypatch, lambda: show(render(_parts(data)), key="m", height=600,
                                           returned_objects=returned))
    assert ours.keys() == theirs.keys()
    for name in theirs:
        assert ours[name] == theirs[name], name
    assert theirs["feature_group"] and theirs["script"]  # something real was compared


def test_render_cache_reuses_evicts_and_clears(data):
    cache = RenderCache(size=2)
    built: list[str] = []

    def build(tag: str):  # noqa: ANN202
        def make():  # noqa: ANN202
            built.append(tag)
            return _parts(data)
        return make

    first = cache.get("a", build("a"))
    assert cache.get("a", build("a")) is first and built == ["a"]  # a hit builds nothing
    cache.get("b", build("b"))
    cache.get("a", build("a"))  # "a" used last: "b" is the oldest
    cache.get("c", build("c"))
    assert cache.get("a", build("a")) is first
    cache.get("b", build("b"))
    assert built == ["a", "b", "c", "b"]  # "b" was evicted, then built again
    cache.clear()
    cache.get("a", build("a"))
    assert built[-1] == "a"


def test_view_keys_keep_order_and_none():
    assert frozen(None) is None
    assert frozen(["P2", 1]) == ("P2", "1")
    assert frozen(["B", "A"]) != frozen(["A", "B"])


def test_highlight_swapped_in_is_the_map_built_with_it(data, monkeypatch):
    from ui.map_component import with_overlay
    from webmap.builder import highlight_overlay

    pid = data.layers["parcel"].ids[5]

    def built(ids):  # noqa: ANN001, ANN202
        return build_parts(data, basemap="none", compact=True, highlight_ids=ids,
                           highlight_key="selected", layers=("park",))  # parcels: tiles

    kept = render(built([]))  # rendered once, for every selection
    whole = _sent(monkeypatch, lambda: show(render(built([pid])), key="m", height=600,
                                            returned_objects=["last_clicked"]))
    swapped = _sent(monkeypatch, lambda: show(
        with_overlay(kept, "matches", highlight_overlay(data, [pid], highlight_key="selected",
                                                        compact=True)),
        key="m", height=600, returned_objects=["last_clicked"]))
    assert swapped == whole  # script, overlays, layer control: the same as a full build
    assert pid in swapped["feature_group"] and pid not in (kept.feature_group or "")
    other = data.layers["parcel"].ids[6]
    again = with_overlay(kept, "matches", highlight_overlay(data, [other],
                                                            highlight_key="selected",
                                                            compact=True))
    assert other in again.feature_group and pid not in again.feature_group
    assert RANDOM_ID.sub("ID", kept.feature_group or "") == RANDOM_ID.sub(
        "ID", render(built([])).feature_group or "")  # the kept map is left as it was


def test_an_edit_reaches_the_kept_map_as_an_overlay(data, monkeypatch):
    """After an edit the map's script — hence the component's key — is the one before it:
    the browser keeps the mounted map, and the delta (URL, hidden ids) comes in the last
    overlay only, which the layer control does not list."""
    import json
    from dataclasses import replace
    from pathlib import Path

    from layers.vector_tiles import TileArchive
    from ui.map_component import with_appended
    from webmap.vtiles import VectorTiles, delta_overlay

    def archive(name: str) -> TileArchive:
        return TileArchive(path=Path("/t") / name, coords="wgs84", min_zoom=9, max_zoom=14,
                           features=2)

    before = VectorTiles(archive=archive("county-wgs84-1.pmtiles"),
                         url="/t/county-wgs84-1.pmtiles")
    after = replace(before, delta=archive("delta-wgs84-2.pmtiles"),
                    delta_url="/t/delta-wgs84-2.pmtiles",
                    hidden=(("parcel", ("QF-0003", "QF-0009")),))

    def sent(tiles: VectorTiles) -> dict:
        kept = render(build_parts(data, basemap="none", compact=True, tiles=tiles.base,
                                  layers=("park", "parcel")))
        strings = kept.overlay_strings
        shown = _sent(monkeypatch, lambda: show(with_appended(kept, delta_overlay(tiles)),
                                                key="m", height=600,
                                                returned_objects=["last_clicked"]))
        assert kept.overlay_strings == strings  # the kept render is left as it was
        return shown

    old, new = sent(before), sent(after)
    assert new["script"] == old["script"] and new["key"] == old["key"]
    assert "QF-0009" not in new["script"] and "delta-wgs84" not in new["script"]
    assert new["layer_control"] == old["layer_control"]
    assert "tiles-delta" not in new["layer_control"]

    def handed(shown: dict) -> dict:
        found = re.findall(r"layer\.investmapDelta\((\{.*?\})\);", shown["feature_group"])
        assert len(found) == 1, shown["feature_group"]
        return json.loads(found[0])

    assert handed(old) == {"url": "", "hidden": []}
    assert handed(new) == {"url": "/t/delta-wgs84-2.pmtiles",
                           "hidden": [["parcel", ["QF-0003", "QF-0009"]]]}


def test_handing_the_delta_again_leaves_the_kept_map_as_big_as_it_was(data):
    """Every rerun of a map page hands the delta to the kept (shared) render: nothing may
    pile up in the kept map's page from one rerun to the next."""
    from pathlib import Path

    from layers.vector_tiles import TileArchive
    from ui.map_component import with_appended
    from webmap.vtiles import VectorTiles, delta_overlay

    tiles = VectorTiles(archive=TileArchive(path=Path("/t/county-wgs84-1.pmtiles"),
                                            coords="wgs84", min_zoom=9, max_zoom=14,
                                            features=2), url="/t/county-wgs84-1.pmtiles")
    kept = render(build_parts(data, basemap="none", compact=True, tiles=tiles,
                              layers=("park", "parcel")))
    root = kept.parts.base.get_root()

    def size() -> tuple[int, int, int]:
        return (len(kept.parts.base._children), len(root.script._children),
                len(root.header._children))

    with_appended(kept, delta_overlay(tiles))
    once = size()
    for _ in range(3):
        with_appended(kept, delta_overlay(tiles))
    assert size() == once


def test_swapping_the_highlight_leaves_the_kept_map_as_big_as_it_was(data):
    """Every click swaps the selection's overlay into the kept (shared) render: nothing may
    pile up in the kept map or its page from one click to the next."""
    from ui.map_component import with_overlay
    from webmap.builder import highlight_overlay

    kept = render(build_parts(data, basemap="none", compact=True, highlight_ids=[],
                              highlight_key="selected", layers=("park",)))
    root = kept.parts.base.get_root()

    def size() -> tuple[int, int, int, int]:
        return (len(kept.parts.base._children), len(root.script._children),
                len(root.header._children), len(root.html._children))

    before = size()
    for pid in data.layers["parcel"].ids[:4]:
        with_overlay(kept, "matches", highlight_overlay(data, [pid], highlight_key="selected",
                                                        compact=True))
    assert size() == before

"""Basemaps that work in China and offline: the Tianditu key saved by an admin, the default
basemap order, and offline tiles published from an MBTiles file or a z/x/y folder."""

from __future__ import annotations

import json
import stat
from pathlib import Path

import folium
import pytest

from layers.site_settings import (
    SettingsError,
    SiteSettings,
    check_tianditu_key,
    load_site_settings,
    save_site_settings,
    settings_path,
)
from tests.tiles_fixture import write_mbtiles
from webmap.basemaps import (
    BasemapError,
    add_basemap,
    available_basemaps,
    default_basemap,
    tianditu_key,
)
from webmap.tiles import TileSourceError, local_tiles

KEY = "0123456789abcdef0123456789abcdef"
BOUNDS = (110.80, 38.80, 111.10, 39.05)


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("INVESTMAP_STATE_DIR", str(tmp_path / "state"))
    for name in ("TIANDITU_KEY", "INVESTMAP_TILES", "INVESTMAP_BASEMAP"):
        monkeypatch.delenv(name, raising=False)


def test_settings_round_trip_private_file():
    assert load_site_settings() == SiteSettings()
    path = save_site_settings(SiteSettings(tianditu_key=KEY, updated_by="admin"))
    assert path == settings_path() and stat.S_IMODE(path.stat().st_mode) == 0o600
    assert load_site_settings().tianditu_key == KEY
    assert json.loads(path.read_text(encoding="utf-8"))["updated_by"] == "admin"


def test_settings_file_errors_name_the_file_and_fix(tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text("{not json", encoding="utf-8")
    with pytest.raises(SettingsError, match="bad.json.*delete the file"):
        load_site_settings(bad)
    bad.write_text('{"password": "x"}', encoding="utf-8")
    with pytest.raises(SettingsError, match="expected a JSON object with keys"):
        load_site_settings(bad)


@pytest.mark.parametrize("typed, ok", [(f"  {KEY.upper()} ", True), (KEY[:-1], False),
                                       ("z" * 32, False), ("", False)])
def test_key_check(typed, ok):
    if ok:
        assert check_tianditu_key(typed) == KEY
    else:
        with pytest.raises(SettingsError, match="32 hexadecimal"):
            check_tianditu_key(typed)


def test_key_order_environment_then_saved(monkeypatch):
    assert tianditu_key() is None
    save_site_settings(SiteSettings(tianditu_key=KEY))
    assert tianditu_key() == KEY
    monkeypatch.setenv("TIANDITU_KEY", "f" * 32)
    assert tianditu_key() == "f" * 32
    assert tianditu_key("explicit") == "explicit"


def test_default_basemap_prefers_tianditu_then_offline_tiles(monkeypatch, tmp_path):
    assert default_basemap() == "osm" and "local" not in available_basemaps()
    source = tmp_path / "county.mbtiles"
    write_mbtiles(source, BOUNDS, range(9, 11))
    monkeypatch.setenv("INVESTMAP_TILES", str(source))
    assert default_basemap() == "local" and "local" in available_basemaps()
    save_site_settings(SiteSettings(tianditu_key=KEY))
    assert default_basemap() == "tianditu"
    monkeypatch.setenv("INVESTMAP_BASEMAP", "none")
    assert default_basemap() == "none"


@pytest.mark.parametrize("lang, labels", [("zh", "cva"), ("en", "eva")])
def test_tianditu_vector_with_labels_from_the_saved_key(lang, labels):
    save_site_settings(SiteSettings(tianditu_key=KEY))
    fmap = folium.Map(tiles=None)
    add_basemap(fmap, "tianditu", lang=lang)
    html = fmap.get_root().render()
    assert "vec_w/wmts" in html and f"{labels}_w/wmts" in html and f"tk={KEY}" in html


def test_mbtiles_are_published_with_rows_flipped(tmp_path):
    source = tmp_path / "county.mbtiles"
    written = write_mbtiles(source, BOUNDS, range(9, 12))
    tiles = local_tiles(source, static_dir=tmp_path / "static", url_base="/s")
    assert tiles is not None and tiles.count == len(written)
    assert (tiles.min_zoom, tiles.max_zoom) == (9, 11)
    for (z, x, y), data in written.items():
        assert (tiles.folder / str(z) / str(x) / f"{y}.png").read_bytes() == data
    assert tiles.url == f"/s/{tiles.folder.name}/{{z}}/{{x}}/{{y}}.png"
    # a second start with the same file reuses the published tiles
    marker = next(tiles.folder.glob("*/*/*.png"))
    marker.write_bytes(b"kept")
    again = local_tiles(source, static_dir=tmp_path / "static", url_base="/s")
    assert again == tiles and marker.read_bytes() == b"kept"


def test_folder_of_tiles_is_published(tmp_path):
    folder = tmp_path / "xyz"
    (folder / "10" / "830").mkdir(parents=True)
    (folder / "10" / "830" / "390.png").write_bytes(b"png")
    (folder / "10" / "830" / "readme.txt").write_text("not a tile", encoding="utf-8")
    tiles = local_tiles(folder, static_dir=tmp_path / "static")
    assert tiles is not None and tiles.count == 1 and (tiles.min_zoom, tiles.max_zoom) == (10, 10)
    assert (tiles.folder / "10" / "830" / "390.png").read_bytes() == b"png"


def test_bad_tile_sources_explain_the_fix(tmp_path):
    with pytest.raises(TileSourceError, match="not found; fix: set INVESTMAP_TILES"):
        local_tiles(tmp_path / "missing.mbtiles", static_dir=tmp_path / "s")
    (tmp_path / "empty").mkdir()
    with pytest.raises(TileSourceError, match="no tiles laid out"):
        local_tiles(tmp_path / "empty", static_dir=tmp_path / "s")
    vector = tmp_path / "vector.mbtiles"
    write_mbtiles(vector, BOUNDS, range(9, 10))
    import sqlite3

    with sqlite3.connect(vector) as con:
        con.execute("UPDATE metadata SET value = 'pbf' WHERE name = 'format'")
    with pytest.raises(TileSourceError, match="'pbf' is not a raster image"):
        local_tiles(vector, static_dir=tmp_path / "s")
    text = tmp_path / "notes.txt"
    text.write_text("x", encoding="utf-8")
    with pytest.raises(TileSourceError, match="not a tile folder nor an .mbtiles"):
        local_tiles(text, static_dir=tmp_path / "s")


def test_local_basemap_without_tiles_is_a_clear_error():
    with pytest.raises(BasemapError, match="set INVESTMAP_TILES"):
        add_basemap(folium.Map(tiles=None), "local")

"""An intranet install: the app serves its own basemap from an MBTiles file and Chromium draws
it with every request to another host blocked."""

from __future__ import annotations

from io import BytesIO
from urllib.parse import urlparse

import numpy as np
import pytest
from PIL import Image

from tests.e2e.conftest import map_frame, serve_app, wait_ready
from tests.e2e.flows import guarded_page
from tests.tiles_fixture import TILE_COLOR, write_mbtiles

pytestmark = [pytest.mark.e2e, pytest.mark.slow, pytest.mark.timeout(900)]

LOADED_TILES = ("() => Array.from(document.querySelectorAll('img.leaflet-tile-loaded'))"
                ".filter(i => i.naturalWidth === 256).map(i => i.src)")


@pytest.fixture(scope="module")
def tiles_app(tmp_path_factory: pytest.TempPathFactory):
    """A live app whose only basemap is a hand-made MBTiles file covering the demo county."""
    from layers.county import load_county

    county = load_county(layers=("park", "parcel"))
    west, south, east, north = county["parcel"].to_crs(4326).total_bounds
    state = tmp_path_factory.mktemp("tiles_state")
    source = state / "county.mbtiles"
    write_mbtiles(source, (west - 0.1, south - 0.1, east + 0.1, north + 0.1), range(8, 14))
    with serve_app(state, {"INVESTMAP_TILES": str(source), "INVESTMAP_AS_OF": "2026-11-22",
                           "INVESTMAP_BASEMAP": None, "TIANDITU_KEY": None}) as url:
        yield url


def test_offline_tiles_are_drawn_with_the_internet_blocked(app_browser, tiles_app):
    blocked: list[str] = []
    with guarded_page(app_browser, blocked=blocked) as page:
        page.goto(tiles_app)
        wait_ready(page)
        frame = map_frame(page)
        frame.wait_for_function(f"({LOADED_TILES})().length >= 4")
        sources = frame.evaluate(LOADED_TILES)
        assert all("/app/static/tiles/" in urlparse(s).path for s in sources)
        page.wait_for_timeout(1000)  # Leaflet fades tiles in
        shot = Image.open(BytesIO(page.screenshot())).convert("RGB")
        pixels = np.asarray(shot).reshape(-1, 3).astype(int)
        tile_ink = (np.abs(pixels - np.array(TILE_COLOR)).sum(axis=1) < 30).sum()
        assert tile_ink > 50_000  # the orange test tiles fill much of the map
        assert blocked == [], f"requests to other hosts were attempted: {blocked}"

"""Take the docs screenshots (docs/screenshots/) of the map on the demo county, offline and
reproducible.

Starts ``streamlit run app.py`` on loopback twice — with the offline basemap rendered from the
demo county (``scripts/demo_tiles.py``) and with no basemap (the ``context`` layer drawn
instead) — and photographs the map page in Debian Chromium on a desktop (1600 px) and a phone
(390 px), with every request to another host blocked. Writes small palette PNGs to
``docs/screenshots/``.

Run: ``.venv/bin/python scripts/screenshots.py [--out docs/screenshots] [--lang zh]``.
"""

from __future__ import annotations

import argparse
import io
import os
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlparse

from PIL import Image

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
DEVICES = {"desktop": {"viewport": {"width": 1600, "height": 1000}},
           "phone": {"viewport": {"width": 390, "height": 844}, "is_mobile": True,
                     "has_touch": True}}
LOOPBACK = {"127.0.0.1", "localhost"}


def _wait_ready(page) -> None:  # noqa: ANN001 - playwright Page
    page.wait_for_selector("[data-testid='stApp']")
    page.wait_for_timeout(500)
    page.wait_for_function(
        "() => !document.querySelector(\"[data-testid='stStatusWidget']\")"
        " && !document.querySelector('[data-stale=\"true\"]')", timeout=120_000)


def _map_frame(page):  # noqa: ANN001, ANN202
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        for frame in page.frames:
            try:
                if frame.query_selector(".leaflet-container") is not None:
                    return frame
            except Exception:  # noqa: BLE001 - frames detach while the page reruns
                continue
        page.wait_for_timeout(250)
    raise RuntimeError("no Leaflet map on the page")


def _shoot(browser, url: str, device: str, lang: str, tiles: bool) -> Image.Image:  # noqa: ANN001
    context = browser.new_context(locale="zh-CN" if lang == "zh" else "en-US",
                                  **DEVICES[device])

    def guard(route):  # noqa: ANN001 - playwright Route
        host = urlparse(route.request.url).hostname or ""
        if route.request.url.startswith(("data:", "blob:", "about:")) or host in LOOPBACK:
            route.continue_()
        else:
            route.abort()

    context.route("**/*", guard)
    page = context.new_page()
    page.set_default_timeout(120_000)
    try:
        page.goto(url)
        _wait_ready(page)
        if lang == "en":
            page.get_by_text("English", exact=True).click()
            _wait_ready(page)
        frame = _map_frame(page)
        if tiles:
            frame.wait_for_function(
                "() => document.querySelectorAll('img.leaflet-tile-loaded').length > 3")
        page.wait_for_timeout(2500)  # the first bounds report re-runs the page once
        _wait_ready(page)
        if device == "phone":
            page.locator("iframe[title*='folium'], iframe").last.scroll_into_view_if_needed()
            page.wait_for_timeout(800)
        return Image.open(io.BytesIO(page.screenshot())).convert("RGB")
    finally:
        context.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "screenshots")
    parser.add_argument("--lang", choices=["zh", "en"], default="zh")
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    from scripts.demo_tiles import write_demo_tiles
    from ui.serve import served
    from webmap.assets import install

    install()
    args.out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        tiles = Path(tmp) / "qingfeng-demo.mbtiles"
        write_demo_tiles(tiles, range(9, 14))
        base_env = {k: v for k, v in os.environ.items()
                    if k not in ("INVESTMAP_BASEMAP", "INVESTMAP_TILES", "TIANDITU_KEY")}
        base_env.update({"INVESTMAP_STATE_DIR": tmp, "INVESTMAP_AS_OF": "2026-11-22"})
        scenarios = {"basemap": {"INVESTMAP_TILES": str(tiles)},
                     "nobasemap": {"INVESTMAP_BASEMAP": "none"}}
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path="/usr/bin/chromium",
                                         args=CHROMIUM_ARGS)
            for name, extra in scenarios.items():
                env = {**{k: None for k in os.environ if k not in base_env}, **base_env,
                       **extra}
                with served(env, log_path=Path(tmp) / f"{name}.log") as url:
                    for device in DEVICES:
                        shot = _shoot(browser, url, device, args.lang, tiles=name == "basemap")
                        target = args.out / f"map_{device}_{name}_{args.lang}.png"
                        shot.quantize(128).save(target, optimize=True)
                        print(f"wrote {target} ({target.stat().st_size / 1024:.0f} KB)")
            browser.close()


if __name__ == "__main__":
    main()

"""Screenshots of every page (zh and en, desktop 1600 px and phone 390 px) into
docs/screenshots/, for the user guide and the app reference (docs/). Regenerate after a merge:

    .venv/bin/python scripts/app_screenshots.py [--pages map finder …]

Public pages are taken as an investor, staff pages as the demo admin (login token in the
URL). The basemap is off (no network).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from live_app import CHROMIUM_ARGS, ROOT, map_frame, serve, staff_token, wait_ready  # noqa: E402

PAGES: dict[str, bool] = {"map": False, "finder": False, "chains": False, "export": False,
                          "login": False, "efficiency": True, "pipeline": True, "edit": True,
                          "import": True, "compliance": True, "leads": True, "settings": True}
"""URL path → staff page."""
SIZES = {"desktop": (1600, 1000), "phone": (390, 844)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", nargs="*", default=list(PAGES), choices=list(PAGES))
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "screenshots")
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    from playwright.sync_api import sync_playwright

    token = staff_token("admin")
    with serve() as url, sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        for size, (width, height) in SIZES.items():
            context = browser.new_context(viewport={"width": width, "height": height},
                                          device_scale_factor=1)
            page = context.new_page()
            for name in args.pages:
                for lang in ("zh", "en"):
                    query = f"lang={lang}" + (f"&s={token}" if PAGES[name] else "")
                    page.goto(f"{url}/{'' if name == 'map' else name}?{query}")
                    wait_ready(page)
                    if name in ("map", "finder", "chains", "efficiency", "pipeline", "edit"):
                        map_frame(page, timeout_s=60)
                    page.wait_for_timeout(1000)  # the map reports its view: one more run
                    wait_ready(page)
                    page.wait_for_function("() => !document.querySelector("
                                           "'[data-stale=\"true\"]')", timeout=60_000)
                    target = args.out / f"{name}_{lang}_{size}.png"
                    page.screenshot(path=str(target))
                    print(target.relative_to(ROOT))
            context.close()
        browser.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

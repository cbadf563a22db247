"""``investmap publish``: the static investor site opens from file:// (and a static web
server) in Chromium with zero external requests, every script parses as ES2017, brochure QR
codes decode to the pages they belong to, and no confidential value is in any file."""

from __future__ import annotations

import dataclasses
import functools
import http.server
import re
import subprocess
import threading

import pytest
from playwright.sync_api import sync_playwright

from exports.publish import publish_site, slug
from tests.confidential import confidential_hits
from tests.e2e.conftest import ARTIFACTS, CHROMIUM_ARGS
from tests.js_syntax import es2017_errors

pytestmark = [pytest.mark.e2e, pytest.mark.slow, pytest.mark.timeout(900)]

BASE = "https://invest.example.gov.cn/site/"
PARK = "P05"
KEEP = 2
"""Offerable parcels kept in the park (the others become reserve), so parcel brochures are
typeset for every offerable parcel in reasonable time."""


@pytest.fixture(scope="module")
def small_county(demo_county):
    from layers.supply import availability

    parcels = demo_county["parcel"].copy()
    ok = availability(demo_county)["available"].to_numpy()
    mine = (parcels["park_id"] == PARK).to_numpy() & ok
    drop = parcels.index[mine][KEEP:]
    parcels.loc[drop, "status"] = "reserve"
    return dataclasses.replace(demo_county, layers={**demo_county.layers, "parcel": parcels})


@pytest.fixture(scope="module")
def site(small_county, tmp_path_factory):
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("INVESTMAP_STATE_DIR", str(tmp_path_factory.mktemp("state")))
        return publish_site(small_county, tmp_path_factory.mktemp("pub") / "site",
                            park_ids=[PARK], base_url=BASE, parcel_brochures=True)


@pytest.fixture(scope="module")
def chromium():
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        yield browser
        browser.close()


def _visit(browser, url: str, *, width: int = 1400, allowed: str = "file:"):  # noqa: ANN001, ANN202
    context = browser.new_context(viewport={"width": width, "height": 900})
    outside: list[str] = []
    errors: list[str] = []

    def route(r):  # noqa: ANN001 - playwright Route
        if r.request.url.startswith(allowed):
            r.continue_()
        else:
            outside.append(r.request.url)
            r.abort()

    context.route("**/*", route)
    page = context.new_page()
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(url)
    page.wait_for_selector(".leaflet-container path.leaflet-interactive")
    return page, outside, errors


def test_layout_and_pages(site):
    root = site.folder
    for lang in ("zh", "en"):
        assert (root / lang / "index.html").is_file()
        assert (root / lang / "parks" / f"{PARK}.html").is_file()
        assert len(list((root / lang / "parcels").glob("*.html"))) == KEEP
        assert (root / lang / "pdf" / f"park-{PARK}.pdf").is_file()
    assert (root / "assets" / "leaflet.js").is_file() and (root / "index.html").is_file()
    assert not list(root.parent.glob(".*partial*"))


@pytest.mark.parametrize("page_path", ["zh/index.html", f"en/parks/{PARK}.html",
                                       "zh/parcels/{first}", "en/parcels/{first}"])
def test_pages_open_from_file_with_zero_external_requests(site, chromium, page_path):
    first = sorted((site.folder / "zh" / "parcels").glob("*.html"))[0].name
    path = site.folder / page_path.format(first=first)
    for width in (1400, 390):
        page, outside, errors = _visit(chromium, path.as_uri(), width=width)
        try:
            assert outside == [] and errors == []
            assert page.locator("path.leaflet-interactive").count() >= KEEP + 1
            assert page.locator(".town").count() >= 1  # the context layer is drawn
            ARTIFACTS.mkdir(exist_ok=True)
            page.screenshot(path=str(ARTIFACTS / f"publish_{slug(page_path)}_{width}.png"))
        finally:
            page.context.close()


def test_site_opens_from_a_static_web_server(site, chromium):
    handler = functools.partial(http.server.SimpleHTTPRequestHandler,
                                directory=str(site.folder))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{server.server_address[1]}/"
    try:
        page, outside, errors = _visit(chromium, url + "en/index.html", allowed=url)
        try:
            assert outside == [] and errors == []
            page.locator("a", has_text=re.compile(r"^QF-")).first.click()
            page.wait_for_selector(".leaflet-container path.leaflet-interactive")
            assert "/en/parcels/" in page.url and "Key facts" in page.inner_text("body")
        finally:
            page.context.close()
    finally:
        server.shutdown()


def test_every_script_parses_as_es2017(site, tmp_path):
    files = sorted(site.folder.rglob("*.js"))
    for i, html in enumerate(sorted(site.folder.rglob("*.html"))):
        for j, body in enumerate(re.findall(r"<script>(.*?)</script>",
                                            html.read_text(encoding="utf-8"), re.S)):
            inline = tmp_path / f"inline_{i}_{j}.js"
            inline.write_text(body, encoding="utf-8")
            files.append(inline)
    assert len(files) > 5
    assert es2017_errors(files) == []


def test_es2017_check_rejects_newer_syntax(tmp_path):
    newer = tmp_path / "newer.js"
    newer.write_text("var a = {...{b: 1}}; var c = a?.b;", encoding="utf-8")
    assert len(es2017_errors([newer])) == 1


def test_brochure_qr_codes_decode_to_their_pages(site, tmp_path):
    import zxingcpp
    from PIL import Image

    assert len(site.brochures) == 2 * (1 + KEEP)
    for n, pdf in enumerate(site.brochures):
        prefix = tmp_path / f"b{n}"
        subprocess.run(["pdfimages", "-png", "-f", "1", "-l", "1", str(pdf), str(prefix)],
                       check=True)
        decoded = [r.text for im in sorted(tmp_path.glob(f"b{n}-*.png"))
                   for r in zxingcpp.read_barcodes(Image.open(im).convert("L"))]
        assert decoded == [site.qr_targets[pdf]]
        page = decoded[0].removeprefix(BASE)
        assert decoded[0].startswith(BASE) and (site.folder / page).is_file(), page
        lang, kind = pdf.parent.parent.name, pdf.stem.split("-", 1)
        assert page == f"{lang}/{kind[0]}s/{kind[1]}.html"


def test_no_confidential_data_in_any_file(site, small_county):
    for path in site.folder.rglob("*"):
        if path.suffix in (".html", ".js"):
            text = path.read_text(encoding="utf-8")
        elif path.suffix == ".pdf":
            text = subprocess.run(["pdftotext", str(path), "-"], capture_output=True,
                                  text=True, check=True).stdout
        else:
            continue
        if path.name == "leaflet.js":
            continue  # the library itself (no data)
        assert confidential_hits(text, small_county) == [], path

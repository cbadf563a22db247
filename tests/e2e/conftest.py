"""End-to-end fixtures: one ``streamlit run app.py`` per test process (each ``make test``
worker starts its own when it first runs a module that uses it) on 127.0.0.1, Debian
Chromium through Playwright, every non-loopback request blocked and recorded, a screenshot
in test-artifacts/ when a test fails."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlparse

import pytest

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
LOOPBACK = {"127.0.0.1", "localhost", "::1", "[::1]"}


@pytest.fixture(scope="session")
def app_url(tmp_path_factory: pytest.TempPathFactory):
    """Base URL of a live app (offline basemap, throwaway login state)."""
    state = tmp_path_factory.mktemp("state")
    with serve_app(state, {"INVESTMAP_AS_OF": "2026-11-22"}) as url:
        yield url


@contextmanager
def serve_app(state: Path, env: dict[str, str | None]) -> Iterator[str]:
    """Run the app through ``make run``'s launcher (:func:`ui.serve.served`) on a free
    loopback port with ``INVESTMAP_STATE_DIR`` = ``state`` plus ``env`` (a ``None`` value
    removes that variable); yield its base URL; stop it afterwards."""
    from ui.serve import served
    from webmap.assets import install

    install()
    with served({"INVESTMAP_BASEMAP": "none", "INVESTMAP_STATE_DIR": str(state), **env},
                log_path=state / "streamlit.log", timeout=60) as url:
        yield url


@pytest.fixture(scope="module")
def app_browser():
    """Debian Chromium for one test module (module scope: only one sync Playwright may run
    at a time, and other modules start their own)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


class Blocked(list):
    """URLs of non-loopback requests the page attempted (all were aborted)."""


@pytest.fixture
def blocked() -> Blocked:
    return Blocked()


def block_other_hosts(context, seen: list[str]) -> None:  # noqa: ANN001 - BrowserContext
    """Abort every request of ``context`` to a host but this machine, recording it in
    ``seen`` (no CDN, no outside basemap: the app must render without them)."""

    def guard(route):  # noqa: ANN001 - playwright Route
        host = urlparse(route.request.url).hostname or ""
        if route.request.url.startswith(("data:", "blob:", "about:")) or host in LOOPBACK:
            route.continue_()
        else:
            seen.append(route.request.url)
            route.abort()

    context.route("**/*", guard)


@pytest.fixture
def page(app_browser, app_url, blocked, request):
    context = app_browser.new_context(viewport={"width": 1400, "height": 1000}, locale="zh-CN")
    block_other_hosts(context, blocked)
    pg = context.new_page()
    pg.set_default_timeout(60_000)  # two test workers share the CPU (make test)
    yield pg
    report = getattr(request.node, "rep_call", None)
    if report is not None and report.failed:
        ARTIFACTS.mkdir(exist_ok=True)
        pg.screenshot(path=str(ARTIFACTS / f"{request.node.name}.png"), full_page=True)
    context.close()


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):  # noqa: ANN001, ANN201 - pytest hook
    outcome = yield
    report = outcome.get_result()
    if report.when == "call":
        item.rep_call = report


def wait_ready(page) -> None:  # noqa: ANN001 - playwright Page
    """Wait until the app has rendered and no script run is in progress."""
    page.wait_for_selector("[data-testid='stApp']")
    page.wait_for_timeout(300)
    page.wait_for_function(
        "() => !document.querySelector(\"[data-testid='stStatusWidget']\")", timeout=60_000)


def map_frame(page):  # noqa: ANN001, ANN201 - playwright Page/Frame
    """The streamlit-folium iframe holding the Leaflet map, once drawn."""
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        for frame in page.frames:
            try:
                if frame.query_selector(".leaflet-container") is not None:
                    return frame
            except Exception:  # noqa: BLE001 - frames detach while the page reruns
                continue
        page.wait_for_timeout(250)
    raise AssertionError("no Leaflet map found in any frame")


E2E_PASSWORDS = {"promoter": "promoter-e2e-pass", "planner": "planner-e2e-pass",
                 "admin": "admin-e2e-pass"}
"""Passwords of :func:`real_users`: an app on a real store refuses the demo passwords."""


def real_users(folder: Path) -> Path:
    """A users file like data/users.yaml whose passwords are not the demo ones (an app with
    ``INVESTMAP_STORE`` set refuses demo passwords); returns its path for
    ``INVESTMAP_USERS``."""
    import bcrypt
    import yaml

    doc = yaml.safe_load((ROOT / "data" / "users.yaml").read_text(encoding="utf-8"))
    for name, password in E2E_PASSWORDS.items():
        doc["users"][name]["password_hash"] = bcrypt.hashpw(
            password.encode(), bcrypt.gensalt(rounds=4)).decode()
    path = folder / "users.yaml"
    path.write_text(yaml.safe_dump(doc, allow_unicode=True), encoding="utf-8")
    return path

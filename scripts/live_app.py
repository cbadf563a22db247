"""A live app for scripts that drive a browser (screenshots, the browser benchmark): one
``streamlit run app.py`` on loopback and Debian's Chromium through Playwright.

Staff pages are opened with a signed login token in the URL (:mod:`ui.session`), made with
the same throwaway secret the server is given.
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
SECRET = "investmap-scripts-only"


@contextmanager
def serve(*, data: str | None = None, env: dict[str, str] | None = None) -> Iterator[str]:
    """Run the app (offline basemap, throwaway login state) and yield its base URL."""
    sys.path.insert(0, str(ROOT))
    from ui.serve import served

    state = Path(tempfile.mkdtemp(prefix="investmap-live-"))
    extra = {"INVESTMAP_BASEMAP": "none", "INVESTMAP_STATE_DIR": str(state),
             "INVESTMAP_AS_OF": "2026-11-22", "INVESTMAP_SESSION_SECRET": SECRET,
             **({"INVESTMAP_DATA": data} if data else {}), **(env or {})}
    with served(extra, log_path=state / "streamlit.log", wait_ready=True,
                timeout=600) as url:
        yield url


def staff_token(role: str = "admin") -> str:
    """A login token for the demo account ``role`` (valid against :func:`serve`'s app)."""
    os.environ["INVESTMAP_SESSION_SECRET"] = SECRET
    sys.path.insert(0, str(ROOT))
    from ui.auth import load_users
    from ui.session import sign

    user = next(u for u, _ in load_users().accounts.values() if u.role == role)
    return sign(user)


def wait_ready(page, timeout_ms: int = 90_000) -> None:  # noqa: ANN001 - playwright Page
    """Until the app has rendered and no script run is in progress."""
    page.wait_for_selector("[data-testid='stApp']", timeout=timeout_ms)
    page.wait_for_timeout(200)
    page.wait_for_function(
        "() => !document.querySelector(\"[data-testid='stStatusWidget']\")", timeout=timeout_ms)


def map_frame(page, timeout_s: float = 60):  # noqa: ANN001, ANN201 - playwright Page/Frame
    """The frame holding the Leaflet map with its data drawn, or ``None``."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        for frame in page.frames:
            try:
                if frame.query_selector(".leaflet-container path.leaflet-interactive, "
                                        ".leaflet-container canvas") is not None:
                    return frame
            except Exception:  # noqa: BLE001 - frames detach while the page reruns
                continue
        page.wait_for_timeout(50)
    return None

"""ui.serve: `make run`'s launcher prepares the data and rehearses the first visit (one real
websocket session of the map page) before it logs that it is ready."""

from __future__ import annotations

import urllib.request
from pathlib import Path

from ui.serve import READY, REHEARSED, served


def test_the_first_visit_is_rehearsed_before_ready(tmp_path: Path):
    from webmap.assets import install

    install()
    log = tmp_path / "server.log"
    with served({"INVESTMAP_BASEMAP": "none", "INVESTMAP_STATE_DIR": str(tmp_path)},
                log_path=log, wait_ready=True, timeout=180) as url:
        text = log.read_text()
        assert REHEARSED in text and READY in text
        assert text.index(REHEARSED) < text.index(READY)
        assert "not rehearsed" not in text and "Traceback" not in text
        with urllib.request.urlopen(f"{url}/_stcore/health", timeout=10) as response:
            assert response.status == 200  # the server still serves after the rehearsal
    assert not (tmp_path / "visits.sqlite").exists() or \
        b"parcel_view" not in (tmp_path / "visits.sqlite").read_bytes()

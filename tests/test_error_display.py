"""Bad geometry already in a store cannot crash the exports or the app (issue 13 item 2).

The store is the five-square county with a parcel vertex and a project point overwritten by
NaN coordinates directly in SQLite, as an old release's ``load`` could leave them.
"""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest
import shapely
from streamlit.testing.v1 import AppTest

from layers.store import open_store
from layers.store.gpkg import _connect as gpkg_connection
from layers.store.values import gpkg_blob
from tests import store_county as county
from tests.conftest import ROOT, run_cli

APP = str(ROOT / "app.py")


@pytest.fixture
def broken_store(tmp_path) -> Path:
    path = tmp_path / "store.gpkg"
    with open_store(path) as store:
        county.fill(store)
    conn = gpkg_connection(path)  # the store's R-tree triggers call ST_IsEmpty & co
    srs = conn.execute("SELECT srs_id FROM gpkg_geometry_columns WHERE table_name = 'parcel'"
                       ).fetchone()[0]
    nan = float("nan")
    ring = [(500000, 4300000), (500100, nan), (500100, 4300100), (500000, 4300100)]
    for table, key, geom in (("parcel", "parcel_id = 'A'", shapely.Polygon(ring)),
                             ("project", "project_id = 'X1'", shapely.Point(nan, 4300050))):
        blob = gpkg_blob(shapely.to_wkb(geom), srs)
        conn.execute(f"UPDATE {table} SET geom = ? WHERE {key}", (blob,))
    conn.commit()
    conn.close()
    return path


def test_streamlit_never_shows_error_details():
    config = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text(encoding="utf-8"))
    assert config["client"]["showErrorDetails"] == "none"


@pytest.mark.parametrize("command", [
    ("export-excel", "--out"), ("pipeline", "--out"), ("export-html", "--out")])
def test_exports_refuse_bad_stored_geometry_with_a_message(broken_store, tmp_path, command):
    name, flag = command
    suffix = {"export-excel": ".xlsx", "pipeline": ".csv", "export-html": ".html"}[name]
    done = run_cli(name, "--data", str(broken_store), flag, str(tmp_path / f"out{suffix}"))
    assert done.returncode == 2, done.stdout + done.stderr
    assert str(broken_store) in done.stderr and "not a finite number" in done.stderr
    assert "Traceback" not in done.stderr
    assert not (tmp_path / f"out{suffix}").exists()


def test_app_pages_show_a_short_message_not_a_traceback(broken_store, monkeypatch, tmp_path):
    monkeypatch.setenv("INVESTMAP_DATA", str(broken_store))
    monkeypatch.setenv("INVESTMAP_BASEMAP", "none")
    monkeypatch.setenv("INVESTMAP_STATE_DIR", str(tmp_path))
    at = AppTest.from_file(APP, default_timeout=120)
    at.run()
    for page in ("ui/map_page.py", "ui/finder_page.py"):
        at.switch_page(page).run()
        assert not at.exception, [e.value for e in at.exception]
        shown = " ".join(e.value for e in at.error)
        assert "编号" in shown and "数据有误" in shown
        assert "Traceback" not in shown and str(ROOT) not in shown

"""The app's export page (AppTest, no browser): every export runs through the same functions
as the CLI, with a progress bar and status, and offers the file for download."""

from __future__ import annotations

import io
from pathlib import Path

import openpyxl
import pytest
from streamlit.testing.v1 import AppTest

from tests.confidential import confidential_hits
from ui.auth import User

APP = str(Path(__file__).resolve().parents[1] / "app.py")
ADMIN = User("admin", "admin", "管理员")


@pytest.fixture(autouse=True)
def _offline(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("INVESTMAP_BASEMAP", "none")
    monkeypatch.setenv("INVESTMAP_STATE_DIR", str(tmp_path))
    monkeypatch.delenv("TIANDITU_KEY", raising=False)


def open_export(*, user: User | None = None, lang: str = "zh") -> AppTest:
    at = AppTest.from_file(APP, default_timeout=180)
    at.session_state["lang"] = lang
    if user is not None:
        at.session_state["auth_user"] = user
    at.run()
    at.switch_page("ui/export_page.py").run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def create(at: AppTest, kind: str) -> dict:
    at.radio(key="export_kind").set_value(kind).run()
    at.button(key="export_go").click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error, [e.value for e in at.error]
    return at.session_state["export_result"]


@pytest.mark.parametrize(("kind", "magic"), [
    ("html", b"<!DOCTYPE html>"), ("brochure", b"%PDF-"), ("png", b"\x89PNG"),
    ("excel", b"PK\x03\x04"),
])
def test_each_export_makes_its_file(kind, magic):
    at = open_export()
    result = create(at, kind)
    assert result["kind"] == kind and result["data"].startswith(magic)
    assert result["name"].startswith(f"investmap_{kind}_")
    assert at.get("status")  # progress shown in a status box
    assert at.get("download_button")


def test_investor_excel_from_the_page_is_public_only(demo_county):
    at = open_export()
    assert at.get("radio")[1].key != "export_audience"  # investors cannot pick staff
    data = create(at, "excel")["data"]
    book = openpyxl.load_workbook(io.BytesIO(data))
    cells = "\n".join(str(c.value) for ws in book for row in ws.iter_rows() for c in row)
    assert "可供应地块" in book.sheetnames and confidential_hits(cells, demo_county) == []


def test_staff_can_choose_the_staff_audience():
    at = open_export(user=ADMIN)
    at.radio(key="export_audience").set_value("staff").run()
    data = create(at, "excel")["data"]
    book = openpyxl.load_workbook(io.BytesIO(data))
    assert "目标企业" in [c.value for c in book["招商工作清单"][1]]


def test_brochure_of_a_parcel_and_png_of_a_park():
    at = open_export()
    at.radio(key="export_kind").set_value("brochure").run()
    at.radio(key="export_brochure_target").set_value("parcel").run()
    parcel = at.selectbox(key="export_brochure_parcel").value
    result = create(at, "brochure")
    assert result["name"] == f"investmap_brochure_{parcel}.pdf"
    at.radio(key="export_kind").set_value("png").run()
    at.selectbox(key="export_png_park").set_value("P02").run()
    assert create(at, "png")["name"] == "investmap_png_P02.png"

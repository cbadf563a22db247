"""The 合规审查 page and the finder's 智能选址 panel through ``AppTest`` (no browser), on the
embedded demo county: they run without an exception, show labelled tables (no snake_case
headers) in both languages, and the compliance page is staff-only."""

from __future__ import annotations

import re

import pytest
from streamlit.testing.v1 import AppTest

from tests.test_app_pages import ADMIN, APP, open_page


@pytest.fixture(autouse=True)
def _offline(monkeypatch: pytest.MonkeyPatch, tmp_path) -> None:
    monkeypatch.setenv("INVESTMAP_BASEMAP", "none")
    monkeypatch.setenv("INVESTMAP_STATE_DIR", str(tmp_path))
    monkeypatch.delenv("TIANDITU_KEY", raising=False)


SNAKE = re.compile(r"^[a-z]+(_[a-z]+)+$")


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_finder_assembles_sites_with_labelled_table(lang):
    at = AppTest.from_file(APP, default_timeout=180)
    at.session_state["auth_user"] = ADMIN
    at.session_state["finder_area"] = (60.0, 120.0)  # widget state set before the run: the
    at.session_state["finder_assemble"] = True       # page reads it as a user's choice
    at.run()
    at.session_state["lang"] = lang  # after the first page: its basemap box keeps zh labels
    at.switch_page("ui/finder_page.py").run()
    assert not at.exception, [e.value for e in at.exception]
    tables = [d.value for d in at.dataframe]
    sites = next(t for t in tables if ("方案" if lang == "zh" else "Site") in t.columns)
    assert len(sites) > 0
    assert all(not SNAKE.match(str(c)) for c in sites.columns)
    parcels = sites["地块" if lang == "zh" else "Parcels"]
    assert parcels.str.contains(",").any()  # assembled sets are listed
    area = sites["面积(亩)" if lang == "zh" else "Area (mu)"]
    assert area.between(60, 120).all()
    stability = [t for t in tables if ("前10保留" if lang == "zh" else "Top 10 kept")
                 in t.columns]
    assert stability and len(stability[0]) == 2 * 6  # six weights, ±


def test_compliance_page_is_staff_only_and_renders():
    at = open_page("ui/compliance_page.py", user=ADMIN)
    assert any("合规审查" in str(t.value) for t in at.title)
    assert at.get("file_uploader")
    assert not at.exception


def test_compliance_page_refuses_investors():
    from pathlib import Path

    at = AppTest.from_file(APP, default_timeout=120).run()
    at.switch_page("ui/compliance_page.py").run()  # an investor is sent to the login
    assert [x.value for x in at.title] == ["工作人员登录"]
    assert not at.get("file_uploader")
    direct = AppTest.from_file(str(Path(APP).parent / "ui/compliance_page.py"),
                               default_timeout=120).run()
    assert [e.value for e in direct.error] == ["此页面仅限工作人员 / Staff only"]

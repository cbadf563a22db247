"""The 导入数据 page without a browser (AppTest): registered for planners and admins only,
refused to investors and promoters; the upload flow (and English) is tested in Chromium
(tests/e2e/test_import_page.py)."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from ui.auth import User

ROOT = Path(__file__).resolve().parents[1]
APP = str(ROOT / "app.py")
PAGE = "ui/import_page.py"


@pytest.fixture(autouse=True)
def _offline(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("INVESTMAP_BASEMAP", "none")
    monkeypatch.setenv("INVESTMAP_STATE_DIR", str(tmp_path))
    monkeypatch.setenv("INVESTMAP_STORE", str(tmp_path / "store.gpkg"))


def _app(user: User | None) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=120)
    if user is not None:
        at.session_state["auth_user"] = user
    return at.run()


@pytest.mark.parametrize("user", [None, User("promoter", "promoter", "招商专员")])
def test_not_for_investors_nor_promoters(user):
    at = _app(user)
    at.switch_page(PAGE).run()  # an investor is sent to the login, a promoter sees no upload
    assert not at.get("file_uploader")
    if user is None:
        assert [x.value for x in at.title] == ["工作人员登录"]
    direct = AppTest.from_file(str(ROOT / PAGE), default_timeout=120)
    if user is not None:
        direct.session_state["auth_user"] = user
    direct.run()
    assert [e.value for e in direct.error] == ["此页面仅限工作人员 / Staff only"]


@pytest.mark.parametrize("role", ["planner", "admin"])
def test_planner_and_admin_see_the_upload(role):
    at = _app(User(role, role, role))
    at.switch_page(PAGE).run()
    assert not at.exception, [e.value for e in at.exception]
    assert at.title[0].value == "导入数据"
    assert [i.value for i in at.info] == ["请选择要导入的图层并上传文件。"]
    assert any("单次上传上限 50 MB" in c.value for c in at.caption)
    assert at.selectbox(key="import_layer").value == "parcel"

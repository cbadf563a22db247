"""The admin settings page: the Tianditu key is asked for once, stored server-side, never
shown again in full, and only admins reach the page."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from layers.site_settings import load_site_settings
from ui.auth import User

APP = str(Path(__file__).resolve().parents[1] / "app.py")
PAGE = "ui/settings_page.py"
ADMIN = User("admin", "admin", "管理员")
KEY = "0123456789abcdef0123456789abcdef"


@pytest.fixture(autouse=True)
def _state(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("INVESTMAP_STATE_DIR", str(tmp_path))
    for name in ("TIANDITU_KEY", "INVESTMAP_BASEMAP", "INVESTMAP_TILES"):
        monkeypatch.delenv(name, raising=False)


def open_settings(user: User | None, lang: str = "zh") -> AppTest:
    at = AppTest.from_file(str(Path(APP).parent / PAGE), default_timeout=120)
    at.session_state["lang"] = lang
    if user is not None:
        at.session_state["auth_user"] = user
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def _texts(at: AppTest) -> str:
    return "\n".join(str(e.value) for kind in ("success", "warning", "info", "error", "caption")
                     for e in getattr(at, kind))


def test_admin_saves_the_key_once_and_sees_only_its_tail():
    at = open_settings(ADMIN)
    assert at.title[0].value == "系统设置"
    assert "尚未配置" in _texts(at)
    at.text_input[0].input("not-a-key")
    at.button[0].click().run()
    assert "32 位字母数字" in _texts(at) and load_site_settings().tianditu_key is None
    at.text_input[0].input(KEY.upper())
    at.button[0].click().run()
    assert load_site_settings().tianditu_key == KEY
    assert load_site_settings().updated_by == "admin"
    again = open_settings(ADMIN, lang="en")
    text = _texts(again)
    assert "ends in cdef" in text and KEY not in text
    assert "Default basemap now: Tianditu vector" in text


def test_admin_removes_the_key():
    at = open_settings(ADMIN)
    at.text_input[0].input(KEY)
    at.button[0].click().run()
    at = open_settings(ADMIN)
    remove = [b for b in at.button if b.label == "删除已保存的密钥"]
    assert remove
    remove[0].click().run()
    assert load_site_settings().tianditu_key is None


@pytest.mark.parametrize("user", [None, User("p", "promoter", "招商")])
def test_only_admins_pass_the_page_guard(user):
    at = open_settings(user)
    assert [e.value for e in at.error] == ["此页面仅限工作人员 / Staff only"]
    assert len(at.text_input) == 0


def test_the_page_is_registered_for_admins_only():
    import ast

    tree = ast.parse(Path(APP).read_text(encoding="utf-8"))  # importing app.py runs the app
    calls = [n for n in ast.walk(tree) if isinstance(n, ast.Call) and n.args
             and isinstance(n.args[0], ast.Constant) and n.args[0].value == PAGE]
    assert len(calls) == 1
    roles = {k.arg: ast.literal_eval(k.value) for k in calls[0].keywords}["roles"]
    assert roles == ("admin",)


def test_admin_sets_the_default_basemap_to_none_in_words():
    from webmap.basemaps import default_basemap

    at = open_settings(ADMIN)
    box = at.selectbox(key="settings_basemap_zh")
    assert "无底图（离线）" in box.options and box.value == "auto"
    box.set_value("none")
    at = [b for b in at.button if b.label == "保存默认底图"][0].click().run()
    assert not at.exception
    assert load_site_settings().default_basemap == "none"
    assert default_basemap() == "none"
    assert any("默认底图为 无底图（离线）" in s.value for s in at.success)
    text = _texts(at)
    assert "INVESTMAP" not in text and "TIANDITU_KEY" not in text


def test_admin_sets_the_offline_tiles_folder_without_a_restart(tmp_path):
    from tests.tiles_fixture import write_mbtiles
    from webmap.basemaps import available_basemaps

    folder = tmp_path / "county.mbtiles"
    write_mbtiles(folder, (110.8, 38.8, 111.1, 39.0), range(9, 10))
    at = open_settings(ADMIN)
    box = [t for t in at.text_input if t.label.startswith("离线瓦片位置")][0]
    box.input(str(tmp_path / "missing"))
    at = [b for b in at.button if b.label == "保存离线底图位置"][0].click().run()
    assert any("找不到" in e.value for e in at.error)
    assert load_site_settings().tiles_folder is None
    box = [t for t in at.text_input if t.label.startswith("离线瓦片位置")][0]
    box.input(str(folder))
    at = [b for b in at.button if b.label == "保存离线底图位置"][0].click().run()
    assert load_site_settings().tiles_folder == str(folder)
    assert any("已启用" in s.value for s in at.success)
    assert "local" in available_basemaps(has_key=False)

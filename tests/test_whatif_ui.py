"""The staff-only 亩均 what-if in the parcel finder, through AppTest (no browser)."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from ui.auth import User

APP = str(Path(__file__).resolve().parents[1] / "app.py")
ADMIN = User("admin", "admin", "管理员")


@pytest.fixture(autouse=True)
def _offline(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("INVESTMAP_BASEMAP", "none")
    monkeypatch.setenv("INVESTMAP_STATE_DIR", str(tmp_path))
    monkeypatch.setenv("INVESTMAP_AS_OF", "2026-11-22")


def finder(*, user: User | None, lang: str = "zh") -> AppTest:
    at = AppTest.from_file(APP, default_timeout=180)
    at.session_state["lang"] = lang
    if user is not None:
        at.session_state["auth_user"] = user
    at.run()
    at.switch_page("ui/finder_page.py").run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def messages(at: AppTest) -> list[str]:
    return [m.value for m in (*at.success, *at.info)]


def test_investors_do_not_see_the_whatif():
    at = finder(user=None)
    assert not [m for m in at.markdown if "亩均预评" in m.value]
    with pytest.raises(KeyError):
        at.number_input(key="whatif_land")


def test_staff_get_a_class_from_planned_figures():
    at = finder(user=ADMIN)
    at.number_input(key="whatif_land").set_value(20.0)
    at.number_input(key="whatif_tax").set_value(2000.0)
    at.number_input(key="whatif_output").set_value(50000.0)
    at.run()
    assert not at.exception
    # 100 万元 of tax per mu is far above any demo firm: the top class of 规上
    assert "按现行标准预计为 A 类" in messages(at)
    assert any("规上组得分" in c.value for c in at.caption)
    at.number_input(key="whatif_land").set_value(1.0).run()
    assert any("不参评" in m for m in messages(at))


def test_staff_see_it_in_english():
    # With the defaults (50 mu, no figures) every item is scored at its group's average.
    at = finder(user=ADMIN)
    at.radio(key="lang_switch").set_value("en").run()
    assert any("Output\\-per\\-mu what\\-if" in m.value for m in at.markdown)
    assert any(m.endswith("under current standards") for m in messages(at))

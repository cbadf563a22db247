"""The public base URL on the admin settings page (issue 31): checked, saved server-side,
kept when the Tianditu key is saved, and used by share links and brochure QR codes."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from layers.site_settings import load_site_settings
from tests.test_settings_page import ADMIN, KEY, open_settings
from webmap.links import public_base


@pytest.fixture(autouse=True)
def _state(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("INVESTMAP_STATE_DIR", str(tmp_path))
    for name in ("TIANDITU_KEY", "INVESTMAP_BASEMAP", "INVESTMAP_TILES"):
        monkeypatch.delenv(name, raising=False)


def _base_input(at: AppTest):  # noqa: ANN202
    return next(t for t in at.text_input if t.label in ("公开访问地址", "Public base URL"))


def _save(at: AppTest) -> None:
    next(b for b in at.button if b.label in ("保存地址", "Save address")).click().run()


def test_admin_saves_the_public_base_url_and_links_follow_it():
    at = open_settings(ADMIN, lang="en")
    _base_input(at).input("invest.example.gov.cn")
    _save(at)
    assert any("Not a valid address" in e.value for e in at.error)
    assert load_site_settings().public_base_url is None
    _base_input(at).input("https://invest.example.gov.cn/map")
    _save(at)
    assert load_site_settings().public_base_url == "https://invest.example.gov.cn/map"
    assert public_base() == "https://invest.example.gov.cn/"
    again = open_settings(ADMIN)
    assert _base_input(again).value == "https://invest.example.gov.cn/map"


def test_saving_the_tianditu_key_keeps_the_base_url():
    at = open_settings(ADMIN)
    _base_input(at).input("https://invest.example.gov.cn/")
    _save(at)
    at = open_settings(ADMIN)
    at.text_input[0].input(KEY)
    at.button[0].click().run()
    saved = load_site_settings()
    assert saved.tianditu_key == KEY and saved.public_base_url == "https://invest.example.gov.cn/"

"""Links that open (issue 31): every link is the app's root with query parameters; where
links point follows the admin's public base URL, then the policy, then the local server."""

from __future__ import annotations

import json

import pytest

from layers.site_settings import SettingsError, check_public_base_url
from webmap.links import LOCAL_APP_URL, app_root, public_base, view_url


@pytest.mark.parametrize(("url", "root"), [
    ("https://invest.example.cn/map", "https://invest.example.cn/"),
    ("https://invest.example.cn/map/", "https://invest.example.cn/"),
    ("https://invest.example.cn", "https://invest.example.cn/"),
    ("https://gov.cn/investmap/map?lang=zh#x", "https://gov.cn/investmap/"),
    ("http://localhost:8501/", "http://localhost:8501/"),
    ("https://gov.cn/maps", "https://gov.cn/maps/"),  # only the default page is dropped
])
def test_app_root(url, root):
    assert app_root(url) == root


def test_view_url_is_the_root_with_the_view_and_language():
    assert view_url("https://x.cn/map", lang="en", parcel="QF-0001", park=None) == \
        "https://x.cn/?lang=en&parcel=QF-0001"
    assert view_url("https://x.cn/", lang="zh", park="P 01") == "https://x.cn/?lang=zh&park=P+01"


def test_public_base_precedence(tmp_path, monkeypatch):
    monkeypatch.setenv("INVESTMAP_STATE_DIR", str(tmp_path))
    assert public_base() == LOCAL_APP_URL
    assert public_base("https://policy.cn/map") == "https://policy.cn/"
    (tmp_path / "settings.json").write_text(json.dumps({"public_base_url": "https://a.cn/m"}))
    assert public_base("https://policy.cn/map") == "https://a.cn/m/"
    (tmp_path / "settings.json").write_text("not json")
    assert public_base("https://policy.cn/") == "https://policy.cn/"  # never fails an export


@pytest.mark.parametrize("bad", ["invest.example.cn", "ftp://x.cn/", "https://x.cn/?a=1",
                                 "https://x .cn/", "https://"])
def test_public_base_url_setting_is_checked(bad):
    with pytest.raises(SettingsError, match="public base URL"):
        check_public_base_url(bad)


def test_public_base_url_setting_trims():
    assert check_public_base_url("  https://invest.example.gov.cn/ ") == \
        "https://invest.example.gov.cn/"

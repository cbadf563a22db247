"""``investmap publish`` without a browser: file names for ids, and errors that name the fix
and leave the folder untouched (the full site is tested in tests/e2e/test_publish_e2e.py)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from exports.common import ExportError
from exports.publish import publish_site, slug


@given(st.text(min_size=1, max_size=12), st.text(min_size=1, max_size=12))
def test_slug_is_safe_and_distinct(a, b):
    assert all(c.isascii() and (c.isalnum() or c in "-_") for c in slug(a))
    assert (slug(a) == slug(b)) == (a == b)


def test_slug_keeps_ordinary_ids():
    assert slug("QF-0001") == "QF-0001" and slug("P01") == "P01"


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"langs": ["fr"]}, "language 'fr' is not supported"),
    ({"base_url": "invest.example.cn"}, "is not an http(s) address"),
    ({"park_ids": ["P99"]}, "no park 'P99'; parks: P01"),
])
def test_errors_name_the_fix(demo_county, tmp_path, kwargs, message):
    with pytest.raises(ExportError, match=message.replace("(", r"\(").replace(")", r"\)")):
        publish_site(demo_county, tmp_path / "site", **kwargs)
    assert list(tmp_path.iterdir()) == []


def test_refuses_a_folder_with_other_files(demo_county, tmp_path):
    (tmp_path / "keep.txt").write_text("mine")
    with pytest.raises(ExportError, match="holds other files"):
        publish_site(demo_county, tmp_path, park_ids=["P05"])
    assert [p.name for p in tmp_path.iterdir()] == ["keep.txt"]


def test_cli_lists_publish(cli):
    result = cli("publish", "--help")
    assert result.returncode == 0 and "--base-url" in result.stdout
    bad = cli("publish", "--out", "x", "--lang", "fr")
    assert bad.returncode == 2 and "language 'fr'" in bad.stderr

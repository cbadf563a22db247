"""Every page, in both languages, as an investor and as staff, shows words for people: no
snake_case code, no command-line flag, no environment-variable name, no server path — in its
text, labels, options and table cells (read through ``AppTest``: tables are drawn on a canvas
a browser scan cannot read)."""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from tests.test_app_pages import ADMIN, PUBLIC, _nodes, _page_paths, open_page
from ui.auth import User

STAFF_PAGES = _page_paths("STAFF_PAGES")
PATTERNS = {
    "snake_case": re.compile(r"(?<![\w./-])[a-z][a-z0-9]*(?:_[a-z0-9]+)+(?![\w/])"),
    "CLI flag": re.compile(r"(?<![\w-])--[a-z][a-z0-9-]+"),
    "CLI command": re.compile(r"\binvestmap\s+[a-z]+"),
    "env var": re.compile(r"\b(?:INVESTMAP_[A-Z_]+|TIANDITU_KEY|STREAMLIT_[A-Z_]+)\b"),
    "server path": re.compile(r"(?:/tmp/|/home/|/srv/|/work/|/usr/|/var/|\.local/state|"
                              r"\.streamlit/|secrets\.toml)"),
}
TEXT_KINDS = ("markdown", "text", "caption", "title", "header", "subheader", "info",
              "warning", "error", "success", "exception", "code", "latex")


@pytest.fixture(autouse=True)
def _env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("INVESTMAP_BASEMAP", "none")
    monkeypatch.setenv("INVESTMAP_STATE_DIR", str(tmp_path / "state"))
    monkeypatch.setenv("INVESTMAP_STORE", str(tmp_path / "store.gpkg"))
    monkeypatch.setenv("INVESTMAP_AS_OF", "2026-07-10")
    monkeypatch.delenv("TIANDITU_KEY", raising=False)
    monkeypatch.delenv("INVESTMAP_DATA", raising=False)
    monkeypatch.delenv("INVESTMAP_DATABASE_URL", raising=False)


def visible_words(at: AppTest) -> list[str]:
    """What a person reads on the page: element texts, widget labels, options and help,
    table headers and cells, metric labels and values (not map data, keys or CSS)."""
    out: list[str] = []
    for node in _nodes(at._tree):
        kind = type(node).__name__.lower()
        value = getattr(node, "value", None)
        if isinstance(value, pd.DataFrame):
            out += [str(c) for c in value.columns] + [str(i) for i in value.index
                                                       if not isinstance(i, int)]
            out += [str(v) for v in value.astype(str).to_numpy().ravel()]
        elif kind in TEXT_KINDS and isinstance(value, str):
            out.append(value)
        for attr in ("label", "help", "options"):
            extra = getattr(node, attr, None)
            if isinstance(extra, str):
                out.append(extra)
            elif isinstance(extra, list | tuple):
                out += [str(x) for x in extra]
        if kind == "metric":
            out.append(str(getattr(node, "value", "")))
    return out


def problems(at: AppTest) -> list[str]:
    found = []
    for text in visible_words(at):
        for name, pattern in PATTERNS.items():
            match = pattern.search(text)
            if match:
                found.append(f"{name}: {match.group(0)!r} in {text[:120]!r}")
    return sorted(set(found))


def _open(page: str, lang: str, user: User | None = None) -> AppTest:
    return open_page(page, user=user, lang=lang, timeout=180)


def test_the_scan_finds_what_it_looks_for():
    at = AppTest.from_string("""
import streamlit as st
st.caption("用 investmap load --as-of 登记")
st.info("set INVESTMAP_TILES and restart; file /tmp/x/a.geojson")
st.dataframe({"parcel_id": ["li_salt"]})
""").run()
    kinds = {p.split(":")[0] for p in problems(at)}
    assert kinds == {"snake_case", "CLI flag", "CLI command", "env var", "server path"}


@pytest.mark.parametrize("lang", ["zh", "en"])
@pytest.mark.parametrize("page", PUBLIC)
def test_investor_pages_speak_words(page, lang):
    assert problems(_open(page, lang)) == []


@pytest.mark.parametrize("lang", ["zh", "en"])
@pytest.mark.parametrize("page", [*PUBLIC, *STAFF_PAGES])
def test_staff_pages_speak_words(page, lang):
    assert problems(_open(page, lang, ADMIN)) == []

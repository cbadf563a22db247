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
def test_finder_shows_sites_as_cards_that_zoom_and_compare(lang):
    at = AppTest.from_file(APP, default_timeout=180)
    at.session_state["auth_user"] = ADMIN
    at.session_state["finder_area"] = (60.0, 120.0)  # widget state set before the run: the
    at.session_state["finder_assemble"] = True       # page reads it as a user's choice
    at.run()
    at.session_state["lang"] = lang  # after the first page: its basemap box keeps zh labels
    at.switch_page("ui/finder_page.py").run()
    assert not at.exception, [e.value for e in at.exception]
    heads = [m.value for m in at.markdown if m.value.startswith("**第 " if lang == "zh"
                                                                  else "**No. ")]
    assert heads[:2] == (["**第 1 名** · " + heads[0].split(" · ", 1)[1],
                          "**第 2 名** · " + heads[1].split(" · ", 1)[1]] if lang == "zh" else
                         ["**No. 1** · " + heads[0].split(" · ", 1)[1],
                          "**No. 2** · " + heads[1].split(" · ", 1)[1]])
    assert not any(re.search(r"\bS\d{5}\b", m.value) for m in at.markdown)  # no raw ids
    sep = "、" if lang == "zh" else ", "
    assert any(sep in c.value and "QF-" in c.value for c in at.caption)  # assembled parcels
    facts = [m.value for m in at.markdown if ("亩 · " if lang == "zh" else "mu · ") in m.value]
    mu = [float(f.split(" ")[0].replace(",", "")) for f in facts]
    assert mu and all(60 <= x <= 120 for x in mu)
    zoom = [b for b in at.button if b.label == ("在地图上查看" if lang == "zh" else
                                               "Show on the map")]
    assert len(zoom) == len(heads)
    zoom[1].click().run()
    assert any(("已定位到第 2 名" if lang == "zh" else "site No. 2") in c.value
               for c in at.caption)
    ticks = [c for c in at.checkbox if c.key and c.key.startswith("site_compare_")]
    ticks[0].check().run()
    ticks = [c for c in at.checkbox if c.key and c.key.startswith("site_compare_")]
    ticks[2].check().run()
    table = at.table[0].value
    assert list(table.columns) == (["第 1 名", "第 3 名"] if lang == "zh" else ["No. 1", "No. 3"])
    assert all(not SNAKE.match(str(i)) for i in table.index)
    tables = [d.value for d in at.dataframe]
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


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_finder_compares_two_to_four_parcels_side_by_side(lang):
    at = AppTest.from_file(APP, default_timeout=180)
    at.session_state["lang"] = lang
    at.run()
    at.switch_page("ui/finder_page.py").run()
    box = at.multiselect(key="finder_compare")
    ids = box.options[:3]
    box.set_value(ids).run()
    assert not at.exception, [e.value for e in at.exception]
    table = at.table[0].value
    assert list(table.columns) == ids
    rows = list(table.index)
    assert rows[:4] == (["面积", "用地性质", "出让价", "容积率"] if lang == "zh"
                        else ["Area", "Land use", "Price", "FAR"])
    assert all(not SNAKE.match(str(r)) for r in rows)
    assert not table.isin(["None", "nan", "NaT"]).any().any()

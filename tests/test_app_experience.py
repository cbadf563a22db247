"""Issue 20 (and issue 13 item 5): Markdown-safe data, land-use matching both ways, the
finder's empty-result hint, URL state (language, parcel card, login token, staff URL →
login → page), investor maps without stalled/lost projects, a legend that follows the
colouring, and the staff map's flags."""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pytest
import shapely
from streamlit.testing.v1 import AppTest

from geo.land_use import combine, matches
from ui.auth import User
from ui.session import SessionSettings, share_url, sign, verify
from ui.text import md_escape

APP = str(Path(__file__).resolve().parents[1] / "app.py")
ADMIN = User("admin", "admin", "管理员（演示）")


@pytest.fixture(autouse=True)
def _offline(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("INVESTMAP_BASEMAP", "none")
    monkeypatch.setenv("INVESTMAP_STATE_DIR", str(tmp_path))
    monkeypatch.setenv("INVESTMAP_AS_OF", "2026-11-22")
    monkeypatch.setenv("INVESTMAP_SESSION_SECRET", "test-secret")
    monkeypatch.delenv("TIANDITU_KEY", raising=False)


# -- Markdown ------------------------------------------------------------------------------

@pytest.mark.parametrize("hostile", ["[领取补贴](https://evil.example)",
                                     "![x](http://host/beacon)", "<img src=x onerror=1>",
                                     "**bold** _i_ `code` # h", ":red[x] $x$ ~~s~~"])
def test_md_escape_leaves_no_markdown_syntax(hostile):
    escaped = md_escape(hostile)
    unescaped = re.findall(r"(?<!\\)[\[\]()!*_`#:$~<>]", escaped)
    assert unescaped == [], escaped  # CommonMark: a backslash-escaped punctuation is literal
    assert re.sub(r"\\(.)", r"\1", escaped).replace("&lt;", "<").replace("&gt;", ">") \
        .replace("&amp;", "&") == hostile  # and reads as typed


def test_card_title_shows_a_hostile_parcel_id_as_text():
    script = """
import streamlit as st
from webmap.card import ParcelCard
from ui.common import show_card
st.session_state.setdefault("lang", "zh")
show_card(ParcelCard(parcel_id="[领取补贴](https://evil.example)", park="园区",
                     facts=[], available=None, reasons=[], conflicts=[]), audience="investor")
"""
    at = AppTest.from_string(script, default_timeout=60)
    at.run()
    assert not at.exception
    title = at.subheader[0].value
    assert "\\[领取补贴\\]\\(https\\://evil\\.example\\)" in title


# -- land use and the finder ---------------------------------------------------------------

def test_land_use_matches_parents_and_children_both_ways():
    codes = np.array(["1001", "100101", "100102", "1101", None], dtype=object)
    assert matches(codes, ["1001"]).tolist() == [True, True, True, False, False]
    assert matches(codes, ["100102"]).tolist() == [True, False, True, False, False]
    assert combine(["1001"], ["100102"]) == ("100102",)
    assert combine(["100102"], ["1001"]) == ("100102",)
    assert combine(["1101"], ["100102"]) == ()


def _finder(at_setup=None) -> AppTest:  # noqa: ANN001
    at = AppTest.from_file(APP, default_timeout=180)
    at.query_params["lang"] = "zh"
    at.run()
    at.switch_page("ui/finder_page.py").run()
    return at


def test_parent_land_use_with_a_segment_does_not_empty_the_finder():
    at = _finder()
    segment = at.selectbox(key="finder_segment")
    wanted = next(o for o in segment.options if "正极材料" in o)
    at.selectbox(key="finder_segment").select_index(segment.options.index(wanted)).run()
    alone = len(at.dataframe[0].value)
    assert alone > 0
    at.multiselect(key="finder_land_use").select("1001").run()
    assert len(at.dataframe[0].value) == alone  # the segment's 三类工业 is a child of 1001


def test_empty_finder_names_the_filters_to_relax():
    at = _finder()
    at.multiselect(key="finder_land_use").select("0701").run()  # no offerable homes here
    assert at.dataframe[0].value.empty
    hint = at.warning[0].value
    assert "用地性质" in hint and "可得" in hint


# -- URL state -----------------------------------------------------------------------------

def test_token_round_trip_expiry_and_tampering():
    config = SessionSettings(hours=1, secret=b"k")
    accounts = {"admin": (ADMIN, b"")}
    token = sign(ADMIN, now=1000.0, config=config)
    assert verify(token, now=1000.0 + 3599, config=config, accounts=accounts) == ADMIN
    assert verify(token, now=1000.0 + 3600, config=config, accounts=accounts) is None
    forged = token.replace(".admin.", ".planner.")
    assert verify(forged, now=1001.0, config=config, accounts=accounts) is None
    other_key = SessionSettings(hours=1, secret=b"other")
    assert verify(token, now=1001.0, config=other_key, accounts=accounts) is None
    assert verify(token, now=1001.0, config=config, accounts={}) is None  # account removed


def test_share_url_carries_view_and_language_but_never_the_token():
    url = share_url("https://invest.example.cn/map", lang="en", parcel="QF-0003", park=None)
    assert url == "https://invest.example.cn/?lang=en&parcel=QF-0003"  # the root: a page


def test_language_login_and_staff_url_survive_a_refresh():
    at = AppTest.from_file(APP, default_timeout=180)
    at.query_params["lang"] = "en"
    at.run()
    assert at.query_params["lang"] == ["en"] or at.query_params["lang"] == "en"
    at.switch_page("ui/pipeline_page.py").run()
    assert [x.value for x in at.title] == ["Staff login"]  # not "Page not found"
    at.switch_page("ui/login_page.py").run()  # the browser's URL after the redirect
    at.text_input(key="login_name").input("admin")
    at.text_input(key="login_password").input("admin-demo")
    at.button[0].click().run()
    assert [x.value for x in at.title] == ["Project tracking"]  # back to the wanted page
    token = at.query_params["s"]
    token = token[0] if isinstance(token, list) else token
    fresh = AppTest.from_file(APP, default_timeout=180)  # a refresh: a new session
    fresh.query_params["lang"] = "en"
    fresh.query_params["s"] = token
    fresh.run()
    fresh.switch_page("ui/efficiency_page.py").run()
    assert [x.value for x in fresh.title] == ["Output per mu"]
    stale = AppTest.from_file(APP, default_timeout=180)
    stale.query_params["s"] = token[:-2] + "xx"
    stale.run()
    assert "auth_user" not in stale.session_state


def test_parcel_in_the_url_opens_its_card_and_centres_the_map(demo_county):
    from layers.supply import availability

    av = availability(demo_county)
    pid = str(av.loc[av["available"], "parcel_id"].iloc[0])
    at = AppTest.from_file(APP, default_timeout=180)
    at.query_params["lang"] = "en"
    at.query_params["parcel"] = pid
    at.run()
    assert not at.exception
    assert at.subheader[0].value == f"Parcel {md_escape(pid)}"
    assert any(pid in c.value for c in at.code)  # the share link
    args = _map_args(at)
    parcel = demo_county["parcel"]
    west, south, east, north = parcel[parcel["parcel_id"] == pid].to_crs(4326).total_bounds
    (s, w), (n, e) = json.loads(args["script"].split("fitBounds(")[1].split(",\n")[0]
                                .split(", {")[0].replace("\n", ""))
    assert w < west and e > east and s < south and n > north
    assert (e - w) < 0.05  # a parcel's neighbourhood, not the county


def _map_args(at: AppTest) -> dict:
    def walk(node):  # noqa: ANN001, ANN202
        yield node
        for child in (getattr(node, "children", None) or {}).values():
            yield from walk(child)

    maps = [n for n in walk(at._tree) if type(n).__name__ == "UnknownElement"
            and n.type == "component_instance"]
    return json.loads(maps[0].proto.json_args)


# -- map content ---------------------------------------------------------------------------

def test_investor_map_has_no_stalled_or_lost_projects(demo_county):
    from webmap.builder import prepare

    investor = prepare(demo_county, audience="investor", lang="zh")
    staff = prepare(demo_county, audience="staff", lang="zh")
    stages = set(investor.layers["project"].raw["stage"])
    assert not stages & {"stalled", "lost"}
    assert {"stalled", "lost"} & set(staff.layers["project"].raw["stage"])


@pytest.mark.parametrize(("mode", "lang", "title", "item"), [
    ("status", "zh", "地块：供地状态", "可供应"),
    ("chain", "en", "Parcels: industry chain", "No chain project"),
])
def test_legend_follows_colouring_and_language(demo_county, mode, lang, title, item):
    from webmap.builder import build_map

    page = build_map(demo_county, lang=lang, basemap="none", style_mode=mode).get_root().render()
    legend = page.split('class="investmap-legend"')[1].split("</details>")[0]
    assert title in legend and item in legend
    other = {"status": "产业链", "chain": "Supply status"}[mode]
    assert other not in legend


def test_exported_map_popups_carry_the_card_facts_and_only_offerable_parcels(demo_county):
    from layers.supply import availability
    from webmap.builder import POPUP_FIELDS, build_map

    av = availability(demo_county)
    page = build_map(demo_county, lang="zh", basemap="none").get_root().render()
    assert all(f'"{f}"' in page for f in POPUP_FIELDS["parcel"])
    not_offered = av.loc[~av["available"], "parcel_id"].astype(str)
    assert not [p for p in not_offered if f'"parcel_id": "{p}"' in page]
    offered = av.loc[av["available"], "parcel_id"].astype(str)
    assert any(f'"parcel_id": "{p}"' in page for p in offered[:20])


def test_staff_map_rings_flagged_projects(demo_county):
    from webmap.builder import build_parts, prepare
    from webmap.display import Viewport

    data = prepare(demo_county, audience="staff", lang="zh")
    county_view = Viewport.covering(data.bounds(), width_px=600, height_px=500)
    flagged = data.layers["project"].ids[:3].tolist()
    parts = build_parts(data, basemap="none", layers=("park", "project"),
                        viewport=county_view, flag_ids=flagged)
    assert parts.counts["flagged"].shown == 3
    assert "project" not in parts.counts  # below zoom 13 the other projects wait


# -- click → card, shared views of the chain and efficiency pages ---------------------------

def test_a_map_click_shows_its_card_and_outlines_the_parcel_in_the_same_run(demo_county):
    """The clicked point is looked up on the server (the tiles are painted on canvas); the
    card is read from the map widget's state before the map is drawn (so it goes out
    first); the same run already outlines the clicked parcel on the map."""
    from ui import state
    from webmap.basemaps import display_coords

    data = state.map_data("investor", "zh", display_coords("none"))
    pid = state.offerable_ids()[7]  # investors see the parcels on offer
    layer = data.layers["parcel"]
    inside = shapely.point_on_surface(layer.geoms[layer.position[pid]])
    at = AppTest.from_file(APP, default_timeout=180)
    at.query_params["lang"] = "zh"
    at.run()
    assert at.info[0].value == "点击地块查看详情。"  # no card yet
    before = _map_args(at)["feature_group"] or ""
    at.session_state["map_main"] = {"last_clicked": {"lat": inside.y, "lng": inside.x}}
    at.run()
    assert not at.exception
    assert at.subheader[0].value == f"地块 {md_escape(pid)}"
    after = _map_args(at)["feature_group"]

    def drawn(overlays: str) -> list[str]:  # the tiles' delta overlay draws nothing: aside
        return [g for g in overlays.split("L.featureGroup(")[1:] if "investmapDelta" not in g]

    groups = drawn(after)
    # the selection's overlay, empty before the click, now holds the outline (on top)
    assert len(groups) == len(drawn(before)) and '"i": ' not in before
    assert groups[-1].count('"i": ') == 1
    assert f'"i": {layer.position[pid]}' in groups[-1]


def test_clicks_find_the_parcel_under_the_point_among_those_shown(demo_county):
    from ui.mapview import parcel_at
    from webmap.builder import prepare

    data = prepare(demo_county, audience="investor", lang="zh")
    layer = data.layers["parcel"]
    pid = str(layer.ids[0])
    inside = shapely.point_on_surface(layer.geoms[0])
    park = str(layer.raw.loc[0, "park_id"])

    def click(point):  # noqa: ANN001, ANN202
        return {"last_clicked": {"lat": point.y, "lng": point.x}}

    assert parcel_at(click(inside), data) == pid
    assert parcel_at(click(inside), data, park_ids=[park]) == pid
    assert parcel_at(click(inside), data, park_ids=["no-such-park"]) is None  # not shown
    assert parcel_at(click(inside), data, parcel_ids=["other"]) is None
    west, south, _east, _north = data.bounds()
    assert parcel_at(click(shapely.Point(west - 1, south - 1)), data) is None  # nothing there
    assert parcel_at({"last_clicked": None}, data) is None
    assert parcel_at(None, data) is None and parcel_at("x", data) is None


def test_bounds_of_features_in_display_degrees(demo_county):
    from webmap.builder import prepare

    data = prepare(demo_county, audience="staff", lang="zh")
    parcels = demo_county["parcel"]
    pids = parcels["parcel_id"].astype(str).iloc[[3, 40]].tolist()
    expected = parcels[parcels["parcel_id"].astype(str).isin(pids)].to_crs(4326).total_bounds
    assert np.allclose(data.bounds_of("parcel", pids), expected, atol=1e-9)
    assert data.bounds_of("parcel", ["no-such-parcel"]) is None
    assert data.bounds_of("no-such-layer", pids) is None


def test_chain_page_view_comes_from_and_goes_to_the_url():
    at = AppTest.from_file(APP, default_timeout=180)
    at.query_params["lang"] = "zh"
    at.run()
    at.switch_page("ui/chains_page.py").run()
    options = at.selectbox(key="chain_id").options
    assert len(options) >= 2
    from ui import state

    catalog = state.chain_catalog()
    second = catalog.chains[1].chain_id
    parks = state.county()["park"]["park_id"].tolist()
    shared = AppTest.from_file(APP, default_timeout=180)
    shared.query_params["lang"] = "zh"
    shared.query_params["chain"] = second
    shared.query_params["park"] = parks[0]
    shared.run()
    shared.switch_page("ui/chains_page.py").run()
    assert shared.selectbox(key="chain_id").value == second
    assert shared.selectbox(key="chain_park").value == parks[0]
    first = catalog.chains[0].chain_id
    shared.selectbox(key="chain_id").set_value(first).run()
    assert _param(shared, "chain") == first and _param(shared, "park") == parks[0]
    unknown = AppTest.from_file(APP, default_timeout=180)
    unknown.query_params["chain"] = "no-such-chain"
    unknown.run()
    unknown.switch_page("ui/chains_page.py").run()
    assert not unknown.exception
    assert unknown.selectbox(key="chain_id").value == first  # the default, no error


@pytest.mark.parametrize(("given", "shown", "kept"), [
    ("2025-12-31", "2025-12-31", "2025-12-31"),
    ("31/12/2025", "2026-11-22", None),  # not a date: the default (INVESTMAP_AS_OF), no error
])
def test_efficiency_date_comes_from_and_goes_to_the_url(given, shown, kept):
    from ui.session import sign

    at = AppTest.from_file(APP, default_timeout=180)
    at.query_params["s"] = sign(ADMIN)
    at.query_params["as_of"] = given
    at.run()
    at.switch_page("ui/efficiency_page.py").run()
    assert not at.exception
    assert str(at.date_input(key="eff_as_of").value) == shown
    assert _param(at, "as_of") == kept


def _param(at: AppTest, name: str) -> str | None:
    value = at.query_params.get(name)
    return (value[0] if isinstance(value, list) else value) if value else None

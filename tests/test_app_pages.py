"""Every page of the Streamlit app through ``AppTest`` (no browser): it runs without an
exception, shows its key widgets, and investor mode never renders confidential data."""

from __future__ import annotations

import ast
import json
import re
from pathlib import Path

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from layers.registry import LAYERS
from ui.auth import User

APP = str(Path(__file__).resolve().parents[1] / "app.py")


def _page_paths(name: str) -> tuple[str, ...]:
    """Script paths of the PageDefs assigned to ``name`` in app.py (read, not imported:
    importing app.py would run the app)."""
    tree = ast.parse(Path(APP).read_text(encoding="utf-8"))
    for node in tree.body:
        target = node.target if isinstance(node, ast.AnnAssign) else (
            node.targets[0] if isinstance(node, ast.Assign) else None)
        if isinstance(target, ast.Name) and target.id == name:
            calls = [n for n in ast.walk(node.value) if isinstance(n, ast.Call)]
            return tuple(c.args[0].value for c in calls if c.args)
    raise KeyError(name)


PUBLIC = (*_page_paths("PUBLIC_PAGES"), *_page_paths("LOGIN_PAGE"))
STAFF = ("ui/efficiency_page.py", "ui/pipeline_page.py")
ADMIN = User("admin", "admin", "管理员")


@pytest.fixture(autouse=True)
def _offline(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("INVESTMAP_BASEMAP", "none")
    monkeypatch.setenv("INVESTMAP_STATE_DIR", str(tmp_path))
    monkeypatch.setenv("INVESTMAP_AS_OF", "2026-11-22")
    monkeypatch.delenv("TIANDITU_KEY", raising=False)


def open_page(page: str, *, user: User | None = None, lang: str = "zh",
              timeout: float = 120) -> AppTest:
    """Run the app as ``user`` (``None``: an investor) in ``lang`` and switch to ``page``
    (a script path of app.py's page lists); no exception allowed."""
    at = AppTest.from_file(APP, default_timeout=timeout)
    at.session_state["lang"] = lang
    if user is not None:
        at.session_state["auth_user"] = user
    at.run()
    if page != "ui/map_page.py":
        at.switch_page(page).run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def _nodes(node):  # noqa: ANN001, ANN202
    yield node
    children = getattr(node, "children", None)
    if isinstance(children, dict):
        for child in children.values():
            yield from _nodes(child)


def rendered_text(at: AppTest) -> str:
    """Everything the page sends to the browser, as text: element values, labels, options,
    table headers and cells, and the map component's arguments (GeoJSON, tooltips)."""
    parts: list[str] = []
    for node in _nodes(at._tree):
        value = getattr(node, "value", None)
        if isinstance(value, pd.DataFrame):
            parts.append(" ".join(map(str, value.columns)))
            parts.append(value.to_csv(index=False))
        elif value is not None and not callable(value):
            parts.append(str(value))
        for attr in ("label", "options", "help", "body"):
            extra = getattr(node, attr, None)
            if extra is not None and not callable(extra):
                parts.append(str(extra))
        if type(node).__name__ == "UnknownElement":
            if node.type == "component_instance":
                args = json.loads(node.proto.json_args)
                parts.append(json.dumps(args, ensure_ascii=False))
            else:
                parts.append(str(node.proto))
    return "\n".join(parts)


def confidential_needles(county) -> list[str]:  # noqa: ANN001
    """Names of columns confidential in every layer that has them, and demo values of
    confidential columns (notes "内部：…", responsible officers, enterprise figures)."""
    public = {c for spec in LAYERS.values() for c in spec.public_columns}
    names = {c for spec in LAYERS.values() for c in spec.confidential_columns} - public
    needles = sorted(names) + ["内部："]
    for layer, spec in LAYERS.items():
        frame = county.layers.get(layer)
        for column in spec.confidential_columns:
            if frame is None or column not in frame:
                continue
            values = frame[column].dropna()
            needles += [v for v in values.unique()[:50] if isinstance(v, str) and len(v) >= 4]
    return needles


def test_every_public_page_is_scanned():
    assert {"ui/map_page.py", "ui/finder_page.py", "ui/chains_page.py",
            "ui/login_page.py"} <= set(PUBLIC)


@pytest.mark.parametrize("page", PUBLIC)
def test_investor_pages_show_no_confidential_column_or_value(page, demo_county):
    text = rendered_text(open_page(page))
    hits = [n for n in confidential_needles(demo_county)
            if re.search(rf"(?<![A-Za-z_]){re.escape(n)}(?![A-Za-z_])", text)]
    assert hits == []


def test_needles_do_find_confidential_data_in_staff_mode(demo_county):
    text = rendered_text(open_page("ui/pipeline_page.py", user=ADMIN))
    assert "内部：" in text and "责任人" in text  # the owner column, by its label


def _largest(demo_county, mask) -> str:  # noqa: ANN001 - the largest is never left out
    parcels = demo_county["parcel"][mask]
    return str(parcels.loc[parcels["area_mu"].idxmax(), "parcel_id"])


def test_map_page_widgets_and_map(demo_county):
    from layers.supply import availability

    offered = _largest(demo_county, availability(demo_county)["available"])
    parcels, plots = demo_county["parcel"], set(demo_county["redline"]["parcel_id"].dropna())
    transferred = _largest(demo_county, (parcels["status"] == "transferred")
                           & ~parcels["parcel_id"].isin(plots))  # no red line names it
    at = open_page("ui/map_page.py")
    assert at.markdown[0].value.startswith("#### 招商地图")  # compact: the map on screen one
    assert at.selectbox(key="map_basemap").value == "none"
    assert at.radio(key="map_style").options == ["供地状态", "产业链"]
    assert at.multiselect(key="map_parks") is not None
    maps = [n for n in _nodes(at._tree) if type(n).__name__ == "UnknownElement"
            and n.type == "component_instance"]
    assert len(maps) == 1
    args = json.loads(maps[0].proto.json_args)
    assert "/app/static/vendor/leaflet/leaflet.js" in args["js_links"]
    assert not [u for u in args["js_links"] + args["css_links"] if "://" in u]
    assert "/app/static/vendor/protomaps-leaflet/protomaps-leaflet.js" in args["js_links"]
    assert at.checkbox(key="map_offerable").value is True
    # parcels come from the tiles (every parcel), filtered in the browser by their offer
    # code: the page sends no parcel geometry and no per-view overlay
    assert re.search(r'"url": "/app/static/tiles/vector/county-wgs84-\w+\.pmtiles"',
                     args["script"])
    assert '"offer_only": true' in args["script"]
    assert f'"{offered}"' not in args["script"]
    # the one overlay is the selected parcel's outline, empty before a click
    assert '"Feature"' not in (args["feature_group"] or "")
    at.checkbox(key="map_offerable").uncheck().run()
    assert '"offer_only": false' in _map_args(at)["script"]
    assert transferred not in _map_args(at)["script"]


def _map_args(at: AppTest) -> dict:
    maps = [n for n in _nodes(at._tree) if type(n).__name__ == "UnknownElement"
            and n.type == "component_instance"]
    assert len(maps) == 1
    return json.loads(maps[0].proto.json_args)


def test_staff_map_offers_efficiency_styling():
    at = open_page("ui/map_page.py", user=ADMIN)
    assert "亩均评价等级" in at.radio(key="map_style").options
    at.radio(key="map_style").set_value("亩均评价等级").run()
    assert not at.exception


def test_language_switch_changes_titles():
    at = open_page("ui/map_page.py")
    at.radio(key="lang_switch").set_value("en").run()
    assert at.markdown[0].value.startswith("#### Investment map")
    assert "No basemap (offline)" in at.selectbox(key="map_basemap").options


def test_tianditu_without_key_is_not_offered():
    at = open_page("ui/map_page.py")
    options = at.selectbox(key="map_basemap").options
    assert not [o for o in options if "天地图" in o or "密钥" in o], options
    assert "无底图（离线）" in options


def test_finder_filters_change_the_table():
    at = open_page("ui/finder_page.py")
    assert at.title[0].value == "地块查询"
    for key in ("finder_parks", "finder_land_use", "finder_status", "finder_utilities"):
        assert at.multiselect(key=key) is not None
    assert at.slider(key="finder_area") is not None
    assert at.selectbox(key="finder_segment") is not None

    def count(app: AppTest) -> int:
        line = next(m.value for m in app.markdown if "符合条件的地块" in m.value)
        return int(re.search(r"([\d,]+) 个", line).group(1).replace(",", ""))

    base = count(at)
    at.checkbox(key="finder_clean").uncheck().run()
    assert count(at) > base
    at.multiselect(key="finder_parks").set_value(["P01"]).run()
    table = at.dataframe[0].value
    assert set(table["所属园区"]) == {"青峰高新技术产业开发区"}
    at.multiselect(key="finder_utilities").set_value(["gas", "heat"]).run()
    with_gas = at.dataframe[0].value
    assert 0 < len(with_gas) < len(table)
    assert with_gas["七通一平"].str.contains("通燃气").all()
    assert with_gas["七通一平"].str.contains("通热力").all()
    downloads = at.get("download_button")
    assert len(downloads) == 2


def test_finder_chain_fit_keeps_the_segment_land_need(demo_county):
    at = open_page("ui/finder_page.py")
    at.selectbox(key="finder_segment").set_value("cell").run()
    table = at.dataframe[0].value
    assert len(table) > 0
    assert table["面积(亩)"].between(150, 600).all()


def test_chains_page_widgets_and_investor_columns():
    at = open_page("ui/chains_page.py")
    assert at.selectbox(key="chain_id").value == "battery"
    assert len(at.get("image")) == 1
    segment_table, worklist = at.dataframe[0].value, at.dataframe[1].value
    assert "评价" in segment_table and "tax_wan" not in segment_table
    # investor words (issue 20 item 5), not the team's 补链/强链
    words = {"优势环节", "已有布局", "重点培育", "招商机会", "延伸方向"}
    assert set(segment_table["评价"]) <= words
    assert "目标企业" not in worklist and "综合得分" not in worklist
    at.selectbox(key="chain_park").set_value("P01").run()
    assert not at.exception


def test_chains_page_staff_sees_targets():
    at = open_page("ui/chains_page.py", user=ADMIN)
    assert "目标企业" in at.dataframe[1].value


@pytest.mark.parametrize("user", [None, ADMIN], ids=["investor", "staff"])
@pytest.mark.parametrize("lang, segment, verdict", [("zh", "产业链环节", "评价"),
                                                    ("en", "Chain segment", "Verdict")])
def test_chains_page_verdict_follows_the_segment(user, lang, segment, verdict):
    """Both chain tables start with the segment and its verdict: on a 390 px phone they
    are what shows before a swipe (staff in Chinese used to get no 评价 column at all)."""
    at = open_page("ui/chains_page.py", user=user, lang=lang)
    for table in (at.dataframe[0].value, at.dataframe[1].value):
        assert list(table.columns[:2]) == [segment, verdict]
        assert table[verdict].ne("").all() and table[verdict].notna().all()


@pytest.mark.parametrize("page", STAFF)
def test_staff_page_url_opens_the_login_for_investors(page):
    at = AppTest.from_file(APP, default_timeout=120).run()
    at.switch_page(page).run()  # no "Page not found": the login, then the page
    assert [t.value for t in at.title] == ["工作人员登录"] and len(at.dataframe) == 0
    assert at.session_state["after_login"] == Path(page).stem.removesuffix("_page")


@pytest.mark.parametrize("page", STAFF)
def test_staff_page_refuses_without_login(page):
    at = AppTest.from_file(str(Path(APP).parent / page), default_timeout=120).run()
    assert [e.value for e in at.error] == ["此页面仅限工作人员 / Staff only"]
    assert len(at.dataframe) == 0


def test_efficiency_page_for_staff():
    at = open_page("ui/efficiency_page.py", user=ADMIN)
    assert at.title[0].value == "亩均评价"
    assert [m.label for m in at.metric] == ["A 类", "B 类", "C 类", "D 类", "T 类"]
    ranking = at.dataframe[0].value
    assert {"综合得分", "排名", "等级", "企业名称"} <= set(ranking.columns)
    assert set(ranking["等级"]) <= {"A", "B", "C", "D", "T"}
    assert len(at.dataframe) == 3


def test_pipeline_page_for_staff():
    at = open_page("ui/pipeline_page.py", user=ADMIN)
    assert at.title[0].value == "项目挂图作战"
    assert [m.label for m in at.metric][:3] == ["项目总数", "签约率", "开工率"]
    rates = next(d.value for d in at.dataframe if "按园区" in d.value)
    assert "青峰高新技术产业开发区" in set(rates["按园区"])
    owners = next(d.value for d in at.dataframe if "责任人" in d.value and "项目数" in d.value)
    assert owners["项目数"].sum() == owners["逾期"].sum() + owners["停滞/流失"].sum()
    at.radio(key="pipe_by").set_value("chain_id").run()
    assert any({"按产业链", "签约率", "履约率"} <= set(d.value.columns) for d in at.dataframe)


def test_login_page_wrong_then_right_password():
    at = open_page("ui/login_page.py")
    at.text_input(key="login_name").input("planner")
    at.text_input(key="login_password").input("wrong")
    at.button[0].click().run()
    assert [e.value for e in at.error] == ["用户名或密码错误。"]
    assert "auth_user" not in at.session_state
    at.text_input(key="login_name").input("planner")
    at.text_input(key="login_password").input("planner-demo")
    at.button[0].click().run()
    assert at.session_state["auth_user"].role == "planner"
    assert any("工作人员模式" in c.value for c in at.sidebar.caption)

"""The staff edit page through ``AppTest``: roles, a saved edit, a refused stale edit."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from layers.store import open_store
from tests import store_county as county
from ui.auth import User

APP = str(Path(__file__).resolve().parents[1] / "app.py")
PAGE = "ui/edit_page.py"


@pytest.fixture
def store_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    path = str(tmp_path / "store.gpkg")
    with open_store(path) as store:
        county.fill(store)
    monkeypatch.setenv("INVESTMAP_STORE", path)
    monkeypatch.delenv("INVESTMAP_DATABASE_URL", raising=False)
    monkeypatch.setenv("INVESTMAP_BASEMAP", "none")
    monkeypatch.setenv("INVESTMAP_STATE_DIR", str(tmp_path))
    yield path
    # this store's county, its revisions and its tile publisher stay in the process
    # otherwise: a later test on the demo would get a delta archive against this county
    from ui import state

    state.reload_data()
    state._PUBLISHERS.clear()
    state._SHOWN.clear()


def open_edit(user: User | None) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=120)
    if user is not None:
        at.session_state["auth_user"] = user
    at.run()
    at.switch_page(PAGE).run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def _save(at: AppTest, value: str, reason: str) -> AppTest:
    at.selectbox(key="edit_id_parcel").set_value("B").run()
    form_box = [s for s in at.selectbox if s.label == "新值"][0]
    form_box.set_value(value)
    [t for t in at.text_input if t.label.startswith("修改原因")][0].input(reason)
    return [b for b in at.button if b.label == "保存"][0].click().run()


def test_investor_is_refused(store_path):
    at = AppTest.from_file(APP, default_timeout=120)
    at.run()
    at.switch_page(PAGE).run()  # the URL resolves, to the login page (issue 20 item 3)
    assert [x.value for x in at.title] == ["工作人员登录"] and not at.selectbox
    direct = AppTest.from_file(str(Path(APP).parent / PAGE), default_timeout=120).run()
    assert any("Staff only" in e.value for e in direct.error)
    assert not direct.selectbox


def test_planner_saves_a_status_and_sees_history(store_path):
    at = _save(open_edit(User("planner", "planner", "规划")), "reserved", "洽谈开始")
    assert not at.exception
    assert any("新版本 2" in s.value for s in at.success)
    with open_store(store_path) as store:
        assert store.get("parcel", "B").values["status"] == "reserved"
        assert store.history("parcel", "B")[-1].user == "planner"
    options = [s for s in at.selectbox if s.label == "新值"][0].options
    assert "已投产" not in options and "已出让" in options


def test_stale_page_is_refused_with_the_newer_value(store_path):
    at = open_edit(User("planner", "planner", "规划"))
    at.selectbox(key="edit_id_parcel").set_value("B").run()
    with open_store(store_path) as store:
        store.edit("parcel", "B", {"notes": "已有意向企业"}, user="bob", role="planner",
                   reason="备注")
    at = _save(at, "reserved", "洽谈开始")
    assert any("最新版本 2" in e.value and "供地状态 = 可供应" in e.value for e in at.error), [
        e.value for e in [*at.error, *at.info, *at.success]]
    with open_store(store_path) as store:
        feature = store.get("parcel", "B")
        assert (feature.version, feature.values["status"]) == (2, "available")


def test_promoter_edits_projects_not_parcels(store_path):
    at = open_edit(User("promoter", "promoter", "招商"))
    layers = at.selectbox(key="edit_layer").options
    assert "地块" not in layers and "项目" in layers


def test_the_map_reads_the_store_the_edit_page_writes(store_path, monkeypatch):
    from layers.county import load_county
    from ui.state import data_location

    monkeypatch.delenv("INVESTMAP_DATA", raising=False)
    assert data_location() == store_path
    at = _save(open_edit(User("planner", "planner", "规划")), "reserved", "洽谈开始")
    assert any("新版本 2" in s.value for s in at.success)
    parcels = load_county(data_location())["parcel"].set_index("parcel_id")
    assert parcels.at["B", "status"] == "reserved"
    monkeypatch.setenv("INVESTMAP_DATA", "/elsewhere/county.gpkg")
    assert data_location() == "/elsewhere/county.gpkg"
    monkeypatch.delenv("INVESTMAP_DATA")
    monkeypatch.setenv("INVESTMAP_STORE", store_path + ".missing")
    assert data_location() is None  # no store yet: the embedded demo


def test_a_save_patches_the_shown_county_instead_of_reloading_it(store_path, monkeypatch):
    import pandas as pd

    from layers.county import load_county
    from layers.supply import availability
    from ui import state

    monkeypatch.delenv("INVESTMAP_DATA", raising=False)
    at = open_edit(User("planner", "planner", "规划"))
    before, shown = state.revision(), state._shown(store_path)
    before.availability()  # judged, as the page's map has it: the patch carries it over
    was = before.county["parcel"].set_index("parcel_id").at["B", "status"]
    drawn = state.map_data("staff", "zh", "wgs84")  # the page's map (no basemap)
    at = _save(at, "reserved", "洽谈开始")
    assert any("新版本 2" in s.value for s in at.success)
    after = state.revision()
    assert state._shown(store_path) is shown and after.number > before.number  # no reload
    assert before.county["parcel"].set_index("parcel_id").at["B", "status"] == was
    full = load_county(store_path, cache=False)
    pd.testing.assert_frame_equal(after.county["parcel"], full["parcel"])
    pd.testing.assert_frame_equal(after.availability(), availability(full))
    again = state.map_data("staff", "zh", "wgs84")  # prepared from the previous one
    assert again is not drawn and again.layers["parcel"].tree is drawn.layers["parcel"].tree
    row = again.layers["parcel"].position["B"]
    assert again.layers["parcel"].props.at[row, "status_label"] == "意向/洽谈"
    assert state.offerable_ids() == tuple(
        availability(full).query("available")["parcel_id"].astype(str))


@pytest.mark.postgis
@pytest.mark.slow
def test_load_county_from_a_postgis_store(postgis_url, tmp_path):
    from layers.county import load_county

    with open_store(postgis_url) as store:
        county.fill(store)
        store.edit("parcel", "B", {"status": "reserved"}, user="ann", role="planner",
                   reason="洽谈")
    from_db = load_county(postgis_url)
    assert "password" not in from_db.source
    parcels = from_db["parcel"].set_index("parcel_id")
    assert parcels.at["B", "status"] == "reserved"
    assert parcels["area_mu"].gt(0).all() and from_db["parcel"].crs.is_projected
    assert set(from_db.layers) >= {"park", "parcel", "project", "enterprise"}


def test_form_prefills_the_stored_value_and_shows_the_record(store_path):
    with open_store(store_path) as store:
        store.edit("parcel", "B", {"status": "reserved"}, user="bob", role="planner",
                   reason="洽谈")
    at = open_edit(User("admin", "admin", "管理员"))
    at.selectbox(key="edit_id_parcel").set_value("B").run()
    box = [s for s in at.selectbox if s.label == "新值"][0]
    assert box.value == "reserved"  # an admin sees every code; the stored one is chosen
    record = at.table[0].value
    assert record.loc["供地状态"].iloc[0] == "意向/洽谈"
    assert not record.isin(["None", "nan", "NaT"]).any().any()
    assert any("当前值：意向/洽谈" in c.value for c in at.caption)


def test_an_unchanged_save_says_so_in_words(store_path):
    at = open_edit(User("admin", "admin", "管理员"))
    at.selectbox(key="edit_id_parcel").set_value("B").run()
    [t for t in at.text_input if t.label.startswith("修改原因")][0].input("核对")
    at = [b for b in at.button if b.label == "保存"][0].click().run()
    assert not at.error
    message = at.info[0].value
    assert message.startswith("未保存：") and "可供应" in message
    assert "{" not in message and "'" not in message
    with open_store(store_path) as store:
        assert store.get("parcel", "B").version == 1


def test_a_layer_over_the_limit_gets_a_find_box(store_path, monkeypatch):
    import ui.id_box

    at = open_edit(User("plan", "planner"))
    assert not [t for t in at.text_input if t.label == "查找编号"]  # a few ids: all listed
    monkeypatch.setattr(ui.id_box, "ID_BOX_LIMIT", 1)
    at = open_edit(User("plan", "planner"))
    assert not at.exception, [e.value for e in at.exception]
    first = at.selectbox(key="edit_id_parcel").options
    assert len(first) == 1 and at.selectbox(key="edit_id_parcel").value == first[0]
    [t for t in at.text_input if t.label == "查找编号"][0].input("B").run()
    # the ids containing "B" (one at most: the limit), the one being edited kept first
    assert at.selectbox(key="edit_id_parcel").options == [first[0], "B"]
    assert any("列出 2 个" in c.value for c in at.caption)

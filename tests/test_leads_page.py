"""The inquiry form and the 招商线索 staff page through ``AppTest`` (no browser), on a real
GeoPackage store and a real visit file: an investor's inquiry becomes a lead and never shows
up again on investor pages; a promoter assigns it; the 到责任人 view lists it when overdue;
views are counted per week without visitor data; the rate limit holds across sessions."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from layers.store import open_store
from layers.visits import VisitLog, interest_table, week_of
from tests.demo_store import store_without_leads
from tests.test_app_pages import APP, rendered_text
from ui.auth import User

PROMOTER = User("promoter", "promoter", "招商专员（演示）")
PLANNER = User("planner", "planner", "规划专员（演示）")
PHONE = "13912345678"
CONTACT = "欧阳经理"


@pytest.fixture(autouse=True)
def _env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    monkeypatch.setenv("INVESTMAP_BASEMAP", "none")
    monkeypatch.setenv("INVESTMAP_STATE_DIR", str(tmp_path / "state"))
    monkeypatch.setenv("INVESTMAP_STORE", str(store_without_leads(tmp_path / "store.gpkg")))
    monkeypatch.setenv("INVESTMAP_AS_OF", (dt.date.today() + dt.timedelta(days=20)).isoformat())
    monkeypatch.delenv("INVESTMAP_DATA", raising=False)
    monkeypatch.delenv("INVESTMAP_DATABASE_URL", raising=False)
    return tmp_path


def _app(user: User | None = None, lang: str = "zh", page: str | None = None) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=120)
    at.session_state["lang"] = lang
    if user is not None:
        at.session_state["auth_user"] = user
    at.run()
    if page:
        at.switch_page(page).run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def _inquire(at: AppTest, *, company: str = "青峰测试科技", phone: str = PHONE) -> AppTest:
    at.text_input(key="inq_park_company").input(company)
    at.text_input(key="inq_park_contact_name").input(CONTACT)
    at.text_input(key="inq_park_phone").input(phone)
    at.text_input(key="inq_park_need_mu").input("40")
    at.text_area(key="inq_park_need").input("电池材料项目")
    next(b for b in at.button if b.key.startswith("FormSubmitter:inq_park")).click().run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def _leads(tmp_path: Path) -> pd.DataFrame:
    with open_store(tmp_path / "store.gpkg") as store:
        return store.read_layer("lead")


def test_investor_inquiry_becomes_a_lead_and_shows_only_a_confirmation(_env):
    at = _app()
    at.multiselect(key="map_parks").set_value(["P01"]).run()
    _inquire(at, phone="12ab")
    assert [e.value for e in at.error] == ["电话号码格式不正确（数字，可含 + - 空格）"]
    assert _leads(_env).empty  # nothing stored
    _inquire(at)
    assert [s.value for s in at.success] == ["已收到您的意向，我们将尽快与您联系。"]
    text = rendered_text(at)
    assert "L00001" not in text and PHONE not in text  # a confirmation and nothing else
    (lead,) = _leads(_env).itertuples()
    assert (lead.source, lead.stage, lead.park_id, lead.phone, lead.need_mu) == (
        "inquiry", "lead", "P01", PHONE, 40.0)
    # counted per week, nothing about the visitor
    counts = VisitLog(_env / "state" / "visits.sqlite").weekly()
    week = week_of(dt.date.today())
    assert set(map(tuple, counts[["week", "kind", "target", "n"]].to_numpy())) == {
        (week, "park_view", "P01", 1), (week, "inquiry", "P01", 1)}
    stored = VisitLog(_env / "state" / "visits.sqlite").stored_text()
    assert PHONE not in stored and CONTACT not in stored and "127.0.0.1" not in stored
    # a new investor session never sees the lead's contact, owner or notes
    for lang in ("zh", "en"):
        text = rendered_text(_app(lang=lang))
        assert PHONE not in text and CONTACT not in text and "电池材料项目" not in text


def test_rate_limit_per_session_and_address_holds_on_the_server(_env):
    log = VisitLog(_env / "state" / "visits.sqlite")
    session, ip = log.bucket("session", "s1"), log.bucket("ip", "10.0.0.7")
    assert log.allow([(session, 1), (ip, 2)], window_seconds=3600, now=1000.0)
    assert not log.allow([(session, 1), (ip, 2)], window_seconds=3600, now=1001.0)
    other = log.bucket("session", "s2")
    assert log.allow([(other, 1), (ip, 2)], window_seconds=3600, now=1002.0)
    # the address allows 2 per window, whatever the session
    assert not log.allow([(log.bucket("session", "s3"), 1), (ip, 2)], window_seconds=3600,
                         now=1003.0)
    # after the window the address may try again, and old attempts are deleted
    assert log.allow([(log.bucket("session", "s4"), 1), (ip, 2)], window_seconds=3600,
                     now=5000.0)
    stored = log.stored_text()
    assert "10.0.0.7" not in stored and stored.count("ip:") == 1  # only the last attempt kept


def test_promoter_sees_assigns_and_leader_view_lists_overdue(_env):
    _inquire(_app())
    at = _app(PROMOTER, page="ui/leads_page.py")
    assert at.title[0].value == "招商线索"
    assert [m.label for m in at.metric] == ["线索", "接洽", "考察", "谈判", "签约", "流失"]
    assert at.metric[0].value == "1"
    assert "近一年登记线索的签约率：0%" in [x.value for x in at.text]
    table = at.dataframe[0].value
    assert table.loc[0, "线索来源"] == "在线意向" and table.loc[0, "联系电话"] == PHONE
    assert table.loc[0, "责任人"] == "（未分派）"
    # assign the owner and record a follow-up
    at.selectbox(key="leads_pick").set_value("L00001").run()
    # the lead card carries the 亩均 what-if of its planned figures (issue 19)
    assert any("按现行标准预计为" in c.value or "无法预估亩均等级" in c.value for c in at.caption)
    at.selectbox(key="lead_owner_L00001").set_value("promoter")
    at.selectbox(key="lead_stage_L00001").set_value("contacted")
    at.text_area(key="lead_note_L00001").input("已电话联系")
    next(b for b in at.button if b.key.startswith("FormSubmitter:lead_form")).click().run()
    assert not at.exception and [s.value for s in at.success] == ["已保存（版本 2）"]
    (lead,) = _leads(_env).itertuples()
    assert (lead.owner, lead.stage, lead.version) == ("promoter", "contacted", 2)
    assert re.fullmatch(r"\d{4}-\d\d-\d\d promoter: 已电话联系", lead.notes)
    # the 到责任人 view (as of 20 days after the inquiry, its first call 2 days after) lists it
    person = next(d.value for d in at.dataframe if "逾期线索（下一步日期已过）" in d.value)
    row = person[person["责任人"] == "招商专员（演示） · 招商人员"].iloc[0]
    assert row["逾期线索（下一步日期已过）"] == 1 and row["最长天数"] == 18
    overdue = next(d.value for d in at.dataframe if "逾期天数" in d.value)
    assert overdue["线索编号"].tolist() == ["L00001"]
    assert overdue["逾期天数"].tolist() == [18]


def test_leads_page_in_english_shows_labels_and_planners_only_read(_env, demo_county):
    _inquire(_app())
    at = _app(PLANNER, page="ui/leads_page.py")
    at.radio(key="lang_switch").set_value("en").run()
    assert at.title[0].value == "Leads"
    table = at.dataframe[0].value
    assert table.loc[0, "Source"] == "Online inquiry" and table.loc[0, "Stage"] == "Lead"
    park = demo_county["park"].set_index("park_id").loc["P01", "name_en"]
    assert table.loc[0, "Park of interest"] == park
    assert not table.isin(["None", "nan", "NaT"]).any().any()
    assert "Your role may only view leads." in [i.value for i in at.info]
    assert at.get("form") == [] or all("lead_form" not in str(f.proto) for f in at.get("form"))


def test_missing_data_dates_are_noted_once_for_staff_never_for_investors(_env):
    staff = _app(PROMOTER)  # the demo records no as-of dates: nothing is stale by age
    assert not any("数据时效提醒" in w.value or "未登记" in w.value
                   for w in staff.sidebar.warning)
    assert "investmap load" not in rendered_text(staff)
    investor = _app()
    assert not any("数据时效提醒" in w.value for w in investor.sidebar.warning)
    assert not any("未登记" in c.value for c in investor.caption)
    admin = _app(User("admin", "admin", "管理员"), page="ui/settings_page.py")
    assert "未登记数据日期的图层" in [h.value for h in admin.subheader]


def test_interest_table_sums_recent_weeks():
    weekly = pd.DataFrame({"week": ["2026-11-16", "2026-11-23", "2026-11-23", "2026-11-30"],
                           "kind": ["parcel_view", "parcel_view", "inquiry", "parcel_view"],
                           "target": ["QF-1", "QF-1", "QF-1", "QF-2"], "n": [3, 2, 1, 5]})
    table = interest_table(weekly, weeks=2)
    assert list(table.columns) == ["target", "kind", "2026-11-23", "2026-11-30", "total"]
    assert table[["target", "kind", "total"]].values.tolist() == [
        ["QF-2", "parcel_view", 5], ["QF-1", "parcel_view", 2], ["QF-1", "inquiry", 1]]


def test_promoter_registers_a_lead_met_in_person(_env):
    at = _app(PROMOTER, page="ui/leads_page.py")
    at.text_input(key="lead_new_company").input("示例来访企业")
    at.text_input(key="lead_new_contact").input(CONTACT)
    at.text_input(key="lead_new_phone").input(PHONE)
    at.number_input(key="lead_new_need").set_value(80.0)
    next(b for b in at.button if b.key.startswith("FormSubmitter:lead_new")).click().run()
    assert not at.exception, [e.value for e in at.exception]
    (lead,) = _leads(_env).itertuples()
    assert (lead.company, lead.source, lead.owner, lead.phone, lead.need_mu) == (
        "示例来访企业", "visit", "promoter", PHONE, 80.0)
    assert any(s.value.startswith("已登记线索 ") for s in at.success)


def test_by_person_is_one_line_per_person_and_the_note_box_clears(_env):
    _inquire(_app())
    at = _app(PROMOTER, page="ui/leads_page.py")
    at.selectbox(key="leads_pick").set_value("L00001").run()
    at.selectbox(key="lead_owner_L00001").set_value("promoter")
    at.text_area(key="lead_note_L00001").input("已电话联系")
    next(b for b in at.button if b.key.startswith("FormSubmitter:lead_form")).click().run()
    assert [s.value for s in at.success] == ["已保存（版本 2）"]
    note = [a for a in at.text_area if a.label == "跟进记录（追加）"]
    assert [a.value for a in note] == [""]  # the note box is empty again (a new box)
    lines = [x.value for x in at.text if re.search(r"：逾期线索 \d+ 条", x.value)]
    mine = [x for x in lines if x.startswith("招商专员（演示）")]
    assert len(mine) == 1 and "逾期线索 1 条（最长逾期 18 天）" in mine[0]
    owners = [x.split("：")[0] for x in lines]
    assert len(owners) == len(set(owners))  # one line per person, whatever the parks


def test_same_company_and_phone_is_flagged_and_not_registered_twice_silently(_env):
    _inquire(_app(), company="北岭精密机械")
    at = _app(PROMOTER, page="ui/leads_page.py")
    at.text_input(key="lead_new_company").input("北岭 精密机械")
    at.text_input(key="lead_new_phone").input("139-1234-5678")
    next(b for b in at.button if b.key.startswith("FormSubmitter:lead_new")).click().run()
    assert any("L00001" in w.value and "仍然登记" in w.value for w in at.warning)
    assert len(_leads(_env)) == 1
    assert at.text_input(key="lead_new_company").value == "北岭 精密机械"  # input kept
    at.checkbox(key="lead_new_anyway").check()
    next(b for b in at.button if b.key.startswith("FormSubmitter:lead_new")).click().run()
    assert len(_leads(_env)) == 2
    assert any("疑似重复线索" in w.value and "L00001、L00002" in w.value for w in at.warning)

"""Staff forms in a real browser (Debian Chromium) on a working copy of the demo county:
数据维护 opens on the stored value and says in words when a save changes nothing; 招商线索's
note box is empty after a save and 到责任人 has one line per person, most overdue first; an
investor's inquiry that repeats a stored lead is flagged for staff (and for nobody else)."""

from __future__ import annotations

import re

import pytest

from layers.store import open_store
from tests.demo_store import demo_store
from tests.e2e.conftest import E2E_PASSWORDS, real_users, serve_app, wait_ready
from tests.e2e.flows import inquire, log_in

pytestmark = [pytest.mark.e2e, pytest.mark.slow, pytest.mark.timeout(900)]
AS_OF = "2026-07-10"  # the demo leads' next actions: L00007 is 45 days late on this day


@pytest.fixture(scope="module")
def store_path(tmp_path_factory):
    """A working copy of the demo, made before the app starts: the test opens the store
    while the app may still be opening it, and two processes that both create and upgrade a
    new store at once can fail with SQLite's "locking protocol" (seen in make test)."""
    return demo_store(tmp_path_factory.mktemp("forms-store") / "store.gpkg")


@pytest.fixture(scope="module")
def app_url(tmp_path_factory, store_path):
    """This module's own app on its own store (a working copy of the demo)."""
    state = tmp_path_factory.mktemp("forms-state")
    with serve_app(state, {"INVESTMAP_STORE": str(store_path), "INVESTMAP_AS_OF": AS_OF,
                           "INVESTMAP_DATA": "",
                           "INVESTMAP_USERS": str(real_users(state))}) as url:
        yield url


def _login(page, app_url: str, user: str, link: str) -> None:  # noqa: ANN001
    log_in(page, app_url, user, E2E_PASSWORDS[user], link=link)


def test_edit_form_opens_on_the_stored_value_and_an_unchanged_save_says_so(
        page, app_url, store_path):
    _login(page, app_url, "admin", "数据维护")
    with open_store(store_path) as store:
        parcel = store.read_layer("parcel").iloc[0]
    from layers.registry import PARCEL_STATUSES

    stored = PARCEL_STATUSES[parcel["status"]][0]
    page.get_by_text(f"当前值：{stored}", exact=True).wait_for()
    page.wait_for_timeout(2000)  # the map reports its first view (one rerun)
    wait_ready(page)
    form = page.locator("[data-testid='stForm']")
    assert form.locator("[data-testid='stSelectbox'] input").input_value() == stored
    form.get_by_label("修改原因（必填，记入审计日志）").fill("核对")
    form.get_by_role("button", name="保存").click()
    wait_ready(page)
    page.get_by_text(f"未保存：供地状态已经是“{stored}”，没有需要修改的内容。").wait_for()
    with open_store(store_path) as store:
        assert store.get("parcel", parcel["parcel_id"]).version == parcel["version"]


def test_note_box_clears_and_by_person_is_one_line_each(page, app_url, store_path):
    _login(page, app_url, "promoter", "招商线索")
    page.get_by_role("tab", name="跟进").click()
    note = page.get_by_label("跟进记录（追加）")
    note.fill("已电话联系，约下周考察")
    page.get_by_role("button", name="保存").click()
    page.get_by_text(re.compile(r"已保存（版本 \d+）")).wait_for()
    wait_ready(page)
    assert page.get_by_label("跟进记录（追加）").input_value() == ""
    with open_store(store_path) as store:
        assert "已电话联系，约下周考察" in store.get("lead", "L00001").values["notes"]
    page.get_by_role("tab", name="到责任人").click()
    lines = page.get_by_text(re.compile(r"：逾期线索 \d+ 条")).all_inner_texts()
    owners = [x.split("：")[0] for x in lines]
    assert len(owners) == len(set(owners)) >= 2
    mine = [x for x in lines if x.startswith("招商专员（演示）")]
    assert len(mine) == 1 and "逾期线索 5 条（最长逾期 45 天）" in mine[0], lines


def test_a_repeated_inquiry_is_flagged_for_staff_and_not_to_the_investor(page, app_url,
                                                                         store_path):
    page.goto(app_url)  # the app makes its store from the demo on first use
    wait_ready(page)
    with open_store(store_path) as store:
        known = store.get("lead", "L00003").values  # 嘉禾食品集团有限公司, 139-0000-1203
        before = set(store.read_layer("lead")["lead_id"])
    inquire(page, app_url, company=known["company"], phone=known["phone"].replace("-", ""))
    body = page.locator("body").inner_text()
    assert "L000" not in body and "重复" not in body  # the investor learns nothing of leads
    with open_store(store_path) as store:
        (new_id,) = set(store.read_layer("lead")["lead_id"]) - before

    _login(page, app_url, "promoter", "招商线索")  # the board tab is open, nothing clicked
    warning = page.locator("[data-testid='stAlert']", has_text="疑似重复线索")
    warning.wait_for()
    assert f"{known['company']}：L00003、{new_id}" in warning.inner_text()
    page.get_by_text(f"{new_id} {known['company']} · 疑似重复", exact=True).wait_for()

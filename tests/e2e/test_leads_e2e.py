"""From investor interest to the leader's Monday list, in a real browser (Debian Chromium):
an investor submits the inquiry form and sees only a confirmation; a promoter logs in, sees
the lead, assigns it to himself; the 到责任人 view lists it as overdue (the app runs 20 days
after the inquiry, whose first call was due after 2)."""

from __future__ import annotations

import datetime as dt
import re

import pytest

from layers.store import open_store
from tests.demo_store import store_without_leads
from tests.e2e.conftest import ARTIFACTS, E2E_PASSWORDS, real_users, serve_app, wait_ready
from tests.e2e.flows import inquire, log_in

pytestmark = [pytest.mark.e2e, pytest.mark.slow, pytest.mark.timeout(900)]

COMPANY = "青峰端到端测试科技"
PHONE = "13700001234"


@pytest.fixture(scope="module")
def store_path(tmp_path_factory):
    return store_without_leads(tmp_path_factory.mktemp("leads-store") / "store.gpkg")


@pytest.fixture(scope="module")
def app_url(tmp_path_factory, store_path):
    """This module's own app: its store in a temporary file, running 20 days from today."""
    state = tmp_path_factory.mktemp("leads-state")
    later = (dt.date.today() + dt.timedelta(days=20)).isoformat()
    with serve_app(state, {"INVESTMAP_STORE": str(store_path), "INVESTMAP_AS_OF": later,
                           "INVESTMAP_DATA": "",  # a real store: no demo passwords
                           "INVESTMAP_USERS": str(real_users(state))}) as url:
        yield url


def _choose(page, label: str, option: str) -> None:  # noqa: ANN001
    page.locator("[data-testid='stSelectbox']", has_text=label).first.click()
    page.get_by_role("option", name=option).click()
    wait_ready(page)


def test_inquiry_to_assignment_to_overdue_list(page, app_url, store_path, blocked):
    # the investor
    inquire(page, app_url, company=COMPANY, phone=PHONE)
    body = page.locator("body").inner_text()
    assert "L00001" not in body and PHONE not in body
    with open_store(store_path) as store:
        lead = store.get("lead", "L00001").values
    assert (lead["company"], lead["source"], lead["owner"]) == (COMPANY, "inquiry", None)

    # the promoter
    log_in(page, app_url, "promoter", E2E_PASSWORDS["promoter"], link="招商线索")
    page.get_by_text(f"L00001 {COMPANY}", exact=True).wait_for()  # on the board, stage 线索

    page.get_by_role("tab", name="跟进").click()
    _choose(page, "责任人", "招商专员（演示） · 招商人员")
    page.get_by_label("跟进记录（追加）").fill("已电话联系，约下周考察")
    page.get_by_role("button", name="保存").click()
    page.get_by_text("已保存（版本 2）").wait_for()
    wait_ready(page)  # the message shows mid-run; the views below it are redrawn after it
    with open_store(store_path) as store:
        assert store.get("lead", "L00001").values["owner"] == "promoter"

    # the leader's view: overdue, listed under the promoter
    page.get_by_role("tab", name="到责任人").click()
    line = page.get_by_text(re.compile(r"^逾期线索 L00001 ")).inner_text()
    assert line == f"逾期线索 L00001 {COMPANY} · 招商专员（演示） · 招商人员 · 逾期 18 天"
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "leads_by_person.png"), full_page=True)
    assert blocked == []

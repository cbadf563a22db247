"""Streamlit's own words in the page's language, in a real browser (Debian Chromium): in
Chinese mode the file uploader's "Upload" button and "200MB per file" note are covered by
our words (ui/chrome.py), in English they stay Streamlit's; multiselects offer no English
"Select all" row."""

from __future__ import annotations

import pytest

from tests.e2e.conftest import wait_ready
from tests.e2e.flows import log_in

pytestmark = [pytest.mark.e2e, pytest.mark.slow, pytest.mark.timeout(900)]

UPLOADER = """() => {
  const p = document.querySelector(
    '[data-testid="stFileUploaderDropzone"] button [data-testid="stMarkdownContainer"] p');
  const s = document.querySelector('[data-testid="stFileUploaderDropzoneInstructions"] span');
  const seen = e => [getComputedStyle(e).fontSize, getComputedStyle(e, '::after').content];
  return {button: seen(p), note: seen(s), english: [p.innerText, s.innerText]};
}"""


def test_the_uploader_speaks_the_page_language(page, app_url):
    log_in(page, app_url, "planner", "planner-demo", link="合规审查")
    page.locator("[data-testid='stFileUploaderDropzone']").wait_for()
    zh = page.evaluate(UPLOADER)
    assert zh["button"] == ["0px", '"选择文件"'], zh  # Streamlit's "Upload" hidden, ours shown
    assert zh["note"] == ["0px", '"或将文件拖放到此处"'], zh
    page.get_by_text("English", exact=True).click()
    page.get_by_role("heading", name="Compliance review").wait_for()
    wait_ready(page)
    en = page.evaluate(UPLOADER)
    for _ in range(60):  # the Chinese cover goes with the end of the English run
        if en["button"][0] != "0px":
            break
        page.wait_for_timeout(500)
        en = page.evaluate(UPLOADER)
    assert en["button"][0] != "0px" and en["button"][1] in ("none", "normal"), en


def test_multiselects_offer_no_english_select_all(page, app_url):
    page.goto(f"{app_url}/finder")
    wait_ready(page)
    page.locator("[data-testid='stMultiSelect']").first.click()
    options = page.get_by_role("option")
    options.first.wait_for()
    names = options.all_inner_texts()
    assert names and not [n for n in names if "Select all" in n or "全选" in n], names

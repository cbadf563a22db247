"""The parcel card reads like a spec sheet in a real browser: key figures as tiles, 七通一平
as badges, facility distances, brochure and inquiry buttons, partner names in the page's
language, and no inner scroll box — on a desktop and on a 390 px phone."""

from __future__ import annotations

import pytest

from tests.e2e.conftest import wait_ready

pytestmark = [pytest.mark.e2e, pytest.mark.slow, pytest.mark.timeout(900)]

PARCEL = "QF-0001"
SCROLLERS = """() => {
  const panel = document.querySelector('.im-sheet').closest('[data-testid="stColumn"]');
  return [...panel.querySelectorAll('*')].filter(e => {
    const s = getComputedStyle(e);
    return /(auto|scroll)/.test(s.overflowY + s.overflowX)
      && (e.scrollHeight > e.clientHeight + 2 || e.scrollWidth > e.clientWidth + 2);
  }).map(e => (e.getAttribute('data-testid') || e.className || e.tagName)).slice(0, 5);
}"""


@pytest.mark.parametrize(("width", "lang"), [(1600, "zh"), (390, "en")])
def test_card_is_a_spec_sheet_without_inner_scrollbars(app_browser, app_url, width, lang):
    context = app_browser.new_context(viewport={"width": width, "height": 2400})
    page = context.new_page()
    page.set_default_timeout(60_000)
    try:
        page.goto(f"{app_url}/?parcel={PARCEL}&lang={lang}")
        wait_ready(page)
        tiles = page.locator(".im-tile")
        tiles.first.wait_for()
        labels = tiles.locator(".l").all_inner_texts()
        assert labels == (["面积", "用地性质", "出让价", "容积率"] if lang == "zh"
                          else ["Area", "Land use", "Price", "FAR"])
        assert page.locator(".im-dist li").count() >= 3  # distances to the facilities
        brochure = "下载地块推介册（PDF）" if lang == "zh" else "Download the parcel brochure (PDF)"
        page.get_by_role("button", name=brochure).wait_for()
        page.get_by_text("我有意向" if lang == "zh" else "I'm interested", exact=True).wait_for()
        main_text = page.locator("[data-testid='stMain']").inner_text()
        if lang == "en":  # partner names in English: no Chinese project names
            block = main_text.split("Chain projects within 3 km", 1)[1][:400]
            assert "项目" not in block and "示例" not in block, block
        for box in tiles.all():  # the tile text is not cut
            size = box.evaluate("e => [e.scrollWidth, e.clientWidth]")
            assert size[0] <= size[1] + 1
        assert page.evaluate(SCROLLERS) == []  # nothing in the card's panel scrolls inside
    finally:
        context.close()

"""Steps the browser tests share: a fresh visitor's page with other hosts blocked, a staff
login, an investor's inquiry, a PDF download read back.

Each step waits for the page to settle (:func:`tests.e2e.conftest.wait_ready`) before it
returns, so a test reads the page its step left behind.
"""

from __future__ import annotations

import re
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from tests.e2e.conftest import block_other_hosts, wait_ready

CURRENT_TILES_DRAWN = """() => { const t = Object.values(window.investmapTiles._tiles)
  .filter(x => x.current); return t.length > 0 && t.every(x => x.loaded); }"""
"""Every tile of the map's view drawn. Not Leaflet's own ``_loading`` flag: it stays set when
a tile still loading is pruned by a move (only a tile finishing resets it)."""


def offline_page(fmap, path: Path) -> Path:  # noqa: ANN001 - a folium Map
    """``fmap`` written to ``path`` as the HTML export writes a map that opens from disk:
    Leaflet inlined from the installed package (:func:`exports.html.inline_assets`)."""
    from exports.html import inline_assets, online_leaflet

    online_leaflet(fmap)
    path.write_text(inline_assets(fmap.get_root().render()), encoding="utf-8")
    return path


def log_in(page, app_url: str, user: str, password: str, *,  # noqa: ANN001 - playwright Page
           link: str | None = None) -> None:
    """Log in on the login page as ``user``; then open the menu entry ``link`` (its title)
    and wait for its heading."""
    page.goto(f"{app_url}/login")
    wait_ready(page)
    page.get_by_label("用户名").fill(user)
    page.get_by_label("密码").fill(password)
    page.get_by_role("button", name="登录").click()
    page.get_by_text(re.compile("已登录")).wait_for()
    if link is not None:
        page.get_by_role("link", name=link).click()
        wait_ready(page)
        page.get_by_role("heading", name=link).wait_for()


def pick_parcel_to_edit(page, pid: str) -> None:  # noqa: ANN001 - playwright Page
    """On 数据维护: choose the parcel ``pid`` in the id box (typed to filter the long list)."""
    page.locator("[data-testid='stSelectbox']", has_text="编号").first.click()
    page.keyboard.type(pid)
    page.get_by_role("option", name=pid, exact=True).click()
    wait_ready(page)


def inquire(page, app_url: str, *, company: str, phone: str,  # noqa: ANN001 - playwright Page
            contact: str = "端木经理", need: str = "新能源电池正极材料，约 60 亩") -> None:
    """As an investor on the map page: fill and send 我对园区有意向, wait for the thanks."""
    page.goto(app_url)
    wait_ready(page)
    page.get_by_text("我对园区有意向").click()
    form = page.locator("[data-testid='stForm']").filter(has_text="提交意向")
    form.get_by_label("企业名称").fill(company)
    form.get_by_label("联系人").fill(contact)
    form.get_by_label("电话").fill(phone)
    form.get_by_label("项目与需求简述").fill(need)
    form.get_by_role("button", name="提交意向").click()
    page.get_by_text("已收到您的意向，我们将尽快与您联系。").wait_for()


def downloaded_pdf_text(page, button: str, folder: Path) -> str:  # noqa: ANN001
    """Click the download button named ``button``, save the PDF into ``folder`` and return
    its text (``pdftotext``)."""
    with page.expect_download(timeout=120_000) as done:
        page.get_by_role("button", name=button).click()
    path = folder / done.value.suggested_filename
    done.value.save_as(path)
    assert path.read_bytes().startswith(b"%PDF"), path
    return subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True,
                          check=True).stdout


@contextmanager
def guarded_page(browser, *, width: int = 1400, height: int = 1000,  # noqa: ANN001
                 blocked: list[str] | None = None) -> Iterator:
    """A page in a fresh browser context (a new visitor: no session, no login) whose
    requests to any host but this machine are aborted and recorded in ``blocked``."""
    context = browser.new_context(viewport={"width": width, "height": height},
                                  locale="zh-CN")
    block_other_hosts(context, blocked if blocked is not None else [])
    page = context.new_page()
    page.set_default_timeout(60_000)
    try:
        yield page
    finally:
        context.close()

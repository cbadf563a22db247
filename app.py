"""InvestMap 招商地图 — Streamlit entry point (thin: pages live in ui/).

Investor mode (no login) sees the public pages; staff (after login) also see the staff
pages. To add a page, add a :class:`PageDef` to ``PUBLIC_PAGES`` or ``STAFF_PAGES``.

Every page is registered (so every URL resolves); the menu lists the ones the user may open.
A staff page opened without a login (a bookmark, a refresh after expiry) goes to the login
page and, once logged in, back to that page. Language and login survive a refresh through
the URL (:mod:`ui.session`).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import streamlit as st

from ui import session
from ui.auth import User, current_user
from ui.common import sidebar
from ui.errors import guarded
from ui.freshness_note import stale_warning
from ui.i18n import lang, t


@dataclass(frozen=True)
class PageDef:
    """A page: its script, title key (ui/i18n.py), URL path, and the staff roles allowed
    (empty: every staff role)."""

    path: str
    title: str
    url: str
    icon: str = ""
    roles: tuple[str, ...] = ()


PUBLIC_PAGES: tuple[PageDef, ...] = (
    PageDef("ui/map_page.py", "page_map", "map", ":material/map:"),
    PageDef("ui/finder_page.py", "page_finder", "finder", ":material/search:"),
    PageDef("ui/chains_page.py", "page_chains", "chains", ":material/account_tree:"),
    PageDef("ui/export_page.py", "page_export", "export", ":material/download:"),
)
LOGIN_PAGE = PageDef("ui/login_page.py", "page_login", "login", ":material/login:")
# Staff-only pages: listed only after login; each page also checks the role itself.
STAFF_PAGES: tuple[PageDef, ...] = (
    PageDef("ui/efficiency_page.py", "page_efficiency", "efficiency", ":material/bar_chart:"),
    PageDef("ui/pipeline_page.py", "page_pipeline", "pipeline", ":material/flag:"),
    PageDef("ui/edit_page.py", "page_edit", "edit", ":material/edit_note:",
            roles=("planner", "promoter", "admin")),
    PageDef("ui/import_page.py", "page_import", "import", ":material/upload_file:",
            roles=("planner", "admin")),
    PageDef("ui/settings_page.py", "page_settings", "settings", ":material/settings:",
            roles=("admin",)),
    PageDef("ui/compliance_page.py", "page_compliance", "compliance", ":material/rule:"),
    PageDef("ui/leads_page.py", "page_leads", "leads", ":material/contact_phone:"),
)


HERE = Path(__file__).resolve().parent
"""Folder of this script: page paths are resolved here, not beside the script Streamlit runs
(after ``pip install .`` that is the launcher in the InvestMap home, see layers/paths.py)."""


def _page(p: PageDef, *, default: bool = False) -> st.Page:
    return st.Page(HERE / p.path, title=t(p.title), url_path=p.url, icon=p.icon or None,
                   default=default)


def _allowed(p: PageDef, user: User | None) -> bool:
    staff = p in STAFF_PAGES
    return not staff or (user is not None and (not p.roles or user.role in p.roles))


_AFTER_LOGIN = "after_login"
LAYOUT_CSS = """<style>
.block-container {padding-top: 2.2rem; padding-bottom: 1rem;}
@media (max-width: 640px) {
  .block-container {padding-top: 3.4rem; padding-left: .6rem; padding-right: .6rem;}
  iframe[title="streamlit_folium.st_folium"] {height: 66vh !important;}
}
</style>"""
"""Less padding above the page (the map starts higher); on a phone the map takes two
thirds of the screen height so it sits on the first screen with the page title."""


def main() -> None:
    st.set_page_config(page_title="InvestMap 招商地图", page_icon="🗺️", layout="wide",
                       initial_sidebar_state="auto")
    st.html(LAYOUT_CSS)
    session.restore()
    user = current_user()
    defs = {p.url: p for p in (*PUBLIC_PAGES, *STAFF_PAGES, LOGIN_PAGE)}
    pages = {url: _page(p, default=p == PUBLIC_PAGES[0]) for url, p in defs.items()}
    nav = st.navigation(list(pages.values()), position="hidden")
    session.persist(lang=lang())
    wanted = defs.get(nav.url_path) or PUBLIC_PAGES[0]
    if not _allowed(wanted, user):
        st.session_state[_AFTER_LOGIN] = wanted.url
        st.switch_page(pages[LOGIN_PAGE.url])
    target = st.session_state.get(_AFTER_LOGIN)
    if user is not None and target in defs and _allowed(defs[target], user):
        del st.session_state[_AFTER_LOGIN]
        st.switch_page(pages[target])
    sidebar({t("nav_public"): [pages[p.url] for p in PUBLIC_PAGES],
             t("nav_staff"): [pages[p.url] for p in STAFF_PAGES if _allowed(p, user)],
             t("nav_account"): [pages[LOGIN_PAGE.url]]})
    if user is not None:
        stale_warning()
    guarded(nav.run, where=nav.url_path or "home")


guarded(main, where="app")

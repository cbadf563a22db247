"""InvestMap 招商地图 — Streamlit entry point (thin: pages live in ui/).

Investor mode (no login) sees the public pages; staff (after login) also see the staff
pages. To add a page, add a :class:`PageDef` to ``PUBLIC_PAGES`` or ``STAFF_PAGES``.
"""

from __future__ import annotations

from dataclasses import dataclass

import streamlit as st

from ui.auth import current_user
from ui.common import sidebar
from ui.errors import guarded
from ui.freshness_note import stale_warning
from ui.i18n import t


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


def _page(p: PageDef, *, default: bool = False) -> st.Page:
    return st.Page(p.path, title=t(p.title), url_path=p.url, icon=p.icon or None,
                   default=default)


def main() -> None:
    st.set_page_config(page_title="InvestMap 招商地图", page_icon="🗺️", layout="wide")
    sidebar()
    user = current_user()
    pages: dict[str, list[st.Page]] = {
        t("nav_public"): [_page(p, default=i == 0) for i, p in enumerate(PUBLIC_PAGES)]}
    if user is not None:
        stale_warning()
        staff = [_page(p) for p in STAFF_PAGES if not p.roles or user.role in p.roles]
        if staff:
            pages[t("nav_staff")] = staff
    pages[t("nav_account")] = [_page(LOGIN_PAGE)]
    page = st.navigation(pages)
    guarded(page.run, where=page.url_path or "home")


guarded(main, where="app")

"""Page furniture shared by every page: sidebar (language, mode, logout), page header,
parcel card and table downloads."""

from __future__ import annotations

from urllib.parse import urlsplit, urlunsplit

import pandas as pd
import streamlit as st

from exports.excel import frames_xlsx_bytes
from exports.settings import export_settings
from layers.cells import csv_text
from ui.auth import ROLE_LABELS, current_user, log_out
from ui.chrome import page_words
from ui.i18n import language_switch, pick, t
from ui.parcel_card import brochure_button, partners, spec_sheet
from ui.text import md_escape
from webmap.card import ParcelCard


def sidebar(menu: dict[str, list[st.Page]] | None = None) -> None:
    """Language switch, the page menu (section → pages the user may open) and the current
    mode (investor, or staff with logout)."""
    language_switch()
    for section, pages in (menu or {}).items():
        if pages:
            st.sidebar.caption(section)
            for page in pages:
                st.sidebar.page_link(page)
    user = current_user()
    if user is None:
        st.sidebar.caption(t("mode_investor"))
    else:
        st.sidebar.caption(t("mode_staff", name=md_escape(user.display or user.name),
                             role=pick(ROLE_LABELS[user.role])))
        if st.sidebar.button(t("logout"), key="logout"):
            log_out()
            st.rerun()


def header(title_key: str, *, compact: bool = False) -> None:
    """Page title and the fictional-data note (``compact``: one short line, for pages whose
    map must start on the first screen of a phone); Streamlit's own words in the page's
    language (:mod:`ui.chrome`)."""
    page_words()
    if compact:
        st.markdown(f"#### {md_escape(t(title_key))} "
                    f"<small style='color:#777;font-weight:400'>{md_escape(t('sample_note'))}"
                    "</small>", unsafe_allow_html=True)
        return
    st.title(t(title_key))
    st.caption(t("sample_note"))


def share_base() -> str:
    """Where shared links point: the admin's public base URL, else ``export.online_map_url``
    of the policy, else the root of this app as the browser reached it, else the local
    server (the map is the default page, served at the root; see :mod:`webmap.links`)."""
    from ui import state
    from webmap.links import LOCAL_APP_URL, app_root, public_base

    base = public_base(export_settings(state.county().policy).online_map_url)
    if base != app_root(LOCAL_APP_URL):
        return base
    try:
        here = str(st.context.url or "")
    except AttributeError:
        here = ""
    if not here:
        return base
    path = "/" + str(st.get_option("server.baseUrlPath") or "").strip("/")
    parts = urlsplit(here)
    return app_root(urlunsplit((parts.scheme, parts.netloc, path, "", "")))


def show_card(card: ParcelCard, *, audience: str) -> None:
    """Render a parcel card: every public fact, the red-line check, nearby chain firms, the
    park's contact and a share link (data as table cells or escaped text). Other features
    (inquiries, site notes) add their call after this one where the card is shown."""
    st.subheader(t("card_title", pid=md_escape(card.parcel_id)))
    if card.available is not None:
        if card.available:
            st.success(t("card_available"))
        else:
            st.warning(t("card_not_available"))
    spec_sheet(card, park_label=t("card_park"))
    if card.available is not None:
        st.markdown(f"**{t('card_redline')}**")
        for reason in card.reasons:
            st.text(f"• {reason}")
        for name, mu in card.conflicts:
            st.text(t("card_conflict", name=name, mu=mu))
        if not card.conflicts:
            st.caption(t("card_clean"))
    partners(card, _segment_names)
    if card.contact:
        st.markdown(f"**{t('card_contact')}**")
        st.text(card.contact)
    base = share_base()
    if base:
        from ui.i18n import lang
        from ui.session import share_url

        st.markdown(f"**{t('card_share')}**")
        st.code(share_url(base, lang=lang(), parcel=card.parcel_id), language=None,
                wrap_lines=True)
    if card.park_id:
        brochure_button(card.parcel_id)


def _segment_names():  # noqa: ANN202 - str -> str
    from ui import state
    from ui.i18n import lang

    names = {s.segment_id: s.name(lang()) for c in state.chain_catalog().chains
             for s in c.segments}
    return lambda code: names.get(code, code)


def downloads(frame: pd.DataFrame, *, stem: str, key: str) -> None:
    """CSV (UTF-8 with BOM for Excel) and .xlsx download buttons for ``frame``."""
    plain = pd.DataFrame(frame.drop(columns=["geometry"], errors="ignore"))
    left, right = st.columns(2)
    left.download_button(t("download_csv"), csv_text(plain).encode("utf-8-sig"),
                         file_name=f"{stem}.csv", mime="text/csv", key=f"{key}_csv")
    right.download_button(t("download_xlsx"), frames_xlsx_bytes({stem: plain}),
                          file_name=f"{stem}.xlsx",
                          mime="application/vnd.openxmlformats-officedocument."
                               "spreadsheetml.sheet", key=f"{key}_xlsx")

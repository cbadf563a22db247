"""工作人员登录 / Staff login (and logout). Wrong passwords are rate-limited server-side."""

from __future__ import annotations

import streamlit as st

from ui.auth import ROLE_LABELS, AuthError, authenticate, current_user, log_in, log_out
from ui.common import header
from ui.i18n import pick, t
from ui.text import md_escape


def render() -> None:
    header("page_login")
    user = current_user()
    if user is not None:
        st.success(t("login_ok", name=md_escape(f"{user.display or user.name} · "
                                      f"{pick(ROLE_LABELS[user.role])}")))
        if st.button(t("logout"), key="page_logout"):
            log_out()
            st.rerun()
        return
    st.caption(t("login_hint"))
    with st.form("login"):
        name = st.text_input(t("username"), key="login_name")
        password = st.text_input(t("password"), type="password", key="login_password")
        submitted = st.form_submit_button(t("login"))
    if submitted:
        try:
            log_in(authenticate(name, password))
        except AuthError as exc:
            st.error(md_escape(exc))
        else:
            st.rerun()


render()

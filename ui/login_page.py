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
            st.error(refusal(exc))
        else:
            st.rerun()


REFUSALS = {
    "wrong": ("用户名或密码错误。", "Wrong username or password."),
    "locked": ("登录失败次数过多，请 {minutes} 分钟后再试。",
               "Too many failed logins; try again in {minutes} min."),
    "demo": ("真实数据下不允许使用演示密码，请管理员为此账号设置新密码。",
             "The demo password is not allowed on real data; an administrator must set a new "
             "password for this account."),
}


def refusal(exc: AuthError) -> str:
    """Why the login was refused, in the page's language only."""
    return pick(REFUSALS.get(exc.kind, REFUSALS["wrong"])).format(minutes=exc.minutes)


render()

"""我有意向 / I'm interested: the investor inquiry form on the parcel card and the park view.

The map page calls :func:`parcel_interest` where it shows a parcel card and
:func:`park_interest` under the park facts. For investors they count the view (weekly, no
visitor data, :mod:`layers.visits`), show the layer's as-of date and offer the form; a valid
form within the rate limits (per session and per client address, checked on the server)
becomes a new lead with source ``inquiry`` (:func:`layers.leads.submit_inquiry`) and the
investor sees a confirmation — nothing else. Staff see only the as-of date.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import secrets
import time
from pathlib import Path

import pandas as pd
import streamlit as st

from layers.freshness import as_of_text, layer_freshness
from layers.leads import LeadSettings, check_inquiry, submit_inquiry
from layers.paths import state_dir
from layers.visits import VisitLog
from ui import state
from ui.auth import current_user
from ui.i18n import lang, pick

log = logging.getLogger(__name__)

TEXT: dict[str, tuple[str, str]] = {
    "interested": ("我有意向", "I'm interested"),
    "interested_park": ("我对园区有意向", "I'm interested in a park"),
    "intro": ("留下联系方式，招商服务中心将与您联系。信息仅供招商工作使用，不会公开。",
              "Leave your contact details and the investment promotion centre will call you "
              "back. They are used for this purpose only and never published."),
    "company": ("企业名称", "Company"),
    "contact_name": ("联系人", "Contact person"),
    "phone": ("电话", "Phone"),
    "email": ("电子邮箱", "E-mail"),
    "need_mu": ("用地需求（亩，可不填）", "Land needed (mu, optional)"),
    "need": ("项目与需求简述", "Project and needs"),
    "park": ("园区", "Park"),
    "send": ("提交意向", "Send"),
    "thanks": ("已收到您的意向，我们将尽快与您联系。", "Thank you — we will contact you soon."),
    "too_many": ("提交次数过多，请稍后再试，或直接拨打招商热线。",
                 "Too many submissions; please try again later or call the investment "
                 "hotline."),
    "failed": ("暂时无法提交，请稍后再试，或直接拨打招商热线。",
               "Your request could not be saved; please try again later or call the "
               "investment hotline."),
}


def parcel_interest(parcel_id: str) -> None:
    """Under a parcel card: as-of date; for investors a view count and the inquiry form."""
    _as_of_caption("parcel")
    if current_user() is not None:
        return
    _count_once("parcel_view", parcel_id)
    with st.expander(pick(TEXT["interested"]), icon=":material/handshake:"):
        _form(f"inq_parcel_{parcel_id}", {"parcel_id": parcel_id})


def park_interest(park_ids: list[str] | None = None) -> None:
    """Under the park facts: as-of date; for investors park view counts (the parks chosen
    in the map filter) and the inquiry form for a park."""
    _as_of_caption("park")
    if current_user() is not None:
        return
    for park_id in park_ids or []:
        _count_once("park_view", park_id)
    parks = state.county()["park"]
    names = dict(zip(parks["park_id"], parks["name_en" if lang() == "en" else "name"],
                     strict=True))
    with st.expander(pick(TEXT["interested_park"]), icon=":material/handshake:"):
        first = (park_ids or [None])[0]
        options = list(names)
        park_id = st.selectbox(pick(TEXT["park"]), options, format_func=names.get,
                               index=options.index(first) if first in options else 0,
                               key="inq_park_choice")
        _form("inq_park", {"park_id": park_id})


def visit_log() -> VisitLog:
    """The server's visit/limit file (``INVESTMAP_STATE_DIR``/visits.sqlite)."""
    return VisitLog(state_dir() / "visits.sqlite")


def lead_store_location() -> str | None:
    """Where inquiries are stored: ``INVESTMAP_DATA`` when it names a store (a PostGIS URL or
    a GeoPackage other than the embedded demo), else the default store (see layers.store)."""
    from data import get_path
    from layers.store import is_database_url

    explicit = os.environ.get("INVESTMAP_DATA")
    if explicit and (is_database_url(explicit)
                     or Path(explicit).resolve() != get_path("demo").resolve()):
        return explicit
    return None


def _settings() -> LeadSettings:
    try:
        return state.county().policy.section("leads")
    except KeyError:
        return LeadSettings()


def _as_of_caption(layer: str) -> None:
    """The layer's recorded as-of date; nothing when none is recorded (that note is for
    staff, on the settings page)."""
    fresh = layer_freshness(state.county())
    record = fresh.get(layer)
    if record is not None and record.as_of is not None:
        st.caption(as_of_text(layer, lang(), fresh))


def _count_once(kind: str, target: str) -> None:
    """Count a view once per browser session (the session itself is not recorded)."""
    seen: set[tuple[str, str]] = st.session_state.setdefault("_counted_views", set())
    if (kind, target) in seen:
        return
    seen.add((kind, target))
    try:
        visit_log().count(kind, target, day=dt.date.today())
    except OSError:
        log.exception("view count not recorded")


def _session_token() -> str:
    if "_inquiry_token" not in st.session_state:
        st.session_state["_inquiry_token"] = secrets.token_hex(16)
    return str(st.session_state["_inquiry_token"])


def _form(key: str, target: dict[str, str]) -> None:
    done_key = f"{key}_done"
    if st.session_state.get(done_key):
        st.success(pick(TEXT["thanks"]))
        return
    st.caption(pick(TEXT["intro"]))
    with st.form(key, clear_on_submit=False):
        values = {name: st.text_input(pick(TEXT[name]), key=f"{key}_{name}", max_chars=limit)
                  for name, limit in (("company", 100), ("contact_name", 50), ("phone", 24),
                                      ("email", 100), ("need_mu", 12))}
        values["need"] = st.text_area(pick(TEXT["need"]), key=f"{key}_need", max_chars=500)
        sent = st.form_submit_button(pick(TEXT["send"]))
    if not sent:
        return
    form = {**values, **target}
    problems = check_inquiry(form)
    if problems:
        for problem in problems:
            st.error(pick((problem.zh, problem.en)))
        return
    settings = _settings()
    visits = visit_log()
    address = st.context.ip_address or "unknown"
    allowed = visits.allow([(visits.bucket("session", _session_token()),
                             settings.inquiry_per_session),
                            (visits.bucket("ip", address), settings.inquiry_per_ip)],
                           window_seconds=settings.inquiry_window_hours * 3600,
                           now=time.time())
    if not allowed:
        st.warning(pick(TEXT["too_many"]))
        return
    from layers.store import StoreError, open_store

    try:
        with open_store(lead_store_location()) as store:
            lead_id = submit_inquiry(store, form, today=pd.Timestamp.today(), settings=settings)
    except (StoreError, ValueError) as exc:  # log the kind only: messages may quote values
        log.error("inquiry not stored: %s", type(exc).__name__)
        st.error(pick(TEXT["failed"]))
        return
    log.info("inquiry stored as lead %s", lead_id)
    visits.count("inquiry", target.get("parcel_id") or target.get("park_id") or "",
                 day=dt.date.today())
    st.session_state[done_key] = True
    st.rerun()

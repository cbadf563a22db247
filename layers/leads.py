"""Leads (招商线索) from first interest to a signed project (shared/domain.md §9).

Every write goes through the store (:meth:`layers.store.Store.create` /
:meth:`~layers.store.Store.edit`): versioned, audited, with optimistic concurrency and the
lead rules of :mod:`layers.store.lead_rules`. The CLI (``investmap leads``), the staff page
招商线索 and the investor inquiry form call these functions and only parse input and show
results.

Settings: the ``leads:`` policy section (:class:`layers.leads_settings.LeadSettings`).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import pandas as pd

from layers.leads_settings import LeadSettings
from layers.registry import LEAD_SOURCES, LEAD_STAGES, get_spec, label
from layers.store import EditError, Store, StoreError
from layers.store.base import Link
from layers.store.values import stored_columns

INQUIRY_USER = "inquiry-form"
"""User name recorded in the audit log for leads an investor submits (no visitor data)."""

DEFAULT_SETTINGS = LeadSettings()
"""The ``leads`` defaults, for calls without a policy."""

_PHONE = re.compile(r"^\+?[0-9][0-9 \-]{5,22}[0-9]$")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


@dataclass(frozen=True)
class Problem:
    """One refused field of an inquiry, in both languages."""

    field: str
    zh: str
    en: str


def check_inquiry(form: Mapping[str, Any]) -> list[Problem]:
    """Check an investor's inquiry (company, contact, phone or e-mail, need); empty if fine."""
    problems: list[Problem] = []

    def text(key: str) -> str:
        return str(form.get(key) or "").strip()

    if not text("company"):
        problems.append(Problem("company", "请填写企业名称", "Enter the company name"))
    elif len(text("company")) > 100:
        problems.append(Problem("company", "企业名称最多100字", "Company name: at most 100 "
                                "characters"))
    if not text("contact_name"):
        problems.append(Problem("contact_name", "请填写联系人", "Enter a contact person"))
    elif len(text("contact_name")) > 50:
        problems.append(Problem("contact_name", "联系人最多50字", "Contact: at most 50 "
                                "characters"))
    phone, email = text("phone"), text("email")
    if not phone and not email:
        problems.append(Problem("phone", "请填写电话或电子邮箱", "Enter a phone number or an "
                                "e-mail address"))
    if phone and not _PHONE.match(phone):
        problems.append(Problem("phone", "电话号码格式不正确（数字，可含 + - 空格）",
                                "Phone number: digits, optionally + - and spaces"))
    if email and (len(email) > 100 or not _EMAIL.match(email)):
        problems.append(Problem("email", "电子邮箱格式不正确", "E-mail address is not valid"))
    if len(text("need")) > 500:
        problems.append(Problem("need", "需求说明最多500字", "Need: at most 500 characters"))
    need_mu = form.get("need_mu")
    if need_mu not in (None, ""):
        try:
            ok = 0 <= float(str(need_mu).strip()) <= 100_000
        except (TypeError, ValueError):
            ok = False
        if not ok:
            problems.append(Problem("need_mu", "用地需求应为 0–100000 亩",
                                    "Land need: 0–100,000 mu"))
    return problems


def submit_inquiry(store: Store, form: Mapping[str, Any], *, today: pd.Timestamp,
                   settings: LeadSettings = DEFAULT_SETTINGS) -> str:
    """Store a checked inquiry as a new lead (source ``inquiry``, stage ``lead``, next action
    date = today + ``first_action_days``) and return its id.

    An inquiry whose company and phone match stored leads (:func:`same_lead`) is stored all
    the same — the investor is told nothing about other leads — and its audit reason names
    them; the staff page flags the group (:func:`duplicate_groups`).

    Raises :class:`ValueError` listing the problems of :func:`check_inquiry` when the form is
    not valid (nothing is written).
    """
    problems = check_inquiry(form)
    if problems:
        raise ValueError("; ".join(p.en for p in problems))
    keep = ("company", "contact_name", "phone", "email", "need", "need_mu", "parcel_id",
            "park_id", "industry")
    values = {k: str(form[k]).strip() for k in keep if str(form.get(k) or "").strip()}
    today = pd.Timestamp(today).normalize()
    due = today + pd.Timedelta(days=settings.first_action_days)
    values |= {"source": "inquiry", "stage": "lead", "received_date": today.date().isoformat(),
               "next_action_date": due.date().isoformat()}
    reason = "投资者在线提交“我有意向”"
    same = same_lead(read_leads(store), values["company"], values.get("phone", ""))
    if same:
        reason += f"（与 {'、'.join(same)} 企业和电话相同，疑似重复）"
    return store.create("lead", values, user=INQUIRY_USER, role="investor", reason=reason,
                        id_prefix=settings.lead_id_prefix)


def add_lead(store: Store, values: Mapping[str, Any], *, user: str, reason: str,
             role: str = "promoter", today: pd.Timestamp,
             settings: LeadSettings = DEFAULT_SETTINGS) -> str:
    """Register a lead a promoter met (visit, fair, referral …) and return its new id.

    ``stage`` defaults to ``lead``, ``source`` to ``visit``, ``received_date`` to ``today``.
    """
    row = {"stage": "lead", "source": "visit",
           "received_date": pd.Timestamp(today).date().isoformat(), **values}
    return store.create("lead", row, user=user, role=role, reason=reason,
                        id_prefix=settings.lead_id_prefix)


def update_lead(store: Store, lead_id: str, *, user: str, reason: str, role: str = "promoter",
                today: pd.Timestamp, stage: str | None = None, owner: str | None = None,
                next_action: str | None = None, next_action_date: str | None = None,
                note: str | None = None, lost_reason: str | None = None,
                expect_version: int | None = None) -> int:
    """Change a lead's stage, owner or next action, or record a follow-up; return the new
    version.

    A ``note`` is a follow-up: it is appended to the lead's notes as
    ``YYYY-MM-DD user: text`` and sets ``last_follow_up`` to ``today``. Stage changes follow
    :data:`layers.store.lead_rules.LEAD_TRANSITIONS` (流失 needs ``lost_reason``).
    """
    changes: dict[str, Any] = {k: v for k, v in (
        ("stage", stage), ("owner", owner), ("next_action", next_action),
        ("next_action_date", next_action_date), ("lost_reason", lost_reason)) if v is not None}
    if note is not None and note.strip():
        current = store.get("lead", lead_id)
        day = pd.Timestamp(today).date().isoformat()
        previous = current.values.get("notes")
        entry = f"{day} {user}: {note.strip()}"
        changes["notes"] = f"{previous}\n{entry}" if previous else entry
        changes["last_follow_up"] = day
        if expect_version is None:  # the note extends this version: a concurrent note
            expect_version = current.version  # makes the edit stale instead of lost
    if not changes:
        raise EditError(f"lead {lead_id}: nothing to change; fix: give --stage, --owner, "
                        "--next-action, --action or --note")
    return store.edit("lead", lead_id, changes, user=user, role=role, reason=reason,
                      expect_version=expect_version)


def convert_lead(store: Store, lead_id: str, *, user: str, reason: str, today: pd.Timestamp,
                 role: str = "promoter", expect_version: int | None = None,
                 settings: LeadSettings = DEFAULT_SETTINGS) -> str:
    """Create the project of a signed lead and link both, in one transaction; return the
    project id.

    The project keeps the lead id, parcel, park, owner, investment and chain segment; its
    stage is ``signed`` with ``signed_date`` = ``today``, so the pipeline rates count it.
    """
    lead = store.get("lead", lead_id)
    values = lead.values
    if values.get("stage") != "signed":
        raise EditError(f"lead {lead_id}: stage is {values.get('stage')!r}, not 'signed'; "
                        "fix: record the signature first (`investmap leads update "
                        f"{lead_id} --stage signed`)")
    if values.get("project_id"):
        raise EditError(f"lead {lead_id}: already converted into project "
                        f"{values['project_id']}; nothing was written")
    park = values.get("park_id")
    if park is None and values.get("parcel_id"):
        try:
            park = store.get("parcel", values["parcel_id"]).values.get("park_id")
        except StoreError:
            park = None  # a parcel id the store does not hold stays on the project as given
    project = {"name": values.get("company"), "park_id": park, "stage": "signed",
               "lead_id": lead_id,
               "signed_date": pd.Timestamp(today).date().isoformat(),
               **{k: values.get(k) for k in ("parcel_id", "owner", "investment_wan",
                                            "segment_id")}}
    return store.create("project", {k: v for k, v in project.items() if v is not None},
                        user=user, role=role, reason=reason,
                        id_prefix=settings.project_id_prefix,
                        link=Link("lead", lead_id, {"project_id": "{id}"},
                                  expect_version=expect_version or lead.version))


def read_leads(store: Store) -> pd.DataFrame:
    """Every lead with its ``version`` (an empty table with the lead columns when none)."""
    try:
        return store.read_layer("lead")
    except StoreError:
        return pd.DataFrame(columns=[*(c.name for c in stored_columns(get_spec("lead"))),
                                     "version"])


def duplicate_groups(leads: pd.DataFrame) -> list[list[str]]:
    """Lead ids registered more than once: same company and same phone (company compared
    without spaces and letter case, phone by its digits); each group in id order."""
    if leads.empty or "phone" not in leads or "company" not in leads:
        return []
    company = leads["company"].astype(str).str.replace(r"\s+", "", regex=True).str.lower()
    phone = leads["phone"].astype(object).where(leads["phone"].notna(), "").astype(str) \
        .str.replace(r"\D", "", regex=True)
    key = pd.DataFrame({"c": company, "p": phone, "id": leads["lead_id"].astype(str)})
    key = key[(key["c"] != "") & (key["p"] != "")]
    groups = key.groupby(["c", "p"])["id"].apply(sorted)
    return sorted((ids for ids in groups if len(ids) > 1), key=lambda ids: ids[0])


def same_lead(leads: pd.DataFrame, company: str, phone: str) -> list[str]:
    """Ids of stored leads with this company and phone (see :func:`duplicate_groups`)."""
    probe = pd.DataFrame([{"lead_id": "\uffff", "company": company, "phone": phone}])
    both = pd.concat([leads[["lead_id", "company", "phone"]], probe], ignore_index=True) \
        if not leads.empty else probe
    for ids in duplicate_groups(both):
        if "\uffff" in ids:
            return [i for i in ids if i != "\uffff"]
    return []


def labelled(leads: pd.DataFrame, *, lang: str) -> pd.DataFrame:
    """Leads for people: stage and source as labels, headers in ``lang`` (staff only)."""
    spec = get_spec("lead")
    out = pd.DataFrame(leads.drop(columns=["version"], errors="ignore")).copy()
    for column, table in (("stage", LEAD_STAGES), ("source", LEAD_SOURCES)):
        if column in out:
            out[column] = [label(table, str(v), lang) if pd.notna(v) else ""
                           for v in out[column]]
    names = {c.name: (c.zh if lang == "zh" else c.en) for c in spec.columns}
    names["days_overdue"] = "逾期天数" if lang == "zh" else "Days overdue"
    out = out.astype(object).where(out.notna(), "")
    return out.rename(columns=names)


FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def text_cells(frame: pd.DataFrame) -> pd.DataFrame:
    """Text cells starting with = + - @ TAB CR prefixed with ``'`` so that Excel and CSV
    readers show them as text, never run them as formulas (company names and notes come
    from the public inquiry form)."""
    out = frame.copy()
    for column in out.columns:
        if out[column].dtype == object or pd.api.types.is_string_dtype(out[column]):
            out[column] = [f"'{v}" if isinstance(v, str) and v.startswith(FORMULA_START) else v
                           for v in out[column]]
    return out

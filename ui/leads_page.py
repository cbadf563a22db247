"""招商线索 / Leads (staff only): board by stage, table, work on a lead (owner, follow-up,
next action, stage, conversion into a project), the 到责任人 view (overdue leads and 三未
projects per responsible person and park) and weekly interest counts.

Reads and writes through :mod:`layers.leads` (versioned, audited, optimistic concurrency);
this page only parses input and shows results. Values are shown as table cells or plain
text, never through Markdown.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from geo.followup import (
    KINDS,
    by_person,
    lead_signing_rate,
    overdue_leads,
    per_person,
    stage_counts,
    three_wei,
)
from layers.leads import (
    convert_lead,
    duplicate_groups,
    labelled,
    read_leads,
    same_lead,
    text_cells,
    update_lead,
)
from layers.registry import LEAD_STAGES, label
from layers.store import EditError, StaleVersionError, StoreError, open_store
from layers.store.lead_rules import LEAD_TRANSITIONS
from layers.visits import KINDS as COUNT_KINDS
from layers.visits import interest_table
from ui import state
from ui.auth import ROLE_LABELS, load_users, require_role
from ui.common import downloads, header
from ui.i18n import lang, pick, t
from ui.inquiry import lead_store_location, visit_log
from ui.text import md_escape
from ui.whatif import lead_whatif_text

EDITORS = ("promoter", "admin")
TEXT: dict[str, tuple[str, str]] = {
    "new_lead": ("登记新线索（来访、展会、推荐）", "Register a lead (visit, fair, referral)"),
    "new_source": ("来源", "Source"),
    "new_company": ("企业名称", "Company"),
    "new_contact": ("联系人", "Contact person"),
    "new_phone": ("联系电话", "Phone"),
    "new_industry": ("行业", "Industry"),
    "new_need": ("用地需求(亩)", "Land need (mu)"),
    "new_save": ("登记", "Register"),
    "new_done": ("已登记线索 {i}", "Lead {i} registered"),
    "new_missing": ("请填写企业名称", "Fill in the company name"),
    "tab_board": ("看板", "Board"),
    "signing_rate": ("近一年登记线索的签约率：{rate}", "Signing rate of leads received in the "
                     "last year: {rate}"),
    "tab_table": ("线索表", "Table"),
    "tab_work": ("跟进", "Follow up"),
    "tab_people": ("到责任人", "By person"),
    "tab_interest": ("关注度", "Interest"),
    "no_leads": ("暂无线索。", "No leads yet."),
    "only_overdue": ("只看逾期", "Overdue only"),
    "pick_lead": ("选择线索", "Lead"),
    "owner": ("责任人", "Owner"),
    "unassigned": ("（未分派）", "(unassigned)"),
    "stage": ("阶段", "Stage"),
    "lost_reason": ("流失原因（流失时必填）", "Reason lost (required for lost)"),
    "next_action": ("下一步工作", "Next action"),
    "next_action_date": ("下一步日期", "Next action date"),
    "note": ("跟进记录（追加）", "Follow-up note (appended)"),
    "save": ("保存", "Save"),
    "saved": ("已保存（版本 {v}）", "Saved (version {v})"),
    "stale": ("他人刚刚修改了此线索，未保存。请查看最新内容后重试。",
              "Someone changed this lead meanwhile; nothing was saved. Look at the new values "
              "and try again."),
    "nothing": ("没有修改。", "Nothing changed."),
    "convert": ("转为项目", "Convert into a project"),
    "converted": ("已转为项目 {p}", "Converted into project {p}"),
    "read_only": ("您的角色只能查看线索。", "Your role may only view leads."),
    "overdue_leads": ("逾期线索（下一步日期已过）", "Overdue leads (next action date passed)"),
    "three_wei": ("三未项目", "三未 projects"),
    "per_person": ("按责任人与园区", "Per responsible person and park"),
    "interest_caption": ("每周计数（不记录访客信息）", "Counts per week (no visitor data kept)"),
    "no_counts": ("暂无浏览记录。", "No views counted yet."),
    "as_of": ("统计日期", "As of"),
    "target": ("地块/园区", "Parcel / park"),
    "kind": ("类别", "Kind"),
    "total": ("合计", "Total"),
    "days": ("天数", "Days"),
    "since": ("起算日期", "Since"),
    "max_days": ("最长天数", "Longest (days)"),
    "project": ("项目", "Project"),
    "park": ("园区", "Park"),
    "reason": ("说明", "Detail"),
    "name": ("名称", "Name"),
    "person_line": ("{owner}：逾期线索 {late} 条{lead_days}", "{owner}: {late} overdue leads"
                    "{lead_days}"),
    "three_part": (" · 三未项目 {three} 个{three_days}"
                   "（签约未落地 {a}，落地未开工 {b}，开工未竣工 {c}）",
                   " · {three} 三未 projects{three_days} (signed, no land {a}; land, not "
                   "started {b}; started, not completed {c})"),
    "longest": ("（最长逾期 {d} 天）", " (longest {d} days late)"),
    "longest_three": ("（最长 {d} 天）", " (longest {d} days)"),
    "by_park": ("按责任人与园区明细", "Per person and park, in detail"),
    "nobody_late": ("没有逾期线索或三未项目。", "No overdue leads and no 三未 projects."),
    "lead_days": ("最长逾期(天)", "Longest overdue (days)"),
    "three_days": ("三未最长(天)", "Longest 三未 (days)"),
    "dup_title": ("疑似重复线索（企业名称和联系电话相同）：", "Possible duplicate leads (same "
                  "company and phone):"),
    "dup_new": ("已有相同企业和电话的线索：{ids}。如确是新线索，请勾选“仍然登记”后再提交。",
                "A lead with the same company and phone exists: {ids}. If this really is a "
                "new lead, tick “Register anyway” and submit again."),
    "dup_anyway": ("仍然登记", "Register anyway"),
    "dup_mark": (" · 疑似重复", " · possible duplicate"),
    "late_line": ("逾期线索 {lead} {company} · {owner} · 逾期 {days} 天",
                  "Overdue lead {lead} {company} · {owner} · {days} days late"),
}


def render() -> None:
    user = require_role()
    header("page_leads")
    as_of = pd.Timestamp(st.date_input(pick(TEXT["as_of"]), state.as_of(), key="leads_as_of"))
    with open_store(lead_store_location()) as store:
        leads = read_leads(store)
    staff = _staff_names()
    _duplicates(leads)
    board, table, work, people, interest = st.tabs(
        [pick(TEXT[k]) for k in ("tab_board", "tab_table", "tab_work", "tab_people",
                                 "tab_interest")])
    with board:
        _board(leads, as_of)
    with table:
        _table(leads, as_of, staff)
    with work:
        flash = st.session_state.pop("leads_flash", None)
        if flash:
            st.success(flash)
        if user.role in EDITORS:
            _new_lead(user.name, user.role, as_of)
            _work(leads, user.name, as_of, staff)
        else:
            st.info(pick(TEXT["read_only"]))
    with people:
        _people(leads, as_of, staff)
    with interest:
        _interest()


def _staff_names() -> dict[str, str]:
    """User name → display name of every staff account (the owners a lead may have)."""
    accounts = load_users().accounts
    return {name: f"{u.display or name} · {pick(ROLE_LABELS[u.role])}"
            for name, (u, _) in accounts.items()}


def _shown(leads: pd.DataFrame, staff: dict[str, str]) -> pd.DataFrame:
    out = leads.copy()
    parks = state.county()["park"]
    names = dict(zip(parks["park_id"], parks["name_en" if lang() == "en" else "name"],
                     strict=True))
    if "park_id" in out:
        out["park_id"] = [names.get(p, p) for p in out["park_id"]]
    if "owner" in out:
        out["owner"] = [staff.get(o, o) if isinstance(o, str) else pick(TEXT["unassigned"])
                        for o in out["owner"]]
    return labelled(out, lang=lang())


def _duplicates(leads: pd.DataFrame) -> None:
    """Above the tabs, whichever is open: leads with the same company and phone (a repeated
    investor inquiry, a lead typed in twice), so they are merged before anyone calls twice."""
    groups = duplicate_groups(leads)
    if groups:
        names = dict(zip(leads["lead_id"], leads["company"], strict=True))
        st.warning(pick(TEXT["dup_title"]) + "\n\n" + "\n".join(
            f"- {md_escape(names[ids[0]])}：{'、'.join(ids)}" for ids in groups))


def _board(leads: pd.DataFrame, as_of: pd.Timestamp) -> None:
    if leads.empty:
        st.info(pick(TEXT["no_leads"]))
        return
    rate = lead_signing_rate(leads, start=as_of - pd.Timedelta(days=365), end=as_of)
    st.text(pick(TEXT["signing_rate"]).format(
        rate="—" if pd.isna(rate) else f"{rate:.0%}"))
    stages = list(LEAD_STAGES)
    counts = stage_counts(leads, stages)
    repeated = {i for ids in duplicate_groups(leads) for i in ids}
    for column, stage in zip(st.columns(len(stages)), stages, strict=True):
        column.metric(label(LEAD_STAGES, stage, lang()), int(counts[stage]))
        for row in leads[leads["stage"] == stage].head(12).itertuples():
            mark = pick(TEXT["dup_mark"]) if row.lead_id in repeated else ""
            column.text(f"{row.lead_id} {row.company}{mark}")


def _table(leads: pd.DataFrame, as_of: pd.Timestamp, staff: dict[str, str]) -> None:
    if leads.empty:
        st.info(pick(TEXT["no_leads"]))
        return
    only = st.checkbox(pick(TEXT["only_overdue"]), key="leads_only_overdue")
    shown = overdue_leads(leads, as_of=as_of) if only else leads
    frame = _shown(shown, staff)
    st.dataframe(frame, hide_index=True, width="stretch")
    downloads(text_cells(frame), stem="leads", key="leads_dl")


def _work(leads: pd.DataFrame, user: str, as_of: pd.Timestamp,
          staff: dict[str, str]) -> None:
    if leads.empty:
        st.info(pick(TEXT["no_leads"]))
        return
    ids = leads["lead_id"].tolist()
    names = dict(zip(leads["lead_id"], leads["company"], strict=True))
    lead_id = st.selectbox(pick(TEXT["pick_lead"]), ids,
                           format_func=lambda i: f"{i} · {names[i]}", key="leads_pick")
    row = leads.set_index("lead_id").loc[lead_id]
    current = _shown(leads[leads["lead_id"] == lead_id], staff).T.reset_index()
    current.columns = [t("card_item"), t("card_value")]
    st.dataframe(current.astype(str).replace({"None": "", "nan": ""}), hide_index=True,
                 width="stretch")
    whatif = lead_whatif_text(row)  # 亩均 what-if of the lead's planned figures (issue 19)
    if whatif:
        st.caption(whatif)
    stage = str(row["stage"])
    owners = ["", *staff]
    owner_now = row["owner"] if isinstance(row["owner"], str) else ""
    if owner_now not in owners:
        owners.append(owner_now)
    with st.form(f"lead_form_{lead_id}"):
        owner = st.selectbox(pick(TEXT["owner"]), owners, index=owners.index(owner_now),
                             format_func=lambda o: staff.get(o, o) if o
                             else pick(TEXT["unassigned"]), key=f"lead_owner_{lead_id}")
        stages = [stage, *sorted(LEAD_TRANSITIONS.get(stage, ()), key=list(LEAD_STAGES).index)]
        new_stage = st.selectbox(pick(TEXT["stage"]), stages,
                                 format_func=lambda s: label(LEAD_STAGES, s, lang()),
                                 key=f"lead_stage_{lead_id}")
        fresh = _fresh(f"lead_{lead_id}")  # new after each save: the boxes start empty
        lost_reason = st.text_input(pick(TEXT["lost_reason"]),
                                    key=_keyed(f"lead_lost_{lead_id}", fresh))
        action = st.text_input(pick(TEXT["next_action"]), value=_text(row["next_action"]),
                               key=f"lead_action_{lead_id}")
        due_now = pd.to_datetime(row["next_action_date"], errors="coerce")
        due = st.date_input(pick(TEXT["next_action_date"]),
                            value=None if pd.isna(due_now) else due_now.date(),
                            key=f"lead_due_{lead_id}")
        note = st.text_area(pick(TEXT["note"]), key=_keyed(f"lead_note_{lead_id}", fresh))
        saved = st.form_submit_button(pick(TEXT["save"]))
    if saved:
        changes = {
            "owner": owner if owner and owner != owner_now else None,
            "stage": new_stage if new_stage != stage else None,
            "lost_reason": lost_reason.strip() or None,
            "next_action": action.strip() if action.strip() != _text(row["next_action"])
            else None,
            "next_action_date": (due.isoformat() if due is not None
                                 and (pd.isna(due_now) or due != due_now.date()) else None),
            "note": note.strip() or None,
        }
        _save(lead_id, int(row["version"]), user, as_of, changes,
              renew=f"lead_{lead_id}")
    if stage == "signed" and not _text(row["project_id"]) and st.button(
            pick(TEXT["convert"]), key=f"lead_convert_{lead_id}"):
        try:
            with open_store(lead_store_location()) as store:
                project = convert_lead(store, lead_id, user=user, reason="签约转项目",
                                       today=as_of, expect_version=int(row["version"]),
                                       settings=state.county().policy.section("leads"))
        except StaleVersionError:
            st.warning(pick(TEXT["stale"]))
        except (EditError, StoreError) as exc:
            st.error(str(exc))
        else:
            state.reload_data()
            st.success(pick(TEXT["converted"]).format(p=project))


def _save(lead_id: str, version: int, user: str, as_of: pd.Timestamp,
          changes: dict[str, str | None], *, renew: str | None = None) -> None:
    """Save ``changes``; once saved, the ``renew`` form's text boxes start empty (a failed
    save keeps what was typed)."""
    if all(v is None for v in changes.values()):
        st.info(pick(TEXT["nothing"]))
        return
    try:
        with open_store(lead_store_location()) as store:
            new = update_lead(store, lead_id, user=user, reason="招商线索页面更新", today=as_of,
                              expect_version=version, **changes)
    except StaleVersionError:
        st.warning(pick(TEXT["stale"]))
    except (EditError, StoreError) as exc:
        st.error(str(exc))
    else:
        if renew:
            _renew(renew)
        st.session_state["leads_flash"] = pick(TEXT["saved"]).format(v=new)
        st.rerun()


def _people(leads: pd.DataFrame, as_of: pd.Timestamp, staff: dict[str, str]) -> None:
    county = state.county()
    parks = county["park"]
    park_names = dict(zip(parks["park_id"], parks["name_en" if lang() == "en" else "name"],
                          strict=True))
    late = overdue_leads(leads, as_of=as_of) if not leads.empty else leads
    three = three_wei(county["project"], county.layers.get("parcel"), as_of=as_of,
                      settings=county.policy.section("pipeline"))
    st.subheader(pick(TEXT["per_person"]))
    people = per_person(late, three)
    if people.empty:
        st.info(pick(TEXT["nobody_late"]))
    for row in people.itertuples():
        owner = staff.get(row.owner, row.owner) if isinstance(row.owner, str) else pick(
            TEXT["unassigned"])
        n_three = row.signed_no_land + row.land_not_started + row.started_not_completed
        st.text(pick(TEXT["person_line"]).format(
            owner=owner, late=row.overdue_leads, lead_days=_longest("longest", row.lead_days))
            + (pick(TEXT["three_part"]).format(
                three=n_three, three_days=_longest("longest_three", row.three_days),
                a=row.signed_no_land, b=row.land_not_started, c=row.started_not_completed)
               if n_three else ""))
    view = by_person(late.assign(days_overdue=late.get("days_overdue")), three)
    view["owner"] = [staff.get(o, o) if isinstance(o, str) else pick(TEXT["unassigned"])
                     for o in view["owner"]]
    view["park_id"] = [park_names.get(p, p) if isinstance(p, str) else "" for p in
                       view["park_id"]]
    headers = {"owner": pick(TEXT["owner"]), "park_id": pick(TEXT["park"]),
               "overdue_leads": pick(TEXT["overdue_leads"]),
               **{k: pick(v) for k, v in KINDS.items()}, "max_days": pick(TEXT["max_days"])}
    with st.expander(pick(TEXT["by_park"])):
        st.dataframe(view.rename(columns=headers), hide_index=True, width="stretch")
    st.subheader(pick(TEXT["overdue_leads"]))
    for row in late.head(20).itertuples():
        owner = staff.get(row.owner, row.owner) if isinstance(row.owner, str) else pick(
            TEXT["unassigned"])
        st.text(pick(TEXT["late_line"]).format(lead=row.lead_id, company=row.company,
                                               owner=owner, days=row.days_overdue))
    st.dataframe(_shown(late, staff), hide_index=True, width="stretch")
    st.subheader(pick(TEXT["three_wei"]))
    shown = three.copy()
    shown["kind"] = [pick(KINDS[k]) for k in shown["kind"]]
    shown["park_id"] = [park_names.get(p, p) if isinstance(p, str) else "" for p in
                        shown["park_id"]]
    shown["since"] = pd.to_datetime(shown["since"]).dt.strftime("%Y-%m-%d")
    reason = "reason_zh" if lang() == "zh" else "reason_en"
    shown = shown[["project_id", "name", "park_id", "owner", "kind", "since", "days", reason]]
    st.dataframe(shown.rename(columns={
        "project_id": pick(TEXT["project"]), "name": pick(TEXT["name"]),
        "park_id": pick(TEXT["park"]), "owner": pick(TEXT["owner"]),
        "kind": pick(TEXT["kind"]), "since": pick(TEXT["since"]), "days": pick(TEXT["days"]),
        reason: pick(TEXT["reason"])}), hide_index=True, width="stretch")
    downloads(text_cells(shown), stem="three_wei", key="three_wei_dl")


def _longest(key: str, days: object) -> str:
    return "" if days is None or pd.isna(days) else pick(TEXT[key]).format(d=int(days))


def _interest() -> None:
    st.caption(pick(TEXT["interest_caption"]))
    table = interest_table(visit_log().weekly())
    if table.empty:
        st.info(pick(TEXT["no_counts"]))
        return
    parks = state.county()["park"]
    park_names = dict(zip(parks["park_id"], parks["name_en" if lang() == "en" else "name"],
                          strict=True))
    table["target"] = [park_names.get(x, x) for x in table["target"]]
    table["kind"] = [pick(COUNT_KINDS[k]) for k in table["kind"]]
    st.dataframe(table.rename(columns={"target": pick(TEXT["target"]),
                                       "kind": pick(TEXT["kind"]),
                                       "total": pick(TEXT["total"])}),
                 hide_index=True, width="stretch")


def _fresh(form: str) -> int:
    """How many times ``form`` was saved in this session (its widget keys carry it: a
    browser keeps a widget's typed text until the widget itself is new)."""
    return int(st.session_state.get(f"_saved_{form}", 0))


def _renew(form: str) -> None:
    st.session_state[f"_saved_{form}"] = _fresh(form) + 1


def _keyed(key: str, fresh: int) -> str:
    return key if fresh == 0 else f"{key}__{fresh}"


def _text(value: object) -> str:
    return value if isinstance(value, str) else ""


def _new_lead(user: str, role: str, as_of: pd.Timestamp) -> None:
    """A lead a promoter met in person (来访/展会/推荐), typed in here; owner: the promoter."""
    from layers.leads import add_lead
    from layers.registry import LEAD_SOURCES

    fresh = _fresh("lead_new")
    with st.expander(pick(TEXT["new_lead"]), icon=":material/person_add:"):
        with st.form("lead_new"):  # emptied only once registered (a refusal keeps the input)
            sources = [k for k in LEAD_SOURCES if k not in ("inquiry", "target")]
            source = st.selectbox(pick(TEXT["new_source"]), sources, key=f"lead_new_src_{lang()}",
                                  format_func=lambda k: label(LEAD_SOURCES, k, lang()))
            company = st.text_input(pick(TEXT["new_company"]),
                                  key=_keyed("lead_new_company", fresh))
            left, right = st.columns(2)
            contact = left.text_input(pick(TEXT["new_contact"]),
                                  key=_keyed("lead_new_contact", fresh))
            phone = right.text_input(pick(TEXT["new_phone"]), key=_keyed("lead_new_phone", fresh))
            industry = left.text_input(pick(TEXT["new_industry"]),
                                  key=_keyed("lead_new_industry", fresh))
            need = right.number_input(pick(TEXT["new_need"]), min_value=0.0, value=0.0,
                                      step=10.0, key=_keyed("lead_new_need", fresh))
            anyway = st.checkbox(pick(TEXT["dup_anyway"]), key=_keyed("lead_new_anyway", fresh))
            submitted = st.form_submit_button(pick(TEXT["new_save"]))
        if not submitted:
            return
        if not company.strip():
            st.warning(pick(TEXT["new_missing"]))
            return
        with open_store(lead_store_location()) as store:
            same = same_lead(read_leads(store), company, phone)
        if same and not anyway:
            st.warning(pick(TEXT["dup_new"]).format(ids="、".join(same)))
            return
        values = {"source": source, "company": company.strip(), "owner": user,
                  "contact_name": contact.strip() or None, "phone": phone.strip() or None,
                  "industry": industry.strip() or None, "need_mu": need or None}
        try:
            with open_store(lead_store_location()) as store:
                lead_id = add_lead(store, {k: v for k, v in values.items() if v is not None},
                                   user=user, role=role, reason="登记线索", today=as_of,
                                   settings=state.county().policy.section("leads"))
        except (EditError, StoreError) as exc:
            st.error(str(exc))
            return
        _renew("lead_new")
        st.session_state["leads_flash"] = pick(TEXT["new_done"]).format(i=lead_id)
        st.rerun()


render()

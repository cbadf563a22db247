"""Leads in the store on both backends: inquiry, assignment, follow-up, stage rules, conversion
into a project, audit — and the rules table by table."""

from __future__ import annotations

import pandas as pd
import pytest

from geo.pipeline import pipeline_rates
from layers.leads import (
    LeadSettings,
    add_lead,
    check_inquiry,
    convert_lead,
    duplicate_groups,
    read_leads,
    submit_inquiry,
    text_cells,
    update_lead,
)
from layers.store import EditError, PermissionDenied, StaleVersionError, TransitionError
from layers.store.lead_rules import LEAD_TRANSITIONS, next_id
from tests import store_county as county
from tests.conftest import BACKENDS

DAY = pd.Timestamp("2026-12-01")
FORM = {"company": "青峰新材料有限公司", "contact_name": "王经理", "phone": "0912-5551234",
        "need": "30 亩标准厂房", "need_mu": "30", "parcel_id": "B"}


@pytest.fixture(params=BACKENDS)
def store(request, tmp_path):
    url = request.getfixturevalue("postgis_url") if request.param == "postgis" else None
    s = county.filled_store(request.param, tmp_path, url)
    yield s
    s.close()


def _walk_to_signed(store, lead_id: str) -> None:
    for stage in ("contacted", "visited", "negotiating", "signed"):
        update_lead(store, lead_id, stage=stage, user="zhang", reason="进展", today=DAY)


def test_inquiry_becomes_a_lead_with_source_inquiry_and_first_action(store):
    lead_id = submit_inquiry(store, FORM, today=DAY, settings=LeadSettings(first_action_days=2))
    assert lead_id == "L00001"
    lead = store.get("lead", lead_id)
    assert lead.version == 1
    assert lead.values["source"] == "inquiry" and lead.values["stage"] == "lead"
    assert lead.values["need_mu"] == 30.0 and lead.values["phone"] == "0912-5551234"
    assert lead.values["received_date"] == "2026-12-01"
    assert lead.values["next_action_date"] == "2026-12-03"
    assert lead.values["owner"] is None
    (created,) = store.history("lead", lead_id)
    assert (created.field, created.role, created.user) == ("*", "investor", "inquiry-form")
    assert submit_inquiry(store, FORM, today=DAY) == "L00002"


def test_a_repeated_inquiry_is_stored_and_names_the_leads_it_repeats_for_staff(store):
    first = submit_inquiry(store, FORM, today=DAY)
    other = submit_inquiry(store, {**FORM, "phone": "0912-5559999"}, today=DAY)
    again = submit_inquiry(store, {**FORM, "company": " 青峰新材料 有限公司",
                                   "phone": "0912 555 1234"}, today=DAY)
    reasons = {e.feature_id: e.reason for e in store.history("lead")}
    assert "重复" not in reasons[first] and "重复" not in reasons[other]
    assert reasons[again] == f"投资者在线提交“我有意向”（与 {first} 企业和电话相同，疑似重复）"
    assert duplicate_groups(read_leads(store)) == [[first, again]]


def test_assign_follow_up_and_convert_keep_everything_in_the_audit(store):
    lead_id = submit_inquiry(store, FORM, today=DAY)
    v = update_lead(store, lead_id, owner="zhang", stage="contacted", next_action="实地考察",
                    next_action_date="2026-12-08", note="电话联系，约下周考察", user="zhang",
                    reason="分派", today=DAY)
    assert v == 2
    update_lead(store, lead_id, note="已发园区资料", user="zhang", reason="跟进",
                today=DAY + pd.Timedelta(days=1))
    lead = store.get("lead", lead_id).values
    assert lead["notes"] == ("2026-12-01 zhang: 电话联系，约下周考察\n"
                             "2026-12-02 zhang: 已发园区资料")
    assert lead["last_follow_up"] == "2026-12-02" and lead["owner"] == "zhang"
    for stage in ("visited", "negotiating", "signed"):
        update_lead(store, lead_id, stage=stage, user="zhang", reason="进展", today=DAY)
    project_id = convert_lead(store, lead_id, user="zhang", reason="签约转项目", today=DAY)
    assert project_id == "XM-L00001"
    project = store.get("project", project_id)
    assert project.version == 1
    assert project.values.items() >= {"lead_id": lead_id, "parcel_id": "B", "park_id": "P1",
                                   "owner": "zhang", "stage": "signed",
                                   "signed_date": "2026-12-01", "name": FORM["company"]}.items()
    assert store.get("lead", lead_id).values["project_id"] == project_id
    fields = [(e.version, e.field) for e in store.history("lead", lead_id)]
    assert fields[0] == (1, "*") and fields[-1] == (7, "project_id")
    # the pipeline counts the converted project: X2 and the new one are signed, X1 not
    projects = store.read_layer("project")
    rates = pipeline_rates(projects, as_of=DAY).iloc[0]
    assert (rates["n_projects"], rates["n_signed"]) == (3, 2)
    with pytest.raises(EditError, match="already converted"):
        convert_lead(store, lead_id, user="zhang", reason="again", today=DAY)


def test_stage_rules_are_enforced_and_nothing_is_written_on_refusal(store):
    lead_id = add_lead(store, {"company": "甲公司", "source": "fair"}, user="zhang",
                       reason="推介会", today=DAY)
    with pytest.raises(TransitionError, match="allowed next"):
        update_lead(store, lead_id, stage="signed", user="zhang", reason="x", today=DAY)
    with pytest.raises(EditError, match="needs a reason"):
        update_lead(store, lead_id, stage="lost", user="zhang", reason="x", today=DAY)
    with pytest.raises(EditError, match="not 'signed'"):
        convert_lead(store, lead_id, user="zhang", reason="x", today=DAY)
    assert store.get("lead", lead_id).version == 1
    update_lead(store, lead_id, stage="lost", lost_reason="选址外省", user="zhang",
                reason="流失", today=DAY)
    assert store.get("lead", lead_id).values["stage"] == "lost"
    update_lead(store, lead_id, stage="contacted", user="zhang", reason="重新接洽", today=DAY)
    # an admin may override (audited with the role)
    store.edit("lead", lead_id, {"stage": "signed"}, user="boss", role="admin", reason="补录")
    assert store.history("lead", lead_id)[-1].role == "admin"


def test_investors_may_only_submit_inquiries_and_planners_may_not_edit_leads(store):
    with pytest.raises(PermissionDenied, match="inquiry"):
        store.create("lead", {"company": "甲", "source": "inquiry", "stage": "lead",
                              "owner": "me"}, user="x", role="investor", reason="r",
                     id_prefix="L")
    with pytest.raises(PermissionDenied, match="inquiry"):
        store.create("lead", {"company": "甲", "source": "visit", "stage": "lead"},
                     user="x", role="investor", reason="r", id_prefix="L")
    lead_id = submit_inquiry(store, FORM, today=DAY)
    with pytest.raises(PermissionDenied, match="promoter"):
        store.edit("lead", lead_id, {"owner": "x"}, user="p", role="planner", reason="r")
    with pytest.raises(PermissionDenied):
        store.edit("lead", lead_id, {"owner": "x"}, user="p", role="investor", reason="r")


def test_stale_update_is_refused_with_the_current_version(store):
    lead_id = submit_inquiry(store, FORM, today=DAY)
    update_lead(store, lead_id, owner="zhang", user="a", reason="r", today=DAY,
                expect_version=1)
    with pytest.raises(StaleVersionError) as info:
        update_lead(store, lead_id, owner="li", user="b", reason="r", today=DAY,
                    expect_version=1)
    assert info.value.current_version == 2
    assert info.value.current_values == {"owner": "zhang"}


def test_bad_values_are_refused_naming_the_field(store):
    with pytest.raises(EditError, match="need_mu"):
        add_lead(store, {"company": "甲", "need_mu": -3}, user="z", reason="r", today=DAY)
    with pytest.raises(EditError, match="source"):
        add_lead(store, {"company": "甲", "source": "web"}, user="z", reason="r", today=DAY)
    with pytest.raises(EditError, match="company"):
        add_lead(store, {"phone": "1"}, user="z", reason="r", today=DAY)
    assert read_leads(store).empty


def test_read_leads_of_a_store_without_leads_is_an_empty_table(store):
    frame = read_leads(store)
    assert frame.empty and {"lead_id", "stage", "owner", "version"} <= set(frame.columns)


@pytest.mark.parametrize(("form", "fields"), [
    (FORM, []),
    ({**FORM, "phone": "", "email": "wang@example.cn"}, []),
    ({**FORM, "phone": ""}, ["phone"]),
    ({**FORM, "phone": "call me"}, ["phone"]),
    ({**FORM, "email": "not-an-address"}, ["email"]),
    ({**FORM, "company": " "}, ["company"]),
    ({**FORM, "contact_name": ""}, ["contact_name"]),
    ({**FORM, "need_mu": "-1"}, ["need_mu"]),
    ({**FORM, "need_mu": "abc"}, ["need_mu"]),
    ({**FORM, "need": "x" * 501}, ["need"]),
])
def test_inquiry_checks(form, fields):
    assert [p.field for p in check_inquiry(form)] == fields
    assert all(p.zh and p.en for p in check_inquiry(form))


@pytest.mark.parametrize(("old", "new", "ok"), [
    ("lead", "contacted", True), ("lead", "visited", True), ("contacted", "negotiating", True),
    ("negotiating", "signed", True), ("visited", "signed", False), ("lead", "signed", False),
    ("signed", "lost", False), ("signed", "lead", False), ("lost", "lead", True),
    ("contacted", "lead", False), ("visited", "lost", True),
])
def test_lead_transition_table(old, new, ok):
    assert (new in LEAD_TRANSITIONS[old]) is ok


def test_next_id_numbers_after_the_largest_matching_id():
    assert next_id([], "L") == "L00001"
    assert next_id(["L00009", "L00010", "X99999", "L7"], "L") == "L00011"
    assert next_id(["XM-L00002"], "XM-L") == "XM-L00003"


def test_text_cells_keep_formulas_out_of_spreadsheets():
    frame = pd.DataFrame({"company": ["=HYPERLINK(\"x\")", "+1", "青峰", None],
                          "n": [1, 2, 3, 4]})
    out = text_cells(frame)
    assert out["company"].tolist()[:3] == ["'=HYPERLINK(\"x\")", "'+1", "青峰"]
    assert out["n"].tolist() == [1, 2, 3, 4]

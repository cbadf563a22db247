"""Staff panel of the chains page: the target library's firms for the chain's gaps, ranked by
evidence (parts shown, unknown said as unknown), and one firm → the parcels that fit it.

Never shown to investors: the chains page calls :func:`render_targets_panel` only for staff.
"""

from __future__ import annotations

from datetime import date

import pandas as pd
import streamlit as st

from geo.chain_catalog import VERDICT_LABELS
from geo.target_match import EVIDENCE_PARTS, PART_LABELS
from layers.chains import county_target_ranking, firm_parcels
from ui import state
from ui.i18n import lang, pick

_HEADERS: dict[str, tuple[str, str]] = {
    "segment": ("环节", "Segment"),
    "verdict": ("判断", "Verdict"),
    "rank": ("排名", "Rank"),
    "name": ("企业名称", "Company"),
    "city": ("注册地", "City"),
    "score": ("证据得分", "Evidence score"),
    "known": ("已知项", "Parts known"),
    "evidence": ("证据", "Evidence"),
    "parcel": ("地块编号", "Parcel"),
    "area": ("面积(亩)", "Area (mu)"),
    "match": ("匹配得分", "Match score"),
    "reasons": ("理由", "Reasons"),
}


@st.cache_resource(show_spinner=False, max_entries=8)
def _ranking(park_id: str | None, as_of: date) -> pd.DataFrame:
    return county_target_ranking(state.county(), state.chain_catalog(), park_id=park_id,
                                 as_of=as_of)


def _h(key: str) -> str:
    return pick(_HEADERS[key])


def ranking_table(ranking: pd.DataFrame) -> pd.DataFrame:
    """The ranking as a labelled table in the session language (no codes, no JSON)."""
    en = lang() == "en"
    firms = ranking[ranking["target_id"].notna()]
    unknown = "unknown" if en else "未知"
    out = pd.DataFrame({
        _h("segment"): firms["segment_en" if en else "segment_zh"],
        _h("verdict"): [pick(VERDICT_LABELS.get(v, (v, v))) for v in firms["verdict"]],
        _h("rank"): firms["rank"].astype("Int64"),
        _h("name"): firms["name"],
        _h("city"): firms["city"].astype(object).where(firms["city"].notna(), ""),
        _h("score"): [unknown if pd.isna(s) else f"{s:.1f}" for s in firms["score"]],
        _h("known"): [f"{k}/{len(EVIDENCE_PARTS)}" for k in firms["known_parts"]],
        **{pick(PART_LABELS[p]): [unknown if v == "unknown" else f"{float(v):.2f}"
                                  for v in firms[f"part_{p}"]] for p in EVIDENCE_PARTS},
        _h("evidence"): firms["evidence_en" if en else "evidence_zh"],
    })
    return out.reset_index(drop=True)


def render_targets_panel(chain_id: str, park_id: str | None) -> None:
    """Target firms for the chain's gaps, and the parcels that fit a chosen firm."""
    st.subheader(pick(("目标企业（按证据排序）", "Target firms (ranked by evidence)")))
    ranking = _ranking(park_id, date.today())
    ranking = ranking[ranking["chain_id"] == chain_id]
    firms = ranking[ranking["target_id"].notna()]
    if firms.empty:
        st.info(pick(("本产业链的缺失、薄弱和延伸环节在目标企业库中暂无企业。",
                      "The target library has no firm for this chain's gaps.")))
        return
    st.caption(pick(("得分只计已知证据；空白即“未知”，不按 0 分计。已知不足一半的企业排在后面。",
                     "Scores use known evidence only; a blank is 'unknown', never 0. Firms "
                     "with less than half the evidence known rank last.")))
    st.dataframe(ranking_table(ranking), hide_index=True, width="stretch", height=320)
    options = dict(zip(firms["target_id"].astype(str), firms["name"].astype(str),
                       strict=True))
    chosen = st.selectbox(pick(("查看企业可选地块", "Parcels for a firm")), list(options),
                          format_func=options.get, key=f"target_firm_{chain_id}")
    if not chosen:
        return
    try:
        firm, parcels = firm_parcels(state.county(), state.chain_catalog(), chosen,
                                     park_id=park_id)
    except (KeyError, ValueError) as exc:
        st.warning(str(exc))
        return
    fitting = parcels[parcels["parcel_id"].notna()]
    best = str(fitting["parcel_id"].iloc[0]) if len(fitting) else None
    if st.button(pick(("生成招商线索", "Create a lead")), key=f"target_lead_{chosen}"):
        _create_lead(firm, best)
    en = lang() == "en"
    if fitting.empty:
        st.info(parcels["reasons_en" if en else "reasons"].iloc[0])
        return
    st.dataframe(pd.DataFrame({
        _h("parcel"): fitting["parcel_id"], _h("area"): fitting["area_mu"].round(1),
        _h("match"): fitting["score"].round(1),
        _h("reasons"): fitting["reasons_en" if en else "reasons"],
    }), hide_index=True, width="stretch")


def _create_lead(firm: pd.Series, parcel_id: str | None) -> None:
    """One click: a new lead (source 目标企业库) for the firm, its contact and best parcel."""
    from layers.chains import lead_from_target
    from layers.leads import add_lead
    from layers.store import EditError, StoreError, open_store
    from ui.auth import current_user
    from ui.inquiry import lead_store_location

    user = current_user()
    if user is None:
        return
    values = lead_from_target(firm, parcel_id=parcel_id)
    values.setdefault("owner", user.name)
    try:
        with open_store(lead_store_location()) as store:
            lead_id = add_lead(store, values, user=user.name, role=user.role,
                               reason="目标企业库生成线索 (app)",
                               today=pd.Timestamp(state.as_of()),
                               settings=state.county().policy.section("leads"))
    except (EditError, StoreError) as exc:
        st.error(str(exc))
        return
    st.success(pick((f"已生成线索 {lead_id}，见“招商线索”页。",
                     f"Lead {lead_id} created; see the Leads page.")))

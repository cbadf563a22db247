"""What-if 亩均 class for staff (shared/domain.md §4): "按现行标准预计为 B 类".

One function, :func:`render_whatif`, that a page calls in one line (the parcel finder does).
It draws nothing for investors: the cut-offs come from confidential firm figures. The
computation is :func:`geo.efficiency_whatif.whatif_class`; this module only reads the
planned figures and shows the result (escaped: group labels come from the policy file).
"""

from __future__ import annotations

import re

import pandas as pd
import streamlit as st

from geo.efficiency_whatif import planned_figures, whatif_class
from ui import state
from ui.auth import is_staff
from ui.i18n import lang

TEXTS: dict[str, tuple[str, str]] = {
    "title": ("亩均预评（按现行标准）", "Output-per-mu what-if (current standards)"),
    "help": ("输入项目或线索的计划数据，按本县现行亩均评价标准预估其等级（仅工作人员可见）。",
             "Enter a project's or lead's planned figures to see the class it would get "
             "under the county's current output-per-mu standards (staff only)."),
    "land": ("计划用地(亩)", "Planned land (mu)"),
    "output": ("计划年产值/营业收入(万元)", "Planned annual output (10k CNY)"),
    "tax": ("计划年税收(万元)", "Planned annual tax (10k CNY)"),
    "investment": ("计划投资(万元)", "Planned investment (10k CNY)"),
    "scale": ("规模", "Scale"),
    "auto": ("按产值判定", "From output"),
    "above": ("规上", "Above designated size"),
    "below": ("规下", "Below designated size"),
    "code": ("行业代码", "Industry code (GB/T 4754)"),
    "none": ("本县未载入企业数据，无法预评。", "No enterprise data loaded: no estimate."),
}

_MARKDOWN = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>~$])")


def _t(key: str) -> str:
    zh, en = TEXTS[key]
    return zh if lang() == "zh" else en


def _escaped(text: str) -> str:
    return _MARKDOWN.sub(r"\\\1", text)


def render_whatif(*, key: str = "whatif") -> None:
    """A staff-only box: planned figures in, the what-if class and its reasons out."""
    if not is_staff():
        return
    county = state.county()
    # A bordered box, not an expander: an expander folds up again on the rerun an input causes.
    with st.container(border=True, key=f"{key}_box"):
        st.markdown(f"**{_escaped(_t('title'))}**")
        st.caption(_t("help"))
        if "enterprise" not in county.layers:
            st.info(_t("none"))
            return
        left, right = st.columns(2)
        land = left.number_input(_t("land"), min_value=0.0, value=50.0, step=1.0,
                                 key=f"{key}_land")
        output = left.number_input(_t("output"), min_value=0.0, value=0.0, step=100.0,
                                   key=f"{key}_output")
        tax = left.number_input(_t("tax"), min_value=0.0, value=0.0, step=10.0,
                                key=f"{key}_tax")
        investment = right.number_input(_t("investment"), min_value=0.0, value=0.0,
                                        step=100.0, key=f"{key}_investment")
        scales = {k: _t(k) for k in ("auto", "above", "below")}  # fixed now: AppTest-safe
        scale = right.selectbox(_t("scale"), tuple(scales), format_func=scales.__getitem__,
                                key=f"{key}_scale_{lang()}")  # labels follow the language
        code = right.text_input(_t("code"), "", key=f"{key}_code")
        planned: dict[str, object] = {"land_mu": land, "industry_code": code.strip() or None,
                                      "scale": None if scale == "auto" else scale}
        for name, value in (("revenue_wan", output), ("tax_wan", tax),
                            ("investment_wan", investment)):
            if value > 0:
                planned[name] = value
        settings = county.policy.section("efficiency")
        result = whatif_class(planned, state.efficiency(pd.Timestamp(state.as_of())), settings)
        shown = st.success if result.klass in ("A", "B") else st.info
        shown(_escaped(result.text(lang())))
        detail = result.detail(lang())
        if detail:
            st.caption(_escaped(detail))


def lead_whatif_text(lead: pd.Series) -> str | None:
    """The what-if line of a lead card ("按现行标准预计为 B 类") from the lead's land need and
    planned investment (and any planned output or tax it carries); ``None`` without firm data.
    Staff only: the leads page is. The text comes back escaped for Markdown."""
    county = state.county()
    if "enterprise" not in county.layers:
        return None
    planned = planned_figures({**lead.to_dict(), "land_mu": lead.get("need_mu")})
    result = whatif_class(planned, state.efficiency(pd.Timestamp(state.as_of())),
                          county.policy.section("efficiency"))
    return _escaped(result.text(lang()))

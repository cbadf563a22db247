"""UI strings in Chinese and English; the language is chosen in the sidebar (zh default)."""

from __future__ import annotations

from collections.abc import Callable, Iterable

import streamlit as st

LANGS: dict[str, str] = {"zh": "中文", "en": "English"}
_KEY = "lang"
_WIDGET = "lang_switch"

STRINGS: dict[str, tuple[str, str]] = {
    "app_title": ("InvestMap 招商地图", "InvestMap"),
    "sample_note": ("示例数据：青峰县为虚构县，仅供演示。",
                    "Sample data: Qingfeng County is fictional."),
    "language": ("语言", "Language"),
    "nav_public": ("招商", "Invest"),
    "nav_staff": ("工作人员", "Staff"),
    "nav_account": ("账户", "Account"),
    "page_map": ("招商地图", "Investment map"),
    "page_finder": ("地块查询", "Parcel finder"),
    "page_efficiency": ("亩均评价", "Output per mu"),
    "page_chains": ("产业链招商", "Industry chains"),
    "page_export": ("导出与推介手册", "Exports and brochures"),
    "page_pipeline": ("项目挂图作战", "Project tracking"),
    "page_edit": ("数据维护", "Edit data"),
    "page_import": ("导入数据", "Import data"),
    "page_settings": ("系统设置", "Settings"),
    "page_compliance": ("合规审查", "Compliance review"),
    "page_leads": ("招商线索", "Leads"),
    "page_login": ("工作人员登录", "Staff login"),
    "page_account": ("账户", "Account"),
    "mode_investor": ("投资者模式（公开信息）", "Investor mode (public information)"),
    "mode_staff": ("工作人员模式：{name}（{role}）", "Staff mode: {name} ({role})"),
    "login": ("登录", "Log in"),
    "logout": ("退出登录", "Log out"),
    "username": ("用户名", "Username"),
    "password": ("密码", "Password"),
    "login_ok": ("已登录：{name}", "Logged in as {name}"),
    "login_hint": ("工作人员登录后可查看亩均评价、项目挂图作战等内部页面。",
                   "Staff log in to see internal pages (output per mu, project tracking)."),
    "basemap": ("底图", "Basemap"),
    "style_mode": ("地块着色", "Colour parcels by"),
    "style_status": ("供地状态", "Supply status"),
    "style_efficiency": ("亩均评价等级", "Efficiency class"),
    "style_chain": ("产业链", "Industry chain"),
    "park_filter": ("园区", "Parks"),
    "all_parks": ("全部园区", "All parks"),
    "only_offerable": ("仅显示可供应地块（状态可供应且无红线冲突）",
                       "Only parcels on offer now (offerable status, no red-line conflict)"),
    "click_hint": ("点击地块查看详情。", "Click a parcel to see its card."),
    "card_title": ("地块 {pid}", "Parcel {pid}"),
    "card_park": ("所属园区", "Park"),
    "card_item": ("项目", "Item"),
    "card_value": ("内容", "Value"),
    "card_redline": ("红线检查", "Red-line check"),
    "card_available": ("可供应", "Available now"),
    "card_not_available": ("暂不可供应", "Not available now"),
    "card_clean": ("无管控红线冲突", "No red-line conflict"),
    "card_partners": ("周边产业链企业/项目（{km} km 内）",
                      "Chain partners nearby (within {km} km)"),
    "card_no_partners": ("周边暂无产业链项目。", "No chain projects nearby."),
    "card_conflict": ("• 与{name}重叠 {mu:,.2f} 亩", "• overlaps {name}: {mu:,.2f} mu"),
    "card_contact": ("招商联系方式", "Investment contact"),
    "card_share": ("分享链接", "Share link"),
    "map_controls": ("筛选与图层", "Filters and layers"),
    "no_such_parcel": ("链接中的地块不存在。", "The parcel in the link does not exist."),
    "flagged_by_owner": ("逾期与停滞项目（按责任人）", "Overdue and stalled projects by "
                         "responsible officer"),
    "n_flagged": ("项目数", "Count"),
    "flag_overdue": ("逾期", "Overdue"),
    "flag_stalled": ("停滞/流失", "Stalled or lost"),
    "projects_list": ("项目", "Projects"),
    "edit_click_hint": ("在地图上点击地块进行编辑，或在下方选择编号。",
                        "Click a parcel on the map to edit it, or pick its ID below."),
    "distance_km": ("距离(km)", "Distance (km)"),
    "segment": ("产业链环节", "Chain segment"),
    "chain": ("产业链", "Chain"),
    "area_range": ("面积范围（亩）", "Area range (mu)"),
    "land_use": ("用地性质", "Land use"),
    "status": ("供地状态", "Status"),
    "redline_clean": ("仅显示无红线冲突", "Only parcels clear of red lines"),
    "utilities": ("必须具备的配套（七通一平）", "Required utilities"),
    "chain_fit": ("适合的产业链环节", "Fits chain segment"),
    "any": ("不限", "Any"),
    "results": ("符合条件的地块：{n:,} 个，合计 {mu:,.1f} 亩",
                "Matching parcels: {n:,}, {mu:,.1f} mu in total"),
    "download_csv": ("下载 CSV", "Download CSV"),
    "download_xlsx": ("下载 Excel", "Download Excel"),
    "reasons": ("原因", "Reasons"),
    "available": ("可供应", "Available"),
    "yes": ("是", "yes"),
    "no": ("否", "no"),
    "park_facts": ("园区概况", "Park facts"),
    "as_of": ("评价日期", "As of"),
    "class_mix": ("等级分布", "Class mix"),
    "class_n": ("{cls} 类", "Class {cls}"),
    "ranking": ("企业排名", "Ranking"),
    "map_by_class": ("地块亩均等级", "Parcels by class"),
    "park_comparison": ("园区对比（万元/亩）", "Parks compared (10k CNY/mu)"),
    "county_figures": ("全县亩均税收 {tax:,.2f} 万元/亩，亩均增加值 {va:,.2f} 万元/亩"
                       "（按用地加权）",
                       "County: tax {tax:,.2f} and value added {va:,.2f} (10k CNY/mu, "
                       "land-weighted)"),
    "eff_tax_per_mu": ("亩均税收(万元/亩)", "Tax per mu (10k CNY)"),
    "eff_value_added_per_mu": ("亩均增加值(万元/亩)", "Value added per mu (10k CNY)"),
    "eff_score": ("综合得分", "Score"),
    "eff_rank": ("排名", "Rank"),
    "eff_class": ("等级", "Class"),
    "eff_note": ("说明", "Note"),
    "eff_note_zh": ("说明", "Note"),
    "eff_reason_zh": ("原因", "Reason"),
    "eff_reason_en": ("原因", "Reason"),
    "low_efficiency": ("低效用地企业", "Low-efficiency land users"),
    "idle_land": ("闲置土地", "Idle land"),
    "idle_summary": ("闲置地块 {n} 宗，合计 {mu:,.1f} 亩", "{n} idle parcels, {mu:,.1f} mu"),
    "n_projects": ("项目总数", "Projects"),
    "n_signed": ("已签约", "Signed"),
    "n_started": ("已开工", "Started"),
    "n_completed": ("已竣工", "Completed"),
    "n_stalled": ("停滞", "Stalled"),
    "n_lost": ("流失", "Lost"),
    "n_overdue": ("逾期", "Overdue"),
    "n_due": ("应履约", "Due"),
    "n_performed": ("已履约", "Performed"),
    "investment_wan": ("投资额(万元)", "Investment (10k CNY)"),
    "outside_parks": ("园区外", "Outside parks"),
    "signing_rate": ("签约率", "Signing rate"),
    "start_rate": ("开工率", "Start rate"),
    "completion_rate": ("竣工率", "Completion rate"),
    "performance_rate": ("履约率", "Performance rate"),
    "rates_by": ("分组", "Group by"),
    "by_park_id": ("按园区", "By park"),
    "by_chain_id": ("按产业链", "By chain"),
    "projects_by_stage": ("项目分布（按阶段）", "Projects by stage"),
    "overdue": ("逾期项目", "Overdue projects"),
    "stalled": ("停滞与流失项目", "Stalled and lost projects"),
    "scope": ("范围", "Scope"),
    "whole_county": ("全县", "Whole county"),
    "segments": ("环节评价", "Segments and verdicts"),
    "worklist": ("招商清单（缺链/弱链 → 地块 → 目标企业）",
                 "Promotion worklist (gap → parcels → target enterprises)"),
    "position": ("位置", "Position"),
    "verdict": ("评价", "Verdict"),
    "parcel_id": ("地块编号", "Parcel"),
    "area_mu": ("面积(亩)", "Area (mu)"),
    "chain_map": ("产业链地图", "Chain map"),
    "staff_only": ("此页面仅限工作人员。", "Staff only."),
    "filters": ("筛选条件", "Filters"),
    "relax_one": ("放宽「{name}」可得 {n:,} 块", "relax “{name}”: {n:,} parcels"),
    "empty_relax": ("没有符合全部条件的地块。可放宽：{filters}。",
                    "No parcel meets every filter. Try relaxing: {filters}."),
    "empty_all": ("没有符合条件的地块，且单独放宽任一条件仍无结果：请同时放宽多个条件。",
                  "No parcel matches, and relaxing any single filter still gives none: relax "
                  "several filters."),
    "loading": ("正在加载数据…", "Loading data…"),
    # issue 32: 重点项目台账 and 挂图作战 step by step
    "ledger_title": ("重点项目台账 · 前期手续挂图作战", "Key-project ledger · steps on the board"),
    "ledger_none": ("尚未导入重点项目台账。请在「数据导入」页依次以「重点项目台账」「前期手续」"
                    "「月度进展」图层导入台账 Excel，或请管理员导入。",
                    "No key-project ledger yet. Import the ledger workbook on the Import page "
                    "(layers Key-project ledger, Preparatory step, Monthly progress), or ask "
                    "an administrator to load it."),
    "ledger_stuck_steps": ("卡壳环节", "Stuck steps"),
    "ledger_stuck_projects": ("手续卡壳的未开工项目", "Not started, a step stuck"),
    "ledger_rate": ("年度投资完成率", "Annual investment completion"),
    "ledger_no_progress": ("{weeks}周无新形象进度", "No new progress in {weeks} weeks"),
    "ledger_board": ("卡壳环节（按逾期天数）", "Stuck steps (most days late first)"),
    "ledger_board_empty": ("今天没有卡壳环节。", "No step is stuck today."),
    "ledger_by_department": ("责任单位", "By responsible department"),
    "ledger_by_leader": ("包抓领导", "By leader in charge"),
    "ledger_rates": ("投资完成率", "Investment completion"),
    "ledger_rates_by": ("分组", "Group by"),
    "ledger_rates_project": ("按项目", "Per project"),
    "ledger_rates_group": ("按责任单位、领导、园区、产业链", "By department, leader, park, chain"),
    "ledger_stalled": ("无新形象进度的在建项目",
                       "Projects under construction without new progress"),
    "ledger_card": ("项目卡片", "Project card"),
    "ledger_pick": ("选择项目", "Choose a project"),
    "ledger_timeline": ("前期手续时间线", "Step timeline"),
    "ledger_months": ("月度进展", "Monthly progress"),
    "ledger_photos": ("进度照片", "Progress photos"),
    "ledger_no_photos": ("暂无进度照片。", "No progress photos yet."),
    "ledger_report": ("推进会报告", "Progress meeting report"),
    "ledger_report_xlsx": ("下载报告（Excel）", "Download report (Excel)"),
    "ledger_report_pdf": ("下载报告（PDF）", "Download report (PDF)"),
    "ledger_state": ("办理状态", "State"),
    "ledger_step": ("手续环节", "Step"),
    "ledger_planned": ("计划办结", "Planned by"),
    "ledger_done": ("办结日期", "Done on"),
    "ledger_days_late": ("逾期天数", "Days late"),
    "ledger_back_scheduled": ("（倒排）", " (back-scheduled)"),
    "ledger_month": ("月份", "Month"),
    "ledger_invested": ("当月完成投资(万元)", "Invested in the month (10k CNY)"),
    "ledger_cumulative": ("累计完成投资(万元)", "Invested this year (10k CNY)"),
    "ledger_progress": ("形象进度", "Site progress"),
    "ledger_content": ("建设内容", "Construction content"),
    "ledger_department": ("责任单位", "Responsible department"),
    "ledger_leader": ("包抓领导", "Leader in charge"),
    "ledger_item": ("项目", "Item"),
    "ledger_value": ("内容", "Value"),
    "ledger_ring_note": ("地图上重点项目的外圈颜色表示其最差的手续环节（见图例）。",
                         "On the map, a key project's outer ring shows its worst step (see the "
                         "legend)."),
    # issue 29: the map's first draw at a million parcels
    "park_facts_choose": ("共 {total} 个园区：在地图旁“筛选与图层”的“园区”中选择园区，"
                          "即列出所选园区的概况。",
                          "{total} parks: choose parks under \"Parks\" in \"Filters and "
                          "layers\" next to the map to list their facts."),
}


def lang() -> str:
    """The session's language code (``zh`` or ``en``)."""
    value = st.session_state.get(_KEY, "zh")
    return value if value in LANGS else "zh"


def t(key: str, **values: object) -> str:
    """The UI string ``key`` in the session's language, formatted with ``values``."""
    zh, en = STRINGS[key]
    text = zh if lang() == "zh" else en
    return text.format(**values) if values else text


def pick(pair: tuple[str, str]) -> str:
    """The element of a (zh, en) pair for the session's language."""
    return pair[0] if lang() == "zh" else pair[1]


def language_switch() -> None:
    """The zh/en switch in the sidebar. The choice is kept under a plain session key (a
    widget's own key is dropped on a run that does not draw it, e.g. a page redirect)."""
    def chosen() -> None:
        st.session_state[_KEY] = st.session_state[_WIDGET]

    st.sidebar.radio("语言 / Language", list(LANGS), key=_WIDGET, index=list(LANGS).index(lang()),
                     format_func=LANGS.__getitem__, horizontal=True, on_change=chosen)


def shown_as(options: Iterable[object], text: Callable[[object], str]) -> Callable[[object], str]:
    """A widget ``format_func`` whose texts are made now, in the session's language (a
    lazy one would be called later outside the run, e.g. by ``AppTest``, in the default
    language)."""
    table = {option: text(option) for option in options}
    return lambda option: table.get(option, str(option))

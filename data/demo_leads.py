"""Demo 招商线索 (leads) of the fictional county: a handful at every stage, so the leads page
and 到责任人 demo with something to chase.

All companies, people and phone numbers are fictional. Dates are fixed relative to the demo's
as-of date (``data.demo.AS_OF``): some next actions are overdue on that date, one lead was
registered twice (same company and phone: the duplicate warning), one arrived through the
investor form and has no owner yet.
"""

from __future__ import annotations

import pandas as pd

_LEADS: tuple[tuple, ...] = (
    # stage, source, company, industry, need 亩, 万元, owner, contact, phone,
    # received (days before), next action, next action date (days after; < 0 = overdue),
    # lost reason
    ("lead", "inquiry", "宁川新材料科技有限公司", "新材料", 60, 18000, None, "陈工",
     "139-0000-1201", 3, None, None, None),
    ("lead", "fair", "北岭精密机械有限公司", "装备制造", 40, 12000, "promoter", "刘经理",
     "139-0000-1202", 12, "电话回访，约定考察时间", -4, None),
    ("lead", "referral", "嘉禾食品集团有限公司", "农产品加工", 80, 25000, "admin", "赵总",
     "139-0000-1203", 9, "寄送园区推介材料", 5, None),
    ("contacted", "visit", "启明储能系统有限公司", "新能源", 120, 60000, "promoter", "孙总",
     "139-0000-1204", 40, "准备用地方案比选", -18, None),
    ("contacted", "fair", "华禹环保装备有限公司", "节能环保", 35, 9000, "admin", "周经理",
     "139-0000-1205", 26, "提供电价、蒸汽价格", 7, None),
    ("contacted", "inquiry", "北岭精密机械有限公司", "装备制造", 40, 12000, "promoter", "刘经理",
     "139-0000-1202", 5, "核对是否与已有线索重复", 2, None),
    ("visited", "referral", "远舟医药包装有限公司", "医药", 50, 15000, "promoter", "吴总",
     "139-0000-1207", 75, "起草投资协议框架", -35, None),
    ("visited", "visit", "青松木业有限公司", "家居建材", 30, 6000, "admin", "郑经理",
     "139-0000-1208", 60, "二次考察园区标准厂房", 10, None),
    ("negotiating", "target", "恒拓汽车零部件有限公司", "汽车零部件", 150, 80000, "promoter",
     "冯总", "139-0000-1209", 120, "协议条款会商（供地时间、基础设施）", 3, None),
    ("negotiating", "fair", "瑞丰光伏材料有限公司", "新能源", 200, 120000, "admin", "王总",
     "139-0000-1210", 150, "报县政府常务会研究", -9, None),
    ("signed", "referral", "澄江生物发酵有限公司", "生物制造", 90, 40000, "promoter", "何总",
     "139-0000-1211", 210, "办理供地手续", 20, None),
    ("signed", "target", "铭远电子材料有限公司", "电子信息", 70, 30000, "admin", "许总",
     "139-0000-1212", 260, None, None, None),
    ("lost", "fair", "东陵纺织有限公司", "纺织服装", 45, 8000, "promoter", "蒋经理",
     "139-0000-1213", 180, None, None, "选择了邻县园区（用地价格）"),
    ("lost", "visit", "晨星物流有限公司", "现代物流", 100, 20000, "admin", "沈总",
     "139-0000-1214", 140, None, None, "企业投资计划推迟"),
)


def build_leads(park_ids: list[str], *, as_of: pd.Timestamp) -> pd.DataFrame:
    """The demo leads (ids ``L00001`` …), their parks of interest taken in turn from
    ``park_ids``; dates relative to ``as_of``."""
    rows = []
    for k, (stage, source, company, industry, need_mu, wan, owner, contact, phone, received,
            action, due, lost) in enumerate(_LEADS):
        day = as_of - pd.Timedelta(days=received)
        follow = None if stage == "lead" and owner is None else as_of - pd.Timedelta(
            days=min(received, 6 + 3 * k % 20))
        rows.append({
            "lead_id": f"L{k + 1:05d}", "source": source, "company": company,
            "industry": industry, "need_mu": float(need_mu), "investment_wan": float(wan),
            "need": f"{industry}项目，需用地约 {need_mu} 亩", "parcel_id": None,
            "park_id": park_ids[k % len(park_ids)] if park_ids else None,
            "contact_name": contact, "phone": phone, "email": None, "owner": owner,
            "stage": stage, "lost_reason": lost, "received_date": day.date().isoformat(),
            "last_follow_up": None if follow is None else follow.date().isoformat(),
            "next_action": action,
            "next_action_date": None if due is None
            else (as_of + pd.Timedelta(days=due)).date().isoformat(),
            "notes": None if follow is None
            else f"{follow.date().isoformat()} {owner or '—'}：已联系企业，了解用地与投资计划",
            "project_id": None,
        })
    out = pd.DataFrame(rows)
    for column in ("received_date", "last_follow_up", "next_action_date"):
        out[column] = pd.to_datetime(out[column])  # written as GeoPackage DATETIME
    return out

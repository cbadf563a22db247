"""What a brochure (推介手册) says: key facts, distances, supply terms, chain tables.

Pure content in the brochure's language, built only from public registry columns, the
availability verdicts and investor views of the chain analysis. Codes become labels; a name
or address that exists only in Chinese is marked so in English (never mixed silently); a fact
the data does not hold is left out rather than printed as a note for staff.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from exports.common import tr
from exports.tables import utilities_text
from geo.chain_catalog import INVESTOR_VERDICT_LABELS
from geo.chains import POSITION_LABELS, ChainCatalog
from layers.county import County
from layers.registry import (
    LAND_USES,
    PARCEL_STATUSES,
    PARK_LEVELS,
    UTILITIES,
    label,
)
from layers.sites import facility_facts

GAP_VERDICTS = ("missing", "thin", "extension")
PARCELS_PER_SEGMENT = 6
ZH_ONLY = " (name in Chinese only)"


@dataclass
class Context:
    """Everything a brochure reads, gathered once."""

    county: County
    lang: str
    park: pd.Series
    verdicts: pd.DataFrame
    offerable: pd.DataFrame
    catalog: ChainCatalog
    analysis: pd.DataFrame
    worklist: pd.DataFrame
    pictures: dict[str, str] = field(default_factory=dict)
    """Pictures drawn once per context (chain diagrams), as data URIs, by name."""


def english_or_chinese(row: pd.Series, column: str, lang: str) -> str:
    """``<column>_en`` in English when set, else the Chinese value marked as Chinese-only."""
    zh = row.get(column)
    zh = "" if zh is None or (isinstance(zh, float) and pd.isna(zh)) else str(zh)
    if lang == "zh":
        return zh
    en = row.get(f"{column}_en")
    if isinstance(en, str) and en.strip():
        return en.strip()
    return zh + ZH_ONLY if zh else ""


def park_name(park: pd.Series, lang: str) -> str:
    return english_or_chinese(park, "name", lang)


def park_chains(ctx: Context) -> list[str]:
    """The park's leading chains that the chain catalog defines (others have no diagram)."""
    known = set(ctx.catalog.chain_ids)
    return [c for c in (ctx.park["leading_industries"] or []) if c in known]


def industry_labels(ctx: Context) -> list[str]:
    """Leading industries as chain names (an id the chain catalog does not define has no
    name to show and is left out, never printed as a code)."""
    known = set(ctx.catalog.chain_ids)
    out = []
    for code in ctx.park["leading_industries"] or []:
        if code in known:
            out.append(ctx.catalog.chain(code).name(ctx.lang))
    return out


def fmt_range(values: pd.Series, unit: str = "", *, digits: int = 1) -> str:
    """``min–max unit`` of the non-missing values (one value when they agree; — when none)."""
    values = pd.to_numeric(values, errors="coerce").dropna()
    if values.empty:
        return "—"
    lo, hi = float(values.min()), float(values.max())
    text = f"{lo:,.{digits}f}" if lo == hi else f"{lo:,.{digits}f}–{hi:,.{digits}f}"
    return f"{text} {unit}".strip()


def far_range(rows: pd.DataFrame) -> str:
    lo = pd.to_numeric(rows["far_min"], errors="coerce").dropna()
    hi = pd.to_numeric(rows["far_max"], errors="coerce").dropna()
    if lo.empty and hi.empty:
        return "—"
    low = f"{lo.min():.1f}" if not lo.empty else "—"
    high = f"{hi.max():.1f}" if not hi.empty else "—"
    return f"{low}–{high}"


def park_facts(ctx: Context) -> list[tuple[str, str]]:
    """The park's key facts (level, area, offer, indicators, red lines, address)."""
    lang, park, offer = ctx.lang, ctx.park, ctx.offerable
    parcels = ctx.county["parcel"]
    rows = parcels[parcels["parcel_id"].isin(set(offer["parcel_id"]))]
    warned = int((~offer["redline_check"].isin(
        [tr("不涉及管控红线", "No red-line conflict", lang)])).sum())
    redline = tr(f"{len(offer)} 宗可供应地块均已通过生态保护红线、永久基本农田、城镇开发边界核查",
                 f"All {len(offer)} offerable parcels are clear of the ecological red line, "
                 "permanent farmland and outside-boundary conflicts", lang)
    if warned:
        redline += tr(f"（{warned} 宗有提示，见清单）", f" ({warned} with a warning, see the list)",
                      lang)
    full = sum(1 for u in rows["utilities"] if isinstance(u, list | tuple)
               and len(set(u)) == len(UTILITIES))
    unit = tr("万元/亩", "10k CNY/mu", lang)
    facts = [
        (tr("园区级别", "Level", lang), label(PARK_LEVELS, str(park["level"]), lang)),
        (tr("主导产业", "Leading industries", lang),
         tr("、", ", ", lang).join(industry_labels(ctx)) or "—"),
        (tr("规划面积", "Area", lang), f"{park['area_mu']:,.0f} " + tr("亩", "mu", lang)),
        (tr("可供应地块", "Offerable parcels", lang),
         tr(f"{len(offer)} 宗，合计 {offer['area_mu'].sum():,.1f} 亩",
            f"{len(offer)} parcels, {offer['area_mu'].sum():,.1f} mu in total", lang)),
        (tr("单宗面积", "Parcel size", lang), fmt_range(offer["area_mu"], tr("亩", "mu", lang))),
        (tr("用地性质", "Land use", lang),
         tr("、", ", ", lang).join(sorted({label(LAND_USES, str(u), lang)
                                           for u in rows["land_use"]})) or "—"),
        (tr("容积率", "Floor area ratio", lang), far_range(rows)),
        (tr("出让底价", "Land price", lang), fmt_range(rows["price_wan_per_mu"], unit)),
        (tr("投资强度", "Min. investment", lang),
         fmt_range(rows["investment_min_wan_per_mu"], unit, digits=0)),
        (tr("亩均税收", "Min. tax per mu", lang), fmt_range(rows["tax_min_wan_per_mu"], unit)),
        (tr("七通一平", "Utilities", lang),
         tr(f"{full} 宗地块七通一平全部到位",
            f"{full} parcels fully serviced (all 8 utilities)", lang)),
        (tr("红线核查", "Red-line check", lang), redline),
    ]
    address = english_or_chinese(park, "address", lang)
    if address:
        facts.append((tr("地址", "Address", lang), address))
    return facts


def redline_check(ctx: Context, parcel: pd.Series) -> str:
    verdict = ctx.verdicts[ctx.verdicts["parcel_id"] == parcel["parcel_id"]].iloc[0]
    reasons = str(verdict["reasons_zh" if ctx.lang == "zh" else "reasons_en"] or "")
    if bool(verdict["available"]):
        if reasons:
            return tr("可供应；", "Can be offered; ", ctx.lang) + reasons
        return tr("不涉及管控红线，可供应", "No red-line conflict; can be offered", ctx.lang)
    return tr("暂不可供应：", "Not offerable now: ", ctx.lang) + reasons


def parcel_facts(ctx: Context, parcel: pd.Series) -> list[tuple[str, str]]:
    """The parcel's identity, size, status, utilities, red-line check and distances."""
    lang = ctx.lang
    utilities = parcel["utilities"] if isinstance(parcel["utilities"], list | tuple) else []
    return [
        (tr("地块编号", "Parcel ID", lang), str(parcel["parcel_id"])),
        (tr("所属园区", "Park", lang), park_name(ctx.park, lang)),
        (tr("面积", "Area", lang), f"{parcel['area_mu']:,.2f} " + tr("亩", "mu", lang)),
        (tr("用地性质", "Land use", lang), label(LAND_USES, str(parcel["land_use"]), lang)),
        (tr("供地状态", "Status", lang), label(PARCEL_STATUSES, str(parcel["status"]), lang)),
        (tr("七通一平", "Utilities", lang),
         f"{len(set(utilities))}/{len(UTILITIES)} " + utilities_text(utilities, lang)),
        (tr("红线核查", "Red-line check", lang), redline_check(ctx, parcel)),
        *distance_facts(ctx.county, parcel.geometry, lang),
    ]


def supply_terms(ctx: Context, parcel: pd.Series) -> list[tuple[str, str]]:
    """标准地 control indicators the parcel is offered with (price, investment, tax, FAR)."""
    lang = ctx.lang
    unit = tr("万元/亩", "10k CNY/mu", lang)
    one = parcel.to_frame().T
    return [
        (tr("出让底价", "Land price", lang), fmt_range(one["price_wan_per_mu"], unit)),
        (tr("投资强度（不低于）", "Min. investment", lang),
         fmt_range(one["investment_min_wan_per_mu"], unit, digits=0)),
        (tr("亩均税收（不低于）", "Min. tax per mu", lang),
         fmt_range(one["tax_min_wan_per_mu"], unit)),
        (tr("容积率", "Floor area ratio", lang), far_range(one)),
    ]


def distance_facts(county: County, geometry: object, lang: str) -> list[tuple[str, str]]:
    """Distance to the nearest facility of each kind, named in the brochure's language
    ("To highway interchange" → "Interchange 3, 1.1 km")."""
    facilities = county.layers.get("facility")
    if facilities is None or not len(facilities) or geometry is None:
        return []
    named = facilities.copy()
    named["name"] = [english_or_chinese(row, "name", lang) for _, row in named.iterrows()]
    return facility_facts(county, geometry, lang, facilities=named)


def chain_targets(ctx: Context, chain_id: str, highlight: str | None
                  ) -> list[tuple[str, str, str, str]]:
    """(segment, position, verdict, suitable parcels) of the chain's open segments."""
    lang = ctx.lang
    rows = ctx.analysis[(ctx.analysis["chain_id"] == chain_id)
                        & ctx.analysis["verdict"].isin(GAP_VERDICTS)]
    return [(str(row["zh" if lang == "zh" else "en"]),
             label(POSITION_LABELS, str(row["position"]), lang),
             label(INVESTOR_VERDICT_LABELS, str(row["verdict"]), lang),
             _parcels_for(ctx, chain_id, str(row["segment_id"]), highlight))
            for _, row in rows.iterrows()]


def _parcels_for(ctx: Context, chain_id: str, segment_id: str, highlight: str | None) -> str:
    w = ctx.worklist
    rows = w[(w["chain_id"] == chain_id) & (w["segment_id"] == segment_id)
             & w["parcel_id"].notna()]
    if rows.empty:
        return tr("暂无匹配地块，可按需规划供地", "No fitting parcel yet; land can be planned",
                  ctx.lang)
    parts = [f"{'★' if pid == highlight else ''}{pid}（{mu:,.0f} 亩）" if ctx.lang == "zh"
             else f"{'★' if pid == highlight else ''}{pid} ({mu:,.0f} mu)"
             for pid, mu in zip(rows["parcel_id"], rows["area_mu"], strict=True)]
    if highlight in set(rows["parcel_id"]):  # this parcel first
        parts.sort(key=lambda p: not p.startswith("★"))
    more = len(parts) - PARCELS_PER_SEGMENT
    text = tr("、", ", ", ctx.lang).join(parts[:PARCELS_PER_SEGMENT])
    if more > 0:
        text += tr(f" 等 {len(parts)} 宗", f" and {more} more", ctx.lang)
    return text


def suited_segments(ctx: Context, parcel_id: str) -> list[tuple[str, str]]:
    """(chain_id, segment_id) the park's promotion list suggests this parcel for."""
    w = ctx.worklist[ctx.worklist["parcel_id"] == parcel_id]
    return list(dict.fromkeys(zip(w["chain_id"].astype(str), w["segment_id"].astype(str),
                                  strict=True)))


def chain_neighbours(ctx: Context, segment_id: str) -> list[tuple[str, str, str]]:
    """(relation, segment, presence in the park) for the suppliers and customers of a
    segment: who would be next door in the chain."""
    lang = ctx.lang
    segs = ctx.catalog.segments
    verdict = dict(zip(ctx.analysis["segment_id"].astype(str),
                       ctx.analysis["verdict"].astype(str), strict=True))
    rows = []
    for other in ctx.catalog.suppliers_of(segment_id):
        if other != segment_id:
            rows.append((tr("上游供应", "Supplier", lang), segs[other].name(lang),
                         label(INVESTOR_VERDICT_LABELS, verdict.get(other, "missing"), lang)))
    for other in segs[segment_id].supplies:
        if other != segment_id:
            rows.append((tr("下游客户", "Customer", lang), segs[other].name(lang),
                         label(INVESTOR_VERDICT_LABELS, verdict.get(other, "missing"), lang)))
    return rows


def offerable_rows(ctx: Context) -> list[list[str]]:
    """The park's offerable parcels, largest first, as table cells."""
    lang = ctx.lang
    ordered = ctx.offerable.sort_values("area_mu", ascending=False)
    out = []
    for _, row in ordered.iterrows():
        check = (tr("✓ 无冲突", "✓ clear", lang)
                 if row["redline_check"] in ("不涉及管控红线", "No red-line conflict")
                 else tr("⚠ 有提示：", "⚠ ", lang) + str(row["redline_check"]))
        out.append([str(row["parcel_id"]), str(row["land_use"]), f"{row['area_mu']:,.2f}",
                    far_range(row.to_frame().T),
                    _num(row["price_wan_per_mu"]), _num(row["investment_min_wan_per_mu"], 0),
                    _num(row["tax_min_wan_per_mu"]), check])
    return out


def _num(value: object, digits: int = 1) -> str:
    if value is None or pd.isna(value):  # type: ignore[arg-type]
        return "—"
    return f"{float(value):,.{digits}f}"  # type: ignore[arg-type]


def inquiry_steps(lang: str) -> list[str]:
    """How an investor takes the next step (the same words on the web pages)."""
    return [tr("致电或发邮件至招商联系，说明项目、用地规模和所选地块编号；",
               "Call or e-mail the investment contact with your project, the land area it "
               "requires and the parcel ID;", lang),
            tr("约定现场踏勘，查看地块及周边配套；",
               "Arrange a site visit to see the parcel and its surroundings;", lang),
            tr("按标准地出让条件洽谈项目准入与供地方式。",
               "Discuss project admission and the land offer under the parcel's terms.", lang)]

"""Brochure pages after the cover: one chain page per leading industry, the parcel list."""

from __future__ import annotations

import pandas as pd
from matplotlib.figure import Figure

from exports import brochure_layout as lay
from exports.common import tr
from geo.chain_catalog import INVESTOR_VERDICT_LABELS
from geo.chains import POSITION_LABELS, ChainCatalog
from layers.registry import label

GAP_VERDICTS = ("missing", "thin", "extension")
PARCEL_HEADERS = {
    "zh": ("地块编号", "用地性质", "面积(亩)", "容积率", "出让底价", "投资强度", "亩均税收",
           "七通一平", "红线核查"),
    "en": ("Parcel", "Land use", "Area (mu)", "FAR", "Price", "Investment", "Tax/mu",
           "Utilities", "Red-line check"),
}


def chain_page(catalog: ChainCatalog, chain_id: str, analysis: pd.DataFrame,
               worklist: pd.DataFrame, *, lang: str, kicker: str,
               highlight: str | None = None) -> Figure:
    """The chain diagram (segments coloured by verdict) on an A4 page, with the gaps (补链),
    thin segments (强链) and extensions (延链) listed with the parcels that suit them.

    ``analysis`` and ``worklist`` must already be investor views (names and verdicts only).
    """
    from charts.chain_diagram import chain_figure

    chain = catalog.chain(chain_id)
    from charts.chain_diagram import BOX_W

    fig = chain_figure(catalog, chain_id, analysis, lang=lang, title=" ",
                       verdict_labels=INVESTOR_VERDICT_LABELS)
    fig.set_size_inches(*lay.A4_PORTRAIT_IN)
    fig.set_facecolor("white")
    diagram = fig.axes[0]
    (x0, x1), (y0, y1) = diagram.get_xlim(), diagram.get_ylim()
    width_in, height_in = lay.A4_PORTRAIT_IN
    height = min(0.45, 0.92 * width_in * (y1 - y0) / (x1 - x0) / height_in)
    diagram.set_position((0.04, 0.865 - height, 0.92, height))
    diagram.set_anchor("N")
    diagram.set_adjustable("box")  # keep the diagram's limits, shrink the box to its aspect
    diagram.apply_aspect()
    lay.fit_in_boxes(diagram, BOX_W)  # the page shrank the boxes: measure, shrink the words
    lay.header(fig, chain.name(lang), tr("产业链图谱：已有布局与招商机会",
                                         "Industry chain: what is here, what is wanted", lang),
               kicker)
    top = 0.865 - height - 0.035
    lay.section_title(fig, 0.05, top, tr("招商方向与推荐地块", "Targets and suitable parcels",
                                         lang))
    rows = analysis[(analysis["chain_id"] == chain_id)
                    & analysis["verdict"].isin(GAP_VERDICTS)]
    table = pd.DataFrame({
        "segment": rows["zh" if lang == "zh" else "en"].astype(str),
        "position": [label(POSITION_LABELS, str(p), lang) for p in rows["position"]],
        "verdict": [label(INVESTOR_VERDICT_LABELS, str(v), lang) for v in rows["verdict"]],
        "parcels": [_parcels_for(worklist, chain_id, str(s), highlight, lang)
                    for s in rows["segment_id"]],
    })
    if table.empty:
        fig.text(0.06, top - 0.03, tr("本园区该产业链各环节均已布局。",
                                "Every segment of this chain is present in the park.", lang),
                 fontsize=9.5, color=lay.INK, va="top")
        return fig
    heads = (tr("环节", "Segment", lang), tr("位置", "Position", lang),
             tr("判定", "Verdict", lang), tr("推荐地块（面积 亩）", "Suitable parcels (mu)", lang))
    shown = lay.parcel_table(fig, table, heads, top=top - 0.015, bottom=0.14,
                             widths=(1.3, 0.7, 1.0, 3.4))
    if shown < len(table):
        fig.text(0.05, 0.135, tr(f"另有 {len(table) - shown} 个环节见 Excel 清单",
                                 f"{len(table) - shown} more segments in the Excel list", lang),
                 fontsize=7.5, color=lay.MUTED)
    return fig


def _parcels_for(worklist: pd.DataFrame, chain_id: str, segment_id: str,
                 highlight: str | None, lang: str) -> str:
    rows = worklist[(worklist["chain_id"] == chain_id) & (worklist["segment_id"] == segment_id)
                    & worklist["parcel_id"].notna()]
    if rows.empty:
        return tr("暂无匹配地块，可按需规划供地", "no fitting parcel yet; land can be planned",
                  lang)
    parts = []
    for pid, mu in zip(rows["parcel_id"], rows["area_mu"], strict=True):
        mark = "★" if highlight is not None and pid == highlight else ""
        parts.append(f"{mark}{pid}（{mu:,.0f}）")
    return " ".join(parts[:4])


def parcels_page(offerable: pd.DataFrame, *, lang: str, kicker: str) -> Figure:
    """The offerable parcels as a table (largest first; the rest named in a note)."""
    fig = lay.new_page()
    lay.header(fig, tr("可供应地块清单", "Offerable parcels", lang),
               tr(f"共 {len(offerable)} 宗，合计 {offerable['area_mu'].sum():,.1f} 亩",
                  f"{len(offerable)} parcels, {offerable['area_mu'].sum():,.1f} mu in total",
                  lang), kicker)
    ordered = offerable.sort_values("area_mu", ascending=False)
    table = pd.DataFrame({
        "parcel_id": ordered["parcel_id"],
        "land_use": ordered["land_use"],
        "area_mu": ordered["area_mu"].map(lambda v: f"{v:,.2f}"),
        "far": [_far(a, b) for a, b in zip(ordered["far_min"], ordered["far_max"], strict=True)],
        "price": ordered["price_wan_per_mu"],
        "investment": ordered["investment_min_wan_per_mu"],
        "tax": ordered["tax_min_wan_per_mu"],
        "utilities": [f"{len(str(u).split('、' if lang == 'zh' else ', ')) if u else 0}/8"
                      for u in ordered["utilities"]],
        "check": [_short_check(c, lang) for c in ordered["redline_check"]],
    })
    fig.text(0.95, 0.872, tr("出让底价、投资强度、亩均税收单位：万元/亩",
                             "price, investment and tax in 10k CNY/mu", lang),
             fontsize=7, color=lay.MUTED, ha="right", va="bottom")
    shown = lay.parcel_table(fig, table, PARCEL_HEADERS[lang], top=0.865, bottom=0.15,
                             widths=(1.0, 1.3, 0.8, 0.75, 0.8, 0.8, 0.8, 0.8, 1.0))
    if shown < len(table):
        fig.text(0.05, 0.135, tr(f"按面积列出前 {shown} 宗；另有 {len(table) - shown} 宗见在线地图"
                                 "及 Excel 清单。",
                                 f"Largest {shown} listed; {len(table) - shown} more in the "
                                 "online map and the Excel list.", lang),
                 fontsize=7.5, color=lay.MUTED)
    return fig


def _far(low: object, high: object) -> str:
    parts = ["—" if v is None or pd.isna(v) else f"{float(v):.1f}"
             for v in (low, high)]
    return "–".join(parts)


def _short_check(text: str, lang: str) -> str:
    if text in ("不涉及管控红线", "No red-line conflict"):
        return tr("✓ 无冲突", "✓ clear", lang)
    return tr("⚠ 有提示", "⚠ warning", lang)

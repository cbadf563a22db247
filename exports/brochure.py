"""PDF brochure (推介手册) of a park or a parcel, typeset on A4 by WeasyPrint.

The brochure is an HTML document (:mod:`exports.brochure_html`) with CSS page boxes: the
contact block, source line and QR code sit in the bottom page margin as a running foot, the
title and page number in the top margin, so body text can never run into them; facts and
parcel lists are tables that flow to the next page with their header row repeated. The static
map and the chain diagrams are matplotlib pictures (:mod:`exports.brochure_images`).

A park brochure: cover (map, key facts, about, leading industries), one section per leading
chain (diagram, open segments with the parcels that suit them), the offerable parcels and how
to inquire. A parcel brochure: cover (parcel map, key facts, distances, what it suits), the
park inset, the supply terms (标准地 indicators), the chain neighbours of what it suits, the
chain sections with this parcel starred, and how to inquire. Only public columns and investor
views of the chain analysis are used; text stays text (``pdftotext`` extracts it), fonts are
embedded as subsets.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from pathlib import Path

import pandas as pd

from exports import brochure_html as bh
from exports.brochure_content import (
    Context,
    chain_neighbours,
    chain_targets,
    english_or_chinese,
    industry_labels,
    inquiry_steps,
    offerable_rows,
    parcel_facts,
    park_chains,
    park_facts,
    park_name,
    suited_segments,
    supply_terms,
)
from exports.brochure_images import chain_png, data_uri, map_png
from exports.common import LANGS, ExportError, atomic_output, check_choice, tr
from exports.fonts import find_cjk_family
from exports.qr import qr_png
from exports.settings import ExportSettings
from exports.static_map import MapView
from exports.tables import as_of_public, offerable_parcels, park_row
from exports.typeset import write_pdf
from layers.county import County
from layers.registry import PARK_LEVELS, label
from layers.supply import availability
from webmap.links import public_base, view_url

PARCEL_HEADERS = {
    "zh": ("地块编号", "用地性质", "面积(亩)", "容积率", "出让底价", "投资强度", "亩均税收",
           "红线核查"),
    "en": ("Parcel", "Land use", "Area (mu)", "FAR", "Price", "Investment", "Tax/mu",
           "Red-line check"),
}


def export_brochure(county: County, out: str | Path, *, park_id: str | None = None,
                    parcel_id: str | None = None, lang: str = "zh",
                    settings: ExportSettings | None = None, link: str | None = None,
                    context: Context | None = None,
                    step: Callable[[str], None] | None = None) -> Path:
    """Write the brochure of one park or one parcel as an A4 PDF.

    Parameters
    ----------
    county : loaded county (park, parcel, project, redline, enterprise layers).
    out : the ``.pdf`` file (written atomically).
    park_id, parcel_id : exactly one of them.
    lang : ``zh`` or ``en``.
    settings : export settings (title, contact, online map URL, source line);
        ``policy.section("export")`` by default.
    link : where the QR code points; by default the park's or parcel's view of the online
        map at :func:`webmap.links.public_base` (the admin's public base URL, else
        ``settings.online_map_url``, else the local server).
    context : :func:`brochure_context` of the park in ``lang``, when already built (the
        published site typesets many brochures of one park; chain diagrams are drawn once).
    step : called with a short description as each part starts (progress display).

    Returns
    -------
    Path
        ``out``.

    Raises
    ------
    ExportError
        Neither or both ids, an unknown id, a parcel outside every park.
    exports.fonts.FontNotFoundError
        No CJK font installed (the message says how to install one).
    """
    check_choice(lang, LANGS, "language")
    if (park_id is None) == (parcel_id is None):
        raise ExportError("give exactly one of --park ID or --parcel ID")
    family = find_cjk_family()
    settings = settings or county.policy.section("export")
    parcel = _parcel_row(county, parcel_id) if parcel_id is not None else None
    if parcel is not None:
        park_id = parcel["park_id"]
        if park_id is None or pd.isna(park_id):
            raise ExportError(f"parcel {parcel_id!r} lies outside every park; a brochure "
                              "presents a parcel within its park")
    assert park_id is not None
    if step:
        step(tr("汇总园区数据", "collecting park data", lang))
    ctx = context if context is not None and str(context.park["park_id"]) == str(park_id) \
        and context.lang == lang else brochure_context(county, str(park_id), lang)
    if link is None:
        link = view_url(public_base(settings.online_map_url), lang=lang,
                        park=None if parcel is not None else str(park_id), parcel=parcel_id)
    doc = _document(ctx, settings, parcel, link)
    if step:
        step(tr("绘制地图", "drawing the maps", lang))
    if parcel is None:
        _park_body(doc, ctx)
    else:
        _parcel_body(doc, ctx, parcel)
    _chain_sections(doc, ctx, parcel, step)
    if parcel is None:
        doc.add(bh.heading(tr("可供应地块清单", "Offerable parcels", lang)))
        doc.add(bh.paragraph(tr("按面积从大到小排列；出让底价、投资强度、亩均税收单位：万元/亩。",
                                "Largest first; price, investment and tax in 10k CNY per mu.",
                                lang), css="note"))
        doc.add(bh.table(PARCEL_HEADERS[lang], offerable_rows(ctx),
                         widths=(1.0, 1.3, 0.8, 0.7, 0.7, 0.8, 0.7, 2.0)))
    doc.add(bh.heading(tr("如何洽谈", "How to inquire", lang)))
    doc.add(bh.tags(inquiry_steps(lang)))
    doc.add(bh.paragraph(_source_line(ctx, settings), css="note"))
    if step:
        step(tr("排版", "typesetting", lang))
    with atomic_output(out) as tmp:
        write_pdf(doc.html(family), tmp)
    return Path(out)


def _parcel_row(county: County, parcel_id: str) -> pd.Series:
    parcels = county["parcel"]
    rows = parcels[parcels["parcel_id"] == parcel_id]
    if rows.empty:
        raise ExportError(f"no parcel {parcel_id!r}; e.g. {', '.join(parcels['parcel_id'][:5])}")
    return rows.iloc[0]


def brochure_context(county: County, park_id: str, lang: str) -> Context:
    """Everything the brochure (and a published park or parcel page) reads about a park."""
    from geo.chains import analysis_for, worklist_for
    from layers.chains import county_analysis, county_worklist, load_chains

    park = park_row(county, park_id)
    verdicts = availability(county)
    catalog = load_chains()
    analysis = analysis_for(county_analysis(county, catalog, park_id=park_id), "investor")
    worklist = worklist_for(county_worklist(county, catalog, park_id=park_id), "investor")
    return Context(county=county, lang=lang, park=park, verdicts=verdicts,
                   offerable=offerable_parcels(county, park_id=park_id, lang=lang,
                                               verdicts=verdicts),
                   catalog=catalog, analysis=analysis, worklist=worklist)


def _document(ctx: Context, settings: ExportSettings, parcel: pd.Series | None,
              link: str) -> bh.Document:
    lang = ctx.lang
    subject = park_name(ctx.park, lang) if parcel is None else str(parcel["parcel_id"])
    title = settings.text("title", lang)
    foot = bh.Foot(contact_title=tr("招商联系", "Investment contact", lang),
                   contact_lines=settings.contact_lines(lang),
                   qr_uri=data_uri(qr_png(link)),
                   qr_caption=tr("扫码查看在线地图", "Scan to open the online map", lang),
                   url=link)
    return bh.Document(lang=lang, title=f"{title} · {subject}",
                       subject=tr("招商推介手册", "Investment brochure", lang),
                       head=f"{title} · {park_name(ctx.park, lang)}", foot=foot)


def _source_line(ctx: Context, settings: ExportSettings) -> str:
    """Source, how current the data is (only recorded dates) and the issue date."""
    lang = ctx.lang
    return tr("；", "; ", lang).join(t for t in (
        settings.text("source", lang), as_of_public(ctx.county, lang),
        tr(f"编印日期 {date.today():%Y-%m-%d}", f"Issued {date.today():%Y-%m-%d}", lang)) if t)


def _park_body(doc: bh.Document, ctx: Context) -> None:
    lang, park = ctx.lang, ctx.park
    other = english_or_chinese(park, "name", "en") if lang == "zh" else str(park["name"])
    if other.endswith("(name in Chinese only)"):
        other = ""
    doc.add(bh.band(doc.head.split(" · ")[0] + " · " + tr("园区推介手册", "Park brochure", lang),
                    park_name(park, lang), other,
                    label(PARK_LEVELS, str(park["level"]), lang)))
    doc.add(bh.figure(data_uri(map_png(ctx.county, MapView(park_id=str(park["park_id"])),
                                       lang=lang, labels=True)),
                      tr("园区范围与地块供应状态", "The park and its parcels by supply status",
                         lang)))
    doc.add(bh.heading(tr("基本情况", "Key facts", lang)))
    doc.add(bh.facts(park_facts(ctx)))
    _about(doc, ctx)


def _about(doc: bh.Document, ctx: Context) -> None:
    lang, park = ctx.lang, ctx.park
    text = park.get("description" if lang == "zh" else "description_en")
    doc.add(bh.heading(tr("简介", "About", lang)))
    if isinstance(text, str) and text.strip():
        doc.add(bh.paragraph(text.strip()))
    elif lang == "en" and isinstance(park.get("description"), str) and park["description"]:
        doc.add(bh.paragraph("The park's description is available in Chinese only; see the "
                             "Chinese edition of this brochure.", css="note"))
    industries = industry_labels(ctx)
    if industries:
        doc.add(bh.heading(tr("主导产业", "Leading industries", lang), 3))
        doc.add(bh.tags(industries))


def _parcel_body(doc: bh.Document, ctx: Context, parcel: pd.Series) -> None:
    lang, park = ctx.lang, ctx.park
    pid = str(parcel["parcel_id"])
    doc.add(bh.band(doc.head.split(" · ")[0] + " · " + tr("地块推介", "Parcel brochure", lang),
                    tr(f"地块 {pid}", f"Parcel {pid}", lang), park_name(park, lang),
                    label(PARK_LEVELS, str(park["level"]), lang)))
    doc.add(bh.figure(data_uri(map_png(ctx.county, MapView(parcel_id=pid), lang=lang,
                                       labels=True)),
                      tr("本地块（红框）及相邻地块", "This parcel (red outline) and its neighbours",
                         lang)))
    doc.add(bh.heading(tr("基本情况", "Key facts", lang)))
    doc.add(bh.facts(parcel_facts(ctx, parcel)))
    suits = suited_segments(ctx, pid)
    if suits:
        doc.add(bh.heading(tr("适宜引进", "Suited to", lang), 3))
        doc.add(bh.tags([ctx.catalog.segments[s].name(lang) + tr("（", " (", lang)
                         + ctx.catalog.chain(c).name(lang) + tr("）", ")", lang)
                         for c, s in suits]))
    doc.add(bh.heading(tr("供地条件（标准地控制指标）",
                          "Land offer terms (standard-land indicators)", lang)))
    doc.add(bh.facts(supply_terms(ctx, parcel)))
    doc.add(bh.heading(tr("在园区中的位置", "Where it lies in the park", lang)))
    doc.add(bh.figure(data_uri(map_png(ctx.county, MapView(park_id=str(park["park_id"])),
                                       lang=lang, labels=False, outline_parcel=pid,
                                       size_in=(7.1, 3.4))),
                      park_name(park, lang)))
    neighbours = [row for _, s in suits for row in chain_neighbours(ctx, s)]
    if neighbours:
        doc.add(bh.heading(tr("产业链上下游", "Chain neighbours", lang)))
        doc.add(bh.paragraph(tr("本地块适宜环节的上游供应与下游客户环节，以及它们在园区的布局：",
                                "Suppliers and customers of what this parcel suits, and how "
                                "present they are in the park:", lang)))
        doc.add(bh.table((tr("关系", "Relation", lang), tr("环节", "Segment", lang),
                          tr("园区布局", "In the park", lang)),
                         list(dict.fromkeys(neighbours)), widths=(1, 2, 1.5)))
    _about(doc, ctx)


def _chain_sections(doc: bh.Document, ctx: Context, parcel: pd.Series | None,
                    step: Callable[[str], None] | None) -> None:
    lang = ctx.lang
    highlight = None if parcel is None else str(parcel["parcel_id"])
    for chain_id in park_chains(ctx):
        chain = ctx.catalog.chain(chain_id)
        if step:
            step(chain.name(lang))
        doc.add(bh.heading(chain.name(lang) + tr("：已有布局与招商机会",
                                                ": what is here, what is wanted", lang)))
        key = f"chain:{chain_id}"
        if key not in ctx.pictures:
            ctx.pictures[key] = data_uri(chain_png(ctx.catalog, chain_id, ctx.analysis,
                                                   lang=lang))
        doc.add(bh.figure(ctx.pictures[key]))
        rows = chain_targets(ctx, chain_id, highlight)
        if not rows:
            doc.add(bh.paragraph(tr("本园区该产业链各环节均已布局。",
                                    "Every segment of this chain is present in the park.",
                                    lang)))
            continue
        doc.add(bh.heading(tr("招商方向与推荐地块", "Targets and suitable parcels", lang), 3))
        doc.add(bh.table((tr("环节", "Segment", lang), tr("位置", "Position", lang),
                          tr("判定", "Verdict", lang),
                          tr("推荐地块（面积）", "Suitable parcels (area)", lang)),
                         rows, widths=(1.3, 0.8, 1.0, 3.4)))

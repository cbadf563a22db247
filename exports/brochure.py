"""PDF brochure (推介手册) of a park or a parcel: A4, one to four pages.

Page 1 is the cover: static map of the park (or the parcel and its neighbours) with parcels by
status, key facts (area in 亩, land use, planning indicators, 七通一平, price, red-line
result), the description, the contact block and a QR code linking to the online map
(``export.online_map_url``). Then one page per leading industry chain (at most two) with the
chain diagram (:func:`charts.chain_diagram.chain_figure`) and its gaps matched to parcels, and
for a park a last page listing the offerable parcels. Only public columns and investor views
of the chain analysis are used. Chinese text is embedded as Type 3 CJK glyphs with a ToUnicode
map, so ``pdftotext`` extracts it (shared/pitfalls.md "Print").
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import matplotlib
import pandas as pd
from matplotlib.backends.backend_pdf import PdfPages
from matplotlib.figure import Figure

from exports import brochure_layout as lay
from exports.brochure_pages import chain_page, parcels_page
from exports.common import LANGS, ExportError, atomic_output, check_choice, tr
from exports.fonts import cjk_rc
from exports.settings import ExportSettings
from exports.static_map import MapView, draw_map
from exports.tables import offerable_parcels, park_row, utilities_text
from geo.chains import ChainCatalog
from layers.county import County
from layers.freshness import as_of_line
from layers.registry import LAND_USES, PARCEL_STATUSES, PARK_LEVELS, UTILITIES, label
from layers.sites import facility_facts
from layers.supply import availability
from webmap.links import view_url

MAX_CHAIN_PAGES = 2


@dataclass
class _Context:
    county: County
    lang: str
    settings: ExportSettings
    park: pd.Series
    verdicts: pd.DataFrame
    offerable: pd.DataFrame
    catalog: ChainCatalog
    analysis: pd.DataFrame
    worklist: pd.DataFrame


def export_brochure(county: County, out: str | Path, *, park_id: str | None = None,
                    parcel_id: str | None = None, lang: str = "zh",
                    settings: ExportSettings | None = None,
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
    step : called with a short description as each page starts (progress display).

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
    rc = cjk_rc()
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
    ctx = _context(county, str(park_id), lang, settings)
    url = view_url(settings.online_map_url, lang=lang, park=None if parcel is not None
                   else str(park_id), parcel=parcel_id) if settings.online_map_url else None
    as_of = as_of_line(county, lang)  # how current the parcels and red lines are
    with matplotlib.rc_context(rc):
        pages = [lambda: _cover(ctx, parcel)]
        for chain_id in _park_chains(ctx)[:MAX_CHAIN_PAGES]:
            pages.append(lambda c=chain_id: _chain_page(ctx, c, parcel))
        if parcel is None:
            pages.append(lambda: _parcels_page(ctx))
        with atomic_output(out) as tmp, PdfPages(tmp, metadata=_metadata(ctx, parcel)) as pdf:
            for number, make in enumerate(pages, start=1):
                if step:
                    step(tr(f"第 {number} 页", f"page {number}", lang))
                fig = make()
                lay.footer(fig, settings, lang, number, len(pages), url=url, as_of=as_of)
                pdf.savefig(fig)
    return Path(out)


def _parcel_row(county: County, parcel_id: str) -> pd.Series:
    parcels = county["parcel"]
    rows = parcels[parcels["parcel_id"] == parcel_id]
    if rows.empty:
        raise ExportError(f"no parcel {parcel_id!r}; e.g. {', '.join(parcels['parcel_id'][:5])}")
    return rows.iloc[0]


def _context(county: County, park_id: str, lang: str, settings: ExportSettings) -> _Context:
    from geo.chains import analysis_for, worklist_for
    from layers.chains import county_analysis, county_worklist, load_chains

    park = park_row(county, park_id)
    verdicts = availability(county)
    catalog = load_chains()
    analysis = analysis_for(county_analysis(county, catalog, park_id=park_id), "investor")
    worklist = worklist_for(county_worklist(county, catalog, park_id=park_id), "investor")
    return _Context(county=county, lang=lang, settings=settings, park=park,
                    verdicts=verdicts,
                    offerable=offerable_parcels(county, park_id=park_id, lang=lang,
                                                verdicts=verdicts),
                    catalog=catalog, analysis=analysis, worklist=worklist)


def _park_chains(ctx: _Context) -> list[str]:
    known = {c.chain_id for c in ctx.catalog.chains}
    return [c for c in (ctx.park["leading_industries"] or []) if c in known]


def _name(row: pd.Series, lang: str) -> str:
    if lang == "en" and isinstance(row.get("name_en"), str) and row.get("name_en"):
        return str(row["name_en"])
    return str(row["name"])


def _metadata(ctx: _Context, parcel: pd.Series | None) -> dict[str, str]:
    subject = _name(ctx.park, ctx.lang) if parcel is None else str(parcel["parcel_id"])
    return {"Title": f"{ctx.settings.text('title', ctx.lang)} · {subject}",
            "Subject": tr("招商推介手册", "Investment brochure", ctx.lang),
            "Creator": "InvestMap 招商地图"}


# -- page 1 -------------------------------------------------------------------------------


def _cover(ctx: _Context, parcel: pd.Series | None) -> Figure:
    lang, park = ctx.lang, ctx.park
    fig = lay.new_page()
    kicker = ctx.settings.text("title", lang) + " · " + (
        tr("园区推介手册", "Park brochure", lang) if parcel is None
        else tr("地块推介", "Parcel brochure", lang))
    level = label(PARK_LEVELS, str(park["level"]), lang)
    if parcel is None:
        sub = park.get("name_en", "") if lang == "zh" else str(park["name"])
        lay.header(fig, _name(park, lang), str(sub or ""), kicker, level)
    else:
        title = tr(f"地块 {parcel['parcel_id']}", f"Parcel {parcel['parcel_id']}", lang)
        lay.header(fig, title, _name(park, lang), kicker, level)
    ax = fig.add_axes((0.05, 0.515, 0.74 if lang == "zh" else 0.64, 0.365))
    view = MapView(park_id=None if parcel is not None else str(park["park_id"]),
                   parcel_id=None if parcel is None else str(parcel["parcel_id"]))
    draw_map(ax, ctx.county, view, lang=lang, labels=parcel is not None, legend="outside")
    lay.section_title(fig, 0.05, 0.483, tr("基本情况", "Key facts", lang))
    rows = _park_facts(ctx) if parcel is None else _parcel_facts(ctx, parcel)
    lay.fact_table(fig, 0.05, 0.475, 0.52, rows, wrap=22 if lang == "zh" else 42,
                   line=0.0215 if lang == "zh" else 0.0195)
    lay.section_title(fig, 0.60, 0.483, tr("简介", "About", lang))
    text = park.get("description" if lang == "zh" else "description_en") or ""
    y = lay.paragraph(fig, 0.605, 0.468, str(text), wrap=20 if lang == "zh" else 40,
                      max_lines=8)
    lay.section_title(fig, 0.60, y - 0.025, tr("主导产业", "Leading industries", lang))
    y -= 0.04
    for chain_id in _park_chains(ctx):
        chain = ctx.catalog.chain(chain_id)
        fig.text(0.61, y, "■ " + chain.name(lang), fontsize=9, color=lay.NAVY, va="top")
        y -= 0.02
    if parcel is not None:
        suits = ctx.worklist[ctx.worklist["parcel_id"] == parcel["parcel_id"]]
        if len(suits):
            lay.section_title(fig, 0.60, y - 0.02, tr("适宜引进", "Suited to", lang))
            y -= 0.035
            for seg in suits["segment_zh" if lang == "zh" else "segment_en"].unique()[:6]:
                fig.text(0.61, y, "● " + str(seg), fontsize=9, color=lay.INK, va="top")
                y -= 0.019
    fig.text(0.95, 0.125, tr(f"编印日期 {date.today():%Y-%m-%d}",
                             f"Issued {date.today():%Y-%m-%d}", lang),
             fontsize=6.5, color=lay.MUTED, ha="right", va="bottom")
    return fig


def _park_facts(ctx: _Context) -> list[tuple[str, str]]:
    lang, park, offer = ctx.lang, ctx.park, ctx.offerable
    parcels = ctx.county["parcel"]
    ids = set(offer["parcel_id"])
    rows = parcels[parcels["parcel_id"].isin(ids)]
    warned = int((~offer["redline_check"].isin(
        [tr("不涉及管控红线", "No red-line conflict", lang)])).sum())
    redline = tr(f"{len(offer)} 宗可供应地块均已通过生态保护红线、永久基本农田、城镇开发边界核查",
                 f"all {len(offer)} offerable parcels clear of hard red lines", lang)
    if warned:
        redline += tr(f"（{warned} 宗有提示，见清单）", f" ({warned} with a warning)", lang)
    full = sum(1 for u in rows["utilities"] if isinstance(u, list | tuple)
               and len(set(u)) == len(UTILITIES))
    return [
        (tr("园区级别", "Level", lang), label(PARK_LEVELS, str(park["level"]), lang)),
        (tr("规划面积", "Area", lang), f"{park['area_mu']:,.0f} " + tr("亩", "mu", lang)),
        (tr("可供应地块", "Offerable parcels", lang),
         tr(f"{len(offer)} 宗，合计 {offer['area_mu'].sum():,.1f} 亩",
            f"{len(offer)} parcels, {offer['area_mu'].sum():,.1f} mu in total", lang)),
        (tr("单宗面积", "Parcel size", lang),
         lay.fmt_range(offer["area_mu"], tr("亩", "mu", lang))),
        (tr("用地性质", "Land use", lang),
         tr("、", ", ", lang).join(sorted({label(LAND_USES, str(u), lang)
                                           for u in rows["land_use"]})) or "—"),
        (tr("容积率", "FAR", lang), _far_range(rows)),
        (tr("出让底价", "Land price", lang),
         lay.fmt_range(rows["price_wan_per_mu"], tr("万元/亩", "10k CNY/mu", lang))),
        (tr("投资强度", "Min. investment", lang),
         lay.fmt_range(rows["investment_min_wan_per_mu"], tr("万元/亩", "10k CNY/mu", lang),
                       digits=0)),
        (tr("亩均税收", "Min. tax per mu", lang),
         lay.fmt_range(rows["tax_min_wan_per_mu"], tr("万元/亩", "10k CNY/mu", lang))),
        (tr("七通一平", "Utilities", lang),
         tr(f"{full} 宗地块七通一平全部到位", f"{full} parcels fully serviced (all 8)", lang)),
        (tr("红线核查", "Red-line check", lang), redline),
        (tr("地址", "Address", lang), str(park.get("address") or "—")),
    ]


def _parcel_facts(ctx: _Context, parcel: pd.Series) -> list[tuple[str, str]]:
    lang = ctx.lang
    verdict = ctx.verdicts[ctx.verdicts["parcel_id"] == parcel["parcel_id"]].iloc[0]
    reasons = str(verdict["reasons_zh" if lang == "zh" else "reasons_en"] or "")
    if bool(verdict["available"]):
        check = tr("不涉及管控红线，可供应", "No red-line conflict; can be offered", lang)
        if reasons:
            check = tr("可供应；", "Can be offered; ", lang) + reasons
    else:
        check = tr("暂不可供应：", "Not offerable now: ", lang) + reasons
    unit = tr("万元/亩", "10k CNY/mu", lang)
    utilities = parcel["utilities"] if isinstance(parcel["utilities"], list | tuple) else []
    return [
        (tr("地块编号", "Parcel ID", lang), str(parcel["parcel_id"])),
        (tr("所属园区", "Park", lang), _name(ctx.park, lang)),
        (tr("面积", "Area", lang), f"{parcel['area_mu']:,.2f} " + tr("亩", "mu", lang)),
        (tr("用地性质", "Land use", lang), label(LAND_USES, str(parcel["land_use"]), lang)),
        (tr("供地状态", "Status", lang), label(PARCEL_STATUSES, str(parcel["status"]), lang)),
        (tr("容积率", "FAR", lang), _far_range(parcel.to_frame().T)),
        (tr("出让底价", "Land price", lang), lay.fmt_range(pd.Series([parcel["price_wan_per_mu"]]),
                                                         unit)),
        (tr("投资强度", "Min. investment", lang),
         lay.fmt_range(pd.Series([parcel["investment_min_wan_per_mu"]]), unit, digits=0)),
        (tr("亩均税收", "Min. tax per mu", lang),
         lay.fmt_range(pd.Series([parcel["tax_min_wan_per_mu"]]), unit)),
        (tr("七通一平", "Utilities", lang),
         f"{len(set(utilities))}/{len(UTILITIES)} " + utilities_text(utilities, lang)),
        (tr("红线核查", "Red-line check", lang), check),
        *facility_facts(ctx.county, parcel.geometry, lang),
    ]


def _far_range(rows: pd.DataFrame) -> str:
    lo = pd.to_numeric(rows["far_min"], errors="coerce").dropna()
    hi = pd.to_numeric(rows["far_max"], errors="coerce").dropna()
    if lo.empty and hi.empty:
        return "—"
    low = f"{lo.min():.1f}" if not lo.empty else "—"
    high = f"{hi.max():.1f}" if not hi.empty else "—"
    return f"{low}–{high}"


# -- chain and parcel pages ---------------------------------------------------------------


def _chain_page(ctx: _Context, chain_id: str, parcel: pd.Series | None) -> Figure:
    kicker = ctx.settings.text("title", ctx.lang) + " · " + _name(ctx.park, ctx.lang)
    return chain_page(ctx.catalog, chain_id, ctx.analysis, ctx.worklist, lang=ctx.lang,
                      kicker=kicker,
                      highlight=None if parcel is None else str(parcel["parcel_id"]))


def _parcels_page(ctx: _Context) -> Figure:
    kicker = ctx.settings.text("title", ctx.lang) + " · " + _name(ctx.park, ctx.lang)
    return parcels_page(ctx.offerable, lang=ctx.lang, kicker=kicker)

"""``investmap publish``: a self-contained static investor site.

The folder holds an index per language (the county map and every offerable parcel), one page
per park and one per offerable parcel (facts, distances to facilities, supply terms, contact,
how to inquire, the brochure PDF), Leaflet and every other asset copied from the installed
packages, and the map data as script files. Links are relative: the folder opens from
``file://`` and from any static web server, with no Streamlit runtime and nothing from the
internet; the script is ES5 (WeChat's browser and older Chromium run it).

Only public values reach the pages (the brochure's content functions, which read public
registry columns and investor views of the chain analysis). Brochures are typeset per park
and language; per offerable parcel only with ``parcel_brochures=True`` (≈ 6 s each). With a
base URL (where the folder will be served), each brochure's QR code points at its own page
there; without one, at the park's or parcel's view of the online map.

Layout::

    index.html                 language choice
    assets/                    leaflet.js, leaflet.css, images/, site.css, site.js, data-zh.js …
    zh/index.html              county map, parks, offerable parcels
    zh/parks/P01.html          a park
    zh/parcels/QF-0001.html    an offerable parcel
    zh/pdf/park-P01.pdf        brochures (parcel-QF-0001.pdf with parcel brochures)
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from exports import publish_pages as pp
from exports.brochure import brochure_context, export_brochure
from exports.brochure_content import (
    Context,
    english_or_chinese,
    industry_labels,
    inquiry_steps,
    parcel_facts,
    park_facts,
    park_name,
    suited_segments,
    supply_terms,
)
from exports.common import LANGS, ExportError, check_choice, tr
from exports.publish_site import copy_assets, data_script, map_data, view_script
from exports.settings import ExportSettings
from exports.tables import as_of_public, offerable_parcels, park_row
from layers.county import County
from webmap.links import app_root

MARKER = ".investmap-site"
"""File that marks a folder as a published site (only such a folder is replaced)."""


@dataclass
class PublishResult:
    """What :func:`publish_site` wrote (paths inside the folder)."""

    folder: Path
    pages: list[Path] = field(default_factory=list)
    brochures: list[Path] = field(default_factory=list)
    qr_targets: dict[Path, str] = field(default_factory=dict)
    """Brochure → the URL its QR code encodes."""


def slug(value: str) -> str:
    """A file name for an id: letters, digits, ``-`` and ``_`` kept, anything else as
    ``_xx_`` (its code point in hex), so every id maps to one safe, distinct name."""
    return re.sub(r"[^A-Za-z0-9_-]", lambda m: f"_{ord(m.group()):x}_", value)


def publish_site(county: County, out: str | Path, *, langs: Sequence[str] = LANGS,
                 base_url: str | None = None, park_ids: Sequence[str] | None = None,
                 parcel_brochures: bool = False, settings: ExportSettings | None = None,
                 step: Callable[[str], None] | None = None) -> PublishResult:
    """Write the static investor site into the folder ``out``.

    Parameters
    ----------
    county : loaded county (park, parcel, project, redline, enterprise; context and facility
        when present).
    out : the folder; written beside it first and moved into place when complete. An
        existing folder is replaced only if it is an earlier published site (or empty).
    langs : languages to publish (``zh``, ``en``).
    base_url : where the folder will be served (``https://host/site/``); brochure QR codes
        then point at the pages there.
    park_ids : only these parks (default: every park with an offerable parcel).
    parcel_brochures : also typeset a brochure per offerable parcel (slow: ≈ 6 s each).
    settings : export settings; ``policy.section("export")`` by default.
    step : called with a short description as each part starts (progress display).

    Returns
    -------
    PublishResult

    Raises
    ------
    ExportError
        Unknown language or park, a bad base URL, or an ``out`` that holds other files.
    """
    langs = [check_choice(lang, LANGS, "language") for lang in langs] or list(LANGS)
    out = Path(out)
    if out.exists() and any(out.iterdir()) and not (out / MARKER).exists():
        raise ExportError(f"{out}: the folder holds other files; fix: give a new or empty "
                          "folder (only an earlier published site is replaced)")
    if base_url is not None and not re.match(r"^https?://[^\s/?#]+", base_url):
        raise ExportError(f"base URL {base_url!r} is not an http(s) address; fix: give e.g. "
                          "https://invest.example.gov.cn/site/")
    base = app_root(base_url) if base_url else None
    settings = settings or county.policy.section("export")
    parks = county["park"]
    wanted = list(park_ids) if park_ids else list(parks["park_id"].astype(str))
    for park_id in wanted:
        park_row(county, park_id)  # the error lists the valid ids
    tmp = out.with_name(f".{out.name}.partial")
    if tmp.exists():
        shutil.rmtree(tmp)
    result = PublishResult(folder=out)
    try:
        tmp.mkdir(parents=True)
        (tmp / MARKER).write_text("InvestMap static investor site\n", encoding="utf-8")
        copy_assets(tmp / "assets")
        for lang in langs:
            _publish_lang(county, tmp, lang, langs, wanted, base, parcel_brochures,
                          settings, step, result)
        _landing(tmp, langs, settings, result)
        if out.exists():
            shutil.rmtree(out)
        tmp.rename(out)
    finally:
        if tmp.exists():
            shutil.rmtree(tmp)
    result.pages = [out / p.relative_to(tmp) for p in result.pages]
    result.brochures = [out / p.relative_to(tmp) for p in result.brochures]
    result.qr_targets = {out / p.relative_to(tmp): u for p, u in result.qr_targets.items()}
    return result


def _publish_lang(county: County, root: Path, lang: str, langs: Sequence[str],
                  park_ids: list[str], base: str | None, parcel_brochures: bool,
                  settings: ExportSettings, step: Callable[[str], None] | None,
                  result: PublishResult) -> None:
    other = next((x for x in langs if x != lang), None)
    offer = offerable_parcels(county, lang=lang)
    parcels = county["parcel"]
    park_of = dict(zip(parcels["parcel_id"].astype(str), parcels["park_id"], strict=True))
    offer = offer[[park_of.get(p) in set(park_ids) for p in offer["parcel_id"]]]
    parks = county["park"][county["park"]["park_id"].isin(park_ids)]
    park_href = {p: f"../{lang}/parks/{slug(p)}.html" for p in park_ids}
    parcel_href = {p: f"../{lang}/parcels/{slug(p)}.html" for p in offer["parcel_id"]}
    (root / "assets" / f"data-{lang}.js").write_text(data_script(map_data(
        county, lang=lang, parks=parks, offerable=offer, park_href=park_href,
        parcel_href=parcel_href)), encoding="utf-8")
    for folder in ("parks", "parcels", "pdf"):
        (root / lang / folder).mkdir(parents=True, exist_ok=True)
    _index(root, lang, other, parks, offer, settings, county, result)
    for park_id in park_ids:
        if step:
            step(tr(f"园区 {park_id}", f"park {park_id}", lang))
        ctx = brochure_context(county, park_id, lang)
        pdf = root / lang / "pdf" / f"park-{slug(park_id)}.pdf"
        link = f"{base}{lang}/parks/{slug(park_id)}.html" if base else None
        export_brochure(county, pdf, park_id=park_id, lang=lang, settings=settings, link=link,
                        context=ctx)
        _record_brochure(result, pdf, link, county, settings, lang, park=park_id)
        _park_page(root, ctx, other, settings, offer, result)
        for parcel_id in ctx.offerable["parcel_id"]:
            parcel = parcels[parcels["parcel_id"] == parcel_id].iloc[0]
            page_pdf = pdf
            if parcel_brochures:
                page_pdf = root / lang / "pdf" / f"parcel-{slug(parcel_id)}.pdf"
                link = f"{base}{lang}/parcels/{slug(parcel_id)}.html" if base else None
                export_brochure(county, page_pdf, parcel_id=parcel_id, lang=lang,
                                settings=settings, link=link, context=ctx)
                _record_brochure(result, page_pdf, link, county, settings, lang,
                                 parcel=parcel_id)
            _parcel_page(root, ctx, parcel, other, settings, page_pdf, result)


def _record_brochure(result: PublishResult, pdf: Path, link: str | None, county: County,
                     settings: ExportSettings, lang: str, **view: str) -> None:
    from webmap.links import public_base, view_url

    result.brochures.append(pdf)
    result.qr_targets[pdf] = link or view_url(public_base(settings.online_map_url),
                                              lang=lang, **view)


def _write(path: Path, text: str, result: PublishResult) -> None:
    path.write_text(text, encoding="utf-8")
    result.pages.append(path)


def _index(root: Path, lang: str, other: str | None, parks: pd.DataFrame,
           offer: pd.DataFrame, settings: ExportSettings, county: County,
           result: PublishResult) -> None:
    page = pp.Page(lang=lang, title=settings.text("title", lang),
                   kicker=tr("投资者网站", "Investor site", lang), depth=1,
                   other_lang=f"../{other}/index.html" if other else None)
    body = [pp.map_box(tr("园区与可供应地块（点击查看详情）",
                          "Parks and offerable parcels (click for details)", lang)),
            pp.heading(tr("园区", "Parks", lang)),
            pp.table((tr("园区", "Park", lang), tr("可供应地块", "Offerable parcels", lang)),
                     [[(english_or_chinese(p, "name", lang), f"parks/{slug(str(p['park_id']))}"
                                                             ".html"),
                       (str(int((offer["park_name"] == (p["name"] if lang == "zh" else
                                                        p["name_en"])).sum())), None)]
                      for _, p in parks.iterrows()]),
            pp.heading(tr("可供应地块", "Offerable parcels", lang)),
            _parcel_table(offer, lang, prefix="parcels/"),
            pp.contact_box(settings, lang, inquiry_steps(lang)),
            pp.paragraph(_source(county, settings, lang), "note")]
    _write(root / lang / "index.html",
           pp.document(page, "".join(body), view_script=view_script(), with_map=True), result)


def _parcel_table(offer: pd.DataFrame, lang: str, *, prefix: str) -> str:
    unit = tr("万元/亩", "10k CNY/mu", lang)
    rows = [[(str(r["parcel_id"]), f"{prefix}{slug(str(r['parcel_id']))}.html"),
             (str(r["park_name"]), None), (str(r["land_use"]), None),
             (f"{r['area_mu']:,.2f}", None),
             ("—" if pd.isna(r["price_wan_per_mu"]) else f"{r['price_wan_per_mu']:,.1f}", None)]
            for _, r in offer.sort_values("area_mu", ascending=False).iterrows()]
    return pp.table((tr("地块编号", "Parcel", lang), tr("园区", "Park", lang),
                     tr("用地性质", "Land use", lang), tr("面积(亩)", "Area (mu)", lang),
                     tr(f"出让底价({unit})", f"Price ({unit})", lang)), rows)


def _source(county: County, settings: ExportSettings, lang: str) -> str:
    return tr("；", "; ", lang).join(t for t in (settings.text("source", lang),
                                                as_of_public(county, lang)) if t)


def _park_page(root: Path, ctx: Context, other: str | None, settings: ExportSettings,
               offer: pd.DataFrame, result: PublishResult) -> None:
    lang, park = ctx.lang, ctx.park
    pid = str(park["park_id"])
    page = pp.Page(lang=lang, title=park_name(park, lang), kicker=settings.text("title", lang),
                   depth=2, other_lang=f"../../{other}/parks/{slug(pid)}.html" if other
                   else None)
    mine = offer[offer["parcel_id"].isin(set(ctx.offerable["parcel_id"]))]
    text = park.get("description" if lang == "zh" else "description_en")
    body = [f'<p>{pp.link("../index.html", tr("← 全部园区", "← All parks", lang))}</p>',
            pp.map_box(park_name(park, lang)),
            pp.pdf_link(f"../pdf/park-{slug(pid)}.pdf",
                        tr("下载园区推介手册（PDF）", "Download the park brochure (PDF)", lang)),
            pp.heading(tr("基本情况", "Key facts", lang)), pp.facts(park_facts(ctx))]
    if isinstance(text, str) and text.strip():
        body += [pp.heading(tr("简介", "About", lang)), pp.paragraph(text.strip())]
    industries = industry_labels(ctx)
    if industries:
        body += [pp.heading(tr("主导产业", "Leading industries", lang)),
                 pp.paragraph(tr("、", ", ", lang).join(industries))]
    body += [pp.heading(tr("可供应地块", "Offerable parcels", lang)),
             _parcel_table(mine, lang, prefix="../parcels/"),
             pp.contact_box(settings, lang, inquiry_steps(lang)),
             pp.paragraph(_source(ctx.county, settings, lang), "note")]
    _write(root / lang / "parks" / f"{slug(pid)}.html",
           pp.document(page, "".join(body), view_script=view_script(park=pid), with_map=True),
           result)


def _parcel_page(root: Path, ctx: Context, parcel: pd.Series, other: str | None,
                 settings: ExportSettings, pdf: Path, result: PublishResult) -> None:
    lang, park = ctx.lang, ctx.park
    pid = str(parcel["parcel_id"])
    page = pp.Page(lang=lang, title=tr(f"地块 {pid}", f"Parcel {pid}", lang),
                   kicker=f"{settings.text('title', lang)} · {park_name(park, lang)}", depth=2,
                   other_lang=f"../../{other}/parcels/{slug(pid)}.html" if other else None)
    is_parcel_pdf = pdf.name.startswith("parcel-")
    park_href = f"../parks/{slug(str(park['park_id']))}.html"
    body = [f"<p>{pp.link(park_href, park_name(park, lang))}"
            f' · {pp.link("../index.html", tr("全部园区", "All parks", lang))}</p>',
            pp.map_box(tr("本地块（红框）及周边可供应地块",
                          "This parcel (red outline) and offerable parcels nearby", lang)),
            pp.pdf_link(f"../pdf/{pdf.name}",
                        tr("下载地块推介手册（PDF）", "Download the parcel brochure (PDF)", lang)
                        if is_parcel_pdf else
                        tr("下载园区推介手册（PDF）", "Download the park brochure (PDF)", lang)),
            pp.heading(tr("基本情况", "Key facts", lang)), pp.facts(parcel_facts(ctx, parcel)),
            pp.heading(tr("供地条件（标准地控制指标）",
                          "Land offer terms (standard-land indicators)", lang)),
            pp.facts(supply_terms(ctx, parcel))]
    suits = suited_segments(ctx, pid)
    if suits:
        body += [pp.heading(tr("适宜引进", "Suited to", lang)),
                 pp.paragraph(tr("、", ", ", lang).join(
                     ctx.catalog.segments[s].name(lang) for _, s in suits))]
    body += [pp.contact_box(settings, lang, inquiry_steps(lang)),
             pp.paragraph(_source(ctx.county, settings, lang), "note")]
    _write(root / lang / "parcels" / f"{slug(pid)}.html",
           pp.document(page, "".join(body), view_script=view_script(focus=pid), with_map=True),
           result)


def _landing(root: Path, langs: Sequence[str], settings: ExportSettings,
             result: PublishResult) -> None:
    links = "".join(f'<p>{pp.link(f"{lang}/index.html", settings.text("title", lang))}</p>'
                    for lang in langs)
    page = pp.Page(lang=langs[0], title=" / ".join(settings.text("title", x) for x in langs),
                   kicker="InvestMap 招商地图", depth=0)
    _write(root / "index.html", pp.document(page, links), result)

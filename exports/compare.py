"""2–4 parcels or sites side by side (地块比较 / 选址方案比较): the table the finder shows and
its A4 PDF, typeset like the brochures (:mod:`exports.brochure_html`, WeasyPrint).

One column per parcel or site, one row per figure, labels in the page's language. The PDF is
for investors whoever prints it: parcel columns come from investor cards (public columns only,
:func:`webmap.card.parcel_card`), and :func:`compare_pdf` refuses a row labelled like a
confidential column of any layer. Values are HTML-escaped by the brochure's table writer.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from datetime import date

import pandas as pd

from exports import brochure_html as bh
from exports.common import LANGS, ExportError, check_choice, tr
from exports.fonts import find_cjk_family
from exports.settings import ExportSettings
from exports.tables import as_of_public
from layers.county import County
from layers.registry import FACILITY_KINDS, LAYERS
from webmap.card import ParcelCard, parcel_card

KINDS = ("parcels", "sites")
MAX_COLUMNS = 4
SITE_LABELS: Mapping[str, tuple[str, str]] = {
    "rank": ("第 {k} 名", "No. {k}"), "park_id": ("园区", "Park"),
    "area_mu": ("面积(亩)", "Area (mu)"), "n_parcels": ("地块数", "Parcels (n)"),
    "parcel_ids": ("地块", "Parcels"), "score": ("得分", "Score"),
    "reasons": ("说明", "Explanation"),
}
"""Row labels of a site comparison (and the site cards' rank)."""
UTILITIES_LABEL = ("七通一平", "Utilities (七通一平)")
PARK_LABEL = ("所属园区", "Park")


def shown_elsewhere(lang: str) -> set[str]:
    """Fact labels a parcel card shows as tiles, badges or distance lines rather than as
    facts (so neither the card nor a comparison lists them twice)."""
    names = ("area_mu", "land_use", "price_wan_per_mu", "far_min", "far_max", "utilities")
    labels = {c.zh if lang == "zh" else c.en for c in LAYERS["parcel"].columns
              if c.name in names}
    return labels | {f"距{zh}" if lang == "zh" else f"To {en.lower()}"
                     for zh, en in FACILITY_KINDS.values()}


def distance_rows(card: ParcelCard, lang: str) -> list[tuple[str, tuple[str, str]]]:
    """(facility kind, (nearest facility's name, distance with unit)) in ``lang``."""
    out = []
    for kind, name, km in card.distances:
        zh, en = FACILITY_KINDS[kind]
        out.append((zh if lang == "zh" else en,
                    (name, f"{km:.1f} 公里" if lang == "zh" else f"{km:.1f} km")))
    return out


def parcels_table(cards: Sequence[ParcelCard], *, lang: str) -> pd.DataFrame:
    """Parcels side by side: one column per parcel, one row per figure (tiles, park, the
    other facts, 七通一平 count, facility distances) in ``lang``; "—" where a parcel lacks
    a figure."""
    skip = shown_elsewhere(lang)
    columns: dict[str, dict[str, str]] = {}
    for card in cards:
        rows = dict(card.tiles)
        rows[tr(*PARK_LABEL, lang)] = card.park
        rows.update({k: v for k, v in card.facts if k not in skip})
        if card.utilities:
            rows[tr(*UTILITIES_LABEL, lang)] = f"{sum(on for _, on in card.utilities)}/" \
                                               f"{len(card.utilities)}"
        for kind, (name, km) in distance_rows(card, lang):
            rows[kind] = f"{km}（{name}）" if lang == "zh" else f"{km} ({name})"
        columns[card.parcel_id] = rows
    order = list(dict.fromkeys(k for rows in columns.values() for k in rows))
    return pd.DataFrame({pid: [rows.get(k, "—") for k in order]
                         for pid, rows in columns.items()}, index=order)


def site_reasons(text: object) -> list[str]:
    """A site's explanation (``;``-separated) as a list of sentences."""
    return [r.strip() for r in re.split(r"[;；]", str(text or "")) if r.strip()]


def sites_table(rows: pd.DataFrame, ranks: Sequence[int], *, lang: str,
                park_names: Mapping[str, str]) -> pd.DataFrame:
    """Sites side by side (rows of :func:`layers.sites.search`'s table, ``ranks`` counted
    from 0): one column per site named by its rank, one row per figure, in ``lang``."""

    def label(key: str, **values: object) -> str:
        return tr(*SITE_LABELS[key], lang).format(**values)

    reasons = "reasons_zh" if lang == "zh" else "reasons_en"
    sep = "、" if lang == "zh" else ", "
    table = {}
    for rank, (_, row) in zip(ranks, rows.iterrows(), strict=True):
        ids = row["parcel_ids"]
        ids = ids if isinstance(ids, list | tuple) else str(ids).split(",")
        table[label("rank", k=rank + 1)] = {
            label("park_id"): park_names.get(str(row["park_id"]), "—"),
            label("area_mu"): f"{row['area_mu']:,.1f}",
            label("n_parcels"): str(int(row["n_parcels"])),
            label("parcel_ids"): sep.join(map(str, ids)),
            label("score"): f"{row['score']:.1f}",
            label("reasons"): sep.join(site_reasons(row[reasons])),
        }
    return pd.DataFrame(table)


def parcels_pdf(county: County, parcel_ids: Sequence[str], *, lang: str,
                availability: pd.DataFrame | None = None,
                settings: ExportSettings | None = None) -> bytes:
    """The investor comparison of 2–4 parcels as PDF bytes (public columns only, whoever
    asks: the cards are built for investors).

    Raises
    ------
    ExportError
        Fewer than 2 or more than 4 parcels.
    KeyError
        An unknown parcel id.
    """
    cards = [parcel_card(county, pid, audience="investor", lang=lang,
                         availability=availability) for pid in parcel_ids]
    return compare_pdf(parcels_table(cards, lang=lang), county=county, kind="parcels",
                       lang=lang, settings=settings)


def compare_pdf(table: pd.DataFrame, *, county: County, kind: str, lang: str,
                settings: ExportSettings | None = None) -> bytes:
    """Typeset a comparison table (one column per parcel or site, row labels as index) as
    an A4 PDF with the brochures' look: title band, the table (its header row repeats when
    it flows over a page), the source and as-of line, the contact block in the foot.

    Parameters
    ----------
    table : labels as index, one column per parcel (its id) or site (its rank).
    county : the county (title, contact and as-of dates).
    kind : ``parcels`` or ``sites``.
    lang : ``zh`` or ``en``: the language of the PDF's own words (the table's are the
        caller's).
    settings : export settings; ``policy.section("export")`` by default.

    Raises
    ------
    ExportError
        Fewer than 2 or more than 4 columns, or a row labelled like a confidential column.
    exports.fonts.FontNotFoundError
        No CJK font installed.
    """
    from exports.typeset import write_pdf_bytes

    check_choice(lang, LANGS, "language")
    check_choice(kind, KINDS, "comparison")
    if not 2 <= table.shape[1] <= MAX_COLUMNS:
        raise ExportError(f"a comparison holds 2–{MAX_COLUMNS} {kind}, not {table.shape[1]}")
    leaked = sorted(set(map(str, table.index)) & confidential_labels())
    if leaked:
        raise ExportError(f"a comparison is for investors; rows {leaked} are confidential")
    settings = settings or county.policy.section("export")
    title = settings.text("title", lang)
    names = [str(c) for c in table.columns]
    what = tr("地块比较", "Parcels compared", lang) if kind == "parcels" else \
        tr("选址方案比较", "Sites compared", lang)
    heading = tr("地块 ", "Parcels ", lang) + tr("、", ", ", lang).join(names) \
        if kind == "parcels" else tr("、", ", ", lang).join(names)
    doc = bh.Document(lang=lang, title=f"{title} · {what}", subject=what,
                      head=f"{title} · {what}",
                      foot=bh.Foot(contact_title=tr("招商联系", "Investment contact", lang),
                                   contact_lines=settings.contact_lines(lang)))
    doc.add(bh.band(f"{title} · {what}", heading))
    doc.add(bh.table([tr("项目", "Item", lang), *names],
                     [[str(label), *(str(v) for v in values)]
                      for label, values in zip(table.index, table.to_numpy(), strict=True)],
                     widths=(1.3, *([2.0] * len(names)))))
    issued = tr(f"编印日期 {date.today():%Y-%m-%d}", f"Issued {date.today():%Y-%m-%d}", lang)
    doc.add(bh.paragraph(tr("；", "; ", lang).join(
        t for t in (settings.text("source", lang), as_of_public(county, lang), issued) if t),
        css="note"))
    return write_pdf_bytes(doc.html(find_cjk_family()))


def confidential_labels() -> set[str]:
    """The zh and en labels of every confidential column of every layer."""
    return {label for spec in LAYERS.values() for c in spec.columns if c.confidential
            for label in (c.zh, c.en)}

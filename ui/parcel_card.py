"""The parcel card drawn as a spec sheet: key figures as tiles, 七通一平 as badges, the other
facts as label/value pairs that wrap (never a table with an inner scrollbar or cut cells), the
distances to the facilities, nearby chain partners and a brochure button. Parcels side by
side: :func:`exports.compare.parcels_table` (table) and :func:`exports.compare.parcels_pdf`.

Every value is HTML-escaped (tiles, facts) or Markdown-escaped (badges) before it is drawn.
"""

from __future__ import annotations

import html
import tempfile
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import streamlit as st

from exports.compare import distance_rows, shown_elsewhere
from ui.i18n import lang, pick
from ui.text import md_escape
from webmap.card import ParcelCard

UTILITY_ICONS = {"通路": "road", "Road": "road", "通电": "bolt", "Power": "bolt",
                 "通给水": "water_drop", "Water supply": "water_drop",
                 "通排水": "water", "Drainage": "water", "通讯": "cell_tower",
                 "Telecom": "cell_tower", "通燃气": "local_fire_department",
                 "Gas": "local_fire_department", "通热力": "heat", "Heating": "heat",
                 "场地平整": "landscape", "Site levelled": "landscape"}
TEXT = {
    "utilities": ("七通一平", "Utilities (七通一平)"),
    "distances": ("区位与配套", "Location"),
    "brochure": ("下载地块推介册（PDF）", "Download the parcel brochure (PDF)"),
    "partners": ("周边产业链项目（3 公里内）", "Chain projects within 3 km"),
    "no_partners": ("周边 3 公里内暂无产业链项目。", "No chain projects within 3 km."),
}
CSS = """
<style>
.im-sheet{font-size:0.9rem;line-height:1.35}
.im-tiles{display:grid;grid-template-columns:repeat(auto-fit,minmax(7.5rem,1fr));gap:.4rem;
  margin:.2rem 0 .6rem}
.im-tile{border:1px solid #d9dee7;border-radius:.5rem;padding:.45rem .55rem;background:#f7f9fc}
.im-tile .v{font-size:1.12rem;font-weight:600;color:#14365d;overflow-wrap:anywhere}
.im-tile .l{font-size:.78rem;color:#5b6675}
.im-facts{display:grid;grid-template-columns:minmax(5.5rem,auto) 1fr;gap:.15rem .7rem;
  margin:.3rem 0 .5rem 0 !important;padding:0 !important}
.im-facts dt{color:#5b6675;font-weight:400;margin:0 !important;padding:0 !important}
.im-facts dd{margin:0 !important;padding:0 !important;overflow-wrap:anywhere}
.im-h{font-weight:600;margin:.5rem 0 .2rem}
.im-dist{list-style:none;padding:0 !important;margin:0 0 .4rem 0 !important}
.im-dist li{margin:0 !important}
.im-dist li{display:flex;gap:.5rem;justify-content:space-between;border-bottom:1px dotted #d9dee7;
  padding:.12rem 0}
.im-dist li span{overflow-wrap:anywhere}
.im-dist li b{white-space:nowrap;font-weight:600}
</style>
"""


def _e(value: object) -> str:
    return html.escape(str(value), quote=True)


def spec_sheet(card: ParcelCard, *, park_label: str) -> None:
    """Tiles, the remaining facts (park first) and the facility distances."""
    tiles = "".join(f"<div class='im-tile'><div class='v'>{_e(v)}</div>"
                    f"<div class='l'>{_e(k)}</div></div>" for k, v in card.tiles)
    skip = shown_elsewhere(lang())
    facts = [(park_label, card.park), *[(k, v) for k, v in card.facts
                                        if k not in skip and v not in ("—", "")]]
    rows = "".join(f"<dt>{_e(k)}</dt><dd>{_e(v)}</dd>" for k, v in facts)
    body = f"<div class='im-sheet'><div class='im-tiles'>{tiles}</div>" \
           f"<dl class='im-facts'>{rows}</dl>"
    distances = distance_rows(card, lang())
    if distances:
        items = "".join(f"<li><span>{_e(k)} · {_e(name)}</span><b>{_e(km)}</b></li>"
                        for k, (name, km) in distances)
        body += f"<div class='im-h'>{_e(pick(TEXT['distances']))}</div>" \
                f"<ul class='im-dist'>{items}</ul>"
    st.html(CSS + body + "</div>")
    if card.utilities:
        st.markdown(f"**{pick(TEXT['utilities'])}**")
        st.markdown(" ".join(
            f":{'green' if on else 'gray'}-badge[:material/"
            f"{UTILITY_ICONS.get(name, 'check')}: {md_escape(name)}"
            f"{'' if on else (' ✗' if lang() == 'zh' else ' (no)')}]"
            for name, on in card.utilities))


def partners(card: ParcelCard, segment_names: Callable[[], Callable[[str], str]]) -> None:
    """Nearby chain projects as lines, names in the page's language (in English a project
    is named by its chain segment: the demo's and most counties' names are Chinese)."""
    st.markdown(f"**{pick(TEXT['partners'])}**")
    if card.partners.empty:
        st.caption(pick(TEXT["no_partners"]))
        return
    segment_name = segment_names()
    lines = []
    for row in card.partners.head(8).itertuples():
        segment = segment_name(str(row.segment_id)) if pd.notna(row.segment_id) else ""
        km = f"{row.distance_km:.1f} 公里" if lang() == "zh" else f"{row.distance_km:.1f} km"
        if lang() == "zh":
            lines.append(f"- {md_escape(row.name)}（{md_escape(segment)}，{md_escape(row.stage)}）"
                         f" · {km}")
        else:
            lines.append(f"- {md_escape(segment or 'Chain')} project ({md_escape(row.stage)})"
                         f" · {km}")
    st.markdown("\n".join(lines))


def brochure_button(parcel_id: str) -> None:
    """The parcel's brochure (public facts only), built when the button is clicked."""
    from ui import state

    language = lang()

    def build() -> bytes:
        # imported on the click that builds it: the PDF libraries take seconds to import,
        # and every card shows the button
        from exports.brochure import export_brochure

        with tempfile.TemporaryDirectory() as tmp:
            out = export_brochure(state.county(), Path(tmp) / "brochure.pdf",
                                  parcel_id=parcel_id, lang=language)
            return out.read_bytes()

    st.download_button(pick(TEXT["brochure"]), build, file_name=f"{parcel_id}.pdf",
                       mime="application/pdf", icon=":material/picture_as_pdf:",
                       key=f"card_brochure_{parcel_id}_{language}", width="stretch")

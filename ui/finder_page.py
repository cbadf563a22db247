"""地块查询 / Parcel finder: filters → matching parcels (table + highlighted map) → CSV/Excel."""

from __future__ import annotations

import numpy as np
import pandas as pd
import streamlit as st

from geo.availability import ParcelQuery
from geo.land_use import combine
from geo.land_use import matches as land_use_matches
from layers.registry import LAND_USES, LAYERS, PARCEL_STATUSES, UTILITIES, label
from ui import sites_panel, state
from ui.common import downloads, header
from ui.i18n import lang, pick, shown_as, t
from ui.labels import readable
from ui.mapview import basemap_picker, map_view
from ui.session import set_view_params, view_param
from ui.text import md_escape
from ui.whatif import render_whatif


def _filters(county) -> dict:  # noqa: ANN001 - County
    parcels = county["parcel"]
    parks = county["park"]
    names = dict(zip(parks["park_id"], parks["name_en" if lang() == "en" else "name"],
                     strict=True))
    catalog = state.chain_catalog()
    segments = {s.segment_id: f"{c.name(lang())} · {s.name(lang())}"
                for c in catalog.chains for s in c.segments}
    top = float(parcels["area_mu"].max())
    _from_url({"finder_parks": ("park", list(names)), "finder_land_use": ("use", list(LAND_USES)),
               "finder_segment": ("segment", list(segments))})
    c1, c2, c3 = st.columns(3)
    out: dict = {}
    out["parks"] = c1.multiselect(t("park_filter"), list(names), format_func=names.get,
                                  key="finder_parks", placeholder=t("all_parks"),
                                  select_all=False)  # "Select all" is English-only
    out["area"] = c2.slider(t("area_range"), 0.0, float(round(top + 1)),
                            (0.0, float(round(top + 1))), step=1.0, key="finder_area")
    out["land_uses"] = c3.multiselect(t("land_use"), list(LAND_USES),
                                      format_func=shown_as(
                                          LAND_USES, lambda c: label(LAND_USES, c, lang())),
                                      key="finder_land_use", placeholder=t("any"),
                                  select_all=False)  # "Select all" is English-only
    c4, c5, c6 = st.columns(3)
    offerable = list(county.policy.supply.offerable_statuses)
    out["statuses"] = c4.multiselect(t("status"), list(PARCEL_STATUSES), default=offerable,
                                     format_func=shown_as(
                                         PARCEL_STATUSES,
                                         lambda c: label(PARCEL_STATUSES, c, lang())),
                                     key="finder_status", placeholder=t("any"),
                                     select_all=False)
    out["utilities"] = c5.multiselect(t("utilities"), list(UTILITIES),
                                      format_func=shown_as(UTILITIES,
                                                           lambda c: label(UTILITIES, c, lang())),
                                      key="finder_utilities", placeholder=t("any"),
                                  select_all=False)  # "Select all" is English-only
    out["segment"] = c6.selectbox(t("chain_fit"), [""] + list(segments),
                                  format_func=shown_as(["", *segments],
                                                       lambda s: segments.get(s, t("any"))),
                                  key="finder_segment")
    out["clean"] = st.checkbox(t("redline_clean"), value=True, key="finder_clean")
    set_view_params(park=",".join(out["parks"]) or None, use=",".join(out["land_uses"]) or None,
                    segment=out["segment"] or None)
    return out


def _from_url(widgets: dict[str, tuple[str, list[str]]]) -> None:
    """First run of a session: filters from the URL (``?park=P01&use=1001&segment=…``),
    unknown values ignored."""
    for key, (param, allowed) in widgets.items():
        if key in st.session_state or not view_param(param):
            continue
        values = [v for v in str(view_param(param)).split(",") if v in allowed]
        if key == "finder_segment":
            if values:
                st.session_state[key] = values[0]
        else:
            st.session_state[key] = values


# Reason codes of geo.availability.verdicts: area outside the asked range, outside the
# chosen parks; prefixes of hard red-line conflicts.
AREA_CODES = ("area_below_min", "area_above_max")
PARK_CODES = ("not_in_park",)
REDLINE_CODES = ("redline_", "outside_")
FILTER_NAMES = {"parks": "park_filter", "area": "area_range", "land_uses": "land_use",
                "statuses": "status", "utilities": "utilities", "segment": "chain_fit",
                "clean": "redline_clean"}
"""Filter → UI string key of its name (for the "relax these filters" hint)."""


def _has(codes: pd.Series, wanted: tuple[str, ...], *, prefix: bool = False) -> np.ndarray:
    if prefix:
        return codes.map(lambda cs: any(str(c).startswith(wanted) for c in cs)).to_numpy(bool)
    return codes.map(lambda cs: any(c in wanted for c in cs)).to_numpy(bool)


def filter_masks(county, f: dict) -> tuple[dict[str, np.ndarray], pd.DataFrame]:  # noqa: ANN001
    """One boolean mask per active filter (parcels passing it), and the verdict table.

    Land use matches parents and children both ways (:mod:`geo.land_use`); a chain segment
    narrows the area range and the land use to what the segment needs.
    """
    parcels = county["parcel"]
    lo, hi = f["area"]
    land_uses: tuple[str, ...] = tuple(f["land_uses"])
    masks: dict[str, np.ndarray] = {}
    if f["segment"]:
        need = state.chain_catalog().segments[f["segment"]].land
        lo, hi = max(lo, need.mu_min), min(hi, need.mu_max)
        needed = tuple(map(str, need.land_use))
        both = combine(land_uses, needed) if land_uses else needed
        uses = parcels["land_use"].to_numpy()
        masks["segment"] = land_use_matches(uses, both) if both else \
            np.zeros(len(parcels), dtype=bool)
    av = state.verdicts(ParcelQuery(min_mu=lo, max_mu=hi, park_ids=tuple(f["parks"]) or None))
    codes = av["reasons"]
    masks["area"] = ~_has(codes, AREA_CODES)
    if f["parks"]:
        masks["parks"] = ~_has(codes, PARK_CODES)
    if land_uses:
        masks["land_uses"] = land_use_matches(parcels["land_use"].to_numpy(), land_uses)
    if f["statuses"]:
        masks["statuses"] = parcels["status"].isin(f["statuses"]).to_numpy()
    if f["utilities"]:
        wanted = set(f["utilities"])
        masks["utilities"] = parcels["utilities"].map(
            lambda v: wanted <= set(v if isinstance(v, list | tuple) else [])).to_numpy(bool)
    if f["clean"]:
        masks["clean"] = ~_has(codes, REDLINE_CODES, prefix=True)
    return masks, av


def matching(county, f: dict) -> pd.DataFrame:  # noqa: ANN001 - County
    """Parcels passing every filter, with availability and reasons (public columns only,
    codes as stored: show it through :func:`ui.labels.readable`)."""
    parcels = county["parcel"]
    masks, av = filter_masks(county, f)
    keep = np.logical_and.reduce(list(masks.values()))
    rows = parcels[keep]
    spec = LAYERS["parcel"]
    cols = [c for c in ("parcel_id", "park_id", "area_mu", "land_use", "status", "far_min",
                        "far_max", "price_wan_per_mu", "investment_min_wan_per_mu",
                        "utilities") if c in spec.public_columns]
    table = pd.DataFrame(rows[cols]).copy()
    verdict = av.loc[rows.index]
    table["available"] = verdict["available"].to_numpy()
    table["reasons"] = verdict["reasons_zh" if lang() == "zh" else "reasons_en"].to_numpy()
    return table.sort_values("area_mu", ascending=False)


def blocking_filters(county, f: dict) -> list[tuple[str, int]]:  # noqa: ANN001
    """When nothing matches: each active filter that, dropped alone, gives results, with
    the number of parcels it would give (most first)."""
    masks, _ = filter_masks(county, f)
    out = []
    for name in masks:
        others = [m for k, m in masks.items() if k != name]
        n = int(np.logical_and.reduce(others).sum()) if others else len(county["parcel"])
        if n:
            out.append((name, n))
    return sorted(out, key=lambda x: -x[1])


COMPARE_TEXT = {
    "pick": ("并排比较地块（选 2–4 个）", "Compare parcels side by side (pick 2–4)"),
    "hint": ("从上面的结果中选 2–4 个地块编号。", "Pick 2–4 parcel IDs from the results above."),
    "pdf": ("下载比较表（PDF）", "Download the comparison (PDF)"),
    "pdf_help": ("供投资者使用：只含公开信息。", "For investors: public facts only."),
}


def _compare(county, ids: list[str]) -> None:  # noqa: ANN001 - County
    """2–4 parcels of the results side by side (their cards' figures as a table), with CSV,
    Excel and an investor PDF typeset like the brochures."""
    from exports.compare import parcels_pdf, parcels_table
    from ui.auth import is_staff
    from webmap.card import parcel_card

    chosen = st.multiselect(pick(COMPARE_TEXT["pick"]), ids[:500], max_selections=4,
                            key="finder_compare", placeholder=pick(COMPARE_TEXT["hint"]),
                            select_all=False)
    if len(chosen) < 2:
        return
    audience = "staff" if is_staff() else "investor"
    cards = [parcel_card(county, pid, audience=audience, lang=lang(),
                         availability=state.availability()) for pid in chosen]
    table = parcels_table(cards, lang=lang())
    st.table(table)
    downloads(table.rename_axis(t("card_item")).reset_index(), stem="parcels_compared",
              key="finder_compare_dl")
    language = lang()
    st.download_button(
        pick(COMPARE_TEXT["pdf"]),
        lambda: parcels_pdf(county, chosen, lang=language, availability=state.availability()),
        file_name=f"parcels_compared_{language}.pdf", mime="application/pdf",
        icon=":material/picture_as_pdf:", help=pick(COMPARE_TEXT["pdf_help"]),
        key=f"finder_compare_pdf_{language}")


def render() -> None:
    header("page_finder")
    county = state.county()
    with st.expander(t("filters"), expanded=True):
        f = _filters(county)
    table = matching(county, f)
    st.markdown(f"**{md_escape(t('results', n=len(table), mu=float(table['area_mu'].sum())))}**")
    if table.empty:
        hints = blocking_filters(county, f)
        sep = "、" if lang() == "zh" else "; "
        names = sep.join(t("relax_one", name=t(FILTER_NAMES[k]), n=n) for k, n in hints)
        st.warning(t("empty_relax", filters=md_escape(names)) if hints else t("empty_all"))
    basemap = basemap_picker("finder_basemap")
    map_view(key="finder_map", basemap=basemap, park_ids=f["parks"] or None,
             highlight_ids=table["parcel_id"].tolist(), layers=("park", "redline", "parcel"),
             height=480)
    shown = readable(table, layer="parcel")
    st.dataframe(shown, hide_index=True, width="stretch", height=300)
    downloads(shown, stem="parcels", key="finder")
    _compare(county, table["parcel_id"].astype(str).tolist())
    render_whatif()  # staff only: 亩均 class of planned figures (issue 19)
    sites_panel.render(county, f)  # 智能选址: assembled sites, facility distance filters


render()

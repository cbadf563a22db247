"""地块查询 / Parcel finder: filters → matching parcels (table + highlighted map) → CSV/Excel."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from geo.availability import ParcelQuery
from layers.registry import LAND_USES, LAYERS, PARCEL_STATUSES, UTILITIES, label
from ui import sites_panel, state
from ui.common import downloads, header
from ui.i18n import lang, pick, t
from ui.mapview import basemap_picker, map_view
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
    c1, c2, c3 = st.columns(3)
    out: dict = {}
    out["parks"] = c1.multiselect(t("park_filter"), list(names), format_func=names.get,
                                  key="finder_parks", placeholder=t("all_parks"))
    out["area"] = c2.slider(t("area_range"), 0.0, float(round(top + 1)),
                            (0.0, float(round(top + 1))), step=1.0, key="finder_area")
    out["land_uses"] = c3.multiselect(t("land_use"), list(LAND_USES),
                                      format_func=lambda c: f"{label(LAND_USES, c, lang())} {c}",
                                      key="finder_land_use", placeholder=t("any"))
    c4, c5, c6 = st.columns(3)
    offerable = list(county.policy.supply.offerable_statuses)
    out["statuses"] = c4.multiselect(t("status"), list(PARCEL_STATUSES), default=offerable,
                                     format_func=lambda c: label(PARCEL_STATUSES, c, lang()),
                                     key="finder_status", placeholder=t("any"))
    out["utilities"] = c5.multiselect(t("utilities"), list(UTILITIES),
                                      format_func=lambda c: label(UTILITIES, c, lang()),
                                      key="finder_utilities", placeholder=t("any"))
    out["segment"] = c6.selectbox(t("chain_fit"), [""] + list(segments),
                                  format_func=lambda s: segments.get(s, t("any")),
                                  key="finder_segment")
    out["clean"] = st.checkbox(t("redline_clean"), value=True, key="finder_clean")
    return out


# Reason codes of geo.availability.verdicts meaning "not what was asked for", and the
# prefixes of hard red-line conflicts.
QUERY_CODES = ("land_use_mismatch", "area_below_min", "area_above_max", "not_in_park")
REDLINE_CODES = ("redline_", "outside_")


def matching(county, f: dict) -> pd.DataFrame:  # noqa: ANN001 - County
    """Parcels passing every filter, with availability and reasons (public columns only).

    The query (area, land use, parks, chain segment's land need) is judged by
    :func:`geo.availability.verdicts` on the cached red-line overlaps.
    """
    parcels = county["parcel"]
    lo, hi = f["area"]
    land_uses = tuple(f["land_uses"]) or None
    if f["segment"]:
        need = state.chain_catalog().segments[f["segment"]].land
        lo, hi = max(lo, need.mu_min), min(hi, need.mu_max)
        land_uses = tuple(u for u in (land_uses or need.land_use)
                          if any(str(u).startswith(n) for n in need.land_use))
    query = ParcelQuery(min_mu=lo, max_mu=hi, land_uses=land_uses,
                        park_ids=tuple(f["parks"]) or None)
    av = state.verdicts(query)
    codes = av["reasons"]
    keep = ~codes.map(lambda cs: any(c in QUERY_CODES for c in cs)).to_numpy()
    if f["statuses"]:
        keep &= parcels["status"].isin(f["statuses"]).to_numpy()
    if f["utilities"]:
        wanted = set(f["utilities"])
        keep &= parcels["utilities"].map(
            lambda v: wanted <= set(v if isinstance(v, list | tuple) else [])).to_numpy()
    if f["clean"]:
        keep &= ~codes.map(lambda cs: any(str(c).startswith(REDLINE_CODES)
                                          for c in cs)).to_numpy()
    rows = parcels[keep]
    spec = LAYERS["parcel"]
    cols = [c for c in ("parcel_id", "park_id", "area_mu", "land_use", "status", "far_min",
                        "far_max", "price_wan_per_mu", "investment_min_wan_per_mu",
                        "utilities") if c in spec.public_columns]
    table = pd.DataFrame(rows[cols]).copy()
    verdict = av.loc[rows.index]
    table["available"] = verdict["available"].to_numpy()
    table["reasons"] = verdict["reasons_zh" if lang() == "zh" else "reasons_en"].to_numpy()
    names = dict(zip(county["park"]["park_id"], county["park"][
        "name_en" if lang() == "en" else "name"], strict=True))
    table["park_id"] = [names.get(p, "—") for p in table["park_id"]]
    table["area_mu"] = table["area_mu"].round(2)
    table["land_use"] = [label(LAND_USES, str(v), lang()) for v in table["land_use"]]
    table["status"] = [label(PARCEL_STATUSES, str(v), lang()) for v in table["status"]]
    sep = "、" if lang() == "zh" else ", "
    table["utilities"] = [sep.join(label(UTILITIES, u, lang()) for u in (v or []))
                          for v in table["utilities"]]
    return table.sort_values("area_mu", ascending=False)


def labelled(table: pd.DataFrame) -> pd.DataFrame:
    """Column headers in the session language."""
    spec = LAYERS["parcel"]
    names = {c.name: pick((c.zh, c.en)) for c in spec.columns}
    names.update({"available": t("available"), "reasons": t("reasons")})
    return table.rename(columns=names)


def render() -> None:
    header("page_finder")
    county = state.county()
    f = _filters(county)
    table = matching(county, f)
    st.markdown(f"**{t('results', n=len(table), mu=float(table['area_mu'].sum()))}**")
    shown = labelled(table)
    st.dataframe(shown, hide_index=True, width="stretch", height=300)
    downloads(shown, stem="parcels", key="finder")
    basemap = basemap_picker("finder_basemap")
    map_view(key="finder_map", basemap=basemap, park_ids=f["parks"] or None,
             highlight_ids=table["parcel_id"].tolist(), layers=("park", "redline", "parcel"),
             height=480)
    render_whatif()  # staff only: 亩均 class of planned figures (issue 19)
    sites_panel.render(county, f)  # 智能选址: assembled sites, facility distance filters


render()

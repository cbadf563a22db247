"""智能选址 panel of the parcel finder: "组合地块" (assemble touching parcels), facility distance
filters, ranked sites with their explanation, assembled sites outlined on a map, and — for
staff — how stable the top 10 is when each score weight moves (sensitivity).

The finder page calls :func:`render` with its filters; the search runs in
:func:`layers.sites.search` (computation in :mod:`geo.sites`).
"""

from __future__ import annotations

from collections.abc import Mapping

import folium
import geopandas as gpd
import pandas as pd
import streamlit as st
from streamlit_folium import st_folium

from exports.compare import SITE_LABELS, site_reasons
from geo.chinacoords import transform_geometries, wgs84_to_gcj02
from geo.sites import SiteQuery, SiteSearch, sensitivity, site_geometries
from geo.sites_settings import SCORE_PARTS
from layers.registry import FACILITY_KINDS
from layers.sites import SiteRequest, facility_kinds, search, site_settings
from ui import state
from ui.auth import is_staff
from ui.common import downloads
from ui.i18n import lang, pick
from ui.text import md_escape
from webmap.assets import use_local_assets
from webmap.basemaps import add_basemap, display_coords
from webmap.builder import fit_view

MAP_SITES = 30
"""Sites outlined on the map (best first)."""
TEXT = {
    "title": ("智能选址", "Site search"),
    "assemble": ("组合地块（相邻可供应地块合并）", "Assemble adjoining available parcels"),
    "max_parcels": ("最多合并地块数", "Most parcels combined"),
    "within": ("距{kind}不超过（公里，0 为不限）", "Within … km of {kind} (0: any)"),
    "count": ("共 {n} 个选址方案（其中组合 {m} 个）", "{n} sites ({m} assembled)"),
    "capped": ("有 {n} 个起点地块的组合数达到上限，部分组合未列出。",
               "For {n} starting parcels the number of combinations reached its limit; some "
               "combinations are not listed."),
    "rank": SITE_LABELS["rank"],
    "facts": ("{mu} 亩 · {n} 块地 · 得分 {score}", "{mu} mu · {n} parcels · score {score}"),
    "zoom": ("在地图上查看", "Show on the map"),
    "compare": ("加入比较", "Compare"),
    "more": ("另有 {n} 个方案，可收窄条件后查看。", "{n} more sites: narrow the filters to "
             "see them."),
    "compare_title": ("方案比较", "Sites side by side"),
    "compare_hint": ("勾选 2–4 个方案的“加入比较”即可并排比较。",
                     "Tick “Compare” on 2–4 sites to see them side by side."),
    "compare_many": ("最多并排比较 4 个方案，请取消多余的勾选。",
                     "At most 4 sites side by side; untick the others."),
    "pdf": ("下载比较表（PDF）", "Download the comparison (PDF)"),
    "focus": ("地图已定位到第 {k} 名方案。", "The map shows site No. {k}."),
    "none": ("没有符合条件的选址。", "No site fits."),
    "site_id": ("方案", "Site"), "score": ("得分", "Score"),
    "map_note": ("地图：前 {n} 个方案的范围（红框），组合方案内的地块为浅色。",
                 "Map: outlines of the best {n} sites (red); parcels of assembled sites in "
                 "light fill."),
    "sens": ("排序稳定性（各权重 ±{p:.0%} 时前 10 名保留数）",
             "Ranking stability (top 10 kept when each weight moves ±{p:.0%})"),
    "part": ("得分项", "Score part"), "change": ("权重变化", "Weight change"),
    "kept": ("前10保留", "Top 10 kept"), "first": ("第一名不变", "Best stays first"),
    "stable": ("排序稳定：任一权重变化 ±{p:.0%}，前 10 名至少保留 {k} 个。",
               "Stable ranking: with any weight ±{p:.0%}, at least {k} of the top 10 stay."),
    "unstable": ("排序对权重敏感：{part} 变化时前 10 名仅保留 {k} 个，请谨慎使用排名。",
                 "Ranking is sensitive: moving {part} keeps only {k} of the top 10; use the "
                 "ranking with care."),
    "yes": ("是", "yes"), "no": ("否", "no"),
}
PART_LABELS = {
    "area_fit": ("面积匹配", "Area fit"), "compactness": ("形状紧凑", "Compactness"),
    "chain": ("产业链邻近", "Chain proximity"), "price": ("地价", "Price"),
    "utilities": ("七通一平", "Utilities"), "facilities": ("配套设施距离", "Facilities"),
}


def tx(key: str, **values: object) -> str:
    return pick(TEXT[key]).format(**values)


@st.cache_resource(show_spinner=False, max_entries=16)
def _search(request: SiteRequest, query: SiteQuery) -> tuple[SiteSearch, gpd.GeoDataFrame]:
    county = state.county()
    catalog = state.chain_catalog() if request.segment_id else None
    chains = county.policy.section("chains") if request.segment_id else None
    return search(county, request, query, catalog=catalog, chain_settings=chains,
                  verdicts=state.availability())


def render(county, filters: Mapping) -> None:  # noqa: ANN001 - layers.county.County
    """The panel under the finder's results, driven by the finder's ``filters``."""
    st.subheader(tx("title"))
    settings = site_settings(county)
    c1, c2 = st.columns([2, 1])
    assemble = c1.checkbox(tx("assemble"), key="finder_assemble")
    k = c2.slider(tx("max_parcels"), 2, 8, settings.max_parcels, key="finder_max_parcels",
                  disabled=not assemble)
    kinds = facility_kinds(county)
    limits: dict[str, float] = {}
    if kinds:
        columns = st.columns(min(len(kinds), 4))
        for i, kind in enumerate(kinds):
            km = columns[i % len(columns)].number_input(
                tx("within", kind=pick(FACILITY_KINDS[kind])), min_value=0.0, value=0.0,
                step=1.0, key=f"finder_within_{kind}")
            if km > 0:
                limits[kind] = float(km)
    if not assemble and not limits:
        return
    lo, hi = filters["area"]
    request = SiteRequest(land_uses=tuple(filters["land_uses"]) or None,
                          park_ids=tuple(filters["parks"]) or None,
                          segment_id=filters["segment"] or None,
                          utilities=tuple(filters["utilities"]))
    query = SiteQuery(min_mu=float(lo), max_mu=float(hi), assemble=assemble, max_parcels=k,
                      max_distance_km=limits)
    result, pool = _search(request, query)
    sites = result.sites
    assembled = int((sites["n_parcels"] > 1).sum())
    st.markdown(f"**{tx('count', n=f'{len(sites):,}', m=f'{assembled:,}')}**")
    if result.capped_seeds:
        st.caption(tx("capped", n=result.capped_seeds))
    if sites.empty:
        st.info(tx("none"))
        return
    focus = _cards(sites, county)
    _compare(sites, county)
    _map(result, pool, county, focus=focus)
    if is_staff():
        _stability(result, settings)


SHOWN_SITES = 12
"""Sites shown as cards (best first)."""


def _park_names(county) -> dict[str, str]:  # noqa: ANN001
    parks = county["park"]
    column = "name_en" if lang() == "en" and "name_en" in parks else "name"
    return {str(p): str(n) if pd.notna(n) else str(z) for p, n, z in
            zip(parks["park_id"], parks[column], parks["name"], strict=True)}


def _cards(sites: pd.DataFrame, county) -> str | None:  # noqa: ANN001
    """The best sites as cards (rank, park, 亩, parcels, score, reasons in words), each with
    a button that zooms the map to it and a compare tick; returns the site to zoom to."""
    names = _park_names(county)
    reasons = "reasons_zh" if lang() == "zh" else "reasons_en"
    top = sites.head(SHOWN_SITES).reset_index(drop=True)
    for start in range(0, len(top), 2):
        columns = st.columns(2)
        for column, (rank, row) in zip(columns, top.iloc[start:start + 2].iterrows(),
                                       strict=False):
            with column.container(border=True):
                park = names.get(str(row["park_id"]), "—")
                st.markdown(f"**{tx('rank', k=rank + 1)}** · {md_escape(park)}")
                st.markdown(tx("facts", mu=f"{row['area_mu']:,.1f}", n=int(row["n_parcels"]),
                               score=f"{row['score']:.1f}"))
                ids = row["parcel_ids"]
                ids = ids if isinstance(ids, list | tuple) else str(ids).split(",")
                st.caption(("、" if lang() == "zh" else ", ").join(map(str, ids)))
                st.markdown("\n".join(f"- {md_escape(r)}" for r in site_reasons(row[reasons])))
                left, right = st.columns(2)
                if left.button(tx("zoom"), key=f"site_zoom_{row['site_id']}",
                               icon=":material/zoom_in_map:"):
                    st.session_state["finder_site_focus"] = str(row["site_id"])
                right.checkbox(tx("compare"), key=f"site_compare_{row['site_id']}")
    if len(sites) > len(top):
        st.caption(tx("more", n=f"{len(sites) - len(top):,}"))
    focus = st.session_state.get("finder_site_focus")
    if focus in set(top["site_id"].astype(str)):
        rank = int(top.index[top["site_id"].astype(str) == focus][0]) + 1
        st.caption(tx("focus", k=rank))
        return focus
    return None


def _compare(sites: pd.DataFrame, county) -> None:  # noqa: ANN001
    """2–4 ticked sites side by side: one column per site, one row per figure; CSV, Excel
    and a PDF typeset like the brochures."""
    from exports.compare import compare_pdf, sites_table

    top = sites.head(SHOWN_SITES).reset_index(drop=True)
    picked = [i for i, sid in enumerate(top["site_id"])
              if st.session_state.get(f"site_compare_{sid}")]
    st.markdown(f"**{tx('compare_title')}**")
    if len(picked) < 2:
        st.caption(tx("compare_hint"))
        return
    if len(picked) > 4:
        st.warning(tx("compare_many"))
        return
    language = lang()
    table = sites_table(top.iloc[picked], picked, lang=language, park_names=_park_names(county))
    st.table(table)
    downloads(table.rename_axis(pick(("项目", "Item"))).reset_index(), stem="sites_compared",
              key="sites_compare_dl")
    st.download_button(tx("pdf"), lambda: compare_pdf(table, county=county, kind="sites",
                                                      lang=language),
                       file_name=f"sites_compared_{language}.pdf", mime="application/pdf",
                       icon=":material/picture_as_pdf:", key=f"sites_compare_pdf_{language}")


def _map(result: SiteSearch, pool: gpd.GeoDataFrame, county, *,  # noqa: ANN001
         focus: str | None = None) -> None:
    basemap = st.session_state.get("finder_basemap") or state.default_basemap()
    coords = display_coords(basemap)
    top = result.sites.head(MAP_SITES)
    outlines = site_geometries(result, pool, rows=len(top)).to_crs(4326)
    multi = result.members[:len(top)]
    member_ids = sorted({int(i) for row in multi if (row >= 0).sum() > 1 for i in row if i >= 0})
    members = pool.iloc[member_ids].geometry.to_crs(4326)

    def shown(geoms: gpd.GeoSeries) -> dict:
        values = geoms.values
        if coords == "gcj02":
            values = transform_geometries(values, wgs84_to_gcj02)
        return gpd.GeoSeries(values, crs=4326).__geo_interface__

    west, south, east, north = outlines.total_bounds
    chosen = top["site_id"].astype(str).to_numpy() == focus
    if chosen.any():  # the site whose "show on the map" was clicked, with a margin
        west, south, east, north = outlines[chosen].total_bounds
        pad = max(east - west, north - south) * 0.6 + 0.002
        west, south, east, north = west - pad, south - pad, east + pad, north + pad
    fmap = folium.Map(location=[(south + north) / 2, (west + east) / 2], zoom_start=13,
                      tiles=None, control_scale=True)
    use_local_assets(fmap)
    add_basemap(fmap, basemap, lang=lang(), key=state.tianditu_key())
    parks = county["park"]
    folium.GeoJson(shown(parks.geometry.to_crs(4326)), style_function=lambda _: {
        "color": "#1f4e9c", "weight": 2, "fillOpacity": 0.04}).add_to(fmap)
    if len(members):
        folium.GeoJson(shown(members), style_function=lambda _: {
            "color": "#ff7f0e", "weight": 1, "fillColor": "#ffbb78", "fillOpacity": 0.5},
        ).add_to(fmap)
    layer = folium.GeoJson(
        {"type": "FeatureCollection", "features": [
            {"type": "Feature", "geometry": g["geometry"],
             "properties": {"site": tx("rank", k=k + 1), "score": f"{score:.1f}"}}
            for k, (g, score) in enumerate(zip(shown(outlines)["features"], top["score"],
                                               strict=True))]},
        style_function=lambda _: {"color": "#d62728", "weight": 3, "fillOpacity": 0.0},
        tooltip=folium.GeoJsonTooltip(fields=["site", "score"],
                                      aliases=[tx("site_id"), tx("score")]))
    layer.add_to(fmap)
    fit_view(fmap, [[south, west], [north, east]])
    st.caption(tx("map_note", n=len(top)))
    st_folium(fmap, key=f"finder_sites_map_{lang()}_{focus or 'all'}", height=420,
              use_container_width=True, returned_objects=[])


def _stability(result: SiteSearch, settings) -> None:  # noqa: ANN001 - SiteSettings
    step = settings.sensitivity_step
    table = sensitivity(result.parts, settings.weights, step=step)
    if table.empty:
        return
    worst = table.loc[table["kept"].idxmin()]
    top = min(10, len(result.sites))
    with st.expander(tx("sens", p=step)):
        if int(worst["kept"]) >= min(8, top):
            st.success(tx("stable", p=step, k=int(worst["kept"])))
        else:
            st.warning(tx("unstable", part=pick(PART_LABELS[worst["part"]]),
                          k=int(worst["kept"])))
        shown = pd.DataFrame({
            tx("part"): [pick(PART_LABELS[p]) for p in table["part"]],
            tx("change"): [f"{c:+.0%}" for c in table["change"]],
            tx("kept"): [f"{k}/{top}" for k in table["kept"]],
            tx("first"): [tx("yes") if f else tx("no") for f in table["first_kept"]]})
        st.dataframe(shown, hide_index=True, width="stretch")
        st.caption(" · ".join(f"{pick(PART_LABELS[p])} {settings.weights.get(p, 0.0):g}"
                              for p in SCORE_PARTS))

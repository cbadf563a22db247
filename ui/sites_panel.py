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

from geo.chinacoords import transform_geometries, wgs84_to_gcj02
from geo.sites import SiteQuery, SiteSearch, sensitivity, site_geometries
from geo.sites_settings import SCORE_PARTS
from layers.registry import FACILITY_KINDS
from layers.sites import SiteRequest, facility_kinds, search, site_settings
from ui import state
from ui.auth import is_staff
from ui.i18n import lang, pick
from webmap.assets import use_local_assets
from webmap.basemaps import add_basemap, display_coords

MAP_SITES = 30
"""Sites outlined on the map (best first)."""
TEXT = {
    "title": ("智能选址", "Site search"),
    "assemble": ("组合地块（相邻可供应地块合并）", "Assemble adjoining available parcels"),
    "max_parcels": ("最多合并地块数", "Most parcels combined"),
    "within": ("距{kind}不超过（公里，0 为不限）", "Within … km of {kind} (0: any)"),
    "count": ("共 {n} 个选址方案（其中组合 {m} 个）", "{n} sites ({m} assembled)"),
    "capped": ("有 {n} 个起点地块的组合达到上限（sites.per_seed_cap），部分组合未列出。",
               "{n} seed parcels reached sites.per_seed_cap; some combinations are not listed."),
    "none": ("没有符合条件的选址。", "No site fits."),
    "site_id": ("方案", "Site"), "parcel_ids": ("地块", "Parcels"),
    "n_parcels": ("地块数", "Parcels (n)"), "park_id": ("园区", "Park"),
    "area_mu": ("面积(亩)", "Area (mu)"), "score": ("得分", "Score"),
    "reasons": ("说明", "Explanation"),
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
    st.dataframe(_shown(sites, county), hide_index=True, width="stretch", height=320)
    _map(result, pool, county)
    if is_staff():
        _stability(result, settings)


def _shown(sites: pd.DataFrame, county) -> pd.DataFrame:  # noqa: ANN001
    names = dict(zip(county["park"]["park_id"],
                     county["park"]["name_en" if lang() == "en" else "name"], strict=True))
    table = sites[["site_id", "parcel_ids", "n_parcels", "park_id", "area_mu", "score"]].copy()
    table["park_id"] = [names.get(p, "—") for p in table["park_id"]]
    table["reasons"] = sites["reasons_zh" if lang() == "zh" else "reasons_en"]
    return table.rename(columns={c: tx(c) for c in table.columns})


def _map(result: SiteSearch, pool: gpd.GeoDataFrame, county) -> None:  # noqa: ANN001
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
             "properties": {"site": sid, "score": f"{score:.1f}"}}
            for g, sid, score in zip(shown(outlines)["features"], top["site_id"],
                                     top["score"], strict=True)]},
        style_function=lambda _: {"color": "#d62728", "weight": 3, "fillOpacity": 0.0},
        tooltip=folium.GeoJsonTooltip(fields=["site", "score"],
                                      aliases=[tx("site_id"), tx("score")]))
    layer.add_to(fmap)
    fmap.fit_bounds([[south, west], [north, east]])
    st.caption(tx("map_note", n=len(top)))
    st_folium(fmap, key=f"finder_sites_map_{lang()}", height=420, use_container_width=True,
              returned_objects=[])


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

"""合规审查 / Compliance review (staff): upload a boundary or draw it on the map, see its
red-line overlaps on the map and in a table, download the PDF or Excel report. Nothing is
stored."""

from __future__ import annotations

import hashlib
import json
import tempfile
from pathlib import Path

import folium
import geopandas as gpd
import pandas as pd
import streamlit as st
from streamlit_folium import st_folium

from exports.compliance_report import as_of_text, park_names, report_table, write_report
from geo.chinacoords import gcj02_to_wgs84, transform_geometries, wgs84_to_gcj02
from geo.compliance import FEATURE_ID, VERDICTS, BoundaryError
from geo.crs import CRSError
from layers.compliance import (
    Boundary,
    CoordsNeeded,
    boundary_frame,
    drawn_boundary,
    review,
)
from layers.io import ReadError
from layers.policy import load_policy
from layers.uploads import stage_upload, upload_folder, upload_limit_mb
from ui import state
from ui.auth import require_role
from ui.common import header
from ui.compliance_text import COORD_LABELS, PICKER_FIX, boundary_problem
from ui.i18n import lang, pick
from ui.mapview import basemap_picker, map_tiles
from ui.text import md_escape
from webmap import draw_assets
from webmap.basemaps import display_coords
from webmap.builder import build_parts
from webmap.display import Viewport

TEXT = {
    "upload": ("上传边界文件", "Upload a boundary file"),
    "draw": ("在地图上绘制", "Draw on the map"),
    "upload_help": ("坐标TXT、DXF、GeoJSON、KML、GeoPackage，或 Shapefile 的 .shp/.shx/.dbf/.prj "
                    "一起上传；CSV/XLSX 为按顺序排列的界址点",
                    "Coordinate TXT, DXF, GeoJSON, KML, GeoPackage, or a Shapefile's "
                    ".shp/.shx/.dbf/.prj together; CSV/XLSX: corner points in ring order"),
    "crs": ("坐标系 EPSG（仅当投影坐标文件未注明时）",
            "CRS as EPSG (only when a projected file does not state it)"),
    "ask_coords": ("这份界址点表是经纬度，但没有注明坐标系。"
                   "请选择坐标来源（选错会偏移 300–700 米）：",
                   "These corner points are in degrees without a stated system. Choose where "
                   "they come from (a wrong choice moves the boundary 300–700 m):"),
    "coords_source": ("经纬度坐标来源", "Source of the degrees"),
    "read_as": ("按 WGS84 读取（GeoJSON、KML 的标准坐标）。坐标若来自高德/百度拾取器，请点选更正：",
                "Read as WGS84 (the standard for GeoJSON and KML). If the coordinates come from "
                "the Gaode/Baidu pickers, correct it here:"),
    "draw_help": ("用地图右上角的多边形或矩形工具画出边界，双击结束。点击地块不会开始审查。",
                  "Draw the boundary with the polygon or rectangle tool at the top right; "
                  "double-click to finish. Clicking a parcel does not start a review."),
    "no_draw": ("此服务器未安装绘图工具，请联系管理员。仍可上传边界文件。",
                "The drawing tool is not installed on this server; ask the administrator. "
                "Uploading a boundary file works."),
    "clear_drawn": ("清除绘制的边界", "Clear the drawn boundary"),
    "drawn_name": ("绘制的边界", "drawn boundary"),
    "none_yet": ("请上传文件或绘制边界。", "Upload a file or draw a boundary."),
    "result": ("审查结果", "Result"),
    "details": ("分项面积", "Areas by red-line category"),
    "points": ("界址点", "Corner points"),
    "parcels": ("涉及地块", "Parcels touched"),
    "pdf": ("下载 PDF 报告", "Download the PDF report"),
    "xlsx": ("下载 Excel 报告", "Download the Excel report"),
    "boundary": ("审查边界", "Boundary reviewed"),
    "as_of": ("管控图层数据日期", "Control layers as of"),
}

WGS84_READ = (".geojson", ".json", ".kml", ".kmz")
"""Formats whose standard fixes the datum to WGS84 (RFC 7946, OGC KML)."""
POINT_TABLES = (".csv", ".xlsx", ".xls")


def tx(key: str) -> str:
    return pick(TEXT[key])


def _main_file(files: list) -> str:
    names = [Path(f.name).name for f in files]
    return next((n for n in names if n.lower().endswith(".shp")), sorted(names)[0])


def _uploaded_boundary(files: list, crs: str, coords: str | None) -> Boundary:
    """Write the uploads to a temporary folder and read the main file (named as uploaded)."""
    with upload_folder("investmap-compliance-") as folder:  # removed when read
        mains = stage_upload(((f.name, f.getvalue()) for f in files), folder,
                             max_bytes=int(upload_limit_mb(load_policy()) * 2**20))
        main = _main_file(files)
        path = next((m for m in mains if m.name == main), mains[0])
        boundary = boundary_frame(path, crs=crs or None, coords=coords,
                                  working_crs=state.county().crs)
    boundary.source = path.name
    return boundary


def _upload(files: list, crs: str) -> Boundary | None:
    """The uploaded boundary, asking for the lon/lat system where the file does not fix it."""
    main = _main_file(files)
    suffix = Path(main).suffix.lower()
    table = suffix in POINT_TABLES
    key = "compliance_coords_table" if table else "compliance_coords_file"
    coords = st.session_state.get(key) or (None if table else "wgs84")
    boundary: Boundary | None = None
    try:
        boundary = _uploaded_boundary(files, crs, coords)
    except CoordsNeeded:
        st.warning(tx("ask_coords"))
    except (BoundaryError, ReadError, CRSError, ValueError) as exc:
        st.error(boundary_problem(exc, main))
        return None
    degrees = boundary is None or "(" in boundary.source_crs
    labels = {c: pick(words) for c, words in COORD_LABELS.items()}  # fixed now: AppTest-safe
    if table and degrees:
        st.radio(tx("coords_source"), list(COORD_LABELS), index=None, key=key, horizontal=True,
                 format_func=labels.__getitem__)
    elif degrees and (suffix in WGS84_READ or coords != "wgs84"):
        st.caption(tx("read_as"))
        st.radio(tx("coords_source"), ["wgs84", *PICKER_FIX], key=key, horizontal=True,
                 format_func=labels.__getitem__, label_visibility="collapsed")
    return boundary


def _drawn_geometry(result: dict | None) -> dict | None:
    """The newest polygon drawn with the draw tools (``all_drawings``: the draw layer only —
    a click on a parcel or a red line changes ``last_active_drawing``, never this list)."""
    drawings = (result or {}).get("all_drawings") or []
    polygons = [g for d in drawings if isinstance(d, dict)
                and (g := d.get("geometry") or {}).get("type") in ("Polygon", "MultiPolygon")]
    return polygons[-1] if polygons else None


def _drawn(geometry: dict, coords: str) -> Boundary:
    boundary = drawn_boundary(geometry, working_crs=state.county().crs, name=tx("drawn_name"))
    boundary.labels = [tx("drawn_name")]
    if coords == "gcj02":  # drawn over Gaode tiles: undo the display shift
        lonlat = boundary.frame.to_crs(4326)
        fixed = transform_geometries(lonlat.geometry.values, gcj02_to_wgs84)
        boundary.frame = gpd.GeoDataFrame(boundary.frame.drop(columns="geometry"),
                                          geometry=fixed, crs=4326).to_crs(state.county().crs)
    return boundary


def _shown(frame: gpd.GeoDataFrame, coords: str) -> gpd.GeoSeries:
    geoms = frame.geometry.to_crs(4326).values
    if coords == "gcj02":
        geoms = transform_geometries(geoms, wgs84_to_gcj02)
    return gpd.GeoSeries(geoms, crs=4326)


def _boundary_overlay(result, coords: str) -> folium.FeatureGroup:  # noqa: ANN001 - Review
    """The boundary outline and, filled, its conflicting parts (tooltip: the category)."""
    group = folium.FeatureGroup(name=tx("boundary"))
    folium.GeoJson(_shown(result.boundary.frame, coords).__geo_interface__,
                   style_function=lambda _: {"color": "#d62728", "weight": 3,
                                             "fillOpacity": 0.05}).add_to(group)
    conflicts = result.conflicts
    if conflicts is not None and len(conflicts):
        names = [pick((c.zh, c.en)) if (c := result.categories.get(k)) else k
                 for k in conflicts["category"]]
        shown = gpd.GeoDataFrame({"name": names, "hard": conflicts["severity"].eq("hard")},
                                 geometry=_shown(conflicts, coords).values, crs=4326)
        folium.GeoJson(shown.__geo_interface__,
                       style_function=lambda f: {
                           "color": "#b71c1c", "weight": 1, "fillOpacity": 0.55,
                           "fillColor": "#d62728" if f["properties"]["hard"] else "#ff9800"},
                       tooltip=folium.GeoJsonTooltip(fields=["name"], labels=False),
                       ).add_to(group)
    return group


def _map(result, basemap: str) -> dict | None:  # noqa: ANN001 - Review or None
    """The map; with a boundary under review it opens fitted to that boundary (a new
    boundary gets a new map key, so the map re-mounts on it)."""
    coords = display_coords(basemap)
    data = state.map_data("staff", lang(), coords)
    key, focus = f"compliance_map_{lang()}", None
    if result is not None:
        focus = tuple(_shown(result.boundary.frame, coords).total_bounds)
        key += "_" + _digest(result)[:10]
    published = map_tiles(coords)  # parcels, red lines and parks from the county's tiles
    tiles = None if published is None else published.tiles
    viewport = None if tiles is not None else (
        Viewport.from_st_folium(st.session_state.get(key))
        or Viewport.covering(focus or data.bounds(), width_px=700, height_px=520))
    parts = build_parts(data, basemap=basemap, viewport=viewport, tiles=tiles,
                        pending_ids=None if published is None else published.pending,
                        layers=("park", "redline", "parcel"),
                        max_features={"parcel": 5000, "redline": 1500, "park": 500},
                        min_pixels=3.0, tianditu_key=state.tianditu_key(), compact=True,
                        focus=focus)
    if draw_assets.installed():
        draw_assets.local_draw(  # top right: the legend sits top left under the zoom buttons
            position="topright",
            draw_options={"polyline": False, "circle": False, "marker": False,
                          "circlemarker": False, "polygon": {"allowIntersection": False}},
            edit_options={"edit": False}).add_to(parts.base)
    overlays = list(parts.overlays)
    if result is not None:
        overlays.append(_boundary_overlay(result, coords))
    return st_folium(parts.base, key=key, height=520,
                     use_container_width=True, feature_group_to_add=overlays,
                     layer_control=parts.layer_control,
                     returned_objects=["all_drawings"] if tiles is not None
                     else ["all_drawings", "bounds", "zoom"])


def _digest(result) -> str:  # noqa: ANN001 - layers.compliance.Review
    """Identifies the boundary under review (its corner points and source)."""
    return hashlib.sha1(pd.util.hash_pandas_object(result.points).values.tobytes()
                        + result.boundary.source.encode()).hexdigest()


@st.cache_data(show_spinner=False, max_entries=16)
def _report_bytes(_result, key: str, suffix: str, language: str) -> bytes:  # noqa: ANN001
    with tempfile.TemporaryDirectory() as tmp:
        out = write_report(_result, state.county(), Path(tmp) / f"report{suffix}",
                           lang=language)
        return out.read_bytes()


def render() -> None:
    user = require_role()
    header("page_compliance")
    upload_tab, draw_tab = st.tabs([tx("upload"), tx("draw")])
    boundary: Boundary | None = None
    with upload_tab:
        files = st.file_uploader(tx("upload"), accept_multiple_files=True, help=tx("upload_help"),
                                 key="compliance_files",
                                 max_upload_size=max(1, int(upload_limit_mb(load_policy()))))
        crs = st.text_input(tx("crs"), key="compliance_crs", placeholder="4546")
        if files:
            boundary = _upload(files, crs)
    with draw_tab:
        st.caption(tx("draw_help") if draw_assets.installed() else tx("no_draw"))
        if st.session_state.get("compliance_drawn") is not None and st.button(
                tx("clear_drawn"), key="compliance_clear"):
            st.session_state["compliance_drawn"] = None
    basemap = basemap_picker("compliance_basemap")
    drawn_state = st.session_state.get("compliance_drawn")
    if boundary is None and not files and drawn_state is not None:
        boundary = drawn_state[1]
    result = None
    if boundary is not None:
        try:
            result = review(state.county(), boundary, user=user.display or user.name)
        except (BoundaryError, CRSError) as exc:
            st.error(boundary_problem(exc, None if boundary.source == "map" else boundary.source))
    if result is not None:
        _verdicts(result)
    returned = _map(result, basemap)
    geometry = _drawn_geometry(returned)
    if geometry is not None and not files:
        digest = hashlib.sha1(json.dumps(geometry, sort_keys=True).encode()).hexdigest()
        if drawn_state is None or drawn_state[0] != digest:
            try:
                st.session_state["compliance_drawn"] = (
                    digest, _drawn(geometry, display_coords(basemap)))
            except (BoundaryError, ValueError) as exc:
                st.error(boundary_problem(exc))
            else:
                st.rerun()
    if result is None:
        st.info(tx("none_yet"))
        return
    _show(result)


def _verdicts(result) -> None:  # noqa: ANN001 - layers.compliance.Review
    """One line per boundary feature, verdict first, coloured by severity."""
    table = result.table
    reasons = table["reasons_zh" if lang() == "zh" else "reasons_en"]
    for fid, verdict, area, why in zip(table[FEATURE_ID], table["verdict"], table["area_mu"],
                                       reasons, strict=True):
        words = VERDICTS[verdict][0 if lang() == "zh" else 1]
        text = pick((f"**{words}** — {md_escape(str(fid))}（{area:,.2f} 亩）：{why}",
                     f"**{words}** — {md_escape(str(fid))} ({area:,.2f} mu): {why}"))
        {"conflict": st.error, "warning": st.warning}.get(verdict, st.success)(text)


def _show(result) -> None:  # noqa: ANN001 - layers.compliance.Review
    st.subheader(tx("result"))
    county = state.county()
    table = report_table(result, lang(), park_names(county, lang()))
    st.dataframe(table, hide_index=True, width="stretch")
    key = _digest(result)
    left, right = st.columns(2)
    left.download_button(tx("pdf"), _report_bytes(result, key, ".pdf", lang()),
                         file_name="compliance.pdf", mime="application/pdf",
                         key="compliance_pdf")
    right.download_button(tx("xlsx"), _report_bytes(result, key, ".xlsx", lang()),
                          file_name="compliance.xlsx",
                          mime="application/vnd.openxmlformats-officedocument."
                               "spreadsheetml.sheet", key="compliance_xlsx")
    st.caption(tx("as_of") + pick(("：", ": ")) + pick(("；", "; ")).join(
        f"{pick((i.label_zh, i.label_en))} {as_of_text(i, lang())}" for i in result.layers))
    boundary = pick(("边界编号", "Boundary"))
    with st.expander(tx("parcels")):
        parcels = result.parcels.assign(share=(result.parcels["share"] * 100).round(1),
                                        overlap_mu=result.parcels["overlap_mu"].round(2))
        st.dataframe(parcels.rename(columns={
            "feature_id": boundary, "parcel_id": pick(("地块编号", "Parcel")),
            "overlap_mu": pick(("重叠面积(亩)", "Overlap (mu)")),
            "share": pick(("占该地块(%)", "Share of the parcel (%)"))}),
            hide_index=True, width="stretch")
    with st.expander(tx("points")):
        crs = result.points_crs
        st.caption(f"{crs.name} (EPSG:{crs.to_epsg()})")
        st.dataframe(result.points.round({"x_northing": 3, "y_easting": 3}).rename(columns={
            "feature_id": boundary, "ring": pick(("圈号", "Ring")),
            "point_no": pick(("点号", "Point")), "x_northing": pick(("X（北）", "X (northing)")),
            "y_easting": pick(("Y（东）", "Y (easting)"))}), hide_index=True, width="stretch")


render()

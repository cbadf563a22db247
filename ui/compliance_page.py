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

from exports.compliance_report import report_table, write_report
from geo.chinacoords import gcj02_to_wgs84, transform_geometries, wgs84_to_gcj02
from geo.compliance import BoundaryError
from geo.crs import CRSError
from layers.compliance import COORDS, Boundary, boundary_frame, drawn_boundary, review
from layers.io import ReadError
from ui import state
from ui.auth import require_role
from ui.common import header
from ui.i18n import lang, pick
from ui.mapview import basemap_picker, map_tiles
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
    "crs": ("坐标系 EPSG（文件无坐标系时）", "CRS as EPSG (when the file has none)"),
    "coords": ("经纬度坐标系（经纬度文件必填）", "Coordinate system of degrees (required for "
               "lon/lat files)"),
    "not_given": ("未指定", "not given"),
    "draw_help": ("用地图左侧的多边形或矩形工具画出边界，双击结束。",
                  "Draw the boundary with the polygon or rectangle tool on the left; "
                  "double-click to finish."),
    "no_draw": ("绘图工具未安装：请运行 `investmap assets`。仍可上传文件。",
                "The drawing tool is not installed: run `investmap assets`. Uploading works."),
    "none_yet": ("请上传文件或绘制边界。", "Upload a file or draw a boundary."),
    "result": ("审查结果", "Result"),
    "points": ("界址点", "Corner points"),
    "parcels": ("涉及地块", "Parcels touched"),
    "pdf": ("下载 PDF 报告", "Download the PDF report"),
    "xlsx": ("下载 Excel 报告", "Download the Excel report"),
    "boundary": ("审查边界", "Boundary reviewed"),
    "error": ("无法审查该边界：", "This boundary cannot be reviewed: "),
}


def tx(key: str) -> str:
    return pick(TEXT[key])


def _uploaded_boundary(files: list, crs: str, coords: str | None) -> Boundary | None:
    """Write the uploads to a temporary folder and read the main file."""
    if not files:
        return None
    folder = Path(tempfile.mkdtemp(prefix="investmap-compliance-"))
    for f in files:
        (folder / Path(f.name).name).write_bytes(f.getvalue())
    names = sorted(folder.iterdir())
    main = next((p for p in names if p.suffix.lower() == ".shp"), names[0])
    return boundary_frame(main, crs=crs or None, coords=coords,
                          working_crs=state.county().crs)


def _drawn(result: dict | None, coords: str) -> Boundary | None:
    drawing = (result or {}).get("last_active_drawing") or {}
    geometry = drawing.get("geometry") or {}
    if geometry.get("type") not in ("Polygon", "MultiPolygon"):
        return None
    boundary = drawn_boundary(geometry, working_crs=state.county().crs,
                              name=hashlib.sha1(json.dumps(geometry).encode()).hexdigest()[:6])
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
    coords = display_coords(basemap)
    data = state.map_data("staff", lang(), coords)
    published = map_tiles(coords)  # parcels, red lines and parks from the county's tiles
    tiles = None if published is None else published.tiles
    viewport = None if tiles is not None else \
        Viewport.covering(data.bounds(), width_px=700, height_px=520)
    parts = build_parts(data, basemap=basemap, viewport=viewport, tiles=tiles,
                        pending_ids=None if published is None else published.pending,
                        layers=("park", "redline", "parcel"),
                        max_features={"parcel": 5000, "redline": 1500, "park": 500},
                        min_pixels=3.0, tianditu_key=state.tianditu_key(), compact=True)
    if draw_assets.installed():
        draw_assets.local_draw(  # top right: the legend sits top left under the zoom buttons
            position="topright",
            draw_options={"polyline": False, "circle": False, "marker": False,
                          "circlemarker": False, "polygon": {"allowIntersection": False}},
            edit_options={"edit": False}).add_to(parts.base)
    overlays = list(parts.overlays)
    if result is not None:
        overlays.append(_boundary_overlay(result, coords))
    return st_folium(parts.base, key=f"compliance_map_{lang()}", height=520,
                     use_container_width=True, feature_group_to_add=overlays,
                     layer_control=parts.layer_control,
                     returned_objects=["last_active_drawing"])


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
                                 key="compliance_files")
        c1, c2 = st.columns(2)
        crs = c1.text_input(tx("crs"), key="compliance_crs", placeholder="4546")
        coords = c2.selectbox(tx("coords"), [None, *COORDS], key=f"compliance_coords_{lang()}",
                              format_func=lambda c: tx("not_given") if c is None else c)
    try:
        boundary = _uploaded_boundary(files or [], crs, coords)
    except (BoundaryError, ReadError, CRSError, ValueError) as exc:
        st.error(tx("error") + str(exc))
    with draw_tab:
        st.caption(tx("draw_help") if draw_assets.installed() else tx("no_draw"))
    basemap = basemap_picker("compliance_basemap")
    if boundary is None and st.session_state.get("compliance_drawn") is not None:
        boundary = st.session_state["compliance_drawn"]
    result = None
    if boundary is not None:
        try:
            result = review(state.county(), boundary, user=user.display or user.name)
        except (BoundaryError, CRSError) as exc:
            st.error(tx("error") + str(exc))
    returned = _map(result, basemap)
    try:
        drawn = _drawn(returned, display_coords(basemap))
    except (BoundaryError, ValueError) as exc:
        drawn = None
        st.error(tx("error") + str(exc))
    if drawn is not None and not files:
        previous = st.session_state.get("compliance_drawn")
        if previous is None or previous.frame["feature_id"].iloc[0] != drawn.frame[
                "feature_id"].iloc[0]:
            st.session_state["compliance_drawn"] = drawn
            st.rerun()
    if result is None:
        st.info(tx("none_yet"))
        return
    _show(result)


def _show(result) -> None:  # noqa: ANN001 - layers.compliance.Review
    st.subheader(tx("result"))
    table = report_table(result, lang())
    st.dataframe(table, hide_index=True, width="stretch")
    key = hashlib.sha1(pd.util.hash_pandas_object(result.points).values.tobytes()
                       + result.boundary.source.encode()).hexdigest()
    left, right = st.columns(2)
    left.download_button(tx("pdf"), _report_bytes(result, key, ".pdf", lang()),
                         file_name="compliance.pdf", mime="application/pdf",
                         key="compliance_pdf")
    right.download_button(tx("xlsx"), _report_bytes(result, key, ".xlsx", lang()),
                          file_name="compliance.xlsx",
                          mime="application/vnd.openxmlformats-officedocument."
                               "spreadsheetml.sheet", key="compliance_xlsx")
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
        st.dataframe(result.points.rename(columns={
            "feature_id": boundary, "ring": pick(("圈号", "Ring")),
            "point_no": pick(("点号", "Point")), "x_northing": pick(("X（北）", "X (northing)")),
            "y_easting": pick(("Y（东）", "Y (easting)"))}), hide_index=True, width="stretch")


render()

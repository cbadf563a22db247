"""导入数据 / Import data (staff: planner, admin): upload a planner's file, see every problem
with its place and fix, preview the features on a map, and load them into the store.

The page only gathers input and shows results: files are staged by
:func:`layers.uploads.stage_upload`, read and checked by
:func:`layers.importing.prepare_import` (the pipeline of ``investmap import/validate/load``)
and written by :meth:`layers.store.Store.import_frame` — the same audited, all-or-nothing
transaction as ``investmap load``. Encoding, CRS and lon/lat system are asked only once the
first attempt shows they are needed (a guessed encoding, no CRS, rows without 坐标系), and a
value only for the columns the file lacks.
"""

from __future__ import annotations

import contextlib
import hashlib
import html
from collections.abc import Mapping
from functools import partial
from pathlib import Path

import folium
import pandas as pd
import streamlit as st
from streamlit_folium import st_folium

from layers.formats.tables import COORDS_VALUES
from layers.importing import (
    PreparedImport,
    StoredIdClash,
    check_stored_ids,
    prepare_import,
    refused_csv,
)
from layers.io import ReadError, ReadOptions
from layers.policy import load_policy
from layers.registry import (
    LAND_USES,
    LAYERS,
    PARCEL_STATUSES,
    PARK_LEVELS,
    PROJECT_STAGES,
    SCALES,
    get_spec,
    label,
)
from layers.store import EditError, StoreError, open_store
from layers.store.settings import storage_settings
from layers.uploads import stage_upload, upload_folder, upload_limit_mb
from layers.validate import Problem, ValidationError
from layers.vector_tiles import TILE_LAYERS
from ui import state
from ui.auth import User, require_role
from ui.common import header
from ui.i18n import lang, pick
from ui.mapview import map_tiles
from webmap.assets import use_local_assets
from webmap.basemaps import BasemapError, add_basemap, display_coords
from webmap.builder import fit_view, map_styles
from webmap.vtiles import VectorTileLayer, use_renderer

TEXT = {
    "layer": ("导入到图层", "Target layer"),
    "upload": ("上传文件", "Upload"),
    "upload_help": ("压缩包（含 .shp .shx .dbf .prj）、坐标TXT、DXF、CSV/XLSX、GeoPackage、"
                    "GeoJSON/KML；也可一次选中 Shapefile 的各个文件",
                    "A zip of a shapefile with its parts, a coordinate TXT, DXF, CSV/XLSX, "
                    "GeoPackage, GeoJSON/KML; or select a shapefile's parts together"),
    "limit": ("单次上传上限 {mb:g} MB；更大的文件请交系统管理员在服务器上导入。",
              "Upload limit {mb:g} MB; larger files are loaded on the server by the "
              "system administrator."),
    "start": ("请选择要导入的图层并上传文件。", "Choose the target layer and upload a file."),
    "which": ("上传中有多个可读文件，请选择一个", "The upload holds several files; choose one"),
    "options": ("读取设置", "Reading options"),
    "crs": ("坐标系 EPSG（文件未说明坐标系时必填，如 EPSG:4549）",
            "CRS as EPSG (needed when the file has none, e.g. EPSG:4549)"),
    "encoding": ("文字编码", "Text encoding"),
    "coords": ("经纬度坐标系（无“坐标系”列的行）", "Lon/lat system (rows without a 坐标系 column)"),
    "auto": ("自动检测", "Detect"),
    "fills": ("补充字段（只填空白值；可用 {列名} 模板）",
              "Fill columns (blank values only; {column} templates allowed)"),
    "skip": ("跳过有问题的要素，只导入其余要素", "Skip invalid features and import the rest"),
    "problems": ("检查结果", "Check results"),
    "none": ("未发现问题。", "No problems found."),
    "severity": ("级别", "Severity"),
    "where": ("位置", "Where"),
    "problem": ("问题", "Problem"),
    "fix": ("修改方法", "Fix"),
    "error": ("错误", "Error"),
    "warning": ("提示", "Warning"),
    "blocked": ("有错误，不能导入。请按“修改方法”改正文件或补充设置后重试。",
                "There are errors; nothing can be imported. Correct the file or the settings "
                "as the fixes say and try again."),
    "ready": ("{n} 个要素可导入（{layer}）。", "{n} feature(s) ready to import ({layer})."),
    "refused": ("{n} 个要素有问题，将不导入：", "{n} feature(s) refused and left out:"),
    "refused_csv": ("下载未导入要素清单 (CSV)", "Download the refused list (CSV)"),
    "preview": ("预览", "Preview"),
    "reason": ("导入原因（必填，记入审计日志）", "Reason (required, goes into the audit log)"),
    "confirm": ("确认导入", "Import"),
    "done": ("已导入 {location}：新增 {inserted}，更新 {updated}，未变 {unchanged}，审计记录 "
             "{audit} 条。", "Imported into {location}: {inserted} inserted, {updated} updated, "
             "{unchanged} unchanged, {audit} audit rows."),
    "store_error": ("未写入任何数据：{e}", "Nothing was written: {e}"),
}
ENCODINGS = ("gbk", "gb18030", "utf-8", "utf-8-sig", "utf-16", "big5")
CODED = {("parcel", "status"): PARCEL_STATUSES, ("parcel", "land_use"): LAND_USES,
         ("project", "stage"): PROJECT_STAGES, ("park", "level"): PARK_LEVELS,
         ("enterprise", "scale"): SCALES}
UPLOAD_TYPES = ["zip", "shp", "shx", "dbf", "prj", "cpg", "txt", "dxf", "dwg", "csv", "xlsx",
                "gpkg", "geojson", "json", "kml"]


def tr(key: str, **values: object) -> str:
    text = pick(TEXT[key])
    return text.format(**values) if values else text


def main() -> None:
    user = require_role("planner", "admin")
    header("page_import")
    with upload_folder() as folder:  # removed when this run ends (also on a rerun)
        _page(user, folder)


def _page(user: User, folder: Path) -> None:
    policy = load_policy()
    limit_mb = upload_limit_mb(policy)
    layer = st.selectbox(tr("layer"), list(LAYERS), key="import_layer",
                         index=list(LAYERS).index("parcel"),
                         format_func=lambda n: pick((get_spec(n).zh, get_spec(n).en)))
    files = st.file_uploader(tr("upload"), type=UPLOAD_TYPES, accept_multiple_files=True,
                             key="import_files", help=tr("upload_help"),
                             max_upload_size=max(1, int(limit_mb)))
    st.caption(tr("limit", mb=limit_mb))
    if not files:
        st.info(tr("start"))
        return
    digest = hashlib.sha256()
    for f in files:
        digest.update(f.name.encode() + f.getvalue())
    key = digest.hexdigest()[:16]
    try:
        mains = stage_upload(((f.name, f.getvalue()) for f in files), folder,
                             max_bytes=int(limit_mb * 2**20))
    except ReadError as exc:
        _problems([], str(exc).replace(str(folder) + "/", ""))
        return
    names = [str(p.relative_to(folder)) for p in mains]  # stable across runs (new folder)
    path = mains[0] if len(mains) == 1 else folder / st.selectbox(
        tr("which"), names, key=f"import_main_{key}")
    needs: set[str] = st.session_state.setdefault(f"import_needs_{key}_{layer}", set())
    if path.suffix.lower() == ".dxf":
        needs.add("crs")
    options, fills, skip = _read_settings(key, layer, needs)
    try:
        with open_store() as store:
            epsg = store.layer_epsg(layer)  # validate into the CRS the store keeps
    except StoreError as exc:
        st.error(tr("store_error", e=exc))
        return
    prepared: PreparedImport | None = None
    try:
        done = prepare_import(path, layer, options=options, fills=fills, skip_invalid=skip,
                              policy=policy, working_crs=epsg)
        prepared, error, problems = done, None, list(done.report.problems)
    except (ReadError, ValueError) as exc:
        prepared = None
        report = exc.report if isinstance(exc, ValidationError) else None
        problems = list(report.problems) if report is not None else []
        error = None if report is not None else str(exc)
    before = set(needs)
    needs |= _needs(layer, problems, error)
    if needs != before:
        st.rerun()
    _problems(problems, error and error.replace(str(folder) + "/", ""))
    if prepared is None:
        st.error(tr("blocked"))
    _settings_widgets(key, layer, needs)
    if prepared is None:
        return
    _preview(prepared, layer)
    _confirm(prepared, layer, path.name, user, policy)


# -- settings asked only when needed --------------------------------------------------------


def _read_settings(key: str, layer: str, needs: set[str],
                   ) -> tuple[ReadOptions, dict[str, str], bool]:
    """Values of the widgets drawn on the previous run (drawn again after the attempt)."""
    get = st.session_state.get
    crs = (get(f"import_crs_{key}") or "").strip() or None if "crs" in needs else None
    encoding = get(f"import_enc_{key}") if "encoding" in needs else None
    coords = get(f"import_coords_{key}") if "coords" in needs else None
    fills = {}
    for need in sorted(needs):
        if need.startswith("fill:"):
            value = get(f"import_fill_{key}_{layer}_{need[5:]}")
            if value:
                fills[need[5:]] = str(value)
    skip = bool(get(f"import_skip_{key}")) if "skip" in needs else False
    options = ReadOptions(crs=crs, encoding=encoding if encoding not in (None, "auto") else None,
                          coords=coords if coords not in (None, "auto") else None)
    return options, fills, skip


def _needs(layer: str, problems: list[Problem], error: str | None) -> set[str]:
    texts = [p.message + " " + p.fix for p in problems] + ([error] if error else [])
    joined = "\n".join(texts)
    needs: set[str] = set()
    if "--crs" in joined or "coordinate reference system" in joined:
        needs.add("crs")
    if "encoding" in joined:
        needs.add("encoding")
    if "WGS84 assumed" in joined:
        needs.add("coords")
    spec = get_spec(layer)
    for p in problems:
        empty = p.message.startswith(("required column missing", "value is empty"))
        if p.column and p.column in spec.column_names and (empty or "placeholder" in p.message):
            needs.add(f"fill:{p.column}")
    errors = [p for p in problems if p.severity == "error"]
    if (errors and all(p.rows for p in errors)) or any("--skip-invalid" in p.message
                                                       for p in problems):
        needs.add("skip")
    return needs


def _settings_widgets(key: str, layer: str, needs: set[str]) -> None:
    if not needs:
        return
    st.subheader(tr("options"))
    if "crs" in needs:
        st.text_input(tr("crs"), key=f"import_crs_{key}")
    if "encoding" in needs:
        st.selectbox(tr("encoding"), ["auto", *ENCODINGS], key=f"import_enc_{key}",
                     format_func=lambda e: tr("auto") if e == "auto" else e)
    if "coords" in needs:
        st.selectbox(tr("coords"), ["auto", *COORDS_VALUES], key=f"import_coords_{key}",
                     format_func=lambda e: tr("auto") if e == "auto" else e)
    columns = sorted(n[5:] for n in needs if n.startswith("fill:"))
    if columns:
        st.caption(tr("fills"))
        spec = get_spec(layer)
        for name in columns:
            col = spec.column(name)
            caption = f"{pick((col.zh, col.en))} ({name})"
            widget_key = f"import_fill_{key}_{layer}_{name}"
            table = CODED.get((layer, name))
            if table is not None:
                options: list[str] = ["", *table]
                st.selectbox(caption, options, key=widget_key,
                             format_func=partial(_code_label, table))
            else:
                st.text_input(caption, key=widget_key)
    if "skip" in needs:
        st.checkbox(tr("skip"), key=f"import_skip_{key}")


def _code_label(table: Mapping[str, tuple[str, str]], code: str) -> str:
    return f"{label(table, code, lang())} ({code})" if code else "—"


# -- results ---------------------------------------------------------------------------------


def _problems(problems: list[Problem], error: str | None) -> None:
    st.subheader(tr("problems"))
    if error:  # the file could not be read: the reader's text names the line and the fix
        st.text(error)
    rows = []
    for p in problems:
        where = ", ".join(p.rows[:20]) + (f" … (+{len(p.rows) - 20})" if len(p.rows) > 20
                                          else "")
        if p.column:
            where = f"{where}, {p.column}" if where else p.column
        rows.append((tr(p.severity), p.message, p.fix, where))
    if not rows:
        if not error:
            st.success(tr("none"))
        return
    table = pd.DataFrame(rows, columns=[tr("severity"), tr("problem"), tr("fix"), tr("where")])
    st.dataframe(table, hide_index=True, width="stretch")


def _county_tiles(fmap: folium.Map) -> None:
    """The county's parcels, red lines and parks (its vector tiles, staff colours) under
    the previewed features, so a planner sees where the import lands."""
    published = map_tiles("wgs84")
    if published is None:
        return
    data = state.map_data("staff", lang(), "wgs84")
    use_renderer(fmap)
    layer_styles = [s for s in map_styles(data, layers=TILE_LAYERS) if s.layer in TILE_LAYERS]
    VectorTileLayer(published.tiles, layer_styles, name=pick(("现有数据", "Data in the store"))
                    ).add_to(fmap)


def _preview(prepared: PreparedImport, layer: str) -> None:
    frame = prepared.frame
    spec = get_spec(layer)
    if not spec.has_geometry or frame.empty:
        st.dataframe(frame.head(200).astype(str), hide_index=True, width="stretch")
        return
    st.subheader(tr("preview"))
    shown = frame[[spec.id_column, frame.geometry.name]].to_crs(4326)
    shown[spec.id_column] = shown[spec.id_column].astype(str).map(html.escape)
    fmap = use_local_assets(folium.Map(tiles=None, prefer_canvas=True, control_scale=True))
    basemap = state.default_basemap()
    with contextlib.suppress(BasemapError):  # Tianditu without a key: preview without tiles
        add_basemap(fmap, basemap, lang=lang(), key=state.tianditu_key())
    if display_coords(basemap) == "wgs84":  # the county as it stands, under the new features
        _county_tiles(fmap)
    folium.GeoJson(shown.to_json(), name=pick((spec.zh, spec.en)),
                   style_function=lambda _: {"color": "#c62828", "weight": 2,
                                             "fillOpacity": 0.25},
                   tooltip=folium.GeoJsonTooltip([spec.id_column], labels=False)).add_to(fmap)
    x0, y0, x1, y1 = shown.total_bounds
    fit_view(fmap, [[y0, x0], [y1, x1]])
    st_folium(fmap, height=420, width=None, returned_objects=[], key="import_preview")


def _confirm(prepared: PreparedImport, layer: str, name: str, user, policy) -> None:  # noqa: ANN001
    spec = get_spec(layer)
    st.success(tr("ready", n=len(prepared.frame), layer=pick((spec.zh, spec.en))))
    if prepared.refused is not None:
        st.warning(tr("refused", n=prepared.n_refused))
        shown = prepared.refused.rename(columns={
            "file": pick(("文件", "File")), "feature": pick(("要素", "Feature")),
            "problem": tr("problem"), "fix": tr("fix")})
        st.dataframe(shown, hide_index=True, width="stretch")
        csv = refused_csv(prepared.refused).encode("utf-8-sig")
        st.download_button(tr("refused_csv"), csv, file_name=f"{name}.refused.csv",
                           mime="text/csv")
    with st.form("import_confirm"):
        reason = st.text_input(tr("reason"), value=f"import {name}")
        submitted = st.form_submit_button(tr("confirm"), type="primary")
    if not submitted:
        return
    try:
        with open_store() as store:
            check_stored_ids(store, layer, prepared.frame, source=name)
            result = store.import_frame(
                layer, prepared.frame, user=user.name, role=user.role, reason=reason,
                tolerance_m=storage_settings(policy).geometry_tolerance_m)
            location = store.location
    except (EditError, StoreError, StoredIdClash) as exc:
        st.error(tr("store_error", e=exc))
        return
    state.reload_data()
    st.success(tr("done", location=Path(str(location)).name, inserted=result.inserted,
                  updated=result.updated, unchanged=result.unchanged, audit=result.audit_rows))


main()

"""导出 / Exports: HTML map, PDF brochure (推介手册), PNG map and Excel lists, with progress.

The page only collects options and calls the same functions as the CLI (:mod:`exports`);
investors always get the investor audience, staff may choose. Files are built in a temporary
folder and offered as a download.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from pathlib import Path

import streamlit as st

from exports.brochure import export_brochure
from exports.common import ExportError
from exports.excel import export_excel
from exports.fonts import FontNotFoundError
from exports.html import export_html
from exports.png_map import export_png
from layers.county import County
from ui import state
from ui.auth import is_staff
from ui.common import header
from ui.i18n import lang, pick, shown_as
from ui.text import md_escape

KINDS: dict[str, tuple[str, str]] = {
    "html": ("交互地图 HTML", "Interactive map (HTML)"),
    "brochure": ("推介手册 PDF", "Brochure (PDF)"),
    "png": ("打印地图 PNG", "Print map (PNG)"),
    "excel": ("地块与招商清单 Excel", "Parcel and worklist Excel"),
}
MIME = {"html": "text/html", "brochure": "application/pdf", "png": "image/png",
        "excel": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}
SUFFIX = {"html": "html", "brochure": "pdf", "png": "png", "excel": "xlsx"}
STEPS = {"html": 3, "brochure": 5, "png": 2, "excel": 3}
"""Stages each export reports (for the progress bar; the brochure reports 2 to 5)."""
BASEMAPS = {"none": ("无底图（完全离线）", "No basemap (fully offline)"),
            "osm": ("OpenStreetMap", "OpenStreetMap"), "tianditu": ("天地图", "Tianditu"),
            "gaode": ("高德地图", "Gaode (AMap)")}
AUDIENCES = {"investor": ("投资者（公开信息）", "Investor (public only)"),
             "staff": ("内部（工作人员）", "Staff (internal)")}
TARGETS = {"park": ("园区", "a park"), "parcel": ("地块", "a parcel")}
RESULT_KEY = "export_result"


def render() -> None:
    header("page_export")
    county = state.county()
    code = lang()
    parks = county["park"]
    names = dict(zip(parks["park_id"], parks["name_en" if code == "en" else "name"],
                     strict=True))
    kind = st.radio(pick(("导出内容", "Export")), list(KINDS), horizontal=True,
                    format_func=shown_as(KINDS, lambda k: pick(KINDS[k])), key="export_kind")
    audience = "investor"
    if is_staff():
        audience = st.radio(pick(("对象", "Audience")), list(AUDIENCES), horizontal=True,
                            format_func=shown_as(AUDIENCES, lambda a: pick(AUDIENCES[a])),
                            key="export_audience")
    else:
        st.caption(pick(("投资者导出只含公开信息。", "Investor exports hold public information "
                                                 "only.")))
    options = _options(kind, names, county)
    if st.button(pick(("生成文件", "Create file")), type="primary", key="export_go"):
        _run(kind, county, audience, code, options)
    result = st.session_state.get(RESULT_KEY)
    if result and result["kind"] == kind:
        st.download_button(pick(("下载 ", "Download ")) + md_escape(result["name"]), result["data"],
                           file_name=result["name"], mime=MIME[kind], key="export_download")


def _options(kind: str, names: dict[str, str], county: County) -> dict[str, object]:
    """Widgets for the options of ``kind``; returns the chosen values."""
    choices = ["", *names]
    label = {"": pick(("全县", "Whole county")), **names}
    if kind == "html":
        left, mid, right = st.columns(3)
        return {
            "basemap": left.selectbox(pick(("底图", "Basemap")), list(BASEMAPS),
                                      format_func=shown_as(BASEMAPS, lambda b: pick(BASEMAPS[b])),
                                      key="export_basemap"),
            "offline": mid.checkbox(pick(("离线（内嵌脚本与样式）", "Offline (inline scripts)")),
                                    value=True, key="export_offline"),
            "park_id": right.selectbox(pick(("范围", "Scope")), choices,
                                       format_func=label.get, key="export_html_park") or None,
        }
    if kind == "brochure":
        target = st.radio(pick(("手册对象", "Brochure of")), list(TARGETS), horizontal=True,
                          format_func=shown_as(TARGETS, lambda v: pick(TARGETS[v])),
                          key="export_brochure_target")
        if target == "park":
            return {"park_id": st.selectbox(pick(("园区", "Park")), list(names),
                                            format_func=names.get, key="export_brochure_park")}
        ids = list(state.offerable_ids())
        return {"parcel_id": st.selectbox(pick(("可供应地块", "Offerable parcel")), ids,
                                          key="export_brochure_parcel")}
    if kind == "png":
        left, right = st.columns(2)
        return {
            "park_id": left.selectbox(pick(("范围", "Scope")), choices, format_func=label.get,
                                      key="export_png_park") or None,
            "dpi": int(right.number_input("DPI", min_value=200, max_value=600, value=200,
                                          step=50, key="export_png_dpi")),
        }
    return {}


def _run(kind: str, county: County, audience: str, code: str,
         options: dict[str, object]) -> None:
    """Make the file with a status box and a progress bar; keep it for the download."""
    name = _file_name(kind, options)
    with st.status(pick(("正在生成…", "Working…")), expanded=True) as status:
        bar = st.progress(0.0)
        done = [0]

        def step(message: str) -> None:
            done[0] += 1
            status.update(label=message)
            bar.progress(min(done[0] / STEPS[kind], 1.0), text=message)

        try:
            with tempfile.TemporaryDirectory() as tmp:
                out = Path(tmp) / name
                _make(kind, county, out, audience=audience, code=code, step=step,
                      options=options)
                data = out.read_bytes()
        except (ExportError, FontNotFoundError, OSError) as exc:
            status.update(label=pick(("生成失败", "Failed")), state="error")
            st.error(md_escape(exc))
            return
        bar.progress(1.0)
        status.update(label=pick(("已生成 ", "Created ")) + md_escape(name), state="complete")
    st.session_state[RESULT_KEY] = {"kind": kind, "name": name, "data": data}


def _make(kind: str, county: County, out: Path, *, audience: str, code: str,
          step: Callable[[str], None], options: dict[str, object]) -> Path:
    """Call the export function of ``kind``. Brochure and PNG map are investor material
    whatever the audience (they never carry internal columns)."""
    if kind == "html":
        return export_html(county, out, audience=audience, lang=code, step=step,
                           tianditu_key=state.tianditu_key(), **options)
    if kind == "brochure":
        return export_brochure(county, out, lang=code, step=step, **options)
    if kind == "png":
        return export_png(county, out, lang=code, step=step, **options)
    return export_excel(county, out, lang=code, audience=audience, step=step)


def _file_name(kind: str, options: dict[str, object]) -> str:
    subject = options.get("park_id") or options.get("parcel_id") or "county"
    return f"investmap_{kind}_{subject}.{SUFFIX[kind]}"


render()

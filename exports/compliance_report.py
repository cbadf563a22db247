"""Compliance review report (合规审查报告) as CSV, Excel or a 1–2 page A4 PDF a planner files.

The PDF: title, verdict per boundary feature with reasons, a map of the boundary over the red
lines (matplotlib in the working CRS, no tiles), the overlap table in 亩 and %, the control
layers with their as-of dates, the parks and parcels touched, the 界址点 table in the CGCS2000
Gauss–Krüger zone (0.001 m), date and user. The Excel workbook holds figures as number cells
with number formats (亩 0.01, % 0.1, coordinates 0.001 m) and parks by name, written through
:func:`exports.excel.write_sheet` (text that looks like a formula stays text, no visible
apostrophe); the CSV quotes such text with ``'``. Files are written atomically.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import matplotlib
import pandas as pd
import shapely
from matplotlib.axes import Axes
from matplotlib.backends.backend_pdf import PdfPages
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch
from openpyxl import Workbook

from exports import static_map
from exports.common import ExportError, atomic_output, tr
from exports.excel import write_sheet
from exports.fonts import cjk_rc
from geo.compliance import FEATURE_ID, VERDICTS, overlap_columns
from geo.overlap import overlap_column, share_column
from layers.cells import safe_frame
from layers.compliance import LayerInfo, Review
from layers.county import County
from layers.registry import REDLINE

MAX_POINT_ROWS = 46
"""界址点 rows per column block on page 2 (three blocks); more points go to the Excel file."""
BOUNDARY_COLOR = "#d62728"


def report_table(review: Review, lang: str = "zh",
                 park_names: Mapping[str, str] | None = None) -> pd.DataFrame:
    """The per-feature table with labelled columns, the verdict and its reasons first (as
    written to the first sheet); ``park_names`` (park_id → name) names the parks touched."""
    table = review.table
    cats = review_categories(review)
    names = {c: review_category_label(review, c, lang) for c in cats}
    rows = {
        tr("边界编号", "Boundary", lang): table[FEATURE_ID].astype(str),
        tr("结论", "Verdict", lang): [VERDICTS[v][0 if lang == "zh" else 1]
                                    for v in table["verdict"]],
        tr("原因", "Reasons", lang): table["reasons_zh" if lang == "zh" else "reasons_en"],
        tr("面积(亩)", "Area (mu)", lang): table["area_mu"].round(2),
    }
    for c in cats:
        rows[tr(f"{names[c]}冲突面积(亩)", f"{names[c]} conflict (mu)", lang)] = \
            table[overlap_column(c)].round(2)
        rows[tr(f"{names[c]}占比(%)", f"{names[c]} share (%)", lang)] = \
            (table[share_column(c)] * 100).round(1)
    lookup = park_names or {}
    rows[tr("涉及园区", "Parks touched", lang)] = [
        "、".join(lookup.get(p, p) for p in str(ids).split(",") if p) for ids in table["parks"]]
    rows[tr("涉及地块", "Parcels touched", lang)] = table["parcels"]
    return pd.DataFrame(rows)


def park_names(county: County, lang: str) -> dict[str, str]:
    """park_id → the park's name in ``lang`` (the Chinese name when no English one)."""
    parks = county.layers.get("park")
    if parks is None:
        return {}
    names = parks["name"].astype(str)
    if lang != "zh" and "name_en" in parks.columns:
        names = parks["name_en"].where(parks["name_en"].notna() & parks["name_en"].ne(""),
                                       names).astype(str)
    return dict(zip(parks["park_id"].astype(str), names, strict=True))


def as_of_text(info: LayerInfo, lang: str) -> str:
    """A control layer's recorded as-of date, or "not recorded" in ``lang``."""
    return info.as_of or tr("未登记", "not recorded", lang)


def machine_table(review: Review) -> pd.DataFrame:
    """Canonical columns (same names as ``investmap availability``) plus verdicts."""
    out = review.table.copy()
    out["reasons"] = out["reasons"].map(";".join)
    return out


def review_categories(review: Review) -> list[str]:
    return overlap_columns(review.table)


def review_category_label(review: Review, category: str, lang: str) -> str:
    """Name of a red-line category in ``lang`` (the code when the policy has no label)."""
    cat = review.categories.get(category)
    return (cat.zh if lang == "zh" else cat.en) if cat else category


def write_report(review: Review, county: County, out: str | Path, *, lang: str = "zh") -> Path:
    """Write the report by suffix: ``.csv`` (canonical columns, UTF-8 with BOM), ``.xlsx``
    (sheets: review, 界址点, parcels touched, layers) or ``.pdf``.

    Raises
    ------
    exports.common.ExportError
        Unsupported suffix.
    """
    out = Path(out)
    suffix = out.suffix.lower()
    if suffix not in (".csv", ".xlsx", ".pdf"):
        raise ExportError(f"{out}: unsupported report type {suffix!r}; use .csv, .xlsx or .pdf")
    with atomic_output(out) as tmp:
        if suffix == ".csv":
            safe_frame(machine_table(review)).to_csv(tmp, index=False, encoding="utf-8-sig")
        elif suffix == ".xlsx":
            _write_xlsx(review, county, tmp, lang)
        else:
            _write_pdf(review, county, tmp, lang)
    return out


COORD_FORMAT = "0.000"
"""界址点 X/Y: metres to the millimetre, as surveyors hand them in."""
AREA_FORMAT = "#,##0.00"
SHARE_FORMAT = "0.0"
COUNT_FORMAT = "#,##0"


def _write_xlsx(review: Review, county: County, path: Path, lang: str) -> None:
    """The workbook through :func:`exports.excel.write_sheet`: figures are number cells with
    number formats (亩 to 0.01, % to 0.1, coordinates to 0.001 m), parks by name, text that
    looks like a formula kept as text (no visible apostrophe), never a formula."""
    parks = park_names(county, lang)
    boundary = tr("边界编号", "Boundary", lang)
    review_sheet = report_table(review, lang, parks)
    numeric = [c for c in review_sheet.columns if pd.api.types.is_numeric_dtype(review_sheet[c])]
    review_formats = {c: SHARE_FORMAT if c.endswith("(%)") else AREA_FORMAT for c in numeric}
    points = review.points[[FEATURE_ID, "ring", "point_no", "x_northing", "y_easting"]] \
        .rename(columns={FEATURE_ID: boundary, "ring": tr("圈号", "Ring", lang),
                         "point_no": tr("点号", "Point", lang), "x_northing": "X",
                         "y_easting": "Y"})
    points_formats = {tr("圈号", "Ring", lang): "0", "X": COORD_FORMAT, "Y": COORD_FORMAT}
    parcels, parcels_formats = _parcels_sheet(review, county, parks, lang)
    layers = pd.DataFrame({
        tr("图层", "Layer", lang): [tr(i.label_zh, i.label_en, lang) for i in review.layers],
        tr("要素数", "Features", lang): [i.features for i in review.layers],
        tr("数据日期", "As of", lang): [as_of_text(i, lang) for i in review.layers]})
    book = Workbook()
    first = book.active
    assert first is not None
    book.remove(first)
    for name, frame, formats in (
            (tr("合规审查", "Review", lang), review_sheet, review_formats),
            (tr("界址点", "Corner points", lang), points, points_formats),
            (tr("涉及地块", "Parcels touched", lang), parcels, parcels_formats),
            (tr("图层", "Layers", lang), layers, {tr("要素数", "Features", lang): COUNT_FORMAT})):
        write_sheet(book.create_sheet(name), frame, lang,
                    headers={c: str(c) for c in frame.columns}, formats=formats)
    book.save(path)


def _parcels_sheet(review: Review, county: County, parks: Mapping[str, str],
                   lang: str) -> tuple[pd.DataFrame, dict[str, str]]:
    """Parcels touched: boundary, parcel, its park by name, overlap 亩 and % of the parcel."""
    hits = review.parcels
    park_of: dict[str, str] = {}
    if "parcel" in county.layers and "park_id" in county["parcel"].columns:
        stored = county["parcel"]
        park_of = {str(k): str(v) for k, v in zip(stored["parcel_id"], stored["park_id"],
                                                   strict=True) if pd.notna(v)}
    overlap, share = tr("重叠面积(亩)", "Overlap (mu)", lang), \
        tr("占地块比例(%)", "Share of parcel (%)", lang)
    frame = pd.DataFrame({
        tr("边界编号", "Boundary", lang): hits[FEATURE_ID].astype(str),
        tr("地块编号", "Parcel", lang): hits["parcel_id"].astype(str),
        tr("所在园区", "Park", lang): [parks.get(park_of.get(str(p), ""), "—")
                                    for p in hits["parcel_id"]],
        overlap: hits["overlap_mu"].astype(float),
        share: hits["share"].astype(float) * 100})
    return frame, {overlap: AREA_FORMAT, share: SHARE_FORMAT}


# -- PDF ----------------------------------------------------------------------------------


def _write_pdf(review: Review, county: County, path: Path, lang: str) -> None:
    with matplotlib.rc_context(cjk_rc()), PdfPages(path) as pdf:
        info = pdf.infodict()
        info["Title"] = tr("建设用地合规审查报告", "Boundary compliance review", lang)
        info["Author"] = review.user
        pdf.savefig(_page_one(review, county, lang))
        pdf.savefig(_page_two(review, lang))


def _a4() -> Figure:
    return Figure(figsize=(8.27, 11.69))


def _page_one(review: Review, county: County, lang: str) -> Figure:
    fig = _a4()
    fig.text(0.5, 0.965, tr("建设用地红线合规审查报告", "Red-line compliance review", lang),
             ha="center", va="top", fontsize=16, weight="bold")
    stamp = review.when.strftime("%Y-%m-%d %H:%M %Z").strip()
    name = Path(review.boundary.source).name
    meta = tr(f"审查日期：{stamp}    审查人：{review.user}    边界文件：{name}",
              f"Date: {stamp}    Reviewer: {review.user}    Boundary file: {name}", lang)
    fig.text(0.5, 0.935, meta, ha="center", va="top", fontsize=8.5)
    table = review.table
    y = 0.905
    for k, row in enumerate(table.itertuples(index=False)):
        verdict = row.verdict
        color = {"conflict": "#b71c1c", "warning": "#e65100"}.get(verdict, "#1b5e20")
        head = tr(f"边界 {getattr(row, FEATURE_ID)}：{row.area_mu:,.2f} 亩 — "
                  f"{VERDICTS[verdict][0]}",
                  f"Boundary {getattr(row, FEATURE_ID)}: {row.area_mu:,.2f} mu — "
                  f"{VERDICTS[verdict][1]}", lang)
        fig.text(0.06, y, head, fontsize=10, weight="bold", color=color, va="top")
        reasons = getattr(row, "reasons_zh" if lang == "zh" else "reasons_en")
        fig.text(0.08, y - 0.017, _wrap(str(reasons), 95 if lang == "zh" else 150),
                 fontsize=8, va="top")
        y -= 0.04
        if y < 0.80:
            rest = len(table) - k - 1
            if rest > 0:
                fig.text(0.06, y, tr(f"另有 {rest} 个边界，见下表", f"{rest} more boundaries: see "
                                     "the table below", lang), fontsize=8, va="top")
            break
    ax = fig.add_axes((0.06, 0.36, 0.88, max(0.42, y - 0.38)))
    _draw_map(ax, review, county, lang)
    _overlap_table(fig, review, lang, top=0.335)
    return fig


def _draw_map(ax: Axes, review: Review, county: County, lang: str) -> None:
    geoms = review.boundary.frame.geometry
    minx, miny, maxx, maxy = geoms.total_bounds
    pad = max(maxx - minx, maxy - miny, 200.0) * 0.35
    minx, miny, maxx, maxy = minx - pad, miny - pad, maxx + pad, maxy + pad
    width, height = ax.bbox.width, ax.bbox.height
    aspect = width / height if height else 1.0
    if (maxx - minx) / (maxy - miny) < aspect:
        grow = ((maxy - miny) * aspect - (maxx - minx)) / 2
        minx, maxx = minx - grow, maxx + grow
    else:
        grow = ((maxx - minx) / aspect - (maxy - miny)) / 2
        miny, maxy = miny - grow, maxy + grow
    box = shapely.box(minx, miny, maxx, maxy)
    ax.set_facecolor(static_map.LAND_COLOR)
    handles: list[Patch | Line2D] = []
    _context(ax, county, box, lang)
    if "parcel" in county.layers:
        parcels = county["parcel"]
        near = parcels.iloc[parcels.sindex.query(box, predicate="intersects")]
        near.plot(ax=ax, facecolor="#ffffff", edgecolor="#9e9e9e", linewidth=0.4, zorder=2)
        handles.append(Patch(facecolor="white", edgecolor="#9e9e9e",
                             label=tr("已有地块", "Parcels", lang)))
    handles += _redlines(ax, review, county, box, lang)
    conflicts = review.conflicts
    for severity, color, name in (("hard", BOUNDARY_COLOR, tr("冲突部分", "Conflicting part",
                                                              lang)),
                                  ("soft", "#ff9800", tr("提示部分", "Warning part", lang))):
        part = conflicts[conflicts["severity"] == severity] if conflicts is not None else None
        if part is not None and len(part):
            part.plot(ax=ax, facecolor=color, edgecolor="none", alpha=0.45, zorder=5)
            handles.append(Patch(facecolor=color, alpha=0.45, label=name))
    review.boundary.frame.boundary.plot(ax=ax, color=BOUNDARY_COLOR, linewidth=2.0, zorder=6)
    handles.append(Line2D([], [], color=BOUNDARY_COLOR, linewidth=2.0,
                          label=tr("审查边界", "Boundary reviewed", lang)))
    ax.set_xlim(minx, maxx)
    ax.set_ylim(miny, maxy)
    ax.set_aspect("equal")
    ax.set_xticks([])
    ax.set_yticks([])
    ax.set_xlabel("")
    ax.set_ylabel("")
    static_map.scale_bar(ax, minx, miny, maxx, maxy, lang=lang)
    static_map.north_arrow(ax)
    ax.legend(handles=handles, fontsize=7, loc="lower right", framealpha=0.92,
              title=tr("图例", "Legend", lang), title_fontsize=8).set_zorder(10)


def _context(ax: Axes, county: County, box: shapely.Polygon, lang: str) -> None:
    """Roads, rivers, towns … of the ``context`` layer under the report's map (the same
    drawing as the PNG map and the brochure: :func:`exports.static_map.draw_context`)."""
    if "context" not in county.layers:
        return
    static_map.draw_context(ax, county["context"], tuple(box.bounds), lang=lang)


def _redlines(ax: Axes, review: Review, county: County, box: shapely.Polygon,
              lang: str) -> list[Patch | Line2D]:
    if "redline" not in county.layers:
        return []
    redlines = county["redline"]
    near = redlines.iloc[redlines.sindex.query(box, predicate="intersects")]
    colors = REDLINE.style["colors"]
    assert isinstance(colors, dict)
    handles: list[Patch | Line2D] = []
    for category, group in near.groupby("category"):
        color = colors.get(category, "#0277bd")
        name = review_category_label(review, str(category), lang)
        cat = county.policy.redlines.categories.get(str(category))
        if cat is not None and cat.conflict == "outside":
            group.boundary.plot(ax=ax, color=color, linewidth=1.3, linestyle=(0, (6, 4)),
                                zorder=5)
            handles.append(Line2D([], [], color=color, linewidth=1.3, linestyle=(0, (6, 4)),
                                  label=name))
        else:
            group.plot(ax=ax, facecolor=color, edgecolor=color, alpha=0.3, linewidth=0.8,
                       hatch="///", zorder=3)
            handles.append(Patch(facecolor=color, edgecolor=color, alpha=0.4, hatch="///",
                                 label=name))
    return handles


def _overlap_table(fig: Figure, review: Review, lang: str, *, top: float) -> None:
    cats = review_categories(review)
    fig.text(0.06, top, tr("管控红线冲突面积（亩）与占比", "Conflicting area (mu) and share "
                           "of the boundary", lang), fontsize=10, weight="bold", va="top")
    head = [tr("边界", "Boundary", lang), tr("面积(亩)", "Area (mu)", lang)] + [
        review_category_label(review, c, lang) for c in cats]
    cells = []
    for _, row in review.table.head(12).iterrows():
        cells.append([str(row[FEATURE_ID]), f"{row['area_mu']:,.2f}"] + [
            f"{row[overlap_column(c)]:,.2f}（{row[share_column(c)]:.1%}）" for c in cats])
    ax = fig.add_axes((0.06, 0.06, 0.88, top - 0.08))
    ax.axis("off")
    shown = ax.table(cellText=cells, colLabels=head, loc="upper center", cellLoc="center")
    shown.auto_set_font_size(False)
    shown.set_fontsize(7)
    shown.scale(1, 1.4)
    if len(review.table) > 12:
        ax.text(0, 0, tr(f"共 {len(review.table)} 个边界，完整表格见 Excel/CSV",
                         f"{len(review.table)} boundaries in all: see the Excel/CSV file", lang),
                fontsize=7, transform=ax.transAxes)
    ax.text(0, -0.02, tr("城镇开发边界一栏为位于边界之外的面积；1 公顷 = 15 亩。",
                         "The urban development boundary column is the area outside it; "
                         "1 ha = 15 mu.", lang), fontsize=7, transform=ax.transAxes, va="top")


def _page_two(review: Review, lang: str) -> Figure:
    fig = _a4()
    fig.text(0.06, 0.965, tr("图层与数据日期", "Control layers and as-of dates", lang),
             fontsize=11, weight="bold", va="top")
    y = 0.94
    for info in review.layers:
        fig.text(0.08, y, tr(f"{info.label_zh}：{info.features:,} 个要素，数据日期 "
                             f"{as_of_text(info, lang)}",
                             f"{info.label_en}: {info.features:,} features, as of "
                             f"{as_of_text(info, lang)}",
                             lang), fontsize=8.5, va="top")
        y -= 0.018
    y -= 0.01
    fig.text(0.06, y, tr("涉及地块", "Parcels touched", lang), fontsize=11, weight="bold",
             va="top")
    y -= 0.024
    hits = review.parcels
    if hits.empty:
        fig.text(0.08, y, tr("无", "none", lang), fontsize=8.5, va="top")
        y -= 0.018
    for row in hits.head(8).itertuples(index=False):
        fig.text(0.08, y, tr(f"边界 {row[0]}：地块 {row.parcel_id} 重叠 {row.overlap_mu:,.2f} 亩"
                             f"（占该地块 {row.share:.1%}）",
                             f"Boundary {row[0]}: parcel {row.parcel_id}, overlap "
                             f"{row.overlap_mu:,.2f} mu ({row.share:.1%} of the parcel)", lang),
                 fontsize=8.5, va="top")
        y -= 0.018
    if len(hits) > 8:
        fig.text(0.08, y, tr(f"另有 {len(hits) - 8} 个，见 Excel", f"{len(hits) - 8} more: see "
                             "the Excel file", lang), fontsize=8, va="top")
        y -= 0.018
    y -= 0.01
    crs = review.points_crs
    fig.text(0.06, y, tr(f"界址点坐标（{crs.name}，EPSG:{crs.to_epsg()}，单位：米）",
                         f"Corner points ({crs.name}, EPSG:{crs.to_epsg()}, metres)", lang),
             fontsize=11, weight="bold", va="top")
    fig.text(0.06, y - 0.02, tr("X 为纵坐标（北），Y 为横坐标（东，含带号）",
                                "X = northing, Y = easting with the zone prefix", lang),
             fontsize=7.5, va="top")
    _points_blocks(fig, review.points, lang, top=y - 0.035)
    return fig


def _points_blocks(fig: Figure, points: pd.DataFrame, lang: str, *, top: float) -> None:
    rows_fit = max(5, min(MAX_POINT_ROWS, int((top - 0.05) / 0.0165)))
    head = [tr("边界", "Bnd.", lang), tr("点号", "Point", lang), "X", "Y"]
    cells = [[str(r[FEATURE_ID]), str(r["point_no"]), f"{r['x_northing']:.3f}",
              f"{r['y_easting']:.3f}"] for _, r in points.head(rows_fit * 3).iterrows()]
    blocks = [cells[i:i + rows_fit] for i in range(0, len(cells), rows_fit)] or [[]]
    for k, block in enumerate(blocks[:3]):
        if not block:
            continue
        ax = fig.add_axes((0.04 + k * 0.315, 0.05, 0.3, top - 0.05))
        ax.axis("off")
        shown = ax.table(cellText=block, colLabels=head, loc="upper center", cellLoc="right",
                         colWidths=[0.16, 0.16, 0.34, 0.34])
        shown.auto_set_font_size(False)
        shown.set_fontsize(6.5)
        shown.scale(1, 1.12)
    rest = len(points) - len(cells)
    if rest > 0:
        fig.text(0.06, 0.03, tr(f"另有 {rest} 个界址点，完整坐标见 Excel 报告",
                                f"{rest} more corner points: see the Excel report", lang),
                 fontsize=8)


def _wrap(text: str, width: int) -> str:
    lines = [text[i:i + width] for i in range(0, len(text), width)] or [""]
    return "\n".join(lines[:3]) + ("…" if len(lines) > 3 else "")

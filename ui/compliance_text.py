"""合规审查's words for people: the coordinate-system choices with their labels, and the
page-language message for a boundary the review cannot take.

The readers and the review kernel raise errors written for the command line (file paths,
``--coords``); a planner on the page gets what went wrong and what to do, in the page's
language, named by the uploaded file's own name. The full error goes to the server log.
"""

from __future__ import annotations

import logging
import re

from ui.i18n import pick

LOG = logging.getLogger(__name__)

COORD_LABELS: dict[str, tuple[str, str]] = {
    "wgs84": ("WGS84（GPS 设备、GeoJSON）", "WGS84 (GPS, GeoJSON)"),
    "cgcs2000": ("CGCS2000（国家2000经纬度）", "CGCS2000 (national geodetic degrees)"),
    "gcj02": ("GCJ-02（高德、腾讯地图拾取）", "GCJ-02 (Gaode / Tencent map pickers)"),
    "bd09": ("BD-09（百度地图拾取）", "BD-09 (Baidu map picker)"),
}
"""Each lon/lat system a planner may be holding, as the page offers it."""

PICKER_FIX: tuple[str, ...] = ("gcj02", "bd09")
"""The one-click corrections offered for files read as WGS84 (GeoJSON, KML …)."""

_KINDS: tuple[tuple[str, tuple[str, str]], ...] = (
    (r"unsupported file type", ("不支持这种文件类型。请上传坐标TXT、DXF、GeoJSON、KML、GeoPackage、"
                                "Shapefile 或 CSV/XLSX 界址点表。",
                                "This file type is not supported. Upload a coordinate TXT, DXF, "
                                "GeoJSON, KML, GeoPackage, Shapefile or a CSV/XLSX corner-point "
                                "table.")),
    (r"no coordinate system", ("文件没有注明坐标系。请在“坐标系 EPSG”中填写，例如 4546"
                               "（CGCS2000 高斯 3 度带 37 带，不带带号）。",
                               "The file does not state its coordinate system. Enter it under "
                               "“CRS as EPSG”, e.g. 4546 (CGCS2000 3° zone 37, no zone prefix).")),
    (r"no geometry found|no points", ("文件中没有找到坐标。CSV/XLSX 需要经度、纬度（或 X、Y）列，"
                                      "按界址点顺序排列。",
                                      "No coordinates found. A CSV/XLSX needs lon/lat (or X/Y) "
                                      "columns with the corner points in ring order.")),
    (r"holds no boundary|empty geometry", ("文件中没有边界面。请上传至少包含一个闭合多边形的文件。",
                                           "The file holds no boundary. Upload a file with at "
                                           "least one closed polygon.")),
    (r"only \d+ points", ("界址点太少：每一圈至少需要 3 个角点再加一个闭合点。",
                          "Too few corner points: each ring needs 3 corners plus the closing "
                          "point.")),
    (r"ring is open|open line", ("边界没有闭合：最后一个界址点应与第一个相同。",
                                 "The boundary is not closed: the last corner point must repeat "
                                 "the first.")),
    (r"points or mixed geometry", ("文件里是点或线，不是边界面。"
                                   "请以多边形或按顺序排列的界址点提供。",
                                   "The file holds points or lines, not an area. Give the "
                                   "boundary as a polygon or as corner points in ring order.")),
    (r"self-crossing", ("边界自相交：请按边界走向排列界址点，避免两点次序颠倒（呈“8”字形）。",
                        "The boundary crosses itself: list the corner points in order along the "
                        "boundary (two swapped points make a bow-tie).")),
    (r"outside the county", ("边界不在本县范围内。请检查坐标系（经纬度来源、投影带号）是否选对。",
                             "The boundary lies outside the county. Check the coordinate system "
                             "(the source of the degrees, the projection zone).")),
    (r"cannot read", ("无法读取该文件：格式无法识别或文件已损坏。",
                      "The file cannot be read: its format is not recognised or it is "
                      "damaged.")),
)


def boundary_problem(exc: Exception, file_name: str | None = None) -> str:
    """The page-language message for a boundary the review refused (no paths, no flags).

    ``file_name`` — the name the user uploaded — starts the message when given.
    """
    LOG.info("compliance review refused a boundary: %s", exc)
    text = str(exc)
    message = next((pick(words) for pattern, words in _KINDS if re.search(pattern, text)),
                   pick(("无法审查该边界：请检查文件格式和坐标系。",
                         "This boundary cannot be reviewed: check the file's format and "
                         "coordinate system.")))
    return f"{file_name}：{message}" if file_name and pick(("zh", "en")) == "zh" else (
        f"{file_name}: {message}" if file_name else message)

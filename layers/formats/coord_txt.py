"""Read the ministry's coordinate TXT (部标 界址点坐标 exchange file, shared/domain.md §7).

Layout::

    [属性描述]
    格式版本号=1.01版本
    坐标系=2000国家大地坐标系        (or 1980西安坐标系, 1954北京坐标系)
    几度分带=3                       (3 or 6)
    投影类型=高斯克吕格
    计量单位=米
    带号=38
    精度=0.01
    转换参数=,,,,,,
    [地块坐标]
    界址点数,地块面积(公顷),地块编号,地块名称,记录图形属性,图幅号,地块用途,地类编码,@
    点号,圈号,X(northing),Y(easting, usually with the zone prefix)
    ...

Ring 1 is the outer ring, rings ≥ 2 are holes; every ring repeats its first point at the end
and 界址点数 counts it. Rings are assembled by nesting, whatever their order: a ring inside
no other ring, or inside a hole (an island, as ArcGIS exports enclaves), starts a new part; a
ring inside a part is its hole (:func:`parcel_geometry`).

ArcGIS shp2txt tools write the field codes themselves (``DKMC``, ``DKYT``, ``DLBM``, ``FID_0``)
where values belong; the frame names them in ``attrs["placeholders"]`` so that the import
pipeline (:mod:`layers.importing`) treats them as blank. ``序号`` numbers the parcels in file
order (for id templates such as ``--set parcel_id=P-{序号}``). A header area that matches the
boundary in square metres or in 亩 instead of hectares is explained as a unit mix-up.
:func:`parse_coord_txt` returns a :class:`CoordTxt`; :func:`read_coord_txt` is the
:data:`layers.io.READERS` entry returning a frame whose Chinese headers map onto the parcel or
red-line layer through the registry aliases (地块编号 → ``parcel_id``, 地类编码 → ``land_use``).
"""

from __future__ import annotations

import math
from bisect import bisect_right
from dataclasses import dataclass, field
from pathlib import Path

import geopandas as gpd
import shapely
from pyproj import CRS

from geo.units import m2_to_mu
from layers.formats.base import RawFrame, ReadError, ReadOptions
from layers.formats.gk import GKError, GKZone, gk_zone, parse_datum
from layers.formats.settings import import_settings
from layers.formats.textcodec import EncodingError, decode_text
from layers.registry import LAND_USES

HEADER_SECTION, COORD_SECTION = "[属性描述]", "[地块坐标]"
HEADER_KEYS = ("格式版本号", "数据产生单位", "数据产生日期", "坐标系", "几度分带", "投影类型",
               "计量单位", "带号", "精度", "转换参数")
PARCEL_FIELDS = ("界址点数", "地块面积(公顷)", "地块编号", "地块名称", "记录图形属性", "图幅号",
                 "地块用途", "地类编码")
FIELD_CODES: dict[str, tuple[str, ...]] = {
    "地块编号": ("DKBH", "FID", "FID_0"), "地块名称": ("DKMC",), "图幅号": ("TFH",),
    "地块用途": ("DKYT",), "地类编码": ("DLBM",),
}
"""Header field → the field codes shp2txt tools write as placeholder values."""
UNIT_MATCH_SHARE = 0.05
"""A header area within this share of the boundary's m² (or 亩) figure is read as that unit."""
MAX_LISTED_PROBLEMS = 200
CLOSE_TOLERANCE_M = 0.001
"""A ring is closed when its last point is within this distance of its first (metres)."""
NORTHING_RANGE = (100_000.0, 6_200_000.0)
"""Plausible X (northing) in China, metres: 0.9° to 56° N."""


@dataclass
class TxtPoint:
    name: str
    ring: int
    x: float  # northing
    y: float  # easting as written (with or without zone prefix)
    line: int


@dataclass
class TxtParcel:
    """One parcel: its header fields (Chinese keys), header line and points."""

    fields: dict[str, str]
    line: int
    points: list[TxtPoint] = field(default_factory=list)
    ordinal: int = 0  # 1-based position in the file (序号), kept when others are left out

    @property
    def label(self) -> str:
        return f"parcel {self.fields.get('地块编号') or '?'!r} (line {self.line})"

    def rings(self) -> dict[int, list[TxtPoint]]:
        out: dict[int, list[TxtPoint]] = {}
        for p in self.points:
            out.setdefault(p.ring, []).append(p)
        return out


@dataclass
class CoordTxt:
    """A parsed coordinate TXT: header keys, parcels, the GK zone (or given CRS), encoding."""

    header: dict[str, str]
    parcels: list[TxtParcel]
    crs: CRS
    encoding: str
    encoding_detected: bool
    warnings: list[tuple[str, str]] = field(default_factory=list)
    refused: list[tuple[str, str, str]] = field(default_factory=list)
    """(parcel label, problem, fix) of parcels left out with ``skip_invalid``."""


class _Problems:
    def __init__(self, source: str):
        self.source = source
        self.items: list[tuple[int | None, str, str]] = []

    def add(self, line: int | None, message: str, fix: str) -> None:
        self.items.append((line, message, fix))

    def raise_if_any(self) -> None:
        if self.items:
            texts = [(f"line {line}: " if line is not None else "") + f"{message}; fix: {fix}"
                     for line, message, fix in self.items[:MAX_LISTED_PROBLEMS]]
            extra = len(self.items) - MAX_LISTED_PROBLEMS
            more = f"\n  … and {extra} more" if extra > 0 else ""
            raise ReadError(f"{self.source}: not a valid coordinate TXT:\n  "
                            + "\n  ".join(texts) + more)

    def drop_bad_parcels(self, parcels: list[TxtParcel], refused: list[tuple[str, str, str]],
                         ) -> list[TxtParcel]:
        """Parcels without problems; the problems located in a parcel (from its header line
        to the next one) move to ``refused``. When every parcel has one, nothing moves (the
        file is refused as a whole)."""
        starts = [parcel.line for parcel in parcels]
        owner = [bisect_right(starts, line) - 1 if line is not None else -1
                 for line, _, _ in self.items]
        bad = {index for index in owner if index >= 0}
        if not bad or len(bad) == len(parcels):
            return parcels
        for (line, message, fix), index in zip(self.items, owner, strict=True):
            if index >= 0:
                refused.append((parcels[index].label, f"line {line}: {message}", fix))
        self.items = [item for item, index in zip(self.items, owner, strict=True) if index < 0]
        return [parcel for i, parcel in enumerate(parcels) if i not in bad]


def _split(line: str) -> list[str]:
    return [part.strip() for part in line.replace("，", ",").split(",")]


def _number(text: str) -> float | None:
    try:
        return float(text)
    except ValueError:
        return None


def parse_coord_txt(data: bytes, *, source: str, encoding: str | None = None,
                    crs: object = None, skip_invalid: bool = False) -> CoordTxt:
    """Parse a coordinate TXT file's bytes.

    Parameters
    ----------
    data : file content.
    source : file name for messages.
    encoding : codec to use instead of detection (GBK, UTF-8 ± BOM, UTF-16 are detected).
    crs : CRS overriding the one derived from 坐标系 + 几度分带 + 带号.
    skip_invalid : leave out the parcels with problems of their own (a ring not closed, a
        wrong point count, a non-numeric coordinate) and list them in ``refused``; problems
        of the whole file (header, zone, X/Y swapped) still refuse it.

    Raises
    ------
    layers.io.ReadError
        Every problem found (line, what, fix): empty or binary file, missing sections or keys,
        non-numeric coordinates, rings not closed or truncated, zone prefix ≠ 带号, X/Y swapped.
    """
    if not data.strip():
        raise ReadError(f"{source}: empty file; fix: export the coordinate TXT again")
    try:
        decoded = decode_text(data, source=source, encoding=encoding)
    except EncodingError as exc:
        raise ReadError(str(exc)) from None
    problems = _Problems(source)
    refused: list[tuple[str, str, str]] = []
    header, parcels = _parse_lines(decoded.text.splitlines(), problems)
    if skip_invalid:
        parcels = problems.drop_bad_parcels(parcels, refused)
    problems.raise_if_any()
    if not parcels:
        raise ReadError(f"{source}: the [地块坐标] section holds no parcel; fix: export the "
                        "parcels again (each starts with a line ending in ',@')")
    _check_rings(parcels, problems)
    if skip_invalid:
        parcels = problems.drop_bad_parcels(parcels, refused)
    _check_axes(parcels, problems)
    problems.raise_if_any()
    target = _crs_from_header(header, parcels, problems, crs)
    problems.raise_if_any()
    assert target is not None
    warnings = []
    if decoded.detected and decoded.encoding != "utf-8":
        warnings.append((f"encoding detected as {decoded.encoding}",
                         "none needed; pass --encoding to override"))
    return CoordTxt(header, parcels, target, decoded.encoding, decoded.detected, warnings,
                    refused)


def _parse_lines(lines: list[str], problems: _Problems,
                 ) -> tuple[dict[str, str], list[TxtParcel]]:
    header: dict[str, str] = {}
    parcels: list[TxtParcel] = []
    section = None
    for number, raw in enumerate(lines, start=1):
        line = raw.strip().lstrip("\ufeff")
        if not line:
            continue
        if line.startswith("[") and line.endswith("]"):
            if line not in (HEADER_SECTION, COORD_SECTION):
                problems.add(number, f"unknown section {line}", "use [属性描述] and [地块坐标]")
            section = line
            continue
        if section is None:
            problems.add(number, "text before the first section; this is not a 部标 "
                         "coordinate TXT", "the file must start with [属性描述]")
            return header, parcels
        if section == HEADER_SECTION:
            key, sep, value = line.partition("=")
            if not sep:
                problems.add(number, f"{line!r} is not key=value", "write e.g. 带号=38")
            header[key.strip()] = value.strip()
        elif line.endswith("@"):
            parcels.append(_parse_parcel_header(line, number, problems))
            parcels[-1].ordinal = len(parcels)
        elif not parcels:
            problems.add(number, "point before any parcel header line",
                         "start each parcel with its header line "
                         "'界址点数,面积,编号,名称,面,图幅号,用途,地类编码,@'")
        else:
            point = _parse_point(line, number, problems)
            if point is not None:
                parcels[-1].points.append(point)
    if COORD_SECTION != section and not parcels:
        problems.add(None, "no [地块坐标] section", "add the [地块坐标] section with the parcels")
    return header, parcels


def _parse_parcel_header(line: str, number: int, problems: _Problems) -> TxtParcel:
    parts = _split(line.rstrip("@").rstrip().rstrip(","))
    fields = {key: (parts[i] if i < len(parts) else "") for i, key in enumerate(PARCEL_FIELDS)}
    if not fields["界址点数"].isdigit():
        problems.add(number, f"界址点数 {fields['界址点数']!r} is not a whole number",
                     "write the point count (closing points included) first")
    if fields["地块面积(公顷)"] and _number(fields["地块面积(公顷)"]) is None:
        problems.add(number, f"地块面积 {fields['地块面积(公顷)']!r} is not a number",
                     "write the area in hectares, e.g. 2.2500")
    return TxtParcel(fields, number)


MAX_RING = 100_000
"""Largest 圈号 read (a parcel with more rings than this is not a parcel)."""


def _parse_point(line: str, number: int, problems: _Problems) -> TxtPoint | None:
    parts = _split(line)
    if len(parts) < 4:
        problems.add(number, f"point line {line!r} has {len(parts)} fields, expected 4",
                     "write 点号,圈号,X,Y")
        return None
    name, ring_text, x_text, y_text = parts[:4]
    values = {"圈号": _number(ring_text), "X": _number(x_text), "Y": _number(y_text)}
    bad = [f"{key} {text!r}" for (key, value), text in zip(
        values.items(), (ring_text, x_text, y_text), strict=True) if value is None]
    if bad:
        problems.add(number, f"point {name}: {', '.join(bad)} is not a number",
                     "write numbers with a decimal point, e.g. 3834444.236")
        return None
    ring, x, y = values["圈号"], values["X"], values["Y"]
    assert ring is not None and x is not None and y is not None
    if not (math.isfinite(ring) and ring.is_integer() and 0 <= ring <= MAX_RING):
        problems.add(number, f"point {name}: 圈号 {ring_text!r} is not a ring number",
                     "write the ring number as a whole number: 1 for the outer ring, 2, 3 … "
                     "for holes and further parts")
        return None
    return TxtPoint(name, int(ring), x, y, number)


def _check_rings(parcels: list[TxtParcel], problems: _Problems) -> None:
    for index, parcel in enumerate(parcels):
        declared = int(parcel.fields["界址点数"])
        found = len(parcel.points)
        if not parcel.points:
            problems.add(parcel.line, f"{parcel.label} has no points",
                         "add its 点号,圈号,X,Y lines or delete the header line")
            continue
        if index == len(parcels) - 1 and found < declared:
            ring = parcel.points[-1].ring
            problems.add(parcel.points[-1].line, f"{parcel.label}: the file ends after {found} "
                         f"of {declared} points (ring {ring} truncated)",
                         "export the file again; it was cut off")
            continue
        if found != declared:
            problems.add(parcel.line, f"{parcel.label}: 界址点数 says {declared} but {found} "
                         "point lines follow", "correct the point count or the points (the "
                         "count includes each ring's closing point)")
        if parcel.fields["记录图形属性"] in ("线", "点"):
            continue
        for ring, points in parcel.rings().items():
            first, end = points[0], points[-1]
            closed = (len(points) > 1 and abs(first.x - end.x) <= CLOSE_TOLERANCE_M
                      and abs(first.y - end.y) <= CLOSE_TOLERANCE_M)
            if not closed:
                problems.add(end.line, f"{parcel.label}: ring {ring} is not closed (last point "
                             f"{end.name} ≠ first point {first.name})",
                             f"repeat point {first.name} at the end of ring {ring}")
            elif len(points) < 4:
                problems.add(end.line, f"{parcel.label}: ring {ring} has {len(points)} points; "
                             "a closed ring needs at least 4 (3 corners + closing point)",
                             "add the missing corner points")


def _is_easting(value: float) -> bool:
    """An easting without prefix (< 10⁶ m) or with a zone prefix of 13–45 (6° or 3° zones)."""
    return value < 1_000_000 or 13 <= int(value // 1_000_000) <= 45


def _check_axes(parcels: list[TxtParcel], problems: _Problems) -> None:
    lo, hi = NORTHING_RANGE
    for parcel in parcels:
        for p in parcel.points:
            if lo <= p.x <= hi and _is_easting(p.y):
                continue
            swapped = lo <= p.y <= hi and _is_easting(p.x)
            problems.add(p.line, f"{parcel.label}: X {p.x:.3f}, Y {p.y:.3f} are not a northing "
                         "and an easting in China" + (" (X and Y look swapped)" if swapped else ""),
                         "X is the northing (纵坐标) and Y the easting (横坐标); swap the "
                         "columns" if swapped else "check the coordinates")
            return


def _crs_from_header(header: dict[str, str], parcels: list[TxtParcel], problems: _Problems,
                     given: object) -> CRS | None:
    prefixed = {p.y >= 1_000_000 for parcel in parcels for p in parcel.points}
    if len(prefixed) > 1:
        problems.add(None, "some Y values carry a zone prefix and others do not",
                     "write every Y with the zone prefix (8 digits before the point) or none")
        return None
    has_prefix = prefixed.pop()
    zone_text = header.get("带号", "").strip()
    zone = int(zone_text) if zone_text.isdigit() else None
    if zone_text and zone is None:
        problems.add(None, f"带号 {zone_text!r} is not a whole number", "write e.g. 带号=38")
    if has_prefix:
        for parcel in parcels:
            for p in parcel.points:
                prefix = int(p.y // 1_000_000)
                if zone is not None and prefix != zone:
                    problems.add(p.line, f"{parcel.label}: Y {p.y:.3f} carries zone prefix "
                                 f"{prefix} but the header says 带号={zone}",
                                 f"correct 带号 in [属性描述] (to {prefix} if the coordinates "
                                 "are right) or the coordinates")
                    return None
                zone = prefix
    if given is not None:
        return CRS.from_user_input(given)
    unit = header.get("计量单位", "米")
    if unit not in ("米", "m", "M", "metre", "meter"):
        problems.add(None, f"计量单位={unit!r}; only metres are supported",
                     "convert the coordinates to metres (计量单位=米)")
    projection = header.get("投影类型", "高斯克吕格")
    if "高斯" not in projection and "gauss" not in projection.lower():
        problems.add(None, f"投影类型={projection!r} is not Gauss–Krüger",
                     "only 高斯克吕格 files are supported; or pass --crs EPSG")
    missing = [k for k in ("坐标系", "几度分带") if not header.get(k)]
    if zone is None:
        missing.append("带号")
    if missing:
        problems.add(None, f"[属性描述] lacks {', '.join(missing)}",
                     "add them (e.g. 坐标系=2000国家大地坐标系, 几度分带=3, 带号=38) or pass "
                     "--crs EPSG")
        return None
    assert zone is not None
    try:
        width = int(header["几度分带"].rstrip("度°"))
        gk: GKZone = gk_zone(parse_datum(header["坐标系"]), width, zone, prefixed=has_prefix)
    except (ValueError, GKError) as exc:
        problems.add(None, f"[属性描述]: {exc}", "correct 坐标系/几度分带/带号 or pass --crs EPSG")
        return None
    return gk.crs()


def parcel_geometry(parcel: TxtParcel) -> shapely.Geometry:
    """Geometry of one parcel in (easting, northing): ring 1 outer, later rings holes of the
    part that contains them, or new parts; 线 → lines, 点 → points."""
    rings = [[(p.y, p.x) for p in points] for points in parcel.rings().values()]
    kind = parcel.fields["记录图形属性"]
    if kind == "线":
        return shapely.MultiLineString(rings) if len(rings) > 1 else shapely.LineString(rings[0])
    if kind == "点":
        return shapely.MultiPoint([xy for ring in rings for xy in ring])
    return assemble_rings(rings)


def assemble_rings(rings: list[list[tuple[float, float]]]) -> shapely.Geometry:
    """Polygon or MultiPolygon from non-crossing closed rings in any order, by nesting depth:
    a ring inside an even number of others is a shell, inside an odd number a hole of the
    smallest ring around it — so an island inside a hole is a part of its own and the area
    is exact (outer − hole + islands)."""
    polygons = [shapely.Polygon(ring) for ring in rings]
    areas = [p.area for p in polygons]
    depth = [0] * len(rings)
    parent: list[int | None] = [None] * len(rings)
    for i, inner in enumerate(polygons):
        around = [j for j, outer in enumerate(polygons)
                  if j != i and areas[j] > areas[i] and outer.covers(inner)]
        depth[i] = len(around)
        parent[i] = min(around, key=areas.__getitem__) if around else None
    holes: dict[int, list[list[tuple[float, float]]]] = {}
    for i, ring in enumerate(rings):
        host = parent[i]
        if depth[i] % 2 and host is not None:
            holes.setdefault(host, []).append(ring)
    parts = [shapely.Polygon(ring, holes.get(i, [])) for i, ring in enumerate(rings)
             if depth[i] % 2 == 0]
    return parts[0] if len(parts) == 1 else shapely.MultiPolygon(parts)


def to_frame(parsed: CoordTxt, *, area_share: float, area_ha: float) -> RawFrame:
    """Frame with one row per parcel, Chinese headers, geometry in the file's CRS."""
    rows = []
    warnings = list(parsed.warnings)
    codes_by_label = {zh: code for code, (zh, _) in LAND_USES.items()}
    for parcel in parsed.parcels:
        row: dict[str, object] = {"序号": parcel.ordinal, **parcel.fields}
        geom = parcel_geometry(parcel)
        row["geometry"] = geom
        code = str(row["地类编码"])
        if (not code or code in FIELD_CODES["地类编码"]) and row["地块用途"] in codes_by_label:
            row["地类编码"] = codes_by_label[str(row["地块用途"])]
        declared = _number(parcel.fields["地块面积(公顷)"] or "")
        row["地块面积(公顷)"] = declared
        if declared is not None:
            warning = area_warning(parcel.label, declared, geom.area, share=area_share,
                                   hectares=area_ha)
            if warning is not None:
                warnings.append(warning)
        rows.append(row)
    frame = gpd.GeoDataFrame(rows, geometry="geometry", crs=parsed.crs)
    frame["界址点数"] = frame["界址点数"].astype(int)
    frame.attrs["coord_txt_header"] = dict(parsed.header)
    frame.attrs["placeholders"] = dict(FIELD_CODES)
    frame.attrs["refused"] = list(parsed.refused)  # layers.importing.REFUSED_ATTR
    labels = [p.label for p in parsed.parcels]
    return RawFrame(frame, labels, warnings)


def area_warning(label: str, declared_ha: float, area_m2: float, *, share: float,
                 hectares: float) -> tuple[str, str] | None:
    """(message, fix) when the header's 地块面积 (hectares) disagrees with the boundary beyond
    both tolerances; says so when the figure is in m² or 亩 instead (shared/domain.md §2)."""
    computed = area_m2 / 10_000
    diff = abs(computed - declared_ha)
    if diff <= hectares or diff <= share * computed or area_m2 <= 0:
        return None
    mu = float(m2_to_mu(area_m2))
    counts = "the area computed from the coordinates is what InvestMap uses (area_mu)"
    for unit, value in (("square metres (m²)", area_m2), ("亩", mu)):
        if abs(declared_ha - value) <= UNIT_MATCH_SHARE * value:
            return (f"{label}: header area {declared_ha:g} looks like {unit}, not hectares: "
                    f"the boundary encloses {area_m2:,.2f} m² = {mu:,.4f} 亩 = {computed:.4f} ha; "
                    + counts, f"none needed for the import; write 地块面积 in hectares "
                    f"({computed:.4f}) if the file is used elsewhere")
    return (f"{label}: header area {declared_ha:.4f} ha but the boundary encloses "
            f"{computed:.4f} ha ({(declared_ha - computed) / computed:+.2%})",
            f"check the coordinates or correct 地块面积 in the header line; {counts}")


def read_coord_txt(path: Path, options: ReadOptions) -> RawFrame:
    """:data:`layers.io.READERS` entry for ``.txt``: parse, check areas, build the frame."""
    parsed = parse_coord_txt(path.read_bytes(), source=str(path), encoding=options.encoding,
                             crs=options.crs,
                             skip_invalid=bool(options.extra.get("skip_invalid", False)))
    settings = import_settings(options.policy)
    return to_frame(parsed, area_share=settings.txt_area_tolerance_share,
                    area_ha=settings.txt_area_tolerance_ha)

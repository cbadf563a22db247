"""CAD (DXF) red-line drawings → polygons (shared/domain.md §7), read with ezdxf.

A drawing carries no georeferencing: the user names the CRS (a Gauss–Krüger zone, with or
without the zone prefix) and the eastings are checked against it. Shapes become polygons:

* closed LWPOLYLINE/POLYLINE (closed flag, or last vertex on the first), bulges densified as
  arcs, and CIRCLE — one polygon each;
* LINE, ARC and open polylines on one layer are noded and polygonised, so a boundary drawn as
  separate lines and arcs still closes.

Arcs are densified so that no chord strays further than ``imports.arc_max_deviation_m``.
``extra["dxf_layer_map"]`` (``{CAD layer: {column: value}}``, built from
``--dxf-layer-map``) keeps only the mapped CAD layers and sets the mapped columns, e.g. the
red-line ``category`` or a parcel's ``land_use``. Output columns: ``编号`` (CAD layer and entity
handle, unique), ``图层`` (the CAD layer) and the mapped columns.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import geopandas as gpd
import shapely
from pyproj import CRS

from geo.crs import CRSError, detect_gk
from layers.formats.base import RawFrame, ReadError, ReadOptions
from layers.formats.gk import check_easting_prefix
from layers.formats.guards import GuardError, arc_segment_count, check_magnitude
from layers.formats.settings import import_settings

CLOSE_TOLERANCE = 1e-6
"""Drawing units: a polyline whose last vertex is this close to its first is closed."""
CLOSED_TYPES = ("LWPOLYLINE", "POLYLINE", "CIRCLE")
LINE_TYPES = ("LINE", "ARC", "LWPOLYLINE", "POLYLINE")


def parse_layer_map(text: str, *, default_column: str) -> dict[str, dict[str, str]]:
    """Parse ``--dxf-layer-map`` text ``CAD=VALUE[,CAD=COLUMN:VALUE…]``.

    ``VALUE`` alone sets ``default_column`` (the red-line ``category`` or the parcel
    ``land_use``); ``COLUMN:VALUE`` sets another column.

    Raises
    ------
    ValueError
        For an item without ``=`` or with an empty name or value.
    """
    mapping: dict[str, dict[str, str]] = {}
    for item in (part.strip() for part in text.replace("，", ",").split(",")):
        if not item:
            continue
        layer, sep, target = (s.strip() for s in item.partition("="))
        if not sep or not layer or not target:
            raise ValueError(f"--dxf-layer-map item {item!r} is not CADLAYER=VALUE; write e.g. "
                             "生态红线=eco_redline,用地红线=landuse_redline")
        column, colon, value = (s.strip() for s in target.partition(":"))
        if not colon:
            column, value = default_column, target
        if not column or not value:
            raise ValueError(f"--dxf-layer-map item {item!r}: empty column or value")
        mapping.setdefault(layer, {})[column] = value
    return mapping


DWG_FIX = ("fix: convert it to DXF — in the CAD program (AutoCAD, 中望CAD, 浩辰CAD, 南方CASS) "
           "use 另存为/Save As → AutoCAD DXF (*.dxf); without CAD, the free ODA File Converter "
           "(Open Design Alliance) converts DWG to DXF (output format DXF, e.g. ACAD2018) — then "
           "import the .dxf with --crs naming its Gauss–Krüger zone")
"""How to turn a DWG (a closed binary format no library here reads) into a DXF."""


def refuse_dwg(path: Path, options: ReadOptions) -> RawFrame:
    """:data:`layers.io.READERS` entry for ``.dwg``: refuse with the conversion steps."""
    raise ReadError(f"{path}: an AutoCAD DWG drawing cannot be read directly; {DWG_FIX}")


def _open(path: Path) -> Any:
    head = path.read_bytes()[:6]
    if head.startswith(b"AC10"):
        raise ReadError(f"{path}: this is a binary DWG drawing, not DXF; {DWG_FIX}")
    import ezdxf  # 0.5 s to import: loaded when a drawing is read, not with layers.io

    try:
        return ezdxf.readfile(path)
    except (OSError, ezdxf.DXFError, UnicodeDecodeError, ValueError) as exc:
        raise ReadError(f"{path}: not a readable DXF drawing ({exc}); fix: save it again as "
                        "DXF (ASCII or binary)") from None


def arc_points(center: tuple[float, float], radius: float, start: float, sweep: float,
               deviation: float) -> list[tuple[float, float]]:
    """Points on a circular arc after its start point, chords within ``deviation`` of it.

    ``start`` and ``sweep`` in radians (sweep > 0 counter-clockwise). A chord spanning angle
    φ strays r(1 − cos(φ/2)) from the arc, so φ = 2 acos(1 − deviation / r); the count is
    capped and absurd radii refused by :func:`layers.formats.guards.arc_segment_count`.
    """
    n = arc_segment_count(radius, sweep, deviation)
    return [(center[0] + radius * math.cos(start + sweep * k / n),
             center[1] + radius * math.sin(start + sweep * k / n)) for k in range(1, n + 1)]


def _bulge_vertices(points: list[tuple[float, float, float]], closed: bool,
                    deviation: float) -> list[tuple[float, float]]:
    from ezdxf.math import Vec2, bulge_center  # loaded by _open before any entity is read

    out = [(points[0][0], points[0][1])]
    pairs = list(zip(points, points[1:], strict=False))
    if closed:
        pairs.append((points[-1], points[0]))
    for (x0, y0, bulge), (x1, y1, _) in pairs:
        if abs(bulge) < 1e-12:
            out.append((x1, y1))
            continue
        center = bulge_center(Vec2(x0, y0), Vec2(x1, y1), bulge)
        sweep = 4 * math.atan(bulge)
        radius = math.hypot(x0 - center.x, y0 - center.y)
        start = math.atan2(y0 - center.y, x0 - center.x)
        arc = arc_points((center.x, center.y), radius, start, sweep, deviation)
        out.extend([*arc[:-1], (x1, y1)])
    return out


def _vertices(entity: Any, deviation: float) -> list[tuple[float, float]]:
    kind = entity.dxftype()
    if kind == "LINE":
        return [(entity.dxf.start.x, entity.dxf.start.y), (entity.dxf.end.x, entity.dxf.end.y)]
    if kind in ("CIRCLE", "ARC"):
        center = (entity.dxf.center.x, entity.dxf.center.y)
        if kind == "CIRCLE":
            start, sweep = 0.0, 2 * math.pi
        else:
            start = math.radians(entity.dxf.start_angle)
            sweep = math.radians((entity.dxf.end_angle - entity.dxf.start_angle) % 360 or 360)
        first = (center[0] + entity.dxf.radius * math.cos(start),
                 center[1] + entity.dxf.radius * math.sin(start))
        return [first, *arc_points(center, entity.dxf.radius, start, sweep, deviation)]
    if kind == "LWPOLYLINE":
        points = [(x, y, b) for x, y, b in entity.get_points("xyb")]
    else:
        points = [(v.dxf.location.x, v.dxf.location.y, v.dxf.bulge) for v in entity.vertices]
    if not points:
        return []
    check_magnitude([v for point in points for v in point], what="vertex or bulge")
    return _bulge_vertices(points, bool(getattr(entity, "closed", False)
                                        or getattr(entity, "is_closed", False)), deviation)


def _is_closed(entity: Any, coords: list[tuple[float, float]]) -> bool:
    if entity.dxftype() == "CIRCLE":
        return True
    if entity.dxftype() == "POLYLINE" and not (entity.is_2d_polyline or entity.is_3d_polyline):
        return False
    if getattr(entity, "closed", False) or getattr(entity, "is_closed", False):
        return True
    return len(coords) > 2 and shapely.Point(coords[0]).distance(
        shapely.Point(coords[-1])) <= CLOSE_TOLERANCE


def _shapes(entities: Iterable[Any], deviation: float,
            ) -> tuple[list[tuple[str, str, shapely.Polygon]], dict[str, list[Any]]]:
    closed: list[tuple[str, str, shapely.Polygon]] = []
    lines: dict[str, list[Any]] = {}
    for entity in entities:
        kind = entity.dxftype()
        if kind not in CLOSED_TYPES and kind not in LINE_TYPES:
            continue
        if kind == "POLYLINE" and not (entity.is_2d_polyline or entity.is_3d_polyline):
            continue
        layer = entity.dxf.layer
        try:
            coords = _vertices(entity, deviation)
            check_magnitude([v for xy in coords for v in xy], what="coordinate")
        except GuardError as exc:
            raise GuardError(f"{kind} {entity.dxf.handle} on CAD layer {layer}: {exc}") from None
        if len(coords) < 2:
            continue
        if _is_closed(entity, coords) and len(coords) >= 3:
            polygon = shapely.Polygon(coords)
            if polygon.area > 0:
                closed.append((layer, entity.dxf.handle, polygon))
        else:
            lines.setdefault(layer, []).append(shapely.LineString(coords))
    return closed, lines


def _crs_hint(geoms: list[Any]) -> str:
    """A suggestion for ``--crs`` from the coordinates (never applied without the user)."""
    xy = shapely.get_coordinates(geoms)
    try:
        guess = detect_gk(xy[:, 0], xy[:, 1])
    except CRSError:
        guess = None
    if guess is not None and guess.prefixed and not guess.swapped and guess.epsg is not None:
        return (f": the eastings carry zone prefix {guess.zone}, so if the datum is CGCS2000 "
                f"pass --crs EPSG:{guess.epsg}")
    return (", e.g. --crs EPSG:4549 (CGCS2000 3° zone 40, eastings near 500000) or "
            "--crs EPSG:4528 (zone 40 with the zone prefix, eastings 40xxxxxx)")


def read_dxf(path: Path, options: ReadOptions) -> RawFrame:
    """:data:`layers.io.READERS` entry for ``.dxf``.

    Raises
    ------
    layers.io.ReadError
        No ``--crs``; eastings that do not fit the CRS (zone prefix present or missing);
        unreadable file or DWG; no closed shape on the selected layers.
    """
    deviation = import_settings(options.policy).arc_max_deviation_m
    layer_map: Mapping[str, Mapping[str, str]] = options.extra.get("dxf_layer_map") or {}
    wanted = {name.lower(): name for name in layer_map}
    if options.source_layer:
        wanted = {options.source_layer.lower(): options.source_layer}
    doc = _open(path)
    entities = list(doc.modelspace())
    present = Counter(e.dxf.layer for e in entities if e.dxftype() in CLOSED_TYPES + LINE_TYPES)
    if wanted:
        entities = [e for e in entities if e.dxf.layer.lower() in wanted]
    try:
        closed, lines = _shapes(entities, deviation)
    except GuardError as exc:
        raise ReadError(f"{path}: {exc}; fix: correct the entity in CAD (coordinates in "
                        "metres, no huge arcs or bulges) and save the DXF again") from None
    rows: list[dict[str, object]] = []
    for layer, handle, polygon in closed:
        rows.append({"编号": f"{layer}-{handle}", "图层": layer, "geometry": polygon})
    for layer, parts in lines.items():
        faces = shapely.get_parts(shapely.polygonize([shapely.union_all(parts)]))
        for i, face in enumerate(faces, start=1):
            rows.append({"编号": f"{layer}-L{i}", "图层": layer, "geometry": face})
    if not rows:
        layers = ", ".join(f"{name} ({n})" for name, n in sorted(present.items())) or "none"
        raise ReadError(f"{path}: no closed polyline, circle or closed line/arc chain on "
                        f"{'the layers ' + ', '.join(wanted.values()) if wanted else 'any layer'}"
                        f"; layers with linework: {layers}; fix: name the right CAD layers in "
                        "--dxf-layer-map (CADLAYER=VALUE) or close the boundaries in CAD")
    if options.crs is None:
        raise ReadError(f"{path}: a DXF drawing has no coordinate system; fix: pass --crs with "
                        "the Gauss–Krüger zone it is drawn in"
                        + _crs_hint([r["geometry"] for r in rows]))
    crs = CRS.from_user_input(options.crs)
    by_lower = {name.lower(): values for name, values in layer_map.items()}
    for row in rows:
        row.update(by_lower.get(str(row["图层"]).lower(), {}))
    frame = gpd.GeoDataFrame(rows, geometry="geometry", crs=crs)
    eastings = shapely.get_coordinates(frame.geometry.values)[:, 0].tolist()
    problem = check_easting_prefix([min(eastings), max(eastings)], crs)
    if problem:
        raise ReadError(f"{path}: {problem}; fix: pass the --crs that matches the drawing (the "
                        "prefixed zone EPSG:4513–4533 when eastings have 8 digits before the "
                        "point, the unprefixed EPSG:4534–4554 when they are near 500000)")
    warnings: list[tuple[str, str]] = []
    skipped = sorted(set(present) - {str(r["图层"]) for r in rows})
    if skipped:
        warnings.append((f"CAD layers not imported: {', '.join(skipped)}",
                         "add them to --dxf-layer-map if they hold boundaries"))
    return RawFrame(frame, [f"{r['编号']} (CAD layer {r['图层']})" for r in rows], warnings)

"""Where things lie in the fictional demo county 青峰县: geography and parcel geometry.

Pure numpy/shapely, in the working CRS (metres). :mod:`data.demo` adds the attributes.

The county is a lattice of parks (one slot per park, plus one for the scattered parcels
outside any park), turned and jittered so it does not read as a grid. An arterial road runs
along the south side of every lattice row (the southernmost is the expressway), local roads
run north–south between the columns, a river meanders along the north of the first row with a
reservoir upstream, a railway passes north of the parks, and a hill rises beside every park.

A park is grown from its centre: blocks separated by 24 m local roads (40 m every third),
each block cut into parcels by slanted lines (trapezoids of varied widths sharing their
edges; deep blocks hold two rows sharing a boundary, or one deep row; some rows stay one large
plot), one diagonal road cutting through;
parcels that would sit on a road, the river or a hill are dropped, and the ``count`` parcels
nearest the centre by a lobed distance are kept, so the outline is irregular and follows
the roads and the river. Every park draws from its own random stream, so a park's parcels
do not depend on which chunk generates them.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import shapely

ROAD_M = 24.0
MAIN_ROAD_M = 40.0
AREA_PER_PARCEL_M2 = 36_000.0
"""Land a parcel takes on average, its share of local roads included (sizes the parks)."""
BLOCK_WIDTHS_M = (280.0, 620.0)
ROW_DEPTHS_M = np.array([130.0, 160.0, 200.0, 240.0])

TOWN_NAMES = (("青峰镇", "Qingfeng Town"), ("河口镇", "Hekou Town"), ("柳湾镇", "Liuwan Town"),
              ("石门镇", "Shimen Town"), ("沙梁镇", "Shaliang Town"),
              ("高家堡镇", "Gaojiabao Town"),
              ("红柳滩镇", "Hongliutan Town"), ("杏树坪镇", "Xingshuping Town"))


@dataclass(frozen=True)
class Geography:
    """County-scale features (all in the working CRS)."""

    boundary: shapely.Polygon
    river: shapely.LineString
    reservoir: shapely.Polygon
    railway: shapely.LineString
    roads: tuple[tuple[str, str, str, shapely.LineString], ...]  # zh, en, class, line
    towns: tuple[tuple[str, str, shapely.Point], ...]
    hills: tuple[shapely.Polygon, ...]  # one per park, beside it
    obstacles: np.ndarray  # where no parcel may lie: roads, river, railway, hills (pieces)
    obstacle_index: shapely.STRtree  # over ``obstacles``

    @property
    def expressway(self) -> shapely.LineString:
        return next(line for _, _, cls, line in self.roads if cls == "expressway")

    def obstacles_in(self, bounds: tuple[float, float, float, float]) -> shapely.Geometry:
        """The obstacles inside the box ``bounds`` (xmin, ymin, xmax, ymax), as one geometry.

        A park only ever meets the few obstacles around it: testing its parcels against the
        county-wide union instead cost 730 µs per parcel at 5,000,000 parcels (11,000 hills
        and a road network of 380,000 vertices) against 30 µs at 100,000, which is what made
        the 5M demo take over an hour. Whatever a geometry inside the box meets of the
        obstacles lies inside the box, so the test gives the same answer.
        """
        box = shapely.box(*bounds)
        near = self.obstacles[self.obstacle_index.query(box)]
        return shapely.union_all(shapely.intersection(near, box))


@dataclass(frozen=True)
class GroupParcels:
    """Parcels of one group (a park, or the parcels outside any park)."""

    geoms: np.ndarray  # polygons, world coordinates
    local: np.ndarray  # (n, 4) umin, vmin, umax, vmax in the group's own frame
    row: np.ndarray  # row of parcels (shared by the parcels of one block row)
    frame: tuple[float, float, float]  # centre x, y and angle (radians) of the group's frame

    def to_local(self, xy: np.ndarray) -> np.ndarray:
        cx, cy, a = self.frame
        c, s = np.cos(a), np.sin(a)
        d = np.asarray(xy, dtype=float) - (cx, cy)
        return np.column_stack([d[:, 0] * c + d[:, 1] * s, -d[:, 0] * s + d[:, 1] * c])

    def to_world(self, uv: np.ndarray) -> np.ndarray:
        cx, cy, a = self.frame
        c, s = np.cos(a), np.sin(a)
        uv = np.asarray(uv, dtype=float)
        return np.column_stack([uv[:, 0] * c - uv[:, 1] * s + cx, uv[:, 0] * s + uv[:, 1] * c + cy])


@dataclass(frozen=True)
class Lattice:
    """Slots of the groups: centre, angle and expected radius of each."""

    centres: np.ndarray  # (n_groups, 2)
    angles: np.ndarray  # (n_groups,)
    radii: np.ndarray  # (n_groups,)
    col: np.ndarray
    row: np.ndarray
    spacing: float
    angle: float  # of the whole lattice


def lattice(counts: np.ndarray, centre: tuple[float, float],
            rng: np.random.Generator) -> Lattice:
    """Place ``len(counts)`` groups (the last one: parcels outside parks) on a turned lattice."""
    n = len(counts)
    radii = np.sqrt(counts * AREA_PER_PARCEL_M2 / np.pi) * 1.1 + 100.0
    spacing = 2 * float(radii.max()) + 1500.0
    # A county-sized layout is wider than tall (a valley); a province-sized one is square,
    # which keeps millions of parcels within a few degrees of the zone's central meridian.
    cols = max(2, int(np.ceil(np.sqrt(n * (1.5 if n <= 1000 else 1.0)))))
    col, row = np.arange(n) % cols, np.arange(n) // cols
    jitter = rng.uniform(-1, 1, (n, 2)) * (0.1, 0.03) * spacing
    uv = np.column_stack([col * spacing, row * spacing]) + jitter
    uv -= uv.mean(axis=0)
    angle = np.deg2rad(14.0)
    c, s = np.cos(angle), np.sin(angle)
    xy = np.column_stack([uv[:, 0] * c - uv[:, 1] * s, uv[:, 0] * s + uv[:, 1] * c]) + centre
    angles = angle + np.deg2rad(rng.uniform(-9, 9, n))
    return Lattice(xy, angles, radii, col, row, spacing, angle)


def _turn(lat: Lattice, uv: np.ndarray, origin: np.ndarray) -> np.ndarray:
    c, s = np.cos(lat.angle), np.sin(lat.angle)
    return np.column_stack([uv[:, 0] * c - uv[:, 1] * s, uv[:, 0] * s + uv[:, 1] * c]) + origin


def _blob(centre: np.ndarray, radius: float, rng: np.random.Generator,
          n: int = 36) -> shapely.Polygon:
    """An irregular closed shape around ``centre`` (hills, the reservoir, the county)."""
    t = np.linspace(0, 2 * np.pi, n, endpoint=False)
    p = rng.uniform(0, 2 * np.pi, 3)
    r = radius * (1 + 0.18 * np.sin(2 * t + p[0]) + 0.1 * np.sin(3 * t + p[1])
                  + 0.05 * np.sin(5 * t + p[2]))
    return shapely.Polygon(np.column_stack([centre[0] + r * np.cos(t),
                                            centre[1] + r * np.sin(t)]))


def geography(lat: Lattice, rng: np.random.Generator) -> Geography:
    """Roads, river, railway, towns, hills and the county outline around the lattice."""
    S = lat.spacing
    # lattice coordinates of the slots (before the turn), origin at their mean
    c, s = np.cos(-lat.angle), np.sin(-lat.angle)
    origin = lat.centres.mean(axis=0)
    d = lat.centres - origin
    uv = np.column_stack([d[:, 0] * c - d[:, 1] * s, d[:, 0] * s + d[:, 1] * c])
    u0, u1 = uv[:, 0].min() - S * 0.9, uv[:, 0].max() + S * 0.9
    far = S * 3  # lines run past the county outline and are clipped to it
    rows = sorted(set(lat.row.tolist()))
    cols = sorted(set(lat.col.tolist()))
    row_v = {r: float(uv[lat.row == r, 1].mean()) for r in rows}
    col_u = {k: float(uv[lat.col == k, 0].mean()) for k in cols}
    v0, v1 = min(row_v.values()) - S * 0.9, max(row_v.values()) + S * 0.9
    u = np.linspace(u0 - far, u1 + far, 90)
    roads: list[tuple[str, str, str, shapely.LineString]] = []
    for r in rows:
        v = row_v[r] - float(lat.radii.max()) * 0.72 + 90 * np.sin(u / S * 2.1 + r)
        zh, en, cls = (("青峰高速（示例）", "Qingfeng Expressway (sample)", "expressway") if r == 0
                       else (f"{'北' if r == rows[-1] else ''}{r + 1}号干道"[:6],
                             f"Arterial road {r + 1}", "arterial"))
        roads.append((zh, en, cls, shapely.LineString(_turn(lat, np.column_stack([u, v]),
                                                             origin))))
    v = np.linspace(v0 - far, v1 + far, 60)
    for k in cols[:-1]:
        uu = (col_u[k] + col_u.get(k + 1, col_u[k] + S)) / 2 + 120 * np.sin(v / S * 1.7 + k)
        roads.append((f"{k + 1}号支路", f"Road {k + 1}", "arterial",
                      shapely.LineString(_turn(lat, np.column_stack([uu, v]), origin))))
    # the river: along the north of the first row, cutting into its parks, meandering
    rv = row_v[rows[0]] + float(lat.radii.max()) * 0.6
    ur = np.linspace(u0 - far, u1 + far, 160)
    river_v = rv + S * 0.05 * np.sin(ur / S * 2.4) + S * 0.025 * np.sin(ur / S * 5.3 + 1)
    river = shapely.LineString(_turn(lat, np.column_stack([ur, river_v]), origin))
    at_u = u0 + S * 0.2
    reservoir_at = _turn(lat, np.array([[at_u, np.interp(at_u, ur, river_v) + S * 0.07]]),
                         origin)[0]
    reservoir = _blob(reservoir_at, S * 0.09, rng)
    rail_v = row_v[rows[-1]] + float(lat.radii.max()) * 0.95 + 40 * np.sin(u / S)
    railway = shapely.LineString(_turn(lat, np.column_stack([u, rail_v]), origin))
    # towns: where the row roads meet the local roads, the county seat nearest the centre
    crossings = []
    for _, _, _, line in roads[: len(rows)]:
        for _, _, _, other in roads[len(rows):]:
            hit = line.intersection(other)
            if isinstance(hit, shapely.Point):
                crossings.append(hit)
    if not crossings:
        crossings = [shapely.Point(origin + (0, -S * 0.5))]
    seat = lat.centres[-1]  # the county seat: next to the parcels outside parks
    crossings.sort(key=lambda p: float(np.hypot(p.x - seat[0], p.y - seat[1])))
    step = max(1, len(crossings) // 24)
    towns = tuple((f"{TOWN_NAMES[i % len(TOWN_NAMES)][0]}"
                   + (f"{i // len(TOWN_NAMES) + 1}" if i >= len(TOWN_NAMES) else ""),
                   TOWN_NAMES[i % len(TOWN_NAMES)][1]
                   + (f" {i // len(TOWN_NAMES) + 1}" if i >= len(TOWN_NAMES) else ""),
                   shapely.Point(p.x + 250, p.y + 250))
                  for i, p in enumerate(crossings[::step][:max(3, min(24, len(lat.radii) - 1))]))
    # hills: one beside every park, on its south-east
    hills = []
    for g in range(len(lat.radii) - 1):
        a = lat.angles[g] - np.deg2rad(rng.uniform(20, 70))
        at = lat.centres[g] + lat.radii[g] * 0.95 * np.array([np.cos(a), np.sin(a)])
        hills.append(_blob(at, float(rng.uniform(250, 450)), rng, n=24))
    corner = np.array([[u0, v0], [u1, v0], [u1, v1], [u0, v1]])
    outline = shapely.Polygon(_turn(lat, corner, origin))
    ring = shapely.segmentize(outline.buffer(S * 0.7).exterior, S * 0.25)
    xy = shapely.get_coordinates(ring)[:-1]
    mid = xy.mean(axis=0)
    t = np.arctan2(xy[:, 1] - mid[1], xy[:, 0] - mid[0])
    p = rng.uniform(0, 2 * np.pi, 3)
    push = S * (0.25 * np.sin(3 * t + p[0]) + 0.15 * np.sin(5 * t + p[1])
                + 0.08 * np.sin(9 * t + p[2]))
    along = (xy - mid) / np.hypot(*(xy - mid).T)[:, None]
    boundary = shapely.simplify(shapely.Polygon(xy + along * push[:, None]).buffer(0), 30.0)
    roads = [(zh, en, cls, _clip_line(line, boundary)) for zh, en, cls, line in roads]
    river = _clip_line(river, boundary)
    railway = _clip_line(railway, boundary)
    lines = [shapely.buffer(line, 40.0 if cls == "expressway" else 22.0, cap_style="flat")
             for _, _, cls, line in roads]
    obstacles = np.array(lines + [river.buffer(110.0), railway.buffer(40.0),
                                  reservoir.buffer(60.0), *hills], dtype=object)
    return Geography(boundary, river, reservoir, railway, tuple(roads), towns, tuple(hills),
                     obstacles, shapely.STRtree(obstacles))


def _clip_line(line: shapely.LineString, area: shapely.Polygon) -> shapely.LineString:
    """The longest piece of ``line`` inside ``area``."""
    parts = shapely.get_parts(line.intersection(area))
    return max(parts, key=lambda p: p.length)


def _rows_of_blocks(half: float, rng: np.random.Generator,
                    ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Parcel rows in a square of side ``2 * half``: x0, x1, y0, y1 per row (local frame)."""
    widths = rng.uniform(*BLOCK_WIDTHS_M, int(2 * half / BLOCK_WIDTHS_M[0]) + 2)
    gaps = np.where(np.arange(len(widths)) % 3 == 2, MAIN_ROAD_M, ROAD_M)
    bx0 = -half + np.concatenate([[0.0], np.cumsum(widths + gaps)[:-1]])
    keep = bx0 < half
    bx0, bx1 = bx0[keep], (bx0 + widths)[keep]
    depth = ROW_DEPTHS_M[rng.integers(0, len(ROW_DEPTHS_M), int(2 * half / 130) + 2)]
    double = rng.random(len(depth)) < 0.45  # a deep block: two rows sharing a boundary
    whole = double & (rng.random(len(depth)) < 0.3)  # … or one deep row for large plants
    block_h = np.where(double, 2 * depth, depth)
    gaps = np.where(np.arange(len(depth)) % 3 == 2, MAIN_ROAD_M, ROAD_M)
    by0 = -half + np.concatenate([[0.0], np.cumsum(block_h + gaps)[:-1]])
    keep = by0 < half
    by0, depth, double, whole = by0[keep], depth[keep], double[keep], whole[keep]
    split = double & ~whole
    y0 = np.concatenate([by0, (by0 + depth)[split]])
    y1 = np.concatenate([by0 + np.where(whole, 2 * depth, depth), (by0 + 2 * depth)[split]])
    nx, ny = len(bx0), len(y0)
    return (np.tile(bx0, ny), np.tile(bx1, ny), np.repeat(y0, nx), np.repeat(y1, nx))


def _cut_rows(x0: np.ndarray, x1: np.ndarray, y0: np.ndarray, y1: np.ndarray,
              rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Cut every row into trapezoids of varied widths; returns (n, 5, 2) rings and row ids."""
    width = x1 - x0
    k = int(width.max() / 45.0) + 2
    cuts = np.cumsum(rng.lognormal(np.log(150.0), 0.45, (len(x0), k)).clip(45.0, 600.0), axis=1)
    cuts = np.where(cuts < width[:, None] - 45.0, cuts, np.inf)
    uncut = rng.random(len(x0)) < np.where(y1 - y0 > 300.0, 0.5, 0.1)  # one plot per row
    cuts[uncut] = np.inf
    slant = rng.uniform(-14.0, 14.0, cuts.shape)
    left = np.concatenate([np.zeros((len(x0), 1)), cuts], axis=1)
    right = np.minimum(np.concatenate([cuts, np.full((len(x0), 1), np.inf)], axis=1),
                       width[:, None])
    s_left = np.concatenate([np.zeros((len(x0), 1)), slant], axis=1)
    s_right = np.concatenate([slant, np.zeros((len(x0), 1))], axis=1)
    s_right = np.where(np.isfinite(np.concatenate([cuts, np.full((len(x0), 1), np.inf)],
                                                  axis=1)), s_right, 0.0)
    row, col = np.nonzero(np.isfinite(left))
    xl, xr = x0[row] + left[row, col], x0[row] + right[row, col]
    sl, sr = s_left[row, col], s_right[row, col]
    yb, yt = y0[row], y1[row]
    ring = np.stack([np.column_stack([xl + sl, yb]), np.column_stack([xr + sr, yb]),
                     np.column_stack([xr - sr, yt]), np.column_stack([xl - sl, yt]),
                     np.column_stack([xl + sl, yb])], axis=1)
    return ring, row


def group_parcels(count: int, centre: np.ndarray, angle: float, geo: Geography,
                  rng: np.random.Generator) -> GroupParcels:
    """The ``count`` parcels of one group (see the module docstring), kept off
    ``geo``'s obstacles."""
    half = float(np.sqrt(count * AREA_PER_PARCEL_M2 * 2.6)) / 2 + 300.0
    lobes = rng.uniform(0.12, 0.3, 2)
    phase = rng.uniform(0, 2 * np.pi, 3)
    stretch = rng.uniform(0.75, 1.3)
    diag = rng.uniform(0.5, 1.1) * rng.choice([-1.0, 1.0])
    frame = (float(centre[0]), float(centre[1]), float(angle))
    for _ in range(6):
        ring, row = _cut_rows(*_rows_of_blocks(half, rng), rng)
        probe = GroupParcels(np.empty(0, dtype=object), np.empty((0, 4)), row, frame)
        world = probe.to_world(ring.reshape(-1, 2)).reshape(ring.shape)
        geoms = shapely.polygons(world)
        # a diagonal road through the centre cuts some parcels into irregular shapes
        road = shapely.LineString(probe.to_world(np.array([[-half, -half * diag],
                                                           [half, half * diag]]))).buffer(
            15.0, cap_style="flat")
        crossed = shapely.intersects(geoms, road)
        before = shapely.area(geoms)
        cut = shapely.difference(geoms[crossed], road)
        geoms[crossed] = [max(shapely.get_parts(g), key=lambda p: p.area) if not g.is_empty
                          else g for g in cut]
        ok = (shapely.area(geoms) > np.maximum(0.45 * before, 2500.0))
        x0, y0, x1, y1 = shapely.total_bounds(geoms)
        obstacles = geo.obstacles_in((x0 - 1.0, y0 - 1.0, x1 + 1.0, y1 + 1.0))
        shapely.prepare(obstacles)
        ok &= ~shapely.intersects(obstacles, geoms)
        uv = ring[:, :4].mean(axis=1)
        r = np.hypot(uv[:, 0], uv[:, 1] * stretch)
        t = np.arctan2(uv[:, 1], uv[:, 0])
        score = r / (1 + lobes[0] * np.sin(2 * t + phase[0]) + lobes[1] * np.sin(3 * t + phase[1]))
        idx = np.flatnonzero(ok)
        if len(idx) >= count:
            pick = idx[np.argsort(score[idx], kind="stable")[:count]]
            pick = pick[np.lexsort((ring[pick, 0, 0], row[pick]))]
            local = np.column_stack([ring[pick, :4, 0].min(1), ring[pick, :4, 1].min(1),
                                     ring[pick, :4, 0].max(1), ring[pick, :4, 1].max(1)])
            return GroupParcels(geoms[pick], local, row[pick], frame)
        half *= 1.35
    raise RuntimeError(f"could not place {count} parcels around {centre}")


def joined(hull: shapely.Geometry, parts: shapely.Geometry) -> shapely.Geometry:
    """``hull ∪ parts``. GEOS can refuse a union of nearly coincident edges (a "side
    location conflict" stopped two 5,000,000-parcel demos, once even after snapping): then
    the union of both repaired shapes snapped to 1 mm, and as a last resort the convex hull
    of both (always a valid polygon). The largest polygon is kept."""
    attempts = (lambda: hull.union(parts),
                lambda: shapely.union(shapely.make_valid(hull), shapely.make_valid(parts),
                                      grid_size=0.001),
                lambda: shapely.union_all([hull, parts]).convex_hull,
                lambda: shapely.MultiPolygon([*shapely.get_parts(hull),
                                              *shapely.get_parts(parts)]).convex_hull)
    for attempt in attempts:
        try:
            out = attempt()
        except shapely.errors.GEOSException:
            continue
        polygons = [p for p in shapely.get_parts(out) if isinstance(p, shapely.Polygon)]
        return max(polygons, key=lambda p: p.area) if polygons else out
    return shapely.convex_hull(shapely.GeometryCollection([hull, parts]))


def park_outline(parcels: GroupParcels) -> shapely.Polygon:
    """The park boundary: its parcels and the roads between them, smoothed, 40 m margin."""
    hull = shapely.union_all(shapely.buffer(parcels.geoms, 45.0, join_style="mitre"))
    hull = hull.buffer(-5.0, join_style="mitre")
    if isinstance(hull, shapely.MultiPolygon):  # parts split by a road: join them
        hull = joined(shapely.concave_hull(hull, ratio=0.2), hull)
    return shapely.Polygon(hull.exterior) if isinstance(hull, shapely.Polygon) else hull

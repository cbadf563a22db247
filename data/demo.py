"""Deterministic generator of the fictional demo county 青峰县 (Qingfeng County).

Everything here is invented sample data placed in real geography (northern Shaanxi, CGCS2000
3° Gauss–Krüger zone 37, EPSG:4546) so that CRS handling, areas and basemaps behave as with
real data. The same generator writes the embedded ``data/demo.gpkg`` (2,000 parcels) and
county-sized or province-sized test sets for benchmarks (``investmap demo --parcels N``).

Where things lie (parks along roads, blocks cut into parcels by local roads, the river,
hills, towns) comes from :mod:`data.demo_layout`; the ``context`` and ``facility`` layers from
:mod:`data.demo_context`. This module adds the attributes and the red lines, placed so that
some parcels conflict (the eco red line along the river and around the hills, farmland
overlapping a row's westmost parcel by 20 m, another plot's red line drawn 4 m too wide, the
urban boundary cutting through the north of every third park), some only touch (farmland
sharing an edge, a 2 cm sliver under the tolerance), and most are clean.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
import yaml
from pyproj import Transformer
from shapely.ops import substring

from data import demo_layout
from data.demo_context import context_frame, facility_frame
from data.demo_leads import build_leads
from data.demo_ledger import build_ledger
from data.demo_targets import build_targets

WORKING_EPSG = 4546  # CGCS2000 3° GK zone 37 (central meridian 111°E), no zone prefix
CENTER_LONLAT = (110.95, 38.92)
SEED = 20_261_122
AS_OF = pd.Timestamp("2026-06-30")  # fixed, so the generated dates never depend on today
CHUNK_PARCELS = 250_000
"""Parcels per chunk (whole parks) when a county is generated and written chunk by chunk."""

PARK_TEMPLATES = (
    ("青峰高新技术产业开发区", "Qingfeng High-tech Industrial Development Zone", "provincial",
     ["battery"], "100102"),
    ("青峰现代煤化工产业园", "Qingfeng Modern Coal-Chemicals Park", "provincial",
     ["coal_chem"], "100103"),
    ("青峰经济技术开发区", "Qingfeng Economic and Technological Development Zone", "national",
     ["battery", "coal_chem"], "100102"),
    ("青峰特色食品产业园", "Qingfeng Specialty Food Park", "county", ["food"], "100101"),
    ("青峰商贸物流园", "Qingfeng Trade and Logistics Park", "city", ["food"], "1101"),
)

"""Leading industries of the templates as the description prints them (labels, not ids)."""

STATUS_WEIGHTS = {
    "reserve": 0.15, "available": 0.30, "reserved": 0.08,
    "transferred": 0.12, "under_construction": 0.10, "producing": 0.25,
}
STAGE_WEIGHTS = {
    "pipeline": 0.12, "signed": 0.15, "started": 0.18, "completed": 0.08,
    "producing": 0.35, "stalled": 0.07, "lost": 0.05,
}
UTILITY_FLAGS = ("road", "power", "water", "drainage", "telecom", "gas", "heat", "levelled")


@dataclass(frozen=True)
class Segment:
    chain_id: str
    segment_id: str
    zh: str
    industry_code: str


def _segments(chains_path: Path) -> list[Segment]:
    doc = yaml.safe_load(chains_path.read_text(encoding="utf-8"))
    return [Segment(c["chain_id"], s["segment_id"], s["zh"], s["industry_codes"][0])
            for c in doc["chains"] for s in c["segments"]]


def build_county(n_parcels: int = 2000, *, n_redlines: int | None = None,
                 seed: int = SEED) -> dict[str, pd.DataFrame]:
    """Build the demo county as a dict of layer name → (Geo)DataFrame in EPSG:4546.

    Parameters
    ----------
    n_parcels : number of parcels (about 3 % lie outside every park).
    n_redlines : total red-line polygons; ``None`` gives the natural count (~15 % of parcels
        for small counties). Structural red lines (urban boundary, eco, farmland) are kept
        first, then plot red lines fill up to the count.
    seed : random seed; the same arguments always give the same county.
    """
    return next(iter_county_chunks(n_parcels, n_redlines=n_redlines, seed=seed,
                                   chunk_parcels=n_parcels))


def iter_county_chunks(n_parcels: int, *, n_redlines: int | None = None, seed: int = SEED,
                       chunk_parcels: int = CHUNK_PARCELS) -> Iterator[dict[str, pd.DataFrame]]:
    """Generate the demo county chunk by chunk (whole parks), so that only one chunk is in memory.

    Each chunk is a dict like :func:`build_county`'s holding the parks of about
    ``chunk_parcels`` parcels with their red lines, enterprises and projects; ids continue
    across chunks. The parcels outside any park come with the last chunk; the county-wide
    layers (``context``, ``facility``, red lines along the river) with the first. A county of
    at most ``chunk_parcels`` parcels is one chunk equal to :func:`build_county`; every park
    and every chunk draws from its own random stream, so the output depends only on the
    arguments.

    Parameters
    ----------
    n_parcels, n_redlines, seed : as for :func:`build_county`; ``n_redlines`` is shared
        between chunks in proportion to their parcels.
    chunk_parcels : parcels per chunk (a chunk ends with the park that reaches it).
    """
    if n_parcels < 50:
        raise ValueError(f"n_parcels={n_parcels}: the demo county needs at least 50 parcels")
    rng = np.random.default_rng(seed)
    from data import get_path

    segments = _segments(get_path("chains"))
    layout = _layout(n_parcels, rng, seed)
    first = dict.fromkeys(("parcel", "redline", "enterprise", "project"), 0)
    done = 0
    for k, groups in enumerate(_chunk_groups(layout, chunk_parcels)):
        part = layout.chunk(groups, first)
        n_here = len(part.park_of)
        quota = None if n_redlines is None else (
            n_redlines * (done + n_here) // n_parcels - n_redlines * done // n_parcels)
        chunk_rng = rng if k == 0 else np.random.default_rng([seed, k])
        parks = _parks(part)
        parcels = _parcels(part, chunk_rng)
        redlines = _redlines(part, parcels, chunk_rng, quota, county_wide=k == 0)
        enterprises, parcels = _enterprises(parcels, part, segments, chunk_rng)
        projects = _projects(parcels, enterprises, part, segments, chunk_rng)
        county = {"park": parks, "parcel": parcels, "project": projects, "redline": redlines,
                  "enterprise": enterprises}
        county.update(build_ledger(projects, as_of=AS_OF, seed=seed + k))  # 重点项目台账
        if k == 0:
            names = [_template(i)[:2] for i in range(layout.n_parks)]
            county["facility"] = facility_frame(layout.geo, layout.lattice, names,
                                                crs=WORKING_EPSG)
            county["context"] = context_frame(layout.geo, crs=WORKING_EPSG)
            county["target"] = build_targets(300, seed=seed)  # 招商目标企业库 (fictional)
            county["lead"] = build_leads(list(parks["park_id"]), as_of=AS_OF)  # 招商线索
        done += n_here
        for name in first:
            first[name] += len(county[name])
        yield county


def _chunk_groups(layout: _Layout, chunk_parcels: int) -> list[np.ndarray]:
    chunks: list[list[int]] = [[]]
    count = 0
    for g in range(layout.n_parks):
        if count >= chunk_parcels:
            chunks.append([])
            count = 0
        chunks[-1].append(g)
        count += int(layout.counts[g])
    chunks[-1].extend(range(layout.n_parks, len(layout.counts)))  # parcels outside any park
    return [np.array(c) for c in chunks]


# -- layout -------------------------------------------------------------------------------


@dataclass
class _Layout:
    n_parks: int
    counts: np.ndarray  # parcels per group; groups from n_parks on hold those outside parks
    lattice: demo_layout.Lattice
    geo: demo_layout.Geography
    seed: int
    n_total: int  # parcels in the whole county (fixes the width of parcel ids)
    groups: np.ndarray = field(default_factory=lambda: np.empty(0, dtype=int))
    first: dict[str, int] = field(default_factory=dict)  # serials used by earlier chunks
    parts: dict[int, demo_layout.GroupParcels] = field(default_factory=dict)
    outlines: dict[int, shapely.Polygon] = field(default_factory=dict)

    def chunk(self, groups: np.ndarray, first: dict[str, int]) -> _Layout:
        """The part of the layout made of ``groups`` (their parcels generated now),
        numbering ids after ``first``."""
        parts = {int(g): demo_layout.group_parcels(
            int(self.counts[g]), self.lattice.centres[g], float(self.lattice.angles[g]),
            self.geo, np.random.default_rng([self.seed, 7, int(g)])) for g in groups}
        outlines = {g: demo_layout.park_outline(p) for g, p in parts.items()
                    if g < self.n_parks}
        return replace(self, groups=np.asarray(groups), first=dict(first), parts=parts,
                       outlines=outlines)

    @property
    def park_of(self) -> np.ndarray:
        return np.concatenate([np.full(len(self.parts[int(g)].geoms), g) for g in self.groups])

    @property
    def geoms(self) -> np.ndarray:
        return np.concatenate([self.parts[int(g)].geoms for g in self.groups])


def _layout(n: int, rng: np.random.Generator, seed: int) -> _Layout:
    n_parks = max(len(PARK_TEMPLATES), int(np.ceil(n / 450)))
    n_outside = max(6, int(n * 0.03))
    n_in = n - n_outside
    weights = rng.uniform(0.6, 1.4, n_parks)
    counts = np.floor(weights / weights.sum() * n_in).astype(int)
    counts[: n_in - counts.sum()] += 1
    # The parcels outside parks take lattice slots no larger than the largest park: one slot
    # in a small county, several in a big one. A single slot of 3 % of a million parcels
    # would set the lattice's spacing (its radius is the largest) and spread the county over
    # 2,400 km, far past what one Gauss-Krüger zone measures truly.
    slots = int(np.ceil(n_outside / max(int(counts.max()), 1)))
    outside = np.full(slots, n_outside // slots)
    outside[: n_outside - outside.sum()] += 1
    counts = np.append(counts, outside)
    centre = Transformer.from_crs(4490, WORKING_EPSG, always_xy=True).transform(*CENTER_LONLAT)
    lattice = demo_layout.lattice(counts, centre, rng)
    geo = demo_layout.geography(lattice, rng)
    return _Layout(n_parks, counts, lattice, geo, seed, n_total=n)


def _park_id(i: int, n_parks: int) -> str:
    return f"P{i + 1:02d}" if n_parks < 100 else f"P{i + 1:05d}"


def _template(i: int) -> tuple[str, str, str, list[str], str]:
    base = PARK_TEMPLATES[i % len(PARK_TEMPLATES)]
    if i < len(PARK_TEMPLATES):
        return base
    k = i // len(PARK_TEMPLATES) + 1
    return (f"{base[0]}{k}区", f"{base[1]} {k}", base[2], base[3], base[4])


def _chain_names() -> dict[str, str]:
    """chain_id → its Chinese name (park descriptions are prose, not codes)."""
    from data import get_path

    doc = yaml.safe_load(get_path("chains").read_text(encoding="utf-8"))
    return {c["chain_id"]: c["zh"] for c in doc["chains"]}


def _parks(layout: _Layout) -> gpd.GeoDataFrame:
    chain_names = _chain_names()
    rows = []
    for i in layout.groups[layout.groups < layout.n_parks]:
        zh, en, level, chains, _ = _template(i)
        rows.append({
            "park_id": _park_id(i, layout.n_parks),
            "name": zh, "name_en": en, "level": level,
            "leading_industries": ",".join(chains),
            "address": f"青峰县{zh[2:6]}大道{i + 1}号",
            "address_en": f"{i + 1} {en.split()[1]} Avenue, Qingfeng County",
            "contact": f"招商服务中心 0912-55{i:05d}"[:22],
            "description": f"{zh}（虚构示例数据），主导产业："
                           f"{'、'.join(chain_names.get(c, c) for c in chains)}。",
            "description_en": f"{en} (fictional sample data).",
            "notes": f"内部：{zh}管委会年度招商任务 {20 + i} 亿元",
            "geometry": layout.outlines[int(i)],
        })
    return gpd.GeoDataFrame(rows, crs=WORKING_EPSG)


def _parcels(layout: _Layout, rng: np.random.Generator) -> gpd.GeoDataFrame:
    park_of = layout.park_of
    n = len(park_of)
    statuses = rng.choice(list(STATUS_WEIGHTS), n, p=list(STATUS_WEIGHTS.values()))
    park_use = np.array([_template(i)[4] for i in range(layout.n_parks)] + ["100101"])
    outside = np.minimum(park_of, layout.n_parks)  # every group outside parks → one entry
    land_use = park_use[outside].astype(object)
    mixed = rng.random(n)
    land_use[mixed < 0.08] = "1101"
    land_use[(mixed >= 0.08) & (mixed < 0.11)] = "0901"
    land_use[(mixed >= 0.11) & (mixed < 0.20)] = "100101"
    width = 10 ** int(np.ceil(np.log10(layout.n_total + 1)))
    first = layout.first.get("parcel", 0)
    park_ids = [_park_id(i, layout.n_parks) for i in range(layout.n_parks)] + [None]
    far_min = rng.choice([0.6, 0.7, 0.8, 1.0, 1.2], n)
    util_count = rng.integers(4, 9, n)
    utilities = [",".join(UTILITY_FLAGS[:k]) for k in util_count]
    age = rng.integers(60, 5 * 365, n)
    # Parcels still "transferred" (not started) were mostly sold within the last 13 months;
    # one in eight is older, which makes 闲置 idle land a realistic minority (domain.md §5).
    recent = (statuses == "transferred") & (age % 8 != 0)
    age = np.where(recent, 60 + age % 330, age)
    transfer = AS_OF - pd.to_timedelta(age, unit="D")
    dev = np.isin(statuses, ["transferred", "under_construction", "producing"])
    agreed = transfer + pd.to_timedelta(rng.integers(90, 240, n), unit="D")
    started = agreed + pd.to_timedelta(rng.integers(-30, 200, n), unit="D")
    has_start = np.isin(statuses, ["under_construction", "producing"])
    developed = np.where(statuses == "producing", 1.0, rng.uniform(0.05, 0.95, n))
    invested = np.where(statuses == "producing", 1.0, rng.uniform(0.1, 0.95, n))
    stopped = np.where((statuses == "under_construction") & (rng.random(n) < 0.2),
                       AS_OF - pd.to_timedelta(rng.integers(100, 700, n), unit="D"), pd.NaT)
    frame = pd.DataFrame({
        "parcel_id": [f"QF-{i:0{len(str(width)) - 1}d}" for i in range(first + 1, first + n + 1)],
        "park_id": [park_ids[g] for g in outside],
        "land_use": land_use.astype(str),
        "status": statuses,
        "far_min": far_min,
        "far_max": far_min + rng.choice([0.8, 1.0, 1.5], n),
        "price_wan_per_mu": np.round(rng.uniform(12, 30, n), 1),
        "investment_min_wan_per_mu": rng.choice([150.0, 200.0, 250.0, 300.0], n),
        "tax_min_wan_per_mu": rng.choice([8.0, 10.0, 15.0, 20.0], n),
        "transfer_date": pd.Series(transfer).where(dev),
        "agreed_start_date": pd.Series(agreed).where(dev),
        "actual_start_date": pd.Series(started).where(has_start),
        "developed_share": np.where(has_start, np.round(developed, 2), np.nan),
        "invested_share": np.where(has_start, np.round(invested, 2), np.nan),
        "stopped_since": pd.Series(stopped),
        "utilities": utilities,
        "enterprise_id": None,
        "notes": np.where(rng.random(n) < 0.1, "内部：拆迁补偿未结清", None),
    })
    frame["park_id"] = frame["park_id"].where(frame["park_id"].notna(), None)
    return gpd.GeoDataFrame(frame, geometry=layout.geoms, crs=WORKING_EPSG)


def _half_plane(part: demo_layout.GroupParcels, *, v_below: float | None = None,
                u_below: float | None = None) -> shapely.Polygon:
    """The part of the plane below ``v_below`` (or west of ``u_below``) in a group's frame."""
    big = 1e6
    u1 = big if u_below is None else u_below
    v1 = big if v_below is None else v_below
    corners = np.array([[-big, -big], [u1, -big], [u1, v1], [-big, v1]])
    return shapely.Polygon(part.to_world(corners))


def _farmland(part: demo_layout.GroupParcels, row: int, shift: float) -> shapely.Geometry:
    """Farmland west of a park's row: touching its westmost parcel (``shift`` 0), a sliver
    inside it (0.02 m, under the tolerance) or overlapping it by ``shift`` metres."""
    in_row = np.flatnonzero(part.row == row)
    west = in_row[np.argmin(part.local[in_row, 0])]
    umin, vmin, umax, vmax = part.local[west] + (0.0, 1.0, 0.0, -1.0)  # no collinear edges
    field_ = shapely.Polygon(part.to_world(np.array(
        [[umin - 400, vmin], [(umin + umax) / 2, vmin], [(umin + umax) / 2, vmax],
         [umin - 400, vmax]])))
    near = shapely.union_all(part.geoms[shapely.intersects(part.geoms, field_)])
    if shift > 0:
        near = near.buffer(-shift, join_style="mitre")
    return max(shapely.get_parts(field_.difference(near)), key=lambda part: part.area)


def _redlines(layout: _Layout, parcels: gpd.GeoDataFrame, rng: np.random.Generator,
              n_redlines: int | None, *, county_wide: bool) -> gpd.GeoDataFrame:
    geo = layout.geo
    structural: list[tuple[str, str, shapely.Geometry, str | None]] = []
    if county_wide:  # the eco red line follows the river; floods along its middle reach
        structural.append(("eco_redline", "生态保护红线（青峰河沿岸）",
                           geo.river.buffer(190.0).intersection(geo.boundary), None))
        structural.append(("eco_redline", "生态保护红线（青峰水库）",
                           geo.reservoir.buffer(300.0), None))
        length = geo.river.length
        structural.append(("flood_zone", "洪涝风险区（青峰河中游）",
                           substring(geo.river, 0.3 * length, 0.7 * length).buffer(450.0)
                           .intersection(geo.boundary), None))
    for g in layout.groups:
        part = layout.parts[int(g)]
        if g >= layout.n_parks:  # parcels outside parks: the boundary covers the west half
            hull = shapely.convex_hull(shapely.MultiPolygon(list(part.geoms))).buffer(200.0)
            extra = g - layout.n_parks
            structural.append(("urban_boundary",
                               f"城镇开发边界（园外{extra + 1 if extra else ''}）",
                               hull.intersection(_half_plane(part, u_below=0.0)), None))
            continue
        label = f"园区{g + 1}"
        boundary = layout.outlines[int(g)].buffer(200.0)
        if g % 3 == 1:  # the boundary cuts through the north of every third park
            top = float(part.local[:, 3].max())
            boundary = boundary.intersection(_half_plane(part, v_below=0.75 * top))
        structural.append(("urban_boundary", f"城镇开发边界（{label}）", boundary, None))
        hill = geo.hills[int(g)]
        eco = hill.buffer(70.0)
        r = float(np.sqrt(eco.area / np.pi))
        structural.append(("eco_redline", f"生态保护红线（{label}山体）", eco, None))
        structural.append(("eco_redline", f"生态保护红线（{label}山体，重叠图斑）",
                           shapely.affinity.translate(eco, -r / 4, r / 5), None))
        rows = np.unique(part.row)
        for k, shift in enumerate((0.0, 20.0, 0.02)):
            row = int(rows[int(len(rows) * (0.2 + 0.3 * k))])
            structural.append(("basic_farmland", f"永久基本农田（{label}第{k + 1}片）",
                               _farmland(part, row, shift), None))
    dev_idx = np.flatnonzero(parcels["status"].isin(
        ["transferred", "under_construction", "producing"]).to_numpy())
    n_plot = (min(len(dev_idx), max(20, len(parcels) // 8)) if n_redlines is None
              else max(0, n_redlines - len(structural)))
    if n_redlines is not None and len(structural) > n_redlines:
        keep = np.sort(rng.choice(len(structural), n_redlines, replace=False))
        structural = [structural[i] for i in keep]
    picked = rng.choice(dev_idx, min(n_plot, len(dev_idx)), replace=False)
    picked.sort()
    plot_geoms = parcels.geometry.values[picked].copy()
    wide = rng.random(len(picked)) < 0.05  # drawn 4 m too wide: overlaps the neighbours
    plot_geoms[wide] = shapely.buffer(plot_geoms[wide], 4.0, join_style="mitre")
    pids = parcels["parcel_id"].to_numpy()[picked]
    n_s = len(structural)
    first = layout.first.get("redline", 0)
    frame = pd.DataFrame({
        "redline_id": [f"RL-{i:07d}" for i in range(first + 1, first + n_s + len(picked) + 1)],
        "category": [s[0] for s in structural] + ["landuse_redline"] * len(picked),
        "name": [s[1] for s in structural] + [f"用地红线 {p}" for p in pids],
        "parcel_id": [s[3] for s in structural] + list(pids),
    })
    geoms = np.concatenate([np.array([s[2] for s in structural], dtype=object),
                            np.asarray(plot_geoms, dtype=object)])
    return gpd.GeoDataFrame(frame, geometry=geoms, crs=WORKING_EPSG)


def _enterprises(parcels: gpd.GeoDataFrame, layout: _Layout, segments: list[Segment],
                 rng: np.random.Generator) -> tuple[pd.DataFrame, gpd.GeoDataFrame]:
    producing = np.flatnonzero((parcels["status"] == "producing").to_numpy())
    n_ent = max(10, len(parcels) // 8)
    owners = rng.integers(0, n_ent, len(producing))
    first = layout.first.get("enterprise", 0)
    eids = np.array([f"E{i + 1:06d}" for i in range(first, first + n_ent)])
    parcels = parcels.copy()
    parcels.loc[parcels.index[producing], "enterprise_id"] = eids[owners]
    area_mu = shapely.area(parcels.geometry.values) / (10_000 / 15)
    land = np.bincount(owners, weights=area_mu[producing], minlength=n_ent)
    parks = parcels["park_id"].to_numpy()
    park_of_ent = np.full(n_ent, None, dtype=object)
    park_of_ent[owners] = parks[producing]
    no_parcel = land == 0
    land[no_parcel] = np.round(rng.uniform(1.5, 60, no_parcel.sum()), 2)
    small = rng.random(n_ent) < 0.04
    land[small] = np.round(rng.uniform(1.0, 2.9, small.sum()), 2)

    chain_segs = {c: [s for s in segments if s.chain_id == c] for c in
                  ("battery", "coal_chem", "food")}
    # every third segment of a chain is rare (one firm or two in the county: a thin link to
    # strengthen), and every segment has at least one firm somewhere
    rare = {s.segment_id for c in chain_segs.values() for s in c[2::3]}
    seg_pick = []
    for i in range(n_ent):
        p = park_of_ent[i]
        g = int(p[1:]) - 1 if isinstance(p, str) else 0
        chains = _template(g)[3]
        options = [s for c in chains for s in chain_segs[c]]
        weights = np.array([0.04 if s.segment_id in rare else 1.0 for s in options])
        seg_pick.append(options[rng.choice(len(options), p=weights / weights.sum())])
    picked = {s.segment_id for s in seg_pick}
    gaps = [s for c in chain_segs.values() for s in c if s.segment_id not in picked]
    for k, seg in enumerate(gaps[: n_ent // 2]):  # a tiny county keeps some gaps
        seg_pick[-(k + 1)] = seg  # the last firms (outside parks first) take the gaps
    scale = np.where(rng.random(n_ent) < 0.6, "above", "below")
    tax_per_mu = rng.lognormal(np.log(14.0), 0.85, n_ent)
    tax = tax_per_mu * land
    va = tax * rng.lognormal(np.log(5.6), 0.35, n_ent)
    revenue = va * rng.lognormal(np.log(4.0), 0.25, n_ent)
    energy = va / rng.lognormal(np.log(2.7), 0.5, n_ent)
    emission = np.where(rng.random(n_ent) < 0.1, np.nan,
                        va / rng.lognormal(np.log(4900.0), 0.6, n_ent))
    employees = np.maximum(5, np.round(va / rng.lognormal(np.log(18.0), 0.4, n_ent)))
    rnd = revenue * rng.lognormal(np.log(0.03), 0.6, n_ent)
    kwh = tax / rng.lognormal(np.log(0.235), 0.5, n_ent)
    start = AS_OF - pd.to_timedelta(rng.integers(200, 12 * 365, n_ent), unit="D")
    frame = pd.DataFrame({
        "enterprise_id": eids,
        "name": [f"青峰{s.zh}示例企业{i + 1:04d}有限公司" for i, s in enumerate(seg_pick)],
        "scale": scale,
        "park_id": park_of_ent,
        "industry_code": [s.industry_code for s in seg_pick],
        "segment_id": [s.segment_id for s in seg_pick],
        "land_mu": np.where(no_parcel | small, land, np.nan),
        "tax_wan": np.round(tax, 2),
        "value_added_wan": np.round(va, 2),
        "revenue_wan": np.round(revenue, 2),
        "energy_tce": np.round(energy, 2),
        "emission_t": np.round(emission, 3),
        "employees": employees.astype(int),
        "rnd_wan": np.round(rnd, 2),
        "electricity_10k_kwh": np.round(kwh, 2),
        "production_start_date": start,
        "is_utility": rng.random(n_ent) < 0.02,
        "notes": np.where(rng.random(n_ent) < 0.15, "内部：欠缴土地使用税", None),
    })
    return frame, parcels


def _projects(parcels: gpd.GeoDataFrame, enterprises: pd.DataFrame, layout: _Layout,
              segments: list[Segment], rng: np.random.Generator) -> gpd.GeoDataFrame:
    n = max(20, int(len(parcels) * 0.15))
    stages = rng.choice(list(STAGE_WEIGHTS), n, p=list(STAGE_WEIGHTS.values()))
    status_for_stage = {
        "pipeline": ["reserved", "available"], "signed": ["reserved", "transferred"],
        "started": ["under_construction"], "completed": ["under_construction", "producing"],
        "producing": ["producing"], "stalled": ["transferred", "under_construction"],
        "lost": [],
    }
    by_status = {s: list(rng.permutation(np.flatnonzero((parcels["status"] == s).to_numpy())))
                 for s in STATUS_WEIGHTS}
    parcel_idx: list[int | None] = []
    for stage in stages:
        pools = [by_status[s] for s in status_for_stage[stage] if by_status[s]]
        parcel_idx.append(pools[rng.integers(0, len(pools))].pop() if pools and
                          (stage != "pipeline" or rng.random() < 0.5) else None)
    seg_by_id = {s.segment_id: s for s in segments}
    # plain Python lookups: a pandas ``.iat``/``.at`` per project cost a fifth of a
    # 100,000-parcel demo's generation time
    seg_of_ent = dict(zip(enterprises["enterprise_id"], enterprises["segment_id"], strict=True))
    parcel_ids = parcels["parcel_id"].to_numpy()
    parcel_parks = parcels["park_id"].to_numpy()
    parcel_ents = parcels["enterprise_id"].to_numpy()
    geoms, pids, parks, eids, segs = [], [], [], [], []
    centroids = shapely.centroid(parcels.geometry.values)
    park_groups = layout.groups[layout.groups < layout.n_parks]
    for idx in parcel_idx:
        if idx is not None:
            pids.append(parcel_ids[idx])
            parks.append(parcel_parks[idx])
            eid = parcel_ents[idx]
            geoms.append(centroids[idx])
        else:
            pids.append(None)
            g = int(park_groups[rng.integers(0, len(park_groups))])
            parks.append(_park_id(g, layout.n_parks))
            eid = None
            geoms.append(_point_in(layout.outlines[g], rng))
        if isinstance(eid, str):
            seg = seg_by_id[seg_of_ent[eid]]
        else:
            seg = segments[int(rng.integers(0, len(segments)))]
            eid = None
        eids.append(eid)
        segs.append(seg)
    signed = AS_OF - pd.to_timedelta(rng.integers(30, 4 * 365, n), unit="D")
    planned_start = signed + pd.to_timedelta(rng.integers(60, 200, n), unit="D")
    start = planned_start + pd.to_timedelta(_mostly_on_time(rng.integers(-20, 150, n), 50),
                                            unit="D")
    planned_done = planned_start + pd.to_timedelta(rng.integers(300, 720, n), unit="D")
    done = planned_done + pd.to_timedelta(_mostly_on_time(rng.integers(-60, 200, n), 80),
                                          unit="D")
    after_sign = ~np.isin(stages, ["pipeline", "lost"])
    after_start = np.isin(stages, ["started", "completed", "producing"]) | (
        (stages == "stalled") & (rng.random(n) < 0.5))
    after_done = np.isin(stages, ["completed", "producing"])
    first = layout.first.get("project", 0)
    frame = pd.DataFrame({
        "project_id": [f"XM-{i:05d}" for i in range(first + 1, first + n + 1)],
        "name": [f"{s.zh}项目（示例{i + 1}）" for i, s in enumerate(segs)],
        "enterprise_id": eids,
        "industry_code": [s.industry_code for s in segs],
        "chain_id": [s.chain_id for s in segs],
        "segment_id": [s.segment_id for s in segs],
        "stage": stages,
        "investment_wan": np.round(rng.lognormal(np.log(30_000), 0.9, n), -1),
        "signed_date": pd.Series(signed).where(after_sign),
        "planned_start_date": pd.Series(planned_start).where(after_sign),
        "start_date": pd.Series(start).where(after_start),
        "planned_completion_date": pd.Series(planned_done).where(after_sign),
        "completion_date": pd.Series(done).where(after_done),
        "parcel_id": pids,
        "park_id": parks,
        "owner": [f"招商{rng.integers(1, 9)}组" for _ in range(n)],
        "notes": np.where(rng.random(n) < 0.2, "内部：企业要求电价优惠 0.3 元/kWh", None),
    })
    return gpd.GeoDataFrame(frame, geometry=geoms, crs=WORKING_EPSG)


def _point_in(area: shapely.Polygon, rng: np.random.Generator) -> shapely.Point:
    """A random point inside ``area`` (its representative point after 20 misses)."""
    x0, y0, x1, y1 = area.bounds
    for _ in range(20):
        point = shapely.Point(rng.uniform(x0, x1), rng.uniform(y0, y1))
        if area.contains(point):
            return point
    return area.representative_point()


def _mostly_on_time(delay_days: np.ndarray, window: int) -> np.ndarray:
    """Keep one delay in five as drawn (late projects); fold the rest into ``window`` days
    from the earliest, so most projects meet their planned dates. No extra random draws:
    the rest of the county stays identical."""
    low = int(delay_days.min(initial=0))
    folded = low + (delay_days - low) % window
    return np.where(delay_days % 5 == 0, delay_days, folded)


# -- writing ------------------------------------------------------------------------------


def write_county(county: dict[str, pd.DataFrame], out: str | Path, *,
                 fmt: str = "gpkg") -> Path:
    """Write a county: one GeoPackage (``fmt="gpkg"``) or one GeoParquet file per layer.

    Returns the GeoPackage path, or the folder holding ``<layer>.parquet`` files.
    """

    out = Path(out)
    if fmt == "gpkg":
        path = out if out.suffix == ".gpkg" else out / "county.gpkg"
        path.parent.mkdir(parents=True, exist_ok=True)
        if path.exists():
            path.unlink()
        for name, frame in county.items():
            _write_gpkg_layer(frame, path, name)
        return path
    if fmt == "parquet":
        out.mkdir(parents=True, exist_ok=True)
        for name, frame in county.items():
            target = out / f"{name}.parquet"
            if isinstance(frame, gpd.GeoDataFrame):
                frame.to_parquet(target, write_covering_bbox=True)
            else:
                frame.to_parquet(target)
        return out
    raise ValueError(f"unknown format {fmt!r}; use gpkg or parquet")


def _write_gpkg_layer(frame: pd.DataFrame, path: Path, name: str, *,
                      append: bool = False) -> None:
    """One layer into a GeoPackage 1.3 (GDAL < 3.7 and its validator reject 1.4's R-tree
    triggers) with registry date columns as GeoPackage DATE, not date-time text."""
    import pyogrio

    # data/ sits below layers/ (no registry here): the demo's date columns are its datetime ones
    dates = [c for c in frame.columns
             if c != "geometry" and pd.api.types.is_datetime64_any_dtype(frame[c])]
    out = frame.copy() if dates else frame
    for column in dates:
        if column in out.columns:
            out[column] = pd.to_datetime(out[column]).astype("date32[pyarrow]")
    pyogrio.write_dataframe(out, path, layer=name, driver="GPKG", append=append,
                            use_arrow=True, dataset_options={"VERSION": "1.3"})


def write_county_chunks(chunks: Iterable[dict[str, pd.DataFrame]], out: str | Path, *,
                        fmt: str = "parquet") -> tuple[Path, dict[str, int]]:
    """Write a county chunk by chunk as it is generated (see :func:`iter_county_chunks`).

    ``fmt="parquet"`` writes one partitioned GeoParquet dataset per layer — a folder
    ``<layer>.parquet/`` holding ``part-00000.parquet``, ``part-00001.parquet`` … (one per
    chunk, with bounding-box covering columns); ``fmt="gpkg"`` appends every chunk to one
    GeoPackage. Returns the GeoPackage or dataset folder and the row count per layer.
    """
    import shutil


    if fmt not in ("gpkg", "parquet"):
        raise ValueError(f"unknown format {fmt!r}; use gpkg or parquet")
    out = Path(out)
    path = (out if out.suffix == ".gpkg" else out / "county.gpkg") if fmt == "gpkg" else out
    path.parent.mkdir(parents=True, exist_ok=True)
    if fmt == "gpkg" and path.exists():
        path.unlink()
    counts: dict[str, int] = {}
    for k, county in enumerate(chunks):
        for name, frame in county.items():
            if fmt == "gpkg":
                _write_gpkg_layer(frame, path, name, append=k > 0)
            else:
                folder = out / f"{name}.parquet"
                if k == 0 and folder.is_dir():
                    shutil.rmtree(folder)
                elif k == 0 and folder.exists():
                    folder.unlink()
                folder.mkdir(parents=True, exist_ok=True)
                if isinstance(frame, gpd.GeoDataFrame):
                    frame.to_parquet(folder / f"part-{k:05d}.parquet", write_covering_bbox=True)
                else:
                    frame.to_parquet(folder / f"part-{k:05d}.parquet")
            counts[name] = counts.get(name, 0) + len(frame)
    return path, counts


def main() -> None:
    """Regenerate the embedded ``data/demo.gpkg`` (run: ``python -m data.demo``)."""
    target = Path(__file__).with_name("demo.gpkg")
    write_county(build_county(), target)
    print(f"wrote {target}")


if __name__ == "__main__":
    main()

"""The demo county's ``context`` and ``facility`` layers, from its geography.

Context is what a map without tiles needs to show where things are (county outline, towns,
roads, the river, the railway, the reservoir); facilities are the location facts investors ask
first (interchanges, the rail yard, substations, water, sewage and gas), placed where they
would be: interchanges where the expressway meets the local roads, the rail yard on the
railway beside the coal-chemicals park, a substation beside every park, the water plant at
the reservoir, the sewage plant downstream.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import shapely
from shapely.ops import substring

from data.demo_layout import Geography, Lattice

COAL_PARK = 1
"""Index of the coal-chemicals park (PARK_TEMPLATES[1]): rail yard and gas beside it."""


def context_frame(geo: Geography, *, crs: int) -> gpd.GeoDataFrame:
    """County outline, towns, roads, the river, the railway and the reservoir."""
    rows: list[tuple[str, str, str, shapely.Geometry]] = [
        ("county_boundary", "青峰县（虚构）", "Qingfeng County (fictional)", geo.boundary)]
    rows += [("town", zh, en, point) for zh, en, point in geo.towns]
    rows += [("road", zh, en, line) for zh, en, _, line in geo.roads]
    rows += [("river", "青峰河", "Qingfeng River", geo.river),
             ("water", "青峰水库", "Qingfeng Reservoir", geo.reservoir),
             ("railway", "青峰铁路（示例）", "Qingfeng Railway (sample)", geo.railway)]
    return gpd.GeoDataFrame(
        {"context_id": [f"CX-{i:04d}" for i in range(1, len(rows) + 1)],
         "name": [r[1] for r in rows], "name_en": [r[2] for r in rows],
         "kind": [r[0] for r in rows]},
        geometry=[r[3] for r in rows], crs=crs)


def facility_frame(geo: Geography, lattice: Lattice, park_names: list[tuple[str, str]], *,
                   crs: int) -> gpd.GeoDataFrame:
    """Facilities of the county; ``park_names`` (zh, en) of every park, in park order."""
    rows: list[tuple[str, str, str, str, shapely.Geometry]] = []
    expressway = geo.expressway
    k = 0
    for zh, _, cls, line in geo.roads:
        hit = expressway.intersection(line) if cls != "expressway" else None
        if isinstance(hit, shapely.Point):
            k += 1
            rows.append(("interchange", f"{zh}互通", f"Interchange {k}", "全互通 4 匝道", hit))
    coal = min(COAL_PARK, len(park_names) - 1)
    at = shapely.Point(lattice.centres[coal])
    d = geo.railway.project(at)
    yard = substring(geo.railway, max(0.0, d - 350.0), min(geo.railway.length, d + 350.0))
    rows.append(("rail_yard", "青峰铁路货场", "Qingfeng rail freight yard",
                 "年吞吐 300 万吨", yard.buffer(70.0, cap_style="flat")))
    for g, (zh, en) in enumerate(park_names):
        a = lattice.angles[g] + np.pi * 0.75
        xy = lattice.centres[g] + lattice.radii[g] * 1.02 * np.array([np.cos(a), np.sin(a)])
        rows.append(("substation", f"{zh}110kV变电站", f"{en} 110 kV substation",
                     "110 kV 2×50 MVA", shapely.Point(xy)))
    rows.append(("water_plant", "青峰第一水厂", "Qingfeng No. 1 water plant", "5 万吨/日",
                 geo.reservoir.exterior.interpolate(0.3, normalized=True)))
    sewage = geo.river.interpolate(0.72, normalized=True)
    rows.append(("sewage_plant", "青峰污水处理厂", "Qingfeng sewage plant", "3 万吨/日",
                 shapely.Point(sewage.x, sewage.y - 160.0)))
    a = lattice.angles[coal] + np.pi
    xy = lattice.centres[coal] + lattice.radii[coal] * 1.05 * np.array([np.cos(a), np.sin(a)])
    rows.append(("gas_station", "青峰天然气门站", "Qingfeng gas gate station",
                 "50 万 m³/日", shapely.Point(xy)))
    return gpd.GeoDataFrame(
        {"facility_id": [f"FC-{i:05d}" for i in range(1, len(rows) + 1)],
         "name": [r[1] for r in rows], "name_en": [r[2] for r in rows],
         "kind": [r[0] for r in rows], "capacity": [r[3] for r in rows]},
        geometry=[r[4] for r in rows], crs=crs)

"""A tiny hand-checkable chain world for the chain tests.

Chain ``toy`` (5 segments)::

    a (upstream) → b (midstream) → c (midstream) → d (downstream)
                     └────────────→ e (downstream)

Chain ``other`` (2 segments): x (upstream) → y (downstream).

Firms and projects (all in park K1 unless noted):

* a: firms F1, F2, F3 with value added 100 each → 3 producers, output 300
* b: firm F4 (60) and project P1 (started, 5000 万元, placed by segment_id) → 1 producer
* c: project P3 (pipeline, placed by keyword "齿轮") → not present
* d: firms F5, F6 (60 each) and project P2 (producing, firm F5, placed by industry code)
* x: firm F7 (10) in park K2

Chain mean output over present toy segments = (300 + 60 + 120) / 3 = 160, so a is strong
(3 producers, 1.875×), b thin (1 producer), d present (2 producers, 0.75×), c missing (d,
present, lies downstream of it) and e extension (nothing downstream, a and b upstream).

Parcels (tests/shapes.py squares: 100 m × 100 m = 15 亩):

* Q1 park K1, 100 × 200 m = 30 亩, 100102, far_max 2.0, 8/8 utilities, price 10, needs 200
* Q2 park K1, 100 × 100 m = 15 亩, 100101, far_max 0.8, 4/8 utilities, price 25, needs 100
* Q3 park K1, like Q1 but 400 m north — under an eco red line in the conflict test
* Q4 park K2 (leads only ``other``), like Q1
"""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import pandas as pd
import shapely

from tests.shapes import EPSG, X0, Y0, rect, square

TOY_YAML = """\
chains:
  - chain_id: toy
    zh: 玩具链
    en: Toy chain
    segments:
      - {segment_id: a, zh: 矿石, en: Ore, position: upstream, supplies: [b],
         industry_codes: ["0810"], keywords: [矿石],
         land: {mu: [10, 40], land_use: ["1002"], far_min: 0.3, investment_wan_per_mu: 100}}
      - {segment_id: b, zh: 冶炼, en: Refining, position: midstream, supplies: [c, e],
         industry_codes: ["3216"], keywords: [冶炼],
         land: {mu: [10, 40], land_use: ["1001"], far_min: 1.0, investment_wan_per_mu: 250}}
      - {segment_id: c, zh: 零件, en: Parts, position: midstream, supplies: [d],
         industry_codes: ["3453"], keywords: [齿轮, 轴承],
         land: {mu: [20, 40], land_use: ["100102"], far_min: 0.7, investment_wan_per_mu: 150}}
      - {segment_id: d, zh: 整机, en: Machines, position: downstream, supplies: [],
         industry_codes: ["3431"], keywords: [整机],
         land: {mu: [10, 200], land_use: ["1001"], far_min: 0.7, investment_wan_per_mu: 300}}
      - {segment_id: e, zh: 服务, en: Services, position: downstream,
         industry_codes: ["4350"], keywords: [维修],
         land: {mu: [16, 80], land_use: ["1001", "1101"], far_min: 0.5,
                investment_wan_per_mu: 100}}
  - chain_id: other
    zh: 另一链
    en: Other chain
    segments:
      - {segment_id: x, zh: 原料, en: Feedstock, position: upstream, supplies: [y],
         industry_codes: ["2614"], keywords: [原料],
         land: {mu: [10, 40], land_use: ["100102"], investment_wan_per_mu: 300}}
      - {segment_id: y, zh: 物流, en: Logistics, position: downstream,
         industry_codes: ["5960"], keywords: [仓储],
         land: {mu: [10, 40], land_use: ["1101"]}}
targets:
  - {name: 示例冶炼公司, segment_id: b, hq_city: 包头, scale: 上市公司, notes: 内部：已接触}
  - {name: 示例零件公司, segment_id: c, hq_city: 宁波}
  - {name: 示例轴承公司, segment_id: c, hq_city: 洛阳}
  - {name: 示例服务公司, segment_id: e}
"""

ALL_UTILITIES = ["road", "power", "water", "drainage", "telecom", "gas", "heat", "levelled"]


def write_toy(folder: Path, text: str = TOY_YAML) -> Path:
    path = folder / "toy_chains.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def parks() -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {"park_id": ["K1", "K2"], "name": ["一园", "二园"],
         "leading_industries": [["toy"], ["other"]]},
        geometry=[rect(-100, -100, 3300, 1000), rect(4900, -100, 400, 400)], crs=EPSG)


def parcels() -> gpd.GeoDataFrame:
    geoms = [rect(0, 0, 100, 200), square(1000, 0), rect(0, 400, 100, 200),
             rect(5000, 0, 100, 200)]
    frame = gpd.GeoDataFrame({
        "parcel_id": ["Q1", "Q2", "Q3", "Q4"],
        "park_id": ["K1", "K1", "K1", "K2"],
        "land_use": ["100102", "100101", "100102", "100102"],
        "status": ["available"] * 4,
        "far_max": [2.0, 0.8, 2.0, 2.0],
        "price_wan_per_mu": [10.0, 25.0, 10.0, 10.0],
        "investment_min_wan_per_mu": [200.0, 100.0, 200.0, 200.0],
        "utilities": [ALL_UTILITIES, ALL_UTILITIES[:4], ALL_UTILITIES, ALL_UTILITIES],
    }, geometry=geoms, crs=EPSG)
    frame["area_mu"] = frame.geometry.area / (10_000 / 15)
    return frame


def projects() -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame({
        "project_id": ["P1", "P2", "P3"],
        "name": ["冶炼扩建项目", "机床项目", "精密齿轮项目"],
        "enterprise_id": [None, "F5", None],
        "industry_code": [None, "3431", None],
        "segment_id": ["b", None, None],
        "stage": ["started", "producing", "pipeline"],
        "investment_wan": [5000.0, 8000.0, 3000.0],
        "park_id": ["K1", "K1", "K1"],
    }, geometry=[shapely.Point(X0 + 300, Y0 + 50), shapely.Point(X0 + 3000, Y0 + 50),
                 shapely.Point(X0 + 50, Y0 + 1000)], crs=EPSG)


def enterprises() -> pd.DataFrame:
    return pd.DataFrame({
        "enterprise_id": ["F1", "F2", "F3", "F4", "F5", "F6", "F7"],
        "name": ["甲矿业", "乙矿业", "丙矿业", "丁冶炼", "戊机械", "己机械", "庚化工"],
        "segment_id": ["a", "a", "a", "b", "d", "d", "x"],
        "park_id": ["K1"] * 6 + ["K2"],
        "value_added_wan": [100.0, 100.0, 100.0, 60.0, 60.0, 60.0, 10.0],
        "revenue_wan": [400.0, 400.0, 400.0, 240.0, 240.0, 240.0, 40.0],
        "tax_wan": [10.0, 11.0, 12.0, 6.0, 6.0, 6.0, 1.0],
    })

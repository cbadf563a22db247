"""A tiny hand-checkable county for the storage tests, and helpers to open stores on it.

Five 100 m squares (15 亩 each) with one parcel per typed status, one park around them, two
projects. Every layer goes through :func:`layers.validate.validate_layer`, as imports do.
"""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import pandas as pd
import shapely

from layers.store import Store, open_store
from layers.validate import validate_layer
from tests.shapes import EPSG, square

PARCEL_STATUS = {"A": "reserve", "B": "available", "C": "reserved", "D": "transferred",
                 "E": "producing"}


def parcels(extra: int = 0, **overrides: dict) -> gpd.GeoDataFrame:
    """Parcels A–E plus ``extra`` available ones (F1, F2 …); ``overrides`` maps an id to
    column values that replace the defaults."""
    statuses = {**PARCEL_STATUS, **{f"F{i + 1}": "available" for i in range(extra)}}
    rows = []
    for i, (pid, status) in enumerate(statuses.items()):
        row = {"parcel_id": pid, "park_id": "P1", "land_use": "100101", "status": status,
               "far_min": 1.0, "price_wan_per_mu": 12.5, "utilities": "road,power",
               "transfer_date": "2024-03-01" if status in ("transferred", "producing") else "",
               "geometry": square(200 * i, 0)}
        row.update(overrides.get(pid, {}))
        rows.append(row)
    return _valid(gpd.GeoDataFrame(rows, geometry="geometry", crs=EPSG), "parcel")


def parks() -> gpd.GeoDataFrame:
    return _valid(gpd.GeoDataFrame([{"park_id": "P1", "name": "青峰经开区", "level": "provincial",
                                     "leading_industries": "新材料,装备制造",
                                     "geometry": square(-100, -100, 1200)}],
                                   geometry="geometry", crs=EPSG), "park")


def projects() -> gpd.GeoDataFrame:
    rows = [{"project_id": "X1", "name": "新材料产业园", "stage": "pipeline",
             "investment_wan": 50000.0, "parcel_id": "B", "geometry": shapely.Point(500050,
                                                                                 4300050)},
            {"project_id": "X2", "name": "装备制造基地", "stage": "signed",
             "signed_date": "2025-05-01", "parcel_id": "C",
             "geometry": shapely.Point(500450, 4300050)}]
    return _valid(gpd.GeoDataFrame(rows, geometry="geometry", crs=EPSG), "project")


def enterprises() -> pd.DataFrame:
    return _valid(pd.DataFrame([{"enterprise_id": "E1", "name": "青峰材料", "scale": "above",
                                 "tax_wan": 1200.5, "employees": 300, "is_utility": "否"}]),
                  "enterprise")


def _valid(frame: pd.DataFrame, layer: str) -> pd.DataFrame:
    out, _ = validate_layer(frame, layer, source=f"test {layer}", working_crs=EPSG)
    return out


def fill(store: Store) -> Store:
    """Import the tiny county into ``store`` (user ``loader``)."""
    for layer, frame in (("park", parks()), ("parcel", parcels()), ("project", projects()),
                         ("enterprise", enterprises())):
        store.import_frame(layer, frame, user="loader", reason="initial load", role="admin")
    return store


def location(backend: str, tmp_path: Path, postgis_url: str | None) -> str:
    """Where a fresh store of ``backend`` lives for one test."""
    if backend == "gpkg":
        return str(tmp_path / "store.gpkg")
    assert postgis_url is not None
    return postgis_url


def filled_store(backend: str, tmp_path: Path, postgis_url: str | None) -> Store:
    return fill(open_store(location(backend, tmp_path, postgis_url)))

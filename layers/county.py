"""Load a whole county (all registry layers) from one source, with cross-layer derivations.

Every input source — the embedded demo, a GeoPackage, per-layer files — funnels into
:func:`load_county`, which validates each layer and then derives what one layer needs from
another: a parcel's ``park_id`` by spatial join, a project's location from its parcel, an
enterprise's ``land_mu`` from its parcels.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from geo.errors import DataError
from layers import county_cache
from layers.declared import layer_spec
from layers.io import ReadError, ReadOptions, known_layers_in, load_layer
from layers.policy import Policy, load_policy
from layers.registry import LAYERS
from layers.store import is_database_url
from layers.validate import ValidationReport, validate_layer


class MissingLayerError(DataError, KeyError):
    """A command needs a layer the county's data does not have; the message names the data,
    the layer, what is present and the fix."""

    def __str__(self) -> str:
        return str(self.args[0]) if self.args else ""


@dataclass
class County:
    """All layers of one county in the working CRS, plus the validation reports."""

    layers: dict[str, pd.DataFrame]
    policy: Policy
    reports: dict[str, ValidationReport] = field(default_factory=dict)
    source: str = ""

    def __getitem__(self, name: str) -> pd.DataFrame:
        try:
            return self.layers[name]
        except KeyError:
            present = ", ".join(sorted(self.layers)) or "none"
            raise MissingLayerError(
                f"{self.source}: no {name} layer (layers present: {present}); fix: use a "
                f"GeoPackage or a folder holding {name}.parquet (`investmap demo --out DIR` "
                "writes both kinds), or give the layer's own file (see the command's --help)"
            ) from None

    @property
    def crs(self):  # noqa: ANN201 - pyproj CRS
        return self.layers["parcel"].crs


def demo_path() -> Path:
    from data import get_path

    return get_path("demo")


def load_county(
    data: str | Path | None = None,
    *,
    overrides: Mapping[str, str | Path] | None = None,
    policy: Policy | None = None,
    layers: tuple[str, ...] | None = None,
    columns: Mapping[str, Sequence[str]] | None = None,
    cache: bool = True,
) -> County:
    """Load and validate a county's layers.

    Parameters
    ----------
    data : a GeoPackage holding registry layers (``park``, ``parcel`` …) — the embedded demo
        when ``None`` — or a ``postgresql://`` URL of a PostGIS store (:mod:`layers.store`).
    overrides : layer name → file, replacing that layer of ``data``.
    policy : validated policy; the embedded one when ``None``.
    layers : only these layers (default: all present).
    columns : layer name → the spec columns a command needs (e.g.
        ``layers.supply.AVAILABILITY_COLUMNS``); only those are read and validated. Layers
        not named keep every column.
    cache : reuse (and keep) the validated county on disk when no source file, the policy
        nor the column subset changed (:mod:`layers.county_cache`); never for a database.
    """
    policy = policy or load_policy()
    if data is not None and is_database_url(str(data)):
        return _load_from_database(str(data), overrides=overrides, policy=policy,
                                   layers=layers, columns=columns)
    base = Path(data) if data is not None else demo_path()
    overrides = dict(overrides or {})
    folder: dict[str, Path] = {}
    if base.is_dir():  # `investmap demo --format parquet`: <layer>.parquet files or datasets
        folder = {p.stem: p for p in sorted(base.glob("*.parquet")) if p.stem in LAYERS}
        present: list[str] = []
    elif base.suffix.lower() == ".gpkg" or not base.exists():
        present = known_layers_in(base) if base.suffix.lower() == ".gpkg" else []
    else:
        raise ReadError(f"{base}: not a GeoPackage (.gpkg), a folder of <layer>.parquet nor "
                        "a postgresql:// URL; fix: point --data (or INVESTMAP_DATA) at one "
                        "of those, or import the file first (`investmap import`)")
    wanted = layers or tuple(LAYERS)
    sources: dict[str, Path] = {}
    for name in wanted:
        path = overrides.get(name) or folder.get(name)
        if path is None and name in present:
            path = base
        if path is not None:
            sources[name] = Path(path)
    cached = county_cache.entry_key(sources, policy=policy, columns=columns) if cache else None
    if cached is not None:
        entry = county_cache.load(*cached)
        if entry is not None:
            return County(layers=entry.layers, policy=policy, reports=entry.reports,
                          source=str(base))
    loaded: dict[str, pd.DataFrame] = {}
    reports: dict[str, ValidationReport] = {}
    working_crs = policy.crs.working_epsg
    for name, path in sources.items():
        frame, report = load_layer(path, name, policy=policy, working_crs=working_crs,
                                   options=ReadOptions(source_layer=name if path == base
                                                       else None),
                                   columns=(columns or {}).get(name))
        if working_crs is None and isinstance(frame, gpd.GeoDataFrame):
            working_crs = frame.crs  # every later layer follows the first one's zone
        loaded[name] = frame
        reports[name] = report
    county = County(layers=loaded, policy=policy, reports=reports, source=str(base))
    derive(county)
    if cached is not None:
        name, key = cached
        county_cache.store(name, county_cache.Entry(key, county.layers, county.reports))
    return county


def _load_from_database(url: str, *, overrides: Mapping[str, str | Path] | None,
                        policy: Policy, layers: tuple[str, ...] | None,
                        columns: Mapping[str, Sequence[str]] | None) -> County:
    """Read every layer from a PostGIS store and validate it like a file."""
    from layers.store import open_store
    from layers.store.postgis import redact

    source = redact(url)
    wanted = layers or tuple(LAYERS)
    loaded: dict[str, pd.DataFrame] = {}
    reports: dict[str, ValidationReport] = {}
    working_crs = policy.crs.working_epsg
    with open_store(url) as store:
        present = store.layer_names()
        for name in wanted:
            path = (overrides or {}).get(name)
            if path is not None:
                frame, report = load_layer(path, name, policy=policy, working_crs=working_crs,
                                           columns=(columns or {}).get(name))
            elif name in present:
                stored = store.read_layer(name)
                if stored.empty:  # a table created but never filled holds no CRS either
                    continue
                extra = {"category": policy.redline_categories} if name == "redline" else {}
                frame, report = validate_layer(stored, layer_spec(name, policy), source=source,
                                               working_crs=working_crs, allowed_extra=extra,
                                               columns=(columns or {}).get(name))
            else:
                continue
            if working_crs is None and isinstance(frame, gpd.GeoDataFrame):
                working_crs = frame.crs
            loaded[name], reports[name] = frame, report
    county = County(layers=loaded, policy=policy, reports=reports, source=source)
    derive(county)
    return county


def derive(county: County) -> None:
    """Fill cross-layer derived values in place (see module docstring)."""
    parcels = county.layers.get("parcel")
    parks = county.layers.get("park")
    if parcels is not None and parks is not None:
        county.layers["parcel"] = assign_parks(parcels, parks)
    projects = county.layers.get("project")
    if projects is not None and parcels is not None:
        county.layers["project"] = locate_projects(projects, county.layers["parcel"])
    enterprises = county.layers.get("enterprise")
    if enterprises is not None and parcels is not None:
        county.layers["enterprise"] = enterprise_land(enterprises, county.layers["parcel"])


def assign_parks(parcels: gpd.GeoDataFrame, parks: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Fill missing ``park_id`` with the park containing the parcel's representative point."""
    missing = parcels["park_id"].isna().to_numpy()
    if not missing.any():
        return parcels
    points = shapely.point_on_surface(parcels.geometry.values[missing])
    tree = shapely.STRtree(parks.geometry.values)
    src, dst = tree.query(points, predicate="within")
    found = np.full(int(missing.sum()), None, dtype=object)
    found[src] = parks["park_id"].to_numpy()[dst]
    out = parcels.copy()
    values = out["park_id"].astype(object).to_numpy(copy=True)
    values[missing] = found
    out["park_id"] = values
    return out


def locate_projects(projects: gpd.GeoDataFrame, parcels: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Give projects without a location their parcel's representative point."""
    geoms = projects.geometry.values
    missing = shapely.is_missing(geoms) | shapely.is_empty(geoms)
    if not missing.any():
        return projects
    lookup = pd.Series(shapely.point_on_surface(parcels.geometry.values),
                       index=parcels["parcel_id"].to_numpy())
    out = projects.copy()
    filled = projects["parcel_id"][missing].map(lookup)
    out.loc[missing, out.geometry.name] = gpd.GeoSeries(filled.to_numpy(), crs=out.crs,
                                                        index=filled.index)
    return out


def enterprise_land(enterprises: pd.DataFrame, parcels: gpd.GeoDataFrame) -> pd.DataFrame:
    """Fill missing ``land_mu`` with the summed area of the enterprise's parcels."""
    if "enterprise_id" not in parcels:
        return enterprises
    by_ent = parcels.groupby("enterprise_id")["area_mu"].sum()
    out = enterprises.copy()
    missing = out["land_mu"].isna()
    out.loc[missing, "land_mu"] = out.loc[missing, "enterprise_id"].map(by_ent)
    return out

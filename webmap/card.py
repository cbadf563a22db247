"""The parcel card: facts an audience may see about one parcel, for the app and the export.

Values come from the whitelisted columns of the registry (investor: public columns only), the
availability verdict (:func:`layers.supply.availability`) and the chain projects within a
radius (distances in the projected working CRS).

Besides the flat ``facts`` (label, text) the card carries what a spec sheet shows apart: the
key figures as tiles (亩, land use, price, FAR), the 七通一平 flags one by one, and the
distance to the nearest facility of each kind — names in the card's language.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from geo.facilities import nearest_facilities
from layers.county import County
from layers.registry import (
    FACILITY_KINDS,
    LAND_USES,
    LAYERS,
    PARCEL_STATUSES,
    PROJECT_STAGES,
    UTILITIES,
    label,
)
from layers.row_index import row_index, row_of
from layers.sites import facility_kinds

CARD_COLUMNS: tuple[str, ...] = ("area_mu", "land_use", "status", "far_min", "far_max",
                                 "price_wan_per_mu", "investment_min_wan_per_mu",
                                 "tax_min_wan_per_mu", "utilities", "transfer_date",
                                 "agreed_start_date", "actual_start_date", "notes")


@dataclass
class ParcelCard:
    """Rows of (label, text) for one parcel, its availability and nearby chain partners."""

    parcel_id: str
    park: str
    facts: list[tuple[str, str]]
    available: bool | None
    reasons: list[str]
    conflicts: list[tuple[str, float]]
    partners: pd.DataFrame = field(default_factory=pd.DataFrame)
    contact: str = ""
    park_id: str = ""
    tiles: list[tuple[str, str]] = field(default_factory=list)
    """Key figures (label, value with unit): area, land use, price, FAR — those allowed."""
    utilities: list[tuple[str, bool]] = field(default_factory=list)
    """七通一平, every flag in registry order: (label, present); empty when not shown."""
    distances: list[tuple[str, str, float]] = field(default_factory=list)
    """(facility kind, nearest facility's name, km), one per kind the county has."""


TILE_COLUMNS: tuple[str, ...] = ("area_mu", "land_use", "price_wan_per_mu", "far")
"""The spec sheet's key figures, in order (``far`` = far_min–far_max)."""


def _text(value: object, column: str, lang: str) -> str:
    if value is None or value is pd.NaT or (isinstance(value, float) and np.isnan(value)):
        return "—"
    if column == "land_use":
        return label(LAND_USES, str(value), lang)
    if column == "status":
        return label(PARCEL_STATUSES, str(value), lang)
    if column == "utilities":
        items = value if isinstance(value, list | tuple) else str(value).split(",")
        sep = "、" if lang == "zh" else ", "
        return sep.join(label(UTILITIES, str(v).strip(), lang) for v in items if str(v).strip())
    if isinstance(value, pd.Timestamp):
        return value.strftime("%Y-%m-%d")
    if isinstance(value, float | np.floating):
        return f"{value:,.2f}"
    return str(value)


def parcel_card(county: County, parcel_id: str, *, audience: str, lang: str,
                availability: pd.DataFrame | None = None,
                radius_m: float = 3000.0) -> ParcelCard:
    """Build the card of ``parcel_id``.

    Parameters
    ----------
    county : the loaded county.
    parcel_id : the parcel.
    audience : ``investor`` (public columns only) or ``staff``.
    lang : ``zh`` or ``en``.
    availability : the table of :func:`layers.supply.availability` (optional).
    radius_m : chain projects within this distance are listed as partners.

    Raises
    ------
    KeyError
        No such parcel.
    """
    spec = LAYERS["parcel"]
    parcels = county["parcel"]
    row = row_of(parcels, "parcel_id", parcel_id)
    if row is None:
        raise KeyError(f"no parcel {parcel_id!r}")
    allowed = set(spec.public_columns if audience == "investor" else spec.column_names)
    facts = []
    for column in CARD_COLUMNS:
        if column in allowed and column in parcels.columns:
            col = spec.column(column)
            facts.append((col.zh if lang == "zh" else col.en, _text(row[column], column, lang)))
    distances = facility_distances(county, row.geometry, lang)
    facts += [(_distance_label(kind, lang), _distance_text(name, km, lang))
              for kind, name, km in distances]
    parks = county.layers.get("park")
    park, contact = "—", ""
    if parks is not None and pd.notna(row.get("park_id")):
        match = parks[parks["park_id"] == row["park_id"]]
        if len(match):
            name_col = "name_en" if lang == "en" and pd.notna(match.iloc[0].get("name_en")) \
                else "name"
            park = str(match.iloc[0][name_col])
            value = match.iloc[0].get("contact")
            contact = str(value) if isinstance(value, str) else ""
    available, reasons, conflicts = None, [], []
    if availability is not None:
        rec = row_of(availability, "parcel_id", parcel_id)
        if rec is not None:
            available = bool(rec["available"])
            text = str(rec["reasons_zh" if lang == "zh" else "reasons_en"] or "")
            reasons = [r.strip() for r in text.split(";") if r.strip()]
            cats = county.policy.redlines.categories
            for name, cat in cats.items():
                mu = rec.get(f"overlap_mu_{name}")
                if mu is not None and float(mu) > 0:
                    conflicts.append((cat.zh if lang == "zh" else cat.en, float(mu)))
    return ParcelCard(parcel_id=str(parcel_id), park=park, facts=facts, available=available,
                      reasons=reasons, conflicts=conflicts,
                      partners=nearby_projects(county, row.geometry, lang=lang,
                                               radius_m=radius_m,
                                               audience=audience),
                      contact=contact, park_id=str(row.get("park_id") or ""),
                      tiles=_tiles(row, allowed, lang),
                      utilities=_utilities(row, allowed, lang), distances=distances)


def index_for_cards(county: County, availability: pd.DataFrame | None = None) -> None:
    """Build what :func:`parcel_card` looks parcels up with (the parcel and availability id
    indexes, the project layer's spatial index) ahead of the first card: about a second at
    a million parcels, then every card finds its parcel in O(1)."""
    row_index(county["parcel"], "parcel_id")
    if availability is not None:
        row_index(availability, "parcel_id")
    projects = county.layers.get("project")
    if projects is not None:
        projects.sindex  # noqa: B018 - built on first use and kept by the frame


def _tiles(row: pd.Series, allowed: set[str], lang: str) -> list[tuple[str, str]]:
    spec = LAYERS["parcel"]
    out = []
    for column in TILE_COLUMNS:
        if column == "far":
            values = [row.get(c) for c in ("far_min", "far_max") if c in allowed]
            parts = [f"{v:g}" for v in values if isinstance(v, int | float) and v == v]
            if parts:
                out.append(("容积率" if lang == "zh" else "FAR",
                            "–".join(dict.fromkeys(parts))))
            continue
        if column not in allowed or column not in row.index:
            continue
        value = row[column]
        if value is None or (isinstance(value, float) and np.isnan(value)):
            continue
        col = spec.column(column)
        name = col.zh if lang == "zh" else col.en
        if column == "area_mu":
            out.append(("面积" if lang == "zh" else "Area",
                        f"{value:,.1f} 亩" if lang == "zh" else f"{value:,.1f} mu"))
        elif column == "price_wan_per_mu":
            out.append(("出让价" if lang == "zh" else "Price",
                        f"{value:,.1f} 万元/亩" if lang == "zh"
                        else f"{value:,.1f} × 10k CNY/mu"))
        else:
            out.append((name.split("(")[0], _text(value, column, lang)))
    return out


def _utilities(row: pd.Series, allowed: set[str], lang: str) -> list[tuple[str, bool]]:
    if "utilities" not in allowed or "utilities" not in row.index:
        return []
    value = row["utilities"]
    items = value if isinstance(value, list | tuple | np.ndarray) else (
        str(value).split(",") if isinstance(value, str) else [])
    present = {str(v).strip() for v in items}
    return [(label(UTILITIES, code, lang), code in present) for code in UTILITIES]


def facility_distances(county: County, geometry: object, lang: str,
                       ) -> list[tuple[str, str, float]]:
    """(kind label, nearest facility's name in ``lang``, km) per facility kind present."""
    kinds = facility_kinds(county)
    if not kinds or geometry is None:
        return []
    facilities = county["facility"]
    if lang != "zh" and "name_en" in facilities.columns:
        named = facilities["name_en"].notna() & facilities["name_en"].astype(str).ne("")
        facilities = facilities.assign(name=facilities["name_en"].where(named,
                                                                        facilities["name"]))
    probe = gpd.GeoDataFrame(geometry=[geometry], crs=county.crs)
    near = nearest_facilities(probe, facilities, kinds).iloc[0]
    return [(kind, str(near[f"nearest_{kind}"]), float(near[f"distance_km_{kind}"]))
            for kind in kinds if np.isfinite(near[f"distance_km_{kind}"])]


def _distance_label(kind: str, lang: str) -> str:
    zh, en = FACILITY_KINDS[kind]
    return f"距{zh}" if lang == "zh" else f"To {en.lower()}"


def _distance_text(name: str, km: float, lang: str) -> str:
    return f"{name} {km:.1f} 公里" if lang == "zh" else f"{name}, {km:.1f} km"


ROUNDING_MARGIN_M = 5.0
"""Distances are shown rounded to 0.01 km and a project is near when its rounded distance
is within the radius: candidates are searched up to this much further."""


def nearby_projects(county: County, geometry: object, *, lang: str,
                    radius_m: float, audience: str = "staff") -> pd.DataFrame:
    """Chain projects within ``radius_m`` of ``geometry`` (working CRS), nearest first
    (investors: stalled and lost projects left out)."""
    projects = county.layers.get("project")
    columns = ["name", "chain_id", "segment_id", "stage", "distance_km"]
    if projects is None or "chain_id" not in projects or geometry is None:
        return pd.DataFrame(columns=columns)
    # candidates from the layer's spatial index (built once per frame): only projects
    # near the parcel are filtered and measured. The margin keeps those a rounding to
    # 0.01 km brings within the radius.
    near_rows = projects.sindex.query(geometry, predicate="dwithin",
                                      distance=radius_m + ROUNDING_MARGIN_M)
    projects = projects.iloc[np.sort(near_rows)]
    chained = projects[projects["chain_id"].notna() & ~projects.geometry.is_empty
                       & projects.geometry.notna()]
    if audience == "investor":
        chained = chained[~chained["stage"].astype(str).isin(("stalled", "lost"))]
    dist = shapely.distance(chained.geometry.values, geometry)
    near = chained.assign(distance_km=np.round(np.asarray(dist) / 1000.0, 2))
    near = near[near["distance_km"] * 1000.0 <= radius_m].sort_values("distance_km",
                                                                 kind="stable")
    out = pd.DataFrame(near[["name", "chain_id", "segment_id", "stage", "distance_km"]])
    out["stage"] = [label(PROJECT_STAGES, str(s), lang) for s in out["stage"]]
    return out.reset_index(drop=True)

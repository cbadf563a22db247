"""The parcel card: facts an audience may see about one parcel, for the app and the export.

Values come from the whitelisted columns of the registry (investor: public columns only), the
availability verdict (:func:`layers.supply.availability`) and the chain projects within a
radius (distances in the projected working CRS).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import shapely

from layers.county import County
from layers.registry import (
    LAND_USES,
    LAYERS,
    PARCEL_STATUSES,
    PROJECT_STAGES,
    UTILITIES,
    label,
)
from layers.sites import facility_facts

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
    hit = parcels.index[parcels["parcel_id"].astype(str) == str(parcel_id)]
    if len(hit) == 0:
        raise KeyError(f"no parcel {parcel_id!r}")
    row = parcels.loc[hit[0]]
    allowed = set(spec.public_columns if audience == "investor" else spec.column_names)
    facts = []
    for column in CARD_COLUMNS:
        if column in allowed and column in parcels.columns:
            col = spec.column(column)
            facts.append((col.zh if lang == "zh" else col.en, _text(row[column], column, lang)))
    facts += facility_facts(county, row.geometry, lang)
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
        av = availability[availability["parcel_id"].astype(str) == str(parcel_id)]
        if len(av):
            rec = av.iloc[0]
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
                      contact=contact, park_id=str(row.get("park_id") or ""))


def nearby_projects(county: County, geometry: object, *, lang: str,
                    radius_m: float, audience: str = "staff") -> pd.DataFrame:
    """Chain projects within ``radius_m`` of ``geometry`` (working CRS), nearest first
    (investors: stalled and lost projects left out)."""
    projects = county.layers.get("project")
    columns = ["name", "chain_id", "segment_id", "stage", "distance_km"]
    if projects is None or "chain_id" not in projects or geometry is None:
        return pd.DataFrame(columns=columns)
    chained = projects[projects["chain_id"].notna() & ~projects.geometry.is_empty
                       & projects.geometry.notna()]
    if audience == "investor":
        chained = chained[~chained["stage"].astype(str).isin(("stalled", "lost"))]
    dist = shapely.distance(chained.geometry.values, geometry)
    near = chained.assign(distance_km=np.round(np.asarray(dist) / 1000.0, 2))
    near = near[near["distance_km"] * 1000.0 <= radius_m].sort_values("distance_km")
    out = pd.DataFrame(near[["name", "chain_id", "segment_id", "stage", "distance_km"]])
    out["stage"] = [label(PROJECT_STAGES, str(s), lang) for s in out["stage"]]
    return out.reset_index(drop=True)

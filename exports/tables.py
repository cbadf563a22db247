"""Investor tables shared by the brochure and the Excel export.

Built only from public registry columns (layers/registry.py) and the availability verdicts of
:func:`layers.supply.availability`; column headers come from the registry's labels.
"""

from __future__ import annotations

import pandas as pd

from exports.common import ExportError, tr
from layers.county import County
from layers.freshness import as_of_text, layer_freshness
from layers.registry import LAND_USES, PARCEL, PARK, UTILITIES, label
from layers.supply import availability

OFFERABLE_COLUMNS = ("parcel_id", "park_name", "land_use", "area_mu", "far_min",
                     "far_max", "price_wan_per_mu", "investment_min_wan_per_mu",
                     "tax_min_wan_per_mu", "utilities", "redline_check")
"""Columns of :func:`offerable_parcels`, in order."""

_EXTRA_LABELS = {
    "park_name": ("园区名称", "Park"),
    "redline_check": ("红线核查", "Red-line check"),
}


def header(column: str, lang: str) -> str:
    """Display header of a table column: the registry's label, else this module's."""
    if column in _EXTRA_LABELS:
        zh, en = _EXTRA_LABELS[column]
        return tr(zh, en, lang)
    col = PARCEL.column(column)
    return tr(col.zh, col.en, lang)


def utilities_text(values: object, lang: str) -> str:
    """七通一平 flags as labels, e.g. ``通路、通电``."""
    if not isinstance(values, list | tuple) or not values:
        return ""
    return tr("、", ", ", lang).join(label(UTILITIES, str(v), lang) for v in values)


def park_row(county: County, park_id: str) -> pd.Series:
    """The park's public columns; the error lists the valid ids."""
    parks = county["park"]
    rows = parks[parks["park_id"] == park_id]
    if rows.empty:
        raise ExportError(f"no park {park_id!r}; parks: {', '.join(parks['park_id'])}")
    return rows.iloc[0][[c for c in PARK.public_columns if c in parks.columns]]


def offerable_parcels(county: County, *, park_id: str | None = None, lang: str = "zh",
                      verdicts: pd.DataFrame | None = None) -> pd.DataFrame:
    """Parcels that can be offered now (status offerable, no hard red-line conflict).

    Parameters
    ----------
    county : loaded county.
    park_id : only this park's parcels.
    lang : language of codes turned into labels (land use, utilities, red-line check).
    verdicts : result of :func:`layers.supply.availability` when already computed.

    Returns
    -------
    pandas.DataFrame
        Columns :data:`OFFERABLE_COLUMNS` (codes replaced by labels), largest parcels first.
    """
    parcels = county["parcel"]
    verdicts = availability(county) if verdicts is None else verdicts
    ok = verdicts["available"].to_numpy(dtype=bool, copy=True)
    if park_id is not None:
        park_row(county, park_id)
        ok &= (parcels["park_id"] == park_id).to_numpy()
    rows = parcels[ok]
    names = county["park"].set_index("park_id")["name" if lang == "zh" else "name_en"]
    out = pd.DataFrame({
        "parcel_id": rows["parcel_id"].astype(str),
        "park_name": rows["park_id"].map(names).astype(object),
        "land_use": [label(LAND_USES, str(v), lang) for v in rows["land_use"]],
        "area_mu": rows["area_mu"].round(2),
        "far_min": rows["far_min"],
        "far_max": rows["far_max"],
        "price_wan_per_mu": rows["price_wan_per_mu"],
        "investment_min_wan_per_mu": rows["investment_min_wan_per_mu"],
        "tax_min_wan_per_mu": rows["tax_min_wan_per_mu"],
        "utilities": [utilities_text(v, lang) for v in rows["utilities"]],
        "redline_check": [_redline_text(v, lang) for v in
                          verdicts.loc[ok, "reasons_zh" if lang == "zh" else "reasons_en"]],
    }, index=rows.index)
    order = rows["park_id"].astype(str).to_numpy()
    return (out.assign(_park=order).sort_values(["_park", "area_mu"], ascending=[True, False])
            .drop(columns="_park").reset_index(drop=True))


def _redline_text(reasons: object, lang: str) -> str:
    text = "" if reasons is None or (isinstance(reasons, float) and pd.isna(reasons)) \
        else str(reasons)
    return text or tr("不涉及管控红线", "No red-line conflict", lang)


def labelled(frame: pd.DataFrame, lang: str) -> pd.DataFrame:
    """``frame`` with display headers (see :func:`header`)."""
    return frame.rename(columns={c: header(c, lang) for c in frame.columns})


def as_of_public(county: County, lang: str, layers: tuple[str, ...] = ("parcel", "redline")
                 ) -> str:
    """How current the parcels and red lines are, only for layers with a recorded date
    (a missing date is a note for staff, not for investors)."""
    fresh = layer_freshness(county)
    parts = [as_of_text(name, lang, fresh) for name in layers
             if fresh.get(name) is not None and fresh[name].as_of is not None]
    return tr("；", "; ", lang).join(parts)

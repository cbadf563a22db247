"""Land-weighted 亩均 aggregates per county, park and parcel; low-efficiency flags.

Aggregates are two steps so that a partitioned engine can sum partial results:
:func:`aggregate_sums` gives decomposable sums (counts, tax, value added, land) per key;
concatenating the sums of several partitions and passing them to :func:`finish_aggregates`
re-sums rows with the same key and only then divides. 亩均 figures are therefore total ÷
total land, never a mean of per-firm ratios (shared/domain.md §4). Class consequences
(:mod:`geo.efficiency_consequences`: surcharges, the 加价收入, and land-tax relief) are summed
the same way.

This module depends on the settings only, never on :mod:`geo.efficiency` (no import cycle).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from geo.efficiency_settings import EfficiencySettings

BY_KEYS: tuple[str | None, ...] = (None, "park_id", "parcel_id")
_CLASSES = ("A", "B", "C", "D", "T")
SUM_COLUMNS: tuple[str, ...] = (
    "n_enterprises", *(f"n_{c}" for c in _CLASSES),
    "land_mu", "tax_wan", "tax_land_mu", "value_added_wan", "value_added_land_mu",
    "electricity_surcharge_wan", "water_surcharge_wan", "surcharge_wan", "n_surcharge_unknown",
    "land_tax_relief_wan",
)
"""Decomposable columns of :func:`aggregate_sums`; every other column is a grouping key."""
_SPLIT_MONEY = ("electricity_surcharge_wan", "water_surcharge_wan", "surcharge_wan",
                "land_tax_relief_wan")


def aggregate_sums(evaluated: pd.DataFrame, *, by: str | None) -> pd.DataFrame:
    """Decomposable sums of an :func:`geo.efficiency.evaluate` result per ``by`` key.

    Parameters
    ----------
    evaluated : output of ``evaluate`` (or of :func:`spread_to_parcels` for ``parcel_id``).
    by : ``None`` (one county row), ``"park_id"`` or ``"parcel_id"``.

    Returns
    -------
    DataFrame with the ``by`` column (unless ``None``) and :data:`SUM_COLUMNS`:
    firm counts per class, total land, tax and value added, the land of the firms whose
    tax (``tax_land_mu``) and value added (``value_added_land_mu``) are known, the summed
    surcharges and land-tax relief, and ``n_surcharge_unknown`` (firms owing a surcharge
    on a use they did not report; that part is not in the sums). Firms without a park are
    grouped under ``park_id`` NaN (kept, not dropped).
    """
    _check_by(evaluated, by)
    land = pd.to_numeric(evaluated["land_mu"], errors="coerce")
    land = land.where(land > 0)
    tax = pd.to_numeric(evaluated["tax_wan"], errors="coerce")
    va = pd.to_numeric(evaluated["value_added_wan"], errors="coerce")
    parts = pd.DataFrame({
        "n_enterprises": 1,
        **{f"n_{c}": evaluated["class"].eq(c).astype("int64") for c in _CLASSES},
        "land_mu": land.fillna(0.0),
        "tax_wan": tax.where(land.notna()).fillna(0.0),
        "tax_land_mu": land.where(tax.notna()).fillna(0.0),
        "value_added_wan": va.where(land.notna()).fillna(0.0),
        "value_added_land_mu": land.where(va.notna()).fillna(0.0),
        **_consequence_sums(evaluated),
    }, index=evaluated.index)
    if by is None:
        return parts.sum().to_frame().T.astype(parts.dtypes.to_dict())
    parts.insert(0, by, evaluated[by].astype(object))
    return parts.groupby(by, dropna=False, sort=True).sum().reset_index()


def _consequence_sums(evaluated: pd.DataFrame) -> dict[str, pd.Series]:
    def col(name: str) -> pd.Series:
        if name not in evaluated:
            return pd.Series(0.0, index=evaluated.index)
        return pd.to_numeric(evaluated[name], errors="coerce")

    electricity, water = col("electricity_surcharge_wan"), col("water_surcharge_wan")
    return {
        "electricity_surcharge_wan": electricity.fillna(0.0),
        "water_surcharge_wan": water.fillna(0.0),
        "surcharge_wan": col("surcharge_wan").fillna(0.0),
        "n_surcharge_unknown": (electricity.isna() | water.isna()).astype("int64"),
        "land_tax_relief_wan": col("land_tax_relief_wan").fillna(0.0),
    }


def finish_aggregates(sums: pd.DataFrame) -> pd.DataFrame:
    """亩均 figures and class mix from (possibly concatenated) :func:`aggregate_sums` rows.

    ``tax_per_mu = Σ tax ÷ Σ land`` and ``value_added_per_mu = Σ value added ÷ Σ land``
    (万元/亩, over firms with the figure and land > 0); ``share_<class>`` = firms in the class
    ÷ graded firms (A–D); ``n_graded`` = firms in A–D; ``surcharge_wan`` = Σ 加价收入
    (差别化电价/水价, 万元) and ``land_tax_relief_wan`` = Σ land-use tax relief.
    """
    keys = [c for c in sums.columns if c not in SUM_COLUMNS]
    if keys:
        total = sums.groupby(keys, dropna=False, sort=True)[list(SUM_COLUMNS)].sum()
        total = total.reset_index()
    else:
        total = sums[list(SUM_COLUMNS)].sum().to_frame().T
    out = total.copy()
    graded = out[[f"n_{c}" for c in "ABCD"]].sum(axis=1)
    out["n_graded"] = graded.astype("int64")
    for c in "ABCD":
        out[f"share_{c}"] = out[f"n_{c}"] / graded.where(graded > 0)
    out["tax_per_mu"] = out["tax_wan"] / out["tax_land_mu"].where(out["tax_land_mu"] > 0)
    out["value_added_per_mu"] = out["value_added_wan"] / out["value_added_land_mu"].where(
        out["value_added_land_mu"] > 0)
    counts = ["n_enterprises", "n_graded", *(f"n_{c}" for c in _CLASSES), "n_surcharge_unknown"]
    out[counts] = out[counts].astype("int64")
    front = [*keys, "n_enterprises", "n_graded", *(f"n_{c}" for c in _CLASSES),
             *(f"share_{c}" for c in "ABCD"), "land_mu", "tax_wan", "value_added_wan",
             "tax_per_mu", "value_added_per_mu", "tax_land_mu", "value_added_land_mu",
             "electricity_surcharge_wan", "water_surcharge_wan", "surcharge_wan",
             "n_surcharge_unknown", "land_tax_relief_wan"]
    return out[front]


def aggregate(evaluated: pd.DataFrame, *, by: str | None) -> pd.DataFrame:
    """Land-weighted aggregates: ``finish_aggregates(aggregate_sums(evaluated, by=by))``.

    For ``by="parcel_id"`` pass the rows of :func:`spread_to_parcels`.
    """
    return finish_aggregates(aggregate_sums(evaluated, by=by))


def spread_to_parcels(evaluated: pd.DataFrame, parcels: pd.DataFrame) -> pd.DataFrame:
    """One row per (parcel, enterprise): the firm's tax, value added, surcharges and relief
    split over its parcels in proportion to parcel area, ``land_mu`` = the parcel's ``area_mu``.

    Feed the result to ``aggregate(..., by="parcel_id")``. Enterprises without a parcel
    (``parcels.enterprise_id``) do not appear.
    """
    owned = parcels.loc[parcels["enterprise_id"].notna(), ["parcel_id", "enterprise_id",
                                                           "area_mu"]]
    owned = pd.DataFrame(owned).astype({"enterprise_id": object, "parcel_id": object})
    share = owned["area_mu"] / owned.groupby("enterprise_id")["area_mu"].transform("sum")
    owned = owned.assign(_share=share.where(np.isfinite(share), 0.0))
    firms = evaluated.drop(columns=["land_mu", "park_id", "parcel_id"], errors="ignore")
    rows = owned.merge(firms.astype({"enterprise_id": object}), on="enterprise_id",
                       how="inner")
    for col in ("tax_wan", "value_added_wan", *_SPLIT_MONEY):
        if col in rows:
            rows[col] = rows[col] * rows["_share"]
    return rows.rename(columns={"area_mu": "land_mu"}).drop(columns="_share")


def low_efficiency(evaluated: pd.DataFrame, settings: EfficiencySettings) -> pd.DataFrame:
    """Graded firms flagged as low-efficiency land users (shared/domain.md §4).

    Flags: ``low_tax`` — tax per mu below ``settings.low_tax_fraction`` × the county's
    land-weighted tax per mu (all firms, T included, in the figure); ``class_d`` — class D.
    T firms are never flagged. Sorted by tax per mu, lowest first.
    """
    county = aggregate(evaluated, by=None)["tax_per_mu"].iat[0]
    threshold = settings.low_tax_fraction * county
    graded = evaluated[evaluated["class"].ne("T")]
    low_tax = graded["tax_per_mu"] < threshold
    class_d = graded["class"].eq("D")
    flagged = graded[low_tax | class_d]
    cols = [c for c in ("enterprise_id", "name", "scale", "park_id", "land_mu", "tax_per_mu",
                        "score", "rank", "class") if c in flagged]
    out = flagged[cols].copy()
    out["county_tax_per_mu"] = county
    out["threshold_tax_per_mu"] = threshold
    out["low_tax"] = low_tax[flagged.index]
    out["class_d"] = class_d[flagged.index]
    frac = f"{settings.low_tax_fraction:.0%}"
    out["reason_zh"] = [
        "；".join(r for r in (
            f"亩均税收{t:.2f}万元低于全县{county:.2f}的{frac}（{threshold:.2f}）" if lt else "",
            "亩均效益评价D类" if d else "") if r)
        for t, lt, d in zip(out["tax_per_mu"], out["low_tax"], out["class_d"], strict=True)]
    out["reason_en"] = [
        "; ".join(r for r in (
            f"tax per mu {t:.2f} below {frac} of the county's {county:.2f} ({threshold:.2f})"
            if lt else "", "class D" if d else "") if r)
        for t, lt, d in zip(out["tax_per_mu"], out["low_tax"], out["class_d"], strict=True)]
    return out.sort_values(["tax_per_mu", "enterprise_id"], na_position="last")


def flag_low_efficiency(aggregated: pd.DataFrame, *, county_tax_per_mu: float,
                        settings: EfficiencySettings) -> pd.DataFrame:
    """Low-efficiency flags for park or parcel aggregates (shared/domain.md §4).

    Adds ``low_tax`` (land-weighted tax per mu below ``settings.low_tax_fraction`` ×
    ``county_tax_per_mu``), ``has_class_d`` (a D-class firm on it) and ``low_efficiency``
    (either). Pass ``aggregate(evaluated, by=None)["tax_per_mu"].iat[0]`` as the county figure.
    """
    out = aggregated.copy()
    out["low_tax"] = (out["tax_per_mu"] < settings.low_tax_fraction * county_tax_per_mu)
    out["has_class_d"] = out["n_D"] > 0
    out["low_efficiency"] = out["low_tax"] | out["has_class_d"]
    return out


def _check_by(frame: pd.DataFrame, by: str | None) -> None:
    if by not in BY_KEYS:
        raise ValueError(f"by={by!r} is not allowed; use None (county), 'park_id' or "
                         "'parcel_id'")
    if by is not None and by not in frame:
        hint = (" (spread firms over parcels first with spread_to_parcels)"
                if by == "parcel_id" else "")
        raise KeyError(f"evaluated rows have no column {by!r}{hint}")

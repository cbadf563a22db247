"""闲置土地 idle land under 国土资源部令第53号 (2012), shared/domain.md §5.

A transferred parcel is idle when

* **not started** — work has not started one full year after the agreed start date
  (``agreed_start_date``); or
* **stopped** — work started, but the developed share is under 1/3 *or* the invested share is
  under 25 %, and work has stopped (``stopped_since``) for one full year.

Idle for one full year: an idle fee of 20 % of the land price (``price_wan_per_mu`` ×
``area_mu``) is due. Two full years: the land may be taken back without compensation. The
same year counts apply to a stopped parcel from its stop date (our reading of 第十四条,
which counts from when the land became unused). Delays caused by government (第八条; an
optional boolean column ``government_delay``) leave the parcel idle but with no fee and no
taking back: the county negotiates (extension, changed use, swap).

"Started" means ``actual_start_date`` on or before the as-of date, or the earliest
``start_date`` of a project on the parcel (when projects are given), or a status of
``under_construction`` / ``producing``. Years are calendar years (``pd.DateOffset``), so
"one full year" after 2024-03-01 is reached on 2025-03-01.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from geo.policy_checks import Rule, fail, parse_section

STARTED_STATUSES = ("under_construction", "producing")


@dataclass(frozen=True)
class IdleSettings:
    """Parsed ``idle`` policy section (README "Policy settings")."""

    idle_after_years: int = 1
    reclaim_after_years: int = 2
    fee_rate: float = 0.2
    developed_share_min: float = 1 / 3
    invested_share_min: float = 0.25
    stopped_years: int = 1


_RULES = {
    **dict.fromkeys(("idle_after_years", "reclaim_after_years", "stopped_years"),
                    Rule(minimum=0, fix="give whole years, e.g. 1")),
    **dict.fromkeys(("fee_rate", "developed_share_min", "invested_share_min"),
                    Rule(minimum=0, maximum=1)),
}


def parse_settings(value: Mapping[str, Any], source: str) -> IdleSettings:
    """Parse and validate the ``idle`` policy section (PolicyError names key and fix)."""
    settings = parse_section(IdleSettings, value, source, "idle", rules=_RULES)
    if settings.reclaim_after_years < settings.idle_after_years:
        raise fail(source, "idle.reclaim_after_years",
                   f"{settings.reclaim_after_years} is less than idle_after_years",
                   "make it at least idle_after_years (53号: 2 vs 1)")
    return settings


def idle_land(parcels: pd.DataFrame, *, as_of: pd.Timestamp,
              settings: IdleSettings = IdleSettings(),
              projects: pd.DataFrame | None = None) -> pd.DataFrame:
    """Judge every parcel against 53号 on ``as_of`` (see the module docstring for the rules).

    Parameters
    ----------
    parcels : the parcel layer (``parcel_id``, ``status``, ``area_mu``, ``agreed_start_date``,
        ``actual_start_date``, ``developed_share``, ``invested_share``, ``stopped_since``,
        ``price_wan_per_mu``; optional ``government_delay``).
    as_of : the date of the judgement.
    settings : the ``idle`` policy section.
    projects : optional project layer; a project's ``start_date`` counts as the parcel's start.

    Returns
    -------
    DataFrame (same index as ``parcels``): ``parcel_id``, ``park_id``, ``status``,
    ``area_mu``, ``agreed_start_date``, ``start_date`` (effective), ``idle`` (bool),
    ``idle_kind`` (``not_started`` / ``stopped`` / None), ``idle_from`` (date the clock
    starts: the agreed start or the stop date), ``years_idle`` (years since ``idle_from``),
    ``fee_estimate_wan`` (``fee_rate`` × price × area; 0 for a government-caused delay, NaN
    when the price is unknown), ``may_reclaim`` (bool), ``government_delay`` (bool),
    ``reason_zh``, ``reason_en``.
    """
    as_of = pd.Timestamp(as_of)
    n = len(parcels)
    agreed = _dates(parcels, "agreed_start_date")
    start = _effective_start(parcels, projects, as_of)
    stopped = _dates(parcels, "stopped_since")
    stopped = stopped.where(stopped <= as_of)
    status = parcels["status"].astype(object) if "status" in parcels else pd.Series(
        None, index=parcels.index, dtype=object)
    started = start.notna() | status.isin(STARTED_STATUSES)
    developed = _floats(parcels, "developed_share")
    invested = _floats(parcels, "invested_share")
    gov = (parcels["government_delay"].fillna(False).astype(bool)
           if "government_delay" in parcels else pd.Series(False, index=parcels.index))
    s = settings

    def reached(origin: pd.Series, years: int) -> pd.Series:
        return origin.notna() & (origin + pd.DateOffset(years=years) <= as_of)

    not_started = ~started & reached(agreed, s.idle_after_years)
    behind = (developed < s.developed_share_min) | (invested < s.invested_share_min)
    stopped_idle = started & behind & reached(stopped, s.stopped_years)
    idle = not_started | stopped_idle
    origin = agreed.where(not_started, stopped.where(stopped_idle))
    reclaim = idle & ~gov & reached(origin, s.reclaim_after_years)
    area = _floats(parcels, "area_mu")
    price = _floats(parcels, "price_wan_per_mu")
    fee = (s.fee_rate * price * area).where(idle & ~gov, np.where(idle, 0.0, np.nan))
    out = pd.DataFrame({
        "parcel_id": parcels["parcel_id"].astype(object),
        "park_id": parcels["park_id"].astype(object) if "park_id" in parcels else None,
        "status": status,
        "area_mu": area,
        "agreed_start_date": agreed,
        "start_date": start,
        "idle": idle.astype(bool),
        "idle_kind": pd.Series([_kind(a, b) for a, b in zip(not_started, stopped_idle,
                                                             strict=True)],
                               index=parcels.index, dtype=object),
        "idle_from": origin,
        "years_idle": ((as_of - origin).dt.days / 365.25).round(2),
        "fee_estimate_wan": fee.round(2),
        "may_reclaim": reclaim.astype(bool),
        "government_delay": gov.astype(bool),
    }, index=parcels.index)
    texts = [_reason(row, s, developed.iat[i], invested.iat[i], stopped.iat[i],
                     bool(started.iat[i]))
             for i, row in enumerate(out.itertuples(index=False))] if n else []
    out["reason_zh"] = [t[0] for t in texts]
    out["reason_en"] = [t[1] for t in texts]
    return out


def _kind(not_started: bool, stopped: bool) -> str | None:
    return "not_started" if not_started else "stopped" if stopped else None


def _dates(frame: pd.DataFrame, column: str) -> pd.Series:
    if column not in frame:
        return pd.Series(pd.NaT, index=frame.index, dtype="datetime64[ns]")
    return pd.to_datetime(frame[column], errors="coerce").astype("datetime64[ns]")


def _floats(frame: pd.DataFrame, column: str) -> pd.Series:
    if column not in frame:
        return pd.Series(np.nan, index=frame.index, dtype="float64")
    return pd.to_numeric(frame[column], errors="coerce").astype("float64")


def _effective_start(parcels: pd.DataFrame, projects: pd.DataFrame | None,
                     as_of: pd.Timestamp) -> pd.Series:
    """Actual start on or before ``as_of``, else the earliest project start on the parcel."""
    start = _dates(parcels, "actual_start_date")
    if projects is not None and {"parcel_id", "start_date"} <= set(projects.columns):
        starts = _dates(projects, "start_date")
        first = starts.groupby(projects["parcel_id"].astype(object)).min()
        from_projects = parcels["parcel_id"].astype(object).map(first)
        start = start.fillna(pd.to_datetime(from_projects).astype("datetime64[ns]"))
    return start.where(start <= as_of)


def _day(value: Any) -> str:
    return pd.Timestamp(value).date().isoformat()


def _pct(share: float) -> str:
    return "?" if np.isnan(share) else f"{share:.0%}"


def _reason(row: Any, s: IdleSettings, developed: float, invested: float,
            stopped: Any, started: bool) -> tuple[str, str]:
    """Chinese and English explanation of one parcel's verdict."""
    if not row.idle:
        if pd.isna(row.agreed_start_date) and not started:
            return "未出让或无约定开工日期", "not transferred or no agreed start date"
        if not started:
            return (f"约定开工日期{_day(row.agreed_start_date)}，未满{s.idle_after_years}年",
                    f"agreed start {_day(row.agreed_start_date)}, under "
                    f"{s.idle_after_years} year(s) ago")
        if pd.notna(stopped):
            return (f"{_day(stopped)}起停工，但未同时满足停工满{s.stopped_years}年且开发不足"
                    f"{s.developed_share_min:.0%}或投资不足{s.invested_share_min:.0%}",
                    f"stopped since {_day(stopped)} but not both stopped "
                    f"{s.stopped_years} year(s) and under {s.developed_share_min:.0%} "
                    f"developed or {s.invested_share_min:.0%} invested")
        return "已动工", "started"
    if row.idle_kind == "not_started":
        zh = (f"约定开工日期{_day(row.agreed_start_date)}后满{s.idle_after_years}年未动工"
              f"（{row.years_idle:.2f}年）")
        en = (f"not started {row.years_idle:.2f} years after the agreed start "
              f"{_day(row.agreed_start_date)}")
    else:
        zh = (f"已开发{_pct(developed)}、已投资{_pct(invested)}，{_day(stopped)}起停工满"
              f"{s.stopped_years}年（{row.years_idle:.2f}年）")
        en = (f"{_pct(developed)} developed, {_pct(invested)} invested, stopped since "
              f"{_day(stopped)} ({row.years_idle:.2f} years)")
    if row.government_delay:
        return (zh + "；属政府原因，协商处置，不征闲置费、不收回",
                en + "; government-caused delay: negotiate, no fee, no taking back")
    fee_zh = ("地价缺失，无法估算闲置费" if pd.isna(row.fee_estimate_wan) else
              f"闲置费约{row.fee_estimate_wan:.2f}万元（地价{s.fee_rate:.0%}）")
    fee_en = ("land price unknown: no fee estimate" if pd.isna(row.fee_estimate_wan) else
              f"idle fee about {row.fee_estimate_wan:.2f} 万元 ({s.fee_rate:.0%} of the price)")
    if row.may_reclaim:
        return (f"{zh}；{fee_zh}；满{s.reclaim_after_years}年，可无偿收回",
                f"{en}; {fee_en}; {s.reclaim_after_years} years: may be taken back")
    return f"{zh}；{fee_zh}", f"{en}; {fee_en}"

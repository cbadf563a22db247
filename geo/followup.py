"""Follow-up work per responsible person (到责任人, shared/domain.md §9): overdue leads, the
三未 projects and the lead funnel.

Pure functions on plain DataFrames (a lead table, a project table, a parcel table) and an
as-of date; every row keeps its id, owner and park so a county leader can read the list per
person and per park.

三未 (shared/domain.md §9), on the as-of date, for projects that are not lost:

* 签约未落地 ``signed_no_land`` — signed, not started, and no land supplied: no parcel, or the
  parcel is not yet transferred (status before 已出让). Days = as-of − signing date.
* 落地未开工 ``land_not_started`` — land supplied (parcel transferred or later), not started,
  and the planned start (project ``planned_start_date``, else the parcel's
  ``agreed_start_date``) plus the grace days has passed. Days = as-of − planned start.
* 开工未竣工 ``started_not_completed`` — started, not completed, and the planned completion
  plus the grace days has passed. Days = as-of − planned completion.

Milestones (signed, started, completed) are those of :func:`geo.pipeline.milestones`, so the
lists agree with the pipeline rates.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from geo.pipeline import PipelineSettings, milestones

OPEN_STAGES: tuple[str, ...] = ("lead", "contacted", "visited", "negotiating")
"""Lead stages with follow-up still to do (签约 and 流失 are closed)."""

LAND_SUPPLIED: tuple[str, ...] = ("transferred", "under_construction", "producing")
"""Parcel statuses meaning the land has been supplied (已出让 and later)."""

KINDS: dict[str, tuple[str, str]] = {
    "signed_no_land": ("签约未落地", "Signed, no land"),
    "land_not_started": ("落地未开工", "Land supplied, not started"),
    "started_not_completed": ("开工未竣工", "Started, not completed"),
}
"""The three 三未 lists: code → (中文, English)."""

_DEFAULT_SETTINGS = PipelineSettings()

THREE_COLUMNS = ("project_id", "name", "park_id", "owner", "kind", "since", "days",
                 "reason_zh", "reason_en")


def overdue_leads(leads: pd.DataFrame, *, as_of: pd.Timestamp) -> pd.DataFrame:
    """Open leads whose next action date lies before ``as_of``, most overdue first.

    Returns the lead columns plus ``days_overdue`` (as-of − next action date, in days).
    """
    as_of = pd.Timestamp(as_of).normalize()
    due = _dates(leads, "next_action_date")
    late = leads["stage"].isin(OPEN_STAGES) & (due < as_of)
    out = leads[late.to_numpy()].copy()
    out["days_overdue"] = (as_of - due[late]).dt.days.astype("int64").to_numpy()
    return out.sort_values(["days_overdue", "lead_id"], ascending=[False, True])


def three_wei(projects: pd.DataFrame, parcels: pd.DataFrame | None, *, as_of: pd.Timestamp,
              settings: PipelineSettings = _DEFAULT_SETTINGS) -> pd.DataFrame:
    """The 三未 projects on ``as_of`` (see the module docstring), longest first per kind.

    Returns
    -------
    DataFrame: ``project_id``, ``name``, ``park_id``, ``owner``, ``kind`` (a key of
    :data:`KINDS`), ``since`` (the date the days count from), ``days``, ``reason_zh``,
    ``reason_en``.
    """
    as_of = pd.Timestamp(as_of).normalize()
    if projects.empty:
        return pd.DataFrame(columns=list(THREE_COLUMNS))
    flags = milestones(projects, as_of=as_of, settings=settings)
    grace = pd.Timedelta(days=settings.grace_days)
    alive = ~flags["lost"].to_numpy() & (projects["stage"].astype(object) != "lost").to_numpy()
    status, agreed = _parcel_facts(projects, parcels)
    supplied = status.isin(LAND_SUPPLIED).to_numpy()
    signed = flags["signed"].to_numpy()
    started = flags["started"].to_numpy()
    completed = flags["completed"].to_numpy()
    planned_start = _dates(projects, "planned_start_date").fillna(agreed)
    planned_done = _dates(projects, "planned_completion_date")
    kinds = {
        "signed_no_land": (alive & signed & ~started & ~supplied,
                           _dates(projects, "signed_date")),
        "land_not_started": (alive & supplied & signed & ~started
                             & (planned_start + grace < as_of).to_numpy(), planned_start),
        "started_not_completed": (alive & started & ~completed
                                  & (planned_done + grace < as_of).to_numpy(), planned_done),
    }
    columns = {c: projects[c].to_numpy(dtype=object) if c in projects else
               np.full(len(projects), None, dtype=object)
               for c in ("project_id", "name", "park_id", "owner")}  # converted once
    parts = []
    for kind, (mask, since) in kinds.items():
        part = pd.DataFrame({c: values[mask] for c, values in columns.items()})
        part["kind"] = kind
        part["since"] = since.to_numpy()[mask]
        days = (as_of - pd.to_datetime(part["since"])).dt.days
        part["days"] = days.astype("Int64")
        parts.append(part.sort_values(["days", "project_id"], ascending=[False, True],
                                      na_position="last"))
    out = pd.concat(parts, ignore_index=True)
    for lang in ("zh", "en"):
        out[f"reason_{lang}"] = _reasons(out, lang)
    return out[list(THREE_COLUMNS)]


def by_person(overdue: pd.DataFrame, three: pd.DataFrame) -> pd.DataFrame:
    """Counts per responsible person and park: overdue leads and each 三未 kind (到责任人).

    Returns one row per (``owner``, ``park_id``) with ``overdue_leads`` and one count column
    per key of :data:`KINDS`, plus ``max_days``; unassigned rows have owner ``None``.
    """
    rows = [pd.DataFrame({"owner": overdue.get("owner"), "park_id": overdue.get("park_id"),
                          "what": "overdue_leads", "days": overdue.get("days_overdue")}),
            pd.DataFrame({"owner": three["owner"], "park_id": three["park_id"],
                          "what": three["kind"], "days": three["days"]})]
    long = pd.concat([r for r in rows if not r.empty], ignore_index=True) if any(
        not r.empty for r in rows) else pd.DataFrame(columns=["owner", "park_id", "what", "days"])
    columns = ["overdue_leads", *KINDS]
    if long.empty:
        return pd.DataFrame(columns=["owner", "park_id", *columns, "max_days"])
    long["owner"] = long["owner"].astype(object).where(long["owner"].notna(), "")
    long["park_id"] = long["park_id"].astype(object).where(long["park_id"].notna(), "")
    counts = pd.crosstab([long["owner"], long["park_id"]], long["what"])
    counts = counts.reindex(columns=columns, fill_value=0)
    days = pd.to_numeric(long["days"], errors="coerce")
    counts["max_days"] = days.groupby([long["owner"], long["park_id"]]).max()
    out = counts.reset_index()
    out[columns] = out[columns].astype("int64")
    out = out.replace({"owner": {"": None}, "park_id": {"": None}})
    total = out[columns].sum(axis=1)
    return out.assign(_t=total).sort_values(["_t", "owner"], ascending=[False, True],
                                            na_position="last").drop(columns="_t")


def per_person(overdue: pd.DataFrame, three: pd.DataFrame) -> pd.DataFrame:
    """One row per responsible person across all parks (到责任人): overdue leads, each 三未
    kind, the longest overdue lead (``lead_days``) and the longest 三未 (``three_days``),
    most overdue first.

    "Most overdue" is the larger of the two day counts; ties by name. Unassigned work is one
    row with owner ``None``, last among equals.
    """
    columns = ["overdue_leads", *KINDS]
    parts = by_person(overdue, three)
    out = pd.DataFrame(columns=["owner", *columns, "lead_days", "three_days"])
    if parts.empty:
        return out
    parts["owner"] = parts["owner"].astype(object).where(parts["owner"].notna(), "")
    counts = parts.groupby("owner", sort=False)[columns].sum()
    lead_days = pd.to_numeric(overdue.get("days_overdue"), errors="coerce")
    three_days = pd.to_numeric(three["days"], errors="coerce")
    lead_owner = overdue["owner"].astype(object).where(overdue["owner"].notna(), "") if len(
        overdue) else pd.Series([], dtype=object)
    three_owner = three["owner"].astype(object).where(three["owner"].notna(), "")
    counts["lead_days"] = (lead_days.groupby(lead_owner.to_numpy()).max()
                           if len(overdue) else pd.Series(dtype=float))
    counts["three_days"] = (three_days.groupby(three_owner.to_numpy()).max()
                            if len(three) else pd.Series(dtype=float))
    counts = counts.reset_index()
    worst = counts[["lead_days", "three_days"]].max(axis=1).fillna(0)
    counts = counts.assign(_w=worst, _u=counts["owner"].eq("")).sort_values(
        ["_w", "_u", "owner"], ascending=[False, True, True]).drop(columns=["_w", "_u"])
    counts[columns] = counts[columns].astype("int64")
    counts["owner"] = counts["owner"].replace({"": None})
    return counts.reset_index(drop=True)


def stage_counts(leads: pd.DataFrame, stages: list[str]) -> pd.Series:
    """Number of leads per stage, in the order of ``stages`` (zero where none)."""
    return leads["stage"].value_counts().reindex(stages, fill_value=0).astype("int64")


def lead_signing_rate(leads: pd.DataFrame, *, start: pd.Timestamp,
                      end: pd.Timestamp) -> float:
    """签约率 of leads: signed ÷ leads received between ``start`` and ``end`` (inclusive);
    NaN when none was received."""
    received = _dates(leads, "received_date")
    window = (received >= pd.Timestamp(start)) & (received <= pd.Timestamp(end))
    n = int(window.sum())
    return float((leads.loc[window, "stage"] == "signed").sum() / n) if n else float("nan")


def _parcel_facts(projects: pd.DataFrame,
                  parcels: pd.DataFrame | None) -> tuple[pd.Series, pd.Series]:
    """Per project: its parcel's status and agreed start date (NaN/NaT without one)."""
    pid = projects["parcel_id"] if "parcel_id" in projects else pd.Series(
        None, index=projects.index, dtype=object)
    if parcels is None or parcels.empty:
        return (pd.Series(None, index=projects.index, dtype=object),
                pd.Series(pd.NaT, index=projects.index, dtype="datetime64[ns]"))
    keyed = pd.DataFrame(parcels).set_index("parcel_id")
    status = pid.map(keyed["status"]).astype(object)
    agreed = (pid.map(_dates(keyed, "agreed_start_date")) if "agreed_start_date" in keyed
              else pd.Series(pd.NaT, index=projects.index))
    return status, pd.to_datetime(agreed).astype("datetime64[ns]")


_SINCE_WORDS = {
    "zh": {"signed_no_land": "签约", "land_not_started": "计划开工",
           "started_not_completed": "计划竣工"},
    "en": {"signed_no_land": "signed", "land_not_started": "planned start",
           "started_not_completed": "planned completion"},
}


def _reasons(rows: pd.DataFrame, lang: str) -> pd.Series:
    """Reason texts, built column-wise (no per-row Python): ``落地未开工：计划开工日期
    2026-09-01，已91天`` / ``Land supplied, not started: planned start 2026-09-01, 91 days``."""
    if rows.empty:
        return pd.Series([], dtype=object, index=rows.index)
    i = 0 if lang == "zh" else 1
    name = rows["kind"].map({k: v[i] for k, v in KINDS.items()}).astype(str)
    word = rows["kind"].map(_SINCE_WORDS[lang]).astype(str)
    since = pd.to_datetime(rows["since"]).dt.strftime("%Y-%m-%d")
    days = rows["days"].astype("Int64").astype(str)
    if lang == "zh":
        text = name + "：" + word + "日期" + since + "，已" + days + "天"
    else:
        text = name + ": " + word + " " + since + ", " + days + " days"
    return text.where(since.notna() & rows["days"].notna(), name).astype(object)


def _dates(frame: pd.DataFrame, column: str) -> pd.Series:
    if column not in frame:
        return pd.Series(pd.NaT, index=frame.index, dtype="datetime64[ns]")
    return pd.to_datetime(frame[column], errors="coerce").astype("datetime64[ns]")


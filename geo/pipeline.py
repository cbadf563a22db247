"""Project pipeline rates for 挂图作战 (shared/domain.md §1): signing, start, completion and
contract-performance rates, overdue, stalled and lost projects per county, park or chain.

A project has reached a milestone on the as-of date when its date (``signed_date``,
``start_date``, ``completion_date``) is on or before it, or — the date being unknown — when
its ``stage`` implies it (``signed`` and later stages imply signing, ``started`` and later
imply a start, ``completed`` / ``producing`` imply completion). Stalled and lost projects
count by their dates only. A later milestone implies the earlier ones (a completed project
was started and signed), so every rate lies in [0, 1].

Definitions (each a share; NaN when the denominator is 0):

* signing rate 签约率 = signed ÷ all projects;
* start rate 开工率 = started ÷ signed;
* completion rate 竣工率 = completed ÷ started;
* contract performance rate 履约率 = signed projects that met every obligation already due
  (start by ``planned_start_date``, completion by ``planned_completion_date``, each plus
  ``grace_days``) ÷ signed projects with at least one obligation due;
* overdue = a due obligation not yet met (see :func:`overdue_projects`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from geo.policy_checks import Rule, parse_section

SIGNED_STAGES = ("signed", "started", "completed", "producing")
STARTED_STAGES = ("started", "completed", "producing")
COMPLETED_STAGES = ("completed", "producing")
BY_KEYS: tuple[str | None, ...] = (None, "park_id", "chain_id")


@dataclass(frozen=True)
class PipelineSettings:
    """Parsed ``pipeline`` policy section: days of grace before a planned date is overdue."""

    grace_days: int = 30


def parse_settings(value: Mapping[str, Any], source: str) -> PipelineSettings:
    """Parse and validate the ``pipeline`` policy section (PolicyError names key and fix)."""
    return parse_section(PipelineSettings, value, source, "pipeline",
                         default=Rule(minimum=0, fix="give days, e.g. 30"))


def milestones(projects: pd.DataFrame, *, as_of: pd.Timestamp,
               settings: PipelineSettings = PipelineSettings()) -> pd.DataFrame:
    """Per project (same index): ``signed``, ``started``, ``completed``, ``stalled``,
    ``lost``, ``start_due``, ``completion_due``, ``start_late``, ``completion_late``,
    ``due``, ``performed`` and ``overdue`` booleans on ``as_of``.

    ``start_due``: the planned start plus grace has passed; ``start_late``: due and the start
    (if any) came after planned start + grace or has not come; likewise for completion.
    ``performed``: signed, something due, and nothing late. ``overdue``: a due milestone not
    reached yet (lost projects are never overdue: they are counted as lost).
    """
    as_of = pd.Timestamp(as_of)
    stage = projects["stage"].astype(object)
    grace = pd.Timedelta(days=settings.grace_days)

    def by_date_or_stage(column: str, stages: tuple[str, ...]) -> tuple[pd.Series, pd.Series]:
        when = _dates(projects, column)
        reached = (when <= as_of) | (when.isna() & stage.isin(stages))
        return reached.astype(bool), when.where(when <= as_of)

    signed, _ = by_date_or_stage("signed_date", SIGNED_STAGES)
    started, start_day = by_date_or_stage("start_date", STARTED_STAGES)
    completed, done_day = by_date_or_stage("completion_date", COMPLETED_STAGES)
    started |= completed  # a later milestone implies the earlier ones, whatever the dates say
    signed |= started
    lost = stage.eq("lost")
    planned_start = _dates(projects, "planned_start_date")
    planned_done = _dates(projects, "planned_completion_date")
    start_due = signed & (planned_start + grace < as_of)
    completion_due = signed & (planned_done + grace < as_of)
    start_late = start_due & (~started | (start_day > planned_start + grace))
    completion_late = completion_due & (~completed | (done_day > planned_done + grace))
    due = start_due | completion_due
    overdue = ~lost & ((start_due & ~started) | (completion_due & ~completed))
    return pd.DataFrame({
        "signed": signed, "started": started, "completed": completed,
        "stalled": stage.eq("stalled"), "lost": lost,
        "start_due": start_due, "completion_due": completion_due,
        "start_late": start_late, "completion_late": completion_late,
        "due": due, "performed": due & ~start_late & ~completion_late,
        "overdue": overdue,
    }, index=projects.index).astype(bool)


def pipeline_rates(projects: pd.DataFrame, *, by: str | None = None, as_of: pd.Timestamp,
                   settings: PipelineSettings = PipelineSettings()) -> pd.DataFrame:
    """Counts and rates per county (``by=None``: one row), park (``park_id``) or chain
    (``chain_id``); see the module docstring for the definitions.

    Returns
    -------
    DataFrame: the ``by`` column (projects without one grouped under NaN), ``n_projects``,
    ``n_signed``, ``n_started``, ``n_completed``, ``n_stalled``, ``n_lost``, ``n_overdue``,
    ``n_due``, ``n_performed``, ``investment_wan``, ``signing_rate``, ``start_rate``,
    ``completion_rate``, ``performance_rate``.
    """
    if by not in BY_KEYS:
        raise ValueError(f"by={by!r} is not allowed; use None (county), 'park_id' or "
                         "'chain_id'")
    if by is not None and by not in projects:
        raise KeyError(f"projects have no column {by!r}")
    flags = milestones(projects, as_of=as_of, settings=settings)
    counts = pd.DataFrame({
        "n_projects": 1,
        **{f"n_{k}": flags[k].astype("int64") for k in
           ("signed", "started", "completed", "stalled", "lost", "overdue", "due",
            "performed")},
        "investment_wan": (pd.to_numeric(projects["investment_wan"], errors="coerce")
                           if "investment_wan" in projects else np.nan),
    }, index=projects.index)
    if by is None:
        out = counts.sum().to_frame().T
    else:
        counts.insert(0, by, projects[by].astype(object))
        out = counts.groupby(by, dropna=False, sort=True).sum().reset_index()
    ints = [c for c in out.columns if c.startswith("n_")]
    out[ints] = out[ints].astype("int64")
    out["signing_rate"] = _ratio(out["n_signed"], out["n_projects"])
    out["start_rate"] = _ratio(out["n_started"], out["n_signed"])
    out["completion_rate"] = _ratio(out["n_completed"], out["n_started"])
    out["performance_rate"] = _ratio(out["n_performed"], out["n_due"])
    return out


def overdue_projects(projects: pd.DataFrame, *, as_of: pd.Timestamp,
                     settings: PipelineSettings = PipelineSettings()) -> pd.DataFrame:
    """Projects behind their planned dates on ``as_of``, most overdue first.

    Returns
    -------
    DataFrame: ``project_id``, ``name``, ``stage``, ``park_id``, ``chain_id``, ``owner``
    (those present), ``overdue_kind`` (``start`` or ``completion``), ``planned_date``,
    ``days_overdue`` (days past the planned date, grace included), ``reason_zh``,
    ``reason_en``.
    """
    as_of = pd.Timestamp(as_of)
    flags = milestones(projects, as_of=as_of, settings=settings)
    late_start = flags["overdue"] & flags["start_due"] & ~flags["started"]
    kind = np.where(late_start, "start", "completion")
    planned = _dates(projects, "planned_start_date").where(
        late_start, _dates(projects, "planned_completion_date"))
    cols = [c for c in ("project_id", "name", "stage", "park_id", "chain_id", "owner")
            if c in projects]
    out = pd.DataFrame(projects[cols]).copy()
    out["overdue_kind"] = kind
    out["planned_date"] = planned
    out["days_overdue"] = (as_of - planned).dt.days
    out = out[flags["overdue"]].astype({"days_overdue": "int64"})
    out["reason_zh"] = [
        f"计划{'开工' if k == 'start' else '竣工'}日期{d.date().isoformat()}，已逾期{n}天"
        for k, d, n in zip(out["overdue_kind"], out["planned_date"], out["days_overdue"],
                           strict=True)]
    out["reason_en"] = [
        f"planned {k} {d.date().isoformat()}, {n} days overdue"
        for k, d, n in zip(out["overdue_kind"], out["planned_date"], out["days_overdue"],
                           strict=True)]
    return out.sort_values(["days_overdue", "project_id"], ascending=[False, True])


def _ratio(num: pd.Series, den: pd.Series) -> pd.Series:
    return num / den.where(den > 0)


def _dates(frame: pd.DataFrame, column: str) -> pd.Series:
    if column not in frame:
        return pd.Series(pd.NaT, index=frame.index, dtype="datetime64[ns]")
    return pd.to_datetime(frame[column], errors="coerce").astype("datetime64[ns]")

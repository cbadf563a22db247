"""The 挂图作战 view of a county's 重点项目台账: every table the page and the weekly report show.

:func:`ledger_view` joins the three ledger layers with the ``project`` layer (park, chain,
whether a project has started — :func:`geo.pipeline.milestones`) and runs the judging rules of
:mod:`geo.ledger` once. The result is staff material as a whole (包抓领导, problems): only the
staff page and ``investmap ledger`` read it, never an investor view or export.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from geo import ledger
from geo.ledger_settings import LedgerSettings
from geo.pipeline import milestones
from layers.county import County

LAYERS = ("ledger_project", "ledger_step", "ledger_month")
"""The ledger's registry layers (the ``project`` and ``park`` layers are joined when present)."""
GROUPS = ("department", "leader", "park_id", "chain_id")
"""Groups the completion rate is given for, besides per project."""


@dataclass(frozen=True)
class LedgerView:
    """Judged ledger on one day.

    Attributes
    ----------
    as_of : the day of judging.
    settings : the policy's ``ledger`` section.
    projects : ledger projects joined with ``park_id``, ``chain_id``, ``started`` and
        ``worst_step`` (ring code, :data:`layers.registry.LEDGER_RINGS`).
    steps : every step judged (:func:`geo.ledger.judge_steps`).
    board : the stuck steps, most days late first.
    by_department, by_leader : overdue and stuck steps per 责任单位 / 包抓领导.
    rates : completion rate per project; ``group_rates`` per group of :data:`GROUPS`.
    total_rate : Σ invested ÷ Σ planned over the county's ledger.
    stalled : started projects without new 形象进度 (:func:`geo.ledger.no_progress`).
    stuck_projects : ids of projects not started whose step is stuck.
    months : the monthly rows (the card's timeline and photos).
    source : where the county was read from (relative photo paths start at its folder).
    """

    as_of: pd.Timestamp
    settings: LedgerSettings
    projects: pd.DataFrame
    steps: pd.DataFrame
    board: pd.DataFrame
    by_department: pd.DataFrame
    by_leader: pd.DataFrame
    rates: pd.DataFrame
    group_rates: dict[str, pd.DataFrame]
    total_rate: float
    stalled: pd.DataFrame
    stuck_projects: list[str]
    months: pd.DataFrame
    source: str = ""

    @property
    def empty(self) -> bool:
        """True when the county has no ledger projects."""
        return self.projects.empty


def has_ledger(county: County) -> bool:
    """True when the county holds the ledger's project and step layers."""
    return all(name in county.layers for name in LAYERS[:2])


def ledger_view(county: County, *, as_of: pd.Timestamp) -> LedgerView:
    """Judge the county's ledger on ``as_of`` (see :class:`LedgerView`).

    Raises
    ------
    layers.county.MissingLayerError
        The county has no ``ledger_project`` or ``ledger_step`` layer (the message names the
        layer and the fix).
    """
    as_of = pd.Timestamp(as_of).normalize()
    settings: LedgerSettings = county.policy.section("ledger")
    projects = pd.DataFrame(county["ledger_project"]).copy()
    steps = pd.DataFrame(county["ledger_step"])
    months = pd.DataFrame(county.layers.get("ledger_month", _no_months()))
    started = _started(county, as_of)
    source = county.layers.get("project")
    for column in ("park_id", "chain_id"):
        projects[column] = projects["project_id"].map(
            source.set_index("project_id")[column] if source is not None else {})
    projects["started"] = projects["project_id"].isin(started)
    judged = ledger.judge_steps(steps, projects, settings, as_of=as_of)
    projects["worst_step"] = projects["project_id"].map(ledger.worst_steps(judged)).fillna(
        "done")
    rates = ledger.completion_rates(projects, months, as_of=as_of)
    return LedgerView(
        as_of=as_of, settings=settings, projects=projects, steps=judged,
        board=ledger.board(judged),
        by_department=ledger.lines(judged, "department"),
        by_leader=ledger.lines(judged, "leader"),
        rates=rates.merge(projects[["project_id", "name", "department", "leader"]],
                          on="project_id", how="left"),
        group_rates={by: ledger.completion_rates(projects, months, as_of=as_of, by=by)
                     for by in GROUPS},
        total_rate=ledger.total_rate(projects, months, as_of=as_of),
        stalled=ledger.no_progress(projects, months, started, settings, as_of=as_of),
        stuck_projects=ledger.stuck_projects(judged, started),
        months=months,
        source=county.source,
    )


def _no_months() -> pd.DataFrame:
    return pd.DataFrame(columns=["month_key", "project_id", "month", "invested_wan",
                                 "cumulative_wan", "progress", "photos"])


def _started(county: County, as_of: pd.Timestamp) -> list[str]:
    """Ids of projects started on ``as_of`` by the project layer's dates and stage."""
    projects = county.layers.get("project")
    if projects is None or projects.empty:
        return []
    reached = milestones(projects, as_of=as_of, settings=county.policy.section("pipeline"))
    return projects.loc[reached["started"].to_numpy(bool), "project_id"].astype(str).tolist()

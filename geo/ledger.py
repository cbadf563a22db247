"""Judging a 重点项目台账: overdue and stuck (卡壳) steps, reverse schedule (倒排), investment
completion rates and projects without new 形象进度 (挂图作战 step by step).

Rules (the thresholds are the policy's ``ledger`` section, :mod:`geo.ledger_settings`):

* a step's **planned date** is the ledger's own (``planned_date``), else the project's planned
  start minus the step's lead time (倒排: ``planned_start_date − lead_days``), else unknown;
* a step is **overdue** on the as-of date when it is neither done nor not applicable and its
  planned date is before the as-of date; **days late** = as-of − planned date (0 when not
  overdue);
* a step is **卡壳 (stuck)** when the ledger marks it so, or when it is overdue by more than
  ``stuck_after_days``;
* a project's **worst step** colours its ring: ``stuck`` > ``overdue`` > ``on_track`` (some
  step still open, none late) > ``done`` (every tracked step done or not applicable);
* a project **is stuck** when one of its steps is stuck and it has not started yet (the
  steps are the 前期手续 that come before the start);
* the **annual completion rate** of a group (project, park, chain, 责任单位, 包抓领导) =
  Σ invested this year to date ÷ Σ planned this year, over the projects with a plan; the
  invested figure is the latest month row on or before the as-of date (its ``cumulative_wan``,
  else the sum of its year's monthly ``invested_wan``);
* a started project makes **no progress** when its latest 形象进度 (a month row with progress
  text, dated at the month's end, or a dated photo) is more than ``no_progress_weeks`` weeks
  before the as-of date, or when it has none.

Every function is vectorised over whole frames and keeps the input index where it returns
one row per input row.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import numpy as np
import pandas as pd

from geo.ledger_settings import LedgerSettings

OPEN_STATES = ("todo", "doing", "stuck")
"""States of a step that still has to be done (``done`` and ``na`` are closed)."""
RING_ORDER = ("stuck", "overdue", "on_track", "done")
"""Ring codes from worst to best (:data:`layers.registry.LEDGER_RINGS`)."""


def judge_steps(steps: pd.DataFrame, projects: pd.DataFrame, settings: LedgerSettings, *,
                as_of: pd.Timestamp) -> pd.DataFrame:
    """Judge every step on ``as_of``.

    Parameters
    ----------
    steps : ``ledger_step`` rows (``project_id``, ``step``, ``state``, ``planned_date``,
        ``done_date``, optional ``department`` and ``problem``).
    projects : ``ledger_project`` rows (``project_id``, ``planned_start_date``, optional
        ``department``, ``leader``, ``name``).
    settings : the ``ledger`` policy section.
    as_of : the day of judging.

    Returns
    -------
    pandas.DataFrame
        Same index as ``steps``: ``project_id``, ``step``, ``state``, ``planned`` (the
        effective planned date), ``reverse`` (True when it was back-scheduled), ``department``
        (the ledger's, else the catalogue's), ``leader``, ``name``, ``done_date``,
        ``overdue``, ``days_late``, ``stuck``, ``problem``.
    """
    as_of = pd.Timestamp(as_of).normalize()
    by_id = projects.drop_duplicates("project_id").set_index("project_id")
    pid = steps["project_id"].astype(object)
    code = steps["step"].astype(object)
    where = by_id.index.get_indexer(pid)  # one lookup for every project column below

    def of_project(name: str) -> pd.Series:
        return _take(_column(by_id, name), where, steps.index)

    start = pd.to_datetime(of_project("planned_start_date"))
    lead = code.map({c: s.lead_days for c, s in settings.steps.items()})
    reverse_date = start - pd.to_timedelta(lead, unit="D")
    given = pd.to_datetime(steps["planned_date"]) if "planned_date" in steps else \
        pd.Series(pd.NaT, index=steps.index)
    planned = given.where(given.notna(), reverse_date)
    state = steps["state"].astype(object)
    is_open = state.isin(OPEN_STATES).to_numpy()
    late = (planned < as_of).fillna(False).to_numpy(bool) & is_open
    days = np.where(late, (as_of - planned).dt.days.fillna(0).to_numpy(), 0).astype(int)
    stuck = (state == "stuck").to_numpy() | (days > settings.stuck_after_days)
    own_dept = steps["department"].astype(object) if "department" in steps else \
        pd.Series(None, index=steps.index, dtype=object)
    default_dept = code.map({c: s.department for c, s in settings.steps.items()})
    department = own_dept.where(_filled(own_dept), default_dept)
    department = department.where(_filled(department), of_project("department"))
    return pd.DataFrame({
        "project_id": pid,
        "name": of_project("name"),
        "step": code,
        "state": state,
        "planned": planned,
        "reverse": given.isna() & reverse_date.notna(),
        "department": department,
        "leader": of_project("leader"),
        "done_date": pd.to_datetime(steps["done_date"]) if "done_date" in steps else pd.NaT,
        "overdue": late,
        "days_late": days,
        "stuck": stuck,
        "problem": steps.get("problem"),
    }, index=steps.index)


def _column(frame: pd.DataFrame, name: str) -> pd.Series:
    return frame[name] if name in frame.columns else pd.Series(None, index=frame.index,
                                                                dtype=object)


def _take(values: pd.Series, where: np.ndarray, index: pd.Index) -> pd.Series:
    """``values`` at positions ``where`` (−1: missing → None/NaT) on ``index``; the (short)
    project column is turned into a NumPy array once, then indexed per step."""
    array = values.to_numpy(dtype=object) if not pd.api.types.is_datetime64_any_dtype(values) \
        else values.to_numpy()
    if len(array) == 0:
        return pd.Series(None, index=index, dtype=object)
    out = pd.Series(array[np.where(where < 0, 0, where)], index=index)
    return out.where(where >= 0) if (where < 0).any() else out


def _filled(series: pd.Series) -> pd.Series:
    """Not blank: a value whose text is not empty."""
    present = series.notna()
    if not present.any():
        return present
    if pd.api.types.is_string_dtype(series) and not pd.api.types.is_object_dtype(series):
        return present & series.str.strip().ne("").fillna(False).astype(bool)
    values = series.to_numpy(dtype=object)
    text = np.fromiter((v is not None and v == v and bool(str(v).strip()) for v in values),
                       dtype=bool, count=len(values))
    return pd.Series(text, index=series.index)


def worst_steps(judged: pd.DataFrame) -> pd.Series:
    """Per project id, the ring code of its worst step (see module docstring)."""
    if judged.empty:
        return pd.Series(dtype=object, name="worst_step")
    rank = np.select(
        [judged["stuck"].to_numpy(bool), judged["overdue"].to_numpy(bool),
         judged["state"].isin(OPEN_STATES).to_numpy()],
        [0, 1, 2], default=3)
    worst = pd.Series(rank, index=judged.index).groupby(judged["project_id"].to_numpy()).min()
    return worst.map(dict(enumerate(RING_ORDER))).rename("worst_step")


def stuck_projects(judged: pd.DataFrame, started: Iterable[str] = ()) -> list[str]:
    """Ids of projects with a stuck step that have not started (``started``: ids that did)."""
    begun = set(map(str, started))
    ids = judged.loc[judged["stuck"].to_numpy(bool), "project_id"].astype(str)
    return [p for p in dict.fromkeys(ids) if p not in begun]


def board(judged: pd.DataFrame) -> pd.DataFrame:
    """The step board: every stuck step, most days late first (ties by project and step)."""
    rows = judged[judged["stuck"].to_numpy(bool)]
    return rows.sort_values(["days_late", "project_id", "step"],
                            ascending=[False, True, True], kind="stable")


def lines(judged: pd.DataFrame, by: str) -> pd.DataFrame:
    """Per department or leader (``by``): stuck and overdue step counts, days late.

    Returns one row per value of ``by`` having at least one overdue or stuck step, with
    ``n_stuck``, ``n_overdue`` (steps past their planned date), ``n_projects`` (projects
    with such a step), ``max_days_late``, ``total_days_late`` and ``projects`` (their names or
    ids, worst first); sorted by ``max_days_late`` then ``n_stuck``, largest first.
    """
    flagged = judged[(judged["overdue"] | judged["stuck"]).to_numpy(bool)]
    columns = [by, "n_stuck", "n_overdue", "n_projects", "max_days_late", "total_days_late",
               "projects"]
    if flagged.empty:
        return pd.DataFrame(columns=columns)
    order = np.argsort(-flagged["days_late"].to_numpy(), kind="stable")  # worst first
    flagged = flagged.iloc[order]
    key = flagged[by].where(_filled(flagged[by]), "—").to_numpy(object)
    shown = flagged["name"].where(_filled(flagged["name"]), flagged["project_id"]) \
        .to_numpy(object)
    codes, groups = pd.factorize(key)
    n = len(groups)
    days = flagged["days_late"].to_numpy(np.int64)
    most = np.zeros(n, dtype=np.int64)
    np.maximum.at(most, codes, days)
    project_codes, projects = pd.factorize(flagged["project_id"].to_numpy(object))
    per_project = np.unique(codes * len(projects) + project_codes) // len(projects)
    name_codes, names = pd.factorize(shown)  # codes in order of first (worst) appearance
    named: list[list[str]] = [[] for _ in range(n)]
    for pair in np.unique(codes * len(names) + name_codes):
        named[int(pair // len(names))].append(str(names[pair % len(names)]))
    out = pd.DataFrame({
        by: groups,
        "n_stuck": np.bincount(codes, weights=flagged["stuck"].to_numpy(bool), minlength=n)
        .astype(int),
        "n_overdue": np.bincount(codes, weights=flagged["overdue"].to_numpy(bool),
                                 minlength=n).astype(int),
        "n_projects": np.bincount(per_project, minlength=n).astype(int),
        "max_days_late": most.astype(int),
        "total_days_late": np.bincount(codes, weights=days, minlength=n).astype(int),
        "projects": named,
    })
    out = out.sort_values(["max_days_late", "n_stuck"], ascending=False, kind="stable")
    return out.reset_index(drop=True)[columns]


def invested_to_date(months: pd.DataFrame, *, year: pd.Series | None = None,
                     as_of: pd.Timestamp) -> pd.Series:
    """Per project id: investment completed this year up to ``as_of`` (万元).

    The latest month row on or before ``as_of`` (month start) of the project's ledger year
    gives ``cumulative_wan``; a project whose rows carry no cumulative figure sums its
    monthly ``invested_wan`` instead.
    """
    if months.empty:
        return pd.Series(dtype=float, name="invested_wan")
    month = pd.to_datetime(months["month"]).to_numpy("datetime64[ns]")
    keep = month <= np.datetime64(pd.Timestamp(as_of).normalize(), "ns")
    pid = months["project_id"].to_numpy(object)
    if year is not None and len(year):
        where = year.index.get_indexer(pid)
        wanted = np.where(where >= 0, year.to_numpy(dtype=float, na_value=np.nan)[where], np.nan)
        years = month.astype("datetime64[Y]").astype(np.int64) + 1970
        keep &= np.isnan(wanted) | (years == wanted)
    rows = pd.DataFrame({
        "project_id": pid[keep], "month": month[keep],
        "cumulative": pd.to_numeric(months["cumulative_wan"], errors="coerce").to_numpy(float)[
            keep],
        "invested": pd.to_numeric(months["invested_wan"], errors="coerce").to_numpy(float)[
            keep]}).sort_values("month", kind="stable")
    latest = rows.dropna(subset=["cumulative"]).groupby("project_id", sort=False)[
        "cumulative"].last()
    summed = rows.groupby("project_id", sort=False)["invested"].sum(min_count=1)
    return latest.combine_first(summed).rename("invested_wan")


def completion_rates(projects: pd.DataFrame, months: pd.DataFrame, *, as_of: pd.Timestamp,
                     by: str | None = None) -> pd.DataFrame:
    """Annual investment completion rate per project (``by=None``) or per group.

    Parameters
    ----------
    projects : ``ledger_project`` rows with ``annual_plan_wan`` and the ``by`` column
        (``department``, ``leader``, or ``park_id``/``chain_id`` joined from the project layer).
    months : ``ledger_month`` rows.
    as_of : the day of judging.
    by : group column, or ``None`` for one row per project.

    Returns
    -------
    pandas.DataFrame
        ``project_id`` (or ``by``), ``annual_plan_wan``, ``invested_wan`` (0 for a project
        without any month row) and ``rate`` (NaN where nothing is planned); groups sorted by
        rate, lowest first.
    """
    year = projects.drop_duplicates("project_id").set_index("project_id")["year"] \
        if "year" in projects else None
    invested = invested_to_date(months, year=year, as_of=as_of)
    table = projects[["project_id", "annual_plan_wan", *([by] if by else [])]].copy()
    table["invested_wan"] = table["project_id"].map(invested).fillna(0.0)  # none reported
    if by is not None:
        table[by] = table[by].where(_filled(table[by]), None).fillna("—")
        planned = table[table["annual_plan_wan"].fillna(0) > 0]
        table = planned.groupby(by, sort=False).agg(
            annual_plan_wan=("annual_plan_wan", "sum"),
            invested_wan=("invested_wan", lambda s: s.sum(min_count=0)),
            n_projects=("project_id", "nunique")).reset_index()
    plan = table["annual_plan_wan"].astype(float)
    table["rate"] = (table["invested_wan"].fillna(0).astype(float) / plan).where(plan > 0)
    if by is not None:
        table = table.sort_values("rate", kind="stable").reset_index(drop=True)
    return table


def total_rate(projects: pd.DataFrame, months: pd.DataFrame, *, as_of: pd.Timestamp) -> float:
    """Σ invested ÷ Σ planned this year over every project with a plan (NaN without one)."""
    table = completion_rates(projects, months, as_of=as_of)
    planned = table[table["annual_plan_wan"].fillna(0) > 0]
    total = float(planned["annual_plan_wan"].sum())
    return float(planned["invested_wan"].fillna(0).sum()) / total if total > 0 else float("nan")


def last_progress(months: pd.DataFrame) -> pd.Series:
    """Per project id: the date of its latest 形象进度 (month end of a row with progress text,
    or the date of a dated photo, whichever is later)."""
    if months.empty:
        return pd.Series(dtype="datetime64[ns]", name="last_progress")
    has_text = _filled(months["progress"]) if "progress" in months else \
        pd.Series(False, index=months.index)
    dated = (pd.to_datetime(months["month"]) + pd.offsets.MonthEnd(0)).where(has_text)
    photos = months["photos"].dropna() if "photos" in months else pd.Series(dtype=object)
    if len(photos):
        photo = pd.to_datetime(photos.map(_latest_photo)).reindex(months.index)
        dated = pd.concat([dated, photo], axis=1).max(axis=1)
    return dated.groupby(months["project_id"].to_numpy()).max().rename("last_progress")


def _latest_photo(value: object) -> pd.Timestamp | None:
    """The latest date among photo items ``YYYY-MM-DD file`` (list or comma-separated)."""
    items: Sequence[object]
    if isinstance(value, list | tuple | np.ndarray):
        items = list(value)
    elif isinstance(value, str):
        items = value.split(",")
    else:
        return None
    dates = [pd.to_datetime(str(i).strip()[:10], errors="coerce") for i in items]
    dates = [d for d in dates if not pd.isna(d)]
    return max(dates) if dates else None


def no_progress(projects: pd.DataFrame, months: pd.DataFrame, started: Iterable[str],
                settings: LedgerSettings, *, as_of: pd.Timestamp) -> pd.DataFrame:
    """Started projects without new 形象进度 for more than ``no_progress_weeks`` weeks.

    Returns ``project_id``, ``name``, ``department``, ``leader``, ``last_progress`` (NaT when
    never reported) and ``weeks`` (whole weeks since; NaN when never), most weeks first.
    """
    as_of = pd.Timestamp(as_of).normalize()
    begun = set(map(str, started))
    rows = projects[projects["project_id"].astype(str).isin(begun)]
    last = rows["project_id"].map(last_progress(months))
    weeks = (as_of - pd.to_datetime(last)).dt.days // 7
    limit = pd.Timedelta(weeks=settings.no_progress_weeks)
    stale = last.isna() | ((as_of - pd.to_datetime(last)) > limit)
    out = pd.DataFrame({
        "project_id": rows["project_id"],
        "name": _column(rows, "name"),
        "department": _column(rows, "department"),
        "leader": _column(rows, "leader"),
        "last_progress": pd.to_datetime(last),
        "weeks": weeks,
    })[stale.to_numpy(bool)]
    return out.sort_values("weeks", ascending=False, na_position="first",
                           kind="stable").reset_index(drop=True)

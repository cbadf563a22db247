"""Fictional 重点项目台账 of the demo county: key projects, their 前期手续 and monthly progress.

Built from the demo's ``project`` layer so the ids, names and planned starts agree: the larger
signed, started and stalled projects (at most :data:`MAX_PROJECTS` per chunk) are key
projects. Steps follow the policy's catalogue; a started project has them done, a signed one
has the early steps done, some in progress or not started, and a share stuck (卡壳, with a
problem), so the 挂图作战 board is never empty. Started projects report investment and
形象进度 month by month up to the demo's as-of date, a few of them stopping two or three
months early (no new progress). Leaders and departments are invented titles, not people.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

MAX_PROJECTS = 60
KEY_STAGES = ("signed", "started", "stalled")
MIN_INVESTMENT_WAN = 5_000.0
STEPS: tuple[tuple[str, int], ...] = (
    ("approval", 180), ("land_pre", 150), ("eia", 120), ("energy", 120), ("land", 60),
    ("planning", 45), ("construction", 10), ("utilities", 15))
"""Demo steps and their lead days (as in data/policy.yaml; forest and fire apply to some)."""
LEADERS = ("张副县长", "李副县长", "王副县长", "赵常务副县长", "刘县长助理")
DEPARTMENTS = ("县工业和信息化局", "县发展和改革局", "青峰高新区管委会", "青峰经开区管委会",
               "县商务局")
PROBLEMS = {
    "eia": ("排污总量指标未落实", "环评报告需补充专家意见"),
    "energy": ("能耗指标待市级调剂",),
    "land": ("土地组卷报批未获批", "征地补偿未达成一致"),
    "land_pre": ("用地规模超出规划，需调规",),
    "planning": ("规划条件待调整",),
    "utilities": ("110kV 专线接入方案未定", "天然气管网未通达"),
    "forest": ("使用林地定额不足",),
}
PROGRESS = ("场地平整", "基础施工", "主体结构施工", "钢结构厂房封顶", "设备基础施工",
            "设备安装", "设备调试", "试生产准备")
CONTENT = ("新建标准化厂房{mu}万平方米及配套设施，购置生产线{n}条",
           "新建生产车间、仓库及研发楼，建设年产{n}万吨生产线",
           "建设综合仓储及配套用房{mu}万平方米，购置设备{n}台套")


def build_ledger(projects: pd.DataFrame, *, as_of: pd.Timestamp,
                 seed: int) -> dict[str, pd.DataFrame]:
    """The three ledger layers for ``projects`` (a demo chunk's project layer).

    Parameters
    ----------
    projects : the demo's projects (``project_id``, ``name``, ``stage``, ``investment_wan``,
        ``planned_start_date``, ``start_date``).
    as_of : the demo's as-of date; the ledger year is its year.
    seed : random seed (the same arguments give the same ledger).
    """
    rng = np.random.default_rng([seed, 32])
    key = projects[projects["stage"].isin(KEY_STAGES)
                   & (projects["investment_wan"].fillna(0) >= MIN_INVESTMENT_WAN)
                   & projects["planned_start_date"].notna()]
    key = key.sort_values("investment_wan", ascending=False, kind="stable").head(MAX_PROJECTS)
    key = key.sort_values("project_id", kind="stable")
    year = as_of.year
    ledger_rows, step_rows, month_rows = [], [], []
    for rec in key.itertuples(index=False):
        started = rec.stage == "started" or not pd.isna(rec.start_date)
        plan = float(round(rec.investment_wan * rng.uniform(0.25, 0.6), -2))
        problem = None
        start = pd.Timestamp(rec.planned_start_date)
        if not started:  # the year's ledger re-plans the start of projects not started yet
            start = as_of + pd.Timedelta(days=int(rng.integers(-60, 200)))
        steps = _steps(rec.project_id, start, started, as_of, rng)
        stuck = [s for s in steps if s["state"] == "stuck"]
        if stuck:
            problem = "；".join(s["problem"] for s in stuck if s["problem"])
        ledger_rows.append({
            "project_id": rec.project_id, "name": rec.name, "year": year,
            "content": CONTENT[int(rng.integers(0, len(CONTENT)))].format(
                mu=int(rng.integers(2, 9)), n=int(rng.integers(2, 12))),
            "total_investment_wan": float(rec.investment_wan), "annual_plan_wan": plan,
            "planned_start_date": start,
            "department": DEPARTMENTS[int(rng.integers(0, len(DEPARTMENTS)))],
            "leader": LEADERS[int(rng.integers(0, len(LEADERS)))], "problem": problem,
        })
        step_rows.extend(steps)
        if started:
            month_rows.extend(_months(rec.project_id, plan, year, as_of, rng))
    frames = {
        "ledger_project": pd.DataFrame(ledger_rows, columns=[
            "project_id", "name", "year", "content", "total_investment_wan",
            "annual_plan_wan", "planned_start_date", "department", "leader", "problem"]),
        "ledger_step": pd.DataFrame(step_rows, columns=[
            "step_key", "project_id", "step", "state", "planned_date", "done_date",
            "department", "problem"]),
        "ledger_month": pd.DataFrame(month_rows, columns=[
            "month_key", "project_id", "month", "invested_wan", "cumulative_wan", "progress",
            "photos"]),
    }
    for frame, columns in ((frames["ledger_project"], ("planned_start_date",)),
                           (frames["ledger_step"], ("planned_date", "done_date")),
                           (frames["ledger_month"], ("month",))):
        for column in columns:
            frame[column] = pd.to_datetime(frame[column])
    return frames


def _steps(pid: str, start: pd.Timestamp, started: bool, as_of: pd.Timestamp,
           rng: np.random.Generator) -> list[dict[str, object]]:
    out: list[dict[str, object]] = []
    for code, lead in STEPS:
        due = start - pd.Timedelta(days=lead)
        done_on = due + pd.Timedelta(days=int(rng.integers(-40, 25)))
        planned = None
        if started or (done_on < as_of and rng.random() < 0.65):
            state, done = "done", min(done_on, as_of)
            if rng.random() < 0.2:
                done = None  # the ledger says 已办 without a date
        else:
            state = str(rng.choice(["doing", "todo", "stuck"], p=[0.45, 0.35, 0.2]))
            done = None
            if rng.random() < 0.3:
                planned = due + pd.Timedelta(days=int(rng.integers(0, 60)))
        problem = None
        if state == "stuck" or (state == "doing" and due < as_of and rng.random() < 0.4):
            options = PROBLEMS.get(code, ("手续材料待补正",))
            problem = options[int(rng.integers(0, len(options)))]
        out.append({"step_key": f"{pid}/{code}", "project_id": pid, "step": code,
                    "state": state, "planned_date": planned, "done_date": done,
                    "department": None, "problem": problem})
    return out


def _months(pid: str, plan: float, year: int, as_of: pd.Timestamp,
            rng: np.random.Generator) -> list[dict[str, object]]:
    last = as_of.month - (int(rng.integers(2, 4)) if rng.random() < 0.15 else 0)
    share = rng.uniform(0.5, 1.1)  # of the plan, spread over the year so far
    out: list[dict[str, object]] = []
    running = 0.0
    phase = int(rng.integers(0, 3))
    for month in range(1, max(last, 0) + 1):
        invested = float(round(plan * share / 10 * rng.uniform(0.5, 1.5), -1))
        running += invested
        phase = min(phase + int(rng.random() < 0.5), len(PROGRESS) - 1)
        out.append({"month_key": f"{pid}/{year:04d}-{month:02d}", "project_id": pid,
                    "month": pd.Timestamp(year, month, 1), "invested_wan": invested,
                    "cumulative_wan": round(running, 1), "progress": PROGRESS[phase],
                    "photos": None})
    return out

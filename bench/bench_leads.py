"""Leads: inquiries stored per second (GeoPackage store, ids numbered under the layer lock)
and the 到责任人 view (overdue leads + 三未 + per person) on a synthetic county, against a
per-project Python loop that applies the same three rules.

``python -m bench.bench_leads --inquiries 200 --projects 100000``
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

from geo.followup import by_person, overdue_leads, three_wei
from geo.pipeline import PipelineSettings
from layers.leads import submit_inquiry
from layers.store import open_store
from tests import store_county

AS_OF = pd.Timestamp("2026-12-01")


def bench_inquiries(n: int) -> float:
    with tempfile.TemporaryDirectory() as tmp, open_store(Path(tmp) / "s.gpkg") as store:
        store_county.fill(store)
        form = {"company": "青峰材料", "contact_name": "王", "phone": "13800000000"}
        t0 = time.perf_counter()
        for _ in range(n):
            submit_inquiry(store, form, today=AS_OF)
        return n / (time.perf_counter() - t0)


def synthetic(n: int, seed: int = 1) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    rng = np.random.default_rng(seed)
    day = pd.Timestamp("2024-01-01")
    signed = day + pd.to_timedelta(rng.integers(0, 1000, n), unit="D")
    stage = rng.choice(["signed", "started", "completed", "lost"], n, p=[.4, .35, .2, .05])
    parcels = pd.DataFrame({"parcel_id": [f"Q{i}" for i in range(n)],
                            "status": rng.choice(["available", "transferred", "producing"], n),
                            "agreed_start_date": signed + pd.Timedelta(days=180)})
    projects = pd.DataFrame({
        "project_id": [f"X{i}" for i in range(n)], "name": "p", "stage": stage,
        "signed_date": signed, "parcel_id": parcels["parcel_id"],
        "start_date": np.where(stage != "signed", signed + pd.Timedelta(days=200), pd.NaT),
        "planned_completion_date": signed + pd.Timedelta(days=700),
        "park_id": rng.choice(["P1", "P2", "P3"], n), "owner": rng.choice(list("ABCDEFGH"), n)})
    leads = pd.DataFrame({"lead_id": [f"L{i}" for i in range(n // 10)],
                          "stage": rng.choice(["lead", "contacted", "signed"], n // 10),
                          "owner": rng.choice(list("ABCDEFGH"), n // 10), "park_id": "P1",
                          "next_action_date": AS_OF - pd.to_timedelta(
                              rng.integers(-30, 30, n // 10), unit="D")})
    return projects, parcels, leads


def loop_three_wei(projects: pd.DataFrame, parcels: pd.DataFrame, grace: int) -> int:
    status = dict(zip(parcels["parcel_id"], parcels["status"], strict=True))
    agreed = dict(zip(parcels["parcel_id"], parcels["agreed_start_date"], strict=True))
    hits = 0
    for row in projects.itertuples():
        if row.stage == "lost":
            continue
        started = not pd.isna(row.start_date) and row.start_date <= AS_OF
        supplied = status.get(row.parcel_id) in ("transferred", "under_construction",
                                                 "producing")
        grace_td = pd.Timedelta(days=grace)
        if ((not started and not supplied)
                or (not started and agreed[row.parcel_id] + grace_td < AS_OF)
                or (started and row.stage != "completed"
                    and row.planned_completion_date + grace_td < AS_OF)):
            hits += 1
    return hits


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--inquiries", type=int, default=200)
    parser.add_argument("--projects", type=int, default=100_000)
    args = parser.parse_args()
    print(f"inquiries stored: {bench_inquiries(args.inquiries):.1f}/s (GeoPackage, 1 writer)")
    projects, parcels, leads = synthetic(args.projects)
    t0 = time.perf_counter()
    late = overdue_leads(leads, as_of=AS_OF)
    three = three_wei(projects, parcels, as_of=AS_OF, settings=PipelineSettings(30))
    view = by_person(late, three)
    ours = time.perf_counter() - t0
    t0 = time.perf_counter()
    hits = loop_three_wei(projects, parcels, 30)
    loop = time.perf_counter() - t0
    print(f"到责任人 view, {args.projects:,} projects / {len(leads):,} leads: {ours:.2f} s "
          f"({len(three):,} 三未 rows, {len(view)} person×park rows); per-project loop "
          f"(三未 only): {loop:.2f} s ({hits:,} rows)")


if __name__ == "__main__":
    main()

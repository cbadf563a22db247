"""Benchmark: 亩均 evaluation with geo.efficiency vs a plain per-enterprise Python loop.

Generates N synthetic enterprises (the demo's distributions: lognormal tax per mu around 14
万元/亩, value added ≈ 5.6 × tax, 10 % without emission data, 60 % above scale), then times

* ``ours``: :func:`geo.efficiency.evaluate` (vectorised per item) and the land-weighted
  :func:`geo.efficiency.aggregate` per park;
* ``loop``: the obvious implementation — one dict per firm, item scores in Python, group
  averages for missing items, sort per group for ranks and share classes.

Checks that both give the same scores and classes, and prints the times and the ratio.

Usage::

    .venv/bin/python bench/bench_efficiency.py --firms 10000 100000
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import pandas as pd

from geo.aggregates import aggregate
from geo.efficiency import INDICATORS, evaluate
from layers.policy import load_policy

AS_OF = pd.Timestamp("2026-06-30")


def synthetic(n: int, seed: int = 7) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    land = rng.uniform(1.0, 300.0, n)
    tax = rng.lognormal(np.log(14.0), 0.85, n) * land
    va = tax * rng.lognormal(np.log(5.6), 0.35, n)
    revenue = va * rng.lognormal(np.log(4.0), 0.25, n)
    return pd.DataFrame({
        "enterprise_id": [f"E{i:08d}" for i in range(n)],
        "scale": np.where(rng.random(n) < 0.6, "above", "below"),
        "park_id": [f"P{k:02d}" for k in rng.integers(0, 20, n)],
        "land_mu": land, "tax_wan": tax, "value_added_wan": va, "revenue_wan": revenue,
        "energy_tce": va / rng.lognormal(np.log(2.7), 0.5, n),
        "emission_t": np.where(rng.random(n) < 0.1, np.nan,
                               va / rng.lognormal(np.log(4900.0), 0.6, n)),
        "employees": np.maximum(5, np.round(va / 18.0)),
        "rnd_wan": revenue * 0.03,
        "electricity_10k_kwh": tax / rng.lognormal(np.log(0.235), 0.5, n),
        "production_start_date": AS_OF - pd.to_timedelta(rng.integers(200, 4000, n), unit="D"),
        "is_utility": rng.random(n) < 0.02,
    })


def loop(firms: pd.DataFrame, settings) -> dict[str, tuple[float, str]]:  # noqa: ANN001
    """Per-firm Python: the straightforward way to get the same scores and classes."""
    cutoff = AS_OF - pd.DateOffset(years=settings.ungraded_years)
    groups: dict[str, list[dict]] = {g: [] for g in settings.groups}
    result: dict[str, tuple[float, str]] = {}
    for rec in firms.to_dict("records"):
        if (rec["is_utility"] or rec["production_start_date"] > cutoff
                or rec["land_mu"] < settings.min_land_mu):
            result[rec["enterprise_id"]] = (float("nan"), "T")
            continue
        items = {}
        for name, rule in settings.groups[rec["scale"]].rules.items():
            ind = INDICATORS[name]
            num, den = rec[ind.numerator], rec[ind.denominator]
            if den is None or not den > 0 or num != num:
                items[name] = None
                continue
            item = num / den / rule.benchmark * rule.weight
            if settings.cap_per_item is not None:
                item = min(item, settings.cap_per_item * rule.weight)
            items[name] = item
        groups[rec["scale"]].append({"id": rec["enterprise_id"], "items": items})
    for group, members in groups.items():
        for name in settings.groups[group].rules:
            have = [m["items"][name] for m in members if m["items"][name] is not None]
            fill = sum(have) / len(have) if have else 0.0
            for m in members:
                if m["items"][name] is None:
                    m["items"][name] = fill
        scored = sorted(((round(sum(m["items"].values()), 9), m["id"]) for m in members),
                        key=lambda t: (-t[0], t[1]))
        n = len(scored)
        rank = 0
        for pos, (score, eid) in enumerate(scored, start=1):
            if pos == 1 or score != scored[pos - 2][0]:
                rank = pos
            # fewer than share × n firms strictly ahead (README efficiency.classes)
            cls = next((c for c in ("A", "B", "C")
                        if rank - 1 < settings.classes[c] * n - 1e-9), "D")
            result[eid] = (score, cls)
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--firms", type=int, nargs="+", default=[10_000, 100_000])
    args = parser.parse_args(argv)
    settings = load_policy().section("efficiency")
    print("2-core / 24 GiB dev machine; times in seconds")
    print(f"{'firms':>10} {'evaluate':>9} {'aggregate':>9} {'loop':>8} {'ratio':>6}")
    for n in args.firms:
        firms = synthetic(n)
        t0 = time.perf_counter()
        ours = evaluate(firms, settings, as_of=AS_OF)
        t1 = time.perf_counter()
        aggregate(ours, by="park_id")
        t2 = time.perf_counter()
        theirs = loop(firms, settings)
        t3 = time.perf_counter()
        mine = ours.set_index("enterprise_id")
        other = pd.DataFrame.from_dict(theirs, orient="index", columns=["score", "class"])
        other = other.loc[mine.index]
        assert (mine["class"] == other["class"]).all(), "classes differ"
        assert np.allclose(mine["score"], other["score"], equal_nan=True), "scores differ"
        ratio = (t3 - t2) / (t1 - t0)
        print(f"{n:>10,} {t1 - t0:>9.2f} {t2 - t1:>9.2f} {t3 - t2:>8.2f} {ratio:>5.1f}×")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

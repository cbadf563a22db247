"""Benchmark: 亩均 evaluation with geo.efficiency vs a plain per-enterprise Python loop.

Generates N synthetic enterprises (the demo's distributions: lognormal tax per mu around 14
万元/亩, value added ≈ 5.6 × tax, 10 % without emission data, 60 % above scale), then times

* ``ours``: :func:`geo.efficiency.evaluate` (vectorised per item) and the land-weighted
  :func:`geo.efficiency.aggregate` per park;
* ``loop``: the obvious implementation — one dict per firm, item scores in Python, group
  averages for missing items, sort per group for ranks and share classes.

Checks that both give the same scores and classes, and prints the times and the ratio.

``--whatif N …`` then times the what-if class of N synthetic prospects (projects and leads:
planned land, tax, output, value added, investment; 10 % without land, 5 % under 3 亩, 20 %
without tax) against the first county: :func:`geo.efficiency_whatif.whatif_table` (all rows at
once) and the row-by-row version it replaced (kept in ``tests/test_efficiency_whatif.py``),
checks both tables are identical and prints both times (``0`` skips it).

Usage::

    PYTHONPATH=$PWD .venv/bin/python bench/bench_efficiency.py --firms 10000 100000 \
        --whatif 100 1000
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


def prospects(n: int, seed: int = 11) -> pd.DataFrame:
    """``n`` projects/leads with planned figures under the names their layers use."""
    rng = np.random.default_rng(seed)
    land = rng.uniform(1.0, 300.0, n)
    land[rng.random(n) < 0.05] = 2.0
    tax = rng.lognormal(np.log(14.0), 0.85, n) * land
    return pd.DataFrame({
        "project_id": [f"J{i:06d}" for i in range(n)],
        "planned_land_mu": np.where(rng.random(n) < 0.1, np.nan, land),
        "planned_tax_wan": np.where(rng.random(n) < 0.2, np.nan, tax),
        "planned_output_wan": tax * rng.lognormal(np.log(22.0), 0.4, n),
        "planned_value_added_wan": tax * rng.lognormal(np.log(5.6), 0.35, n),
        "investment_wan": land * rng.lognormal(np.log(300.0), 0.3, n),
    })


def whatif(rows: list[int], evaluated: pd.DataFrame, settings) -> None:  # noqa: ANN001
    """Print the what-if table's time against the row-by-row reference's for each size."""
    from geo.efficiency_whatif import whatif_table
    from tests.test_efficiency_whatif import _reference_table

    print(f"{'prospects':>10} {'whatif_table':>12} {'row by row':>10} {'ratio':>6} "
          f"{'per row old/new ms':>19}")
    for n in rows:
        planned = prospects(n)
        t0 = time.perf_counter()
        new = whatif_table(planned, evaluated, settings)
        t1 = time.perf_counter()
        old = _reference_table(planned, evaluated, settings)
        t2 = time.perf_counter()
        pd.testing.assert_frame_equal(new, old, check_exact=True)
        print(f"{n:>10,} {t1 - t0:>12.3f} {t2 - t1:>10.2f} {(t2 - t1) / (t1 - t0):>5.0f}× "
              f"{1000 * (t2 - t1) / n:>9.1f}/{1000 * (t1 - t0) / n:.2f}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--firms", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--whatif", type=int, nargs="+", default=[100, 1000],
                        help="prospects for the what-if timing, against the first county")
    args = parser.parse_args(argv)
    settings = load_policy().section("efficiency")
    print("2-core / 24 GiB dev machine; times in seconds")
    first: pd.DataFrame | None = None
    print(f"{'firms':>10} {'evaluate':>9} {'aggregate':>9} {'loop':>8} {'ratio':>6}")
    for n in args.firms:
        firms = synthetic(n)
        t0 = time.perf_counter()
        ours = evaluate(firms, settings, as_of=AS_OF)
        t1 = time.perf_counter()
        first = ours if first is None else first
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
    if first is not None and [n for n in args.whatif if n > 0]:
        whatif([n for n in args.whatif if n > 0], first, settings)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

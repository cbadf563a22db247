"""Fictional target-enterprise library (招商目标企业库) for the demo county and benchmarks.

Rows look like an enterprise-database export (企查查/启信宝-style columns, see the ``target``
layer in layers/registry.py): every firm is invented ("示例" in its name), its 统一社会信用代码
is a made-up 18-character code, and many evidence cells are blank, as in real exports.
Deterministic for a given ``n`` and ``seed``.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import yaml

CITIES = ("上海", "苏州", "宁波", "深圳", "西安", "榆林", "鄂尔多斯", "太原", "郑州", "合肥",
          "成都", "天津", "唐山", "包头", "银川")
ROUNDS = ("天使轮", "A轮", "B轮", "C轮", "战略融资", "定向增发")
REVENUE_BANDS = ("1000万以下", "1000万-5000万", "5000万-1亿", "1-5亿", "5-10亿", "10亿以上")
LISTED = ("A股上市", "港股上市", "新三板", "未上市")
SPECIALISED = ("国家级专精特新小巨人", "省级专精特新", "否")
SUFFIXES = ("科技有限公司", "材料股份有限公司", "新能源有限公司", "实业有限公司",
            "制造有限公司")


def _segments(chains_path: Path) -> list[tuple[str, str, str]]:
    doc = yaml.safe_load(chains_path.read_text(encoding="utf-8"))
    return [(s["segment_id"], s["zh"], s["industry_codes"][0])
            for c in doc["chains"] for s in c["segments"]]


def build_targets(n: int = 300, *, seed: int = 2026, chains_path: Path | None = None,
                  as_of_year: int = 2026) -> pd.DataFrame:
    """``n`` fictional prospect firms spread over the chain segments, with partly blank
    evidence (financing, new plants, hiring, revenue band, listing, 专精特新)."""
    if chains_path is None:
        from data import get_path

        chains_path = get_path("chains")
    rng = np.random.default_rng(seed)
    segments = _segments(chains_path)
    seg = rng.integers(0, len(segments), n)

    def maybe(p_blank: float, values: list[str]) -> list[str | None]:
        blank = rng.random(n) < p_blank
        return [None if b else v for b, v in zip(blank, values, strict=True)]

    years = rng.integers(as_of_year - 4, as_of_year + 1, n)
    months = rng.integers(1, 13, n)
    financing = [f"{ROUNDS[r]} {y}-{m:02d}" for r, y, m in
                 zip(rng.integers(0, len(ROUNDS), n), years, months, strict=True)]
    financing = [f if rng.random() > 0.2 else "无" for f in financing]
    expansion = [f"{CITIES[c]}新建生产基地 {y}" if rng.random() > 0.3 else "无"
                 for c, y in zip(rng.integers(0, len(CITIES), n), years[::-1], strict=True)]
    hiring = [str(int(h)) for h in rng.integers(0, 60, n)]
    ids = [f"91{rng.integers(110000, 659999):06d}MA{rng.integers(0, 10**7):07d}{i % 10}"
           for i in range(n)]
    names = [f"示例{segments[s][1]}{SUFFIXES[i % len(SUFFIXES)]}{i + 1:05d}"
             for i, s in enumerate(seg)]
    # a third of the firms carry only their industry code, a third only a keyword-bearing
    # product line, a third an explicit segment — the three ways placement works
    how = rng.integers(0, 3, n)
    return pd.DataFrame({
        "target_id": ids,
        "name": names,
        "city": [CITIES[c] for c in rng.integers(0, len(CITIES), n)],
        "industry_code": [segments[s][2] if h == 0 else None for s, h in zip(seg, how,
                                                                            strict=True)],
        "segment_id": [segments[s][0] if h == 2 else None for s, h in zip(seg, how,
                                                                          strict=True)],
        "products": [f"{segments[s][1]}" for s in seg],
        "financing": maybe(0.45, financing),
        "expansion": maybe(0.5, expansion),
        "hiring": maybe(0.4, hiring),
        "revenue_band": maybe(0.3, [REVENUE_BANDS[r] for r in
                                    rng.integers(0, len(REVENUE_BANDS), n)]),
        "listed": maybe(0.4, [LISTED[r] for r in rng.integers(0, len(LISTED), n)]),
        "specialised": maybe(0.5, [SPECIALISED[r] for r in
                                   rng.integers(0, len(SPECIALISED), n)]),
        "contact_person": [f"联系人{i + 1:05d}" for i in range(n)],
        "contact_phone": [f"1390000{i:04d}" for i in range(n)],
        "owner": [f"招商专员{i % 7 + 1}" for i in range(n)],
        "notes": maybe(0.7, [f"内部：第{i % 5 + 1}次接触" for i in range(n)]),
    })

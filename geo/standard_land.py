"""标准地 check: does a project meet its parcel's control indicators? (shared/domain.md §5)

Three conditions, each ``pass`` / ``fail`` / unknown (NA) with the shortfall:

* investment intensity 投资强度: project ``investment_wan`` ÷ parcel ``area_mu`` ≥
  ``investment_min_wan_per_mu`` (万元/亩); shortfall in 万元/亩 and in 万元 for the parcel;
* FAR 容积率: the project's ``far`` (optional column: planned FAR) within
  [``far_min``, ``far_max``]; shortfall = distance to the nearest bound;
* tax per mu 亩均税收: the enterprise's ``tax_wan`` ÷ ``land_mu`` ≥ ``tax_min_wan_per_mu``,
  judged only for ``producing`` projects whose enterprise is known (earlier stages owe no tax
  yet); shortfall in 万元/亩 and in 万元 for the parcel.

``passed`` is True when every judged condition passes, False when any fails, NA when none
could be judged.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

TAX_DUE_STAGES = ("producing",)


def check_projects(projects: pd.DataFrame, parcels: pd.DataFrame,
                   enterprises: pd.DataFrame | None = None) -> pd.DataFrame:
    """Check each project on a parcel against the parcel's 标准地 conditions.

    Parameters
    ----------
    projects : project layer (``project_id``, ``parcel_id``, ``stage``, ``investment_wan``,
        optional ``far`` and ``enterprise_id``).
    parcels : parcel layer (``parcel_id``, ``area_mu``, ``investment_min_wan_per_mu``,
        ``far_min``, ``far_max``, ``tax_min_wan_per_mu``).
    enterprises : enterprise layer (``enterprise_id``, ``tax_wan``, ``land_mu``) for the tax
        condition; without it the tax condition is not judged.

    Returns
    -------
    DataFrame, one row per project with a parcel (projects without ``parcel_id`` are left
    out): ``project_id``, ``parcel_id``, ``stage``, ``area_mu``, ``investment_per_mu``,
    ``investment_min``, ``investment_pass``, ``investment_shortfall_per_mu``,
    ``investment_shortfall_wan``, ``far``, ``far_min``, ``far_max``, ``far_pass``,
    ``far_shortfall``, ``tax_per_mu``, ``tax_min``, ``tax_pass``, ``tax_shortfall_per_mu``,
    ``tax_shortfall_wan``, ``passed``, ``reason_zh``, ``reason_en``.
    """
    cols = ["parcel_id", "area_mu", "investment_min_wan_per_mu", "far_min", "far_max",
            "tax_min_wan_per_mu"]
    land = pd.DataFrame(parcels[[c for c in cols if c in parcels]]).astype(
        {"parcel_id": object}).set_index("parcel_id")
    located = projects[projects["parcel_id"].notna()]
    out = pd.DataFrame({
        "project_id": located["project_id"].astype(object),
        "parcel_id": located["parcel_id"].astype(object),
        "stage": located["stage"].astype(object) if "stage" in located else None,
    }, index=located.index)
    pid = out["parcel_id"]
    area = _col(pid.map(land["area_mu"]) if "area_mu" in land else None, out)
    out["area_mu"] = area
    invest = _col(located.get("investment_wan"), out)
    out["investment_per_mu"] = invest / area.where(area > 0)
    out["investment_min"] = _col(pid.map(land["investment_min_wan_per_mu"])
                                 if "investment_min_wan_per_mu" in land else None, out)
    gap = out["investment_min"] - out["investment_per_mu"]
    out["investment_pass"] = _verdict(gap <= 0, gap)
    out["investment_shortfall_per_mu"] = gap.clip(lower=0)
    out["investment_shortfall_wan"] = gap.clip(lower=0) * area
    far = _col(located.get("far"), out)
    out["far"] = far
    out["far_min"] = _col(pid.map(land["far_min"]) if "far_min" in land else None, out)
    out["far_max"] = _col(pid.map(land["far_max"]) if "far_max" in land else None, out)
    below = (out["far_min"] - far).clip(lower=0).fillna(0)
    above = (far - out["far_max"]).clip(lower=0).fillna(0)
    far_gap = (below + above).where(far.notna() & (out["far_min"].notna()
                                                   | out["far_max"].notna()))
    out["far_pass"] = _verdict(far_gap <= 0, far_gap)
    out["far_shortfall"] = far_gap
    out["tax_per_mu"] = _enterprise_tax(located, enterprises, out)
    out["tax_min"] = _col(pid.map(land["tax_min_wan_per_mu"])
                          if "tax_min_wan_per_mu" in land else None, out)
    tax_gap = out["tax_min"] - out["tax_per_mu"]
    out["tax_pass"] = _verdict(tax_gap <= 0, tax_gap)
    out["tax_shortfall_per_mu"] = tax_gap.clip(lower=0)
    out["tax_shortfall_wan"] = tax_gap.clip(lower=0) * area
    verdicts = out[["investment_pass", "far_pass", "tax_pass"]]
    out["passed"] = pd.Series(pd.NA, index=out.index, dtype="boolean")
    judged = verdicts.notna().any(axis=1)
    out.loc[judged, "passed"] = ~(verdicts[judged] == False).any(axis=1)  # noqa: E712
    texts = [_reason(row) for row in out.to_dict("records")]
    out["reason_zh"] = [t[0] for t in texts]
    out["reason_en"] = [t[1] for t in texts]
    return out


def _col(values: pd.Series | None, like: pd.DataFrame) -> pd.Series:
    if values is None:
        return pd.Series(np.nan, index=like.index, dtype="float64")
    return pd.to_numeric(pd.Series(values, index=like.index), errors="coerce").astype("float64")


def _verdict(ok: pd.Series, gap: pd.Series) -> pd.Series:
    """Nullable boolean: NA where the gap is unknown."""
    out = pd.Series(ok.to_numpy(dtype=bool), index=ok.index, dtype="boolean")
    out[gap.isna()] = pd.NA
    return out


def _enterprise_tax(located: pd.DataFrame, enterprises: pd.DataFrame | None,
                    like: pd.DataFrame) -> pd.Series:
    """Enterprise tax per mu for producing projects; NaN where not judged."""
    if enterprises is None or "enterprise_id" not in located:
        return _col(None, like)
    ent = pd.DataFrame(enterprises).astype({"enterprise_id": object}).set_index("enterprise_id")
    land = pd.to_numeric(ent["land_mu"], errors="coerce")
    per_mu = pd.to_numeric(ent["tax_wan"], errors="coerce") / land.where(land > 0)
    value = located["enterprise_id"].astype(object).map(per_mu)
    due = located["stage"].isin(TAX_DUE_STAGES) if "stage" in located else False
    return _col(value, like).where(due)


def _failed(verdict: Any) -> bool:
    return not pd.isna(verdict) and not bool(verdict)


def _reason(r: dict[str, Any]) -> tuple[str, str]:
    """Chinese and English summary of the failed and unjudged conditions of one project."""
    zh: list[str] = []
    en: list[str] = []
    if _failed(r["investment_pass"]):
        zh.append(f"投资强度{r['investment_per_mu']:.1f}万元/亩，低于{r['investment_min']:g}，"
                  f"差{r['investment_shortfall_wan']:.0f}万元")
        en.append(f"investment {r['investment_per_mu']:.1f} 万元/亩 below "
                  f"{r['investment_min']:g}, short by {r['investment_shortfall_wan']:.0f} 万元")
    if _failed(r["far_pass"]):
        zh.append(f"容积率{r['far']:g}不在{r['far_min']:g}–{r['far_max']:g}内")
        en.append(f"FAR {r['far']:g} outside {r['far_min']:g}–{r['far_max']:g}")
    if _failed(r["tax_pass"]):
        zh.append(f"亩均税收{r['tax_per_mu']:.2f}万元，低于承诺{r['tax_min']:g}，"
                  f"差{r['tax_shortfall_wan']:.0f}万元")
        en.append(f"tax {r['tax_per_mu']:.2f} 万元/亩 below the commitment "
                  f"{r['tax_min']:g}, short by {r['tax_shortfall_wan']:.0f} 万元")
    if pd.isna(r["passed"]):
        return "无可判定的条件（缺投资额、容积率或税收数据）", (
            "nothing to judge (no investment, FAR or tax figures)")
    if r["passed"]:
        return "符合标准地条件", "meets the standard-land conditions"
    return "；".join(zh), "; ".join(en)

"""Industry-chain analysis (产业链图谱): presence, strength and a verdict per segment.

Pure computation over already validated frames (shared/domain.md §8). Public entry points:
:func:`place` (firms → segments), :func:`analyse` (segment table with verdicts per county or
park), :func:`match` (gap → parcels → target enterprises, in :mod:`geo.chain_match`) and
:func:`analysis_for` (what an audience may see).

Verdicts (强链 strengthen / 补链 fill / 延链 extend):

* a segment is *present* in a scope when it has a producing firm or an active project
  (stage in ``settings.present_stages``);
* present segments are ``strong``, ``present`` or ``thin`` by producer count and relative
  output (see :class:`~geo.chain_catalog.ChainSettings`);
* an absent segment is ``extension`` when no present segment lies downstream of it (along
  forward ``supplies`` edges) while at least one lies upstream — it extends the chain past its
  current end; every other absent segment is ``missing``.
"""

from __future__ import annotations

from typing import Literal

import numpy as np
import pandas as pd

from geo.chain_catalog import (
    MATCH_PARTS,
    POSITION_LABELS,
    PROJECT_STAGES,
    VERDICT_LABELS,
    VERDICTS,
    Chain,
    ChainCatalog,
    ChainSettings,
    LandNeed,
    Segment,
    Target,
    forward_cycle,
    leading_chains,
    place,
    unplaced,
)
from geo.chain_match import match, worklist_for

__all__ = [
    "MATCH_PARTS", "POSITION_LABELS", "PROJECT_STAGES", "VERDICTS", "VERDICT_LABELS",
    "Chain", "ChainCatalog", "ChainSettings", "LandNeed", "Segment", "Target",
    "analyse", "analysis_for", "forward_cycle", "leading_chains", "match", "place",
    "unplaced", "worklist_for",
]

Audience = Literal["investor", "staff"]
FIGURE_COLUMNS: tuple[str, ...] = ("value_added_wan", "revenue_wan", "tax_wan")
"""Sums of confidential enterprise figures (staff only, suppressed below the disclosure
threshold)."""
INVESTOR_COLUMNS: tuple[str, ...] = ("scope", "chain_id", "segment_id", "zh", "en", "position",
                                     "verdict")
"""Columns of the analysis an investor view may show: names and verdicts, never figures."""
PROJECT_COLUMNS = ("project_id", "enterprise_id", "segment_id", "stage", "investment_wan",
                   "park_id")
ENTERPRISE_COLUMNS = ("enterprise_id", "segment_id", "park_id", *FIGURE_COLUMNS)


def analyse(catalog: ChainCatalog, projects: pd.DataFrame, enterprises: pd.DataFrame, *,
            parks: pd.DataFrame | None = None, park_id: str | None = None,
            settings: ChainSettings | None = None) -> pd.DataFrame:
    """Segment table with presence, strength and a verdict, for the county or one park.

    Parameters
    ----------
    catalog : chain definitions.
    projects : projects (``stage``, ``investment_wan``, ``park_id``; placed by :func:`place`
        unless already carrying ``placed_by``).
    enterprises : enterprises (producing firms; ``park_id`` and the confidential figures
        ``value_added_wan``, ``revenue_wan``, ``tax_wan`` when known).
    parks : parks with ``leading_industries``; needed for ``park_id``.
    park_id : analyse one park: only its projects and firms, and only the chains among its
        leading industries (a park does not "need" other chains). ``None``: the county.
    settings : verdict rules (policy section ``chains``).

    Returns
    -------
    One row per (chain_id, segment_id) in catalog order: ``scope`` ('county' or the park id),
    names, ``position``, ``producers`` (distinct producing firms), ``projects_<stage>`` per
    stage, ``projects_active``, ``investment_wan`` (active projects), the sums
    ``value_added_wan``, ``revenue_wan``, ``tax_wan`` (NaN and ``figures_suppressed`` when
    fewer than ``disclosure_min_firms`` firms report them), ``relative_output``, ``verdict``,
    ``verdict_zh``, ``reason`` and ``reason_en``. With ``parks`` and no ``park_id`` the column
    ``needed_by`` lists the parks leading each chain.
    """
    settings = settings or ChainSettings()
    chains, scope = _scope(catalog, parks, park_id)
    projects = _slim(_placed(projects, catalog), PROJECT_COLUMNS)
    enterprises = _slim(_placed(enterprises, catalog), ENTERPRISE_COLUMNS)
    if park_id is not None:
        projects = projects[_park_is(projects, park_id)]
        enterprises = enterprises[_park_is(enterprises, park_id)]
    table = _segment_table(chains, scope)
    table = table.join(_project_counts(projects, settings), on="segment_id")
    table = table.join(_producers(projects, enterprises), on="segment_id")
    table = table.join(_figures(enterprises, settings), on="segment_id")
    stage_cols = [f"projects_{s}" for s in PROJECT_STAGES]
    table[[*stage_cols, "projects_active", "producers", "firms_reporting"]] = (
        table[[*stage_cols, "projects_active", "producers", "firms_reporting"]]
        .fillna(0).astype(int))
    table["investment_wan"] = table["investment_wan"].fillna(0.0)
    _verdicts(table, catalog, settings)
    table["figures_suppressed"] = table["firms_reporting"] < settings.disclosure_min_firms
    for col in FIGURE_COLUMNS:
        table.loc[table["figures_suppressed"], col] = np.nan
    if parks is not None and park_id is None:
        lead = leading_chains(parks)
        table["needed_by"] = [",".join(p for p, chains in lead.items() if c in chains)
                              for c in table["chain_id"]]
    return table.drop(columns=["firms_reporting"]).reset_index(drop=True)


def analysis_for(analysis: pd.DataFrame, audience: Audience) -> pd.DataFrame:
    """The columns of an analysis an audience may see: investors get names and verdicts only
    (:data:`INVESTOR_COLUMNS`); staff get everything (figures are already aggregated and
    suppressed below the disclosure threshold)."""
    if audience == "staff":
        return analysis.copy()
    if audience == "investor":
        return analysis[[c for c in INVESTOR_COLUMNS if c in analysis.columns]].copy()
    raise ValueError(f"unknown audience {audience!r}; use 'investor' or 'staff'")


# -- helpers ------------------------------------------------------------------------------


def _scope(catalog: ChainCatalog, parks: pd.DataFrame | None, park_id: str | None
           ) -> tuple[list[Chain], str]:
    if park_id is None:
        return list(catalog.chains), "county"
    if parks is None:
        raise ValueError(f"park {park_id!r}: pass the parks layer to analyse one park")
    lead = leading_chains(parks)
    if park_id not in lead:
        raise ValueError(f"unknown park {park_id!r}; parks: {sorted(lead)}")
    wanted = set(lead[park_id])
    return [c for c in catalog.chains if c.chain_id in wanted], park_id


def _placed(frame: pd.DataFrame, catalog: ChainCatalog) -> pd.DataFrame:
    return frame if "placed_by" in frame.columns else place(frame, catalog)


def _slim(frame: pd.DataFrame, columns: tuple[str, ...]) -> pd.DataFrame:
    """Only the columns the analysis reads, as a plain DataFrame (no geometry to copy)."""
    return pd.DataFrame(frame[[c for c in columns if c in frame.columns]])


def _park_is(frame: pd.DataFrame, park_id: str) -> pd.Series:
    if "park_id" not in frame.columns:
        return pd.Series(False, index=frame.index)
    return frame["park_id"].astype(object).eq(park_id).fillna(False).astype(bool)


def _segment_table(chains: list[Chain], scope: str) -> pd.DataFrame:
    rows = [{"scope": scope, "chain_id": c.chain_id, "segment_id": s.segment_id, "zh": s.zh,
             "en": s.en, "position": s.position} for c in chains for s in c.segments]
    columns = ["scope", "chain_id", "segment_id", "zh", "en", "position"]
    return pd.DataFrame(rows, columns=columns).astype(object)


def _project_counts(projects: pd.DataFrame, settings: ChainSettings) -> pd.DataFrame:
    """Projects per segment and stage, active projects and their investment (NaN as 0)."""
    placed = projects[projects["segment_id"].notna()]
    n = len(placed)
    segs, seg_idx = np.unique(placed["segment_id"].astype(str).to_numpy(), return_inverse=True)
    stage = (placed["stage"].astype(object).to_numpy() if "stage" in placed
             else np.full(n, None, dtype=object))
    invest = (pd.to_numeric(placed["investment_wan"], errors="coerce").to_numpy(dtype=float)
              if "investment_wan" in placed else np.zeros(n))
    active = np.isin(stage, list(settings.present_stages))

    def per_segment(weights: np.ndarray) -> np.ndarray:
        return np.bincount(seg_idx, weights=weights, minlength=len(segs))

    counts = {f"projects_{s}": per_segment(stage == s).astype(int) for s in PROJECT_STAGES}
    counts["projects_active"] = per_segment(active).astype(int)
    counts["investment_wan"] = per_segment(np.where(active, np.nan_to_num(invest), 0.0))
    return pd.DataFrame(counts, index=pd.Index(segs.astype(object), dtype=object))


def _producers(projects: pd.DataFrame, enterprises: pd.DataFrame) -> pd.DataFrame:
    """Distinct producing firms per segment: placed enterprises, plus producing projects (by
    their enterprise id, else by project id) — a firm is counted once."""
    ent = enterprises[enterprises["segment_id"].notna()]
    keys = [pd.DataFrame({"segment_id": ent["segment_id"].astype(object),
                          "key": ent["enterprise_id"].astype(object)})]
    prod = projects[projects["segment_id"].notna()
                    & projects.get("stage", pd.Series(index=projects.index)).eq("producing")]
    if len(prod):
        eid = (prod["enterprise_id"].astype(object) if "enterprise_id" in prod
               else pd.Series(None, index=prod.index, dtype=object))
        key = eid.where(eid.notna(), "project:" + prod["project_id"].astype(str))
        keys.append(pd.DataFrame({"segment_id": prod["segment_id"].astype(object),
                                  "key": key.astype(object)}))
    both = pd.concat(keys, ignore_index=True).drop_duplicates()
    out = both.groupby("segment_id").size().rename("producers").to_frame()
    out.index = out.index.astype(object)
    return out


def _figures(enterprises: pd.DataFrame, settings: ChainSettings) -> pd.DataFrame:
    ent = enterprises[enterprises["segment_id"].notna()]
    values = pd.DataFrame(index=ent.index)
    for col in FIGURE_COLUMNS:
        values[col] = (pd.to_numeric(ent[col], errors="coerce") if col in ent
                       else pd.Series(np.nan, index=ent.index))
    grouped = values.groupby(ent["segment_id"].astype(object))
    out = grouped.sum(min_count=1)
    out["firms_reporting"] = grouped[settings.output_measure].count()
    out.index = out.index.astype(object)
    return out


def _verdicts(table: pd.DataFrame, catalog: ChainCatalog, settings: ChainSettings) -> None:
    present = (table["producers"] > 0) | (table["projects_active"] > 0)
    # output is known when firms report it, or is truly 0 when the segment has no producer
    output = table[settings.output_measure].where(table["firms_reporting"] > 0,
                                                  np.where(table["producers"] == 0, 0.0,
                                                           np.nan))
    known = present & output.notna()
    mean = output[known].groupby(table.loc[known, "chain_id"]).mean()
    chain_mean = table["chain_id"].map(mean)
    relative = (output / chain_mean).where(known & (chain_mean > 0))
    table["relative_output"] = relative
    present_ids = set(table.loc[present, "segment_id"])
    verdicts, reasons_zh, reasons_en = [], [], []
    for seg_id, is_present, producers, active, rel in zip(
            table["segment_id"], present, table["producers"], table["projects_active"],
            relative, strict=True):
        if is_present:
            verdict, zh, en = _present_verdict(int(producers), int(active), rel, settings)
        else:
            verdict, zh, en = _absent_verdict(catalog, seg_id, present_ids)
        verdicts.append(verdict)
        reasons_zh.append(zh)
        reasons_en.append(en)
    table["verdict"] = verdicts
    table["verdict_zh"] = [VERDICT_LABELS[v][0] for v in verdicts]
    table["reason"] = reasons_zh
    table["reason_en"] = reasons_en


def _present_verdict(producers: int, active: int, rel: float, settings: ChainSettings
                     ) -> tuple[str, str, str]:
    has_rel = not pd.isna(rel)
    rel_zh = f"，产出为链均值的 {rel:.2f} 倍" if has_rel else ""
    rel_en = f", output {rel:.2f}× the chain mean" if has_rel else ""
    facts_zh = f"{producers} 家在产企业、{active} 个在建/在产项目{rel_zh}"
    facts_en = f"{producers} producing firm(s), {active} active project(s){rel_en}"
    if producers >= settings.strong_min_producers and (
            not has_rel or rel >= settings.strong_min_relative_output):
        return "strong", facts_zh, facts_en
    if producers <= settings.thin_max_producers or (
            has_rel and rel < settings.thin_max_relative_output):
        return "thin", f"{facts_zh}：需强链", f"{facts_en}: strengthen"
    return "present", facts_zh, facts_en


def _absent_verdict(catalog: ChainCatalog, seg_id: str, present: set[str]
                    ) -> tuple[str, str, str]:
    down = catalog.downstream_of(seg_id) & present
    up = catalog.upstream_of(seg_id) & present
    if up and not down:
        nearest = [s for s in catalog.chain(catalog.segments[seg_id].chain_id).segment_ids
                   if s in up and not catalog.downstream_of(s) & up]
        names = "、".join(catalog.segments[s].zh for s in nearest)
        return ("extension", f"无企业和项目；上游已有（{names}），下游无已有环节：延链",
                f"no firm or project; present upstream ({', '.join(nearest)}), nothing "
                "present downstream: extend")
    return "missing", "无企业和项目：补链", "no firm or project: fill the gap"


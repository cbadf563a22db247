"""The promotion worklist (招商工作清单) as a display table for exports.

Wraps :func:`layers.chains.county_worklist` and :func:`geo.chains.worklist_for`: investors see
which offerable parcel suits which chain segment; staff also see the rank, the score, the
target enterprises and the reasons.
"""

from __future__ import annotations

import pandas as pd

from exports.common import tr
from geo.chain_catalog import INVESTOR_VERDICT_LABELS
from geo.chains import VERDICT_LABELS, worklist_for
from layers.chains import county_worklist, load_chains
from layers.county import County
from layers.registry import label

_HEADERS = {
    "chain": ("产业链", "Chain"),
    "segment": ("产业链环节", "Chain segment"),
    "verdict": ("判定", "Verdict"),
    "parcel_id": ("地块编号", "Parcel ID"),
    "park_name": ("所属园区", "Park"),
    "area_mu": ("面积(亩)", "Area (mu)"),
    "rank": ("排名", "Rank"),
    "score": ("匹配得分", "Score"),
    "enterprises": ("目标企业", "Target enterprises"),
    "reasons": ("说明", "Notes"),
}
INVESTOR_COLUMNS = ("chain", "segment", "verdict", "parcel_id", "park_name", "area_mu")
STAFF_COLUMNS = (*INVESTOR_COLUMNS, "rank", "score", "enterprises", "reasons")


def worklist_table(county: County, *, lang: str = "zh", audience: str = "investor",
                   park_id: str | None = None) -> tuple[pd.DataFrame, dict[str, str]]:
    """The worklist with names instead of ids, and its display headers.

    Parameters
    ----------
    county : loaded county (park, parcel, project, redline, enterprise layers).
    lang : ``zh`` or ``en`` names and headers.
    audience : ``investor`` (segment ↔ parcel only) or ``staff`` (plus rank, score, target
        enterprises, reasons).
    park_id : the worklist of one park instead of the county.

    Returns
    -------
    (frame, headers)
        ``frame`` has :data:`INVESTOR_COLUMNS` or :data:`STAFF_COLUMNS`; ``headers`` maps them
        to display names.
    """
    catalog = load_chains()
    raw = county_worklist(county, catalog, park_id=park_id)
    shown = worklist_for(raw, "staff" if audience == "staff" else "investor")
    parks = county["park"].set_index("park_id")["name" if lang == "zh" else "name_en"]
    frame = pd.DataFrame({
        "chain": [catalog.chain(c).name(lang) for c in shown["chain_id"]],
        "segment": shown["segment_zh" if lang == "zh" else "segment_en"].astype(object),
        "verdict": [label(VERDICT_LABELS if audience == "staff" else INVESTOR_VERDICT_LABELS,
                          str(v), lang) for v in shown["verdict"]],
        "parcel_id": shown["parcel_id"].astype(object),
        "park_name": shown["park_id"].map(parks).astype(object),
        "area_mu": pd.to_numeric(shown["area_mu"]).round(2),
    })
    columns = INVESTOR_COLUMNS
    if audience == "staff":
        frame["rank"] = shown["rank"].astype(object)
        frame["score"] = pd.to_numeric(shown["score"]).round(1)
        frame["enterprises"] = shown["enterprises"].astype(object)
        frame["reasons"] = shown["reasons" if lang == "zh" else "reasons_en"].astype(object)
        columns = STAFF_COLUMNS
    headers = {c: tr(*_HEADERS[c], lang) for c in columns}
    return frame[list(columns)], headers

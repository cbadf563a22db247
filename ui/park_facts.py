"""The park facts table under the investment map: public columns only, labels in the
session language, and which parks it lists."""

from __future__ import annotations

import pandas as pd

from layers.registry import LAYERS
from ui.i18n import lang
from ui.labels import readable

PARK_TABLE_ROWS = 200
"""Most parks the park facts table lists while no park is chosen: a county of thousands of
parks lists its largest (2,223 rows were 0.66 MB sent with every first page, and the
browser's work on them delayed the map's first draw by about half a second)."""


def park_facts(parks: pd.DataFrame) -> pd.DataFrame:
    """Public park facts (registry public columns only) with labels in the session language."""
    spec = LAYERS["park"]
    cols = [c for c in ("name", "level", "leading_industries", "area_mu", "address",
                        "contact", "description") if c in spec.public_columns]
    out = pd.DataFrame(parks[cols]).copy()
    if lang() == "en":
        for zh_col, en_col in (("name", "name_en"), ("address", "address_en"),
                               ("description", "description_en")):
            if en_col in parks:
                out[zh_col] = parks[en_col].where(parks[en_col].notna(), parks[zh_col])
    return readable(out, layer="park", digits=1)


def listed_parks(parks: pd.DataFrame, chosen: list[str], *,
                 limit: int = PARK_TABLE_ROWS) -> pd.DataFrame:
    """The parks the park facts table lists: the chosen ones, else every park, or the
    ``limit`` largest (by ``area_mu``; ties by id) when there are more."""
    if chosen:
        return parks[parks["park_id"].astype(str).isin(chosen)]
    if len(parks) <= limit:
        return parks
    area = pd.to_numeric(parks["area_mu"], errors="coerce") if "area_mu" in parks \
        else pd.Series(0.0, index=parks.index)
    order = pd.DataFrame({"area": area.fillna(-1.0).to_numpy(),
                          "id": parks["park_id"].astype(str).to_numpy()})
    order = order.sort_values(["area", "id"], ascending=[False, True], kind="stable")
    return parks.iloc[order.index[:limit]]

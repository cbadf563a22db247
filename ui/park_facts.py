"""The park facts table under the investment map: public columns only, labels in the
session language, and which parks it lists."""

from __future__ import annotations

import pandas as pd

from layers.registry import LAYERS
from ui.i18n import lang
from ui.labels import readable

PARK_TABLE_ROWS = 200
"""Most parks the park facts table lists while no park is chosen. A county of more lists
none until parks are chosen (its page says so): 2,223 rows were 0.66 MB sent with every
first page, and the table alone — the browser loading and laying out its grid — held the
map's first draw back by 0.2–0.3 s at a million parcels even at 200 rows."""


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
    """The parks the park facts table lists: the chosen ones, else every park while there
    are at most ``limit``, else none (the county's parks are then chosen by name)."""
    if chosen:
        return parks[parks["park_id"].astype(str).isin(chosen)]
    return parks if len(parks) <= limit else parks.iloc[:0]

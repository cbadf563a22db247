"""Staff notes on data dates (layers/freshness.py), each in its one place.

- :func:`stale_warning`: layers whose recorded date is older than the policy allows — in
  the sidebar of every staff page (``app.py``) and at the top of the leads page. A layer with
  no recorded date is not "stale" here: that is a note for whoever loads data.
- :func:`metadata_notes`: layers with no recorded as-of date — on the admin settings page only,
  in words (what to do), never on investor pages.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from layers.freshness import LayerFreshness, layer_freshness, stale_layers
from layers.registry import LAYERS
from ui import state
from ui.i18n import lang, pick

TITLE = ("数据时效提醒", "Stale data")
NOTES_TITLE = ("未登记数据日期的图层", "Layers without a recorded data date")
NOTES_HELP = ("这些图层导入时没有填写“数据截至日期”，投资者看到的卡片和导出不显示其日期。"
              "下次导入或更新这些图层时请填写数据日期。",
              "These layers were loaded without a “data as of” date, so investor cards and "
              "exports show no date for them. Give the date the next time each is loaded "
              "or updated.")


def _records() -> list[LayerFreshness]:
    return stale_layers(layer_freshness(state.county(), today=pd.Timestamp(state.as_of())))


def _layer_name(record: LayerFreshness) -> str:
    spec = LAYERS[record.layer]
    return spec.zh if lang() == "zh" else spec.en


def stale_text(record: LayerFreshness) -> str:
    """Why a layer with a recorded date is stale, in the page's language."""
    day = record.as_of.date().isoformat() if record.as_of is not None else ""
    return pick((f"{_layer_name(record)}：数据截至 {day}，已 {record.age_days} 天，"
                 f"超过 {record.max_age_days} 天",
                 f"{_layer_name(record)}: data as of {day}, {record.age_days} days old, "
                 f"over the {record.max_age_days}-day limit"))


def stale_warning(*, where: str = "sidebar") -> None:
    """List the shown county's layers that are older than allowed (nothing when all are
    current or carry no date)."""
    stale = [r for r in _records() if r.as_of is not None]
    if not stale:
        return
    text = pick(TITLE) + "\n\n" + "\n".join(f"- {stale_text(r)}" for r in stale)
    (st.sidebar if where == "sidebar" else st).warning(text)


def metadata_notes() -> None:
    """The one staff place listing layers without a recorded as-of date."""
    missing = [r for r in _records() if r.as_of is None]
    if not missing:
        return
    st.subheader(pick(NOTES_TITLE))
    st.caption(pick(NOTES_HELP))
    st.markdown("\n".join(f"- {_layer_name(r)}" for r in missing))

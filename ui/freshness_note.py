"""Staff warning where a layer is stale (layers/freshness.py): shown in the sidebar of every
staff page by ``app.py`` and at the top of the leads page."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from layers.freshness import layer_freshness, stale_layers, stale_text
from ui import state
from ui.i18n import lang, pick

TITLE = ("数据时效提醒", "Stale data")


def stale_warning(*, where: str = "sidebar") -> None:
    """List the stale layers of the shown county (nothing when all are current)."""
    stale = stale_layers(layer_freshness(state.county(), today=pd.Timestamp(state.as_of())))
    if not stale:
        return
    text = pick(TITLE) + "\n\n" + "\n".join(f"- {stale_text(r, lang())}" for r in stale)
    (st.sidebar if where == "sidebar" else st).warning(text)

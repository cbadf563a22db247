"""The id box of 数据维护: every id of a layer while they are few; beyond
:data:`ID_BOX_LIMIT`, a find box and the ids containing what is typed there."""

from __future__ import annotations

import streamlit as st

ID_BOX_LIMIT = 5000
"""Most ids the id box lists. Sending and drawing every id on every run of the page kept
the browser busy 2.4 s at 100,000 parcels, and a saved edit's map update waited behind it
(docs/reference/vector-tiles.md)."""


def id_choices(ids: list[str], *, current: str | None, query: str,
               limit: int = ID_BOX_LIMIT) -> list[str]:
    """The ids the id box lists: the first ``limit`` ids containing ``query`` (any case;
    the first ``limit`` ids when it is empty), with ``current`` (the feature being edited,
    e.g. clicked on the map) first when it is an id but not among them."""
    needle = query.strip().casefold()
    shown = [i for i in ids if needle in i.casefold()][:limit] if needle else ids[:limit]
    if current is not None and current not in shown and current in ids:
        shown = [current, *shown]
    return shown


def id_box(label: str, ids: list[str], *, key: str, find_label: str,
           hint: str) -> str | None:
    """A select box of ``ids`` under ``key``; over :data:`ID_BOX_LIMIT` ids, a find box
    (``find_label``) above it and a caption (``hint`` with ``{total}`` and ``{shown}``)
    below it, listing :func:`id_choices`."""
    options = ids
    if len(ids) > ID_BOX_LIMIT:
        query = st.text_input(find_label, key=f"{key}_find")
        options = id_choices(ids, current=st.session_state.get(key), query=query,
                             limit=ID_BOX_LIMIT)
        st.caption(hint.format(total=f"{len(ids):,}", shown=f"{len(options):,}"))
    return st.selectbox(label, options, key=key)

"""招商地图 / Investment map, map first: the map fills the page (its legend inside it), the
parcel card and the filters sit in a side panel (below the map on a phone), park facts
follow. The view is in the URL: ``?park=P01,P02``, ``?parcel=ID`` (its card open, the map
centred on it), ``?color=chain``, ``?offer=0``."""

from __future__ import annotations

import logging

import streamlit as st

from ui import state
from ui.auth import current_user
from ui.common import header, show_card
from ui.errors import guarded
from ui.i18n import lang, t
from ui.inquiry import parcel_interest, park_interest
from ui.mapview import (
    MAP_HEIGHT,
    basemap_choice,
    basemap_picker,
    clicked_parcel,
    map_view,
    shown_data,
    style_choice,
    style_picker,
)
from ui.park_facts import listed_parks, park_facts
from ui.session import set_view_params, view_param
from webmap.card import parcel_card

_LOG = logging.getLogger(__name__)
FOCUS_KEY = "map_focus"
SELECTED_KEY = "map_selected"
MAP_KEY = "map_main"


def _url_defaults(names: dict[str, str]) -> None:
    """First run of a session: take the view from the URL into the widgets' state."""
    if st.session_state.get("map_parks_lang") not in (None, lang()) \
            and "map_parks" in st.session_state:
        # the park names (the choices' labels) changed language: set the choice afresh, or
        # the browser's copy, labelled in the other language, breaks the widget
        st.session_state["map_parks"] = list(st.session_state["map_parks"])
    st.session_state["map_parks_lang"] = lang()
    if "map_parks" not in st.session_state:
        wanted = [p for p in (view_param("park") or "").split(",") if p in names]
        st.session_state["map_parks"] = wanted
    if "map_offerable" not in st.session_state and view_param("offer") is not None:
        st.session_state["map_offerable"] = view_param("offer") != "0"


def _focus(basemap: str, parcel_id: str | None,
           park_ids: list[str]) -> tuple[float, float, float, float] | None:
    """The window the map opens on: the parcel of the URL (with room around it), else the
    chosen parks (choosing a park zooms to it), else the county; fixed while the choice
    stays (a moving base map would re-mount it). Taken from the map's own display
    geometries: no reprojection (a transformer is built per thread, and each browser
    session runs in its own thread)."""
    chosen = (basemap, tuple(park_ids))
    kept = st.session_state.get(FOCUS_KEY)
    if kept is not None and kept[0] == chosen:
        return kept[1]
    data = shown_data(basemap)
    box = None
    if parcel_id is not None and kept is None:
        box = data.bounds_of("parcel", [parcel_id])
    elif park_ids:
        box = data.bounds_of("park", park_ids)
    if box is not None:
        west, south, east, north = box
        pad = max((east - west, north - south)) * (1.0 if parcel_id and not park_ids else 0.1)
        pad = max(pad, 0.004)
        box = (west - pad, south - pad, east + pad, north + pad)
    st.session_state[FOCUS_KEY] = (chosen, box)
    return box


@st.fragment
def map_and_card() -> None:
    """Map, side panel (card, filters): a map click reruns this part only. A fragment's
    errors stay inside it, so it is guarded itself (a short message, never a traceback)."""
    guarded(_map_and_card, where="map")


def _map_and_card() -> None:
    county = state.county()
    staff = current_user() is not None
    parks = county["park"]
    names = dict(zip(parks["park_id"], parks["name_en" if lang() == "en" else "name"],
                     strict=True))
    _url_defaults(names)
    url_parcel = view_param("parcel")
    map_col, side = st.columns([2.8, 1.2], gap="small")
    with side:
        card_box = st.container()
        controls_box = st.container()
    # The controls' choices, read before the controls are drawn (a widget's value is in the
    # session's state when the run starts): the card goes out first — a click shows its
    # card without waiting for the map, whose update then outlines the parcel — then the
    # map, then the controls. A new visitor's map is made while the browser is still busy
    # with the controls (at a million parcels, a park list of 2,223).
    style_mode = style_choice("map_style", default=view_param("color"))
    chosen = [p for p in st.session_state.get("map_parks") or [] if p in names]
    only_offerable = bool(st.session_state.get("map_offerable", not staff))
    basemap = basemap_choice("map_basemap")
    efficiency = state.efficiency_by_parcel(state.as_of()) if style_mode == "efficiency" else None
    expanded = not (url_parcel or st.session_state.get(SELECTED_KEY))  # as before the click
    clicked = clicked_parcel(key=MAP_KEY, basemap=basemap, park_ids=chosen or None,
                             offerable_only=only_offerable)
    if clicked:
        st.session_state[SELECTED_KEY] = clicked
    selected = st.session_state.get(SELECTED_KEY) or url_parcel
    with card_box:
        _card(county, selected, staff=staff)
    with map_col:
        map_view(key=MAP_KEY, basemap=basemap, style_mode=style_mode,
                 park_ids=chosen or None, offerable_only=only_offerable,
                 # always a highlight, empty before a click: the legend keys the selected
                 # parcel's outline from the start, so a click swaps the outline in and
                 # the map (and its legend) stays as it is
                 highlight_ids=[selected] if selected else [], highlight_key="selected",
                 efficiency_classes=efficiency, height=MAP_HEIGHT,
                 focus=_focus(basemap, url_parcel, chosen))
    with controls_box, st.expander(t("map_controls"), expanded=expanded):
        drawn = (style_picker("map_style", default=view_param("color")),
                 st.multiselect(t("park_filter"), list(names), format_func=names.get,
                                key="map_parks", placeholder=t("all_parks"),
                                select_all=False),  # "Select all" is English-only
                 st.checkbox(t("only_offerable"), value=not staff, key="map_offerable"),
                 basemap_picker("map_basemap"))
    if drawn != (style_mode, chosen, only_offerable, basemap):  # read otherwise than drawn
        _LOG.warning("map controls drawn as %s, read before as %s", drawn,
                     (style_mode, chosen, only_offerable, basemap))
    set_view_params(parcel=selected, park=",".join(chosen) or None,
                    color=None if style_mode == "status" else style_mode,
                    offer=None if only_offerable == (not staff) else
                    ("1" if only_offerable else "0"))


def _card(county, parcel_id: str | None, *, staff: bool) -> None:  # noqa: ANN001
    if not parcel_id:
        st.info(t("click_hint"))
        return
    audience = "staff" if staff else "investor"
    try:  # the card holds public columns only for investors, whatever the parcel
        card = parcel_card(county, parcel_id, audience=audience, lang=lang(),
                           availability=state.availability())
    except KeyError:
        st.warning(t("no_such_parcel"))
        return
    show_card(card, audience=audience)
    parcel_interest(parcel_id)  # as-of date; investors: view count and inquiry form


def render() -> None:
    header("page_map", compact=True)
    map_and_card()
    st.subheader(t("park_facts"))
    parks = state.county()["park"]
    chosen = st.session_state.get("map_parks") or []
    listed = listed_parks(parks, chosen)
    if len(listed):
        st.dataframe(park_facts(listed), hide_index=True, width="stretch")
    else:
        st.caption(t("park_facts_choose", total=f"{len(parks):,}"))
    park_interest(chosen)  # as-of; investors: inquiry form


render()

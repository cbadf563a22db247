"""Cached data access for the pages: the county and everything derived from it is computed
once per process (``st.cache_resource``), never re-read per rerun."""

from __future__ import annotations

import gc
import os
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd
import streamlit as st

import exports  # noqa: F401 - registers the "export" policy section (checked on load)
from geo.availability import ParcelQuery
from geo.chain_catalog import ChainCatalog
from layers.county import County, load_county
from webmap.builder import MapData, prepare

if TYPE_CHECKING:  # imported in a page run only: it imports streamlit-folium (ui.mapview)
    from ui.map_component import RenderCache
    from webmap.vtiles import Published, TilePublisher


def data_location() -> str | None:
    """What the app shows: ``INVESTMAP_DATA``; else the staff edit page's store (PostGIS URL
    or GeoPackage, see :func:`layers.store.default_location`) once it exists, so saved edits
    appear on the map; else the embedded demo (``None``)."""
    from layers.store import default_location, is_database_url

    explicit = os.environ.get("INVESTMAP_DATA")
    if explicit:
        return explicit
    store = default_location()
    return store if is_database_url(store) or Path(store).exists() else None


_SHOWN: dict[str, str | None] = {}


def county() -> County:
    """The county the app shows (see :func:`data_location`). When the location changes
    (``INVESTMAP_DATA`` or the edit store appearing), every cached frame derived from the
    previous county is dropped first, so no page mixes two counties."""
    where = data_location()
    if "where" in _SHOWN and _SHOWN["where"] != where:
        reload_data()
    _SHOWN["where"] = where
    return _county(where)


@st.cache_resource(show_spinner="正在加载数据… Loading data…", max_entries=1)
def _county(where: str | None) -> County:
    loaded = load_county(where)
    gc.freeze()  # long-lived frames: keep full collections from walking them on every rerun
    return loaded


def reload_data() -> None:
    """Drop every cached frame derived from the county, e.g. after a saved edit."""
    st.cache_resource.clear()


@st.cache_resource(show_spinner=False, max_entries=8)
def map_data(audience: str, lang: str, coords: str) -> MapData:
    """The county prepared for the map (per audience, language and display coordinates)."""
    prepared = prepare(county(), audience=audience, lang=lang, coords=coords,
                       availability=availability())
    gc.freeze()
    return prepared


def vector_tiles(coords: str) -> Published:
    """The county's vector tiles in ``coords`` (``wgs84``, ``gcj02``), published under the
    app's static folder once per store version; after an edit the previous archive is
    shown, with the changed parcels drawn on top, until the rebuild (in the background)
    lands (:class:`webmap.vtiles.TilePublisher`)."""
    return _publisher().current(county(), coords=coords, availability=availability())


_PUBLISHERS: list[TilePublisher] = []


def _publisher() -> TilePublisher:
    """One publisher per process; kept when the caches are dropped (it holds the archive
    shown while the next one builds)."""
    if not _PUBLISHERS:
        from webmap.vtiles import TilePublisher

        _PUBLISHERS.append(TilePublisher())
    return _PUBLISHERS[0]


@st.cache_resource(show_spinner=False)
def map_renders() -> RenderCache:
    """Maps already rendered for the component, by view (shared by all sessions; dropped
    with the other caches when the data changes)."""
    from ui.map_component import RenderCache

    return RenderCache(size=16)


@st.cache_resource(show_spinner=False)
def availability() -> pd.DataFrame:
    """Availability verdict of every parcel (no query): red lines, status, reasons."""
    from layers.supply import availability as compute

    return compute(county())


@st.cache_resource(show_spinner=False)
def offerable_ids() -> tuple[str, ...]:
    """Ids of the parcels on offer now (offerable status, no red-line conflict): what
    investors see by default on the map, in exports and in the brochure list."""
    av = availability()
    return tuple(av.loc[av["available"], "parcel_id"].astype(str))


def tianditu_key() -> str | None:
    """Tianditu key from ``st.secrets["tianditu_key"]`` or the ``TIANDITU_KEY`` variable."""
    from webmap.basemaps import tianditu_key as from_env

    try:
        secret = st.secrets.get("tianditu_key")
    except (FileNotFoundError, KeyError, st.errors.StreamlitSecretNotFoundError):
        secret = None
    return from_env(str(secret) if secret else None)


def default_basemap() -> str:
    """Basemap shown first (:func:`webmap.basemaps.default_basemap`: ``INVESTMAP_BASEMAP``,
    else 天地图 with a key, else offline tiles, else OpenStreetMap)."""
    from webmap.basemaps import default_basemap as choose

    return choose()


@st.cache_resource(show_spinner=False, max_entries=64)
def verdicts(query: ParcelQuery) -> pd.DataFrame:
    """Availability for an investor query, on the cached red-line overlaps (cheap; shared,
    not copied: callers must not modify it)."""
    from geo.availability import VERDICT_COLUMNS
    from geo.availability import verdicts as judge
    from layers.supply import supply_rules

    data = county()
    overlaps = availability().drop(columns=list(VERDICT_COLUMNS))
    return judge(data["parcel"], overlaps, supply_rules(data.policy), query=query)


@st.cache_resource(show_spinner=False)
def chain_catalog() -> ChainCatalog:
    """The chain definitions (``data/chains.yaml``)."""
    from layers.chains import load_chains

    return load_chains()


@st.cache_resource(show_spinner=False, max_entries=4)
def efficiency(as_of: pd.Timestamp) -> pd.DataFrame:
    """亩均 evaluation of every enterprise on ``as_of`` (staff only: confidential figures)."""
    from geo.efficiency import evaluate

    data = county()
    return evaluate(data["enterprise"], data.policy.section("efficiency"), as_of=as_of)


def as_of() -> pd.Timestamp:
    """Default evaluation date: ``INVESTMAP_AS_OF`` or today."""
    return pd.Timestamp(os.environ.get("INVESTMAP_AS_OF") or pd.Timestamp.today().normalize())


@st.cache_resource(show_spinner=False, max_entries=4)
def efficiency_by_parcel(as_of: pd.Timestamp) -> dict[str, str]:
    """parcel_id → 亩均 class of the enterprise occupying it (staff only)."""
    parcels = county()["parcel"]
    classes = efficiency(as_of).set_index("enterprise_id")["class"]
    owned = parcels[parcels["enterprise_id"].notna()]
    return {str(p): str(classes.get(e, "")) for p, e in
            zip(owned["parcel_id"], owned["enterprise_id"], strict=True)}


@st.cache_resource(show_spinner=False, max_entries=16)
def chain_analysis(park_id: str | None) -> pd.DataFrame:
    """Chain analysis of the county (``park_id`` None) or one park (all columns: callers
    pass it through :func:`geo.chains.analysis_for`)."""
    from layers.chains import county_analysis

    return county_analysis(county(), chain_catalog(), park_id=park_id)


@st.cache_resource(show_spinner=False, max_entries=16)
def chain_worklist(park_id: str | None) -> pd.DataFrame:
    """Promotion worklist (all columns: callers pass it through
    :func:`geo.chains.worklist_for`)."""
    from layers.chains import county_worklist

    return county_worklist(county(), chain_catalog(), park_id=park_id,
                           analysis=chain_analysis(park_id))


@st.cache_resource(show_spinner=False)
def offerable_set() -> frozenset[str]:
    """:func:`offerable_ids` as a set: a click on the map tests the few parcels under the
    point against it (O(1) each) instead of scanning the million ids."""
    return frozenset(offerable_ids())

"""Cached data access for the pages: the county and everything derived from it is computed
once per process (``st.cache_resource``), never re-read per rerun.

The county is held as revisions (:class:`layers.shown_county.ShownCounty`): derived data is
cached under the revision's number, so a saved edit (:func:`show_edit`) makes a new
revision with only the edited features read back and judged, and derived data is made again
from it; bulk or unknown changes drop everything (:func:`reload_data`)."""

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
from geo.errors import InvestMapError
from layers.county import County, load_county
from layers.county_patch import Change, offerable
from layers.shown_county import Revision, ShownCounty
from webmap.builder import MapData, prepare
from webmap.display import DISPLAY_SHAPES

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
    return revision().county


def revision() -> Revision:
    """The shown county's current revision (county, availability, number)."""
    where = data_location()
    if "where" in _SHOWN and _SHOWN["where"] != where:
        reload_data()
    _SHOWN["where"] = where
    return _shown(where).now()


@st.cache_resource(show_spinner="正在加载数据… Loading data…", max_entries=1)
def _shown(where: str | None) -> ShownCounty:
    loaded = ShownCounty(load_county(where))
    gc.freeze()  # long-lived frames: keep full collections from walking them on every rerun
    return loaded


def reload_data() -> None:
    """Drop every cached frame derived from the county (an import, a change of unknown
    extent): the next page loads the whole county again."""
    st.cache_resource.clear()
    DISPLAY_SHAPES.clear()
    _PREPARED.clear()


def show_edit(location: str, layer: str, ids: list[str]) -> None:
    """After features ``ids`` of ``layer`` were written to the store at ``location``: the
    next revision with only those features read back and judged again
    (:meth:`layers.shown_county.ShownCounty.apply`); derived data of the older revisions
    is dropped. A full reload when the app shows other data, or when the change cannot be
    patched exactly or read back."""
    where = data_location()
    if where is None or not _same_place(where, location) or not patch_edits():
        reload_data()
        return
    shown = _shown(where)
    replaced = shown.now().number
    try:
        made = shown.apply(location, Change(layer, tuple(ids)))
    except InvestMapError:
        made = None
    if made is None:
        reload_data()
        return
    for derived in _DERIVED:
        derived.clear()
    for key, (number, _data) in list(_PREPARED.items()):
        if number != replaced or key != _ASKED.get("key"):
            _PREPARED.pop(key, None)


def patch_edits() -> bool:
    """False when ``INVESTMAP_EDIT_PATCH=0``: every saved edit reloads the whole county (the
    behaviour before revisions; for comparisons)."""
    return os.environ.get("INVESTMAP_EDIT_PATCH", "1").strip() != "0"


def _same_place(where: str, location: str) -> bool:
    if "://" in where or "://" in location:
        return where == location
    return Path(where).resolve() == Path(location).resolve()


def map_data(audience: str, lang: str, coords: str) -> MapData:
    """The county prepared for the map (per audience, language and display coordinates)."""
    now = revision()
    _ASKED["key"] = (audience, lang, coords)
    return _map_data(audience, lang, coords, now.number, now)


@st.cache_resource(show_spinner=False, max_entries=8)
def _map_data(audience: str, lang: str, coords: str, number: int,
              _revision: Revision) -> MapData:
    key = (audience, lang, coords)
    _number, previous = _PREPARED.get(key, (0, None))
    prepared = prepare(_revision.county, audience=audience, lang=lang, coords=coords,
                       availability=_revision.availability(), previous=previous)
    _PREPARED[key] = (number, prepared)
    gc.freeze()
    return prepared


_PREPARED: dict[tuple[str, str, str], tuple[int, MapData]] = {}
"""The last map data prepared per (audience, language, coordinates) with its revision
number: the next revision's takes over its unchanged rows. An edit keeps only the one
asked for last (the editor's own map, drawn in the run that saves: prepared again at
once) so at most one older map data is held meanwhile; a full reload drops all."""
_ASKED: dict[str, tuple[str, str, str]] = {}


def vector_tiles(coords: str) -> Published:
    """The county's vector tiles in ``coords`` (``wgs84``, ``gcj02``), published under the
    app's static folder once per store version; after an edit the previous archive is
    shown, with the changed parcels drawn on top, until the rebuild (in the background)
    lands (:class:`webmap.vtiles.TilePublisher`)."""
    now = revision()
    return _publisher().current(now.county, coords=coords, availability=now.availability())


_PUBLISHERS: list[TilePublisher] = []


def _publisher() -> TilePublisher:
    """One publisher per process; kept when the caches are dropped (it holds the archive
    shown while the next one builds)."""
    if not _PUBLISHERS:
        from webmap.vtiles import TilePublisher

        _PUBLISHERS.append(TilePublisher())
    return _PUBLISHERS[0]


def map_renders() -> RenderCache:
    """Maps already rendered for the component, by view (shared by all sessions; one per
    county revision)."""
    return _map_renders(revision().number)


@st.cache_resource(show_spinner=False, max_entries=1)
def _map_renders(number: int) -> RenderCache:
    from ui.map_component import RenderCache

    return RenderCache(size=16)


def availability() -> pd.DataFrame:
    """Availability verdict of every parcel (no query): red lines, status, reasons."""
    return revision().availability()


def offerable_ids() -> tuple[str, ...]:
    """Ids of the parcels on offer now (offerable status, no red-line conflict): what
    investors see by default on the map, in exports and in the brochure list."""
    now = revision()
    return _offerable_ids(now.number, now)


@st.cache_resource(show_spinner=False, max_entries=2)
def _offerable_ids(number: int, _revision: Revision) -> tuple[str, ...]:
    return offerable(_revision.availability())


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


def verdicts(query: ParcelQuery) -> pd.DataFrame:
    """Availability for an investor query, on the cached red-line overlaps (cheap; shared,
    not copied: callers must not modify it)."""
    now = revision()
    return _verdicts(query, now.number, now)


@st.cache_resource(show_spinner=False, max_entries=64)
def _verdicts(query: ParcelQuery, number: int, _revision: Revision) -> pd.DataFrame:
    from geo.availability import VERDICT_COLUMNS
    from geo.availability import verdicts as judge
    from layers.supply import supply_rules

    data = _revision.county
    overlaps = _revision.availability().drop(columns=list(VERDICT_COLUMNS))
    return judge(data["parcel"], overlaps, supply_rules(data.policy), query=query)


@st.cache_resource(show_spinner=False)
def chain_catalog() -> ChainCatalog:
    """The chain definitions (``data/chains.yaml``)."""
    from layers.chains import load_chains

    return load_chains()


def efficiency(as_of: pd.Timestamp) -> pd.DataFrame:
    """亩均 evaluation of every enterprise on ``as_of`` (staff only: confidential figures)."""
    now = revision()
    return _efficiency(as_of, now.number, now)


@st.cache_resource(show_spinner=False, max_entries=4)
def _efficiency(as_of: pd.Timestamp, number: int, _revision: Revision) -> pd.DataFrame:
    from geo.efficiency import evaluate

    data = _revision.county
    return evaluate(data["enterprise"], data.policy.section("efficiency"), as_of=as_of)


def as_of() -> pd.Timestamp:
    """Default evaluation date: ``INVESTMAP_AS_OF`` or today."""
    return pd.Timestamp(os.environ.get("INVESTMAP_AS_OF") or pd.Timestamp.today().normalize())


def efficiency_by_parcel(as_of: pd.Timestamp) -> dict[str, str]:
    """parcel_id → 亩均 class of the enterprise occupying it (staff only)."""
    now = revision()
    return _efficiency_by_parcel(as_of, now.number, now)


@st.cache_resource(show_spinner=False, max_entries=4)
def _efficiency_by_parcel(as_of: pd.Timestamp, number: int,
                          _revision: Revision) -> dict[str, str]:
    parcels = _revision.county["parcel"]
    classes = _efficiency(as_of, number, _revision).set_index("enterprise_id")["class"]
    owned = parcels[parcels["enterprise_id"].notna()]
    return {str(p): str(classes.get(e, "")) for p, e in
            zip(owned["parcel_id"], owned["enterprise_id"], strict=True)}


def chain_analysis(park_id: str | None) -> pd.DataFrame:
    """Chain analysis of the county (``park_id`` None) or one park (all columns: callers
    pass it through :func:`geo.chains.analysis_for`)."""
    now = revision()
    return _chain_analysis(park_id, now.number, now)


@st.cache_resource(show_spinner=False, max_entries=16)
def _chain_analysis(park_id: str | None, number: int, _revision: Revision) -> pd.DataFrame:
    from layers.chains import county_analysis

    return county_analysis(_revision.county, chain_catalog(), park_id=park_id)


def chain_worklist(park_id: str | None) -> pd.DataFrame:
    """Promotion worklist (all columns: callers pass it through
    :func:`geo.chains.worklist_for`)."""
    now = revision()
    return _chain_worklist(park_id, now.number, now)


@st.cache_resource(show_spinner=False, max_entries=16)
def _chain_worklist(park_id: str | None, number: int, _revision: Revision) -> pd.DataFrame:
    from layers.chains import county_worklist

    return county_worklist(_revision.county, chain_catalog(), park_id=park_id,
                           analysis=_chain_analysis(park_id, number, _revision))


def offerable_set() -> frozenset[str]:
    """:func:`offerable_ids` as a set: a click on the map tests the few parcels under the
    point against it (O(1) each) instead of scanning the million ids."""
    now = revision()
    return _offerable_set(now.number, now)


@st.cache_resource(show_spinner=False, max_entries=2)
def _offerable_set(number: int, _revision: Revision) -> frozenset[str]:
    return frozenset(_offerable_ids(number, _revision))


_DERIVED = (_map_data, _map_renders, _offerable_ids, _offerable_set, _verdicts, _efficiency,
            _efficiency_by_parcel, _chain_analysis, _chain_worklist)
"""Caches of data derived from one county revision (dropped when an edit makes the next)."""

"""The county an app process shows, as a sequence of immutable revisions.

The app keeps one :class:`ShownCounty` per data location. A page asks it for the current
:class:`Revision` — a county, its availability (judged once, on first use) and a number
unique in the process — and derives what it needs from that one revision, caching
derived data under the revision's number. After a saved edit :meth:`ShownCounty.apply`
makes the next revision from the current one with only the edited features read back
(:mod:`layers.county_patch`) instead of loading the whole county again.

Concurrency safety
------------------
- A revision never changes: its county and availability frames are never written to
  (the patch builds new frames, copy-on-write), so a session that took a revision keeps
  reading a consistent county, availability and derived data even while an edit lands.
- :meth:`ShownCounty.apply` runs under one lock per process: patches are applied one at a
  time, each to the revision the previous one made, and each reads its features from the
  store while holding the lock — after its own write was committed — so the last
  revision holds the store's newest rows for every id patched (two editors saving at once
  cannot leave the older row on the map).
- Switching revisions is one attribute assignment under that lock; readers take the
  current revision without locking (reading one attribute is atomic in CPython).
- A revision's availability is computed once, under the revision's own lock (a second
  session asking meanwhile waits for it instead of judging again).
- Derived data keyed by the revision number cannot be served for another revision; the
  numbers come from one process-wide counter, so a county loaded again after a full reload
  never reuses an old number.
"""

from __future__ import annotations

import itertools
import threading

import pandas as pd

from layers.county import County
from layers.county_patch import (
    Change,
    patched,
    patched_availability,
    read_features,
)
from layers.supply import availability as judge

_NUMBERS = itertools.count(1)


class Revision:
    """One version of the shown county: ``county``, its availability (see
    :meth:`availability`) and ``number`` (unique in the process: a key for derived data)."""

    def __init__(self, county: County, availability: pd.DataFrame | None = None) -> None:
        self.number = next(_NUMBERS)
        self.county = county
        self._availability = availability
        self._judging = threading.Lock()

    def availability(self) -> pd.DataFrame:
        """Availability of every parcel (:func:`layers.supply.availability`), judged on
        first use — or carried over from the previous revision with only the changed
        parcels judged again."""
        if self._availability is None:
            with self._judging:
                if self._availability is None:
                    self._availability = judge(self.county)
        return self._availability

    @property
    def judged(self) -> bool:
        """True once the availability is known (the next revision patches it)."""
        return self._availability is not None


class ShownCounty:
    """The shown county's current :class:`Revision` (see the module docstring)."""

    def __init__(self, county: County) -> None:
        self._lock = threading.Lock()
        self._now = Revision(county)

    def now(self) -> Revision:
        """The current revision."""
        return self._now

    def apply(self, location: str, change: Change) -> Revision | None:
        """Make the next revision with the features of ``change`` read back from the store
        at ``location`` (the location the county was loaded from) and return it; ``None``
        when only a full reload is exact (:func:`layers.county_patch.patched`), the
        current revision then stays.

        Raises
        ------
        layers.io.ReadError, layers.validate.ValidationError, layers.store.StoreError
            The features cannot be read back (as a full load would fail).
        """
        with self._lock:
            now = self._now
            rows = read_features(now.county, location, change)
            county = patched(now.county, change, rows)
            if county is None:
                return None
            carried = None
            if now.judged:
                carried = patched_availability(now.county, county, change, now.availability())
            self._now = Revision(county, carried)
            return self._now

"""Several processes editing the same and different parcels at once, on both backends.

Each worker loops for a few seconds: read a parcel, edit it with ``expect_version`` set to the
version it read, and record what the store answered. Afterwards: every accepted edit is in the
store and in the audit log, every refused one was told the newer version, and the audit log
replays to the final state.
"""

from __future__ import annotations

import multiprocessing as mp
import random
import time
from pathlib import Path

import pytest

from layers.store import StaleVersionError, open_store
from tests import store_county as county
from tests.conftest import BACKENDS

WORKERS = 4
SECONDS = 3.0
HOT = ["A", "B"]  # every worker edits these
OWN = ["C", "D", "E", "F1"]  # worker i alone edits OWN[i]


def _worker(location: str, worker: int, seconds: float, queue: mp.Queue) -> None:
    rng = random.Random(worker)
    accepted: list[tuple[str, int, str]] = []
    refused: list[tuple[str, int, int]] = []
    deadline = time.monotonic() + seconds
    with open_store(location) as store:
        i = 0
        while time.monotonic() < deadline:
            pid = rng.choice(HOT) if rng.random() < 0.7 else OWN[worker]
            seen = store.get("parcel", pid).version
            value = f"w{worker}-{i}"
            i += 1
            try:
                version = store.edit("parcel", pid, {"notes": value}, user=f"user{worker}",
                                     role="planner", reason="concurrency test",
                                     expect_version=seen)
            except StaleVersionError as exc:
                assert exc.current_version > seen
                refused.append((pid, seen, exc.current_version))
                continue
            assert version == seen + 1
            accepted.append((pid, version, value))
    queue.put((worker, accepted, refused))


@pytest.fixture(params=BACKENDS)
def location(request, tmp_path: Path) -> str:
    url = request.getfixturevalue("postgis_url") if request.param == "postgis" else None
    where = county.location(request.param, tmp_path, url)
    with open_store(where) as store:
        county.fill(store)
        store.import_frame("parcel", county.parcels(1), user="loader", reason="F1")
    return where


def test_concurrent_editors_lose_nothing(location):
    ctx = mp.get_context("spawn")
    queue: mp.Queue = ctx.Queue()
    procs = [ctx.Process(target=_worker, args=(location, w, SECONDS, queue))
             for w in range(WORKERS)]
    for p in procs:
        p.start()
    results = [queue.get(timeout=120) for _ in procs]
    for p in procs:
        p.join(timeout=60)
        assert p.exitcode == 0
    accepted = [a for _, acc, _ in results for a in acc]
    refused = [r for _, _, ref in results for r in ref]
    assert len(accepted) > 20, "the workers hardly edited anything"
    assert refused, "no edit was ever refused: the test did not make editors collide"

    with open_store(location) as store:
        audit = [e for e in store.history("parcel") if e.field == "notes"]
        final = {pid: store.get("parcel", pid) for pid in [*HOT, *OWN]}

    # every accepted edit is in the audit log with the version and value it was told
    logged = {(e.feature_id, e.version, e.new_value) for e in audit}
    assert set(accepted) == logged
    assert len(audit) == len(accepted)
    # no version was handed out twice, and each parcel's versions are contiguous
    for pid, feature in final.items():
        versions = sorted(v for p, v, _ in accepted if p == pid)
        assert versions == list(range(2, 2 + len(versions)))
        assert feature.version == 1 + len(versions)
        # the audit log replays to the final state: its last value is the stored one
        last = [e for e in audit if e.feature_id == pid]
        assert (last[-1].new_value if last else None) == feature.values["notes"]
        # each audit row's old value is the previous row's new value (no silent overwrite)
        olds = [e.old_value for e in last]
        news = [None, *[e.new_value for e in last[:-1]]]
        assert olds == news
    # every refused edit was told a newer version than the one it was based on
    assert all(current > seen for _, seen, current in refused)

"""Several processes working the same leads at once, on both backends: follow-up notes are
appended with optimistic concurrency (a stale writer is refused and retries), inquiries get
distinct ids. Afterwards no accepted note is missing from the lead and the audit log replays
to the stored state: 0 lost updates."""

from __future__ import annotations

import multiprocessing as mp
import random

import pandas as pd
import pytest

from layers.leads import submit_inquiry, update_lead
from layers.store import StaleVersionError, open_store
from tests import store_county as county
from tests.conftest import BACKENDS

WORKERS = 4
ATTEMPTS = 12  # per worker: a count, not a time budget, so a loaded machine still collides
HOT = ["L00001", "L00002"]
DAY = pd.Timestamp("2026-12-01")
FORM = {"company": "青峰材料", "contact_name": "王", "phone": "13800000000"}


def _worker(location: str, worker: int, attempts: int, queue: mp.Queue) -> None:
    rng = random.Random(worker)
    notes: list[tuple[str, str]] = []
    created: list[str] = []
    refused = 0
    with open_store(location) as store:
        for i in range(attempts):
            if rng.random() < 0.2:
                created.append(submit_inquiry(store, FORM, today=DAY))
                continue
            lead_id = rng.choice(HOT)
            text = f"w{worker}-{i}"
            try:
                update_lead(store, lead_id, note=text, user=f"user{worker}", reason="跟进",
                            today=DAY)
            except StaleVersionError:
                refused += 1
                continue
            notes.append((lead_id, text))
    queue.put((notes, created, refused))


@pytest.fixture(params=BACKENDS)
def location(request, tmp_path) -> str:
    url = request.getfixturevalue("postgis_url") if request.param == "postgis" else None
    where = county.location(request.param, tmp_path, url)
    with open_store(where) as store:
        county.fill(store)
        for _ in HOT:
            submit_inquiry(store, FORM, today=DAY)
    return where


def test_concurrent_follow_ups_lose_nothing(location):
    ctx = mp.get_context("spawn")
    queue: mp.Queue = ctx.Queue()
    procs = [ctx.Process(target=_worker, args=(location, w, ATTEMPTS, queue))
             for w in range(WORKERS)]
    for p in procs:
        p.start()
    results = [queue.get(timeout=600) for _ in procs]
    for p in procs:
        p.join(timeout=60)
        assert p.exitcode == 0
    notes = [n for r in results for n in r[0]]
    created = [c for r in results for c in r[1]]
    assert len(notes) >= WORKERS, "the workers hardly wrote anything"
    assert sum(r[2] for r in results) > 0, "no write was refused: the workers never collided"
    assert len(created) == len(set(created)), "two inquiries received the same id"

    with open_store(location) as store:
        for lead_id in HOT:
            lead = store.get("lead", lead_id)
            lines = (lead.values["notes"] or "").splitlines()
            accepted = [text for lid, text in notes if lid == lead_id]
            # every accepted note is in the lead exactly once, and nothing else is
            assert sorted(line.split(": ", 1)[1] for line in lines) == sorted(accepted)
            audit = [e for e in store.history("lead", lead_id) if e.field == "notes"]
            assert len(audit) == len(accepted) == lead.version - 1
            assert [e.version for e in audit] == list(range(2, lead.version + 1))
            assert [e.old_value for e in audit] == [None, *[e.new_value for e in audit[:-1]]]
            assert audit[-1].new_value == lead.values["notes"]
        ids = set(store.read_layer("lead")["lead_id"])
    assert set(created) | set(HOT) == ids

"""Login lockout under concurrent bursts, pruning of the failure file, demo passwords (item 4)."""

from __future__ import annotations

import dataclasses
import json
import multiprocessing
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from ui.auth import AuthError, FailureLog, authenticate, load_users

BURST = 20


def attempt(name: str, password: str, path, barrier=None, demo: bool = True) -> str:
    """``ok``, ``wrong`` (bcrypt was run and said no) or ``locked`` (refused unchecked)."""
    if barrier is not None:
        barrier.wait()
    try:
        authenticate(name, password, log=FailureLog(path), demo=demo)
    except AuthError as exc:
        return "locked" if "too many" in str(exc) else "wrong"
    return "ok"


def test_thread_burst_is_checked_at_most_max_failures_times(tmp_path):
    limit = load_users().lockout.max_failures
    path = tmp_path / "f.json"
    barrier = threading.Barrier(BURST)
    with ThreadPoolExecutor(BURST) as pool:
        results = list(pool.map(lambda i: attempt("admin", f"guess{i}", path, barrier),
                                range(BURST)))
    assert results.count("wrong") == limit
    assert results.count("locked") == BURST - limit
    # the right password while locked is refused without being checked
    assert attempt("admin", "admin-demo", path) == "locked"


def _process_burst(path: str, start: float, out) -> None:
    while time.time() < start:
        time.sleep(0.001)
    out.put(attempt("planner", "guess", path))


def test_process_burst_is_checked_at_most_max_failures_times(tmp_path):
    limit = load_users().lockout.max_failures
    path = str(tmp_path / "f.json")
    ctx = multiprocessing.get_context("fork")
    out = ctx.Queue()
    start = time.time() + 1.0
    procs = [ctx.Process(target=_process_burst, args=(path, start, out)) for _ in range(12)]
    for p in procs:
        p.start()
    results = [out.get(timeout=120) for _ in procs]
    for p in procs:
        p.join(timeout=60)
    assert results.count("wrong") <= limit
    assert results.count("wrong") + results.count("locked") == len(procs)


def test_right_password_inside_a_burst_is_refused_once_locked(tmp_path):
    limit = load_users().lockout.max_failures
    path = tmp_path / "f.json"
    barrier = threading.Barrier(BURST + 1)
    with ThreadPoolExecutor(BURST + 1) as pool:
        wrong = [pool.submit(attempt, "admin", "guess", path, barrier) for _ in range(BURST)]
        right = pool.submit(attempt, "admin", "admin-demo", path, barrier)
        results = [f.result() for f in wrong]
        verdict = right.result()
    checked = results.count("wrong") + (verdict == "ok")
    assert checked <= limit + 1  # the right one, if checked in time, cleared the count
    if results.count("wrong") >= limit:
        assert verdict in ("locked", "ok")
    assert attempt("admin", "admin-demo", path) in ("locked", "ok")


def test_failure_file_is_pruned_and_capped(tmp_path):
    lockout = dataclasses.replace(load_users().lockout, max_tracked_names=100)
    log = FailureLog(tmp_path / "f.json")
    for i in range(lockout.max_failures):
        assert log.begin_attempt("victim", lockout, now=1000.0 + i) is None
    assert log.locked_until("victim", lockout, now=1010.0) is not None
    largest = 0  # names every later login reads and rewrites: its work, whatever the machine
    for i in range(1500):
        log.begin_attempt(f"spray{i}", lockout, now=1010.0 + i * 0.01)
        largest = max(largest, len(json.loads((tmp_path / "f.json").read_text())))
    assert largest == lockout.max_tracked_names  # reached, never passed: constant work a login
    data = json.loads((tmp_path / "f.json").read_text())
    assert len(data) <= lockout.max_tracked_names
    assert "victim" in data  # a locked name is the last to be evicted
    assert log.locked_until("victim", lockout, now=1040.0) is not None
    assert (tmp_path / "f.json").stat().st_size < 20_000
    later = 1040.0 + lockout.window_seconds + lockout.lockout_seconds + 1
    log.begin_attempt("someone", lockout, now=later)
    assert list(json.loads((tmp_path / "f.json").read_text())) == ["someone"]


def test_demo_password_refused_on_real_data(tmp_path, monkeypatch):
    path = tmp_path / "f.json"
    with pytest.raises(AuthError, match="demo password"):
        authenticate("admin", "admin-demo", log=FailureLog(path), demo=False)
    monkeypatch.setenv("INVESTMAP_STORE", str(tmp_path / "county.gpkg"))
    with pytest.raises(AuthError, match="demo password"):
        authenticate("planner", "planner-demo", log=FailureLog(path))
    monkeypatch.delenv("INVESTMAP_STORE")
    assert authenticate("planner", "planner-demo", log=FailureLog(path)).role == "planner"

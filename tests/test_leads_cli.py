"""``investmap leads add|update|convert`` and ``investmap history lead`` as a user runs them."""

from __future__ import annotations

import pytest

from layers.store import open_store
from tests import store_county as county
from tests.conftest import run_cli


@pytest.fixture
def store_path(tmp_path) -> str:
    path = str(tmp_path / "store.gpkg")
    with open_store(path) as store:
        county.fill(store)
    return path


def test_add_update_convert_and_history(store_path):
    added = run_cli("leads", "add", "--parcel", "B", "--company", "青峰储能科技", "--contact",
                    "李经理", "--phone", "13800000000", "--industry", "储能电池", "--need-mu",
                    "40", "--user", "zhang", "--data", store_path)
    assert added.returncode == 0, added.stderr
    assert added.stdout.strip() == "L00001"
    bad = run_cli("leads", "update", "L00001", "--stage", "signed", "--user", "zhang",
                  "--reason", "r", "--data", store_path)
    assert bad.returncode == 2 and "allowed next" in bad.stderr
    ok = run_cli("leads", "update", "L00001", "--stage", "contacted", "--owner", "zhang",
                 "--next-action", "2026-12-10", "--note", "首次电话", "--user", "zhang",
                 "--reason", "分派", "--expect-version", "1", "--data", store_path)
    assert ok.returncode == 0 and ok.stdout.strip() == "2", ok.stderr
    stale = run_cli("leads", "update", "L00001", "--owner", "li", "--user", "li", "--reason",
                    "r", "--expect-version", "1", "--data", store_path)
    assert stale.returncode == 3 and "--expect-version 2" in stale.stderr
    for stage in ("visited", "negotiating", "signed"):
        done = run_cli("leads", "update", "L00001", "--stage", stage, "--user", "zhang",
                       "--reason", "进展", "--data", store_path)
        assert done.returncode == 0, done.stderr
    converted = run_cli("leads", "convert", "L00001", "--user", "zhang", "--reason", "签约",
                        "--data", store_path)
    assert converted.returncode == 0, converted.stderr
    assert converted.stdout.strip() == "XM-L00001"
    history = run_cli("history", "lead", "L00001", "--data", store_path)
    assert history.returncode == 0, history.stderr
    assert "version 6" in history.stdout
    assert "stage: 'lead' → 'contacted'" in history.stdout
    assert "project_id: ∅ → 'XM-L00001'" in history.stdout
    with open_store(store_path) as store:
        assert store.get("project", "XM-L00001").values["lead_id"] == "L00001"


def test_add_needs_a_parcel_or_a_park(store_path):
    done = run_cli("leads", "add", "--company", "甲", "--user", "zhang", "--data", store_path)
    assert done.returncode == 2 and "--parcel" in done.stderr

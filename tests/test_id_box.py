"""ui.id_box: the ids the 数据维护 id box lists (hand-checkable cases)."""

from __future__ import annotations

import pytest

from ui.id_box import id_choices


@pytest.mark.parametrize(("current", "query", "limit", "listed"), [
    (None, "", 10, ["P1", "P2", "P10", "Q1"]),  # under the limit: every id
    (None, "", 2, ["P1", "P2"]),  # over it: the first ones
    (None, "p1", 10, ["P1", "P10"]),  # containing the query, any case
    ("Q1", "p1", 10, ["Q1", "P1", "P10"]),  # the edited one first when left out
    ("P10", " p1 ", 1, ["P10", "P1"]),
    ("P1", "1", 10, ["P1", "P10", "Q1"]),  # already listed: not twice
    ("GONE", "", 2, ["P1", "P2"]),  # not an id: not listed
    (None, "zzz", 10, []),
])
def test_the_id_box_lists_the_ids_found(current, query, limit, listed):
    ids = ["P1", "P2", "P10", "Q1"]
    assert id_choices(ids, current=current, query=query, limit=limit) == listed

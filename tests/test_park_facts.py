"""ui.park_facts: which parks the table under the map lists."""

from __future__ import annotations

import pandas as pd

from ui.park_facts import listed_parks

PARKS = pd.DataFrame({"park_id": ["P1", "P2", "P3", "P4", "P5"],
                      "area_mu": [100.0, 900.0, None, 900.0, 50.0]})


def test_every_park_while_they_fit():
    assert listed_parks(PARKS, [], limit=5)["park_id"].tolist() == ["P1", "P2", "P3", "P4",
                                                                     "P5"]


def test_none_until_chosen_when_there_are_more():
    assert listed_parks(PARKS, [], limit=4).empty


def test_the_chosen_parks_whatever_the_limit():
    assert listed_parks(PARKS, ["P5", "P3"], limit=1)["park_id"].tolist() == ["P3", "P5"]

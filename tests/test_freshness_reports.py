"""The as-of dates `investmap load --as-of` records reach the compliance report's layer list
and the static maps' source line."""

from __future__ import annotations

import pandas as pd

from layers.compliance import layer_info
from layers.county import County
from layers.freshness import as_of_line


def _with_freshness(demo_county) -> County:
    rows = pd.DataFrame({"layer": ["redline", "parcel"], "as_of": ["2026-10-01", "2026-11-15"],
                         "source_department": ["县自然资源局", "县自然资源局"]})
    return County(layers={**demo_county.layers, "freshness": rows}, policy=demo_county.policy,
                  source=demo_county.source)


def test_compliance_layer_list_uses_the_recorded_as_of_date(demo_county):
    county = _with_freshness(demo_county)
    assert layer_info(county, "redline").as_of == "2026-10-01"
    assert layer_info(county, "parcel").as_of == "2026-11-15"


def test_source_line_names_each_layers_as_of_date(demo_county):
    county = _with_freshness(demo_county)
    zh, en = as_of_line(county, "zh"), as_of_line(county, "en")
    assert "2026-11-15" in zh and "2026-10-01" in zh
    assert "2026-11-15" in en and "2026-10-01" in en

"""Map data prepared from an earlier county version's map data equals map data prepared
from scratch: after an edit only the changed rows are formatted again."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import shapely

from layers.county import County
from layers.supply import availability
from webmap.builder import MapData, prepare


def _edited(county: County, pid: str, **values: object) -> County:
    parcels = county["parcel"].copy()
    for column, value in values.items():
        parcels.loc[parcels["parcel_id"] == pid, column] = value
    return County(layers={**county.layers, "parcel": parcels}, policy=county.policy,
                  source=county.source)


def _assert_same(mine: MapData, theirs: MapData) -> None:
    assert set(mine.layers) == set(theirs.layers)
    for name, layer in theirs.layers.items():
        other = mine.layers[name]
        assert np.array_equal(other.ids, layer.ids), name
        pd.testing.assert_frame_equal(other.props, layer.props, obj=name)
        pd.testing.assert_frame_equal(other.raw, layer.raw, obj=name)
        assert shapely.equals_exact(other.geoms, layer.geoms, tolerance=0).all(), name
        assert np.array_equal(other.weight, layer.weight)
        assert np.array_equal(other.extent, layer.extent)
        assert other.position == layer.position
    assert set(mine.style_values) == set(theirs.style_values)
    for key, values in theirs.style_values.items():
        assert np.array_equal(mine.style_values[key], values), key


@pytest.mark.parametrize("audience", ["staff", "investor"])
def test_an_edited_status_is_formatted_again_and_the_rest_taken_over(demo_county, audience):
    before_av = availability(demo_county)
    old = prepare(demo_county, audience=audience, lang="zh", availability=before_av)
    pid = str(before_av.loc[before_av["available"], "parcel_id"].iloc[0])
    county = _edited(demo_county, pid, status="transferred", notes="<b>已签约</b>")
    av = availability(county)
    reused = prepare(county, audience=audience, lang="zh", availability=av, previous=old)
    _assert_same(reused, prepare(county, audience=audience, lang="zh", availability=av))
    layer = reused.layers["parcel"]
    assert layer.tree is old.layers["parcel"].tree  # no shape changed: index kept
    row = layer.position[pid]
    assert layer.props.at[row, "status_label"] == "已出让"
    assert layer.props.at[row, "status_label"] != old.layers["parcel"].props.at[row,
                                                                               "status_label"]


def test_a_reshaped_or_added_parcel_is_prepared_as_from_scratch(demo_county):
    old = prepare(demo_county, audience="staff", lang="en",
                  availability=availability(demo_county))
    parcels = demo_county["parcel"]
    moved = parcels.copy()
    moved.loc[moved.index[3], "geometry"] = shapely.affinity.translate(
        moved.geometry.iloc[3], 20, 0)
    added = parcels.iloc[[5]].assign(parcel_id="QF-NEW")
    for frame in (moved, pd.concat([parcels, added], ignore_index=True)):
        county = County(layers={**demo_county.layers, "parcel": frame},
                        policy=demo_county.policy, source=demo_county.source)
        av = availability(county)
        reused = prepare(county, audience="staff", lang="en", availability=av, previous=old)
        _assert_same(reused, prepare(county, audience="staff", lang="en", availability=av))

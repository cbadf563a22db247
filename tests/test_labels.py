"""Name labels of the web map (:mod:`webmap.labels`): parks and towns in one script, in
priority order, each created with its own ``divIcon`` (never Leaflet's default marker)."""

from __future__ import annotations

import json
import re

import folium
import geopandas as gpd
import pytest
import shapely

from layers.registry import LAYERS
from tests.shapes import EPSG, square
from webmap.display import DisplayLayer
from webmap.labels import KINDS, PARK, TOWN, MapLabels, add_labels, park_labels, town_labels


def _parks(names: list[str]) -> DisplayLayer:
    parks = gpd.GeoDataFrame(
        {"park_id": ["A", "B", "C"][:len(names)], "name": names},
        geometry=[square(0, 0), square(1000, 0, size=200), square(2000, 0)][:len(names)],
        crs=EPSG)
    return DisplayLayer(parks, LAYERS["park"], columns=["name"], audience="investor",
                        extra={"park_name": parks["name"]})


def _context(*towns: tuple[str, float, float]) -> dict[str, object]:
    return {"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"kind": "road", "name": "大道"},
         "geometry": shapely.geometry.mapping(shapely.LineString([(110, 30), (110.1, 30)]))},
        *({"type": "Feature", "properties": {"kind": "town", "name": name},
           "geometry": shapely.geometry.mapping(shapely.Point(lng, lat))}
          for name, lng, lat in towns)]}


def test_park_labels_largest_first_with_their_widths():
    layer = _parks(["甲园", "B </script> park", "丙园"])
    labels = park_labels(layer, shown=["A", "B"])  # C not chosen
    # the largest park first (B: 200 m), each with its width (2 × 13.5 + 8; 16 × 8 + 8)
    assert [(lb.name, lb.width, KINDS[lb.kind]) for lb in labels] == [
        ("B &lt;/script&gt; park", 136, PARK), ("甲园", 35, PARK)]
    centre = layer.geoms[0].centroid  # a square's point inside it is its centre
    assert [labels[1].lat, labels[1].lng] == pytest.approx([centre.y, centre.x], abs=1e-6)
    assert park_labels(layer, shown=[]) == [] and park_labels(None) == []


def test_town_labels_one_per_town_at_its_dot():
    labels = town_labels(_context(("东镇", 110.05, 30.02), ("West &amp; Co", 110.0, 30.0)))
    # 2 × 12.5 + 6; "West & Co" is 9 characters of 7 px + 6
    assert [(lb.name, lb.width, KINDS[lb.kind]) for lb in labels] == [
        ("东镇", 31, TOWN), ("West &amp; Co", 69, TOWN)]
    assert (labels[0].lat, labels[0].lng) == pytest.approx((30.02, 110.05))
    assert town_labels(None) == [] and town_labels(_context()) == []


def test_parks_and_towns_are_one_script_parks_first():
    fmap = folium.Map(tiles=None)
    add_labels(fmap, park_labels(_parks(["甲园", "B </script> park"]))
               + town_labels(_context(("东镇", 110.05, 30.02))))
    elements = [c for c in fmap._children.values() if isinstance(c, MapLabels)]
    assert len(elements) == 1  # one element, however many labels
    listed = json.loads(elements[0].labels)
    assert [(name, KINDS[kind].css_class) for _, _, name, _, kind in listed] == [
        ("B &lt;/script&gt; park", "investmap-park-label"), ("甲园", "investmap-park-label"),
        ("东镇", "im-town-label")]
    page = fmap.get_root().render()
    assert "</script> park" not in page
    # every marker is made with its divIcon: Leaflet's default icon (marker-icon.png) is
    # never created, so never requested
    markers = re.findall(r"L\.marker\([^;]*", page)
    assert markers and all("icon: L.divIcon(" in m for m in markers)
    assert "setIcon" not in page and "L.Icon.Default" not in page
    empty = folium.Map(tiles=None)
    add_labels(empty, [])
    assert "MapLabels" not in empty.get_root().render() and "L.marker(" not in \
        empty.get_root().render()


def test_the_built_map_has_no_default_marker(demo_county):
    """The whole map without a basemap (towns drawn): one label script, and no folium
    ``Marker`` (which creates Leaflet's default icon before its divIcon)."""
    from webmap.builder import build_map

    page = build_map(demo_county, basemap="none").get_root().render()
    assert "setIcon" not in page  # folium's Marker + DivIcon
    assert page.count("icon: L.divIcon(") == 1
    towns = demo_county["context"].query("kind == 'town'")["name"]
    assert all(name in page for name in towns)

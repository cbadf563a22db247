"""Display shapes are reused by the identity of the source geometries, and equal what
reprojecting the whole array gives (a patched county's map reprojects only its changes)."""

from __future__ import annotations

import numpy as np
import shapely

from tests import shapes
from webmap.display import DisplayShapes, to_display_coords


def _squares(*xs: float) -> np.ndarray:
    return np.array([shapes.square(x) for x in xs], dtype=object)


def _same(a: np.ndarray, b: np.ndarray) -> bool:
    return len(a) == len(b) and bool(shapely.equals_exact(a, b, tolerance=0).all())


def test_the_same_geometries_are_reprojected_once():
    shown = DisplayShapes()
    geoms = _squares(0, 200, 400)
    first = shown(geoms, shapes.EPSG, "wgs84")
    assert _same(first, to_display_coords(geoms, shapes.EPSG, "wgs84"))
    again = shown(geoms.copy(), shapes.EPSG, "wgs84")  # another array, the same objects
    assert again is first
    gaode = shown(geoms, shapes.EPSG, "gcj02")  # another display CRS: its own shapes
    assert _same(gaode, to_display_coords(geoms, shapes.EPSG, "gcj02"))
    assert not _same(gaode, first)


def test_a_patched_array_reprojects_only_its_new_geometries():
    shown = DisplayShapes()
    geoms = _squares(0, 200, 400)
    first = shown(geoms, shapes.EPSG, "wgs84")
    # B reshaped, C deleted, D added: A and the old objects keep their display shapes
    patched = np.array([geoms[0], shapes.square(220), shapes.square(600)], dtype=object)
    out = shown(patched, shapes.EPSG, "wgs84")
    assert _same(out, to_display_coords(patched, shapes.EPSG, "wgs84"))
    assert out[0] is first[0]  # reused
    assert not shapely.equals_exact(out[1], first[1], tolerance=0)


def test_after_clear_nothing_is_reused():
    shown = DisplayShapes()
    geoms = _squares(0)
    first = shown(geoms, shapes.EPSG, "wgs84")
    shown.clear()
    again = shown(geoms, shapes.EPSG, "wgs84")
    assert again is not first and _same(again, first)

"""A catalogue of named test geometries whose answers can be checked by hand.

All in metres in EPSG:4546 (CGCS2000 GK zone 37, no prefix), around (500000, 4300000).
A 100 m × 100 m square is exactly 15 亩.
"""

from __future__ import annotations

import shapely

X0, Y0 = 500_000.0, 4_300_000.0
EPSG = 4546


def square(x: float = 0.0, y: float = 0.0, size: float = 100.0) -> shapely.Polygon:
    """Axis-aligned square with its lower-left corner at (X0 + x, Y0 + y)."""
    return shapely.box(X0 + x, Y0 + y, X0 + x + size, Y0 + y + size)


def rect(x: float, y: float, w: float, h: float) -> shapely.Polygon:
    return shapely.box(X0 + x, Y0 + y, X0 + x + w, Y0 + y + h)


def square_with_hole(size: float = 100.0, hole: float = 50.0) -> shapely.Polygon:
    """``size`` square with a centred ``hole`` square removed."""
    inner = (size - hole) / 2
    return square(size=size).difference(square(inner, inner, hole))


def bow_tie() -> shapely.Polygon:
    """Self-intersecting ring: invalid, and make_valid would split it in two."""
    return shapely.Polygon([(X0, Y0), (X0 + 100, Y0 + 100), (X0 + 100, Y0), (X0, Y0 + 100),
                            (X0, Y0)])


def square_with_duplicate_vertex() -> shapely.Polygon:
    """Valid-looking square with a zero-area spike: repairable without changing area."""
    return shapely.Polygon([(X0, Y0), (X0 + 100, Y0), (X0 + 100, Y0 + 50), (X0 + 150, Y0 + 50),
                            (X0 + 100, Y0 + 50), (X0 + 100, Y0 + 100), (X0, Y0 + 100),
                            (X0, Y0)])

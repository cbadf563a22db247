"""A small hand-made MBTiles file: real SQLite, real PNG tiles drawn with PIL."""

from __future__ import annotations

import io
import math
import sqlite3
from pathlib import Path

from PIL import Image, ImageDraw

TILE_COLOR = (214, 96, 32)  # a colour no other part of the map uses


def tile_xy(lon: float, lat: float, z: int) -> tuple[int, int]:
    """XYZ (Google/OSM) tile of a point at zoom ``z``."""
    n = 1 << z
    x = int((lon + 180.0) / 360.0 * n)
    y = int((1 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2 * n)
    return x, y


def png_tile(label: str) -> bytes:
    image = Image.new("RGB", (256, 256), TILE_COLOR)
    draw = ImageDraw.Draw(image)
    draw.rectangle([0, 0, 255, 255], outline=(255, 255, 255), width=2)
    draw.text((10, 10), label, fill=(255, 255, 255))
    buf = io.BytesIO()
    image.save(buf, format="PNG")
    return buf.getvalue()


def write_mbtiles(path: Path, bounds: tuple[float, float, float, float],
                  zooms: range) -> dict[tuple[int, int, int], bytes]:
    """Write tiles covering ``bounds`` (west, south, east, north, degrees) at ``zooms``;
    returns the tiles written, keyed by XYZ (z, x, y)."""
    west, south, east, north = bounds
    written: dict[tuple[int, int, int], bytes] = {}
    con = sqlite3.connect(path)
    con.execute("CREATE TABLE metadata (name TEXT, value TEXT)")
    con.execute("CREATE TABLE tiles (zoom_level INTEGER, tile_column INTEGER, "
                "tile_row INTEGER, tile_data BLOB)")
    con.executemany("INSERT INTO metadata VALUES (?, ?)", [
        ("name", "test"), ("format", "png"), ("minzoom", str(zooms.start)),
        ("maxzoom", str(zooms.stop - 1)), ("attribution", "Test tiles <b>&</b>")])
    for z in zooms:
        x0, y0 = tile_xy(west, north, z)
        x1, y1 = tile_xy(east, south, z)
        for x in range(x0, x1 + 1):
            for y in range(y0, y1 + 1):
                data = png_tile(f"{z}/{x}/{y}")
                tms_row = (1 << z) - 1 - y
                con.execute("INSERT INTO tiles VALUES (?, ?, ?, ?)", (z, x, tms_row, data))
                written[(z, x, y)] = data
    con.commit()
    con.close()
    return written

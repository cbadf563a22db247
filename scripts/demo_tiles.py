"""Render an offline basemap of the fictional demo county as an MBTiles file.

Draws the county's ``context`` layer (outline, water, river, roads, railway, town names) in
Web Mercator, one image per zoom level cut into 256-pixel tiles, so that the offline basemap
(``INVESTMAP_TILES``) can be shown and tested without real map data. Real deployments use
tiles of the real county (e.g. exported from a licensed source as MBTiles).

Run: ``.venv/bin/python scripts/demo_tiles.py --out demo.mbtiles [--zooms 9-14]``.
"""

from __future__ import annotations

import argparse
import io
import sqlite3
import sys
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
from PIL import Image  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from exports.fonts import cjk_rc  # noqa: E402
from layers.county import load_county  # noqa: E402

HALF = 20037508.342789244  # half the Web Mercator world, metres
LAND, WATER, ROAD, RIVER, RAIL, EDGE, TOWN = ("#f2efe9", "#aad3df", "#ffffff", "#7fb2dc",
                                              "#707070", "#9e7b6b", "#333333")


def tile_range(bounds: tuple[float, float, float, float], z: int) -> tuple[int, int, int, int]:
    """x0, y0, x1, y1 (inclusive) of the XYZ tiles covering Web Mercator ``bounds``."""
    size = 2 * HALF / (1 << z)
    west, south, east, north = bounds
    return (int((west + HALF) // size), int((HALF - north) // size),
            int((east + HALF) // size), int((HALF - south) // size))


def render_zoom(context, z: int, bounds) -> dict[tuple[int, int], bytes]:  # noqa: ANN001
    """Every tile of zoom ``z`` over ``bounds`` as PNG bytes, keyed by (x, y)."""
    x0, y0, x1, y1 = tile_range(bounds, z)
    nx, ny = x1 - x0 + 1, y1 - y0 + 1
    size = 2 * HALF / (1 << z)
    fig = plt.figure(figsize=(nx * 2.56, ny * 2.56), dpi=100)
    ax = fig.add_axes((0, 0, 1, 1))
    ax.set_axis_off()
    ax.set_xlim(-HALF + x0 * size, -HALF + (x1 + 1) * size)
    ax.set_ylim(HALF - (y1 + 1) * size, HALF - y0 * size)
    fig.patch.set_facecolor(LAND)
    scale = 2 ** (z - 12)  # line widths grow with the zoom

    def kind(name: str):  # noqa: ANN202
        return context[context["kind"] == name]

    kind("water").plot(ax=ax, color=WATER, linewidth=0)
    kind("county_boundary").boundary.plot(ax=ax, color=EDGE, linewidth=min(3, 1.5 * scale),
                                          linestyle="-.")
    kind("river").plot(ax=ax, color=RIVER, linewidth=max(1.5, 3 * scale))
    roads = kind("road")
    roads.plot(ax=ax, color="#c9c1b3", linewidth=max(2.0, 5 * scale))
    roads.plot(ax=ax, color=ROAD, linewidth=max(1.2, 3.6 * scale))
    rail = kind("railway")
    rail.plot(ax=ax, color=RAIL, linewidth=max(1.5, 2.5 * scale))
    rail.plot(ax=ax, color="white", linewidth=max(0.6, 1.2 * scale), linestyle=(0, (4, 4)))
    if z >= 10:
        for row in kind("town").itertuples():
            point = row.geometry.representative_point()
            ax.plot(point.x, point.y, "o", color=TOWN, markersize=4)
            ax.annotate(str(row.name), (point.x, point.y), xytext=(5, 4),
                        textcoords="offset points", fontsize=11, color=TOWN)
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=100, facecolor=LAND)
    plt.close(fig)
    image = Image.open(buf).convert("RGB")
    tiles = {}
    for i in range(nx):
        for j in range(ny):
            out = io.BytesIO()
            image.crop((i * 256, j * 256, (i + 1) * 256, (j + 1) * 256)).quantize(64).save(
                out, format="PNG", optimize=True)
            tiles[(x0 + i, y0 + j)] = out.getvalue()
    return tiles


def write_demo_tiles(out: Path, zooms: range) -> int:
    """Render the demo county's context to ``out`` (MBTiles); returns the tile count."""
    matplotlib.rcParams.update(cjk_rc())
    county = load_county(layers=("context",))
    context = county["context"].to_crs(3857)
    outline = context[context["kind"] == "county_boundary"]
    west, south, east, north = outline.total_bounds if len(outline) else context.total_bounds
    pad = 0.25 * max(east - west, north - south)  # phones show more around the county
    bounds = (west - pad, south - pad, east + pad, north + pad)
    if out.exists():
        out.unlink()
    con = sqlite3.connect(out)
    con.execute("CREATE TABLE metadata (name TEXT, value TEXT)")
    con.execute("CREATE TABLE tiles (zoom_level INTEGER, tile_column INTEGER, "
                "tile_row INTEGER, tile_data BLOB)")
    lon_lat = context.to_crs(4326).total_bounds
    con.executemany("INSERT INTO metadata VALUES (?, ?)", [
        ("name", "青峰县示例底图"), ("format", "png"), ("minzoom", str(zooms.start)),
        ("maxzoom", str(zooms.stop - 1)), ("bounds", ",".join(f"{v:.5f}" for v in lon_lat)),
        ("attribution", "青峰县（虚构）示例底图 / fictional demo basemap")])
    count = 0
    for z in zooms:
        for (x, y), data in render_zoom(context, z, bounds).items():
            con.execute("INSERT INTO tiles VALUES (?, ?, ?, ?)",
                        (z, x, (1 << z) - 1 - y, data))
            count += 1
    con.commit()
    con.close()
    return count


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, required=True, help="MBTiles file to write")
    parser.add_argument("--zooms", default="9-14", help="zoom range, e.g. 9-14")
    args = parser.parse_args()
    lo, hi = (int(v) for v in args.zooms.split("-"))
    count = write_demo_tiles(args.out, range(lo, hi + 1))
    print(f"wrote {args.out}: {count} tiles, zoom {lo}–{hi} "
          f"({args.out.stat().st_size / 1e6:.1f} MB)")


if __name__ == "__main__":
    main()

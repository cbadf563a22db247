"""Benchmark: GCJ-02 transforms and coordinate TXT import, each against the obvious alternative.

* GCJ-02: :mod:`geo.chinacoords` (numpy, vectorised; iterative inverse) vs the per-point
  scalar ``math`` implementation found in most code bases (coordTransform style, fixed-point
  inverse in a Python loop), on the same points; prints the time per million points and the
  largest disagreement (they implement the same formula, so it must be ~1e-12°).
* Coordinate TXT: writing and reading N parcels with :mod:`layers.formats` vs writing and
  reading the same parcels as a GeoPackage with pyogrio (what the data costs in GIS form).

Usage::

    .venv/bin/python bench/bench_imports.py --points 1000000 --scalar-points 100000 --parcels 20000
"""

from __future__ import annotations

import argparse
import math
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

A, EE = 6378245.0, 0.00669342162296594323


def _scalar_forward(lon: float, lat: float) -> tuple[float, float]:
    x, y = lon - 105.0, lat - 35.0
    common = (20.0 * math.sin(6.0 * x * math.pi) + 20.0 * math.sin(2.0 * x * math.pi)) * 2 / 3
    dlat = (-100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * math.sqrt(abs(x))
            + common + (20.0 * math.sin(y * math.pi) + 40.0 * math.sin(y / 3.0 * math.pi)) * 2 / 3
            + (160.0 * math.sin(y / 12.0 * math.pi) + 320 * math.sin(y * math.pi / 30.0)) * 2 / 3)
    dlon = (300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * math.sqrt(abs(x))
            + common + (20.0 * math.sin(x * math.pi) + 40.0 * math.sin(x / 3.0 * math.pi)) * 2 / 3
            + (150.0 * math.sin(x / 12.0 * math.pi) + 300.0 * math.sin(x / 30.0 * math.pi)) * 2 / 3)
    radlat = lat / 180.0 * math.pi
    magic = 1 - EE * math.sin(radlat) ** 2
    sqrtmagic = math.sqrt(magic)
    dlat = (dlat * 180.0) / ((A * (1 - EE)) / (magic * sqrtmagic) * math.pi)
    dlon = (dlon * 180.0) / (A / sqrtmagic * math.cos(radlat) * math.pi)
    return lon + dlon, lat + dlat


def _scalar_inverse(lon: float, lat: float) -> tuple[float, float]:
    wx, wy = lon, lat
    for _ in range(30):
        fx, fy = _scalar_forward(wx, wy)
        rx, ry = lon - fx, lat - fy
        wx, wy = wx + rx, wy + ry
        if abs(rx) < 1e-9 and abs(ry) < 1e-9:
            break
    return wx, wy


def bench_gcj(n: int, n_scalar: int) -> None:
    from geo.chinacoords import gcj02_to_wgs84, wgs84_to_gcj02

    rng = np.random.default_rng(7)
    lon, lat = rng.uniform(74, 134, n), rng.uniform(19, 53, n)
    t0v = time.perf_counter()
    glon, glat = wgs84_to_gcj02(lon, lat)
    t1v = time.perf_counter()
    blon, blat = gcj02_to_wgs84(glon, glat)
    t2v = time.perf_counter()
    print(f"GCJ-02 vectorised, {n:,} points: forward {t1v - t0v:.3f} s, inverse {t2v - t1v:.3f} s "
          f"(max round-trip error {max(np.abs(blon - lon).max(), np.abs(blat - lat).max()):.1e}°)")
    m = min(n_scalar, n)
    t0 = time.perf_counter()
    fwd = [_scalar_forward(x, y) for x, y in zip(lon[:m], lat[:m], strict=True)]
    t1 = time.perf_counter()
    inv = [_scalar_inverse(x, y) for x, y in fwd]
    t2 = time.perf_counter()
    diff = max(np.abs(np.array(fwd)[:, 0] - glon[:m]).max(),
               np.abs(np.array(fwd)[:, 1] - glat[:m]).max(),
               np.abs(np.array(inv)[:, 0] - blon[:m]).max())
    vec_fwd, vec_inv = (t1v - t0v) * 1e6 / n, (t2v - t1v) * 1e6 / n
    sc_fwd, sc_inv = (t1 - t0) * 1e6 / m, (t2 - t1) * 1e6 / m
    print(f"GCJ-02 scalar loop, {m:,} points: forward {t1 - t0:.3f} s, inverse {t2 - t1:.3f} s")
    print(f"  per million points: forward {vec_fwd:.2f} s vectorised vs {sc_fwd:.2f} s scalar "
          f"(×{sc_fwd / vec_fwd:.0f}); inverse {vec_inv:.2f} s vs {sc_inv:.2f} s "
          f"(×{sc_inv / vec_inv:.0f})")
    print(f"  largest disagreement scalar vs vectorised: {diff:.1e}°")


def bench_txt(n_parcels: int) -> None:
    import geopandas as gpd
    import pyogrio
    import shapely

    from layers.formats.coord_txt import parse_coord_txt, to_frame
    from layers.formats.coord_txt_write import write_coord_txt

    rng = np.random.default_rng(3)
    x = 500_000 + rng.uniform(0, 40_000, n_parcels)
    y = 4_300_000 + rng.uniform(0, 40_000, n_parcels)
    geoms = [shapely.Point(a, b).buffer(rng.uniform(30, 150), quad_segs=2)
             for a, b in zip(x, y, strict=True)]
    frame = gpd.GeoDataFrame({"parcel_id": [f"P{i}" for i in range(n_parcels)],
                              "land_use": "1001"}, geometry=geoms, crs=4546)
    n_points = int(shapely.get_num_coordinates(frame.geometry.values).sum())
    with tempfile.TemporaryDirectory() as tmp:
        txt, gpkg = Path(tmp) / "p.txt", Path(tmp) / "p.gpkg"
        t0 = time.perf_counter()
        write_coord_txt(frame, txt)
        t1 = time.perf_counter()
        parsed = parse_coord_txt(txt.read_bytes(), source=str(txt))
        read = to_frame(parsed, area_share=0.001, area_ha=0.0001)
        t2 = time.perf_counter()
        pyogrio.write_dataframe(frame, gpkg, layer="parcel")
        t3 = time.perf_counter()
        back = pyogrio.read_dataframe(gpkg, layer="parcel")
        t4 = time.perf_counter()
        size = txt.stat().st_size / 1e6
    assert len(read.frame) == len(back) == n_parcels
    print(f"coordinate TXT, {n_parcels:,} parcels / {n_points:,} points ({size:.1f} MB GBK): "
          f"write {t1 - t0:.2f} s, read+check {t2 - t1:.2f} s; GeoPackage (pyogrio): write "
          f"{t3 - t2:.2f} s, read {t4 - t3:.2f} s")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--points", type=int, default=1_000_000)
    parser.add_argument("--scalar-points", type=int, default=100_000)
    parser.add_argument("--parcels", type=int, default=20_000)
    args = parser.parse_args(argv)
    bench_gcj(args.points, args.scalar_points)
    bench_txt(args.parcels)
    return 0


if __name__ == "__main__":
    sys.exit(main())

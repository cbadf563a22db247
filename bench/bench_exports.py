"""Benchmark: the four investor exports on the demo county and a larger generated county.

For each county size it times (one run each, wall clock) and reports file sizes:

* HTML map: ``export_html(offline=True, basemap="none")`` (self-contained) against the
  obvious alternative, the same map loading Leaflet from the CDN (``offline=False``) — the
  cost of carrying every script inline;
* Excel: ``export_excel`` (openpyxl, registry headers, formats, filters) against a plain
  ``DataFrame.to_excel`` of the same two tables — the cost of the formatting;
* PNG map of the whole county at 200 dpi and the brochure of the largest park.

Usage::

    .venv/bin/python bench/bench_exports.py --parcels 2000 20000
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import pandas as pd

from data.demo import build_county, write_county
from exports.brochure import export_brochure
from exports.excel import export_excel
from exports.html import export_html
from exports.png_map import export_png
from exports.tables import labelled, offerable_parcels
from exports.worklist import worklist_table
from layers.county import load_county


def timed(fn, *args, **kwargs) -> tuple[float, object]:  # noqa: ANN001
    t0 = time.perf_counter()
    result = fn(*args, **kwargs)
    return time.perf_counter() - t0, result


def plain_excel(county, out: Path) -> None:  # noqa: ANN001
    parcels = labelled(offerable_parcels(county), "zh")
    worklist, headers = worklist_table(county)
    with pd.ExcelWriter(out) as writer:
        parcels.to_excel(writer, sheet_name="可供应地块", index=False)
        worklist.rename(columns=headers).to_excel(writer, sheet_name="招商工作清单", index=False)


def run(n: int, folder: Path) -> None:
    path = folder / f"county_{n}.gpkg"
    if n == 2000:
        county = load_county()
    else:
        write_county(build_county(n), path, fmt="gpkg")
        county = load_county(path)
    parks = county["park"]
    largest = str(parks.loc[parks["area_mu"].idxmax(), "park_id"])
    rows: list[tuple[str, float, int]] = []

    def add(name: str, fn, out: Path, *args, **kwargs) -> None:  # noqa: ANN001
        seconds, _ = timed(fn, county, out, *args, **kwargs)
        rows.append((name, seconds, out.stat().st_size))

    add("html offline (inline Leaflet)", export_html, folder / "a.html", offline=True,
        basemap="none")
    add("html online (CDN Leaflet)", export_html, folder / "b.html", basemap="none")
    add("excel formatted (ours)", export_excel, folder / "a.xlsx")
    seconds, _ = timed(plain_excel, county, folder / "b.xlsx")
    rows.append(("excel plain DataFrame.to_excel", seconds, (folder / "b.xlsx").stat().st_size))
    add("png county 200 dpi", export_png, folder / "a.png")
    add(f"brochure park {largest}", export_brochure, folder / "a.pdf", park_id=largest)
    print(f"\n{n:,} parcels ({len(parks)} parks)")
    for name, seconds, size in rows:
        print(f"  {name:34s} {seconds:7.2f} s  {size / 1e6:8.2f} MB")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--parcels", type=int, nargs="+", default=[2000, 20000])
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        for n in args.parcels:
            run(n, Path(tmp))


if __name__ == "__main__":
    main()

"""Benchmark: brochure typesetting time per page (WeasyPrint) on the demo county.

For the park brochure of the largest park and for one offerable parcel, in zh and en, one run
each (wall clock): total seconds, pages, seconds per page, and the share spent drawing the
matplotlib pictures (maps, chain diagrams) versus laying out and writing the PDF.

Usage::

    .venv/bin/python bench/bench_brochure.py
"""

from __future__ import annotations

import os
import tempfile
import time
from pathlib import Path

import pdfplumber

import exports.brochure as brochure
from exports.tables import offerable_parcels
from layers.county import load_county


def main() -> None:
    county = load_county()
    parks = county["park"]
    largest = str(parks.loc[parks["area_mu"].idxmax(), "park_id"])
    parcel = str(offerable_parcels(county, park_id=largest)["parcel_id"].iloc[0])
    spent = {"pictures": 0.0}

    def timed(fn):  # noqa: ANN001, ANN202
        def wrapper(*args, **kwargs):  # noqa: ANN002, ANN003, ANN202
            t0 = time.perf_counter()
            try:
                return fn(*args, **kwargs)
            finally:
                spent["pictures"] += time.perf_counter() - t0
        return wrapper

    brochure.map_png = timed(brochure.map_png)
    brochure.chain_png = timed(brochure.chain_png)
    print(f"load {os.getloadavg()[0]:.1f} (1-min average) on {os.cpu_count()} cores")
    print(f"{'brochure':28s} {'pages':>5s} {'total s':>8s} {'s/page':>7s} {'pictures s':>10s}")
    with tempfile.TemporaryDirectory() as folder:
        for kind, target in (("park " + largest, {"park_id": largest}),
                             ("parcel " + parcel, {"parcel_id": parcel})):
            for lang in ("zh", "en"):
                spent["pictures"] = 0.0
                out = Path(folder) / f"{lang}.pdf"
                t0 = time.perf_counter()
                brochure.export_brochure(county, out, lang=lang, **target)
                total = time.perf_counter() - t0
                with pdfplumber.open(out) as pdf:
                    pages = len(pdf.pages)
                print(f"{kind + ' ' + lang:28s} {pages:5d} {total:8.1f} {total / pages:7.2f} "
                      f"{spent['pictures']:10.1f}")
    print(f"load {os.getloadavg()[0]:.1f} (1-min average) after the run")


if __name__ == "__main__":
    main()

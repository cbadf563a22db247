"""Map payload and server time per interaction, at 2,000 and 100,000 parcels.

For each county size this builds what the app sends to the browser on one interaction —
the data overlays as streamlit-folium serialises them (``feature_group_to_add``) — and times
the server side (select by viewport, simplify, round, serialise). Scenarios: the first
(county-wide) view, a z11 window around a park where the per-layer caps bind, a zoomed-in
view and a pan, a park filter change, and the naive alternative the
app avoids: every feature of every layer at full detail in one go (what ``build_map``
without a viewport or cap gives the HTML export).

Usage::

    .venv/bin/python bench/bench_map.py [--sizes 2000 100000] [--work DIR]

Counties other than the embedded 2,000-parcel demo are generated with
``investmap demo --out DIR --parcels N`` (deterministic) unless already there.
"""

from __future__ import annotations

import argparse
import gc
import subprocess
import sys
import time
from pathlib import Path

from streamlit_folium import _get_feature_group_string

from layers.county import load_county
from webmap.builder import MapData, build_parts, prepare
from webmap.display import Viewport

MAX_FEATURES = {"parcel": 5000, "redline": 1500, "project": 1500, "park": 500}  # ui/mapview
MIN_PIXELS = 3.0  # ui/mapview
MB = 1024 * 1024


def county_path(n: int, work: Path) -> Path | None:
    """The embedded demo for 2,000 parcels, else a generated county (made once)."""
    if n == 2000:
        return None
    out = work / f"p{n}"
    if not sorted(out.glob("*.gpkg")):
        subprocess.run([sys.executable, "-m", "cli", "demo", "--out", str(out),
                        "--parcels", str(n)], check=True)
    return sorted(out.glob("*.gpkg"))[0]


def payload(data: MapData, **kwargs: object) -> tuple[float, int, int]:
    """Server seconds and bytes of one update (overlays as streamlit-folium sends them),
    plus the number of features shown."""
    start = time.perf_counter()
    parts = build_parts(data, basemap="none", compact=True,  # type: ignore[arg-type]
                        min_pixels=MIN_PIXELS if kwargs else 0.0, **kwargs)
    text = "".join(_get_feature_group_string(group, parts.base, idx)
                    for idx, group in enumerate(parts.overlays))
    seconds = time.perf_counter() - start
    shown = sum(sel.shown for name, sel in parts.counts.items() if name != "matches")
    return seconds, len(text.encode()), shown


def run(n: int, work: Path) -> None:
    path = county_path(n, work)
    t0 = time.perf_counter()
    county = load_county(path)
    t1 = time.perf_counter()
    data = prepare(county, audience="investor", lang="zh")
    gc.freeze()  # as ui/state.py does for its cached data
    t2 = time.perf_counter()
    print(f"\n== {len(county['parcel']):,} parcels, {len(county['redline']):,} red-line polygons"
          f" (load {t1 - t0:.1f} s, prepare once {t2 - t1:.1f} s, cached per process)")
    west, south, east, north = data.bounds()
    first = Viewport.covering(data.bounds(), height_px=600)
    park = county["park"].iloc[0]
    park_box = county["park"].iloc[[0]].to_crs(4326).total_bounds
    cx, cy = (park_box[0] + park_box[2]) / 2, (park_box[1] + park_box[3]) / 2
    w = 0.012
    zoomed = Viewport(cx - w, cy - w / 2, cx + w, cy + w / 2, zoom=15)
    panned = Viewport(cx, cy - w / 2, cx + 2 * w, cy + w / 2, zoom=15)
    park = str(park["park_id"])
    scenarios = [
        ("first view (county, cap)", {"viewport": first, "max_features": MAX_FEATURES}),
        ("z11 around a park (caps)", {"viewport": Viewport(cx - 0.24, cy - 0.15, cx + 0.24,
                                                            cy + 0.15, zoom=11),
                                       "max_features": MAX_FEATURES}),
        ("zoomed in, z15", {"viewport": zoomed, "max_features": MAX_FEATURES}),
        ("pan at z15", {"viewport": panned, "max_features": MAX_FEATURES}),
        (f"park filter {park}, z13", {"viewport": Viewport(west, south, east, north, 13),
                                      "max_features": MAX_FEATURES, "park_ids": [park]}),
        ("naive: full layers", {}),
    ]
    payload(data, viewport=zoomed, max_features=MAX_FEATURES)  # warm-up (templates, caches)
    print(f"{'scenario':<28}{'server s':>10}{'payload MB':>12}{'features':>11}")
    for name, kwargs in scenarios:
        seconds, size, shown = payload(data, **kwargs)
        print(f"{name:<28}{seconds:>10.2f}{size / MB:>12.2f}{shown:>11,}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[2000, 100_000])
    parser.add_argument("--work", type=Path, default=Path("/tmp/im_bench"))
    args = parser.parse_args()
    for n in args.sizes:
        run(n, args.work)


if __name__ == "__main__":
    main()

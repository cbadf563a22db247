"""Coordinates against their CRS and against the working zone.

Two checks after the coordinates are known to be finite numbers of sane size:

* **placeable**: every feature's envelope must transform from its CRS to longitude/latitude.
  Eastings with a zone prefix (37,500,000 m) under a CRS without one (EPSG:4546, false easting
  500,000 m) lie thousands of kilometres off the zone's meridian, where the projection has no
  inverse: pyproj answers ``inf``, and a layer stored so breaks every later area sum. The
  message names the CRS the numbers fit (:func:`layers.formats.gk.check_easting_prefix`).
* **in the working zone**: a Gauss–Krüger zone measures areas exactly only near its central
  meridian; at longitude offset Δλ and latitude φ the point scale is
  ``k = 1 / sqrt(1 − (cos φ · sin Δλ)²)`` and areas grow by ``k²``. A feature beyond the zone's
  half width is warned about; one where areas would be off by more than
  :data:`MAX_AREA_DISTORTION` is refused (a file in another zone, or a wrong ``--crs``).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import shapely
from pyproj import CRS, Transformer

from layers.formats.gk import check_easting_prefix, false_easting
from layers.validation.report import ValidationReport

MAX_AREA_DISTORTION = 0.01
"""Relative area error of the working zone's projection beyond which a feature is refused
(about 7° from the central meridian at 38° N; a 3° zone's edge is 0.1 %)."""


def lonlat_centres(geoms: np.ndarray, crs: CRS) -> np.ndarray:
    """``(n, 2)`` longitude/latitude of each envelope's centre (NaN for empty geometries, inf
    where the CRS cannot be inverted)."""
    bounds = shapely.bounds(geoms)
    x = (bounds[:, 0] + bounds[:, 2]) / 2
    y = (bounds[:, 1] + bounds[:, 3]) / 2
    if crs.is_geographic:
        return np.stack([x, y], axis=1)
    to_geo = Transformer.from_crs(crs, crs.geodetic_crs, always_xy=True)
    with np.errstate(invalid="ignore"):
        lon, lat = to_geo.transform(x, y, errcheck=False)
    centres = np.stack([np.asarray(lon, dtype="float64"), np.asarray(lat, dtype="float64")],
                       axis=1)
    centres[~np.isfinite(centres).all(axis=1) & np.isfinite(x) & np.isfinite(y)] = np.inf
    return centres


def check_placeable(geoms: np.ndarray, centres: np.ndarray, present: np.ndarray, crs: CRS,
                    report: ValidationReport, labels: Sequence[str]) -> None:
    """Refuse features whose coordinates cannot be placed on the earth in ``crs``
    (``centres``: :func:`lonlat_centres` of ``geoms``)."""
    if crs.is_geographic or not present.any():
        return
    with np.errstate(invalid="ignore"):
        unplaced = (~np.isfinite(centres).all(axis=1) | (np.abs(centres[:, 0]) > 180)
                    | (np.abs(centres[:, 1]) > 90))
    bad = np.flatnonzero(present & unplaced)
    if not len(bad):
        return
    eastings = shapely.bounds(geoms[bad])[:, [0, 2]].ravel()
    hint = check_easting_prefix([float(eastings.min()), float(eastings.max())], crs)
    fix = "check the CRS: give the file's real EPSG with --crs (or its .prj)"
    if hint and (false_easting(crs) or 0) < 1_000_000 and eastings.max() >= 1_000_000:
        zone = int(eastings.max() // 1_000_000)
        fix = (f"the eastings start with the zone number {zone}: use the CRS of zone {zone} "
               "with the zone prefix (CGCS2000 3° zones: EPSG:4513 + zone − 25, e.g. "
               "EPSG:4525 for zone 37), or remove the prefix from the eastings")
    report.add("error", f"coordinates lie outside what {_name(crs)} can describe"
               + (f" ({hint})" if hint else ""), fix,
               rows=[labels[int(r)] for r in bad])


def check_in_zone(centres: np.ndarray, target: CRS, report: ValidationReport,
                  labels: Sequence[str], *, margin_deg: float = 0.5) -> None:
    """Warn about features (``centres``: :func:`lonlat_centres`) beyond the working zone's
    half width plus ``margin_deg``; refuse those whose areas the working zone would distort
    by more than :data:`MAX_AREA_DISTORTION`."""
    lon0 = _central_meridian(target)
    if lon0 is None or not len(centres):
        return
    offset = np.abs((centres[:, 0] - lon0 + 180) % 360 - 180)
    with np.errstate(invalid="ignore"):
        b = np.cos(np.radians(centres[:, 1])) * np.sin(np.radians(offset))
        distortion = 1 / (1 - np.minimum(b * b, 0.999999)) - 1
    known = np.isfinite(distortion)
    half = 3.0 if "6-degree" in target.name else 1.5
    refused = known & (distortion > MAX_AREA_DISTORTION)
    warned = known & ~refused & (offset > half + margin_deg)
    where = f"the central meridian {lon0:g}° of the working CRS {_name(target)}"
    if refused.any():
        worst = float(np.nanmax(offset[refused]))
        report.add("error", f"feature(s) up to {worst:.1f}° from {where}: their areas there "
                   f"would be off by more than {MAX_AREA_DISTORTION:.0%}",
                   "check the file's CRS (--crs or its .prj); data of another county belongs "
                   "in its own store",
                   rows=[labels[int(r)] for r in np.flatnonzero(refused)])
    if warned.any():
        worst = float(np.nanmax(offset[warned]))
        share = float(np.nanmax(distortion[warned]))
        report.add("warning", f"feature(s) up to {worst:.1f}° from {where}, beyond its zone's "
                   f"±{half:g}° (areas up to {share:.2%} larger)",
                   "check the file's CRS; if it is right, nothing is needed",
                   rows=[labels[int(r)] for r in np.flatnonzero(warned)])


def _central_meridian(crs: CRS) -> float | None:
    operation = crs.coordinate_operation if crs.is_projected else None
    if operation is None or "transverse mercator" not in operation.method_name.lower():
        return None
    for param in operation.params:
        if param.name.lower() == "longitude of natural origin":
            return float(param.value)
    return None


def _name(crs: CRS) -> str:
    epsg = crs.to_epsg()
    return f"EPSG:{epsg}" if epsg else crs.name

"""GCJ-02 ("Mars", Gaode/AMap, Tencent) and BD-09 (Baidu) coordinate transforms.

PROJ does not implement these obfuscated systems; this is the public reverse-engineered
algorithm (shared/domain.md §6): Krasovsky ellipsoid a = 6378245.0, ee = 0.00669342162296594323,
no shift outside China's rough box (lng < 72.004 or > 137.8347, lat < 0.8293 or > 55.8271).
BD-09 adds a rotation/offset on top of GCJ-02 with ``x_pi = π × 3000 / 180`` (some published
BD-09 test vectors were made with the bug ``π`` in place of ``x_pi``; this module uses x_pi).

CGCS2000 (EPSG:4490) and WGS84 differ by centimetres to decimetres — far below the 300–700 m
GCJ-02 offset — so CGCS2000 lon/lat may be passed wherever WGS84 is named here.

Every function is vectorised over numpy arrays in (lon, lat) order and returns float arrays
of the broadcast shape. Inverses are iterative (fixed point) and accurate to ``tol`` degrees.
GCJ-02 is for display on Gaode tiles and for reading picker coordinates on import; data are
never stored shifted.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import numpy.typing as npt
import shapely

A_KRASOVSKY = 6378245.0
EE_KRASOVSKY = 0.00669342162296594323
X_PI = np.pi * 3000.0 / 180.0
BD_OFFSET_LON = 0.0065
BD_OFFSET_LAT = 0.006

CHINA_BOX = (72.004, 0.8293, 137.8347, 55.8271)
"""(min lon, min lat, max lon, max lat) inside which GCJ-02 shifts coordinates."""

ArrayPair = tuple[np.ndarray, np.ndarray]
LonLatTransform = Callable[[npt.ArrayLike, npt.ArrayLike], ArrayPair]


def _as_arrays(lon: npt.ArrayLike, lat: npt.ArrayLike) -> ArrayPair:
    x, y = np.broadcast_arrays(np.asarray(lon, dtype="float64"),
                               np.asarray(lat, dtype="float64"))
    return x, y


def in_china(lon: npt.ArrayLike, lat: npt.ArrayLike) -> np.ndarray:
    """Boolean mask of points inside the box where GCJ-02 applies (shared/domain.md §6)."""
    x, y = _as_arrays(lon, lat)
    lo_x, lo_y, hi_x, hi_y = CHINA_BOX
    return (x >= lo_x) & (x <= hi_x) & (y >= lo_y) & (y <= hi_y)


def _delta(lon: np.ndarray, lat: np.ndarray) -> ArrayPair:
    """GCJ-02 offset (dlon, dlat) in degrees at WGS84 (lon, lat), ignoring the China box."""
    x = lon - 105.0
    y = lat - 35.0
    pi = np.pi
    common = (20.0 * np.sin(6.0 * x * pi) + 20.0 * np.sin(2.0 * x * pi)) * 2.0 / 3.0
    dlat = (-100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y
            + 0.2 * np.sqrt(np.abs(x)) + common
            + (20.0 * np.sin(y * pi) + 40.0 * np.sin(y / 3.0 * pi)) * 2.0 / 3.0
            + (160.0 * np.sin(y / 12.0 * pi) + 320.0 * np.sin(y * pi / 30.0)) * 2.0 / 3.0)
    dlon = (300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y
            + 0.1 * np.sqrt(np.abs(x)) + common
            + (20.0 * np.sin(x * pi) + 40.0 * np.sin(x / 3.0 * pi)) * 2.0 / 3.0
            + (150.0 * np.sin(x / 12.0 * pi) + 300.0 * np.sin(x / 30.0 * pi)) * 2.0 / 3.0)
    radlat = lat / 180.0 * pi
    magic = 1.0 - EE_KRASOVSKY * np.sin(radlat) ** 2
    sqrtmagic = np.sqrt(magic)
    dlat = (dlat * 180.0) / ((A_KRASOVSKY * (1.0 - EE_KRASOVSKY)) / (magic * sqrtmagic) * pi)
    dlon = (dlon * 180.0) / (A_KRASOVSKY / sqrtmagic * np.cos(radlat) * pi)
    return dlon, dlat


def wgs84_to_gcj02(lon: npt.ArrayLike, lat: npt.ArrayLike) -> ArrayPair:
    """WGS84 (or CGCS2000) lon/lat → GCJ-02 lon/lat; points outside China are unchanged.

    Parameters
    ----------
    lon, lat : array-like of degrees (broadcast together).

    Returns
    -------
    (lon, lat) : float arrays in GCJ-02.
    """
    x, y = _as_arrays(lon, lat)
    dlon, dlat = _delta(x, y)
    inside = in_china(x, y)
    return np.where(inside, x + dlon, x), np.where(inside, y + dlat, y)


def gcj02_to_wgs84(lon: npt.ArrayLike, lat: npt.ArrayLike, *, tol: float = 1e-9,
                   max_iter: int = 30) -> ArrayPair:
    """GCJ-02 lon/lat → WGS84 lon/lat by fixed-point iteration of :func:`wgs84_to_gcj02`.

    Starting from the GCJ-02 point, each step corrects the estimate by the residual
    ``target − forward(estimate)``; the offset varies slowly, so it converges below
    ``tol`` degrees in a few steps (shared/domain.md §6).

    Parameters
    ----------
    lon, lat : GCJ-02 degrees.
    tol : stop when every residual is below this many degrees.
    max_iter : upper bound on the number of steps.
    """
    gx, gy = _as_arrays(lon, lat)
    return _fixed_point(wgs84_to_gcj02, gx, gy, gx, gy, tol=tol, max_iter=max_iter)


def _fixed_point(forward: LonLatTransform, tx: np.ndarray, ty: np.ndarray, x0: np.ndarray,
                 y0: np.ndarray, *, tol: float, max_iter: int) -> ArrayPair:
    """Solve ``forward(x, y) = (tx, ty)`` from (x0, y0) by ``x += target − forward(x)``,
    iterating only on the points not yet within ``tol``."""
    shape = tx.shape
    tx, ty = tx.ravel(), ty.ravel()
    x, y = np.array(x0, dtype="float64").ravel(), np.array(y0, dtype="float64").ravel()
    active = np.arange(x.size)
    for _ in range(max_iter):
        fx, fy = forward(x[active], y[active])
        rx, ry = tx[active] - fx, ty[active] - fy
        x[active] += rx
        y[active] += ry
        active = active[(np.abs(rx) >= tol) | (np.abs(ry) >= tol)]
        if active.size == 0:
            break
    return x.reshape(shape), y.reshape(shape)


def gcj02_to_bd09(lon: npt.ArrayLike, lat: npt.ArrayLike) -> ArrayPair:
    """GCJ-02 lon/lat → BD-09 lon/lat (Baidu), with ``x_pi = π × 3000 / 180``."""
    x, y = _as_arrays(lon, lat)
    z = np.hypot(x, y) + 0.00002 * np.sin(y * X_PI)
    theta = np.arctan2(y, x) + 0.000003 * np.cos(x * X_PI)
    return z * np.cos(theta) + BD_OFFSET_LON, z * np.sin(theta) + BD_OFFSET_LAT


def bd09_to_gcj02(lon: npt.ArrayLike, lat: npt.ArrayLike, *, tol: float = 1e-10,
                  max_iter: int = 10) -> ArrayPair:
    """BD-09 lon/lat → GCJ-02 lon/lat.

    The published closed form is only an approximate inverse (errors near 1e-6°); it is used
    as the start and refined by fixed-point iteration of :func:`gcj02_to_bd09` to ``tol``.
    """
    bx, by = _as_arrays(lon, lat)
    x, y = bx - BD_OFFSET_LON, by - BD_OFFSET_LAT
    z = np.hypot(x, y) - 0.00002 * np.sin(y * X_PI)
    theta = np.arctan2(y, x) - 0.000003 * np.cos(x * X_PI)
    return _fixed_point(gcj02_to_bd09, bx, by, z * np.cos(theta), z * np.sin(theta), tol=tol,
                        max_iter=max_iter)


def wgs84_to_bd09(lon: npt.ArrayLike, lat: npt.ArrayLike) -> ArrayPair:
    """WGS84 (or CGCS2000) lon/lat → BD-09 lon/lat (through GCJ-02)."""
    return gcj02_to_bd09(*wgs84_to_gcj02(lon, lat))


def bd09_to_wgs84(lon: npt.ArrayLike, lat: npt.ArrayLike) -> ArrayPair:
    """BD-09 lon/lat → WGS84 lon/lat (through GCJ-02, both inverses iterative)."""
    return gcj02_to_wgs84(*bd09_to_gcj02(lon, lat))


def transform_geometries(geoms: npt.ArrayLike, func: LonLatTransform) -> np.ndarray:
    """Apply a (lon, lat) transform such as :func:`wgs84_to_gcj02` to shapely geometries.

    Parameters
    ----------
    geoms : array of shapely geometries in lon/lat degrees (missing values stay missing).
    func : one of the transforms of this module, or any ``f(lon, lat) -> (lon, lat)``.

    Returns
    -------
    numpy array of new geometries (2D; Z values are dropped).
    """

    def _apply(xy: np.ndarray) -> np.ndarray:
        x, y = func(xy[:, 0], xy[:, 1])
        return np.column_stack([x, y])

    return np.asarray(shapely.transform(np.asarray(geoms, dtype=object), _apply))

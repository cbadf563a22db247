"""Gauss–Krüger CRS from what file headers say: datum, zone width, zone, prefix (domain.md §6).

EPSG ranges (shared/domain.md §6, checked against the EPSG database):

=============  ===================  ====================  ===================  ==============
datum          3° prefixed          3° no prefix          6° prefixed          6° no prefix
=============  ===================  ====================  ===================  ==============
CGCS2000       4513–4533 (25–45)    4534–4554             4491–4501 (13–23)    4502–4512
Xian 1980      2349–2369            2370–2390             2327–2337            2338–2348
Beijing 1954   2401–2421            2422–2442             21413–21423          21453–21463
=============  ===================  ====================  ===================  ==============
"""

from __future__ import annotations

from dataclasses import dataclass

from pyproj import CRS

from geo.errors import DataError

DATUMS: dict[str, dict[tuple[int, bool], int]] = {
    "cgcs2000": {(3, True): 4513, (3, False): 4534, (6, True): 4491, (6, False): 4502},
    "xian1980": {(3, True): 2349, (3, False): 2370, (6, True): 2327, (6, False): 2338},
    "beijing1954": {(3, True): 2401, (3, False): 2422, (6, True): 21413, (6, False): 21453},
}
"""datum → (zone width, prefixed) → EPSG code of the first zone."""

FIRST_ZONE = {3: 25, 6: 13}
LAST_ZONE = {3: 45, 6: 23}

DATUM_LABELS = {
    "cgcs2000": "2000国家大地坐标系",
    "xian1980": "1980西安坐标系",
    "beijing1954": "1954北京坐标系",
}
"""How the coordinate TXT header (坐标系) names each datum when we write it."""

_DATUM_WORDS = (
    ("cgcs2000", ("2000", "cgcs")),
    ("xian1980", ("西安", "1980", "80", "xian")),
    ("beijing1954", ("北京", "1954", "54", "beijing")),
)


class GKError(DataError):
    """A datum, zone width or zone is not one of the supported Gauss–Krüger systems."""


@dataclass(frozen=True)
class GKZone:
    """One Gauss–Krüger system: datum, zone width (3 or 6 degrees), zone number, prefix."""

    datum: str
    width: int
    zone: int
    prefixed: bool

    @property
    def epsg(self) -> int:
        return DATUMS[self.datum][(self.width, self.prefixed)] + self.zone - FIRST_ZONE[self.width]

    @property
    def central_meridian(self) -> int:
        return self.zone * 3 if self.width == 3 else self.zone * 6 - 3

    def crs(self) -> CRS:
        return CRS.from_epsg(self.epsg)


def parse_datum(text: str) -> str:
    """Datum key from a header value such as ``2000国家大地坐标系`` or ``西安80``.

    Raises
    ------
    GKError
        When the text names none of CGCS2000, Xian 1980, Beijing 1954.
    """
    lowered = text.strip().lower()
    for key, words in _DATUM_WORDS:
        if any(word in lowered for word in words):
            return key
    raise GKError(f"unknown coordinate system {text!r}; write 2000国家大地坐标系, "
                  "1980西安坐标系 or 1954北京坐标系")


def gk_zone(datum: str, width: int, zone: int, *, prefixed: bool) -> GKZone:
    """Validated :class:`GKZone`; raises :class:`GKError` for unsupported combinations."""
    if datum not in DATUMS:
        raise GKError(f"unknown datum {datum!r}; use one of {sorted(DATUMS)}")
    if width not in FIRST_ZONE:
        raise GKError(f"zone width {width}° is not supported; use 3 or 6")
    if not FIRST_ZONE[width] <= zone <= LAST_ZONE[width]:
        raise GKError(f"{width}° zone {zone} is outside China's zones "
                      f"{FIRST_ZONE[width]}–{LAST_ZONE[width]}")
    return GKZone(datum, width, zone, prefixed)


def zone_of_crs(crs: CRS) -> GKZone | None:
    """The :class:`GKZone` an EPSG code belongs to, or ``None`` for any other CRS."""
    epsg = crs.to_epsg()
    if epsg is None:
        return None
    for datum, starts in DATUMS.items():
        for (width, prefixed), first in starts.items():
            n = LAST_ZONE[width] - FIRST_ZONE[width]
            if first <= epsg <= first + n:
                return GKZone(datum, width, FIRST_ZONE[width] + epsg - first, prefixed)
    return None


def false_easting(crs: CRS) -> float | None:
    """The false easting of a transverse Mercator CRS in metres (``None`` if it has none)."""
    operation = crs.coordinate_operation
    if operation is None:
        return None
    for param in operation.params:
        if param.name.lower() == "false easting":
            return float(param.value)
    return None


def check_easting_prefix(eastings: list[float] | tuple[float, ...], crs: CRS) -> str | None:
    """Compare eastings with a CRS's false easting; return a problem text or ``None``.

    A prefixed GK CRS (false easting zone × 10⁶ + 500000) needs eastings whose millions are the
    zone; an unprefixed one needs eastings below 10⁶ (shared/domain.md §6).
    """
    fe = false_easting(crs)
    if fe is None or not eastings:
        return None
    lo, hi = min(eastings), max(eastings)
    name = f"EPSG:{crs.to_epsg()}"
    if fe >= 1_000_000:
        zone = int(fe // 1_000_000)
        if int(lo // 1_000_000) != zone or int(hi // 1_000_000) != zone:
            return (f"eastings {lo:.0f}–{hi:.0f} do not start with zone {zone} as {name} "
                    "(zone prefix) requires")
        return None
    if hi >= 1_000_000:
        return (f"eastings up to {hi:.0f} carry a zone prefix ({int(hi // 1_000_000)}) but "
                f"{name} has none")
    return None

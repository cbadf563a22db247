"""Print-resolution PNG map of the county or one park: scale bar, north arrow, legend, source."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import matplotlib
from matplotlib.figure import Figure

from exports.common import ExportError, atomic_output, check_choice, tr
from exports.fonts import cjk_rc
from exports.settings import ExportSettings
from exports.static_map import MapView, draw_map
from exports.tables import as_of_public, park_row
from layers.county import County

MIN_DPI = 200
A4_LANDSCAPE_IN = (11.69, 8.27)


def export_png(county: County, out: str | Path, *, park_id: str | None = None,
               dpi: int = MIN_DPI, lang: str = "zh", settings: ExportSettings | None = None,
               step: Callable[[str], None] | None = None) -> Path:
    """Write an A4-landscape PNG map of the county (or of park ``park_id``).

    Parameters
    ----------
    county : loaded county (parks, parcels, red lines).
    out : the ``.png`` file to write (atomically).
    park_id : one park instead of the whole county.
    dpi : print resolution, at least 200.
    lang : ``zh`` or ``en`` for title, legend and source line.
    settings : export settings (title, source line); ``policy.section("export")`` by default.
    step : called with a short description as each stage starts (progress display).

    Returns
    -------
    Path
        ``out``.
    """
    check_choice(lang, ("zh", "en"), "language")
    if dpi < MIN_DPI:
        raise ExportError(f"--dpi {dpi} is below print resolution; use {MIN_DPI} or more")
    settings = settings or county.policy.section("export")
    view = MapView(park_id=park_id)
    title = settings.text("title", lang)
    if park_id is not None:
        park = park_row(county, park_id)
        title = str(park["name"] if lang == "zh" or not park.get("name_en") else park["name_en"])
    with matplotlib.rc_context(cjk_rc()):
        fig = Figure(figsize=A4_LANDSCAPE_IN)  # not registered with pyplot: thread-safe
        if step:
            step(tr("绘制地图", "drawing the map", lang))
        ax = fig.add_axes((0.03, 0.07, 0.94, 0.83))
        draw_map(ax, county, view, lang=lang)
        fig.text(0.03, 0.935, title, fontsize=18, weight="bold", color="#12355b")
        fig.text(0.97, 0.935, settings.text("title", lang) if park_id else "",
                 fontsize=10, ha="right", color="#555555")
        source = "  ".join(t for t in (settings.text("source", lang),
                                       as_of_public(county, lang)) if t)
        fig.text(0.03, 0.035, source, fontsize=7, color="#444444")
        fig.text(0.97, 0.035, tr("坐标系：", "CRS: ", lang) + str(county.crs.name),
                 fontsize=7, color="#444444", ha="right")
        if step:
            step(tr("写出 PNG", "writing PNG", lang))
        with atomic_output(out) as tmp:
            fig.savefig(tmp, dpi=dpi, format="png")
    return Path(out)

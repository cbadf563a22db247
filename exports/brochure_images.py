"""Pictures of the brochure (推介手册), drawn with matplotlib as PNG data URIs: the static map
of a park or a parcel, the park inset with the parcel outlined, and the chain diagram.

The typesetter (:mod:`exports.typeset`) places them in their own boxes; the words around them
are HTML text. Pictures hold map labels and the diagram's segment names only.
"""

from __future__ import annotations

import base64
import io

import matplotlib
import pandas as pd
from matplotlib.figure import Figure

from exports.fonts import cjk_rc
from exports.static_map import HIGHLIGHT, MapView, draw_map
from layers.county import County

MAP_SIZE_IN = (7.1, 3.9)
"""Width (the A4 text width, 180 mm) and height of the cover map, inches."""
INSET_SIZE_IN = (7.1, 3.4)
DPI = 200


def data_uri(png: bytes) -> str:
    """``data:image/png;base64,…`` of PNG bytes (so the HTML needs no files beside it)."""
    return "data:image/png;base64," + base64.b64encode(png).decode("ascii")


def _png(fig: Figure, *, tight: bool = False, crop: list | None = None) -> bytes:
    """PNG bytes: the whole figure, its tight box, or (``crop``) the box around the given
    artists (the map and its legend, leaving out labels that run past the map's edge)."""
    buf = io.BytesIO()
    box: object = "tight" if tight else None
    if crop:
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from matplotlib.transforms import Bbox

        renderer = FigureCanvasAgg(fig).get_renderer()
        pixels = Bbox.union([a.get_window_extent(renderer) for a in crop if a is not None])
        box = pixels.transformed(fig.dpi_scale_trans.inverted()).padded(0.02)
    fig.savefig(buf, format="png", dpi=DPI, facecolor="white", bbox_inches=box)
    return buf.getvalue()


def map_png(county: County, view: MapView, *, lang: str, labels: bool,
            outline_parcel: str | None = None,
            size_in: tuple[float, float] = MAP_SIZE_IN) -> bytes:
    """The static map of ``view`` with its legend to the right, as PNG bytes.

    ``outline_parcel`` draws that parcel's outline in the highlight colour on a park view
    (the parcel brochure's park inset).
    """
    with matplotlib.rc_context(cjk_rc()):
        fig = Figure(figsize=size_in)
        ax = fig.add_axes((0.005, 0.01, 0.74, 0.98))
        draw_map(ax, county, view, lang=lang, labels=labels, legend="outside")
        if outline_parcel is not None:
            parcels = county["parcel"]
            target = parcels[parcels["parcel_id"] == outline_parcel]
            limits = ax.get_xlim(), ax.get_ylim()
            target.boundary.plot(ax=ax, color=HIGHLIGHT, linewidth=2.2, zorder=6)
            ax.set_xlim(*limits[0])
            ax.set_ylim(*limits[1])
            ax.set_xlabel("")  # GeoSeries.plot names the CRS axes again
            ax.set_ylabel("")
        for text in ax.texts:  # a long park name ends at the map's edge, not beyond it
            text.set_clip_box(ax.bbox)
            text.set_clip_on(True)
        return _png(fig, crop=[ax, ax.get_legend()])  # the legend stands outside the axes


def chain_png(catalog: object, chain_id: str, analysis: pd.DataFrame, *, lang: str) -> bytes:
    """The chain diagram (segments coloured by investor verdict), as PNG bytes."""
    from charts.chain_diagram import chain_figure
    from geo.chain_catalog import INVESTOR_VERDICT_LABELS

    with matplotlib.rc_context(cjk_rc()):
        fig = chain_figure(catalog, chain_id, analysis, lang=lang, title=" ",  # type: ignore[arg-type]
                           verdict_labels=INVESTOR_VERDICT_LABELS)
        return _png(fig, tight=True)

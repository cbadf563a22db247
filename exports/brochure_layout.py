"""Page furniture of the brochure (推介手册): A4 pages, header band, fact table, parcel table,
contact block with QR code, chain page. Everything is drawn as matplotlib text (real,
extractable text in the PDF), never as images of text.
"""

from __future__ import annotations

import textwrap
from collections.abc import Sequence

import pandas as pd
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle
from matplotlib.text import Text

from exports.common import tr
from exports.qr import qr_matrix
from exports.settings import ExportSettings

A4_PORTRAIT_IN = (8.27, 11.69)
NAVY = "#12355b"
ACCENT = "#c8102e"
LIGHT = "#eef2f8"
INK = "#1a1a1a"
MUTED = "#5a6270"


def new_page() -> Figure:
    """A blank A4 portrait page (a plain Figure, not registered with pyplot)."""
    return Figure(figsize=A4_PORTRAIT_IN, dpi=100, facecolor="white")


def header(fig: Figure, title: str, subtitle: str, kicker: str, badge: str = "") -> None:
    """Navy band across the top: small kicker line, large title, subtitle, optional badge."""
    fig.patches.append(Rectangle((0, 0.895), 1, 0.105, transform=fig.transFigure,
                                 facecolor=NAVY, edgecolor="none", zorder=0))
    fig.patches.append(Rectangle((0, 0.891), 1, 0.004, transform=fig.transFigure,
                                 facecolor=ACCENT, edgecolor="none", zorder=0))
    fig.text(0.05, 0.975, kicker, fontsize=9, color="#c9d6ea", va="top")
    fig.text(0.05, 0.952, title, fontsize=20 if len(title) < 24 else 15, color="white",
             weight="bold", va="top")
    if subtitle:
        fig.text(0.05, 0.907, subtitle, fontsize=9, color="#dfe7f3", va="bottom")
    if badge:
        fig.text(0.95, 0.955, badge, fontsize=11, color=NAVY, weight="bold", ha="right",
                 va="top", bbox={"boxstyle": "round,pad=0.4", "fc": "white", "ec": "none"})


def section_title(fig: Figure, x: float, y: float, text: str) -> None:
    """A section heading with a short accent bar on its left."""
    fig.patches.append(Rectangle((x, y - 0.003), 0.006, 0.018, transform=fig.transFigure,
                                 facecolor=ACCENT, edgecolor="none"))
    fig.text(x + 0.014, y, text, fontsize=12, weight="bold", color=NAVY, va="bottom")


def _renderer(fig: Figure):  # noqa: ANN202 - matplotlib RendererBase
    """A renderer to measure text with (an Agg canvas when the figure has none yet; the
    PDF backend lays text out with the same font metrics)."""
    if not hasattr(fig.canvas, "get_renderer"):
        FigureCanvasAgg(fig)
    return fig.canvas.get_renderer()


def fit_text(text: Text, width: float, *, min_size: float = 5.0) -> Text:
    """Shrink ``text`` (a figure or axes text) until its measured width is at most ``width``
    figure fractions; below ``min_size`` points it is cut with "…". Returns it."""
    fig = text.get_figure()
    renderer = _renderer(fig)
    limit = width * fig.bbox.width
    while text.get_window_extent(renderer).width > limit and text.get_fontsize() > min_size:
        text.set_fontsize(max(min_size, text.get_fontsize() - 0.5))
    value = text.get_text()
    while text.get_window_extent(renderer).width > limit and len(value) > 2:
        value = value[:-2]
        text.set_text(value.rstrip() + "…")
    return text


def fit_in_boxes(ax: Axes, box_width: float, *, zorder: float = 4, pad: float = 0.9) -> int:
    """Shrink the texts drawn inside boxes of ``box_width`` data units (those at
    ``zorder``) to fit them, once the axes have their final size (e.g. a chain diagram
    placed on an A4 page). Returns how many were shrunk."""
    fig = ax.get_figure()
    renderer = _renderer(fig)
    x0 = ax.transData.transform((0.0, 0.0))[0]
    limit = (ax.transData.transform((box_width, 0.0))[0] - x0) * pad
    shrunk = 0
    for text in ax.texts:
        if text.get_zorder() != zorder:
            continue
        start = text.get_fontsize()
        while text.get_window_extent(renderer).width > limit and text.get_fontsize() > 4.0:
            text.set_fontsize(text.get_fontsize() - 0.25)
        shrunk += text.get_fontsize() < start
    return shrunk


def fact_table(fig: Figure, x: float, top: float, width: float,
               rows: Sequence[tuple[str, str]], *, line: float = 0.0215,
               wrap: int = 34) -> float:
    """Label/value rows with zebra shading; long values wrap. Returns the y below the table."""
    y = top
    for i, (key, value) in enumerate(rows):
        lines = textwrap.wrap(value, wrap) or [""]
        height = line * max(1, len(lines))
        if i % 2 == 0:
            fig.patches.append(Rectangle((x, y - height), width, height,
                                         transform=fig.transFigure, facecolor=LIGHT,
                                         edgecolor="none", zorder=0))
        fit_text(fig.text(x + 0.008, y - line / 2, key, fontsize=8.5, color=MUTED,
                          va="center"), width * 0.33)
        for j, text in enumerate(lines):
            fit_text(fig.text(x + width * 0.34, y - line / 2 - j * line, text, fontsize=8.5,
                              color=INK, va="center", weight="bold" if j == 0 else "normal"),
                     width * 0.65)
        y -= height
    return y


def paragraph(fig: Figure, x: float, top: float, text: str, *, wrap: int, line: float = 0.018,
              size: float = 9, max_lines: int = 12) -> float:
    """Wrapped body text; returns the y below it."""
    lines = textwrap.wrap(text, wrap)[:max_lines]
    for i, part in enumerate(lines):
        fig.text(x, top - i * line, part, fontsize=size, color=INK, va="top")
    return top - len(lines) * line


def footer(fig: Figure, settings: ExportSettings, lang: str, page: int, pages: int, *,
           url: str | None = None, as_of: str = "") -> None:
    """Contact block, QR code to the online map (``url``: the park's or parcel's view, else
    ``settings.online_map_url``), source line with the data's as-of dates (``as_of``:
    :func:`layers.freshness.as_of_line`) and page number."""
    fig.patches.append(Rectangle((0, 0), 1, 0.115, transform=fig.transFigure,
                                 facecolor=LIGHT, edgecolor="none", zorder=0))
    fig.text(0.05, 0.097, tr("招商联系", "Investment contact", lang), fontsize=9.5,
             weight="bold", color=NAVY, va="top")
    for i, text in enumerate(settings.contact_lines(lang)[:4]):
        fig.text(0.05, 0.077 - i * 0.015, text, fontsize=8, color=INK, va="top")
    url = url or settings.online_map_url
    if url:
        ax = fig.add_axes((0.845, 0.012, 0.1, 0.1 * A4_PORTRAIT_IN[0] / A4_PORTRAIT_IN[1]))
        ax.imshow(~qr_matrix(url), cmap="gray", interpolation="none")
        ax.set_axis_off()
        ax.set_zorder(5)  # above the footer band (figure patches draw after axes)
        fig.text(0.835, 0.063, tr("扫码查看在线地图", "Scan for the online map", lang),
                 fontsize=7.5, color=NAVY, ha="right", va="center", weight="bold")
        fit_text(fig.text(0.835, 0.047, url, fontsize=6.5, color=MUTED, ha="right",
                          va="center"), 0.42)
    source = "  ".join(t for t in (settings.text("source", lang), as_of) if t)
    fig.text(0.05, 0.012, source, fontsize=6.5, color=MUTED,
             va="bottom")
    fig.text(0.5, 0.118, f"{page} / {pages}", fontsize=7, color=MUTED, ha="center",
             va="bottom")


def parcel_table(fig: Figure, frame: pd.DataFrame, headers: Sequence[str], *, top: float,
                 bottom: float, x: float = 0.05, width: float = 0.9,
                 widths: Sequence[float] | None = None) -> int:
    """Draw ``frame`` as a table between ``top`` and ``bottom``; returns the rows drawn."""
    line = 0.0205
    n = max(0, min(len(frame), int((top - bottom) / line) - 1))
    widths = list(widths or [1.0] * len(headers))
    scale = width / sum(widths)
    xs = [x]
    for w in widths[:-1]:
        xs.append(xs[-1] + w * scale)
    fig.patches.append(Rectangle((x, top - line), width, line, transform=fig.transFigure,
                                 facecolor=NAVY, edgecolor="none"))
    room = [w * scale - 0.01 for w in widths]
    for xi, head, w in zip(xs, headers, room, strict=True):
        fit_text(fig.text(xi + 0.005, top - line / 2, head, fontsize=7.5, color="white",
                          weight="bold", va="center"), w)
    for i, row in enumerate(frame.head(n).itertuples(index=False)):
        y = top - line * (i + 2)
        if i % 2:
            fig.patches.append(Rectangle((x, y), width, line, transform=fig.transFigure,
                                         facecolor=LIGHT, edgecolor="none"))
        for xi, value, w in zip(xs, row, room, strict=True):
            fit_text(fig.text(xi + 0.005, y + line / 2, _cell(value), fontsize=7.5, color=INK,
                              va="center"), w)
    return n


def _cell(value: object) -> str:
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return "—"
    if isinstance(value, float):
        return f"{value:,.2f}".rstrip("0").rstrip(".")
    return str(value)


def fmt_range(values: pd.Series, unit: str = "", *, digits: int = 1) -> str:
    """``min–max unit`` of the non-missing values (one value when they agree; — when none)."""
    values = pd.to_numeric(values, errors="coerce").dropna()
    if values.empty:
        return "—"
    lo, hi = float(values.min()), float(values.max())
    text = f"{lo:,.{digits}f}" if lo == hi else f"{lo:,.{digits}f}–{hi:,.{digits}f}"
    return f"{text} {unit}".strip()

"""Chain diagram (产业链图谱): segments coloured by verdict, upstream → midstream → downstream.

:func:`chain_figure` is pure: it builds a :class:`matplotlib.figure.Figure` without pyplot or
global rcParams, so the app (``st.pyplot``), the brochure and the CLI can all call it.
:func:`figure_bytes` renders one to PNG, SVG or PDF.

Layout: one band per position (上游/中游/下游); inside a band, a segment's column is its
longest chain of ``supplies`` edges from other segments of the same band; inside a column,
segments are ordered by the mean row of their suppliers to keep arrows short. Forward edges
are solid arrows; loop edges back to an earlier position (recycling → raw material) are
dashed arcs over the top. The diagram shows names and verdicts only, never figures, so it
is safe for investor views.
"""

from __future__ import annotations

import io
import textwrap
from collections.abc import Mapping
from typing import Literal

import pandas as pd
from matplotlib import font_manager, rc_context
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.patches import FancyArrowPatch, FancyBboxPatch, Patch, Rectangle
from matplotlib.path import Path

from geo.chain_catalog import POSITION_LABELS, POSITIONS, VERDICT_LABELS, ChainCatalog
from geo.errors import InstallError

FONT_FAMILY: list[str] = ["Noto Sans CJK SC", "Noto Sans CJK JP", "DejaVu Sans"]
"""Font families by preference (shared/pitfalls.md "Print": CJK first, DejaVu as fallback)."""

VERDICT_COLORS: dict[str, str] = {
    "strong": "#1b7837",
    "present": "#7fbf7b",
    "thin": "#f4a442",
    "missing": "#d6604d",
    "extension": "#6baed6",
}
"""Fill colour per verdict (colour-blind-safe diverging greens/orange/red/blue)."""
UNASSESSED_COLOR = "#d9d9d9"
DARK_FILLS = {"strong", "missing"}

BOX_W, BOX_H = 1.7, 0.72
COL_STEP, ROW_STEP = 2.3, 1.05
BAND_GAP = 0.5


class ChartFontError(InstallError):
    """No CJK font is installed, so Chinese labels would render as empty boxes."""


def cjk_font_path() -> str:
    """File of the font matplotlib uses for :data:`FONT_FAMILY`; raises unless it is CJK.

    Raises
    ------
    ChartFontError
        With the fix (install Debian's ``fonts-noto-cjk``, clear matplotlib's font cache).
    """
    path = font_manager.findfont(font_manager.FontProperties(family=FONT_FAMILY),
                                 fallback_to_default=True)
    if "CJK" not in path:
        raise ChartFontError(
            f"no CJK font among {FONT_FAMILY[:-1]} (matplotlib picked {path}); fix: "
            "`apt-get install fonts-noto-cjk` (scripts/setup-system.sh), then delete "
            "~/.cache/matplotlib")
    return path


def chain_figure(catalog: ChainCatalog, chain_id: str, analysis: pd.DataFrame | None = None,
                 *, lang: str = "zh", title: str | None = None,
                 verdict_labels: Mapping[str, tuple[str, str]] = VERDICT_LABELS) -> Figure:
    """Diagram of one chain with segments coloured by verdict.

    Parameters
    ----------
    catalog : chain definitions.
    chain_id : the chain to draw.
    analysis : the result of :func:`geo.chains.analyse` (one scope); ``None`` draws the chain
        uncoloured. Segments missing from it are drawn grey ("not assessed").
    lang : ``"zh"`` or ``"en"`` labels.
    title : overrides the default title (chain name, plus the park for a park analysis).
    verdict_labels : verdict → (zh, en) words (investor material passes
        :data:`geo.chain_catalog.INVESTOR_VERDICT_LABELS`).

    Returns
    -------
    matplotlib.figure.Figure
        Not attached to pyplot; close nothing, keep no global state.
    """
    if lang not in ("zh", "en"):
        raise ValueError(f"lang {lang!r}: use 'zh' or 'en'")
    cjk_font_path()
    chain = catalog.chain(chain_id)
    verdicts = _verdicts(analysis, chain_id)
    pos, bands = _layout(catalog, chain_id)
    n_cols = max(c for c, _ in pos.values()) + 1
    xy = {s: (_x(c), _y(r)) for s, (c, r) in _rows(pos, catalog.forward_edges(chain_id)).items()}
    top = max(y for _, y in xy.values()) + BOX_H / 2 + 0.15
    bottom = min(y for _, y in xy.values()) - BOX_H / 2 - 0.15
    width = n_cols * COL_STEP + 2 * BAND_GAP
    height = top - bottom + 1.6
    inches = max(0.95, 6.0 / width)  # per data unit; figure and limits share one aspect
    fig = Figure(figsize=(width * inches, height * inches), dpi=100)
    ax = fig.add_axes((0.0, 0.0, 1.0, 1.0))
    ax.set_xlim(-BAND_GAP - COL_STEP / 2, width - BAND_GAP - COL_STEP / 2)
    ax.set_ylim(bottom - 0.6, top + 1.0)
    ax.set_axis_off()
    ax.set_aspect("equal", adjustable="datalim")
    text = {"fontfamily": FONT_FAMILY}
    for position, (c0, c1) in bands.items():
        x0, x1 = _x(c0) - COL_STEP / 2 + 0.1, _x(c1) + COL_STEP / 2 - 0.1
        ax.add_patch(Rectangle((x0, bottom), x1 - x0, top - bottom, facecolor="#f4f6fa",
                               edgecolor="#c9d1e0", linewidth=0.8, zorder=0))
        label = POSITION_LABELS[position][0 if lang == "zh" else 1]
        ax.text((x0 + x1) / 2, top + 0.05, label, ha="center", va="bottom", fontsize=11,
                color="#3a4a6b", fontweight="bold", **text)
    _edges(ax, catalog, chain_id, xy)
    for seg in chain.segments:
        x, y = xy[seg.segment_id]
        verdict = verdicts.get(seg.segment_id)
        fill = VERDICT_COLORS.get(verdict or "", UNASSESSED_COLOR)
        ink = "white" if verdict in DARK_FILLS else "#1a1a1a"
        ax.add_patch(FancyBboxPatch((x - BOX_W / 2, y - BOX_H / 2), BOX_W, BOX_H,
                                    boxstyle="round,pad=0.02,rounding_size=0.12",
                                    facecolor=fill, edgecolor="#4d4d4d", linewidth=0.9,
                                    zorder=3))
        name = seg.name(lang) if lang == "zh" else textwrap.fill(seg.en, 18)
        sub = (verdict_labels[verdict][0 if lang == "zh" else 1] if verdict
               else ("未评估" if lang == "zh" else "not assessed"))
        ax.text(x, y + 0.1, name, ha="center", va="center", fontsize=9 if lang == "zh" else 7.5,
                color=ink, zorder=4, fontweight="bold", **text)
        ax.text(x, y - 0.22, sub, ha="center", va="center", fontsize=7, color=ink, zorder=4,
                **text)
    ax.text(ax.get_xlim()[0] + 0.1, top + 0.6, title or _title(chain.name(lang), analysis,
                                                                   lang),
            ha="left", va="bottom", fontsize=13, fontweight="bold", color="#1a1a1a", **text)
    _legend(ax, lang, analysis is not None, bool(catalog.loop_edges(chain_id)),
            verdict_labels)
    return fig


def figure_bytes(fig: Figure, fmt: Literal["png", "svg", "pdf"] = "png", *, dpi: int = 150,
                 text_as_paths: bool = True) -> bytes:
    """Render a figure to PNG, SVG or PDF bytes.

    PDF uses Type 3 fonts (Debian's CFF-flavoured Noto CJK breaks Type 42 embedding;
    shared/pitfalls.md). SVG draws text as paths unless ``text_as_paths`` is False, which keeps
    ``<text>`` elements (searchable, needs the font where it is shown).
    """
    if fmt not in ("png", "svg", "pdf"):
        raise ValueError(f"format {fmt!r}: use png, svg or pdf")
    buffer = io.BytesIO()
    rc = {"pdf.fonttype": 3, "svg.fonttype": "path" if text_as_paths else "none"}
    with rc_context(rc):
        fig.savefig(buffer, format=fmt, dpi=dpi, facecolor="white")
    return buffer.getvalue()


# -- layout -------------------------------------------------------------------------------


def _x(col: int) -> float:
    return col * COL_STEP


def _y(row: float) -> float:
    return -row * ROW_STEP


def _layout(catalog: ChainCatalog, chain_id: str
            ) -> tuple[dict[str, tuple[int, int]], dict[str, tuple[int, int]]]:
    """(column, order-in-catalog) per segment, and the first/last column of each band."""
    chain = catalog.chain(chain_id)
    edges = catalog.forward_edges(chain_id)
    position = {s.segment_id: s.position for s in chain.segments}
    depth: dict[str, int] = {}

    def local_depth(seg: str) -> int:
        if seg not in depth:
            preds = [a for a, b in edges if b == seg and position[a] == position[seg]]
            depth[seg] = 1 + max((local_depth(p) for p in preds), default=-1)
        return depth[seg]

    pos: dict[str, tuple[int, int]] = {}
    bands: dict[str, tuple[int, int]] = {}
    start = 0
    for band in POSITIONS:
        members = [s.segment_id for s in chain.segments if s.position == band]
        if not members:
            continue
        width = max(local_depth(s) for s in members) + 1
        for i, seg in enumerate(members):
            pos[seg] = (start + local_depth(seg), i)
        bands[band] = (start, start + width - 1)
        start += width
    return pos, bands


def _rows(pos: dict[str, tuple[int, int]], edges: list[tuple[str, str]]
          ) -> dict[str, tuple[int, float]]:
    """Row per segment: columns left to right, each ordered by the mean row of its suppliers
    in earlier columns (catalog order for segments without one). Rows are whole numbers
    around 0 in every column, so the gaps between rows line up across columns and carry the
    arrows that skip columns."""
    rows: dict[str, tuple[int, float]] = {}
    for col in sorted({c for c, _ in pos.values()}):
        members = sorted((s for s, (c, _) in pos.items() if c == col), key=lambda s: pos[s][1])
        offset = (len(members) - 1) // 2
        keys = []
        for i, seg in enumerate(members):
            preds = [rows[a][1] for a, b in edges if b == seg and a in rows]
            keys.append(sum(preds) / len(preds) if preds else i - offset)
        ordered = [seg for _, seg in sorted(zip(keys, members, strict=True),
                                            key=lambda kv: kv[0])]
        for i, seg in enumerate(ordered):
            rows[seg] = (col, i - offset)
    return rows


def _edges(ax: Axes, catalog: ChainCatalog, chain_id: str,
           xy: dict[str, tuple[float, float]]) -> None:
    """Forward edges left to right; an edge that skips columns runs along the gap between
    rows so it never crosses a box."""
    gap = COL_STEP - BOX_W
    style = {"arrowstyle": "-|>", "mutation_scale": 11, "linewidth": 1.0, "color": "#555555",
             "zorder": 2}
    for a, b in catalog.forward_edges(chain_id):
        (xa, ya), (xb, yb) = xy[a], xy[b]
        start, end = (xa + BOX_W / 2, ya), (xb - BOX_W / 2, yb)
        if xb - xa <= COL_STEP + 1e-9:
            ax.add_patch(FancyArrowPatch(start, end, **style))
            continue
        lane = ya + (-ROW_STEP / 2 if yb < ya else ROW_STEP / 2)
        x_out, x_in = start[0] + gap / 2, end[0] - gap / 2
        path = Path([start, (x_out, ya), (x_out, lane), (x_in, lane), (x_in, yb), end])
        ax.add_patch(FancyArrowPatch(path=path, **style))
    for a, b in catalog.loop_edges(chain_id):
        (xa, ya), (xb, yb) = xy[a], xy[b]
        ax.add_patch(FancyArrowPatch((xa, ya + BOX_H / 2), (xb, yb + BOX_H / 2),
                                     arrowstyle="-|>", mutation_scale=11, linewidth=1.0,
                                     linestyle=(0, (4, 3)), color="#7a7a7a", zorder=1,
                                     connectionstyle="arc3,rad=0.25"))


def _verdicts(analysis: pd.DataFrame | None, chain_id: str) -> dict[str, str]:
    if analysis is None:
        return {}
    rows = analysis[analysis["chain_id"] == chain_id]
    if rows["segment_id"].duplicated().any():
        raise ValueError(f"analysis holds chain {chain_id!r} more than once (several scopes?); "
                         "pass the analysis of one county or one park")
    return {str(s): str(v) for s, v in zip(rows["segment_id"], rows["verdict"], strict=True)}


def _title(name: str, analysis: pd.DataFrame | None, lang: str) -> str:
    if analysis is None or "scope" not in analysis.columns or analysis.empty:
        return name
    scope = str(analysis["scope"].iloc[0])
    if scope == "county":
        return name + ("（全县）" if lang == "zh" else " (county)")
    return name + (f"（园区 {scope}）" if lang == "zh" else f" (park {scope})")


def _legend(ax: Axes, lang: str, assessed: bool, loops: bool,
            labels: Mapping[str, tuple[str, str]] = VERDICT_LABELS) -> None:
    i = 0 if lang == "zh" else 1
    handles = [Patch(facecolor=VERDICT_COLORS[v], edgecolor="#4d4d4d",
                     label=labels[v][i]) for v in VERDICT_COLORS] if assessed else []
    if loops:
        handles.append(Patch(facecolor="white", edgecolor="#7a7a7a", linestyle=(0, (4, 3)),
                             label="虚线：回流环节" if lang == "zh" else "dashed: loop back"))
    if handles:
        ax.legend(handles=handles, loc="lower center", ncol=len(handles), frameon=False,
                  prop={"family": FONT_FAMILY, "size": 8}, bbox_to_anchor=(0.5, 0.0))

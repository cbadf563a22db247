"""Static (print) maps drawn with matplotlib: context, parks, parcels by status, red lines.

Shared by the PNG export, the brochure and the compliance report. The county's ``context``
layer (outline, towns, roads, rivers, railways, water), when loaded, is drawn under the parks
by :func:`draw_context`, so a printed or offline map still shows where things are. Geometry
stays in the working CRS (metres), so the scale bar is exact and the map needs no tiles
(prints and works offline). Only registry
geometry and public codes (status, category) are drawn; no attribute beyond ids and names.
"""

from __future__ import annotations

from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import shapely
from matplotlib.axes import Axes
from matplotlib.lines import Line2D
from matplotlib.patches import FancyArrow, Patch, Rectangle

from layers.county import County
from layers.registry import CONTEXT, CONTEXT_KINDS, PARCEL, PARCEL_STATUSES, REDLINE, label

LAND_COLOR = "#f4f1ea"
PARK_EDGE = "#1f4e9c"
HIGHLIGHT = "#d62728"
NICE_LENGTHS_M = (50, 100, 200, 250, 500, 1000, 2000, 2500, 5000, 10_000, 20_000, 50_000)


@dataclass(frozen=True)
class MapView:
    """What a static map shows: the whole county, one park or one parcel (with neighbours)."""

    park_id: str | None = None
    parcel_id: str | None = None


def view_bounds(county: County, view: MapView, *, aspect: float | None = None,
                ) -> tuple[float, float, float, float]:
    """Extent (minx, miny, maxx, maxy) in metres, padded, optionally widened to ``aspect``
    (width / height) so the map fills its axes."""
    parcels = county["parcel"]
    if view.parcel_id is not None:
        geom = _one(parcels, "parcel_id", view.parcel_id).geometry
        minx, miny, maxx, maxy = geom.total_bounds
        pad = max(maxx - minx, maxy - miny, 200.0) * 1.2
    else:
        if view.park_id is not None:
            geom = _one(county["park"], "park_id", view.park_id).geometry
        else:
            geom = gpd.GeoSeries(np.concatenate([county["park"].geometry.values,
                                                 parcels.geometry.values]))
        minx, miny, maxx, maxy = geom.total_bounds
        pad = max(maxx - minx, maxy - miny) * 0.06
    minx, miny, maxx, maxy = minx - pad, miny - pad, maxx + pad, maxy + pad
    if aspect is not None:
        width, height = maxx - minx, maxy - miny
        if width / height < aspect:
            grow = (height * aspect - width) / 2
            minx, maxx = minx - grow, maxx + grow
        else:
            grow = (width / aspect - height) / 2
            miny, maxy = miny - grow, maxy + grow
    return float(minx), float(miny), float(maxx), float(maxy)


def _one(frame: gpd.GeoDataFrame, column: str, value: str) -> gpd.GeoDataFrame:
    rows = frame[frame[column] == value]
    if rows.empty:
        raise KeyError(f"no {column} {value!r}; valid: {', '.join(map(str, frame[column][:12]))}"
                       f"{' …' if len(frame) > 12 else ''}")
    return rows


def draw_map(ax: Axes, county: County, view: MapView, *, lang: str = "zh",
             legend: str | None = "inside", labels: bool = True) -> None:
    """Draw parks, red lines and parcels (coloured by status) of ``view`` into ``ax``.

    Adds a scale bar and a north arrow; the legend (``inside`` the lower-right corner,
    ``outside`` to the right of the map, or ``None``) lists only what is visible.
    """
    aspect = ax.bbox.width / ax.bbox.height if ax.bbox.height else None
    minx, miny, maxx, maxy = view_bounds(county, view, aspect=aspect)
    box = shapely.box(minx, miny, maxx, maxy)
    ax.set_facecolor(LAND_COLOR)
    handles: list[Patch | Line2D] = []
    if "context" in county.layers:
        handles += draw_context(ax, county["context"], (minx, miny, maxx, maxy), lang=lang)
    handles += _draw_redlines(ax, county, box, lang)
    parks = county["park"]
    parks_in = parks[parks.intersects(box)]
    parks_in.boundary.plot(ax=ax, color=PARK_EDGE, linewidth=1.4, zorder=4)
    handles.append(Line2D([], [], color=PARK_EDGE, linewidth=1.4,
                          label="园区边界" if lang == "zh" else "Park boundary"))
    parcels = county["parcel"]
    parcels_in = parcels[parcels.intersects(box)]
    colors = PARCEL.style["colors"]
    assert isinstance(colors, dict)
    present = set(parcels_in["status"])
    for status in [s for s in PARCEL_STATUSES if s in present]:
        group = parcels_in[parcels_in["status"] == status]
        group.plot(ax=ax, color=colors.get(status, "#999999"), edgecolor="white",
                   linewidth=0.3, alpha=0.85, zorder=3)
        handles.append(Patch(facecolor=colors.get(status, "#999999"), edgecolor="white",
                             label=label(PARCEL_STATUSES, str(status), lang)))
    if view.parcel_id is not None:
        target = _one(parcels, "parcel_id", view.parcel_id)
        target.boundary.plot(ax=ax, color=HIGHLIGHT, linewidth=2.2, zorder=6)
        handles.append(Line2D([], [], color=HIGHLIGHT, linewidth=2.2,
                              label="本地块" if lang == "zh" else "This parcel"))
        if labels:
            _label_parcels(ax, parcels_in, box)
    elif labels:
        _label_parks(ax, parks_in, lang, minx, maxx)
    ax.set_xlim(minx, maxx)
    ax.set_ylim(miny, maxy)
    ax.set_aspect("equal")
    ax.set_xticks([])
    ax.set_yticks([])
    ax.set_xlabel("")
    ax.set_ylabel("")
    for spine in ax.spines.values():
        spine.set_color("#666666")
        spine.set_linewidth(0.6)
    scale_bar(ax, minx, miny, maxx, maxy, lang=lang)
    north_arrow(ax)
    if legend is not None:
        where = ({"loc": "lower right"} if legend == "inside"
                 else {"loc": "upper left", "bbox_to_anchor": (1.02, 1.0), "borderaxespad": 0})
        ax.legend(handles=handles, fontsize=7, frameon=True, framealpha=0.92,
                  title="图例" if lang == "zh" else "Legend", title_fontsize=8,
                  **where).set_zorder(10)


def draw_context(ax: Axes, context: gpd.GeoDataFrame,
                 bounds: tuple[float, float, float, float], *, lang: str = "zh",
                 labels: bool = True) -> list[Patch | Line2D]:
    """Draw the ``context`` layer inside ``bounds`` under everything else (z-order < 2).

    Water bodies are filled, the county boundary is a dash-dot line, roads grey lines, rivers
    blue lines, railways black-and-white dashed lines and towns dots with their names (in
    ``lang``). ``context`` and ``bounds`` are in the map's CRS (metres). Returns legend
    handles for the kinds drawn.

    Parameters
    ----------
    ax : matplotlib axes (its limits are not changed).
    context : frame with ``kind``, ``name`` (and optionally ``name_en``) and geometry.
    bounds : (minx, miny, maxx, maxy) of the map.
    lang : ``zh`` or ``en`` for town names and legend labels.
    labels : write town names.
    """
    box = shapely.box(*bounds)
    shown = context[context.intersects(box)]
    colors = CONTEXT.style["colors"]
    assert isinstance(colors, dict)
    width = max(bounds[2] - bounds[0], 1.0)
    scale = 1.0 if width > 15_000 else 1.4  # thicker lines when zoomed in
    handles: list[Patch | Line2D] = []

    def name(kind: str) -> str:
        return label(CONTEXT_KINDS, kind, lang)

    kinds = set(shown["kind"].astype(str))
    if "water" in kinds:
        shown[shown["kind"] == "water"].plot(ax=ax, color=colors["water"], linewidth=0,
                                             zorder=0.5)
        handles.append(Patch(facecolor=colors["water"], label=name("water")))
    outline = shown[shown["kind"] == "county_boundary"].boundary
    if outline.intersects(box).any():
        outline.plot(ax=ax, color=colors["county_boundary"], linewidth=1.6, linestyle="-.",
                     zorder=1.0)
        handles.append(Line2D([], [], color=colors["county_boundary"], linewidth=1.6,
                              linestyle="-.", label=name("county_boundary")))
    if "river" in kinds:
        shown[shown["kind"] == "river"].plot(ax=ax, color=colors["river"],
                                             linewidth=2.2 * scale, zorder=0.8)
        handles.append(Line2D([], [], color=colors["river"], linewidth=2.2, label=name("river")))
    if "road" in kinds:
        shown[shown["kind"] == "road"].plot(ax=ax, color=colors["road"], linewidth=1.6 * scale,
                                            zorder=1.1)
        handles.append(Line2D([], [], color=colors["road"], linewidth=1.6, label=name("road")))
    if "railway" in kinds:
        rail = shown[shown["kind"] == "railway"]
        rail.plot(ax=ax, color=colors["railway"], linewidth=2.0 * scale, zorder=1.2)
        rail.plot(ax=ax, color="white", linewidth=1.0 * scale, linestyle=(0, (4, 4)),
                  zorder=1.3)
        handles.append(Line2D([], [], color=colors["railway"], linewidth=2.0,
                              label=name("railway")))
    if "town" in kinds:
        towns = shown[(shown["kind"] == "town") & shown.within(box)]
        points = shapely.point_on_surface(towns.geometry.values)
        ax.scatter(shapely.get_x(points), shapely.get_y(points), s=22, color=colors["town"],
                   edgecolor="white", linewidth=0.8, zorder=1.5)
        if labels:
            names = (towns["name_en"].where(towns["name_en"].notna(), towns["name"])
                     if lang == "en" and "name_en" in towns else towns["name"])
            for point, text in zip(points, names, strict=True):
                ax.annotate(str(text), (point.x, point.y), xytext=(4, 3),
                            textcoords="offset points", fontsize=7, color=colors["town"],
                            zorder=1.6, clip_on=True)
        handles.append(Line2D([], [], color=colors["town"], marker="o", linestyle="none",
                              markersize=4, label=name("town")))
    return handles


def _draw_redlines(ax: Axes, county: County, box: shapely.Polygon,
                   lang: str) -> list[Patch | Line2D]:
    if "redline" not in county.layers:
        return []
    redlines = county["redline"]
    redlines = redlines[(redlines["category"] != "landuse_redline") & redlines.intersects(box)]
    colors = REDLINE.style["colors"]
    assert isinstance(colors, dict)
    categories = county.policy.redlines.categories
    handles: list[Patch | Line2D] = []
    for category, group in redlines.groupby("category"):
        color = colors.get(category, "#0277bd")
        cat = categories.get(str(category))
        name = (cat.zh if lang == "zh" else cat.en) if cat else str(category)
        if cat is not None and cat.conflict == "outside":
            group.boundary.plot(ax=ax, color=color, linewidth=1.2, linestyle=(0, (6, 4)),
                                zorder=5)
            handles.append(Line2D([], [], color=color, linewidth=1.2, linestyle=(0, (6, 4)),
                                  label=name))
        else:
            group.plot(ax=ax, facecolor=color, edgecolor=color, alpha=0.28, linewidth=0.8,
                       hatch="///", zorder=2)
            handles.append(Patch(facecolor=color, edgecolor=color, alpha=0.4, hatch="///",
                                 label=name))
    return handles


def _label_parks(ax: Axes, parks: gpd.GeoDataFrame, lang: str, minx: float,
                 maxx: float) -> None:
    if len(parks) < 2:
        return
    size = 7 if (maxx - minx) > 8000 else 9
    for row in parks.itertuples():
        point = row.geometry.representative_point()
        name = row.name if lang == "zh" or not getattr(row, "name_en", None) else row.name_en
        ax.annotate(str(name), (point.x, point.y), ha="center", va="center", fontsize=size,
                    color=PARK_EDGE, weight="bold", zorder=8,
                    bbox={"boxstyle": "round,pad=0.25", "fc": "white", "ec": "none",
                          "alpha": 0.8})


def _label_parcels(ax: Axes, parcels: gpd.GeoDataFrame, box: shapely.Polygon) -> None:
    for row in parcels.itertuples():
        point = row.geometry.representative_point()
        if box.contains(point):
            ax.annotate(str(row.parcel_id), (point.x, point.y), ha="center", va="center",
                        fontsize=6, color="#222222", zorder=7, clip_on=True)


def scale_bar(ax: Axes, minx: float, miny: float, maxx: float, maxy: float, *,
              lang: str = "zh") -> float:
    """Draw a two-tone scale bar bottom-left; returns its length in metres.

    The length is the largest round value not above a fifth of the map width.
    """
    width = maxx - minx
    length = max([n for n in NICE_LENGTHS_M if n <= width / 5] or [NICE_LENGTHS_M[0]])
    x0 = minx + width * 0.04
    y0 = miny + (maxy - miny) * 0.04
    height = (maxy - miny) * 0.012
    half = length / 2
    ax.add_patch(Rectangle((x0 - width * 0.01, y0 - height * 1.2), length + width * 0.02,
                           height * 4.6, facecolor="white", edgecolor="none", alpha=0.85,
                           zorder=9))
    ax.add_patch(Rectangle((x0, y0), half, height, facecolor="black", edgecolor="black",
                           linewidth=0.6, zorder=10))
    ax.add_patch(Rectangle((x0 + half, y0), half, height, facecolor="white",
                           edgecolor="black", linewidth=0.6, zorder=10))
    text = f"{length / 1000:g} km" if length >= 1000 else f"{length:g} m"
    ax.text(x0, y0 + height * 1.5, "0", fontsize=7, ha="center", va="bottom", zorder=10)
    ax.text(x0 + length, y0 + height * 1.5, text, fontsize=7, ha="center", va="bottom",
            zorder=10)
    return float(length)


def north_arrow(ax: Axes) -> None:
    """A north arrow in the top-right corner (grid north of the Gauss–Krüger working CRS,
    within about 1° of true north inside a 3° zone)."""
    ax.add_patch(FancyArrow(0.94, 0.84, 0, 0.09, width=0.012, head_width=0.04,
                            head_length=0.04, length_includes_head=True,
                            transform=ax.transAxes, color="black", zorder=10))
    ax.text(0.94, 0.80, "N", transform=ax.transAxes, ha="center", va="top", fontsize=10,
            weight="bold", zorder=10)

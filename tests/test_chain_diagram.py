"""The chain diagram: verdict colours, layout, real CJK glyphs in PNG/SVG/PDF, no figures."""

from __future__ import annotations

import subprocess
import warnings

import matplotlib.pyplot as plt
import pytest
from matplotlib.colors import to_hex
from matplotlib.patches import FancyBboxPatch

from charts.chain_diagram import (
    UNASSESSED_COLOR,
    VERDICT_COLORS,
    chain_figure,
    cjk_font_path,
    figure_bytes,
)
from geo.chains import analyse
from layers.chains import load_chains
from tests import chain_toy


@pytest.fixture
def toy(tmp_path):
    return load_chains(chain_toy.write_toy(tmp_path))


@pytest.fixture
def toy_analysis(toy):
    return analyse(toy, chain_toy.projects(), chain_toy.enterprises(), parks=chain_toy.parks())


def _boxes(fig) -> dict[str, str]:  # noqa: ANN001
    """Segment name → fill colour of its box (names are the bold texts inside boxes)."""
    ax = fig.axes[0]
    boxes = [p for p in ax.patches if isinstance(p, FancyBboxPatch)]
    out = {}
    for text in ax.texts:
        x, y = text.get_position()
        for box in boxes:
            bx, by = box.get_x(), box.get_y()
            if bx <= x <= bx + box.get_width() and by <= y <= by + box.get_height() and (
                    text.get_fontweight() == "bold"):
                out[text.get_text()] = to_hex(box.get_facecolor())
    return out


def test_font_is_a_real_cjk_font():
    path = cjk_font_path()
    assert "NotoSansCJK" in path.replace(" ", "")


def test_boxes_are_coloured_by_verdict(toy, toy_analysis):
    fig = chain_figure(toy, "toy", toy_analysis)
    assert _boxes(fig) == {"矿石": VERDICT_COLORS["strong"], "冶炼": VERDICT_COLORS["thin"],
                           "零件": VERDICT_COLORS["missing"], "整机": VERDICT_COLORS["present"],
                           "服务": VERDICT_COLORS["extension"]}
    texts = [t.get_text() for t in fig.axes[0].texts]
    assert "缺失·补链" in texts and "延链" in texts and "上游" in texts
    assert any(t.startswith("玩具链（全县）") for t in texts)


def test_layout_runs_upstream_to_downstream(toy):
    fig = chain_figure(toy, "toy")
    ax = fig.axes[0]
    x = {t.get_text(): t.get_position()[0] for t in ax.texts}
    assert x["矿石"] < x["冶炼"] < x["零件"] < x["整机"]
    assert x["零件"] < x["服务"]  # downstream band lies right of the midstream band
    assert set(_boxes(fig).values()) == {UNASSESSED_COLOR}  # no analysis: all grey
    arrows = [p for p in ax.patches if type(p).__name__ == "FancyArrowPatch"]
    assert len(arrows) == 4  # a→b, b→c, b→e, c→d


def test_park_analysis_without_the_chain_leaves_it_unassessed(toy):
    k2 = analyse(toy, chain_toy.projects(), chain_toy.enterprises(), parks=chain_toy.parks(),
                 park_id="K2")
    fig = chain_figure(toy, "toy", k2)
    assert set(_boxes(fig).values()) == {UNASSESSED_COLOR}
    assert any("园区 K2" in t.get_text() for t in fig.axes[0].texts)


def test_png_renders_every_glyph_without_pyplot(toy, toy_analysis):
    before = plt.get_fignums()
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # "Glyph … missing from font(s)" would raise here
        png = figure_bytes(chain_figure(toy, "toy", toy_analysis), "png", dpi=60)
    assert png.startswith(b"\x89PNG") and len(png) > 5_000
    assert plt.get_fignums() == before


def test_svg_keeps_cjk_text_and_font_family(toy, toy_analysis):
    svg = figure_bytes(chain_figure(toy, "toy", toy_analysis), "svg",
                       text_as_paths=False).decode("utf-8")
    assert "冶炼" in svg and "薄弱·强链" in svg
    assert "font-family: 'Noto Sans CJK SC'" in svg
    as_paths = figure_bytes(chain_figure(toy, "toy", toy_analysis), "svg").decode("utf-8")
    assert "<text" not in as_paths and "<!-- 冶炼 -->" in as_paths and "<path" in as_paths


def test_pdf_text_is_extractable_chinese(tmp_path):
    catalog = load_chains()
    pdf = tmp_path / "battery.pdf"
    pdf.write_bytes(figure_bytes(chain_figure(catalog, "battery"), "pdf"))
    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True,
                          check=True).stdout
    assert "新能源电池产业链" in text and "电池回收利用" in text
    fonts = subprocess.run(["pdffonts", str(pdf)], capture_output=True, text=True,
                           check=True).stdout
    assert "NotoSansCJK" in fonts


def test_english_labels(toy, toy_analysis):
    svg = figure_bytes(chain_figure(toy, "toy", toy_analysis, lang="en"), "svg",
                       text_as_paths=False).decode("utf-8")
    assert "Refining" in svg and "Missing (fill)" in svg and "Upstream" in svg
    assert "冶炼" not in svg


def test_diagram_shows_no_figures(demo_county):
    from layers.chains import county_analysis

    catalog = load_chains()
    analysis = county_analysis(demo_county, catalog)
    fig = chain_figure(catalog, "food", analysis)
    texts = " ".join(t.get_text() for t in fig.axes[0].texts)
    assert not any(ch.isdigit() for ch in texts)


def test_bad_arguments(toy, toy_analysis):
    import pandas as pd

    with pytest.raises(ValueError, match="lang 'fr'"):
        chain_figure(toy, "toy", lang="fr")
    with pytest.raises(KeyError, match="no chain 'nope'"):
        chain_figure(toy, "nope")
    twice = pd.concat([toy_analysis, toy_analysis])
    with pytest.raises(ValueError, match="more than once"):
        chain_figure(toy, "toy", twice)
    with pytest.raises(ValueError, match="format 'gif'"):
        figure_bytes(chain_figure(toy, "toy"), "gif")  # type: ignore[arg-type]


@pytest.mark.parametrize("chain_id", ["battery", "coal_chem", "food"])
def test_forward_arrows_never_cross_a_box(chain_id):
    import shapely
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.patches import FancyArrowPatch

    catalog = load_chains()
    fig = chain_figure(catalog, chain_id)
    FigureCanvasAgg(fig).draw()
    ax = fig.axes[0]
    boxes = [shapely.box(p.get_x(), p.get_y(), p.get_x() + p.get_width(),
                         p.get_y() + p.get_height()).buffer(-0.02)
             for p in ax.patches if isinstance(p, FancyBboxPatch)]  # data coordinates
    arrows = [p for p in ax.patches if isinstance(p, FancyArrowPatch) and
              p.get_zorder() == 2]  # loop edges (dashed arcs over the top) are drawn below
    assert len(arrows) == len(catalog.forward_edges(chain_id))
    for arrow in arrows:  # get_path(): the drawn arrow, in data coordinates
        for poly in arrow.get_path().to_polygons(closed_only=False):
            line = shapely.LineString(poly)
            assert not any(line.intersects(b) for b in boxes)

"""One style, one legend: for every colouring × language the legend lists exactly the classes
(label and colour) the painter is given, and a layer drawn from a zoom on has its key from
that zoom on."""

from __future__ import annotations

import html
import re

import pytest

from webmap import styles
from webmap.builder import LANGS, build_parts, map_styles, prepare

MODES = styles.STYLE_MODES


@pytest.fixture(scope="module")
def staff_data(demo_county):
    return {lang: prepare(demo_county, audience="staff", lang=lang) for lang in LANGS}


def _legend_sections(body: str) -> list[tuple[str, list[tuple[str, str]]]]:
    """(heading, [(label, colour)]) of each legend section, read back from the HTML."""
    out = []
    for section in re.findall(r'<div class="investmap-legend-section"[^>]*>(.*?)</div>'
                              r'(?=<div class="investmap-legend-(?:section|hint)"|</details>)',
                              body):
        heading = html.unescape(re.match(r'<div[^>]*>(.*?)</div>', section).group(1))
        items = [(html.unescape(label), html.unescape(color)) for color, label in re.findall(
            r'data-color="([^"]*)".*?class="investmap-legend-label">(.*?)</span>', section)]
        out.append((heading, items))
    return out


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("marks", [(False, False), (True, True)])
@pytest.mark.parametrize("grouped", [False, True])  # a big county's tiles: parcel groups
def test_legend_is_the_paint_style(staff_data, demo_county, lang, mode, marks, grouped):
    data = staff_data[lang]
    highlight, flagged = marks
    classes = {"P0001": "A"} if mode == "efficiency" else None
    layer_styles = map_styles(data, style_mode=mode, efficiency_classes=classes,
                              highlight=highlight, flagged=flagged, grouped=grouped)
    painted = [(html.unescape(s["title"]),
                [(html.unescape(c["label"]), c["color"]) for c in s["classes"]])
               for s, style in zip(styles.paint_spec(layer_styles), layer_styles, strict=True)
               if style.legend]
    assert _legend_sections(styles.legend_for(layer_styles, lang)) == painted
    titles = [title for title, _ in painted]
    assert titles[:3] == [styles.text("legend_redline", lang),
                          styles.text(f"legend_{mode}", lang),
                          styles.text("legend_stage", lang)]
    assert (styles.text("matches", lang) in titles) == highlight  # finder key when highlighting
    assert (styles.text("flagged", lang) in titles) == flagged  # ring key whenever ringed
    spec = styles.paint_spec(layer_styles)[titles.index(styles.text(f"legend_{mode}", lang))
                                           + 1]  # (the park style has no legend)
    mixed = grouped and mode == "efficiency"  # only a lookup colouring can mix in a group
    assert (spec["mixed"] == styles.MIXED_VALUE) == mixed
    assert (styles.text("mixed", lang) in [label for _t, items in painted
                                           for label, _c in items]) == mixed


@pytest.mark.parametrize("lang", LANGS)
def test_built_map_carries_the_same_style_as_its_legend(staff_data, lang):
    parts = build_parts(staff_data[lang], basemap="none", style_mode="chain")
    page = parts.base.get_root().render()
    for label in (c.label for c in styles.chain_classes(staff_data[lang].chain_labels, lang)):
        assert html.escape(label) in page
    other = "zh" if lang == "en" else "en"
    assert styles.text("legend_chain", other) not in page  # no stale language


def test_project_key_shows_from_the_zoom_projects_are_drawn(staff_data):
    body = styles.legend_for(map_styles(staff_data["zh"]), "zh")
    assert f'data-min-zoom="{styles.PROJECT_MIN_ZOOM}"' in body  # ring key from z13 on
    assert f'data-max-zoom="{styles.PROJECT_MIN_ZOOM}"' in body  # "zoom in" hint before
    assert "放大后显示项目" in body


def test_investors_cannot_colour_by_efficiency(demo_county):
    with pytest.raises(ValueError, match="staff only"):
        map_styles(prepare(demo_county, audience="investor"), style_mode="efficiency")


def test_tiled_map_sends_only_the_private_projects_and_only_to_staff(demo_county, tmp_path):
    from layers.vector_tiles import PRIVATE_STAGES
    from webmap.vtiles import publish

    tiles = publish(demo_county, coords="wgs84", static_dir=tmp_path, url_base="/t")
    projects = demo_county["project"]
    private = set(projects.loc[projects["stage"].isin(PRIVATE_STAGES), "project_id"])
    for audience, expected in (("investor", set()), ("staff", private)):
        data = prepare(demo_county, audience=audience)
        parts = build_parts(data, basemap="none", tiles=tiles)
        page = parts.base.get_root().render()
        rows = {int(i) for i in re.findall(r'"L":\s*"project",\s*"i":\s*(\d+)', page)}
        assert {str(data.layers["project"].ids[i]) for i in rows} == expected
        assert f'"url": "/t/{tiles.archive.name}"' in page
        assert parts.overlays == []  # nothing per viewport: the tiles carry the rest

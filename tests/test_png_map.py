"""PNG map export: print resolution, scale bar, north arrow, legend, source line."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
import pytest
from matplotlib.figure import Figure
from PIL import Image

from exports.common import ExportError
from exports.fonts import FontNotFoundError, cjk_rc
from exports.png_map import export_png
from exports.static_map import MapView, draw_map, scale_bar, view_bounds


@pytest.mark.parametrize(("width_m", "expected"), [
    (1_000, 200), (1_250, 250), (2_600, 500), (10_000, 2000), (12_000, 2000),
    (13_000, 2500), (60_000, 10_000), (100, 50),
])
def test_scale_bar_is_largest_round_length_within_a_fifth(width_m, expected):
    fig, ax = plt.subplots()
    try:
        assert scale_bar(ax, 0, 0, width_m, width_m) == expected
    finally:
        plt.close(fig)


def test_view_bounds_widened_to_aspect_keep_the_park(demo_county):
    park = demo_county["park"].set_index("park_id").loc["P01"].geometry
    minx, miny, maxx, maxy = view_bounds(demo_county, MapView(park_id="P01"), aspect=2.0)
    assert (maxx - minx) / (maxy - miny) == pytest.approx(2.0)
    bx = park.bounds
    assert minx < bx[0] and miny < bx[1] and maxx > bx[2] and maxy > bx[3]


def test_parcel_view_is_centred_on_the_parcel(demo_county):
    parcel = demo_county["parcel"].iloc[10]
    minx, miny, maxx, maxy = view_bounds(demo_county, MapView(parcel_id=parcel.parcel_id))
    c = parcel.geometry.centroid
    assert (minx + maxx) / 2 == pytest.approx(c.x, abs=60)
    assert (miny + maxy) / 2 == pytest.approx(c.y, abs=60)


def test_legend_lists_visible_statuses_and_red_lines(demo_county):
    with matplotlib.rc_context(cjk_rc()):
        fig, ax = plt.subplots(figsize=(8, 6))
        try:
            draw_map(ax, demo_county, MapView(park_id="P01"), lang="zh")
            labels = [t.get_text() for t in ax.get_legend().get_texts()]
            texts = [t.get_text() for t in ax.texts]
        finally:
            plt.close(fig)
    assert {"可供应", "已投产", "园区边界", "生态保护红线", "城镇开发边界"} <= set(labels)
    assert "N" in texts and any(t.endswith("km") or t.endswith(" m") for t in texts)


def test_export_png_at_print_resolution(demo_county, tmp_path):
    out = export_png(demo_county, tmp_path / "county.png", dpi=200)
    with Image.open(out) as img:
        assert img.size == (round(11.69 * 200), round(8.27 * 200))
        assert img.info["dpi"][0] == pytest.approx(200, abs=0.5)
        pixels = np.asarray(img.convert("RGB")).reshape(-1, 3)
    # available parcels: #2CA02C at 85 % opacity over the land colour #F4F1EA
    available_green = 0.85 * np.array([0x2C, 0xA0, 0x2C]) + 0.15 * np.array([0xF4, 0xF1, 0xEA])
    assert (np.abs(pixels.astype(int) - available_green).sum(axis=1) < 40).sum() > 1000
    assert [p.name for p in tmp_path.iterdir()] == ["county.png"]


def test_park_png_with_english_labels_via_cli(cli, tmp_path):
    out = tmp_path / "p02.png"
    result = cli("export-png", "--out", str(out), "--park", "P02", "--lang", "en",
                 "--dpi", "220")
    assert result.returncode == 0, result.stderr
    with Image.open(out) as img:
        assert img.info["dpi"][0] == pytest.approx(220, abs=0.5)


@pytest.mark.parametrize(("args", "message"), [
    (("--park", "P99"), "no park 'P99'; parks: P01"),
    (("--dpi", "150"), "below print resolution"),
])
def test_cli_errors_name_the_fix(cli, tmp_path, args, message):
    out = tmp_path / "x.png"
    result = cli("export-png", "--out", str(out), *args)
    assert result.returncode == 2
    assert message in result.stderr
    assert not out.exists() and list(tmp_path.iterdir()) == []


def test_failed_export_keeps_the_earlier_file(demo_county, tmp_path, monkeypatch):
    out = tmp_path / "map.png"
    out.write_bytes(b"earlier")

    def broken_save(self, path, **kwargs):
        Path(path).write_bytes(b"half a png")
        raise OSError("disk full")

    monkeypatch.setattr(Figure, "savefig", broken_save)
    with pytest.raises(OSError, match="disk full"):
        export_png(demo_county, out, park_id="P01")
    assert out.read_bytes() == b"earlier"
    assert [p.name for p in tmp_path.iterdir()] == ["map.png"]
    with pytest.raises(ExportError, match="no park 'nope'"):
        export_png(demo_county, out, park_id="nope")


def test_stale_font_cache_is_repaired_from_the_font_folders(monkeypatch):
    from matplotlib import font_manager

    latin_only = [f for f in font_manager.fontManager.ttflist if "CJK" not in f.name]
    monkeypatch.setattr(font_manager.fontManager, "ttflist", latin_only)
    assert cjk_rc()["font.sans-serif"][0] == "Noto Sans CJK SC"


def test_missing_cjk_font_is_a_clear_error(monkeypatch):
    from matplotlib import font_manager

    latin_only = [f for f in font_manager.fontManager.ttflist if "CJK" not in f.name]
    monkeypatch.setattr(font_manager.fontManager, "ttflist", latin_only)
    monkeypatch.setattr("exports.fonts.FONT_DIRS", ())
    with pytest.raises(FontNotFoundError, match="fonts-noto-cjk"):
        cjk_rc()

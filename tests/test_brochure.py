"""PDF brochure (推介手册): A4, 1–4 pages, real extractable Chinese text, key figures, QR code,
no confidential data."""

from __future__ import annotations

import re
import subprocess

import pytest

from exports.brochure import export_brochure
from exports.common import ExportError
from exports.fonts import FontNotFoundError
from exports.qr import qr_matrix
from exports.tables import offerable_parcels
from tests.confidential import confidential_hits

A4_PT = (595.3, 841.9)


def pdftotext(path) -> str:
    return subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True,
                          text=True, check=True).stdout


def pdfinfo(path) -> dict[str, str]:
    out = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True,
                         check=True).stdout
    return dict(line.split(":", 1) for line in out.splitlines() if ":" in line)


@pytest.fixture(scope="module")
def park_pdf(demo_county, tmp_path_factory):
    return export_brochure(demo_county, tmp_path_factory.mktemp("b") / "P03.pdf",
                           park_id="P03")


@pytest.fixture(scope="module")
def clean_parcel(demo_county) -> str:
    """An available industrial parcel with no red-line overlap at all that its park's
    promotion worklist suggests for a chain segment (so the brochure has every section)."""
    from layers.chains import county_worklist, load_chains
    from layers.supply import availability

    verdicts = availability(demo_county)
    parcels = demo_county["parcel"]
    overlaps = verdicts.filter(like="overlap_mu_").fillna(0).sum(axis=1)
    clean = (verdicts["available"] & (overlaps == 0)
             & parcels["land_use"].str.startswith("1001"))
    for park_id in sorted(parcels["park_id"].dropna().unique()):
        suggested = county_worklist(demo_county, load_chains(), park_id=park_id)["parcel_id"]
        pick = clean & (parcels["park_id"] == park_id) & parcels["parcel_id"].isin(suggested)
        if pick.any():
            return str(parcels.loc[pick, "parcel_id"].iloc[0])
    raise AssertionError("the demo has no clean parcel on any park's worklist")


@pytest.fixture(scope="module")
def parcel_pdf(demo_county, tmp_path_factory, clean_parcel):
    return export_brochure(demo_county, tmp_path_factory.mktemp("b") / "parcel.pdf",
                           parcel_id=clean_parcel)


def test_park_brochure_is_a4_with_up_to_four_pages(park_pdf):
    info = pdfinfo(park_pdf)
    assert 1 <= int(info["Pages"]) <= 4
    width, height = (float(v) for v in re.findall(r"[\d.]+", info["Page size"])[:2])
    assert (width, height) == pytest.approx(A4_PT, abs=1.0)
    assert "青峰经济技术开发区" in info["Title"]


def test_park_brochure_text_has_chinese_name_and_key_figures(park_pdf, demo_county):
    text = pdftotext(park_pdf)
    park = demo_county["park"].set_index("park_id").loc["P03"]
    offer = offerable_parcels(demo_county, park_id="P03")
    assert "青峰经济技术开发区" in text and "\ufffd" not in text
    assert f"{park['area_mu']:,.0f} 亩" in text
    assert f"{len(offer)} 宗，合计 {offer['area_mu'].sum():,.1f} 亩" in text
    for needle in ("基本情况", "七通一平", "红线核查", "新能源电池产业链", "现代煤化工产业链",
                   "招商方向与推荐地块", "可供应地块清单", "0912-5500000",
                   "https://invest.qingfeng.example.cn/map?lang=zh&park=P03",
                   offer["parcel_id"].iloc[0],
                   "地块数据"):  # the source line says how current the parcels are (issue 18)
        assert needle in text, needle


def test_english_brochure_uses_investor_words_and_fits_chain_labels(demo_county, tmp_path):
    from charts.chain_diagram import BOX_W
    from exports.brochure_pages import chain_page
    from geo.chain_catalog import INVESTOR_VERDICT_LABELS, VERDICT_LABELS
    from geo.chains import analysis_for, worklist_for
    from layers.chains import county_analysis, county_worklist, load_chains

    pdf = export_brochure(demo_county, tmp_path / "en.pdf", park_id="P01", lang="en")
    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True,
                          check=True).stdout
    assert "Partners wanted" in text
    staff_words = [en for key, (_, en) in VERDICT_LABELS.items()
                   if en != INVESTOR_VERDICT_LABELS[key][1]]
    assert not [w for w in staff_words if w in text]
    catalog = load_chains()
    analysis = county_analysis(demo_county, catalog, park_id="P01")
    worklist = county_worklist(demo_county, catalog, park_id="P01", analysis=analysis)
    chain_id = analysis["chain_id"].iloc[0]
    fig = chain_page(catalog, chain_id, analysis_for(analysis, "investor"),
                     worklist_for(worklist, "investor"), lang="en", kicker="k")
    diagram = fig.axes[0]
    renderer = fig.canvas.get_renderer()
    box = diagram.transData.transform((BOX_W, 0))[0] - diagram.transData.transform((0, 0))[0]
    inside = [t for t in diagram.texts if t.get_zorder() == 4]
    assert inside and all(t.get_window_extent(renderer).width <= box for t in inside)


def test_chinese_is_embedded_text_not_images(park_pdf):
    fonts = subprocess.run(["pdffonts", str(park_pdf)], capture_output=True, text=True,
                           check=True).stdout
    assert "NotoSansCJK" in fonts
    rows = [line.split() for line in fonts.splitlines()[2:] if line.strip()]
    assert rows and all(r[-5:-2] == ["yes", "yes", "yes"] for r in rows)  # emb, sub, uni
    images = subprocess.run(["pdfimages", "-list", str(park_pdf)], capture_output=True,
                            text=True, check=True).stdout.splitlines()[2:]
    # The QR code opens the park's own view of the online map (issue 20 item 3).
    size = qr_matrix("https://invest.qingfeng.example.cn/map?lang=zh&park=P03").shape[0]
    assert images and all(line.split()[3:5] == [str(size), str(size)] for line in images)


def test_parcel_brochure(parcel_pdf, demo_county, clean_parcel):
    text = pdftotext(parcel_pdf)
    parcel = demo_county["parcel"].set_index("parcel_id").loc[clean_parcel]
    park = demo_county["park"].set_index("park_id").loc[parcel["park_id"], "name"]
    assert int(pdfinfo(parcel_pdf)["Pages"]) <= 3
    for needle in (f"地块 {clean_parcel}", park, f"{parcel['area_mu']:,.2f} 亩",
                   "二类工业用地" if parcel["land_use"] == "100102" else "工业用地",
                   f"{parcel['price_wan_per_mu']:.1f} 万元/亩", "不涉及管控红线，可供应",
                   "适宜引进"):
        assert needle in text, needle


def test_investor_brochures_have_no_confidential_data(park_pdf, parcel_pdf, demo_county):
    for pdf in (park_pdf, parcel_pdf):
        text = pdftotext(pdf) + "\n".join(pdfinfo(pdf).values())
        assert confidential_hits(text, demo_county) == []


def test_english_brochure_via_cli(cli, tmp_path):
    out = tmp_path / "p01.pdf"
    result = cli("brochure", "--park", "P01", "--out", str(out), "--lang", "en")
    assert result.returncode == 0, result.stderr
    text = pdftotext(out)
    assert "Qingfeng High-tech Industrial Development Zone" in text
    assert "Key facts" in text and "Investment contact" in text
    assert [p.name for p in tmp_path.iterdir()] == ["p01.pdf"]


@pytest.mark.parametrize(("kwargs", "message"), [
    ({}, "give exactly one of --park ID or --parcel ID"),
    ({"park_id": "P01", "parcel_id": "QF-0001"}, "exactly one"),
    ({"park_id": "P99"}, "no park 'P99'; parks: P01"),
    ({"parcel_id": "QF-9999"}, "no parcel 'QF-9999'"),
    ({"parcel_id": "QF-1941"}, "lies outside every park"),
])
def test_errors_name_the_fix(demo_county, tmp_path, kwargs, message):
    with pytest.raises(ExportError, match=re.escape(message)):
        export_brochure(demo_county, tmp_path / "x.pdf", **kwargs)
    assert list(tmp_path.iterdir()) == []


def test_no_cjk_font_is_a_clear_error(demo_county, tmp_path, monkeypatch):
    from matplotlib import font_manager

    latin = [f for f in font_manager.fontManager.ttflist if "CJK" not in f.name]
    monkeypatch.setattr(font_manager.fontManager, "ttflist", latin)
    monkeypatch.setattr("exports.fonts.FONT_DIRS", (tmp_path,))
    with pytest.raises(FontNotFoundError, match="apt-get install fonts-noto-cjk"):
        export_brochure(demo_county, tmp_path / "x.pdf", park_id="P01")
    assert list(tmp_path.iterdir()) == []


def test_cli_errors(cli, tmp_path):
    result = cli("brochure", "--parcel", "QF-9999", "--out", str(tmp_path / "x.pdf"))
    assert result.returncode == 2 and "no parcel 'QF-9999'" in result.stderr
    result = cli("brochure", "--park", "P01", "--out", str(tmp_path / "x.png"))
    assert result.returncode == 2 and "must be a .pdf file" in result.stderr

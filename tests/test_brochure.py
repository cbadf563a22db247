"""PDF brochure (推介手册): typeset A4 pages whose words stay inside the margins, never
overlap and never run under the QR code; real extractable text with every glyph present;
labels, not codes; English names where the data has them; no confidential data."""

from __future__ import annotations

import dataclasses
import re
import subprocess

import pytest

from exports.brochure import export_brochure
from exports.common import ExportError
from exports.fonts import FontNotFoundError
from exports.settings import ExportSettings
from exports.tables import offerable_parcels
from tests.confidential import confidential_hits
from tests.pdf_boxes import layout_problems, page_count

A4_PT = (595.3, 841.9)


def pdftotext(path, *, layout: bool = False) -> str:
    args = ["pdftotext", *(["-layout"] if layout else []), str(path), "-"]
    return subprocess.run(args, capture_output=True, text=True, check=True).stdout


def pdfinfo(path) -> dict[str, str]:
    out = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True,
                         check=True).stdout
    return dict(line.split(":", 1) for line in out.splitlines() if ":" in line)


def flat(text: str) -> str:
    """Text with line breaks and spaces removed (table cells wrap anywhere)."""
    return re.sub(r"\s+", "", text)


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
def long_county(demo_county):
    """The demo county with a park, its facilities and its texts given very long names."""
    park = demo_county["park"].copy()
    i = park.index[park["park_id"] == "P03"][0]
    park.loc[i, "name"] = ("青峰县国家级经济技术开发区新能源电池与现代煤化工"
                           "产业协同发展示范园区东区扩展片区")
    park.loc[i, "name_en"] = ("Qingfeng County National Economic and Technological Development "
                              "Zone New-Energy Battery and Modern Coal-Chemicals Industrial "
                              "Cooperation Demonstration Park, Eastern Extension Area")
    park.loc[i, "description"] = "园区简介：" + "园区交通便利、配套完善、产业基础雄厚，" * 40
    park.loc[i, "description_en"] = ("The park is close to the expressway, fully serviced and "
                                     "home to an established battery supply chain. ") * 30
    park.loc[i, "address"] = "青峰县经济技术开发区新能源大道与现代煤化工大道交叉口东北角综合服务楼"
    park.loc[i, "address_en"] = ("Northeast corner of the junction of New-Energy Avenue and "
                                 "Modern Coal-Chemicals Avenue, Qingfeng Economic Zone")
    facility = demo_county["facility"].copy()
    facility["name"] = facility["name"] + "（青峰县重点基础设施配套项目）"
    facility["name_en"] = facility["name_en"] + " (a key infrastructure project of the county)"
    return dataclasses.replace(demo_county, layers={**demo_county.layers, "park": park,
                                                    "facility": facility})


LONG_SETTINGS = ExportSettings(
    title_zh="青峰县人民政府招商引资服务中心产业链精准招商地图",
    title_en="Qingfeng County People's Government Investment Promotion Centre Industry "
             "Chain Investment Map",
    online_map_url="https://invest.qingfeng.example.cn/",
    contact_org_zh="青峰县招商服务中心（青峰县投资促进局、青峰县经济技术开发区管理委员会招商局）",
    contact_org_en="Qingfeng County Investment Promotion Service Centre (County Investment "
                   "Promotion Bureau and the Economic Zone Administrative Committee)",
    contact_phone="0912-5500000，0912-5500001，0912-5500002",
    contact_email="investment-promotion-service-centre@qingfeng.example.cn",
    contact_address_zh="青峰县政务服务中心三楼东侧招商引资综合服务窗口",
    contact_address_en="3rd floor, east wing, Qingfeng County Government Service Centre",
    source_zh="数据来源：青峰县自然资源局、青峰县招商服务中心、青峰县发展和改革局（虚构示例数据）",
    source_en="Source: Qingfeng County natural resources bureau, investment promotion centre "
              "and development and reform bureau (fictional sample data)")


CASES = [("demo", "park", "zh"), ("demo", "park", "en"), ("demo", "parcel", "zh"),
         ("demo", "parcel", "en"), ("long", "park", "zh"), ("long", "park", "en"),
         ("long", "parcel", "en")]


@pytest.fixture(scope="module", autouse=True)
def no_saved_settings(tmp_path_factory):
    """An empty server state folder: no public base URL saved by anyone."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("INVESTMAP_STATE_DIR", str(tmp_path_factory.mktemp("state")))
        yield


@pytest.fixture(scope="module")
def brochures(demo_county, long_county, clean_parcel, tmp_path_factory):
    """Every case of :data:`CASES`, written once."""
    from exports.tables import offerable_parcels

    folder = tmp_path_factory.mktemp("brochures")
    long_parcel = offerable_parcels(long_county, park_id="P03")["parcel_id"].iloc[0]
    out = {}
    for data, kind, lang in CASES:
        county = demo_county if data == "demo" else long_county
        target = ({"park_id": "P03"} if kind == "park" else
                  {"parcel_id": clean_parcel if data == "demo" else long_parcel})
        out[(data, kind, lang)] = export_brochure(
            county, folder / f"{data}-{kind}-{lang}.pdf", lang=lang,
            settings=None if data == "demo" else LONG_SETTINGS, **target)
    return out


@pytest.mark.parametrize("case", CASES, ids=["-".join(c) for c in CASES])
def test_every_word_inside_the_margins_no_overlap_none_under_the_qr(brochures, case):
    pdf = brochures[case]
    assert layout_problems(pdf) == []
    info = pdfinfo(pdf)
    width, height = (float(v) for v in re.findall(r"[\d.]+", info["Page size"])[:2])
    assert (width, height) == pytest.approx(A4_PT, abs=1.0)


def test_the_checker_catches_text_under_a_qr_code_and_overlapping_lines(tmp_path):
    """The layout check itself fails on a hand-placed page with both faults."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib.figure import Figure

    from exports.qr import qr_matrix

    fig = Figure(figsize=(8.27, 11.69))
    ax = fig.add_axes((0.8, 0.02, 0.12, 0.085))
    ax.imshow(~qr_matrix("https://x.example.cn/?lang=zh"), cmap="gray",
              interpolation="none")
    ax.set_axis_off()
    fig.text(0.5, 0.05, "Footer text that runs far to the right under the code", fontsize=9)
    fig.text(0.1, 0.5, "line one", fontsize=12)
    fig.text(0.1, 0.503, "line two", fontsize=12)
    fig.text(0.001, 0.7, "edge", fontsize=12)
    fig.savefig(tmp_path / "bad.pdf")
    found = "\n".join(layout_problems(tmp_path / "bad.pdf"))
    assert "under the QR code" in found and "overlaps" in found and "outside the margins" in found


@pytest.mark.parametrize("case", CASES, ids=["-".join(c) for c in CASES])
def test_glyphs_present_and_fonts_embedded(brochures, case):
    """WeasyPrint drops glyphs it has no font for: the extracted text must hold every
    character of the names, and every font must be embedded with a Unicode map."""
    pdf = brochures[case]
    text = flat(pdftotext(pdf))
    assert "\ufffd" not in text
    fonts = subprocess.run(["pdffonts", str(pdf)], capture_output=True, text=True,
                           check=True).stdout
    rows = [line.split() for line in fonts.splitlines()[2:] if line.strip()]
    assert rows and all(r[-5:-2] == ["yes", "yes", "yes"] for r in rows)  # emb, sub, uni
    needles = {"zh": ("招商联系", "基本情况", "如何洽谈", "扫码查看在线地图"),
               "en": ("Investmentcontact", "Keyfacts", "Howtoinquire", "Scantoopen")}[case[2]]
    for needle in needles:
        assert needle in text, needle


def test_park_brochure_text_has_names_labels_and_key_figures(brochures, demo_county):
    pdf = brochures[("demo", "park", "zh")]
    text = flat(pdftotext(pdf))
    park = demo_county["park"].set_index("park_id").loc["P03"]
    offer = offerable_parcels(demo_county, park_id="P03")
    assert "青峰经济技术开发区" in pdfinfo(pdf)["Title"]
    for needle in ("青峰经济技术开发区", f"{park['area_mu']:,.0f}亩",
                   f"{len(offer)}宗，合计{offer['area_mu'].sum():,.1f}亩", "七通一平", "红线核查",
                   "新能源电池产业链", "现代煤化工产业链", "招商方向与推荐地块", "可供应地块清单",
                   "0912-5500000", "http://localhost:8501/?lang=zh&park=P03",
                   offer["parcel_id"].iloc[0], offer["parcel_id"].iloc[-1]):
        assert needle in text, needle
    assert not re.search(r"battery|coal_chem|主导产业：[a-z]", text)  # labels, not codes


def test_investors_never_see_missing_metadata_notes(brochures):
    for pdf in brochures.values():
        text = pdftotext(pdf)
        assert "未登记" not in text and "not recorded" not in text


def test_english_brochures_are_english(brochures, demo_county):
    park = flat(pdftotext(brochures[("demo", "park", "en")]))
    assert flat("Qingfeng Economic and Technological Development Zone") in park
    assert "Partnerswanted" in park and flat("3 Economic Avenue, Qingfeng County") in park
    parcel = pdftotext(brochures[("demo", "parcel", "en")])
    assert "To highway interchange" in parcel and "Interchange" in parcel
    facility = demo_county["facility"]
    assert not [n for n in facility["name"] if n in parcel]  # no Chinese facility names
    assert not re.search(r"[\u4e00-\u9fff]", parcel.split("Investment contact")[0]
                         .replace("青峰经济技术开发区", ""))


def test_english_says_when_a_name_exists_only_in_chinese(demo_county, clean_parcel, tmp_path):
    facility = demo_county["facility"].copy()
    facility["name_en"] = None
    county = dataclasses.replace(demo_county, layers={**demo_county.layers,
                                                      "facility": facility})
    text = pdftotext(export_brochure(county, tmp_path / "x.pdf", parcel_id=clean_parcel,
                                     lang="en"))
    assert "(name in Chinese only)" in text


def test_parcel_brochure_fills_page_two(brochures, demo_county, clean_parcel):
    pdf = brochures[("demo", "parcel", "zh")]
    text = flat(pdftotext(pdf))
    parcel = demo_county["parcel"].set_index("parcel_id").loc[clean_parcel]
    park = demo_county["park"].set_index("park_id").loc[parcel["park_id"], "name"]
    for needle in (f"地块{clean_parcel}", park, f"{parcel['area_mu']:,.2f}亩",
                   f"{parcel['price_wan_per_mu']:.1f}万元/亩", "不涉及管控红线，可供应",
                   "适宜引进", "在园区中的位置", "供地条件", "产业链上下游", "距高速互通",
                   f"★{clean_parcel}"):
        assert needle in text, needle
    page2 = flat(subprocess.run(["pdftotext", "-f", "2", "-l", "2", str(pdf), "-"],
                                capture_output=True, text=True, check=True).stdout)
    assert len(page2) > 300  # not a half-empty page


def test_long_names_flow_to_further_pages(brochures, long_county):
    pdf = brochures[("long", "park", "en")]
    assert page_count(pdf) > page_count(brochures[("demo", "park", "en")])
    text = flat(pdftotext(pdf))
    assert flat(long_county["park"].set_index("park_id").loc["P03", "name_en"]) in text
    assert text.count(flat("established battery supply chain.")) == 30  # all of it printed


def test_investor_brochures_have_no_confidential_data(brochures, demo_county):
    for pdf in brochures.values():
        text = pdftotext(pdf) + "\n".join(pdfinfo(pdf).values())
        assert confidential_hits(text, demo_county) == []


@pytest.fixture(scope="module")
def p01_via_cli(tmp_path_factory):
    """``investmap brochure --park P01 --lang en`` with a public base URL saved in the server
    state (one English brochure for the two tests below): its folder and its text."""
    import json

    from tests.conftest import run_cli

    state = tmp_path_factory.mktemp("saved-state")
    (state / "settings.json").write_text(json.dumps(
        {"public_base_url": "https://invest.example.gov.cn/map"}))
    folder = tmp_path_factory.mktemp("p01")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("INVESTMAP_STATE_DIR", str(state))
        result = run_cli("brochure", "--park", "P01", "--out", str(folder / "p01.pdf"),
                         "--lang", "en")
    assert result.returncode == 0, result.stderr
    return folder, pdftotext(folder / "p01.pdf")


def test_english_brochure_via_cli(p01_via_cli):
    folder, text = p01_via_cli
    assert "Qingfeng High-tech Industrial Development Zone" in text
    assert "Key facts" in text and "Investment contact" in text
    assert [p.name for p in folder.iterdir()] == ["p01.pdf"]


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


def test_public_base_url_setting_moves_the_qr_target(p01_via_cli):
    _folder, text = p01_via_cli
    assert "https://invest.example.gov.cn/?lang=en&park=P01" in flat(text)


def test_cli_errors(cli, cli_process, tmp_path):
    """The first through the console entry (a process): its exit status is the process's."""
    result = cli_process("brochure", "--parcel", "QF-9999", "--out", str(tmp_path / "x.pdf"))
    assert result.returncode == 2 and "no parcel 'QF-9999'" in result.stderr
    result = cli("brochure", "--park", "P01", "--out", str(tmp_path / "x.png"))
    assert result.returncode == 2 and "must be a .pdf file" in result.stderr

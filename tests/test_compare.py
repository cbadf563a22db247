"""Parcels and sites side by side as a PDF (exports/compare.py), read back with pdftotext:
labels in the asked language, one column per parcel or site, the brochure's contact block,
no confidential row or value whoever asks, a layout inside the margins."""

from __future__ import annotations

import pandas as pd
import pytest

from exports.common import ExportError
from exports.compare import compare_pdf, parcels_pdf, parcels_table, sites_table
from tests.confidential import confidential_hits
from tests.pdf_boxes import layout_problems
from tests.test_brochure import flat, pdftotext
from webmap.card import parcel_card


@pytest.fixture(scope="module")
def noted(demo_county) -> list[str]:
    """Two parcels, the first with a staff-only note (内部备注) to keep out of the PDF."""
    parcels = demo_county["parcel"]
    with_note = parcels[parcels["notes"].notna()]["parcel_id"].astype(str)
    other = parcels[~parcels["parcel_id"].isin(with_note)]["parcel_id"].astype(str)
    return [with_note.iloc[0], other.iloc[0]]


def _text(pdf: bytes, tmp_path) -> str:  # noqa: ANN001
    path = tmp_path / "compare.pdf"
    path.write_bytes(pdf)
    assert layout_problems(path) == []
    return pdftotext(path)


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_parcels_pdf_reads_back_in_its_language_without_confidential_data(
        demo_county, noted, lang, tmp_path):
    text = _text(parcels_pdf(demo_county, noted, lang=lang), tmp_path)
    words = flat(text)
    for pid in noted:
        assert pid in words
    labels = (["地块比较", "项目", "面积", "用地性质", "出让价", "所属园区", "招商联系"]
              if lang == "zh" else ["Parcels compared", "Item", "Area", "Land use", "Price", "Park",
                    "Investment contact"])
    for label in labels:
        assert flat(label) in words, label
    if lang == "en":
        assert "面积" not in text and "所属园区" not in text
    staff = parcels_table([parcel_card(demo_county, pid, audience="staff", lang=lang)
                           for pid in noted], lang=lang)
    assert ("内部备注" if lang == "zh" else "Internal notes") in staff.index  # staff see it…
    assert "内部备注" not in text and "Internal notes" not in text  # …the PDF never does
    assert confidential_hits(text, demo_county) == []


def test_a_confidential_row_or_a_wrong_count_is_refused(demo_county, noted):
    staff = parcels_table([parcel_card(demo_county, pid, audience="staff", lang="zh")
                           for pid in noted], lang="zh")
    with pytest.raises(ExportError, match="内部备注"):
        compare_pdf(staff, county=demo_county, kind="parcels", lang="zh")
    one = pd.DataFrame({"A": ["1"]}, index=["面积"])
    with pytest.raises(ExportError, match="2–4"):
        compare_pdf(one, county=demo_county, kind="parcels", lang="zh")
    five = pd.DataFrame({c: ["1"] for c in "ABCDE"}, index=["面积"])
    with pytest.raises(ExportError, match="2–4"):
        compare_pdf(five, county=demo_county, kind="parcels", lang="zh")


def test_sites_pdf_has_one_column_per_site_with_reasons_in_words(demo_county, tmp_path):
    park = str(demo_county["park"]["park_id"].iloc[0])
    name = str(demo_county["park"]["name"].iloc[0])
    sites = pd.DataFrame({
        "site_id": ["S00001", "S00002"], "park_id": [park, park],
        "area_mu": [61.26, 48.0], "n_parcels": [2, 1],
        "parcel_ids": [["QF-0001", "QF-0002"], ["QF-0007"]], "score": [82.46, 75.0],
        "reasons_zh": ["面积接近需求；距高速出口 2.1 公里", "形状方正"],
        "reasons_en": ["Area close to the need; 2.1 km to the motorway exit", "Compact"]})
    table = sites_table(sites, [0, 1], lang="zh", park_names={park: name})
    assert list(table.columns) == ["第 1 名", "第 2 名"]
    words = flat(_text(compare_pdf(table, county=demo_county, kind="sites", lang="zh"),
                       tmp_path))
    for expected in ("选址方案比较", "第1名", "第2名", flat(name), "61.3", "82.5",
                     "QF-0001、QF-0002", "面积接近需求、距高速出口2.1公里", "形状方正"):
        assert expected in words, expected
    assert "S00001" not in words  # sites are named by rank, not by an internal id

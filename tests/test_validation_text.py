"""Ids are never stored as lookalikes; text holds no control character (issue 27)."""

from __future__ import annotations

import geopandas as gpd
import pandas as pd
import pytest
import shapely

from layers.validate import ValidationError, validate_layer
from layers.validation.text import canonical_id, clean_text


def _parcels(ids: list[str], notes: list[str] | None = None) -> gpd.GeoDataFrame:
    frame = pd.DataFrame({"parcel_id": ids, "land_use": "100101", "status": "reserve",
                          "notes": notes or ["n"] * len(ids)})
    return gpd.GeoDataFrame(frame, geometry=[shapely.box(i * 200, 0, i * 200 + 100, 100)
                                             for i in range(len(ids))], crs=4546)


@pytest.mark.parametrize("lookalike", ["QF\u200b-0001", "\ufeffQF-0001", "QF-0001\u200d",
                                       "ＱＦ－０００１", "QF\u00ad-0001", "\u202aQF-0001"])
def test_lookalike_ids_are_stored_as_the_plain_id_with_a_warning(lookalike):
    assert canonical_id(lookalike) == "QF-0001"
    out, report = validate_layer(_parcels([lookalike]), "parcel", source="t.gpkg")
    assert out["parcel_id"].tolist() == ["QF-0001"]
    assert any("normalised" in w.message and w.rows == ("feature 1",)
               for w in report.warnings)


def test_a_lookalike_beside_the_original_is_a_duplicate():
    with pytest.raises(ValidationError, match="duplicate id"):
        validate_layer(_parcels(["QF-0001", "QF\u200b-0001"]), "parcel", source="t.gpkg")


def test_control_characters_in_an_id_are_refused():
    with pytest.raises(ValidationError, match="control characters"):
        validate_layer(_parcels(["QF\x07-1"]), "parcel", source="t.gpkg")


def test_word_line_breaks_in_text_become_line_breaks():
    assert clean_text("甲\x0b乙\x0c丙\x01") == "甲\n乙\n丙"
    out, report = validate_layer(_parcels(["A"], ["一行\x0b二行"]), "parcel", source="t.gpkg")
    assert out["notes"].tolist() == ["一行\n二行"]
    assert any("control characters" in w.message for w in report.warnings)


def test_plain_ids_and_chinese_text_are_untouched():
    out, report = validate_layer(_parcels(["地块-1"], ["备注，全角逗号"]), "parcel",
                                 source="t.gpkg")
    assert out["parcel_id"].tolist() == ["地块-1"] and out["notes"].tolist() == ["备注，全角逗号"]
    assert report.warnings == []


def test_ids_equal_without_leading_zeros_are_caught():
    from layers.validation.text import leading_zero_clashes

    assert leading_zero_clashes(["007", "7", "8", "A7"]) == [("007", "7")]
    assert leading_zero_clashes(["7", "9"], ["007", "9", "X"]) == [("7", "007")]
    assert leading_zero_clashes(["007", "008"]) == []
    with pytest.raises(ValidationError, match="differ only by leading zeros"):
        validate_layer(_parcels(["007", "7"]), "parcel", source="t.csv")

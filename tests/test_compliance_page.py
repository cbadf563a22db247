"""合规审查 through ``AppTest``: a standard GeoJSON is read as WGS84 and reviewed at once,
a CSV of lon/lat corner points asks for its system with labelled choices, every message is in
the page's language without paths or flags, the verdict comes first, parks by name."""

from __future__ import annotations

import json

import pytest
from streamlit.testing.v1 import AppTest

from tests.test_app_pages import ADMIN, open_page, rendered_text

PAGE = "ui/compliance_page.py"
# ~100 m × 100 m around a demo parcel (QF-0001's centroid), WGS84 degrees
LON, LAT, D = 110.88168, 38.85911, 0.0006
RING = [[LON - D, LAT - D * 0.78], [LON + D, LAT - D * 0.78], [LON + D, LAT + D * 0.78],
        [LON - D, LAT + D * 0.78], [LON - D, LAT - D * 0.78]]


def _geojson() -> bytes:
    return json.dumps({"type": "FeatureCollection", "features": [{
        "type": "Feature", "properties": {"name": "A1"},
        "geometry": {"type": "Polygon", "coordinates": [RING]}}]}).encode()


def _csv() -> bytes:
    rows = ["点号,经度,纬度"] + [f"J{i + 1},{x},{y}" for i, (x, y) in enumerate(RING)]
    return "\n".join(rows).encode()


def _upload(at: AppTest, name: str, data: bytes) -> AppTest:
    at.file_uploader(key="compliance_files").upload(name, data, "application/octet-stream").run()
    assert not at.exception, [e.value for e in at.exception]
    return at


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_geojson_is_read_as_wgs84_and_reviewed_verdict_first(lang):
    at = _upload(open_page(PAGE, user=ADMIN, lang=lang), "site.geojson", _geojson())
    assert not [e for e in at.error if "site.geojson" in e.value]
    table = at.dataframe[0].value
    assert list(table.columns[:3]) == (["边界编号", "结论", "原因"] if lang == "zh"
                                       else ["Boundary", "Verdict", "Reasons"])
    area = table.iloc[0, 3]
    assert 10 < area < 25  # ~103 m × ~100 m ≈ 15 亩
    text = rendered_text(at)
    assert ("WGS84" in text) and ("GCJ-02" in text)  # the one-click picker correction
    verdict = (at.error or at.warning or at.success)[0].value
    assert verdict.startswith("**") and table.iloc[0, 1] in verdict


def test_picker_correction_moves_the_boundary():
    at = _upload(open_page(PAGE, user=ADMIN), "site.geojson", _geojson())
    before = _points(at)
    at.radio(key="compliance_coords_file").set_value("gcj02").run()
    assert not at.exception
    after = _points(at)
    moved = ((before["Y（东）"] - after["Y（东）"]) ** 2
             + (before["X（北）"] - after["X（北）"]) ** 2) ** 0.5
    assert 100 < moved.max() < 1000  # the picker shift is some 300–700 m


def _points(at: AppTest):  # noqa: ANN202 - DataFrame
    return next(d.value for d in at.dataframe if "Y（东）" in d.value.columns)


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_csv_degrees_ask_for_their_system_with_labels(lang):
    at = _upload(open_page(PAGE, user=ADMIN, lang=lang), "points.csv", _csv())
    radio = at.radio(key="compliance_coords_table")
    assert radio.value is None
    shown = list(radio.options)
    assert any("GCJ-02" in o and ("高德" in o or "Gaode" in o) for o in shown), shown
    assert not at.dataframe
    text = rendered_text(at)
    assert "--coords" not in text and "/tmp" not in text
    at.session_state["compliance_coords_table"] = "wgs84"  # set_value would format in zh
    at.run()
    assert not at.exception
    assert 10 < at.dataframe[0].value.iloc[0, 3] < 25


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_bad_file_message_in_page_language_without_paths(lang):
    bad = json.dumps({"type": "FeatureCollection", "features": [{
        "type": "Feature", "properties": {},
        "geometry": {"type": "LineString", "coordinates": RING[:-1]}}]}).encode()
    at = _upload(open_page(PAGE, user=ADMIN, lang=lang), "line.geojson", bad)
    message = at.error[0].value
    assert message.startswith("line.geojson")
    assert "/tmp" not in message and "--" not in message and "fix:" not in message
    if lang == "zh":
        assert "闭合" in message or "边界面" in message

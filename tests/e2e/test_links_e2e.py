"""Links that open (issue 31): the card's share link and the QR code decoded from a
brochure open the parcel's card in the link's language in Chromium, never Streamlit's
"Page not found"."""

from __future__ import annotations

import json
import subprocess

import pytest

from tests.e2e.conftest import wait_ready

pytestmark = [pytest.mark.e2e, pytest.mark.slow, pytest.mark.timeout(900)]


def _card_opens(page, url: str, pid: str, lang: str) -> None:  # noqa: ANN001
    page.goto(url)
    wait_ready(page)
    page.get_by_text(f"地块 {pid}" if lang == "zh" else f"Parcel {pid}").first.wait_for()
    wait_ready(page)  # the card's title shows mid-run; its share link is drawn after it
    body = page.inner_text("body")
    assert "Page not found" not in body and "找不到页面" not in body
    assert (("Share link" in body) if lang == "en" else ("分享链接" in body))


def _decode_qr(pdf, folder) -> str:
    import zxingcpp
    from PIL import Image

    subprocess.run(["pdfimages", "-png", "-f", "1", "-l", "1", str(pdf), str(folder / "im")],
                   check=True)
    for path in sorted(folder.glob("im-*.png")):
        image = Image.open(path)
        if image.width == image.height:  # the QR code (maps are not square)
            found = zxingcpp.read_barcodes(image.convert("L"))
            if found:
                return found[0].text
    raise AssertionError("no QR code decoded from the brochure's first page")


def test_share_link_opens_the_card_in_its_language(page, app_url, demo_county):
    pid = str(demo_county["parcel"]["parcel_id"].iloc[0])
    _card_opens(page, f"{app_url}/?lang=en&parcel={pid}", pid, "en")
    link = page.locator("[data-testid='stCode'] code").first.inner_text().strip()
    assert link.startswith(app_url + "/?") and "/map" not in link
    assert f"parcel={pid}" in link and "lang=en" in link and "token" not in link
    _card_opens(page, link, pid, "en")
    _card_opens(page, link.replace("lang=en", "lang=zh"), pid, "zh")


def test_brochure_qr_code_opens_the_card(page, app_url, demo_county, tmp_path, monkeypatch):
    from exports.brochure import export_brochure
    from exports.tables import offerable_parcels

    state = tmp_path / "state"
    state.mkdir()
    (state / "settings.json").write_text(json.dumps({"public_base_url": app_url + "/"}))
    monkeypatch.setenv("INVESTMAP_STATE_DIR", str(state))
    pid = str(offerable_parcels(demo_county)["parcel_id"].iloc[0])
    pdf = export_brochure(demo_county, tmp_path / "b.pdf", parcel_id=pid, lang="en")
    url = _decode_qr(pdf, tmp_path)
    assert url == f"{app_url}/?lang=en&parcel={pid}"
    _card_opens(page, url, pid, "en")

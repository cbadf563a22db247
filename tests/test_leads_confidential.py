"""Leads never reach investor exports: a county read from a store holding leads (contacts,
owners, notes, needs) is exported for investors — HTML map, Excel lists, PDF brochure — and
the confidential scan (tests/confidential.py, which covers every registry layer the county
holds, leads included) finds nothing; the same scan does find the values where staff output
carries them, so it can fail."""

from __future__ import annotations

import subprocess
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from data import get_path
from exports.brochure import export_brochure
from exports.excel import export_excel
from exports.html import export_html
from layers.county import load_county
from layers.leads import add_lead, convert_lead, submit_inquiry, update_lead
from layers.store.gpkg import GeoPackageStore
from tests.confidential import CONFIDENTIAL, confidential_hits
from tests.conftest import run_cli

DAY = pd.Timestamp("2026-12-01")
SECRETS = {"phone": "13987654321", "contact_name": "司马经理", "email": "sima@secret.example",
           "owner": "招商九组甲", "notes": "客户预算紧张需补贴", "need": "需要双回路供电"}


@pytest.fixture(scope="module")
def store_county(tmp_path_factory):
    path = tmp_path_factory.mktemp("leads") / "store.gpkg"
    with GeoPackageStore(path, seed=get_path("demo")) as store:
        parcel = str(store.read_layer("parcel")["parcel_id"].iloc[0])
        first = submit_inquiry(store, {"company": "青峰保密测试公司", "contact_name":
                                       SECRETS["contact_name"], "phone": SECRETS["phone"],
                                       "email": SECRETS["email"], "need": SECRETS["need"],
                                       "parcel_id": parcel, "park_id": "P01"}, today=DAY)
        update_lead(store, first, owner=SECRETS["owner"], note=SECRETS["notes"],
                    stage="contacted", user="promoter", reason="分派", today=DAY)
        for stage in ("visited", "negotiating", "signed"):
            update_lead(store, first, stage=stage, user="promoter", reason="进展", today=DAY)
        convert_lead(store, first, user="promoter", reason="签约", today=DAY)
        add_lead(store, {"company": "展会客户", "source": "fair", "owner": SECRETS["owner"],
                         "phone": "0912-8887776"}, user="promoter", reason="展会", today=DAY)
    return path, load_county(path)


def test_scan_covers_the_lead_layer(store_county):
    _, county = store_county
    assert {"contact_name", "phone", "email", "owner", "notes", "need"} <= set(CONFIDENTIAL)
    assert len(county["lead"]) >= 2  # the demo's leads and this test's two
    staff_text = county["lead"].to_csv()
    hits = confidential_hits(staff_text, county)
    for column, value in SECRETS.items():
        assert f"lead.{column} {value}" in hits, column


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_investor_html_map_has_no_lead_data(store_county, tmp_path, lang):
    _, county = store_county
    out = export_html(county, tmp_path / "map.html", lang=lang, basemap="none")
    assert confidential_hits(out.read_text(encoding="utf-8"), county) == []


def test_investor_excel_has_no_lead_data(store_county, tmp_path):
    _, county = store_county
    out = export_excel(county, tmp_path / "lists.xlsx")
    book = openpyxl.load_workbook(out)
    text = "\n".join(str(c.value) for ws in book for row in ws.iter_rows() for c in row)
    assert confidential_hits(text, county) == []


def test_investor_brochure_has_no_lead_data(store_county, tmp_path):
    _, county = store_county
    out = export_brochure(county, tmp_path / "p01.pdf", park_id="P01")
    text = subprocess.run(["pdftotext", "-layout", str(out), "-"], capture_output=True,
                          text=True, check=True).stdout
    assert "P01" in text or county["park"].set_index("park_id").loc["P01", "name"] in text
    assert confidential_hits(text, county) == []


def test_leads_list_leaves_contacts_out_unless_asked(store_county, tmp_path):
    path, county = store_county
    plain = tmp_path / "leads.csv"
    done = run_cli("leads", "list", "--out", str(plain), "--data", str(path))
    assert done.returncode == 0, done.stderr
    text = plain.read_text(encoding="utf-8-sig")
    for column in ("phone", "contact_name", "email", "notes", "need"):
        assert SECRETS[column] not in text
    full = tmp_path / "full.csv"
    done = run_cli("leads", "list", "--with-contacts", "--out", str(full), "--data", str(path))
    assert done.returncode == 0, done.stderr
    assert SECRETS["phone"] in Path(full).read_text(encoding="utf-8-sig")


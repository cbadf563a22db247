"""The chains page's target-firm panel: staff see the library's firms ranked by evidence with
labelled columns (unknown said as unknown); investors never see any of it."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from data import get_path
from layers.chains import county_analysis, load_chains
from ui.auth import User

APP = str(Path(__file__).resolve().parents[1] / "app.py")
STAFF = User("promoter", "promoter", "招商专员")


@pytest.fixture
def library_store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, demo_county) -> str:
    """A copy of the demo county with a two-firm target library, one firm per gap segment of
    the first chain that has one."""
    catalog = load_chains()
    analysis = county_analysis(demo_county, catalog)
    gaps = analysis[analysis["verdict"].isin(["missing", "thin", "extension"])]
    order = {c: i for i, c in enumerate(catalog.chain_ids)}  # the page opens on the first
    chain = min(gaps["chain_id"], key=order.get)
    seg = gaps.loc[gaps["chain_id"] == chain, "segment_id"].iloc[0]
    store = tmp_path / "store.gpkg"
    shutil.copy(get_path("demo"), store)
    sheet = tmp_path / "targets.csv"
    pd.DataFrame({"统一社会信用代码": ["X1", "X2"], "企业名称": ["示例证据企业", "示例空白企业"],
                  "产业链环节": [seg, seg], "近期融资": ["C轮 2026-10", ""],
                  "异地设厂/拿地": ["新建基地 2026-09", ""], "招聘": ["50", ""],
                  "营收规模": ["10亿以上", ""], "上市情况": ["A股上市", ""],
                  "联系电话": ["13900001234", ""]}).to_csv(sheet, index=False)
    from cli import main

    assert main(["load", str(sheet), "--layer", "target", "--user", "t",
                 "--data", str(store)]) == 0
    monkeypatch.setenv("INVESTMAP_DATA", str(store))
    monkeypatch.setenv("INVESTMAP_BASEMAP", "none")
    monkeypatch.setenv("INVESTMAP_STATE_DIR", str(tmp_path))
    return chain


def _chains_page(chain: str, *, user: User | None, lang: str) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=180)
    if user is not None:
        at.session_state["auth_user"] = user
    at.run()
    at.switch_page("ui/chains_page.py").run()
    if lang == "en":
        at.radio(key="lang_switch").set_value("en").run()
    if at.selectbox(key="chain_id").value != chain:
        at.selectbox(key="chain_id").set_value(chain).run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def _tables(at: AppTest) -> list[pd.DataFrame]:
    return [d.value for d in at.dataframe]


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_staff_see_ranked_firms_with_labels(library_store, lang):
    at = _chains_page(library_store, user=STAFF, lang=lang)
    tables = [t for t in _tables(at) if ("企业名称" in t.columns or "Company" in t.columns)]
    assert tables, "the target-firm table is missing"
    firms = tables[0]
    name_col = "企业名称" if lang == "zh" else "Company"
    names = firms[name_col].tolist()
    assert "示例证据企业" in names  # full, recent evidence: at the top of its segment
    if "示例空白企业" in names:  # nothing known: never ahead of it
        assert names.index("示例空白企业") > names.index("示例证据企业")
    text = firms.to_csv(index=False)
    assert ("未知" if lang == "zh" else "unknown") in text
    assert not [c for c in firms.columns if re.fullmatch(r"[a-z]+(_[a-z]+)+", str(c))]
    cells = {str(v) for v in firms.to_numpy().ravel()}
    assert not cells & {"None", "nan", "NaN", "<NA>"}
    assert "13900001234" not in text


def test_investors_never_see_target_firms(library_store):
    at = _chains_page(library_store, user=None, lang="zh")
    for table in _tables(at):
        text = table.to_csv(index=False)
        assert "示例证据企业" not in text and "13900001234" not in text


def test_one_click_lead_from_a_target_firm(library_store, tmp_path):
    import os

    from layers.leads import read_leads
    from layers.store import open_store

    at = _chains_page(library_store, user=STAFF, lang="zh")
    at.selectbox(key=f"target_firm_{library_store}").set_value("X1").run()
    next(b for b in at.button if b.key == "target_lead_X1").click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert any("已生成线索" in s.value for s in at.success)
    with open_store(os.environ["INVESTMAP_DATA"]) as store:
        leads = read_leads(store)
    (lead,) = [r for _, r in leads.iterrows() if r["company"] == "示例证据企业"]  # + demo's
    assert (lead["company"], lead["source"], lead["phone"]) == ("示例证据企业", "target",
                                                                "13900001234")
    assert lead["owner"] == "promoter"

"""HTML map export: self-contained offline file, tiles only, escaping, no confidential data."""

from __future__ import annotations

import re

import pytest

from exports.common import ExportError
from exports.html import export_html, external_resources, inline_assets, tile_urls
from tests.confidential import confidential_hits, decoded


def test_confidential_scan_finds_what_it_looks_for(demo_county):
    taxes = demo_county["enterprise"]["tax_wan"].dropna()
    tax = taxes[taxes >= 1000].iloc[0]
    note = demo_county["park"]["notes"].dropna().iloc[0]
    planted = (f'"notes": "\\u5185\\u90e8\\uff1ax", "tax": "{tax:,.2f}", "owner": "招商5组",'
               f' "x": "{note}"')
    hits = confidential_hits(planted, demo_county)
    assert {"notes", "内部：", "owner", f"tax {tax}", "project.owner 招商5组",
            f"park.notes {note}"} <= set(hits)


@pytest.mark.parametrize(("basemap", "offline"), [("none", True), ("osm", True),
                                                  ("osm", False), ("gaode", True)])
def test_investor_html_has_no_confidential_columns_or_values(demo_county, tmp_path, basemap,
                                                              offline):
    out = export_html(demo_county, tmp_path / "map.html", basemap=basemap, offline=offline)
    text = out.read_bytes().decode("utf-8")
    assert confidential_hits(text, demo_county) == []
    # investors get the parcels on offer, not transferred ones (issue 20)
    from layers.supply import availability

    parcels = demo_county["parcel"]
    flags = availability(demo_county).set_index("parcel_id")["available"]
    offered = parcels.loc[parcels["parcel_id"].map(flags).fillna(False).astype(bool),
                          "parcel_id"].iloc[0]
    named = set(demo_county["redline"]["parcel_id"].dropna()) | set(
        demo_county["project"]["parcel_id"].dropna())  # other layers may name a parcel
    taken = parcels.loc[(parcels["status"] == "transferred")
                        & ~parcels["parcel_id"].isin(named), "parcel_id"].iloc[0]
    assert f'"{offered}"' in text and f'"{taken}"' not in text
    assert "青峰高新技术产业开发区" in decoded(text)


def test_offline_without_basemap_loads_nothing_external(demo_county, tmp_path):
    text = export_html(demo_county, tmp_path / "m.html", offline=True,
                       basemap="none").read_text(encoding="utf-8")
    assert external_resources(text) == [] and tile_urls(text) == []
    assert "<script src=" not in text and 'rel="stylesheet"' not in text
    assert "url(data:image/png;base64," in text  # Leaflet's control images inlined
    assert "Leaflet 1.9.3" in text and "L.map(" in text  # Leaflet itself is inside


def test_offline_with_tiles_references_only_tiles(demo_county, tmp_path):
    text = export_html(demo_county, tmp_path / "m.html", offline=True,
                       basemap="osm").read_text(encoding="utf-8")
    assert external_resources(text) == []
    assert tile_urls(text) == ["https://tile.openstreetmap.org/{z}/{x}/{y}.png"]


def test_online_file_loads_leaflet_from_the_cdn_not_the_app_server(demo_county, tmp_path):
    text = export_html(demo_county, tmp_path / "m.html").read_text(encoding="utf-8")
    resources = external_resources(text)
    assert resources and all("leaflet@1.9.3" in u for u in resources)
    assert "/app/static" not in text
    assert text.count(".bindPopup(") == text.count(".bindTooltip(")  # click popups …
    assert "queryTileFeaturesDebug" in text  # … and the tile-drawn parcels' popups


def test_external_resources_ignores_plain_links_but_not_loads():
    page = ('<a href="https://leafletjs.com">x</a><svg xmlns="http://www.w3.org/2000/svg">'
            '<script src="//cdn.x.org/a.js"></script><link rel="stylesheet" '
            'href="https://c.org/b.css"/><style>.a{background:url("http://i.org/c.png")}'
            '</style>')
    assert external_resources(page) == ["//cdn.x.org/a.js", "http://i.org/c.png",
                                        "https://c.org/b.css"]


def test_inline_assets_keeps_unknown_scripts_for_the_check():
    page = '<script src="https://x.org/other.js"></script>'
    assert inline_assets(page) == page


def test_park_export_shows_only_that_park(demo_county, tmp_path):
    text = export_html(demo_county, tmp_path / "p.html", park_id="P04", lang="en",
                       basemap="none").read_text(encoding="utf-8")
    assert "Qingfeng Specialty Food Park" in text
    assert "High-tech" not in text and "青峰高新技术产业开发区" not in decoded(text)
    plots = set(demo_county["redline"]["parcel_id"].dropna())  # red lines carry no park
    p01 = demo_county["parcel"].query("park_id == 'P01'")["parcel_id"]
    assert p01[~p01.isin(plots)].iloc[0] not in text


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"park_id": "P99"}, "no park 'P99'; parks: P01"),
    ({"basemap": "baidu"}, "basemap 'baidu' is not supported"),
    ({"audience": "public"}, "audience 'public' is not supported"),
    ({"basemap": "tianditu", "tianditu_key": None}, "TIANDITU_KEY"),
])
def test_errors_name_the_fix(demo_county, tmp_path, monkeypatch, kwargs, message):
    monkeypatch.delenv("TIANDITU_KEY", raising=False)
    out = tmp_path / "m.html"
    with pytest.raises(ExportError, match=re.escape(message)):
        export_html(demo_county, out, **kwargs)
    assert list(tmp_path.iterdir()) == []


def test_cli_export_html(cli, tmp_path):
    out = tmp_path / "map.html"
    result = cli("export-html", "--out", str(out), "--offline", "--basemap", "none",
                 "--lang", "en", "--audience", "staff")
    assert result.returncode == 0, result.stderr
    text = out.read_text(encoding="utf-8")
    assert external_resources(text) == [] and "Qingfeng County Investment Map" in text
    bad = cli("export-html", "--out", str(tmp_path / "x.html"), "--park", "nope")
    assert bad.returncode == 2 and "no park 'nope'" in bad.stderr

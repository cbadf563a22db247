"""The registry is the single source of truth: documented, sample data valid, safe defaults."""

from pathlib import Path

import pytest

from data import SAMPLES, get_path
from layers.docs import BEGIN, END, render
from layers.io import known_layers_in
from layers.registry import LAYERS, get_spec

LAYERS_PAGE = Path(__file__).resolve().parents[1] / "docs" / "reference" / "layers.md"


def test_every_spec_documented_in_the_docs():
    text = LAYERS_PAGE.read_text(encoding="utf-8")
    assert BEGIN in text and END in text, "docs/reference/layers.md lacks the section markers"
    section = text.split(BEGIN, 1)[1].split(END, 1)[0].strip()
    assert section == render().strip(), "data dictionary is stale: python -m layers.docs"
    for spec in LAYERS.values():
        assert f"## `{spec.name}`" in section
        for col in spec.columns:
            assert f"`{col.name}`" in section


def test_required_layers_and_columns():
    assert set(LAYERS) == {"park", "parcel", "project", "redline", "enterprise", "facility",
                           "context", "target", "lead", "freshness", "ledger_project",
                           "ledger_step", "ledger_month"}
    parcel = get_spec("parcel")
    for name in ("parcel_id", "park_id", "land_use", "status", "area_mu", "far_min", "far_max",
                 "price_wan_per_mu", "transfer_date", "agreed_start_date", "utilities"):
        parcel.column(name)
    assert set(get_spec("enterprise").confidential_columns) >= {
        "tax_wan", "value_added_wan", "revenue_wan", "energy_tce", "notes"}


def test_unknown_layer_lists_valid_names():
    with pytest.raises(KeyError, match="valid layers: park, parcel"):
        get_spec("parcels")


def test_unknown_sample_lists_valid_names():
    with pytest.raises(KeyError, match="valid names: demo"):
        get_path("nope")
    for name in SAMPLES:
        assert get_path(name).exists()


def test_every_sample_layer_validates(demo_county):
    store_records = ("freshness",)  # a store record; the demo ships its leads
    assert known_layers_in(get_path("demo")) == [n for n in LAYERS if n not in store_records]
    for name, report in demo_county.reports.items():
        assert report.ok, report.format()
        assert report.n_features == len(demo_county[name])

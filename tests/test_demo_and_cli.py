from __future__ import annotations

import subprocess
import sys

import pandas as pd
import pyogrio
import pytest

from data import get_path
from data.demo import build_county
from tests.conftest import ROOT


def test_demo_is_deterministic_and_matches_committed_file():
    county = build_county()
    again = build_county()
    for name, frame in county.items():
        pd.testing.assert_frame_equal(pd.DataFrame(frame), pd.DataFrame(again[name]))
    committed = pyogrio.read_dataframe(get_path("demo"), layer="parcel")
    assert committed["parcel_id"].tolist() == county["parcel"]["parcel_id"].tolist()
    assert committed.geometry.geom_equals_exact(county["parcel"].geometry, 1e-6).all()


def test_demo_mix_is_realistic(demo_county):
    parcels = demo_county["parcel"]
    assert 4 <= len(demo_county["park"]) <= 6 and len(parcels) == 2000
    assert set(parcels["status"]) == {"reserve", "available", "reserved", "transferred",
                                      "under_construction", "producing"}
    assert 250 <= len(demo_county["project"]) <= 350
    assert set(demo_county["project"]["stage"]) == {"pipeline", "signed", "started",
                                                    "completed", "producing", "stalled", "lost"}
    assert 200 <= len(demo_county["enterprise"]) <= 300
    cats = set(demo_county["redline"]["category"])
    assert {"eco_redline", "basic_farmland", "urban_boundary", "landuse_redline"} <= cats
    # derived: park_id by spatial join, enterprise land from parcels
    assert parcels["park_id"].notna().sum() == 1940
    assert demo_county["enterprise"]["land_mu"].notna().all()


def test_cli_validate_demo_ok(cli):
    result = cli("validate", str(get_path("demo")))
    assert result.returncode == 0, result.stderr
    assert "[parcel]: 2000 features, 0 error(s)" in result.stdout


def test_cli_validate_broken_file_fails(cli, tmp_path):
    county = build_county(60)
    bad = county["parcel"].copy()
    bad.loc[bad.index[3], "status"] = "sold"
    path = tmp_path / "bad.gpkg"
    pyogrio.write_dataframe(bad, path, layer="parcel")
    result = cli("validate", str(path))
    assert result.returncode == 1
    assert "feature 4, column 'status': unknown value(s) ['sold']" in result.stdout


def test_cli_validate_needs_layer_for_single_files(cli, tmp_path):
    path = tmp_path / "p.geojson"
    build_county(60)["park"].to_file(path, driver="GeoJSON")
    result = cli("validate", str(path))
    assert result.returncode == 2 and "--layer" in result.stderr
    assert cli("validate", str(path), "--layer", "park").returncode == 0


@pytest.mark.parametrize("fmt", ["gpkg", "parquet"])
def test_cli_demo_any_size(cli, tmp_path, fmt):
    result = cli("demo", "--out", str(tmp_path), "--parcels", "3000", "--redlines", "400",
                 "--format", fmt)
    assert result.returncode == 0, result.stderr
    if fmt == "gpkg":
        frame = pyogrio.read_dataframe(tmp_path / "county.gpkg", layer="parcel")
        redlines = pyogrio.read_dataframe(tmp_path / "county.gpkg", layer="redline")
    else:
        frame = pd.read_parquet(tmp_path / "parcel.parquet")
        redlines = pd.read_parquet(tmp_path / "redline.parquet")
    assert len(frame) == 3000 and len(redlines) == 400


def test_cli_help_for_every_command(cli_process, capsys):
    """Every command's help in this process (its module imports and registers), and once
    through the console entry in a subprocess, as a user runs it."""
    from cli import COMMANDS, build_parser, main

    sub = next(a for a in build_parser()._actions if a.dest == "command")
    assert list(sub.choices) == [c.name for c in COMMANDS]
    for name in sub.choices:
        with pytest.raises(SystemExit) as done:
            main([name, "--help"])
        assert done.value.code == 0 and f"usage: investmap {name}" in capsys.readouterr().out
    result = cli_process("import", "--help")
    assert result.returncode == 0 and "usage: investmap import" in result.stdout


def test_every_command_module_registers_exactly_its_table_names():
    import argparse
    import importlib

    from cli import COMMANDS

    for module in sorted({c.module for c in COMMANDS}):
        sub = argparse.ArgumentParser().add_subparsers()
        importlib.import_module(module).register(sub)
        assert set(sub.choices) == {c.name for c in COMMANDS if c.module == module}, module


def test_top_level_help_imports_no_command_module():
    code = ("import sys, contextlib, io\n"
            "from cli import main\n"
            "with contextlib.suppress(SystemExit), contextlib.redirect_stdout(io.StringIO()):\n"
            "    main(['--help'])\n"
            "heavy = [m for m in sys.modules if m.startswith(('cli.', 'geopandas', 'ezdxf',"
            " 'matplotlib', 'shapely'))]\n"
            "print(heavy)\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         cwd=ROOT, timeout=60)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "[]"


def test_policy_errors_name_key_and_fix(tmp_path):
    from layers.policy import PolicyError, load_policy

    bad = tmp_path / "policy.yaml"
    bad.write_text((get_path("policy")).read_text(encoding="utf-8").replace(
        "conflict: outside", "conflict: beyond"), encoding="utf-8")
    with pytest.raises(PolicyError, match=r"urban_boundary\.conflict.*write inside or outside"):
        load_policy(bad)
    bad.write_text("crs: {working_epsg: 4490}\n", encoding="utf-8")
    with pytest.raises(PolicyError, match="geographic"):
        load_policy(bad)
    bad.write_text("colour: red\n", encoding="utf-8")
    with pytest.raises(PolicyError, match="unknown key"):
        load_policy(bad)


def test_policy_settings_documented():
    from pathlib import Path

    from layers.policy import load_policy

    page = Path(__file__).resolve().parents[1] / "docs" / "reference" / "policy.md"
    doc = page.read_text(encoding="utf-8")
    raw = load_policy().raw
    for section, values in raw.items():
        for key in values:
            if key == "categories":
                continue
            assert f"`{section}.{key}" in doc, f"{section}.{key} not documented in {page.name}"


def test_park_outline_union_survives_an_invalid_hull():
    """A 5,000,000-parcel demo stopped on GEOS's "side location conflict" when a park's
    concave hull came out invalid; the outline is then the repaired union."""
    import shapely

    from data.demo_layout import joined

    bowtie = shapely.Polygon([(0, 0), (10, 10), (10, 0), (0, 10), (0, 0)])  # invalid
    parts = shapely.MultiPolygon([shapely.box(2, 2, 8, 8), shapely.box(12, 0, 14, 2)])
    out = joined(bowtie, parts)
    assert out.is_valid and isinstance(out, shapely.Polygon)
    assert out.contains(shapely.box(2.1, 2.1, 7.9, 7.9))  # the park's parcels stay inside
    plain = shapely.box(0, 0, 5, 5)
    assert joined(plain, shapely.box(4, 0, 9, 5)).equals(shapely.box(0, 0, 9, 5))


def test_park_outline_union_falls_back_until_one_works(monkeypatch):
    import shapely

    import data.demo_layout as layout

    calls = []
    real = shapely.union

    def refusing(*args, **kwargs):  # noqa: ANN002, ANN003, ANN202 - GEOS refusing, twice
        calls.append(kwargs)
        raise shapely.errors.GEOSException("TopologyException: side location conflict")

    bowtie = shapely.Polygon([(0, 0), (10, 10), (10, 0), (0, 10), (0, 0)])
    parts = shapely.box(2, 2, 8, 8)
    monkeypatch.setattr(layout.shapely, "union", refusing)
    out = layout.joined(bowtie, parts)
    monkeypatch.setattr(layout.shapely, "union", real)
    assert calls and out.is_valid and isinstance(out, shapely.Polygon)
    assert out.contains(parts)

"""The ``export:`` policy section: defaults, validation, contact block, QR matrix."""

from __future__ import annotations

import numpy as np
import pytest

from exports.qr import qr_matrix
from exports.settings import ExportSettings, parse
from layers.policy import PolicyError


def test_demo_policy_has_export_settings(policy):
    settings = policy.section("export")
    assert settings.title_zh == "青峰县招商地图"
    assert settings.online_map_url.startswith("https://")
    assert settings.png_dpi >= 200


def test_empty_section_gives_defaults():
    assert parse({}, "p.yaml") == ExportSettings()


@pytest.mark.parametrize(("value", "message"), [
    ({"titel_zh": "x"}, "export: unknown key(s) ['titel_zh']"),
    ({"online_map_url": "invest.example.cn"}, "export.online_map_url: 'invest.example.cn'"),
    ({"online_map_url": "ftp://x.cn/a"}, "not an http(s) URL"),
    ({"png_dpi": 96}, "export.png_dpi: 96 is not a whole number ≥ 200"),
    ({"png_dpi": True}, "export.png_dpi"),
    ({"contact_phone": 12345}, "export.contact_phone: 12345 is not text"),
])
def test_bad_values_name_key_and_fix(value, message):
    with pytest.raises(PolicyError, match="fix:") as info:
        parse(value, "p.yaml")
    assert message in str(info.value) and str(info.value).startswith("p.yaml: ")


def test_contact_lines_skip_empty_entries():
    settings = ExportSettings(contact_org_zh="招商中心", contact_org_en="Centre",
                              contact_phone="0912-1")
    assert settings.contact_lines("zh") == ["招商中心", "电话：0912-1"]
    assert settings.contact_lines("en") == ["Centre", "Tel: 0912-1"]


def test_qr_matrix_has_three_finder_patterns():
    m = qr_matrix("https://invest.qingfeng.example.cn/map", border=0)
    assert m.shape[0] == m.shape[1] and (m.shape[0] - 21) % 4 == 0
    finder = np.ones((7, 7), dtype=bool)
    finder[1:6, 1:6] = False
    finder[2:5, 2:5] = True
    n = m.shape[0]
    for r, c in ((0, 0), (0, n - 7), (n - 7, 0)):
        assert (m[r:r + 7, c:c + 7] == finder).all()
    assert not (m[n - 7:, n - 7:] == finder).all()


def test_qr_needs_a_url():
    with pytest.raises(ValueError, match="export.online_map_url"):
        qr_matrix("")


def test_every_export_key_is_documented_in_readme(policy):
    from pathlib import Path

    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
    keys = sorted(policy.raw["export"])
    assert keys and [k for k in keys if f"`export.{k}`" not in readme] == []


def test_exports_registers_its_own_section_and_layers_never_names_the_module():
    """``layers.policy`` knows the name ``export`` only; ``exports.settings`` registers the
    parser, and a policy loaded before that parses the section when first read."""
    import inspect

    import layers.policy
    from exports.settings import export_settings
    from layers.policy import OWNED_SECTIONS, load_policy, register_section

    assert OWNED_SECTIONS["export"] is parse
    assert "exports" not in inspect.getsource(layers.policy).replace("``exports/``", "")
    policy = load_policy()
    policy.extras.pop("export")  # as if loaded before exports was imported
    assert export_settings(policy) == parse(policy.raw["export"], policy.source)
    with pytest.raises(ValueError, match="OWNED_ABOVE"):
        register_section("exprot", parse)

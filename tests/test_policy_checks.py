"""The one settings-section parser :func:`geo.policy_checks.parse_section` (issue 26)."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import pytest

from geo.policy_checks import PolicyError, Rule, check_value, nullable, parse_section


@dataclass(frozen=True)
class Toy:
    tolerance_m: float = 0.5
    count: int = 3
    title: str = "招商地图"
    url: str = ""
    measure: str = "area"
    stages: tuple[str, ...] = ("signed",)
    strict: bool = False
    pair: tuple[int, int] = (1, 2)


RULES = {
    "tolerance_m": Rule(minimum=0, strict=True),
    "count": Rule(minimum=1, maximum=10),
    "url": Rule(url=True),
    "measure": Rule(choices=("area", "value")),
    "stages": Rule(choices=("signed", "started")),
    "pair": Rule(parse=lambda value, source, key: tuple(int(v) for v in value)),
}


def parse(value):
    return parse_section(Toy, value, "p.yaml", "toy", rules=RULES)


def test_missing_keys_keep_their_defaults_and_the_result_is_frozen():
    settings = parse({})
    assert settings == Toy()
    with pytest.raises(dataclasses.FrozenInstanceError):
        settings.count = 4  # type: ignore[misc]


def test_given_values_are_typed():
    settings = parse({"tolerance_m": 2, "count": 4.0, "title": "x", "url": "https://a.cn/m",
                      "measure": "value", "stages": ["signed", "started"], "strict": True,
                      "pair": ["3", "4"]})
    assert settings == Toy(tolerance_m=2.0, count=4, title="x", url="https://a.cn/m",
                           measure="value", stages=("signed", "started"), strict=True,
                           pair=(3, 4))
    assert type(settings.tolerance_m) is float and type(settings.count) is int


@pytest.mark.parametrize(("value", "message"), [
    ({"colour": 1, "title": "x"}, "p.yaml: toy: unknown key(s) ['colour']; fix: use only"),
    ({"tolerance_m": 0}, "p.yaml: toy.tolerance_m: 0 is not a number > 0; fix: give a number > 0"),
    ({"tolerance_m": "1"}, "toy.tolerance_m: '1' is not a number"),
    ({"tolerance_m": True}, "toy.tolerance_m: True is not a number"),
    ({"tolerance_m": float("nan")}, "toy.tolerance_m: nan is not a number"),
    ({"count": 2.5}, "toy.count: 2.5 is not a whole number ≥ 1 and ≤ 10"),
    ({"count": 11}, "toy.count: 11 is not a whole number ≥ 1 and ≤ 10"),
    ({"title": 12}, "toy.title: 12 is not text; fix: quote it"),
    ({"url": "a.cn/m"}, "toy.url: 'a.cn/m' is not an http(s) URL"),
    ({"measure": "profit"}, "toy.measure: 'profit' is not allowed; fix: use one of ['area'"),
    ({"stages": []}, "toy.stages: [] is not a list of allowed values"),
    ({"stages": ["built"]}, "toy.stages: ['built'] is not a list of allowed values"),
    ({"strict": "yes"}, "toy.strict: 'yes' is not true or false"),
    ([1, 2], "p.yaml: toy: expected a mapping, got list"),
])
def test_bad_values_name_file_key_and_fix(value, message):
    with pytest.raises(PolicyError) as info:
        parse(value)
    assert message in str(info.value) and "fix: " in str(info.value)


def test_a_rule_fix_replaces_the_generic_one():
    with pytest.raises(PolicyError, match="count: 0 is not a whole number ≥ 1; fix: give e.g. 3$"):
        parse_section(Toy, {"count": 0}, "p.yaml", "toy",
                      default=Rule(minimum=1, fix="give e.g. 3"))


@pytest.mark.parametrize("module", ["exports.settings", "layers.formats.settings",
                                    "layers.store.settings", "layers.chain_settings", "geo.idle",
                                    "geo.sites_settings", "layers.leads_settings",
                                    "geo.pipeline", "geo.efficiency_settings",
                                    "geo.target_match", "layers.freshness"])
def test_every_converted_section_uses_the_one_parser(module):
    """The hand-rolled "unknown key" loops are gone: the section modules call parse_section."""
    import importlib
    import inspect

    source = inspect.getsource(importlib.import_module(module))
    assert "parse_section(" in source and "set(mapping) - allowed" not in source
    assert "check_keys(value" not in source  # the section's own keys: parse_section checks them


def test_a_nullable_setting_takes_null_or_a_checked_value():
    @dataclass(frozen=True)
    class Limits:
        days: int | None = 365

    rules = {"days": nullable(int, Rule(minimum=1, fix="give days or null"))}
    assert parse_section(Limits, {"days": None}, "p.yaml", "lim", rules=rules).days is None
    assert parse_section(Limits, {"days": 7.0}, "p.yaml", "lim", rules=rules).days == 7
    with pytest.raises(PolicyError, match=r"^p.yaml: lim.days: 0 is not a whole number ≥ 1; "
                                          r"fix: give days or null$"):
        parse_section(Limits, {"days": 0}, "p.yaml", "lim", rules=rules)


def test_check_value_checks_one_nested_entry_like_a_field():
    assert check_value(2, 0.0, Rule(minimum=0), "p.yaml", "a.b") == 2.0
    with pytest.raises(PolicyError, match=r"^p.yaml: a.b: 5 is not text; fix: quote it$"):
        check_value(5, "", Rule(), "p.yaml", "a.b")

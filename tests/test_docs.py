"""The documentation site: built strictly, generated pages in step with the code, every policy
key documented, the user guide naming every page of the app, the README short."""

from __future__ import annotations

import ast
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"
README_MAX_LINES = 200


def _page_titles() -> list[str]:
    """Title keys of every page of ``app.py`` (read from its source: importing it runs the app)."""
    tree = ast.parse((ROOT / "app.py").read_text(encoding="utf-8"))
    keys = [node.args[1].value for node in ast.walk(tree)
            if isinstance(node, ast.Call) and getattr(node.func, "id", "") == "PageDef"
            and len(node.args) > 1 and isinstance(node.args[1], ast.Constant)]
    assert len(keys) >= 12, keys
    return keys


@pytest.mark.slow
def test_the_site_builds_with_warnings_as_errors(tmp_path: Path) -> None:
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}
    result = subprocess.run([sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir",
                             str(tmp_path / "site")], cwd=ROOT, env=env, capture_output=True,
                            text=True, timeout=600)
    assert result.returncode == 0, result.stderr[-3000:]
    assert (tmp_path / "site" / "guide" / "user-guide.zh.html").is_file()
    assert (tmp_path / "site" / "reference" / "cli.html").is_file()


def test_cli_reference_is_the_parsers_help() -> None:
    from cli.docs import PAGE, render

    assert (DOCS / PAGE).read_text(encoding="utf-8") == render(), \
        "docs/reference/cli.md is stale: python -m cli.docs > docs/reference/cli.md"


def test_cli_reference_lists_each_command_once() -> None:
    from cli import COMMANDS

    text = (DOCS / "reference" / "cli.md").read_text(encoding="utf-8")
    for command in COMMANDS:
        assert text.count(f"\n## `investmap {command.name}`\n") == 1, command.name


def _key_paths(value: object, path: tuple[str, ...] = ()) -> Iterator[tuple[str, ...]]:
    """Every key path of a YAML document (list items searched for mappings too)."""
    if isinstance(value, dict):
        for key, child in value.items():
            yield (*path, str(key))
            yield from _key_paths(child, (*path, str(key)))
    elif isinstance(value, list):
        for child in value:
            yield from _key_paths(child, path)


def test_every_policy_key_is_documented() -> None:
    """``section.key`` in backticks for the first two levels; deeper keys (categories,
    classes, indicator fields …) by name."""
    doc = (DOCS / "reference" / "policy.md").read_text(encoding="utf-8")
    raw = yaml.safe_load((ROOT / "data" / "policy.yaml").read_text(encoding="utf-8"))
    missing = sorted({".".join(path) for path in _key_paths(raw)
                      if (len(path) == 2 and f"`{'.'.join(path)}" not in doc)
                      or (len(path) > 2 and path[-1] not in doc)})
    assert missing == []


@pytest.mark.parametrize(("guide", "lang"), [("user-guide.zh.md", 0), ("user-guide.md", 1)])
def test_the_user_guide_names_every_page(guide: str, lang: int) -> None:
    from ui.i18n import STRINGS

    text = (DOCS / "guide" / guide).read_text(encoding="utf-8")
    missing = [STRINGS[key][lang] for key in _page_titles() if STRINGS[key][lang] not in text]
    assert missing == []


def test_the_zh_guide_covers_every_role() -> None:
    text = (DOCS / "guide" / "user-guide.zh.md").read_text(encoding="utf-8")
    for role in ("招商人员", "规划人员", "管理员", "领导"):
        assert f"\n## {role}\n" in text, role


def test_every_screenshot_the_guides_show_exists() -> None:
    for guide in (DOCS / "guide").glob("*.md"):
        for target in re.findall(r"!\[[^\]]*\]\(([^)]+)\)", guide.read_text(encoding="utf-8")):
            assert (guide.parent / target).resolve().is_file(), (guide.name, target)


def test_readme_is_short_and_links_into_the_docs() -> None:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    assert len(text.splitlines()) <= README_MAX_LINES
    links = re.findall(r"\]\((docs/[^)#]+)", text)
    assert links
    assert [link for link in links if not (ROOT / link).is_file()] == []

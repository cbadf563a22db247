"""The import graph has no cycle and never climbs the Architecture order (issue 26).

Every module's imports are read with :mod:`ast` — top-level, function-local and
``if TYPE_CHECKING:`` ones alike, since a function-local import is still a dependency — and
resolved to project modules. Two rules:

* **order** (README "Architecture"): a module may import its own level or a lower one::

      geo, data  <  layers  <  charts, exports, webmap, scale  <  ui, cli  <  app

  (``data/`` is the embedded demo and its generator; ``layers.policy`` reads its files).
* **no cycle**: no module reaches itself through imports that run (``TYPE_CHECKING`` imports
  never run, so they are left out of this rule only). Importing ``a.b.c`` also runs the
  packages ``a`` and ``a.b``, so those count as imported too.

A failure lists each offending import as ``module:line imports target`` — move the shared
piece down a level (see docs/reference/development.md) rather than hiding the import.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from itertools import pairwise
from pathlib import Path

from tests.conftest import ROOT

ORDER: tuple[tuple[str, ...], ...] = (
    ("geo", "data"),
    ("layers",),
    ("charts", "exports", "webmap", "scale"),
    ("ui", "cli"),
    ("app",),
)
"""The Architecture table's order, lowest first; packages on one row may import each other."""

LEVEL: dict[str, int] = {top: i for i, row in enumerate(ORDER) for top in row}


def _module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def project_modules() -> dict[str, Path]:
    """Module name → file, for every module of the packages in :data:`ORDER`."""
    modules = {}
    for top in LEVEL:
        single = ROOT / f"{top}.py"
        paths = [single] if single.exists() else sorted((ROOT / top).rglob("*.py"))
        for path in paths:
            modules[_module_name(path)] = path
    return modules


def _type_checking_lines(tree: ast.Module) -> set[int]:
    lines: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            for inner in node.body:
                lines.update(range(inner.lineno, (inner.end_lineno or inner.lineno) + 1))
    return lines


def _targets(node: ast.Import | ast.ImportFrom, name: str, is_package: bool,
             modules: dict[str, Path]) -> Iterator[str]:
    if isinstance(node, ast.Import):
        bases = [alias.name for alias in node.names]
    else:
        base = node.module or ""
        if node.level:
            package = name if is_package else name.rpartition(".")[0]
            for _ in range(node.level - 1):
                package = package.rpartition(".")[0]
            base = f"{package}.{base}".strip(".")
        bases = [base] + [f"{base}.{alias.name}" for alias in node.names]
    for base in bases:
        parts = base.split(".")
        for i in range(1, len(parts) + 1):  # a.b.c runs a and a.b first
            target = ".".join(parts[:i])
            if target in modules and not (name == target or name.startswith(f"{target}.")):
                yield target


def import_edges() -> list[tuple[str, int, str, bool]]:
    """Every (module, line, imported project module, runs) of the project."""
    modules = project_modules()
    edges = []
    for name, path in modules.items():
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        typing_only = _type_checking_lines(tree)
        for node in ast.walk(tree):
            if isinstance(node, ast.Import | ast.ImportFrom):
                for target in _targets(node, name, path.name == "__init__.py", modules):
                    edges.append((name, node.lineno, target, node.lineno not in typing_only))
    return edges


def _level(module: str) -> int:
    return LEVEL[module.partition(".")[0]]


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    for start in sorted(graph):
        if start in index:
            continue
        work = [(start, iter(sorted(graph[start])))]
        index[start] = low[start] = len(index)
        stack.append(start)
        on_stack.add(start)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = len(index)
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph.get(child, ())))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                if len(component) > 1:
                    found.append(sorted(component))
    return found


def test_the_graph_is_read():
    edges = import_edges()
    pairs = {(a, b) for a, _, b, _ in edges}
    assert ("layers.io", "layers.formats.dxf") in pairs  # a top-level import
    assert ("cli.availability", "cli.availability_dask") in pairs  # a function-local one
    assert ("exports.excel", "layers.cells") in pairs
    assert ("layers.io", "layers.formats") in pairs  # the package of layers.formats.dxf runs too


def test_no_import_climbs_the_architecture_order():
    climbing = sorted({f"{a}:{line} imports {b} ({a.partition('.')[0]} is below "
                      f"{b.partition('.')[0]})"
                       for a, line, b, _ in import_edges() if _level(b) > _level(a)})
    assert climbing == [], "\n".join(climbing)


def test_no_import_cycle():
    graph: dict[str, set[str]] = {}
    lines: dict[tuple[str, str], int] = {}
    for a, line, b, runs in import_edges():
        if runs:
            graph.setdefault(a, set()).add(b)
            lines.setdefault((a, b), line)
    report = []
    for component in _cycles(graph):
        path = _shortest_cycle(graph, set(component))
        steps = " → ".join(f"{a}:{lines[a, b]} imports {b}" for a, b in pairwise(path))
        report.append(f"{steps}  ({len(component)} modules in this knot: {component})")
    assert report == [], "\n".join(report)


def _shortest_cycle(graph: dict[str, set[str]], members: set[str]) -> list[str]:
    """One shortest cycle through the first member, inside ``members`` (first = last)."""
    start = min(members)
    previous: dict[str, str] = {}
    queue = [start]
    for node in queue:
        for child in sorted(graph.get(node, ())):
            if child == start:
                path = [node]
                while path[-1] != start:
                    path.append(previous[path[-1]])
                return [*reversed(path), start]
            if child in members and child not in previous:
                previous[child] = node
                queue.append(child)
    raise AssertionError(f"no cycle through {start}")


def test_cycle_finder_finds_a_cycle():
    graph = {"a": {"b"}, "b": {"c", "d"}, "c": {"a"}, "d": {"e"}, "e": {"a"}, "f": {"a"}}
    assert _cycles(graph) == [["a", "b", "c", "d", "e"]]
    assert _shortest_cycle(graph, {"a", "b", "c", "d", "e"}) == ["a", "b", "c", "a"]
    assert _cycles({"a": {"b"}, "b": set()}) == []


def test_the_readme_table_lists_the_packages_in_import_order():
    """The README's Architecture rows are the order this test enforces, lowest first: a
    newcomer reads the allowed direction of every import off the table."""
    import re

    text = (ROOT / "README.md").read_text(encoding="utf-8")
    table = text.split("[start:architecture]", 1)[1].split("[end:architecture]", 1)[0]
    folders = re.findall(r"^\| `([a-z_]+)/` \|", table, flags=re.MULTILINE)
    ranks = [LEVEL[f] for f in folders if f in LEVEL]
    assert set(folders) >= set(LEVEL) - {"app"}, f"packages missing from the table: {folders}"
    assert ranks == sorted(ranks), f"README Architecture rows out of import order: {folders}"

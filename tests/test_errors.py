"""One error root (:mod:`geo.errors`), caught by class in the CLI and the app (issue 26)."""

from __future__ import annotations

import ast
import importlib

import pytest

import cli
import ui.errors
from geo.errors import DataError, InstallError, InvestMapError
from layers.store import open_store
from tests import store_county as county
from tests.conftest import ROOT

PACKAGES = ("geo", "layers", "charts", "exports", "webmap", "scale", "ui", "cli")


def _modules_defining_classes() -> list[str]:
    names = []
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            tree = ast.parse(path.read_text(encoding="utf-8"))
            if any(isinstance(node, ast.ClassDef) for node in tree.body):
                names.append(".".join(path.relative_to(ROOT).with_suffix("").parts))
    return names


def _project_exceptions() -> list[type[BaseException]]:
    found = []
    for name in _modules_defining_classes():
        module = importlib.import_module(name.removesuffix(".__init__"))
        found += [obj for obj in vars(module).values()
                  if isinstance(obj, type) and issubclass(obj, BaseException)
                  and obj.__module__ == module.__name__]
    return found


def test_every_project_exception_has_the_root():
    classes = _project_exceptions()
    assert len(classes) >= 28, [c.__name__ for c in classes]  # 3 roots + 28 leaves today
    stray = [f"{c.__module__}.{c.__name__}" for c in classes if not issubclass(c, InvestMapError)]
    assert stray == [], "derive these from a geo.errors root: " + ", ".join(stray)


@pytest.mark.parametrize(("module", "name", "root"), [
    ("layers.io", "ReadError", DataError),
    ("layers.formats.guards", "GuardError", DataError),
    ("layers.formats.textcodec", "EncodingError", DataError),
    ("layers.formats.gk", "GKError", DataError),
    ("layers.validate", "ValidationError", DataError),
    ("layers.importing", "ImportOptionError", DataError),
    ("layers.county", "MissingLayerError", DataError),
    ("layers.policy", "PolicyError", DataError),
    ("layers.chains", "ChainsError", DataError),
    ("layers.site_settings", "SettingsError", DataError),
    ("geo.crs", "CRSError", DataError),
    ("geo.compliance", "BoundaryError", DataError),
    ("layers.store", "EditError", DataError),
    ("layers.store", "StaleVersionError", DataError),
    ("layers.store.loading", "LoadRefused", DataError),
    ("exports.common", "ExportError", DataError),
    ("layers.store", "StoreError", InvestMapError),
    ("webmap.assets", "AssetError", InstallError),
    ("exports.fonts", "FontNotFoundError", InstallError),
    ("charts.chain_diagram", "ChartFontError", InstallError),
    ("cli.common", "UserError", InvestMapError),
])
def test_errors_keep_their_names_under_the_root(module, name, root):
    cls = getattr(importlib.import_module(module), name)
    assert issubclass(cls, root)


def test_data_errors_stay_value_errors_and_missing_layer_a_key_error():
    from layers.county import MissingLayerError

    assert issubclass(DataError, ValueError) and issubclass(InstallError, RuntimeError)
    assert issubclass(MissingLayerError, KeyError)
    assert str(MissingLayerError("demo.gpkg: no layer 'park'")) == "demo.gpkg: no layer 'park'"


class RenamedReadError(DataError):
    """A data error the app has never heard of by name."""


@pytest.fixture
def store_path(tmp_path) -> str:
    path = str(tmp_path / "store.gpkg")
    with open_store(path) as store:
        county.fill(store)
    return path


def test_cli_reports_a_bad_file_with_exit_2(tmp_path, capsys):
    broken = tmp_path / "parks.csv"
    broken.write_text("name,lon,lat\nA,abc,38.9\n", encoding="utf-8")
    assert cli.main(["validate", str(broken), "--layer", "park"]) == 2
    err = capsys.readouterr().err
    assert f"investmap validate: error: {broken}:\n  line 2: lon/lat 'abc'" in err


@pytest.mark.parametrize("exc", [RenamedReadError("parks.csv: row 3: bad; fix: x"),
                                 InstallError("fonts missing; fix: y")])
def test_cli_catches_any_project_error_by_class(monkeypatch, capsys, exc):
    import cli.validate

    def fails(args):
        raise exc

    monkeypatch.setattr(cli.validate, "run", fails)
    assert cli.main(["validate", str(ROOT / "data" / "demo.gpkg")]) == 2
    assert capsys.readouterr().err == f"investmap validate: error: {exc}\n"


def test_cli_maps_a_stale_edit_to_exit_3_and_other_edit_errors_to_2(store_path, capsys):
    edit = ["edit", "parcel", "B", "--user", "alice", "--reason", "r", "--data", store_path]
    assert cli.main([*edit, "--set", "status=reserved", "--expect-version", "1"]) == 0
    assert cli.main([*edit, "--set", "status=reserve", "--expect-version", "1"]) == 3
    err = capsys.readouterr().err
    assert "investmap edit: refused:" in err and "stored version is 2" in err
    assert cli.main([*edit, "--set", "status=nonsense"]) == 2
    assert "investmap edit: error:" in capsys.readouterr().err


def test_cli_lets_a_program_error_through(monkeypatch):
    import cli.validate

    def broken(args):
        raise ValueError("a bug, not a user error")

    monkeypatch.setattr(cli.validate, "run", broken)
    with pytest.raises(ValueError, match="a bug"):
        cli.main(["validate", str(ROOT / "data" / "demo.gpkg")])


class _Page:
    """Records what :func:`ui.errors.show_error` puts on the page."""

    def __init__(self) -> None:
        self.shown: list[str] = []

    def error(self, text: str) -> None:
        self.shown.append(text)

    def text(self, text: str) -> None:
        self.shown.append(text)


@pytest.mark.parametrize(("exc", "data"), [
    (RenamedReadError("parks.csv: row 3: bad"), True),
    (ui.errors.StoreError("store.gpkg: busy"), True),
    (ValueError("a bug"), False),
])
def test_app_recognises_data_errors_by_class(monkeypatch, exc, data):
    page = _Page()
    monkeypatch.setattr(ui.errors, "st", page)
    monkeypatch.setattr(ui.errors, "is_staff", lambda: False)
    monkeypatch.setattr(ui.errors, "pick", lambda pair: pair[1])
    ui.errors.show_error(exc, where="test")
    assert ("county data has an error" in page.shown[0]) is data

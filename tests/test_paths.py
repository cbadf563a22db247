"""One home for everything writable: INVESTMAP_HOME, else the checkout, else the user folder."""

from __future__ import annotations

import runpy
from pathlib import Path

import pytest

from layers import paths


def test_a_checkout_is_its_own_home(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(paths.HOME_ENV, raising=False)
    monkeypatch.delenv(paths.STATE_ENV, raising=False)
    root = Path(__file__).resolve().parents[1]
    assert paths.source_checkout()
    assert paths.home() == root
    assert paths.static_dir() == root / "static"
    assert paths.vendor_dir() == root / "static" / "vendor"
    assert paths.tiles_dir() == root / "static" / "tiles"
    assert paths.store_path() == root / "data" / "store.gpkg"
    assert paths.state_dir() == root / "state"
    assert paths.main_script() == root / "app.py"
    assert paths.write_launcher() == root / "app.py"  # nothing written in a checkout


def test_investmap_home_holds_every_writable_path(monkeypatch: pytest.MonkeyPatch,
                                                  tmp_path: Path) -> None:
    monkeypatch.setenv(paths.HOME_ENV, str(tmp_path))
    monkeypatch.delenv(paths.STATE_ENV, raising=False)
    for path in (paths.static_dir(), paths.vendor_dir(), paths.tiles_dir(), paths.store_path(),
                 paths.state_dir(), paths.main_script()):
        assert tmp_path in path.parents
    monkeypatch.setenv(paths.STATE_ENV, str(tmp_path / "elsewhere"))
    assert paths.state_dir() == tmp_path / "elsewhere"


def test_the_user_folder_follows_xdg(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setattr(paths.sys, "platform", "linux")
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path))
    assert paths.user_data_dir() == tmp_path / "investmap"
    monkeypatch.delenv("XDG_DATA_HOME")
    assert paths.user_data_dir() == Path.home() / ".local" / "share" / "investmap"


def test_the_launcher_runs_the_installed_app(monkeypatch: pytest.MonkeyPatch,
                                             tmp_path: Path) -> None:
    app = tmp_path / "site" / "app.py"
    app.parent.mkdir()
    app.write_text("import builtins\nbuiltins.investmap_ran = __file__\n", encoding="utf-8")
    monkeypatch.setattr(paths, "APP_SCRIPT", app)
    monkeypatch.setenv(paths.HOME_ENV, str(tmp_path / "home"))
    script = paths.write_launcher()
    assert script == tmp_path / "home" / paths.LAUNCHER
    first = script.stat().st_mtime_ns
    assert paths.write_launcher() == script and script.stat().st_mtime_ns == first
    import builtins

    runpy.run_path(str(script))
    assert builtins.investmap_ran == str(app)  # type: ignore[attr-defined]
    del builtins.investmap_ran  # type: ignore[attr-defined]


def test_serve_names_a_home_it_cannot_use(monkeypatch: pytest.MonkeyPatch,
                                          tmp_path: Path) -> None:
    from ui.serve import HomeError, prepare_home

    blocker = tmp_path / "a-file"
    blocker.write_text("", encoding="utf-8")
    monkeypatch.setenv(paths.HOME_ENV, str(blocker / "home"))
    with pytest.raises(HomeError, match=r"INVESTMAP_HOME") as info:
        prepare_home()
    assert str(blocker / "home") in str(info.value)

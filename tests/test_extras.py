"""A missing optional extra is named with the command that installs it."""

from __future__ import annotations

import pytest

from layers import extras
from layers.extras import MissingExtraError, require
from layers.store import StoreError, open_store


def test_installed_extras_pass() -> None:
    require("dask")
    require("postgis")  # make installs every extra


def test_a_missing_extra_names_pip_install(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(extras.EXTRAS, "dask", ("the Dask engine", ("dask", "no_such_mod_x")))
    with pytest.raises(MissingExtraError, match=r"pip install 'investmap\[dask\]'") as info:
        require("dask")
    assert "no_such_mod_x" in str(info.value) and "dask," not in str(info.value)


def test_a_postgis_url_without_the_extra_is_a_store_error(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(extras.EXTRAS, "postgis", ("a PostGIS store", ("no_such_psycopg",)))
    with pytest.raises(StoreError, match=r"investmap\[postgis\]"):
        open_store("postgresql://nobody@127.0.0.1:1/none")


def test_the_cli_prints_the_missing_extra(monkeypatch: pytest.MonkeyPatch,
                                          capsys: pytest.CaptureFixture[str], tmp_path) -> None:
    from cli import main

    monkeypatch.setitem(extras.EXTRAS, "dask", ("the Dask engine", ("no_such_dask",)))
    code = main(["availability", "--engine", "dask", "--out", str(tmp_path / "a.csv")])
    assert code == 2
    assert "pip install 'investmap[dask]'" in capsys.readouterr().err

"""protomaps-leaflet tarball: integrity pinned, the bundle extracted, bad downloads refused."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.test_draw_assets import _integrity, _tarball  # the same npm tarball shape
from webmap import vtile_assets
from webmap.assets import AssetError


def _pinned(monkeypatch: pytest.MonkeyPatch, data: bytes) -> None:
    monkeypatch.setattr(vtile_assets, "_download", lambda url: data)
    monkeypatch.setattr(vtile_assets, "INTEGRITY", _integrity(data))


def test_bundle_of_a_verified_tarball_is_installed(tmp_path: Path, monkeypatch) -> None:
    data = _tarball({vtile_assets.BUNDLE: b"var protomapsL = {};"})
    _pinned(monkeypatch, data)
    assert not vtile_assets.installed(tmp_path)
    [out] = vtile_assets.install(tmp_path)
    assert out.read_bytes() == b"var protomapsL = {};" and vtile_assets.installed(tmp_path)
    assert vtile_assets.bundle_url().endswith("/protomaps-leaflet/protomaps-leaflet.js")


def test_tampered_tarball_is_refused_and_nothing_written(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setattr(vtile_assets, "_download", lambda url: b"not the pinned tarball")
    with pytest.raises(AssetError, match="protomaps-leaflet@5.1.0 tarball .* integrity"):
        vtile_assets.install(tmp_path)
    assert not vtile_assets.installed(tmp_path)


def test_tarball_without_the_bundle_names_the_fix(tmp_path: Path, monkeypatch) -> None:
    _pinned(monkeypatch, _tarball({"other.js": b""}))
    with pytest.raises(AssetError, match="lacks dist/protomaps-leaflet.js"):
        vtile_assets.install(tmp_path)

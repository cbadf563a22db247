"""Leaflet.draw tarball: integrity pinned, files extracted, bad downloads refused."""

from __future__ import annotations

import base64
import hashlib
import io
import tarfile
from pathlib import Path

import pytest

from layers.paths import vendor_dir
from webmap import draw_assets
from webmap.assets import AssetError


def _tarball(files: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as archive:
        for name, data in files.items():
            info = tarfile.TarInfo(f"package/dist/{name}")
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))
    return buffer.getvalue()


def _integrity(data: bytes) -> str:
    return "sha512-" + base64.b64encode(hashlib.sha512(data).digest()).decode()


def test_tarball_with_matching_digest_is_extracted(tmp_path: Path) -> None:
    files = {name: f"content of {name}".encode() for name in draw_assets._FILES}
    data = _tarball(files)
    draw_assets.verify_integrity(data, _integrity(data))
    written = draw_assets.extract(data, tmp_path / "leaflet-draw")
    assert [p.read_bytes() for p in written] == list(files.values())
    assert draw_assets.installed(tmp_path)


def test_tampered_tarball_is_refused_with_a_fix() -> None:
    data = _tarball({"leaflet.draw.js": b"x"})
    with pytest.raises(AssetError, match="integrity check; fix:"):
        draw_assets.verify_integrity(data + b"tampered", _integrity(data))


def test_tarball_missing_a_file_names_it(tmp_path: Path) -> None:
    data = _tarball({"leaflet.draw.js": b"x"})
    with pytest.raises(AssetError, match="lacks dist/leaflet.draw.css"):
        draw_assets.extract(data, tmp_path)


def test_unreachable_registry_names_the_mirror_setting(monkeypatch, tmp_path: Path) -> None:
    monkeypatch.setenv("INVESTMAP_NPM_REGISTRY", "http://127.0.0.1:9/")
    assert draw_assets.registry_url() == "http://127.0.0.1:9"
    with pytest.raises(AssetError, match="INVESTMAP_NPM_REGISTRY"):
        draw_assets.install(tmp_path)


def test_installed_files_match_the_pinned_release() -> None:
    """The files `investmap assets` installed are the 1.0.4 release's (a real download)."""
    if not draw_assets.installed():
        pytest.fail("run `investmap assets` first (make test does)")
    js = (vendor_dir() / "leaflet-draw" / "leaflet.draw.js").read_text()
    assert "1.0.4" in js[:400]

"""Upload staging keeps same-named files apart, every upload page takes the policy's limit and
leaves no temporary folder behind (issue 27, causes 4 and 8)."""

from __future__ import annotations

import io
import re
import zipfile

import pytest

from layers.io import ReadError
from layers.policy import load_policy
from layers.uploads import stage_upload, upload_folder, upload_limit_mb
from tests.conftest import ROOT


def _zip(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def test_same_named_files_in_two_folders_of_a_zip_stay_apart(tmp_path):
    upload = _zip({"2023/地块.csv": b"a\n2023\n", "2024/地块.csv": b"a\n2024\n"})
    mains = stage_upload([("两年.zip", upload)], tmp_path, max_bytes=2**20)
    assert sorted(str(p.relative_to(tmp_path)) for p in mains) == ["2023/地块.csv",
                                                                  "2024/地块.csv"]
    assert sorted(p.read_bytes() for p in mains) == [b"a\n2023\n", b"a\n2024\n"]


def test_zip_paths_cannot_escape_the_folder(tmp_path):
    folder = tmp_path / "up"
    mains = stage_upload([("x.zip", _zip({"../../evil.csv": b"a\n1\n",
                                          "/abs/b.csv": b"a\n2\n"}))], folder, max_bytes=2**20)
    assert all(folder in p.parents for p in mains)
    assert not (tmp_path / "evil.csv").exists()


def test_two_uploads_of_one_name_are_refused_not_overwritten(tmp_path):
    with pytest.raises(ReadError, match="two files named '地块.csv'"):
        stage_upload([("地块.csv", b"a\n1\n"), ("地块.csv", b"a\n2\n")], tmp_path,
                     max_bytes=2**20)


def test_upload_folder_is_removed_after_the_run_also_on_error():
    with upload_folder() as folder:
        (folder / "x.csv").write_bytes(b"a")
    assert not folder.exists()
    with pytest.raises(RuntimeError), upload_folder() as folder:
        raise RuntimeError("rerun")
    assert not folder.exists()


def test_errors_inside_name_the_upload_without_the_folder():
    with pytest.raises(ReadError) as caught, upload_folder() as folder:
        raise ReadError(f"{folder}/边界.geojson: no CRS; fix: choose one")
    assert str(caught.value) == "边界.geojson: no CRS; fix: choose one"


def test_every_upload_page_passes_the_policy_limit():
    """A page with an uploader and no ``max_upload_size`` would take Streamlit's 200 MB."""
    assert upload_limit_mb(load_policy()) == 50.0
    pages = [p for p in (ROOT / "ui").rglob("*.py") if "st.file_uploader(" in p.read_text()]
    assert {p.name for p in pages} >= {"import_page.py", "compliance_page.py"}
    for page in pages:
        calls = re.findall(r"st\.file_uploader\((.*?)\)\n", page.read_text(), flags=re.S)
        assert calls and all("max_upload_size=" in c and "upload_limit_mb" in page.read_text()
                             for c in calls), page.name
        assert "mkdtemp(" not in page.read_text(), page.name

"""A write that the system refuses (file-size limit, full disk) is a message naming the file
and the fix, never a bare "[Errno 27] File too large" (issue 27, cause 6)."""

from __future__ import annotations

import errno
import resource
import subprocess
import sys

import pytest

from exports.common import ExportError, atomic_output
from tests.conftest import ROOT


def test_atomic_output_names_the_file_and_the_fix(tmp_path):
    out = tmp_path / "book.xlsx"
    with pytest.raises(ExportError) as caught, atomic_output(out):
        raise OSError(errno.EFBIG, "File too large")
    text = str(caught.value)
    assert str(out) in text and "File too large" in text and "fix:" in text
    assert list(tmp_path.iterdir()) == []


def test_an_input_error_is_not_called_a_write_error(tmp_path):
    with pytest.raises(FileNotFoundError), atomic_output(tmp_path / "x.pdf"):
        raise FileNotFoundError(errno.ENOENT, "No such file", "font.ttf")


def _limited(limit: int):  # noqa: ANN202 - a preexec function
    def apply() -> None:
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))
    return apply


@pytest.mark.parametrize(("command", "name"), [("export-excel", "x.xlsx"),
                                               ("export-html", "x.html")])
def test_export_under_a_file_size_limit(tmp_path, command, name):
    out = tmp_path / name
    done = subprocess.run([sys.executable, "-m", "cli", command, "--out", str(out)],
                          capture_output=True, text=True, cwd=ROOT, timeout=600,
                          preexec_fn=_limited(4096))
    assert done.returncode in (1, 2), done.stderr[-2000:]
    assert "Traceback" not in done.stderr and "Exception ignored" not in done.stderr
    assert f"{out}: cannot write the file (File too large); fix:" in done.stderr
    assert list(tmp_path.iterdir()) == []

"""``pip install .`` outside the checkout: a wheel built from the tracked files, installed into
a clean venv in a temporary folder, runs the CLI and the app on its package data, writes only
into ``INVESTMAP_HOME`` and never into site-packages.

Slow (a real wheel build and a real install from the package index, ~20 s; the install is
timed and printed). Two things keep it short without changing what it proves: the venv is made
without pip (``--without-pip``: ensurepip costs ~8 s) and this interpreter's pip installs into
it (``pip --python``); pip does not byte-compile the ~900 MB of dependencies
(``--no-compile``: two thirds of the install time), and the installed commands write the
bytecode of what they import under ``PYTHONPYCACHEPREFIX``, outside site-packages, so the
check that nothing is written into site-packages still holds for everything the app writes.
"""

from __future__ import annotations

import csv
import os
import shutil
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
pytestmark = pytest.mark.slow


@dataclass(frozen=True)
class Install:
    """A clean venv holding the wheel, the InvestMap home it uses and the environment."""

    venv: Path
    home: Path
    work: Path
    env: dict[str, str]

    @property
    def investmap(self) -> str:
        return str(self.venv / "bin" / "investmap")

    def run(self, *args: str, timeout: float = 300) -> subprocess.CompletedProcess:
        return subprocess.run([self.investmap, *args], cwd=self.work, env=self.env,
                              capture_output=True, text=True, timeout=timeout)


def _site_packages(venv: Path) -> Path:
    found = list((venv / "lib").glob("python3*/site-packages"))
    assert len(found) == 1, found
    return found[0]


def _snapshot(folder: Path) -> dict[str, tuple[int, int]]:
    """Every file under ``folder`` with its size and modification time."""
    out = {}
    for path in folder.rglob("*"):
        if path.is_file():
            st = path.stat()
            out[str(path.relative_to(folder))] = (st.st_size, st.st_mtime_ns)
    return out


def _tracked_copy(dest: Path) -> Path:
    """The checkout's tracked (and new, not ignored) files, so the wheel never picks up a
    local store or build folder."""
    listed = subprocess.run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
                            cwd=ROOT, capture_output=True, check=True).stdout.decode()
    for rel in filter(None, listed.split("\0")):
        src = ROOT / rel
        if not os.path.lexists(src) or src.is_dir():
            continue
        out = dest / rel
        out.parent.mkdir(parents=True, exist_ok=True)
        if src.is_symlink():
            out.symlink_to(os.readlink(src))
        else:
            shutil.copy2(src, out)
    return dest


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Install]:
    base = tmp_path_factory.mktemp("install")
    assert ROOT not in base.parents
    t0 = time.perf_counter()
    src = _tracked_copy(base / "src")
    wheels = base / "wheels"
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "-w",
                    str(wheels), str(src)], check=True, capture_output=True, timeout=600)
    (wheel,) = wheels.glob("investmap-*.whl")
    t1 = time.perf_counter()
    venv = base / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True,
                   timeout=300)
    subprocess.run([sys.executable, "-m", "pip", "--python", str(venv / "bin" / "python"),
                    "install", "--quiet", "--no-compile", str(wheel)],
                   check=True, capture_output=True, timeout=1200)
    t2 = time.perf_counter()
    print(f"\nwheel built in {t1 - t0:.0f} s, installed with its dependencies in {t2 - t1:.0f} s "
          f"(load {os.getloadavg()[0]:.1f})")
    work = base / "work"
    work.mkdir()
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("INVESTMAP_", "PYTHON", "VIRTUAL_ENV"))}
    env.update(INVESTMAP_HOME=str(base / "home"), INVESTMAP_BASEMAP="none",
               XDG_CACHE_HOME=str(base / "cache"), MPLCONFIGDIR=str(base / "mpl"),
               PYTHONPYCACHEPREFIX=str(base / "pycache"),
               PATH=f"{venv / 'bin'}{os.pathsep}{env.get('PATH', '')}")
    yield Install(venv=venv, home=base / "home", work=work, env=env)


@pytest.fixture(scope="module")
def before(installed: Install) -> dict[str, tuple[int, int]]:
    return _snapshot(_site_packages(installed.venv))


def test_the_wheel_holds_the_app_and_its_data_not_the_checkouts_state(
        installed: Install, before: dict[str, tuple[int, int]]) -> None:
    names = set(before)
    assert {"app.py", "ui/streamlit_config.toml", "ui/map_page.py", "data/demo.gpkg",
            "data/policy.yaml", "data/users.yaml", "layers/paths.py"} <= names
    assert not any(n.startswith(("static/", "state/")) or n.endswith("store.gpkg")
                   for n in names)


def test_help_lists_every_command(installed: Install, before: dict) -> None:
    from cli import COMMANDS

    result = installed.run("--help")
    assert result.returncode == 0, result.stderr
    assert all(c.name in result.stdout for c in COMMANDS)


def test_availability_runs_on_the_demo_package_data(installed: Install, before: dict) -> None:
    out = installed.work / "availability.csv"
    result = installed.run("availability", "--out", str(out))
    assert result.returncode == 0, result.stderr
    with open(out, encoding="utf-8-sig") as handle:
        rows = list(csv.DictReader(handle))
    assert len(rows) == 2000
    assert {r["available"] for r in rows} == {"True", "False"}


def test_a_missing_extra_is_named_with_its_install_command(installed: Install,
                                                           before: dict) -> None:
    result = installed.run("availability", "--engine", "dask", "--out",
                           str(installed.work / "x.csv"))
    assert result.returncode == 2
    assert "pip install 'investmap[dask]'" in result.stderr
    assert "Traceback" not in result.stderr


def test_the_default_store_is_made_in_the_home(installed: Install, before: dict) -> None:
    result = installed.run("history", "parcel", "QF-0001")
    assert result.returncode == 0, result.stderr
    assert (installed.home / "data" / "store.gpkg").is_file()


def test_serve_answers_and_draws_the_map(installed: Install, before: dict) -> None:
    from playwright.sync_api import sync_playwright

    from tests.e2e.conftest import CHROMIUM_ARGS, map_frame, wait_ready
    from ui.serve import free_port

    port = free_port()
    url = f"http://127.0.0.1:{port}"
    log = installed.work / "serve.log"
    with open(log, "w") as handle:
        proc = subprocess.Popen([installed.investmap, "serve", "--port", str(port), "--address",
                                 "127.0.0.1"], cwd=installed.work, env=installed.env,
                                stdout=handle, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 120
        while True:
            assert proc.poll() is None, log.read_text()
            try:
                with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as resp:
                    if resp.status == 200:
                        break
            except OSError:
                pass
            assert time.monotonic() < deadline, log.read_text()
            time.sleep(0.2)
        leaflet = f"{url}/app/static/vendor/leaflet/leaflet.js"
        with urllib.request.urlopen(leaflet, timeout=10) as resp:
            assert resp.status == 200
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
            page = browser.new_page(viewport={"width": 1400, "height": 1000}, locale="zh-CN")
            page.set_default_timeout(60_000)
            page.goto(url)
            wait_ready(page)
            frame = map_frame(page)
            assert frame.locator(".leaflet-overlay-pane path, .leaflet-overlay-pane canvas") \
                .count() > 0
            assert page.get_by_text("招商地图").count() > 0
            browser.close()
    finally:
        proc.terminate()
        proc.wait(timeout=20)
    assert (installed.home / "investmap_app.py").is_file()
    assert (installed.home / "static" / "vendor" / "leaflet" / "leaflet.js").is_file()


def test_nothing_was_written_into_site_packages(installed: Install,
                                                before: dict[str, tuple[int, int]]) -> None:
    after = _snapshot(_site_packages(installed.venv))
    added = sorted(set(after) - set(before))
    changed = sorted(n for n in set(after) & set(before) if after[n] != before[n])
    assert not added and not changed, (added[:20], changed[:20])

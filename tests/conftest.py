"""Shared fixtures: the demo county, a CLI runner and hand-checkable geometries; one
InvestMap home per test process; the order in which ``pytest -n 2 --dist loadscope`` (``make
test``) hands the test modules to its workers."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[1]
HOME_ENV = "INVESTMAP_HOME"  # layers.paths.HOME_ENV (not imported: see pytest_configure)
LONGEST_FIRST = (
    "tests/test_brochure.py",
    "tests/test_install.py",
    "tests/test_dask_engine.py",
    "tests/e2e/test_staff_forms_e2e.py",
    "tests/e2e/test_compliance_e2e.py",
    "tests/e2e/test_vector_map.py",
    "tests/e2e/test_settings_e2e.py",
    "tests/e2e/test_publish_e2e.py",
    "tests/e2e/test_import_page.py",
    "tests/e2e/test_vector_delta_e2e.py",
    "tests/test_fuzz_readers.py",
    "tests/test_sites.py",
    "tests/test_ledger_cli.py",
)
"""The test modules that take longest (``--durations``), longest first: ``make test`` hands
them out first, then the other browser modules (``tests/e2e/``), then the rest, so the many
short modules come last and fill in until both workers finish at about the same time. Only
an order: a module left out still runs (``tests/test_suite_marks.py`` checks that each one
exists)."""
E2E_PREFIX = "tests/e2e/"

pytest_plugins = ["tests.pg_cluster"]  # postgis_cluster / postgis_url fixtures

POSTGIS = pytest.param("postgis", marks=(pytest.mark.postgis, pytest.mark.slow))
"""The PostGIS backend as a parameter: it starts a real server, so `slow` (``make test-fast``
leaves it out, ``make test`` runs it)."""
BACKENDS = ("gpkg", POSTGIS)
"""Both store backends, for ``@pytest.fixture(params=BACKENDS)``."""

_MAIN = sys.modules["__main__"]
_HOME = pytest.StashKey[tuple[Path, str | None]]()


def pytest_configure(config: pytest.Config) -> None:
    """Give this test process its own InvestMap home (``INVESTMAP_HOME``): the published
    vector tiles, the default store, ``state/`` and the launcher go there, never into the
    checkout, and two xdist workers never share them (a tile archive half-written by one
    worker, a store the other edits). The checkout's offline assets (``static/vendor``,
    installed by ``make test``) are copied in. Runs before any test module is imported:
    ``webmap.tiles`` reads the home when it is imported."""
    home = Path(tempfile.mkdtemp(prefix="investmap-test-home-"))
    vendor = ROOT / "static" / "vendor"
    if vendor.is_dir():
        shutil.copytree(vendor, home / "static" / "vendor", symlinks=True)
    config.stash[_HOME] = (home, os.environ.get(HOME_ENV))
    os.environ[HOME_ENV] = str(home)


def pytest_unconfigure(config: pytest.Config) -> None:
    if _HOME not in config.stash:
        return
    home, before = config.stash[_HOME]
    if before is None:
        os.environ.pop(HOME_ENV, None)
    else:
        os.environ[HOME_ENV] = before
    shutil.rmtree(home, ignore_errors=True)


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_make_scheduler(config: pytest.Config, log: Any) -> Any:
    """``--dist loadscope`` (``make test``) as this suite needs it: each test module goes to
    one worker (its module-scoped fixtures — a Dask cluster, an installed wheel, an app
    server, Chromium — are made once): the modules of :data:`LONGEST_FIRST` in its order,
    then the other browser modules, then the rest (most tests first). Each worker has its own
    InvestMap home, PostGIS server, app servers and session app (``tests/e2e/conftest.py``),
    so browser modules run on both.
    (``xdist_group`` marks cannot do this: pytest-xdist 3.8 renames node ids in a way pytest 9
    ignores.)"""
    if config.getoption("dist") != "loadscope":
        return None
    from xdist.scheduler import LoadScopeScheduling

    rank = {module: i for i, module in enumerate(LONGEST_FIRST)}

    def order(module: str) -> int:
        return rank.get(module, len(rank) + (0 if module.startswith(E2E_PREFIX) else 1))

    class ModuleScheduling(LoadScopeScheduling):
        def _split_scope(self, nodeid: str) -> str:
            return nodeid.split("::", 1)[0]

        def _assign_work_unit(self, node: Any) -> None:
            # the queue is ordered by number of tests: move the longest module to its head
            first = min(self.workqueue, key=order)
            self.workqueue.move_to_end(first, last=False)
            super()._assign_work_unit(node)

    return ModuleScheduling(config, log)


@pytest.fixture(autouse=True)
def _restore_main_module():
    """Streamlit's AppTest runs a page as ``__main__`` and leaves it there; a process that
    ``spawn``s later would re-run that page in its child (and die on its login check)."""
    yield
    if sys.modules.get("__main__") is not _MAIN:
        sys.modules["__main__"] = _MAIN


@pytest.fixture(scope="session")
def demo_county():
    from layers.county import load_county

    return load_county()


@pytest.fixture(scope="session")
def policy():
    from layers.policy import load_policy

    return load_policy()


def run_cli(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess:
    """Run ``investmap ARGS`` in this process through :func:`cli.main` and return what a
    subprocess would: the exit status, stdout and stderr (argparse errors, log records of
    level WARNING and up, warnings and a traceback of an unexpected exception included), in
    the folder ``cwd`` (default: the checkout). Environment variables the command sets are
    undone afterwards, as they would die with a process. A subprocess costs 1–2 s of imports
    per command; :func:`run_cli_process` is for what only a process shows (the console entry,
    a clean interpreter)."""
    import contextlib
    import io
    import logging
    import traceback
    import warnings

    from cli import main

    out, err = io.StringIO(), io.StringIO()
    handler = logging.StreamHandler(err)  # what Python's last-resort handler would print
    handler.setLevel(logging.WARNING)
    root = logging.getLogger()
    environ = dict(os.environ)
    root.addHandler(handler)
    try:
        with contextlib.chdir(cwd or ROOT), contextlib.redirect_stdout(out), \
                contextlib.redirect_stderr(err), warnings.catch_warnings():
            warnings.simplefilter("default")
            warnings.showwarning = lambda message, category, filename, lineno, file=None, \
                line=None: err.write(warnings.formatwarning(message, category, filename,
                                                            lineno, line))
            try:
                code = main(list(args))
            except SystemExit as exc:  # argparse, --help
                code = _exit_code(exc.code, err)
            except Exception:  # noqa: BLE001 - a process would print it and exit 1
                traceback.print_exc(file=err)
                code = 1
    finally:
        root.removeHandler(handler)
        os.environ.clear()
        os.environ.update(environ)
    return subprocess.CompletedProcess(["investmap", *args], code, out.getvalue(),
                                       err.getvalue())


def _exit_code(code: object, err: Any) -> int:
    """The status ``sys.exit(code)`` gives a process (a message goes to stderr, status 1)."""
    if code is None:
        return 0
    if isinstance(code, int):
        return code
    print(code, file=err)
    return 1


def run_cli_process(*args: str, cwd: Path | None = None,
                    timeout: float = 600) -> subprocess.CompletedProcess:
    """Run ``investmap ARGS`` in a subprocess through the console entry
    (``python -m cli``), as a user would."""
    return subprocess.run([sys.executable, "-m", "cli", *args], capture_output=True, text=True,
                          cwd=cwd or ROOT, timeout=timeout)


@pytest.fixture
def cli():
    """:func:`run_cli`: ``investmap ARGS`` in this process."""
    return run_cli


@pytest.fixture
def cli_process():
    """:func:`run_cli_process`: ``investmap ARGS`` in a subprocess."""
    return run_cli_process

"""A throwaway PostgreSQL + PostGIS cluster for the storage tests (a pytest plugin).

The cluster lives in a temporary directory, listens on a free port on 127.0.0.1 only and is
stopped at the end of the session (each pytest-xdist worker starts its own: the workers never
share a server, a database or a port). ``initdb`` refuses to run as root, so as root (CI) every
server command runs as the ``postgres`` system user through ``runuser``; otherwise as the
current user. If the cluster cannot start the tests FAIL with the reason (never skip).

Fixtures
--------
postgis_cluster : session-wide :class:`Cluster`.
postgis_url : per test, a URL selecting a fresh, empty schema of a PostGIS database.
"""

from __future__ import annotations

import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

PG_BIN = Path(os.environ.get("INVESTMAP_PG_BIN", "/usr/lib/postgresql/15/bin"))
DATABASE = "investmap_test"
PORT_ATTEMPTS = 3
"""Ports tried when the chosen free port is taken before the server binds it."""


class ClusterError(RuntimeError):
    """The throwaway cluster could not be started; the message says why and how to fix it."""


@dataclass
class Cluster:
    """A running throwaway cluster: connect with :meth:`url`."""

    root: Path
    port: int
    run_as: str | None

    def url(self, dbname: str = "postgres") -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/{dbname}"

    def create_schema(self) -> str:
        """Create an empty schema in the PostGIS database; return a URL whose search_path
        selects it (PostGIS itself stays in ``public``)."""
        import psycopg

        name = f"t_{uuid.uuid4().hex[:12]}"
        with psycopg.connect(self.url(DATABASE), autocommit=True) as conn:
            conn.execute(f'CREATE SCHEMA "{name}"')
        return f"{self.url(DATABASE)}?options=-csearch_path%3D{name},public"

    def stop(self) -> None:
        _run(self, [str(PG_BIN / "pg_ctl"), "-D", str(self.root / "data"), "-m", "immediate",
                    "-w", "stop"], check=False)
        shutil.rmtree(self.root, ignore_errors=True)


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _run(cluster: Cluster, cmd: list[str], *, check: bool = True,
         timeout: float = 120) -> subprocess.CompletedProcess:
    if cluster.run_as:
        cmd = ["runuser", "-u", cluster.run_as, "--", *cmd]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout,
                          stdin=subprocess.DEVNULL, cwd=cluster.root)
    if check and proc.returncode != 0:
        raise ClusterError(f"{' '.join(cmd)} failed (exit {proc.returncode}):\n"
                           f"{proc.stdout}\n{proc.stderr}")
    return proc


def start_cluster(*, durable: bool = False) -> Cluster:
    """Initialise and start a cluster in a new temporary directory with a PostGIS database.

    ``durable=False`` (tests) turns fsync off: the server is never killed, only clients are.

    Raises
    ------
    ClusterError
        PostgreSQL 15 binaries or the PostGIS extension are missing, or the server did not
        start; the message names the fix.
    """
    if not (PG_BIN / "initdb").exists():
        raise ClusterError(f"{PG_BIN}/initdb not found; fix: run `make test` (it installs "
                           "postgresql and postgresql-15-postgis-3 via scripts/setup-system.sh)")
    run_as: str | None = None
    # as root the server runs as 'postgres', which must reach the directory: use /tmp, not a
    # private $TMPDIR
    base = "/tmp" if os.geteuid() == 0 else None
    root = Path(tempfile.mkdtemp(prefix="investmap-pg-", dir=base))
    if os.geteuid() == 0:
        run_as = "postgres"
        try:
            entry = pwd.getpwnam(run_as)
        except KeyError:
            raise ClusterError("running as root and there is no 'postgres' system user; fix: "
                               "install the Debian postgresql package") from None
        os.chown(root, entry.pw_uid, entry.pw_gid)
    os.chmod(root, 0o700)
    cluster = Cluster(root=root, port=_free_port(), run_as=run_as)
    data = root / "data"
    _run(cluster, [str(PG_BIN / "initdb"), "-D", str(data), "-U", "postgres", "--auth=trust",
                   "-E", "UTF8", "--locale=C", "--no-sync"])
    for attempt in range(PORT_ATTEMPTS):
        options = (f"-c listen_addresses=127.0.0.1 -c port={cluster.port} "
                   f"-c unix_socket_directories={root} -c max_connections=60")
        if not durable:
            options += " -c fsync=off -c full_page_writes=off -c synchronous_commit=off"
        proc = _run(cluster, [str(PG_BIN / "pg_ctl"), "-D", str(data), "-l", str(root / "log"),
                              "-o", options, "-w", "-t", "60", "start"], check=False)
        if proc.returncode == 0:
            break
        log = (root / "log").read_text(errors="replace") if (root / "log").exists() else ""
        if "could not bind" in log and attempt + 1 < PORT_ATTEMPTS:
            # another process (a parallel test worker's server) took the port between
            # _free_port() and the server's bind: try a new one
            cluster.port = _free_port()
            (root / "log").unlink(missing_ok=True)
            continue
        shutil.rmtree(root, ignore_errors=True)
        raise ClusterError(f"pg_ctl start failed: {proc.stderr}\n{log[-2000:]}")
    try:
        _create_database(cluster)
    except Exception:
        cluster.stop()
        raise
    return cluster


def _create_database(cluster: Cluster) -> None:
    import psycopg

    deadline = time.monotonic() + 30
    while True:
        try:
            conn = psycopg.connect(cluster.url(), autocommit=True)
            break
        except psycopg.OperationalError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)
    with conn:
        conn.execute(f"CREATE DATABASE {DATABASE}")
    with psycopg.connect(cluster.url(DATABASE), autocommit=True) as conn:
        try:
            conn.execute("CREATE EXTENSION postgis")
        except psycopg.Error as exc:
            raise ClusterError(f"CREATE EXTENSION postgis failed ({exc}); fix: install "
                               "postgresql-15-postgis-3 (make test does)") from exc


@pytest.fixture(scope="session")
def postgis_cluster() -> Iterator[Cluster]:
    try:
        cluster = start_cluster()
    except (ClusterError, OSError, subprocess.SubprocessError) as exc:
        pytest.fail(f"cannot start the throwaway PostGIS cluster: {exc}", pytrace=False)
    yield cluster
    cluster.stop()


@pytest.fixture
def postgis_url(postgis_cluster: Cluster, request: pytest.FixtureRequest) -> str:
    """A fresh schema on the session's server; only for tests marked ``postgis`` and ``slow``
    (``tests.conftest.POSTGIS`` as a parameter does both), so ``make test-fast`` skips them."""
    missing = [m for m in ("postgis", "slow") if request.node.get_closest_marker(m) is None]
    if missing:
        pytest.fail(f"{request.node.nodeid} uses PostGIS: mark it {missing} (or parametrise "
                    "with tests.conftest.POSTGIS)", pytrace=False)
    return postgis_cluster.create_schema()

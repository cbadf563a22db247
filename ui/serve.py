"""Start the app with its data prepared before the first visitor: ``investmap serve`` or
``python -m ui.serve [streamlit options]`` (``make run`` uses it).

It runs ``streamlit run`` on the app's main script (``app.py`` in a checkout, the launcher in
the InvestMap home after ``pip install .``, see :mod:`layers.paths`) with the shipped settings
(``ui/streamlit_config.toml``) as flags, after copying Leaflet into the home's ``static/vendor``
when it is missing. It does so in this process and, in a background thread, imports the page
libraries and fills the app's caches (:mod:`ui.state`) the way the first visit to the investment
map would: the county (validated, or from the validated-county cache), the availability
verdicts, the map layers for investors in Chinese, then English, and one map build. A visitor
who arrives earlier waits for the same cached computation (each cache entry is computed once),
never for a second one. The log says ``InvestMap ready in N s`` when the first page can be
served from memory; a failure is logged (the page itself then shows its usual short message) and
never stops the server.
"""

from __future__ import annotations

import logging
import os
import socket
import subprocess
import sys
import threading
import time
import tomllib
import urllib.request
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

from geo.errors import InstallError
from layers import paths

ROOT = paths.SOURCE_ROOT
APP = paths.APP_SCRIPT
CONFIG = Path(__file__).with_name("streamlit_config.toml")
"""Streamlit settings shipped with the package (``.streamlit/config.toml`` links here)."""
READY = "InvestMap ready in"
SKIPPED = "InvestMap warm-up skipped"
REHEARSED = "InvestMap first visit rehearsed in"
log = logging.getLogger("investmap.serve")


def warm(langs: tuple[str, ...] = ("zh", "en")) -> float:
    """Fill the caches the investment map's first view reads; return the seconds it took
    for the first language (the page a default visitor opens)."""
    t0 = time.perf_counter()
    from ui import state
    from ui.mapview import map_tiles
    from webmap.basemaps import display_coords
    from webmap.builder import build_parts
    from webmap.card import index_for_cards

    basemap = state.default_basemap()
    state.offerable_set()
    first = 0.0
    for i, lang in enumerate(langs):
        data = state.map_data("investor", lang, display_coords(basemap))
        published = map_tiles(data.coords)  # the county's archive, once per store version
        parts = build_parts(data, basemap=basemap, offer_only=True,
                            tiles=None if published is None else published.tiles,
                            compact=True)
        parts.base.get_root().render()  # folium's templates compiled once, here
        if i == 0:
            first = time.perf_counter() - t0
    index_for_cards(state.county(), state.availability())  # a first click finds its card fast
    return first


def _wait_for_runtime(timeout: float = 120.0) -> None:
    """Wait until Streamlit's runtime exists: components (streamlit-folium) register with
    the runtime's registry when imported, so importing them earlier leaves the map's
    component unserved (a blank frame and a 404)."""
    from streamlit.runtime import Runtime, RuntimeState

    running = (RuntimeState.NO_SESSIONS_CONNECTED, RuntimeState.ONE_OR_MORE_SESSIONS_CONNECTED)
    deadline = time.monotonic() + timeout
    while not (Runtime.exists() and Runtime.instance().state in running):
        if time.monotonic() > deadline:
            raise RuntimeError("the Streamlit runtime did not start")
        time.sleep(0.05)


def visit_once(timeout: float = 120.0) -> None:
    """Open the investment map once in a real session of this server (a websocket client on
    loopback, as a browser would) and wait for its run to finish.

    A server's first session is slow for reasons of its own: Streamlit imports the modules
    of each element kind when a page first uses it and the map's component is first
    rendered (``ui.map_component``); after this visit the first person to arrive gets a
    page that is already warm. The session sends no view count (no parcel or park chosen).
    """
    from streamlit import config
    from streamlit.proto.BackMsg_pb2 import BackMsg
    from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
    from websockets.sync.client import connect

    base = str(config.get_option("server.baseUrlPath") or "").strip("/")
    prefix = f"/{base}" if base else ""
    url = f"ws://127.0.0.1:{config.get_option('server.port')}{prefix}/_stcore/stream"
    deadline = time.monotonic() + timeout
    with connect(url, subprotocols=["streamlit"], open_timeout=timeout,
                 max_size=None) as ws:
        request = BackMsg()
        request.rerun_script.query_string = ""
        request.rerun_script.page_script_hash = ""
        ws.send(request.SerializeToString())
        while True:
            message = ForwardMsg()
            message.ParseFromString(ws.recv(timeout=max(deadline - time.monotonic(), 0.1)))
            if message.WhichOneof("type") == "script_finished":
                return


def _warm_in_background() -> None:
    try:
        _wait_for_runtime()
        seconds = warm()
    except Exception as exc:  # noqa: BLE001 - the server must start whatever the data
        log.warning("InvestMap warm-up skipped (%s: %s); pages load the data on first visit",
                    type(exc).__name__, exc)
        return
    try:
        t0 = time.perf_counter()
        visit_once()
        visit = time.perf_counter() - t0
        seconds += visit
        log.info("%s %.1f s", REHEARSED, visit)
    except Exception as exc:  # noqa: BLE001 - a warm page is a bonus, never a failure
        log.warning("InvestMap first visit not rehearsed (%s: %s)", type(exc).__name__, exc)
    log.info("%s %.1f s (data loaded and the first map prepared)", READY, seconds)


def config_flags(path: Path = CONFIG) -> list[str]:
    """The settings of ``path`` as ``--section.key value`` flags for ``streamlit run``."""
    with open(path, "rb") as handle:
        doc = tomllib.load(handle)
    flags: list[str] = []
    for section, options in doc.items():
        for key, value in options.items():
            text = str(value).lower() if isinstance(value, bool) else str(value)
            flags += [f"--{section}.{key}", text]
    return flags


class HomeError(InstallError):
    """The InvestMap home cannot be prepared; the message names it and the fix."""


def prepare_home() -> Path:
    """Make the InvestMap home ready to serve: the launcher written (outside a checkout) and
    Leaflet copied into its ``static/vendor`` when missing; return the script to run.

    Raises
    ------
    HomeError
        The home is not writable or Leaflet's package files are missing.
    """
    from webmap import assets, draw_assets, vtile_assets

    try:
        script = paths.write_launcher()
        if not assets.installed():
            assets.install()
    except (OSError, assets.AssetError) as exc:
        raise HomeError(f"cannot prepare the InvestMap home {paths.home()} ({exc}); fix: make "
                        f"it writable by this user or point {paths.HOME_ENV} at a folder that "
                        "is") from exc
    if not draw_assets.installed():
        log.warning("Leaflet.draw is not installed in %s: the compliance page cannot draw a "
                    "boundary; fix: run `investmap assets` once (it downloads from the npm "
                    "registry)", paths.vendor_dir())
    if not vtile_assets.installed():
        log.warning("the vector-tile renderer is not installed in %s: maps draw parcels as "
                    "GeoJSON (slower, fewer parcels at county zoom); fix: run `investmap "
                    "assets` once (it downloads from the npm registry)", paths.vendor_dir())
    return script


def main(argv: list[str] | None = None) -> None:
    """``streamlit run <main script> <settings> ARGV`` with the warm-up thread started first
    (options in ``ARGV`` override the shipped settings)."""
    from streamlit.web import cli as stcli

    handler = logging.StreamHandler()
    handler.setFormatter(logging.Formatter("%(asctime)s %(name)s %(message)s"))
    log.addHandler(handler)
    log.setLevel(logging.INFO)
    log.propagate = False
    try:
        script = prepare_home()
    except HomeError as exc:
        log.error("investmap serve: error: %s", exc)
        sys.exit(2)
    threading.Thread(target=_warm_in_background, name="investmap-warm", daemon=True).start()
    # A served app does not reload itself on file changes: no watcher on every imported
    # module (Streamlit creates ~100 after the first run, while the first visitor waits).
    sys.argv = ["streamlit", "run", str(script), *config_flags(),
                "--server.fileWatcherType", "none", *(sys.argv[1:] if argv is None else argv)]
    sys.exit(stcli.main())


def free_port() -> int:
    """A free TCP port on loopback."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def served(env: Mapping[str, str | None], *, log_path: Path, warm_up: bool = True,
           wait_ready: bool = False, timeout: float = 120.0,
           timings: dict[str, float] | None = None, app: Path = APP) -> Iterator[str]:
    """Run the app in a subprocess on a free loopback port and yield its base URL (for the
    browser tests, the screenshot scripts and the benchmarks: one server loop for all).

    Parameters
    ----------
    env : variables added to this process's environment (a ``None`` value removes one).
    log_path : file receiving the server's output.
    warm_up : start through :func:`main` (``make run``'s launcher) rather than plain
        ``streamlit run app.py``.
    wait_ready : also wait for the warm-up's ``ready`` (or ``skipped``) log line.
    timings : filled with ``healthy`` and (with ``wait_ready``) ``ready``, seconds after
        the process started.
    app : the script plain ``streamlit run`` serves (``warm_up=False``; benchmarks).
    """
    port = free_port()
    merged = {**os.environ, **env}
    environ = {k: v for k, v in merged.items() if v is not None}
    command = [sys.executable, "-m", "ui.serve"] if warm_up else \
        [sys.executable, "-m", "streamlit", "run", str(app)]
    command += ["--server.headless", "true", "--server.port", str(port),
                "--server.address", "127.0.0.1", "--browser.gatherUsageStats", "false"]
    url = f"http://127.0.0.1:{port}"
    with open(log_path, "w") as handle:
        t0 = time.perf_counter()
        proc = subprocess.Popen(command, cwd=ROOT, env=environ, stdout=handle,
                                stderr=subprocess.STDOUT)
        try:
            _wait(lambda: _healthy(url), proc, log_path, t0 + timeout, "did not start")
            if timings is not None:
                timings["healthy"] = time.perf_counter() - t0
            if wait_ready and warm_up:
                _wait(lambda: any(m in log_path.read_text(errors="replace")
                                  for m in (READY, SKIPPED)),
                      proc, log_path, t0 + timeout, "did not finish its warm-up")
                if timings is not None:
                    timings["ready"] = time.perf_counter() - t0
            yield url
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()


def _healthy(url: str) -> bool:
    try:
        with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as resp:
            return resp.status == 200
    except OSError:
        return False


def _wait(done, proc: subprocess.Popen, log_path: Path, deadline: float,  # noqa: ANN001
          what: str) -> None:
    while not done():
        if proc.poll() is not None or time.perf_counter() > deadline:
            raise RuntimeError(f"streamlit {what}: "
                               + log_path.read_text(errors="replace")[-2000:])
        time.sleep(0.05)


if __name__ == "__main__":
    main()

"""Fixtures shared by every test.

* `make_settings(root="valid", **overrides)`: Settings for a fixture project
  (a folder under tests/fixtures/ holding ontology/, data/, shapes/), or for the
  real project with root="project".
* `settings`: make_settings("valid"); choose another root with
  `@pytest.mark.parametrize("settings", ["project"], indirect=True)`.
* `app`, `client`: the Flask app built from `settings`, and its test client.
* `live_server`: a real `coopgraph serve` (Granian, the default web server) on a free port, serving the
  real project folders, shared by the whole session: `.url`, `.base_iri`, `.backend`.
  Tests marked `@pytest.mark.every_backend` run once per store backend (memory,
  disk, remote: see tests/backends.py); the others on the memory store.
* `oxigraph_server`: a real `oxigraph serve` the remote backend uses (tests/backends.py).
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import pytest
import requests

from server import create_app
from server.settings import ENV_PREFIX, Settings

PROJECT_ROOT = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).resolve().parent / "fixtures"
COOPGRAPH = Path(sys.executable).parent / "coopgraph"  # the console script of this venv


def fixture_root(name: str | Path) -> Path:
    if name == "project":
        return PROJECT_ROOT
    return Path(name) if Path(name).is_absolute() else FIXTURES / name


@pytest.fixture
def make_settings():
    def make(root: str | Path = "valid", **overrides) -> Settings:
        return Settings(root=fixture_root(root), **overrides)

    return make


@pytest.fixture
def settings(request, make_settings) -> Settings:
    return make_settings(getattr(request, "param", "valid"))


@pytest.fixture
def app(settings):
    return create_app(settings)


@pytest.fixture
def client(app):
    return app.test_client()


def clean_environment() -> dict[str, str]:
    """The environment without COOPGRAPH_* variables, so tests see only their own flags."""
    return {k: v for k, v in os.environ.items() if not k.startswith(ENV_PREFIX)}


def run_cli(*args: str, timeout: float = 120, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    """Runs the installed `coopgraph` command; its output is text. `env` adds variables to a clean environment."""
    return subprocess.run([str(COOPGRAPH), *args], capture_output=True, text=True,
                          timeout=timeout, env={**clean_environment(), **(env or {})}, stdin=subprocess.DEVNULL)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass(frozen=True)
class LiveServer:
    url: str  # base URL, ending in "/"
    base_iri: str
    log: Path  # the server's stdout and stderr
    backend: str = "memory"  # the store it serves from
    pid: int = 0  # the server's main process (its process group holds every worker)


def start_server(root: Path, *extra_args: str, env: dict[str, str] | None = None, startup_timeout: float = 120,
                 port: int | None = None, backend: str = "memory"):
    """Starts `coopgraph serve` and waits for /healthz. A generator: the caller
    resumes it to stop the server (see live_server). `env` adds variables
    (e.g. COOPGRAPH_QUERY_TIMEOUT_S) to the clean environment."""
    port = port or free_port()
    url = f"http://127.0.0.1:{port}/"
    with tempfile.NamedTemporaryFile("w+b", prefix="coopgraph-serve-", suffix=".log", delete=False) as log:
        process = subprocess.Popen(
            [str(COOPGRAPH), "serve", "--root", str(root), "--host", "127.0.0.1", "--port", str(port),
             "--workers", "2", *extra_args],
            stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
            env={**clean_environment(), **(env or {})}, start_new_session=True,  # its own group: we stop master and workers
        )
    try:
        _wait_until_healthy(process, url, Path(log.name), startup_timeout)
        yield LiveServer(url=url, base_iri=url, log=Path(log.name), backend=backend, pid=process.pid)
    finally:
        _stop(process)


def _wait_until_healthy(process, url: str, log: Path, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"coopgraph serve exited with {process.returncode}:\n{log.read_text()}")
        try:
            if requests.get(url + "healthz", timeout=2).status_code == 200:
                return
        # The socket is bound before the data is loaded and the dumps built: a read may wait past 2 s.
        except (requests.ConnectionError, requests.Timeout):
            pass
        time.sleep(0.2)
    raise RuntimeError(f"coopgraph serve did not answer within {timeout}s:\n{log.read_text()}")


def _stop(process: subprocess.Popen) -> None:
    if process.poll() is not None:
        return
    os.killpg(process.pid, signal.SIGTERM)  # the web server shuts its workers down gracefully
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()


@pytest.fixture(scope="session")
def live_server_root() -> Path:
    """The folder live_server serves; override this fixture to serve another."""
    return PROJECT_ROOT


@pytest.fixture(scope="session")
def live_server(request, live_server_root, tmp_path_factory):
    # Its own var/ folder: the dumps it builds at start-up stay its own, even while another
    # server (another test session, a developer's) serves the same project with another base IRI.
    from backends import start_backend_server

    backend = getattr(request, "param", "memory")
    oxigraph = request.getfixturevalue("oxigraph_server") if backend == "remote" else None
    yield from start_backend_server(backend, live_server_root, tmp_path_factory.mktemp(f"live-var-{backend}"), oxigraph)


@pytest.fixture(scope="session")
def oxigraph_server(tmp_path_factory):
    """A real Oxigraph server (PyPI `oxigraph`) on 127.0.0.1, for the remote store backend."""
    from backends import OxigraphServer

    server = OxigraphServer(tmp_path_factory.mktemp("oxigraph") / "store")
    server.start()
    yield server
    server.stop()


def pytest_configure(config):
    config.addinivalue_line("markers", "every_backend: run with live_server on each store backend (memory, disk, remote)")
    config.addinivalue_line("markers", "backends(*names): run with live_server on these store backends only")


def pytest_generate_tests(metafunc):
    # Every user of live_server is parametrized (unmarked ones with "memory" alone), so they all
    # share one server per backend instead of starting an unparametrized one besides.
    if "live_server" in metafunc.fixturenames:
        from backends import BACKENDS

        chosen = metafunc.definition.get_closest_marker("backends")
        if chosen:
            backends = chosen.args
        else:
            backends = BACKENDS if metafunc.definition.get_closest_marker("every_backend") else ("memory",)
        metafunc.parametrize("live_server", backends, indirect=True, scope="session")



def client_session(address: str) -> requests.Session:
    """A requests session whose connections come from `address` (any 127.x.y.z is this machine on Linux),
    so one test can play several clients of the server's admission control (the bench does the same)."""
    from bench.scenarios import client

    return client(address)

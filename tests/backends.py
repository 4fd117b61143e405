"""Live servers on each store backend, and the real Oxigraph server the remote backend talks to.

* `OxigraphServer`: `oxigraph serve` (the PyPI `oxigraph` package) on a free port of 127.0.0.1,
  persisted in a folder, so it can be stopped and started again with its data.
* `start_backend_server(backend, root, var_dir, oxigraph)`: for "disk" and "remote", runs
  `coopgraph load` with the server's own base IRI first, then `coopgraph serve` on that store.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import requests

from conftest import free_port, run_cli, start_server

BACKENDS = ("memory", "disk", "remote")
STORE_TIMEOUT_S = 5
ENGINE_MEMORY_BYTES = 4 * 2**30
ENGINE_NICENESS = 10
OXIGRAPH = Path(sys.executable).parent / "oxigraph"  # the PyPI package's server binary


class OxigraphServer:
    def __init__(self, location: Path, port: int | None = None):
        self.location, self.port = location, port or free_port()
        self.url = f"http://127.0.0.1:{self.port}/"
        self.process: subprocess.Popen | None = None
        self.log = location.with_name(location.name + ".log")

    @property
    def query_endpoint(self) -> str:
        return self.url + "query"

    def start(self, timeout_s: float = 30) -> None:
        with open(self.log, "ab") as log:
            self.process = subprocess.Popen(
                # Started as docs/scaling.md says an engine must be: its own deadline (a query coopgraph gave
                # up on stops there as well), a bound on its memory, and a lower priority than the web tier.
                ["nice", "-n", str(ENGINE_NICENESS), "prlimit", f"--as={ENGINE_MEMORY_BYTES}",
                 str(OXIGRAPH), "serve", "--location", str(self.location), "--bind", f"127.0.0.1:{self.port}",
                 "--timeout-s", str(STORE_TIMEOUT_S)],
                stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, start_new_session=True,
                # An address-space bound needs few malloc arenas, or reserved (unused) arenas exhaust it
                # (docs/scaling.md, "Starting the engine behind coopgraph safely").
                env={**os.environ, "MALLOC_ARENA_MAX": "2"})
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"oxigraph serve exited with {self.process.returncode}:\n{self.log.read_text()}")
            try:
                if requests.get(self.query_endpoint, params={"query": "ASK {}"}, timeout=2).ok:
                    return
            except requests.ConnectionError:
                time.sleep(0.05)
        raise RuntimeError(f"oxigraph serve did not answer within {timeout_s}s:\n{self.log.read_text()}")

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()


def store_args(backend: str, var_dir: Path, oxigraph: OxigraphServer | None) -> list[str]:
    """The flags choosing `backend` for `coopgraph load` and `serve`."""
    if backend == "disk":
        return ["--store", "disk", "--store-path", str(var_dir / "store")]
    if backend == "remote":
        return ["--store", "remote", "--remote-endpoint", oxigraph.query_endpoint]
    return []


def start_backend_server(backend: str, root: Path, var_dir: Path, oxigraph: OxigraphServer | None = None,
                         env: dict[str, str] | None = None):
    """Like conftest.start_server, on the given backend (loaded first, with the server's base IRI).
    The data was validated by the memory server's tests: the load skips it, to save time."""
    port = free_port()
    flags = store_args(backend, var_dir, oxigraph)
    if backend != "memory":
        loaded = run_cli("load", "--root", str(root), "--base-iri", f"http://127.0.0.1:{port}/", "--no-validate", *flags)
        assert loaded.returncode == 0, loaded.stderr
    yield from start_server(root, *flags, port=port, backend=backend,
                            env={"COOPGRAPH_VAR_DIR": str(var_dir), **(env or {})})

"""A remote engine that misbehaves never takes coopgraph down with it.

The engine runs as docs/scaling.md says it must: its own deadline, a bound on its memory, a lower
priority, and a supervisor that starts it again when it dies (here a shell loop, as systemd's
`Restart=always` would). A query that exhausts the engine's memory kills it: coopgraph answers with a
503 or 504 (never a 500), and answers again, without a restart, as soon as the supervisor has it back.
"""

from __future__ import annotations

import os
import signal
import subprocess
import time
from pathlib import Path

import pytest
import requests

from backends import OXIGRAPH, start_backend_server
from conftest import FIXTURES, free_port

MEMORY_HOG = "SELECT ?a ?d ?g WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i } ORDER BY ?c ?f ?i"
JSON_RESULTS = {"Accept": "application/sparql-results+json"}


def engine_pid(port: int) -> int | None:
    found = subprocess.run(["pgrep", "-f", f"oxigraph serve .*127.0.0.1:{port}"], capture_output=True, text=True)
    pids = [int(pid) for pid in found.stdout.split()]
    return max(pids) if pids else None


ENGINE_TIMEOUT_S = 3
ENGINE_MEMORY_BYTES = 2**30
COOPGRAPH_TIMEOUT_S = 2
RUNAWAY = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }"


@pytest.fixture
def supervised(tmp_path):
    """An Oxigraph server started the safe way under a restarting supervisor, and coopgraph serving the
    limits fixture from it (the endpoint's deadline below the engine's): (coopgraph, engine port)."""
    port = free_port()
    engine = (f"while true; do MALLOC_ARENA_MAX=2 nice -n 10 prlimit --as={ENGINE_MEMORY_BYTES} {OXIGRAPH} serve --location {tmp_path / 'store'} "
              f"--bind 127.0.0.1:{port} --timeout-s {ENGINE_TIMEOUT_S}; sleep 0.2; done")
    supervisor = subprocess.Popen(["bash", "-c", engine], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                  start_new_session=True)

    class Engine:
        query_endpoint = f"http://127.0.0.1:{port}/query"

    try:
        deadline = time.monotonic() + 30
        while engine_pid(port) is None or not _answers(Engine.query_endpoint):
            assert time.monotonic() < deadline, "the engine did not start"
            time.sleep(0.2)
        started = start_backend_server("remote", FIXTURES / "sparql" / "limits", tmp_path / "var", Engine,
                                       env={"COOPGRAPH_QUERY_TIMEOUT_S": str(COOPGRAPH_TIMEOUT_S)})
        yield next(started), port
        next(started, None)
    finally:
        os.killpg(supervisor.pid, signal.SIGTERM)
        supervisor.wait(timeout=20)


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def test_a_query_coopgraph_gave_up_on_stops_in_the_engine_too(supervised):
    live, port = supervised
    response = requests.get(live.url + "sparql", params={"query": RUNAWAY}, headers=JSON_RESULTS, timeout=60)
    assert response.status_code == 504, response.text
    time.sleep(ENGINE_TIMEOUT_S - COOPGRAPH_TIMEOUT_S + 1.5)  # the engine's own deadline, and its next check
    pid = engine_pid(port)
    before = cpu_seconds(pid)
    time.sleep(1.0)
    assert cpu_seconds(pid) - before < 0.3, "the engine is still computing a query nobody waits for"


def test_an_engine_killed_by_a_query_is_a_503_then_recovers_without_restarting_coopgraph(supervised):
    live, port = supervised
    before = engine_pid(port)
    for attempt in range(3):  # on a busy machine the hog may meet coopgraph's deadline before the memory bound
        hog = requests.get(live.url + "sparql", params={"query": f"{MEMORY_HOG} # {attempt}"}, headers=JSON_RESULTS,
                           timeout=60)
        assert hog.status_code in (502, 503, 504), hog.text
        assert "Traceback" not in hog.text
        if hog.status_code != 504:
            break
    recovered_at = time.monotonic() + 30
    while True:
        response = requests.get(live.url + "sparql", params={"query": f"ASK {{ ?s ?p ?o }} # {time.time()}"},
                                headers=JSON_RESULTS, timeout=30)
        assert response.status_code in (200, 503), response.text
        if response.status_code == 200:
            break
        assert response.headers.get("Retry-After"), "a 503 says when to retry"
        assert time.monotonic() < recovered_at, "coopgraph did not recover"
        time.sleep(0.5)
    assert engine_pid(port) != before, "the query should have killed the engine, and the supervisor restarted it"


def _answers(endpoint: str) -> bool:
    try:
        return requests.get(endpoint, params={"query": "ASK {}"}, timeout=2).ok
    except requests.ConnectionError:
        return False

"""`coopgraph serve` under each web server it offers (server/serving.py): the same answers, the same
limits, one store loaded before the fork, and a killed worker replaced. Real servers on 127.0.0.1."""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path

import pytest
import requests
from conftest import PROJECT_ROOT, start_server
from test_replay import raw_get

from server.serving import WEB_SERVERS
from server.settings import Settings

TIMEOUT = 30
AGREEMENT = "doc/agreement/idf-zhejiang-2018"
LIMIT = Settings().max_request_target_bytes


@pytest.fixture(scope="module", params=sorted(WEB_SERVERS))
def served(request, tmp_path_factory):
    # Each server its own var/ folder, as live_server has: dumps built at start stay its own.
    var_dir = tmp_path_factory.mktemp(f"web-server-{request.param}")
    servers = start_server(PROJECT_ROOT, "--web-server", request.param, env={"COOPGRAPH_VAR_DIR": str(var_dir)})
    server = next(servers)
    yield request.param, server
    servers.close()


def workers(pid: int) -> list[int]:
    """The web workers: the server's main process's children (query workers are theirs)."""
    children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    return sorted(int(child) for child in children)


def memory_kb(pid: int) -> dict[str, int]:
    rows = Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines()[1:]
    return {name.rstrip(":"): int(value) for name, value, *_ in (row.split() for row in rows)}


def test_says_which_server_it_is(served):
    name, server = served
    response = requests.get(server.url + "healthz", timeout=TIMEOUT)
    assert response.status_code == 200 and response.json()["status"] == "ok"
    assert response.headers["Server"].lower().startswith(name)


def test_a_request_target_past_the_limit_is_a_414_with_the_reason(served):
    _, server = served
    path = "id/agreement/"
    fits = "/" + path + "a" * (LIMIT - len(path) - 1)
    assert len(fits) == LIMIT
    status, _, _ = raw_get(server.url, fits)
    assert status == 404  # answered: no such entity
    status, headers, body = raw_get(server.url, fits + "a")
    assert status == 414 and headers["Content-Type"].startswith("text/plain")
    assert f"{LIMIT + 1} bytes long" in body.decode() and "POST" in body.decode()
    # Measured percent-encoded, whatever the client sent: 1,400 characters é are 8,400 bytes encoded.
    status, _, _ = raw_get(server.url, "/search?q=" + "%C3%A9" * 1400)
    assert status == 414
    # Far past it, the server's own parser may refuse first: still a 414, or a 431 for its buffer.
    status, _, _ = raw_get(server.url, "/" + "a" * 20_000)
    assert status in (414, 431)


def test_an_encoded_slash_is_a_slash_and_never_mixes_answers(served):
    _, server = served
    first = raw_get(server.url, "/" + AGREEMENT.replace("/", "%2F", 1).replace("/", "%2F", 1) + ".ttl")
    plain = raw_get(server.url, "/" + AGREEMENT + ".ttl")
    assert plain[0] == 200 and first[0] == 200 and first[2] == plain[2]
    status, headers, _ = raw_get(server.url, "/id/agreement%2Fidf-zhejiang-2018")
    assert status == 303 and "/doc/agreement/idf-zhejiang-2018" in headers["Location"]
    # An odd path that names nothing stays a 404, and leaves nothing for the real one.
    assert raw_get(server.url, "/id/agreement%2F..%2Fidf-zhejiang-2018")[0] == 404
    assert raw_get(server.url, "/id/agreement/idf-zhejiang-2018")[0] == 303


def test_workers_share_the_store_loaded_before_the_fork(served):
    _, server = served
    with requests.Session() as session:
        for _ in range(10):  # both workers serve pages and documents
            assert session.get(server.url + AGREEMENT + ".html", timeout=TIMEOUT).status_code == 200
            assert requests.get(server.url + AGREEMENT + ".ttl", timeout=TIMEOUT).status_code == 200
    found = workers(server.pid)
    assert len(found) == 2
    for pid in found:
        memory = memory_kb(pid)
        # A worker that had loaded the app itself would own nearly all its memory; a forked one shares most.
        private = memory["Private_Clean"] + memory["Private_Dirty"]
        assert private < memory["Rss"] / 2, (pid, memory)


def test_a_killed_worker_is_replaced_and_requests_keep_succeeding(served):
    _, server = served
    before = workers(server.pid)
    os.kill(before[0], signal.SIGKILL)
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        now = workers(server.pid)
        if len(now) == 2 and before[0] not in now:
            break
        time.sleep(0.2)
    else:
        pytest.fail(f"worker {before[0]} was not replaced: workers now {workers(server.pid)}")
    # New connections, spread over both workers by the kernel, every one answered.
    statuses = [requests.get(server.url + AGREEMENT + ".ttl", timeout=TIMEOUT).status_code for _ in range(30)]
    assert set(statuses) == {200}
    assert requests.get(server.url + "healthz", timeout=TIMEOUT).status_code == 200


def test_metrics_add_up_every_worker_under_each_server(served):
    from test_operations import samples, value

    name, server = served
    labels = {"route": "entities.entity_document", "method": "GET", "status": "200", "format": "ttl"}
    before = value(samples(server.url), "coopgraph_http_requests_total", **labels)
    for _ in range(10):  # new connections, over both workers
        assert requests.get(server.url + AGREEMENT + ".ttl", timeout=TIMEOUT).status_code == 200
    assert value(samples(server.url), "coopgraph_http_requests_total", **labels) - before == 10

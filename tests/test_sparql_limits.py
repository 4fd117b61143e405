"""The limits, on a dedicated `coopgraph serve` with small ones: a runaway query is stopped at the
deadline while other queries are served, the killed worker is replaced, memory and response size
are capped with a clear 503, and the row cap is signalled. The fixture holds 200 triples: a
three-way cartesian product is 8 million rows, a four-way one 1.6 billion."""

from __future__ import annotations

import os
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import rdflib
import requests

from tests.conftest import FIXTURES, client_session, start_server

TIMEOUT_S = 2
MAX_ROWS = 100
LIMITS = {
    "COOPGRAPH_QUERY_TIMEOUT_S": str(TIMEOUT_S),
    "COOPGRAPH_MAX_RESULT_ROWS": str(MAX_ROWS),
    "COOPGRAPH_MAX_RESPONSE_BYTES": "30000",
    "COOPGRAPH_MAX_QUERY_BYTES": "2000",
    "COOPGRAPH_QUERY_MEMORY_MB": "200",
    "COOPGRAPH_QUERY_WORKERS": "2",
}
RUNAWAY = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }"
MEMORY_HOG = "SELECT ?a ?d ?g WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i } ORDER BY ?c ?f ?i"
JSON_RESULTS = {"Accept": "application/sparql-results+json"}


@pytest.fixture(scope="module")
def limited(tmp_path_factory):
    var = tmp_path_factory.mktemp("limited-var")
    yield from start_server(FIXTURES / "sparql" / "limits", "--no-validate",
                            env={**LIMITS, "COOPGRAPH_VAR_DIR": str(var)})


@pytest.fixture(scope="module")
def endpoint(limited) -> str:
    return limited.url + "sparql"


def server_processes(url: str) -> list[tuple[int, str]]:
    """(pid, state) of the server's processes: master, web workers and query workers all run
    the command line that started the master."""
    port = url.rstrip("/").rsplit(":", 1)[1]
    found = []
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            arguments = (proc / "cmdline").read_bytes().split(b"\0")
            state = (proc / "stat").read_text().rsplit(")", 1)[1].split()[0]
        except OSError:
            continue
        if b"serve" in arguments and port.encode() in arguments:
            found.append((int(proc.name), state))
    return found


def ask(endpoint: str) -> tuple[int, float]:
    started = time.monotonic()
    response = requests.get(endpoint, params={"query": "ASK { ?s ?p ?o }"}, headers=JSON_RESULTS, timeout=30)
    return response.status_code, time.monotonic() - started


def test_a_runaway_query_is_stopped_at_the_deadline_while_others_are_served(endpoint):
    with ThreadPoolExecutor(max_workers=1) as background:
        started = time.monotonic()
        heavy = client_session("127.0.0.2")  # another client than the one asking meanwhile
        runaway = background.submit(heavy.get, endpoint, params={"query": RUNAWAY}, headers=JSON_RESULTS, timeout=60)
        time.sleep(0.3)  # let it reach a query worker
        during = [ask(endpoint) for _ in range(3)]
        response = runaway.result()
        elapsed = time.monotonic() - started
    assert response.status_code == 504, response.text
    assert f"time limit of {TIMEOUT_S} s" in response.text
    assert TIMEOUT_S <= elapsed < TIMEOUT_S + 3
    assert all(status == 200 and seconds < 1 for status, seconds in during), during


def test_killed_workers_are_replaced_and_none_linger(limited, endpoint):
    def runaway(client: int) -> int:  # from two clients: admission lets one client hold all but one slot
        return client_session(f"127.0.0.{client}").get(endpoint, params={"query": RUNAWAY}, timeout=60).status_code

    with ThreadPoolExecutor(max_workers=2) as pool:
        stopped = list(pool.map(runaway, (2, 3)))
    assert stopped == [504, 504]
    answers = [ask(endpoint) for _ in range(8)]  # every web worker's pool, several times
    assert all(status == 200 for status, _ in answers), answers
    processes = server_processes(limited.url)
    # 1 master + 2 web workers + at most 2 query workers each; no zombie left behind.
    assert 3 <= len(processes) <= 7, processes
    assert not [pid for pid, state in processes if state == "Z"], processes


def test_a_query_that_would_exhaust_memory_gets_a_clean_503(endpoint):
    started = time.monotonic()
    response = requests.get(endpoint, params={"query": MEMORY_HOG}, headers=JSON_RESULTS, timeout=60)
    assert response.status_code == 503, response.text
    assert "limit of 200 MB" in response.text
    assert time.monotonic() - started < TIMEOUT_S + 1
    assert ask(endpoint)[0] == 200


def test_the_row_cap_is_signalled_and_the_json_stays_valid(endpoint):
    response = requests.get(endpoint, params={"query": "SELECT * WHERE { ?s ?p ?o }"}, headers=JSON_RESULTS, timeout=30)
    assert response.status_code == 200
    assert response.headers["Coopgraph-Result-Truncated"] == f"max-rows={MAX_ROWS}"
    assert "Coopgraph-Result-Truncated" in response.headers["Access-Control-Expose-Headers"]
    assert len(response.json()["results"]["bindings"]) == MAX_ROWS


def test_the_row_cap_applies_to_graphs_too(endpoint):
    response = requests.get(endpoint, params={"query": "CONSTRUCT WHERE { ?s ?p ?o }"},
                            headers={"Accept": "application/n-triples"}, timeout=30)
    assert response.headers["Coopgraph-Result-Truncated"] == f"max-rows={MAX_ROWS}"
    assert len(rdflib.Graph().parse(data=response.text, format="nt")) == MAX_ROWS


def test_results_under_the_cap_carry_no_truncation_header(endpoint):
    response = requests.get(endpoint, params={"query": f"SELECT * WHERE {{ ?s ?p ?o }} LIMIT {MAX_ROWS}"},
                            headers=JSON_RESULTS, timeout=30)
    assert "Coopgraph-Result-Truncated" not in response.headers
    assert len(response.json()["results"]["bindings"]) == MAX_ROWS


def test_the_page_says_when_results_were_cut(endpoint):
    response = requests.post(endpoint, data={"query": "SELECT * WHERE { ?s ?p ?o }"},
                             headers={"Accept": "text/html"}, timeout=30)
    assert response.status_code == 200
    assert f"Only the first {MAX_ROWS} rows" in response.text


def test_a_response_over_the_byte_cap_is_a_503_naming_it(endpoint):
    response = requests.get(endpoint, params={"query": "SELECT * WHERE { ?a ?b ?c . ?d ?e ?f } LIMIT 99"},
                            headers=JSON_RESULTS, timeout=30)
    assert response.status_code == 503
    assert "30000 bytes" in response.text


@pytest.mark.parametrize("send", [
    lambda endpoint, query: requests.get(endpoint, params={"query": query}, timeout=30),
    lambda endpoint, query: requests.post(endpoint, data={"query": query}, timeout=30),
    lambda endpoint, query: requests.post(endpoint, data=query.encode(), timeout=30,
                                          headers={"Content-Type": "application/sparql-query"}),
])
def test_a_query_over_the_length_limit_is_a_413(endpoint, send):
    query = "ASK {} #" + "x" * 2100
    response = send(endpoint, query)
    assert response.status_code == 413
    assert "2000 bytes" in response.text or "bytes" in response.text
    assert send(endpoint, "ASK {} #" + "x" * 1900).status_code == 200


def test_the_service_description_advertises_these_limits(endpoint):
    description = rdflib.Graph().parse(data=requests.get(endpoint, headers={"Accept": "text/turtle"}, timeout=30).text,
                                       format="turtle")
    service = rdflib.URIRef(endpoint)
    value = lambda name: description.value(service, rdflib.URIRef(f"{endpoint}#{name}")).toPython()  # noqa: E731
    assert float(value("timeoutSeconds")) == TIMEOUT_S
    assert (value("maxResultRows"), value("maxResponseBytes"), value("maxQueryBytes"), value("memoryLimitMegabytes")) == (
        MAX_ROWS, 30000, 2000, 200)


def query_workers(url: str) -> list[int]:
    """The query worker processes: the server's processes whose parent is a web worker."""
    processes = {pid for pid, _ in server_processes(url)}
    parents = {pid: int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[1]) for pid in processes}
    return [pid for pid, parent in parents.items() if parent in processes and parents[parent] in processes]


@pytest.mark.parametrize("signal_name, status, words", [("SIGSEGV", 400, "crashed"), ("SIGKILL", 503, "killed from outside")])
def test_a_worker_that_dies_mid_query_is_reported_as_what_happened(limited, endpoint, signal_name, status, words):
    import os
    import signal

    for _ in range(4):
        ask(endpoint)  # every web worker has started its query workers
    with ThreadPoolExecutor(max_workers=1) as background:
        runaway = background.submit(requests.get, endpoint, params={"query": RUNAWAY + f" # {signal_name}"},
                                    headers=JSON_RESULTS, timeout=60)
        time.sleep(0.5)
        for pid in query_workers(limited.url):
            os.kill(pid, getattr(signal, signal_name))
        response = runaway.result()
    assert response.status_code == status, response.text
    assert words in response.text and "memory" not in response.text.split("(")[0]
    assert (response.headers.get("Retry-After") is not None) == (status == 503)
    assert all(code == 200 for code, _ in (ask(endpoint) for _ in range(4)))


def test_every_503_says_when_to_retry(endpoint):
    response = requests.get(endpoint, params={"query": MEMORY_HOG + " # retry"}, headers=JSON_RESULTS, timeout=60)
    assert response.status_code == 503 and response.headers["Retry-After"].isdigit()


@pytest.mark.parametrize("query", [
    "SELECT * WHERE " + "{" * 2500 + "?s ?p ?o" + "}" * 2500,
    "SELECT * WHERE { BIND(" + "(" * 300 + "1" + ")" * 300 + " AS ?x) }",
    "SELECT * WHERE { BIND(" + "SUBSTR(" * 24 + '"a"' + ",1" * 24 + " AS ?x) }",  # invalid, and exponential to parse
    "SELECT * WHERE { BIND(" + "REGEX(" * 12 + '"a"' + ',"a")' * 12 + " AS ?x) }",
])
@pytest.mark.every_backend
def test_pathological_nesting_is_refused_before_any_parser(live_server, query):
    started = time.monotonic()
    response = requests.post(live_server.url + "sparql", data=query.encode(), timeout=30,
                             headers={**JSON_RESULTS, "Content-Type": "application/sparql-query"})
    assert response.status_code == 400 and "nest" in response.text, response.text
    assert time.monotonic() - started < 1


@pytest.mark.every_backend
def test_reasonable_nesting_still_runs(live_server):
    query = "SELECT * WHERE { BIND(" + "SUBSTR(" * 8 + '"abc"' + ",1)" * 8 + " AS ?x) }"
    response = requests.get(live_server.url + "sparql", params={"query": query}, headers=JSON_RESULTS, timeout=30)
    assert response.status_code == 200, response.text


def test_query_workers_hold_none_of_the_web_workers_connections(limited, endpoint):
    """A query worker forked while clients are connected closes the sockets it inherited: else a keep-alive
    connection gunicorn closed stays open in it, and a browser's next request on it waits for ever."""
    with requests.Session() as kept_alive:  # open connections while the workers are forked
        for _ in range(4):
            assert kept_alive.get(endpoint, params={"query": "SELECT * WHERE { ?s ?p ?o } LIMIT 1"},
                                  headers=JSON_RESULTS, timeout=30).status_code == 200
        workers = query_workers(limited.url)
        assert workers, "the queries ran in query workers"
        for pid in workers:
            sockets = [fd for fd in Path(f"/proc/{pid}/fd").iterdir() if os.readlink(fd).startswith("socket:")]
            assert len(sockets) == 1, f"query worker {pid} holds {len(sockets)} sockets; only its pipe should remain"

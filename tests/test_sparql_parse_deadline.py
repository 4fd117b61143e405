"""The full check's parse is bounded by the query's deadline on every store, and blocks nobody else.

rdflib's parser takes seconds on some large valid queries (sixty kilobytes of FILTERs: about 5 s); a word
such as `from` in a comment sends a query to that check. On the embedded stores the check runs in the
query's worker process; on a remote store too (not in the web worker's thread), so it is killed at the
deadline like an evaluation, and other clients' queries are answered meanwhile.
"""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from backends import start_backend_server
from conftest import FIXTURES, client_session

TIMEOUT_S = 2
SLOW_TO_PARSE = ("# from: a word that sends the query to the full check\nSELECT * WHERE { ?x ?y ?z . "
                 + "".join(f"FILTER(?x{n} > {n}) " for n in range(3000)) + "}")
JSON_RESULTS = {"Accept": "application/sparql-results+json"}


@pytest.fixture(params=["memory", "remote"])
def server(request, tmp_path):
    oxigraph = request.getfixturevalue("oxigraph_server") if request.param == "remote" else None
    started = start_backend_server(request.param, FIXTURES / "sparql" / "limits", tmp_path / "var", oxigraph,
                                   env={"COOPGRAPH_QUERY_TIMEOUT_S": str(TIMEOUT_S)})
    yield next(started)
    next(started, None)


def test_a_query_slow_to_parse_is_cut_at_the_deadline_while_others_are_served(server):
    assert 50_000 < len(SLOW_TO_PARSE.encode()) < 64 * 1024
    endpoint = server.url + "sparql"
    with ThreadPoolExecutor(1) as background:
        started = time.monotonic()
        slow = background.submit(client_session("127.0.0.2").post, endpoint, data=SLOW_TO_PARSE.encode(), timeout=60,
                                 headers={**JSON_RESULTS, "Content-Type": "application/sparql-query"})
        time.sleep(0.3)
        others = []
        for number in range(3):
            begin = time.monotonic()
            response = client_session("127.0.0.1").get(endpoint, params={"query": f"ASK {{ ?s ?p ?o }} # {number}"},
                                                       headers=JSON_RESULTS, timeout=30)
            others.append((response.status_code, time.monotonic() - begin))
        response = slow.result()
        elapsed = time.monotonic() - started
    assert response.status_code == 504, response.text
    assert elapsed < TIMEOUT_S + 2.5
    assert all(status == 200 and seconds < 1 for status, seconds in others), others

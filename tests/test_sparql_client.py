"""SparqlClient against a real `oxigraph serve`: a query is sent as a query and an update as an update,
whatever words their comments hold (SPARQLWrapper guesses the form from the first keyword it meets)."""

from __future__ import annotations

import uuid

import pyoxigraph
import pytest

from server.store.client import SparqlClient

COMMENTED = "# Two lines of comment, the second naming an update form:\n# copy, load, drop or add it.\n"


def test_a_query_is_sent_as_a_query_and_an_update_as_an_update_whatever_their_comments_say(oxigraph_server):
    client = SparqlClient(oxigraph_server.query_endpoint, oxigraph_server.url + "update", timeout_s=10)
    graph = f"http://client-{uuid.uuid4().hex[:8]}.test/g"
    client.update(f"{COMMENTED}# select\nINSERT DATA {{ GRAPH <{graph}> {{ <http://a> <http://b> 'c' }} }}")
    rows = client.query(f"{COMMENTED}SELECT ?o WHERE {{ GRAPH <{graph}> {{ ?s ?p ?o }} }}")
    assert [row["o"] for row in rows] == [pyoxigraph.Literal("c")]
    triples = client.query(f"{COMMENTED}CONSTRUCT {{ ?s ?p ?o }} WHERE {{ GRAPH <{graph}> {{ ?s ?p ?o }} }}")
    assert len(list(triples)) == 1
    client.update(f"{COMMENTED}DROP GRAPH <{graph}>")


@pytest.mark.parametrize("parameter, sent", [("timeout", "2.5"), ("timeout:ms", "2500"), (None, None)])
def test_the_engine_is_given_the_deadline_coopgraph_waits(parameter, sent):
    """Fuseki (`timeout`, seconds) and Virtuoso (`timeout`, milliseconds) stop a query at the deadline they are
    given; the request is captured by a listening socket that answers as an engine would."""
    import http.server
    import threading
    from urllib.parse import parse_qs

    seen = []

    class Engine(http.server.BaseHTTPRequestHandler):
        def do_POST(self):
            seen.append(parse_qs(self.rfile.read(int(self.headers["Content-Length"])).decode()))
            body = b'{"head":{},"boolean":true}'
            self.send_response(200)
            self.send_header("Content-Type", "application/sparql-results+json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    with http.server.ThreadingHTTPServer(("127.0.0.1", 0), Engine) as engine:
        threading.Thread(target=engine.serve_forever, daemon=True).start()
        client = SparqlClient(f"http://127.0.0.1:{engine.server_address[1]}/sparql", None, timeout_s=2.5,
                              deadline_parameter=parameter)
        assert bool(client.query("ASK {}")) is True
        engine.shutdown()
    assert seen[0]["query"] == ["ASK {}"]
    assert seen[0].get(parameter.split(":")[0] if parameter else "timeout") == ([sent] if sent else None)


class _CountingEngine:
    """A listening socket answering every query `true`, over HTTP/1.1 keep-alive, counting the connections
    it accepts; `close_after_each` makes it hang up after every answer, as a restarted engine would."""

    def __init__(self, close_after_each: bool = False):
        import http.server
        import threading

        self.connections = 0
        engine = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def setup(self):
                super().setup()
                engine.connections += 1

            def do_POST(self):
                self.rfile.read(int(self.headers["Content-Length"]))
                body = b'{"head":{},"boolean":true}'
                self.send_response(200)
                self.send_header("Content-Type", "application/sparql-results+json")
                self.send_header("Content-Length", str(len(body)))
                if close_after_each:
                    self.send_header("Connection", "close")
                    self.close_connection = True
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/sparql"

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.mark.parametrize("close_after_each, expected_connections", [(False, 1), (True, 20)])
def test_queries_reuse_one_connection_and_reconnect_when_the_engine_hangs_up(close_after_each, expected_connections):
    engine = _CountingEngine(close_after_each)
    try:
        client = SparqlClient(engine.url, None, timeout_s=5)
        assert all(bool(client.query("ASK {}")) for _ in range(20))
    finally:
        engine.close()
    assert engine.connections == expected_connections


def test_a_process_forked_from_the_client_opens_its_own_connection():
    """Query workers are forked from web workers: sharing a socket would interleave two processes' answers."""
    import os

    engine = _CountingEngine()
    try:
        client = SparqlClient(engine.url, None, timeout_s=5)
        assert bool(client.query("ASK {}"))
        child = os.fork()
        if child == 0:
            os._exit(0 if bool(client.query("ASK {}")) else 1)
        _, status = os.waitpid(child, 0)
        assert os.waitstatus_to_exitcode(status) == 0
        assert bool(client.query("ASK {}"))
    finally:
        engine.close()
    assert engine.connections == 2

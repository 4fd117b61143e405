"""SparqlClient against a real `oxigraph serve`: a query is sent as a query and an update as an update,
whatever words their comments hold (SPARQLWrapper guesses the form from the first keyword it meets)."""

from __future__ import annotations

import uuid

import pyoxigraph

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

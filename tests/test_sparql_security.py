"""The endpoint is read-only and makes no request of its own, against a real server on 127.0.0.1:
updates are refused everywhere and change nothing, SERVICE never reaches a listener, and FROM
never reads a file."""

from __future__ import annotations

import pytest
import requests

from tests.sparql_helpers import Listener

EVERYTHING = "SELECT (COUNT(*) AS ?n) WHERE { { ?s ?p ?o } UNION { GRAPH ?g { ?s ?p ?o } } }"
UPDATE = "INSERT DATA { GRAPH <graph/data> { <urn:x:s> <urn:x:p> 'written' } } ; DROP ALL"
SPARQL_UPDATE = {"Content-Type": "application/sparql-update"}


@pytest.fixture(scope="module")
def endpoint(live_server) -> str:
    return live_server.url + "sparql"


def quads(endpoint: str) -> int:
    response = requests.get(endpoint, params={"query": EVERYTHING}, headers={"Accept": "application/sparql-results+json"},
                            timeout=30)
    assert response.status_code == 200, response.text
    return int(response.json()["results"]["bindings"][0]["n"]["value"])


def update_attempts(server_url: str):
    sparql = server_url + "sparql"
    yield "POST", sparql, {"data": {"update": UPDATE}}
    yield "POST", sparql, {"data": UPDATE, "headers": SPARQL_UPDATE}
    yield "GET", sparql, {"params": {"update": UPDATE}}
    yield "POST", sparql, {"data": {"query": UPDATE}}  # an update sent as a query
    yield "GET", sparql, {"params": {"query": "CLEAR ALL"}}
    yield "POST", sparql, {"data": "LOAD <file:///etc/hostname> INTO GRAPH <graph/data>",
                           "headers": {"Content-Type": "application/sparql-query"}}
    for path in ("update", "sparql/update", "", "id/anything", "dumps/"):  # any other URL
        yield "POST", server_url + path, {"data": UPDATE, "headers": SPARQL_UPDATE}
    yield "POST", server_url + "update", {"data": {"update": UPDATE}}


@pytest.mark.every_backend
def test_updates_are_refused_everywhere_and_change_nothing(live_server, endpoint):
    before = quads(endpoint)
    assert before > 0
    for method, url, kwargs in update_attempts(live_server.url):
        response = requests.request(method, url, timeout=30, **kwargs)
        assert response.status_code == 403, (method, url, response.status_code)
        assert "read-only" in response.text, (method, url)
    assert quads(endpoint) == before
    ask = requests.get(endpoint, params={"query": "ASK { GRAPH ?g { <urn:x:s> ?p ?o } }"},
                       headers={"Accept": "application/sparql-results+json"}, timeout=30)
    assert ask.json()["boolean"] is False


SERVICE_QUERIES = [
    "SELECT * WHERE {{ SERVICE <{url}> {{ ?s ?p ?o }} }}",
    "SELECT * WHERE {{ SERVICE SILENT <{url}> {{ ?s ?p ?o }} }}",
    "SELECT * WHERE {{ \\u0053ERVICE <{url}> {{ ?s ?p ?o }} }}",
    "SELECT * WHERE {{ BIND(<{url}> AS ?e) SERVICE ?e {{ ?s ?p ?o }} }}",
    "ASK {{ FILTER EXISTS {{ SERVICE <{url}> {{ ?s ?p ?o }} }} }}",
    "SELECT * WHERE {{ # a comment\rSERVICE <{url}> {{ ?s ?p ?o }}\n}}",
]


@pytest.mark.every_backend
@pytest.mark.parametrize("template", SERVICE_QUERIES)
@pytest.mark.parametrize("method", ["GET", "POST"])
def test_service_is_refused_and_the_listener_hears_nothing(endpoint, template, method):
    with Listener() as listener:
        query = template.format(url=listener.url)
        if method == "GET":
            response = requests.get(endpoint, params={"query": query}, timeout=30)
        else:
            response = requests.post(endpoint, data=query, headers={"Content-Type": "application/sparql-query"}, timeout=30)
        assert response.status_code == 400, response.text
        assert "SERVICE is not allowed" in response.text
        assert listener.connections() == 0


def test_the_listener_would_have_heard_a_request(endpoint):
    """The listener counts real connections (so the test above can fail)."""
    with Listener() as listener:
        try:
            requests.get(listener.url, timeout=2)
        except requests.ConnectionError:
            pass
        assert listener.connections() == 1


@pytest.mark.parametrize("query, params", [
    ("SELECT * FROM <file:///etc/hostname> WHERE { ?s ?p ?o }", {}),
    ("SELECT * FROM NAMED <file:///etc/passwd> WHERE { GRAPH ?g { ?s ?p ?o } }", {}),
    ("SELECT * WHERE { ?s ?p ?o }", {"default-graph-uri": "file:///etc/hostname"}),
    ("SELECT * WHERE { GRAPH ?g { ?s ?p ?o } }", {"named-graph-uri": "file:///etc/hostname"}),
])
def test_from_and_dataset_parameters_never_read_files(endpoint, query, params):
    response = requests.get(endpoint, params={"query": query, **params},
                            headers={"Accept": "application/sparql-results+json"}, timeout=30)
    assert response.status_code == 200, response.text
    assert response.json()["results"]["bindings"] == []


def test_from_a_url_fetches_nothing(endpoint):
    with Listener() as listener:
        response = requests.get(endpoint, params={"query": f"SELECT * FROM <{listener.url}> WHERE {{ ?s ?p ?o }}"},
                                headers={"Accept": "application/sparql-results+json"}, timeout=30)
        assert response.json()["results"]["bindings"] == []
        assert listener.connections() == 0

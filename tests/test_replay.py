"""The replay of finished responses (server/replay.py): what is replayed without entering Flask,
what never is, and that a replayed response is the response Flask gave."""

from __future__ import annotations

import dataclasses

import http.client
from urllib.parse import quote, urlsplit

import pytest
import requests

from server import create_app
from server.replay import ResponseReplay

AGREEMENT = "/doc/agreement/idf-zhejiang-2018"
TIMEOUT = 10


@pytest.fixture
def counted(settings):
    """The app, its test client, and a list that grows by one each time a request enters Flask."""
    app = create_app(settings)
    entered = []
    app.before_request(lambda: entered.append(1) and None)
    return app, app.test_client(), entered


def entity_documents(client) -> list[str]:
    """The document stems (`/doc/…`) of the entities the browse pages link to."""
    stems = set()
    for page in ("/browse/cg:Agreement", "/browse/cg:City"):
        html = client.get(page).get_data(as_text=True)
        stems |= {"/doc/" + link.split('"')[0] for link in html.split('href="/id/')[1:]}
    return sorted(stems)


def same_headers(one, other) -> bool:
    """Equal headers but the request id, which every request has its own of (server/observe.py)."""
    return [h for h in one.headers if h[0] != "X-Request-Id"] == [h for h in other.headers if h[0] != "X-Request-Id"]


def some_entity_document(client) -> str:
    return entity_documents(client)[0]


def test_a_repeated_document_is_replayed_byte_for_byte_without_entering_flask(counted):
    _, client, entered = counted
    path = some_entity_document(client)
    first = client.get(path + ".ttl")
    count = len(entered)
    again = client.get(path + ".ttl")
    assert len(entered) == count, "the second request should not enter Flask"
    assert again.status_code == first.status_code == 200
    assert again.get_data() == first.get_data() and same_headers(again, first)
    assert again.headers["X-Request-Id"] != first.headers["X-Request-Id"]  # each request its own id


def test_each_keyed_header_gets_its_own_response(counted):
    _, client, entered = counted
    path = some_entity_document(client)
    turtle = client.get(path, headers={"Accept": "text/turtle"})
    json_ld = client.get(path, headers={"Accept": "application/ld+json"})
    assert turtle.status_code == json_ld.status_code == 303
    assert turtle.location.endswith(".ttl") and json_ld.location.endswith(".jsonld")
    french = client.get(path + ".html", headers={"Accept-Language": "fr"})
    english = client.get(path + ".html", headers={"Accept-Language": "en"})
    assert french.headers["Content-Language"] == "fr" and english.headers["Content-Language"] == "en"
    gzipped = client.get(path + ".ttl", headers={"Accept-Encoding": "gzip"})
    plain = client.get(path + ".ttl")
    assert gzipped.headers.get("Content-Encoding") == "gzip" and "Content-Encoding" not in plain.headers
    # Each of them again: replayed, each as it was.
    count = len(entered)
    assert client.get(path, headers={"Accept": "application/ld+json"}).location == json_ld.location
    assert client.get(path + ".html", headers={"Accept-Language": "fr"}).get_data() == french.get_data()
    assert client.get(path + ".ttl", headers={"Accept-Encoding": "gzip"}).get_data() == gzipped.get_data()
    assert len(entered) == count


def test_queries_given_apart_from_the_path_are_told_apart(counted):
    """The key holds the query string, which no server gives in PATH_INFO."""
    _, client, _ = counted
    accept = {"Accept": "application/sparql-results+json"}
    for _ in range(2):
        ask = client.get("/sparql", query_string={"query": "ASK { ?s ?p ?o }"}, headers=accept).get_json()
        select = client.get("/sparql", query_string={"query": "SELECT ?s { ?s ?p ?o } LIMIT 1"}, headers=accept).get_json()
        assert ask["boolean"] is True and "results" in select


def test_conditional_and_range_requests_still_reach_flask(counted):
    _, client, entered = counted
    path = some_entity_document(client) + ".ttl"
    etag = client.get(path).headers["ETag"]
    client.get(path)
    count = len(entered)
    assert client.get(path, headers={"If-None-Match": etag}).status_code == 304
    # Negotiated documents ignore Range (a full 200), but Flask is the one to say so.
    assert client.get(path, headers={"Range": "bytes=0-9"}).status_code == 200
    assert len(entered) == count + 2


def test_head_is_answered_from_a_get_and_never_recorded(counted):
    _, client, entered = counted
    path = some_entity_document(client) + ".jsonld"
    head_first = client.head(path)
    get = client.get(path)
    count = len(entered)
    head = client.head(path)
    assert len(entered) == count
    assert head.status_code == 200 and head.get_data() == b""
    assert same_headers(head, get) and same_headers(get, head_first)


def test_errors_posts_and_volatile_queries_are_never_replayed(counted):
    _, client, entered = counted
    volatile = "/sparql?query=" + quote("SELECT (RAND() AS ?r) WHERE {}")
    steady = "/sparql?query=" + quote("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }")
    form = {"query": "ASK {}"}
    for _ in range(2):
        client.get("/doc/agreement/no-such-thing.ttl")
        client.get(volatile, headers={"Accept": "application/sparql-results+json"})
        client.post("/sparql", data=form, headers={"Accept": "application/sparql-results+json"})
        client.get(steady, headers={"Accept": "application/sparql-results+json"})
    assert len(entered) == 7  # 2 × (404, RAND, POST) + the steady query once
    first, second = (client.get(volatile, headers={"Accept": "application/sparql-results+json"}).get_json()
                     for _ in range(2))
    assert first != second


def test_the_cache_is_bounded_in_bytes(settings):
    app = create_app(dataclasses.replace(settings, replay_cache_mb=3_000 / 1024 / 1024))
    replay = app.wsgi_app.app.app  # inside the observer and the request-target limit
    assert isinstance(replay, ResponseReplay)
    entered = []
    app.before_request(lambda: entered.append(1) and None)
    client = app.test_client()
    documents = entity_documents(client)
    variants = [document + extension for document in documents for extension in (".ttl", ".jsonld", ".nt", ".rdf")]
    for variant in variants:
        assert client.get(variant).status_code == 200
    assert 0 < len(replay) < len(variants)
    assert sum(len(entry[2]) + 500 for entry in replay._entries.values()) <= 3_000
    # A body larger than the whole cache is served, and never kept.
    assert len(client.get("/def.html").get_data()) > 3_000
    count = len(entered)
    client.get("/def.html")
    assert len(entered) == count + 1


def raw_get(url: str, target: str) -> tuple[int, http.client.HTTPMessage, bytes]:
    """A GET with the request target exactly as given (no client turns %2F into /)."""
    parts = urlsplit(url)
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=TIMEOUT)
    try:
        connection.request("GET", target)
        response = connection.getresponse()
        return response.status, response.headers, response.read()  # headers by any case of their names
    finally:
        connection.close()


def test_a_live_server_replays_what_it_served(live_server):
    """On a real server: the same answer twice; `%2F` in a path is a slash, on every web server alike."""
    url = live_server.url + AGREEMENT.lstrip("/") + ".ttl"
    with requests.Session() as session:
        answers = [session.get(url, timeout=TIMEOUT) for _ in range(6)]  # both workers, twice or more
    assert {answer.status_code for answer in answers} == {200}
    assert len({answer.content for answer in answers}) == 1
    assert len({answer.headers["ETag"] for answer in answers}) == 1
    for _ in range(4):
        status, _, _ = raw_get(live_server.url, "/id/agreement/idf-zhejiang-2018")
        assert status == 303
        status, headers, body = raw_get(live_server.url, "/id/agreement%2Fidf-zhejiang-2018")
        assert status == 303 and "/doc/agreement/idf-zhejiang-2018" in headers["Location"], body

"""/dumps/ against a real `coopgraph serve` of the real project (the session's live_server), which built
its dumps at start-up: downloads round-trip, Range and 304 work, nothing outside the folder is reachable."""

from __future__ import annotations

import gzip
import hashlib
import http.client
from urllib.parse import urlsplit

import pytest
import rdflib
import requests

from server.dumps import DUMPS, DUMPS_BY_NAME
from server.settings import Settings
from server.store import MemoryStore
from test_dumps import PARSERS, assert_round_trips, expected_quads

TIMEOUT = 60
# rdflib warns about its own Dataset internals while parsing N-Quads and TriG: noise here. Every store
# backend (memory, disk, remote) builds and serves the same dumps.
pytestmark = [pytest.mark.filterwarnings("ignore::DeprecationWarning:rdflib"), pytest.mark.every_backend]


@pytest.fixture(scope="module")
def listing(live_server) -> dict[str, dict]:
    """The files /dumps/ lists, from its RDF (DCAT), by name: size and checksum."""
    response = requests.get(live_server.url + "dumps/", headers={"Accept": "text/turtle"}, timeout=TIMEOUT)
    assert response.status_code == 200
    graph = rdflib.Graph().parse(data=response.content, format="turtle")
    dcat, spdx = rdflib.Namespace("http://www.w3.org/ns/dcat#"), rdflib.Namespace("http://spdx.org/rdf/terms#")
    return {
        str(graph.value(node, dcat.downloadURL)).rsplit("/", 1)[-1]: {
            "bytes": int(graph.value(node, dcat.byteSize)),
            "sha256": str(graph.value(graph.value(node, spdx.checksum), spdx.checksumValue)),
        }
        for node in graph.subjects(rdflib.RDF.type, dcat.Distribution)
    }


@pytest.fixture(scope="module")
def downloads(live_server, listing) -> dict[str, requests.Response]:
    """Every dump, downloaded once (as `curl -O` would: no Accept-Encoding)."""
    return {name: requests.get(live_server.url + "dumps/" + name, headers={"Accept-Encoding": "identity"},
                               timeout=TIMEOUT) for name in listing}


@pytest.fixture(scope="module")
def project_store(live_server, live_server_root):
    """What the live server loaded, loaded again here from the same files."""
    settings = Settings(root=live_server_root, base_iri=live_server.base_iri)
    return MemoryStore.from_sources(settings), settings


def raw_get(url: str, target: str, headers: dict | None = None) -> tuple[int, bytes]:
    """A GET with the request target sent exactly as given: no client normalises `..` or `%2F` away."""
    parts = urlsplit(url)
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=TIMEOUT)
    try:
        connection.request("GET", target, headers=headers or {})
        response = connection.getresponse()
        return response.status, response.read()
    finally:
        connection.close()


@pytest.mark.every_backend
def test_the_server_built_every_dump_at_start_up(listing):
    assert sorted(listing) == sorted(dump.name for dump in DUMPS)


@pytest.mark.every_backend
@pytest.mark.parametrize("parser", PARSERS)
@pytest.mark.parametrize("name", [dump.name for dump in DUMPS])
def test_every_downloaded_dump_round_trips(downloads, project_store, name, parser):
    store, settings = project_store
    response = downloads[name]
    assert response.status_code == 200
    assert_round_trips(response.content, name, parser, expected_quads(store, settings, DUMPS_BY_NAME[name].holds))


def test_downloads_have_the_listed_size_and_checksum_and_download_headers(downloads, listing):
    for name, response in downloads.items():
        dump = DUMPS_BY_NAME[name]
        assert len(response.content) == listing[name]["bytes"] == int(response.headers["Content-Length"])
        assert hashlib.sha256(response.content).hexdigest() == listing[name]["sha256"]
        assert response.headers["ETag"] == f'"{listing[name]["sha256"]}"'
        assert response.headers["Content-Type"].split(";")[0] == dump.served_type
        assert response.headers["Content-Disposition"] == f"attachment; filename={name}"
        assert response.headers["Accept-Ranges"] == "bytes"
        assert "Last-Modified" in response.headers
        assert "Content-Encoding" not in response.headers  # a .gz file is application/gzip, saved as it is
        if dump.gzipped:
            assert gzip.decompress(response.content)


def test_dumps_are_not_compressed_again_for_clients_that_accept_it(live_server, downloads):
    response = requests.get(live_server.url + "dumps/coopgraph.ttl", headers={"Accept-Encoding": "gzip, deflate, br"},
                            timeout=TIMEOUT, stream=True)
    assert "Content-Encoding" not in response.headers
    assert response.raw.read() == downloads["coopgraph.ttl"].content


@pytest.mark.parametrize("name", ["coopgraph.ttl", "coopgraph.nq.gz"])
def test_range_requests_resume_a_download(live_server, downloads, name):
    whole = downloads[name].content
    url = live_server.url + "dumps/" + name
    middle = requests.get(url, headers={"Range": "bytes=10-99"}, timeout=TIMEOUT)
    assert middle.status_code == 206
    assert middle.content == whole[10:100]
    assert middle.headers["Content-Range"] == f"bytes 10-99/{len(whole)}"
    # Resuming after a cut, as `curl -C -` does, only while the file is still the same one.
    half = len(whole) // 2
    rest = requests.get(url, headers={"Range": f"bytes={half}-", "If-Range": downloads[name].headers["ETag"]},
                        timeout=TIMEOUT)
    assert rest.status_code == 206 and whole[:half] + rest.content == whole
    stale = requests.get(url, headers={"Range": f"bytes={half}-", "If-Range": '"another-file"'}, timeout=TIMEOUT)
    assert stale.status_code == 200 and stale.content == whole
    beyond = requests.get(url, headers={"Range": f"bytes={len(whole) + 10}-"}, timeout=TIMEOUT)
    assert beyond.status_code == 416


def test_conditional_requests_give_304(live_server, downloads):
    url = live_server.url + "dumps/coopgraph.trig"
    first = downloads["coopgraph.trig"]
    by_etag = requests.get(url, headers={"If-None-Match": first.headers["ETag"]}, timeout=TIMEOUT)
    assert by_etag.status_code == 304 and by_etag.content == b""
    by_date = requests.get(url, headers={"If-Modified-Since": first.headers["Last-Modified"]}, timeout=TIMEOUT)
    assert by_date.status_code == 304
    changed = requests.get(url, headers={"If-None-Match": '"0000"'}, timeout=TIMEOUT)
    assert changed.status_code == 200 and changed.content == first.content


@pytest.mark.parametrize("target", [
    "/dumps/../pyproject.toml", "/dumps/..%2Fmanifest.json", "/dumps/%2e%2e/%2e%2e/pyproject.toml",
    "/dumps/..%2F..%2Fpyproject.toml", "/dumps/%2E%2E%2F%2E%2E%2Fpyproject.toml", "/dumps/%2Fetc%2Fpasswd",
    "/dumps//etc/passwd", "/dumps/manifest.json", "/dumps/.build.lock", "/dumps/..", "/dumps/.",
    "/dumps/coopgraph.ttl%00.txt", "/dumps/coopgraph.ttl/", "/dumps/COOPGRAPH.TTL", "/dumps/%5C..%5Cpyproject.toml",
    "/dumps/..\\pyproject.toml", "/dumps/.coopgraph.ttl.x.part", "/dumps/coopgraph.ttl%2F..%2F..%2Fpyproject.toml",
])
def test_nothing_but_the_listed_dumps_can_be_reached(live_server, target):
    status, body = raw_get(live_server.url, target)
    assert status == 404, (target, status)
    assert b"[project]" not in body and b"root:" not in body and b"sha256" not in body


def test_the_listing_page_names_every_file_with_size_checksum_format_and_date(live_server, listing):
    response = requests.get(live_server.url + "dumps/", headers={"Accept": "text/html"}, timeout=TIMEOUT)
    assert response.status_code == 200 and response.headers["Content-Type"].startswith("text/html")
    for name, described in listing.items():
        dump = DUMPS_BY_NAME[name]
        assert f'href="/dumps/{name}"' in response.text
        assert described["sha256"] in response.text
        assert f'title="{described["bytes"]} bytes"' in response.text
        assert dump.format_name in response.text
    assert "<time datetime=" in response.text
    as_turtle = requests.get(live_server.url + "dumps/?format=ttl", timeout=TIMEOUT)
    assert as_turtle.headers["Content-Type"].startswith("text/turtle")
    unknown = requests.get(live_server.url + "dumps/?format=png", timeout=TIMEOUT)
    assert unknown.status_code == 406 and "format='png' is not offered" in unknown.text

"""A cached response is only ever served for requests that would have produced the same bytes.

Two caches could break that rule: the replay of finished responses (server/replay.py) and the app's
cache of what pages are built from (server/cache.py). For every page type, a first request carrying a
parameter nobody declared (and a language choice) must leave nothing of itself in what the next,
plain request of the same page gets: neither in-process (Werkzeug) nor behind a real web server.
"""

from __future__ import annotations

import pytest
import requests

from server import create_app

MARK = "poison7f3a"
BROWSER = {"Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"}
TIMEOUT = 30

# Every kind of page and document the server caches (the replay or the app cache), by path.
PAGES = [
    "/", "/browse/", "/browse/cg:Agreement", "/browse/?class=http%3A%2F%2F127.0.0.1%3A8000%2Fdef%23Agreement",
    "/doc/agreement/idf-zhejiang-2018.html", "/doc/agreement/idf-zhejiang-2018.ttl",
    "/doc/agreement/idf-zhejiang-2018.jsonld", "/id/agreement/idf-zhejiang-2018",
    "/def.html", "/def.ttl", "/shapes.html", "/graph/data.html", "/graph/data.nt",
    "/dataset.html", "/dataset.ttl", "/dumps/", "/dumps/?format=ttl", "/.well-known/void", "/context.jsonld",
    "/sparql", "/sparql?format=ttl", "/sparql?query=ASK%20%7B%7D",
]


def with_junk(path: str, extra: str = "") -> str:
    return path + ("&" if "?" in path else "?") + f"{MARK}=%3Cb%3E{MARK}{extra}"


@pytest.fixture(scope="module")
def client(tmp_path_factory):
    from server.settings import Settings
    from conftest import PROJECT_ROOT

    settings = Settings(root=PROJECT_ROOT, validate_on_start=False, var_dir=tmp_path_factory.mktemp("keys-var"))
    return create_app(settings).test_client()


@pytest.mark.parametrize("path", PAGES)
def test_a_request_with_junk_parameters_leaves_nothing_for_the_next_visitor_in_process(client, path):
    for extra in ("", "&lang=zh"):
        poisoned = client.get(with_junk(path, extra), headers=BROWSER)
        assert poisoned.status_code in (200, 303), poisoned.status_code
    clean = [client.get(path, headers=BROWSER) for _ in range(2)]
    assert clean[0].status_code == poisoned.status_code
    for response in clean:
        assert MARK not in response.get_data(as_text=True), f"{path} was served bytes built for another request"
        assert MARK not in response.headers.get("Location", "")
    assert clean[0].get_data() == clean[1].get_data()
    if "ETag" in clean[0].headers:  # the SPARQL page, built for each request, has none
        assert clean[0].headers["ETag"] != poisoned.headers["ETag"]


@pytest.mark.parametrize("path", ["/", "/browse/cg:Agreement", "/doc/agreement/idf-zhejiang-2018.html", "/def.html",
                                  "/dataset.html", "/dumps/", "/id/agreement/idf-zhejiang-2018", "/sparql"])
def test_the_same_behind_a_web_server(live_server, path):
    session = requests.Session()
    session.get(live_server.url + with_junk(path).lstrip("/"), headers=BROWSER, timeout=TIMEOUT,
                allow_redirects=False)
    for _ in range(4):  # both workers, a replay hit in each
        clean = session.get(live_server.url + path.lstrip("/"), headers=BROWSER, timeout=TIMEOUT, allow_redirects=False)
        assert clean.status_code in (200, 303)
        assert MARK not in clean.text and MARK not in clean.headers.get("Location", "")


def test_language_links_keep_the_pages_own_parameters(client):
    """Links to the same page in other languages keep the parameters it was asked with (the page number),
    and such a page is never given to a request without them."""
    page_two = client.get("/browse/cg:Attestation?page=2&lang=fr", headers=BROWSER)
    assert page_two.status_code == 200
    assert "page%3D2%26lang%3Den" in page_two.get_data(as_text=True)  # /language?to=en&next=…?page=2&lang=en
    page_one = client.get("/browse/cg:Attestation?lang=fr", headers=BROWSER).get_data(as_text=True)
    assert "page%3D2%26lang%3Den" not in page_one and "%3Flang%3Den" in page_one


def test_each_page_number_has_its_own_etag(client):
    one = client.get("/browse/cg:Attestation?page=1", headers=BROWSER)
    two = client.get("/browse/cg:Attestation?page=2", headers=BROWSER)
    assert one.headers["ETag"] != two.headers["ETag"]
    again = client.get("/browse/cg:Attestation?page=2", headers={**BROWSER, "If-None-Match": one.headers["ETag"]})
    assert again.status_code == 200 and again.get_data() == two.get_data()


@pytest.mark.every_backend
@pytest.mark.parametrize("path", ["sparql?format=ttl", ".well-known/void", "dumps/?format=nt", "dataset.jsonld",
                                  "doc/agreement/idf-zhejiang-2018.ttl", "graph/meta.nt"])
def test_an_etag_names_one_sequence_of_bytes_in_every_worker(live_server, path):
    """Built anew in each worker (an Accept-Encoding of its own misses the replay), the same URL gives the
    same bytes under the same strong ETag: blank nodes the server writes are labelled deterministically."""
    bodies = {}
    for number in range(12):
        response = requests.get(live_server.url + path, headers={"Accept-Encoding": f"identity, x-{number}"},
                                timeout=TIMEOUT)
        assert response.status_code == 200
        bodies.setdefault(response.headers["ETag"], set()).add(response.content)
    assert len(bodies) == 1 and all(len(found) == 1 for found in bodies.values()), list(bodies)

"""No URL of any route family answers 5xx: odd extensions, dots, slashes, parameters, on every backend.

`/def.x.html` once raised a KeyError (a dot too many in a document URL); every route family is tried
here with the same odd endings, so the next such slip fails a test before it reaches a user.
"""

from __future__ import annotations

import pytest
import requests

FAMILIES = ["id/agreement/idf-zhejiang-2018", "doc/agreement/idf-zhejiang-2018", "def", "shapes", "graph/data",
            "dataset", "dumps/", "dumps/coopgraph.ttl", ".well-known/void", "browse/", "browse/cg:Agreement",
            "sparql", "context.jsonld", "sparql/yasgui/yasgui.min.js", "healthz",
            "sources/choose-paris-region-ziipc-mou-2021", ""]
ENDINGS = [".x.html", ".a.ttl", ".foo.html", "..ttl", ".", "..", ".html.html", ".ttl.", "/", "/x", "/.", "%2F..",
           "%00", ";x", "~", "?format=x", "?format=", "?lang=", "?page=-1", "?page=2", "?class=%3C",
           "?query=", "?query=%7B", "?example=nope", ".%74tl", "%2Ettl"]


@pytest.mark.every_backend
def test_no_route_family_answers_a_server_error(live_server):
    failures = {}
    with requests.Session() as session:
        for family in FAMILIES:
            for ending in ENDINGS:
                path = family + ending
                for accept in ("text/html", "text/turtle", "*/*"):
                    status = session.get(live_server.url + path, headers={"Accept": accept}, timeout=30,
                                         allow_redirects=False).status_code
                    if status >= 500:
                        failures[(path, accept)] = status
    assert not failures, failures

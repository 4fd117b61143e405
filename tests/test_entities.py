"""Entity IRIs on a real `coopgraph serve` (gunicorn) with real HTTP: every entity in every format,
content negotiation, the headers of negotiated responses, conditional requests and errors.

The entities come from the data itself (a store loaded here from the same folders, with the
server's base IRI), so the tests follow whatever the curators add."""

from __future__ import annotations

import gzip
import html
import re
from concurrent.futures import ThreadPoolExecutor

import pyoxigraph
import pytest
import rdflib
import requests

from server.settings import Settings
from server.store import MemoryStore
from conftest import PROJECT_ROOT

# rdflib's JSON-LD parser uses its own deprecated ConjunctiveGraph: not ours to fix.
pytestmark = pytest.mark.filterwarnings("ignore:ConjunctiveGraph is deprecated:DeprecationWarning")

XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"
CG = "def#"

# Extension, media type asked for, rdflib parser (None: HTML, not parsed as RDF).
FORMATS = [
    ("html", "text/html", None),
    ("ttl", "text/turtle", "turtle"),
    ("jsonld", "application/ld+json", "json-ld"),
    ("rdf", "application/rdf+xml", "xml"),
    ("nt", "application/n-triples", "nt"),
]


@pytest.fixture(scope="session")
def project_store(live_server) -> MemoryStore:
    """The project's content, loaded with the live server's base IRI."""
    return MemoryStore.from_sources(Settings(root=PROJECT_ROOT, base_iri=live_server.base_iri))


@pytest.fixture(scope="session")
def entity_iris(project_store, live_server) -> list[str]:
    rows = project_store.query(
        "SELECT DISTINCT ?s WHERE { GRAPH ?g { ?s ?p ?o } FILTER(isIRI(?s) && STRSTARTS(STR(?s), STR(<id/>))) } ORDER BY ?s")
    iris = [row["s"].value for row in rows]
    assert len(iris) > 10, "the data should describe entities"
    return iris


@pytest.fixture(scope="session")
def agreement(project_store) -> str:
    """An agreement with parties, a signing date and an attestation: the richest kind of page."""
    rows = list(project_store.query("""
        PREFIX cg: <def#>
        PREFIX rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#>
        SELECT ?a WHERE { ?a cg:party ?p ; cg:signingDate ?d . ?s rdf:subject ?a ; cg:quote ?q }
        ORDER BY ?a LIMIT 1"""))
    assert rows, "the data should hold an attested agreement"
    return rows[0]["a"].value


def own_triples(store: MemoryStore, iri: str) -> list[tuple]:
    rows = store.query("SELECT ?s ?p ?o WHERE { GRAPH ?g { ?s ?p ?o } }",
                       substitutions={pyoxigraph.Variable("s"): pyoxigraph.NamedNode(iri)})
    return [(row["p"].value, row["o"]) for row in rows]


def to_rdflib(term):
    if isinstance(term, pyoxigraph.NamedNode):
        return rdflib.URIRef(term.value)
    if isinstance(term, pyoxigraph.Literal):
        if term.language:
            return rdflib.Literal(term.value, lang=term.language)
        datatype = term.datatype.value if term.datatype else XSD_STRING
        return rdflib.Literal(term.value, datatype=None if datatype == XSD_STRING else rdflib.URIRef(datatype))
    return None  # a blank node: only its predicate can be checked


def check_entity(session: requests.Session, store: MemoryStore, iri: str) -> list[str]:
    """Dereferences one entity in every format; returns what went wrong (nothing, ideally)."""
    problems = []
    expected = own_triples(store, iri)
    for extension, media_type, parser in FORMATS:
        response = session.get(iri, headers={"Accept": media_type}, timeout=30)
        where = f"{iri} as {media_type}"
        if [r.status_code for r in response.history] != [303] or response.status_code != 200:
            problems.append(f"{where}: statuses {[r.status_code for r in response.history]} then {response.status_code}")
            continue
        if not response.url.endswith("." + extension) or response.headers["Content-Type"].split(";")[0] != media_type:
            problems.append(f"{where}: landed on {response.url} as {response.headers['Content-Type']}")
            continue
        if parser is None:
            if f"<code>{iri}</code>" not in response.text:
                problems.append(f"{where}: the page does not show the IRI")
            continue
        graph = rdflib.Graph().parse(data=response.content, format=parser)
        subject = rdflib.URIRef(iri)
        for predicate, obj in expected:
            converted = to_rdflib(obj)
            found = ((subject, rdflib.URIRef(predicate), converted) in graph if converted is not None
                     else any(graph.objects(subject, rdflib.URIRef(predicate))))
            if not found:
                problems.append(f"{where}: missing {predicate} {obj}")
                break
    return problems


def kind_of(iri: str) -> str:
    return iri.split("/id/", 1)[1].split("/", 1)[0]


@pytest.mark.every_backend
def test_every_entity_dereferences_in_every_format(live_server, project_store, entity_iris):
    """Each entity IRI answers 303 to a document in the format asked for, whose body parses and
    holds all the entity's own triples (the HTML page shows its IRI)."""
    assert entity_iris and all("/id/" in iri for iri in entity_iris)
    def check(iris):
        with requests.Session() as session:
            return [problem for iri in iris for problem in check_entity(session, project_store, iri)]

    # Every entity on the memory store; on the others, which answer through the same code, up to ten of each
    # kind (`id/<kind>/…`), so that every kind of page and document is still read from each backend.
    iris = entity_iris if live_server.backend == "memory" else [
        iri for kind in sorted({kind_of(iri) for iri in entity_iris})
        for iri in [iri for iri in entity_iris if kind_of(iri) == kind][:10]]
    # Eight clients: the server's two workers have four threads each.
    chunks = [iris[i::8] for i in range(8)]
    with ThreadPoolExecutor(len(chunks)) as pool:
        problems = [problem for found in pool.map(check, chunks) for problem in found]
    assert problems == [], f"{len(problems)} problems, first ones: {problems[:10]}"


@pytest.mark.every_backend
def test_the_description_has_labels_of_neighbours_inverse_links_and_provenance(live_server, agreement):
    graph = rdflib.Graph().parse(data=requests.get(agreement, headers={"Accept": "text/turtle"}, timeout=30).content,
                                 format="turtle")
    subject = rdflib.URIRef(agreement)
    cg = rdflib.Namespace(live_server.base_iri + CG)
    rdf = rdflib.RDF
    parties = list(graph.objects(subject, cg.party))
    assert len(parties) >= 2
    assert all(list(graph.objects(party, rdflib.RDFS.label)) for party in parties), "parties come with their labels"
    statements = list(graph.subjects(rdf.subject, subject))
    assert statements and all(list(graph.objects(s, cg.quote)) for s in statements if (s, rdf.type, cg.Attestation) in graph)
    documents = {d for s in statements for d in graph.objects(s, rdflib.PROV.wasDerivedFrom)}
    assert documents and all(list(graph.objects(d, rdflib.DCTERMS.title)) or list(graph.objects(d, rdflib.RDFS.label))
                             for d in documents), "the attestations' documents come with their titles"
    inverse = [s for s, p in graph.subject_predicates(subject) if p != rdf.subject]
    assert inverse, "something links to the agreement (its signing event, a related agreement…)"


@pytest.mark.parametrize("accept, extension", [
    ("text/turtle", "ttl"),
    ("application/ld+json", "jsonld"),
    ("application/json", "jsonld"),
    ("application/rdf+xml", "rdf"),
    ("application/n-triples", "nt"),
    ("text/html", "html"),
    ("*/*", "html"),
    ("", "html"),
    ("text/*", "html"),
    ("application/*", "jsonld"),
    ("text/html;q=0.5, text/turtle", "ttl"),
    ("text/turtle;q=0.2, application/rdf+xml;q=0.8", "rdf"),
    ("application/ld+json;q=0.9, application/n-triples;q=1.0", "nt"),
    ("*/*;q=0.1, application/n-triples;q=0.5", "nt"),
    ("text/html;q=0, */*", "ttl"),
    ("image/png, text/turtle;q=0.1", "ttl"),
    ("text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,*/*;q=0.8", "html"),
    ("text/turtle; charset=utf-8", "ttl"),
    ('application/ld+json; profile="http://www.w3.org/ns/json-ld#compacted"', "jsonld"),
])
def test_accept_header_picks_the_document(live_server, agreement, accept, extension):
    response = requests.get(agreement, headers={"Accept": accept}, allow_redirects=False, timeout=10)
    assert response.status_code == 303
    path = agreement[len(live_server.base_iri) - 1:].replace("/id/", "/doc/", 1)
    assert response.headers["Location"] == f"{path}.{extension}"


def test_nothing_acceptable_is_a_406_listing_the_types(live_server, agreement):
    response = requests.get(agreement, headers={"Accept": "image/png, application/pdf"}, timeout=10)
    assert response.status_code == 406
    for media_type in ("text/html", "text/turtle", "application/ld+json", "application/rdf+xml", "application/n-triples"):
        assert media_type in response.text
        assert f'type="{media_type}"' in response.headers["Link"]
    assert "Accept" in response.headers["Vary"]
    assert response.headers["Access-Control-Allow-Origin"] == "*"


def test_the_303_carries_vary_links_and_cors(live_server, agreement):
    response = requests.get(agreement, headers={"Accept": "text/turtle", "Origin": "https://example.org"},
                            allow_redirects=False, timeout=10)
    assert response.status_code == 303
    assert "Accept" in [v.strip() for v in response.headers["Vary"].split(",")]
    links = response.headers["Link"]
    for extension in ("html", "ttl", "jsonld", "rdf", "nt"):
        assert f".{extension}>" in links
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    assert "Access-Control-Allow-Credentials" not in response.headers
    assert response.headers["ETag"] and response.headers["Last-Modified"]


def test_redirects_to_different_variants_have_different_etags(live_server, agreement):
    etags = {requests.get(agreement, headers={"Accept": accept}, allow_redirects=False, timeout=10).headers["ETag"]
             for accept in ("text/html", "text/turtle", "application/ld+json")}
    assert len(etags) == 3


@pytest.mark.parametrize("extension, media_type, _", FORMATS)
def test_documents_carry_the_negotiation_headers(live_server, agreement, extension, media_type, _):
    url = agreement.replace("/id/", "/doc/", 1) + "." + extension
    response = requests.get(url, headers={"Origin": "https://example.org"}, timeout=10)
    assert response.status_code == 200
    assert response.headers["Content-Type"].split(";")[0] == media_type
    vary = {v.strip() for v in response.headers["Vary"].split(",")}
    assert "Accept" in vary
    assert ("Accept-Language" in vary) == (extension == "html")
    others = response.headers["Link"]
    assert f".{extension}>" not in others and others.count('rel="alternate"') == 4
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    assert response.headers["ETag"] and response.headers["Last-Modified"]


def test_each_representation_has_its_own_etag(live_server, agreement):
    stem = agreement.replace("/id/", "/doc/", 1)
    etags = {requests.get(f"{stem}.{extension}", timeout=10).headers["ETag"] for extension, _, _ in FORMATS}
    in_french = requests.get(f"{stem}.html", headers={"Accept-Language": "fr"}, timeout=10)
    assert len(etags) == 5 and in_french.headers["ETag"] not in etags


@pytest.mark.every_backend
def test_if_none_match_gives_304_and_if_modified_since_too(live_server, agreement):
    url = agreement.replace("/id/", "/doc/", 1) + ".ttl"
    first = requests.get(url, headers={"Accept-Encoding": "identity"}, timeout=10)
    again = requests.get(url, headers={"If-None-Match": first.headers["ETag"], "Accept-Encoding": "identity"}, timeout=10)
    assert again.status_code == 304 and again.content == b""
    assert again.headers["ETag"] == first.headers["ETag"]
    since = requests.get(url, headers={"If-Modified-Since": first.headers["Last-Modified"],
                                       "Accept-Encoding": "identity"}, timeout=10)
    assert since.status_code == 304
    stale = requests.get(url, headers={"If-None-Match": '"not-the-etag"', "Accept-Encoding": "identity"}, timeout=10)
    assert stale.status_code == 200 and stale.content == first.content


def test_gzip_and_etags_work_together(live_server, agreement):
    url = agreement.replace("/id/", "/doc/", 1) + ".nt"
    raw = requests.get(url, headers={"Accept-Encoding": "identity"}, timeout=10)
    # stream=True keeps requests from decoding, so the bytes on the wire can be checked.
    zipped = requests.get(url, headers={"Accept-Encoding": "gzip"}, stream=True, timeout=10)
    body = zipped.raw.read()
    assert zipped.headers["Content-Encoding"] == "gzip" and "Accept-Encoding" in zipped.headers["Vary"]
    assert gzip.decompress(body) == raw.content
    assert zipped.headers["ETag"] != raw.headers["ETag"], "a gzipped body is another representation"
    again = requests.get(url, headers={"Accept-Encoding": "gzip", "If-None-Match": zipped.headers["ETag"]}, timeout=10)
    assert again.status_code == 304


def test_head_gives_the_headers_of_get_without_a_body(live_server, agreement):
    redirect = requests.head(agreement, headers={"Accept": "text/turtle"}, timeout=10)
    assert redirect.status_code == 303 and redirect.headers["Location"].endswith(".ttl") and redirect.content == b""
    url = agreement.replace("/id/", "/doc/", 1) + ".ttl"
    got = requests.get(url, headers={"Accept-Encoding": "identity"}, timeout=10)
    head = requests.head(url, headers={"Accept-Encoding": "identity"}, timeout=10)
    assert head.status_code == 200 and head.content == b""
    for header in ("Content-Type", "Content-Length", "ETag", "Last-Modified", "Link", "Vary"):
        assert head.headers[header] == got.headers[header]


def test_jsonld_is_compacted_with_the_published_context(live_server, agreement):
    document = requests.get(agreement, headers={"Accept": "application/ld+json"}, timeout=10).json()
    context = requests.get(live_server.url + "context.jsonld", timeout=10).json()
    assert document["@context"] == context["@context"]
    nodes = document.get("@graph", [document])
    node = next(n for n in nodes if n.get("id", n.get("@id")) == agreement)
    assert "party" in node and "label" in node, "short keys a developer can read as plain JSON"


def test_html_is_in_the_readers_language(live_server, agreement, project_store):
    labels = {row["l"].language: row["l"].value for row in project_store.query(
        "PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#> SELECT ?a ?l WHERE { ?a rdfs:label ?l }",
        substitutions={pyoxigraph.Variable("a"): pyoxigraph.NamedNode(agreement)})}
    stem = agreement.replace("/id/", "/doc/", 1)
    french = requests.get(f"{stem}.html", headers={"Accept-Language": "fr-FR,fr;q=0.9,en;q=0.5"}, timeout=10)
    assert '<html lang="fr">' in french.text and french.headers["Content-Language"] == "fr"
    assert f"<h1>{labels['fr']}</h1>" in french.text.replace("&#39;", "'")
    english = requests.get(f"{stem}.html?lang=en", headers={"Accept-Language": "fr"}, timeout=10)
    assert f"<h1>{labels['en']}</h1>" in english.text.replace("&#39;", "'")
    chinese = requests.get(agreement + "?lang=zh", timeout=10)
    assert chinese.url.endswith(".html?lang=zh") and '<html lang="zh">' in chinese.text
    # A name in another language than the page's says so (lang), for screen readers.
    expected = f"<h1>{labels['zh']}</h1>" if "zh" in labels else f'<h1 lang="en">{labels["en"]}</h1>'
    assert expected in chinese.text.replace("&#39;", "'")


@pytest.mark.parametrize("path", ["id/agreement/no-such-agreement", "doc/agreement/no-such-agreement.ttl",
                                  "id/nothing", "doc/nothing"])
def test_unknown_entities_are_404_html_for_browsers_text_for_others(live_server, path):
    browser = requests.get(live_server.url + path, headers={"Accept": "text/html,*/*;q=0.8"}, timeout=10)
    assert browser.status_code == 404 and browser.headers["Content-Type"].startswith("text/html")
    assert "<h1>404" in browser.text
    program = requests.get(live_server.url + path, headers={"Accept": "*/*"}, timeout=10)
    assert program.status_code == 404 and program.headers["Content-Type"].startswith("text/plain")
    assert program.text.startswith("404 Not Found")


ODD_PATHS = [
    "id/", "id//", "id/agreement/", "id/agreement//x", "id/agreement/x/", "id/../etc/passwd", "id/agreement/..",
    "id/agreement/%2e%2e", "id/agreement%2Fx", "id/agreement/x%2Fy", "id/agreement/x%00", "id/agreement/caf%C3%A9",
    "id/agreement/x.ttl", "id/agreement/<script>", "id/agreement/x?page=-1", "doc/", "doc/agreement/x.",
    "doc/agreement/x.exe", "doc/agreement/x.ttl.ttl", "doc/.ttl", "doc/agreement/.html", "def.", "def.xml",
    "def/", "def.ttl/x", "shapes.", "shapes.exe", "graph/", "graph/none", "graph/data.exe", "graph/..",
    "browse/nope", "browse/cg:", "browse/:x", "browse/nope:Thing", "browse/cg:NoSuchClass", "browse/?page=abc",
    "browse/?class=not-an-iri", "browse/?class=", "browse/cg:Agreement?page=0", "browse/cg:Agreement?page=x",
    "browse/cg:Agreement?page=99999", "context.jsonld/x", "?lang=xx", "id/agreement/x?lang=%00",
    "id/" + "a" * 5000,
]


def test_odd_urls_never_give_a_500(live_server):
    with requests.Session() as session:
        statuses = {path: session.get(live_server.url + path, timeout=10).status_code for path in ODD_PATHS}
    assert all(status < 500 for status in statuses.values()), statuses
    assert statuses["id/agreement%2Fx"] == 404 and statuses["browse/cg:Agreement?page=x"] == 400


def test_the_iri_the_home_page_shows_answers_each_curl_it_suggests(live_server):
    """The issue's "done when": curl an entity IRI shown on the home page with each Accept type."""
    home = requests.get(live_server.url, timeout=10).text
    commands = re.findall(r"curl -L -H 'Accept: ([^']+)' (\S+)", html.unescape(home))
    assert len(commands) == 5 and all(iri.startswith(live_server.base_iri + "id/") for _, iri in commands)
    for media_type, iri in commands:
        response = requests.get(iri, headers={"Accept": media_type}, timeout=10)
        assert response.status_code == 200 and response.headers["Content-Type"].split(";")[0] == media_type

"""The dataset's description (VoID + DCAT 3) at /.well-known/void and /dataset: true to the store and to the files.

In-process tests use the edge-case project with dumps built into a temporary var/ folder; the live
tests read the real project through a real `coopgraph serve`.
"""

from __future__ import annotations

import hashlib
from collections import Counter

import pytest
import rdflib
import requests
from rdflib import Literal, URIRef
from rdflib.compare import isomorphic
from rdflib.namespace import DCAT, DCTERMS, RDF, VOID, XSD
from SPARQLWrapper import JSON, SPARQLWrapper

from server import create_app
from server.dataset import Dataset
from server.dumps import DUMPS, META, build_dumps
from server.void import IANA_MEDIA_TYPES
from server.graphs import DEFAULT_GRAPH
from server.settings import Settings
from server.state import app_state
from server.store import MemoryStore
from test_dumps import EDGE, copy_project

SPDX = rdflib.Namespace("http://spdx.org/rdf/terms#")
TURTLE = "text/turtle"
RDF_TYPES = {"ttl": "turtle", "jsonld": "json-ld", "rdf": "xml", "nt": "nt"}
BROWSER_ACCEPT = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"


@pytest.fixture(scope="module")
def edge_app(tmp_path_factory):
    """The edge project served in-process, its dumps built where `serve` keeps them."""
    settings = Settings(root=EDGE, var_dir=tmp_path_factory.mktemp("void-var"))
    dataset = Dataset.load(settings)
    build_dumps(dataset, settings.dumps_dir)
    return create_app(settings, dataset)


@pytest.fixture
def client(edge_app):
    return edge_app.test_client()


def description_of(response) -> rdflib.Graph:
    """The Turtle description in a test-client response."""
    assert response.status_code == 200, response.text
    assert response.headers["Content-Type"].startswith(TURTLE)
    return rdflib.Graph().parse(data=response.data, format="turtle")


def the_dataset(graph: rdflib.Graph) -> URIRef:
    (dataset,) = set(graph.subjects(RDF.type, VOID.Dataset)) & set(graph.subjects(RDF.type, DCAT.Dataset))
    return dataset


def number(graph: rdflib.Graph, subject, predicate) -> int:
    (value,) = graph.objects(subject, predicate)
    return int(value)


def distributions(graph: rdflib.Graph) -> dict[str, dict]:
    """Each distribution's download URL, size, checksum and media types, by file name."""
    found = {}
    for node in graph.subjects(RDF.type, DCAT.Distribution):
        (checksum,) = graph.objects(node, SPDX.checksum)
        assert graph.value(checksum, SPDX.algorithm) == SPDX.checksumAlgorithm_sha256
        url = str(graph.value(node, DCAT.downloadURL))
        found[url.rsplit("/", 1)[-1]] = {
            "url": url,
            "bytes": int(graph.value(node, DCAT.byteSize)),
            "sha256": str(graph.value(checksum, SPDX.checksumValue)),
            "media_type": str(graph.value(node, DCAT.mediaType)).removeprefix(IANA_MEDIA_TYPES),
            "compressed": graph.value(node, DCAT.compressFormat),
        }
    return found


def sparql_counts(store, settings: Settings) -> dict:
    """The VoID numbers counted another way: the test's own SPARQL over the two named graphs, and Python."""
    graphs = [settings.graph_iri(name) for name in DEFAULT_GRAPH]
    union = " UNION ".join(f"{{ GRAPH <{graph}> {{ ?s ?p ?o }} }}" for graph in graphs)
    (row,) = store.query(f"SELECT (COUNT(*) AS ?n) WHERE {{ SELECT DISTINCT ?s ?p ?o WHERE {{ {union} }} }}")
    (entities,) = store.query(f'SELECT (COUNT(DISTINCT ?s) AS ?n) WHERE {{ {union} '
                              f'FILTER(isIRI(?s) && STRSTARTS(STR(?s), "{settings.base_iri}id/")) }}')
    triples = {q.triple for g in graphs for q in store.quads(g)}
    rdf_type = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
    return {
        "triples": int(row["n"].value),
        "entities": int(entities["n"].value),
        "distinct_subjects": len({t.subject for t in triples}),
        "distinct_objects": len({t.object for t in triples}),
        "properties": Counter(t.predicate.value for t in triples),
        "classes": Counter(t.object.value for t in {t for t in triples if t.predicate.value == rdf_type}),
    }


def assert_void_counts_match(graph: rdflib.Graph, store, settings: Settings) -> None:
    dataset, expected = the_dataset(graph), sparql_counts(store, settings)
    assert number(graph, dataset, VOID.triples) == expected["triples"]
    assert number(graph, dataset, VOID.entities) == expected["entities"]
    assert number(graph, dataset, VOID.distinctSubjects) == expected["distinct_subjects"]
    assert number(graph, dataset, VOID.distinctObjects) == expected["distinct_objects"]
    properties = {str(graph.value(p, VOID.property)): int(graph.value(p, VOID.triples))
                  for p in graph.objects(dataset, VOID.propertyPartition)}
    assert properties == dict(expected["properties"])
    classes = {str(graph.value(c, VOID["class"])): int(graph.value(c, VOID.entities))
               for c in graph.objects(dataset, VOID.classPartition)}
    # Instances counted once per class (a class's instances are distinct subjects).
    assert classes == dict(expected["classes"])
    assert number(graph, dataset, VOID.classes) == len(classes)
    assert number(graph, dataset, VOID.properties) == len(properties)


def assert_checksums_match(files: dict[str, dict], download) -> None:
    """Every dump is described, and each downloaded file has the size and SHA-256 the description gives."""
    assert sorted(files) == sorted(d.name for d in DUMPS)
    for name, described in files.items():
        data, content_type = download(described["url"])
        assert len(data) == described["bytes"], name
        assert hashlib.sha256(data).hexdigest() == described["sha256"], name
        if name.endswith(".gz"):
            assert content_type == "application/gzip"
            assert str(described["compressed"]) == IANA_MEDIA_TYPES + "application/gzip"
        else:
            assert content_type.split(";")[0] == described["media_type"], name


# --- in process ------------------------------------------------------------------------------------

def test_void_counts_equal_sparql_counts(client, edge_app):
    state = app_state(edge_app)
    assert_void_counts_match(description_of(client.get("/.well-known/void")), state.dataset.store, state.settings)


def test_the_description_gives_each_file_its_true_size_and_checksum(client):
    files = distributions(description_of(client.get("/.well-known/void")))

    def download(url):
        response = client.get(url.removeprefix("http://127.0.0.1:8000"))
        assert response.status_code == 200
        return response.data, response.headers["Content-Type"]

    assert_checksums_match(files, download)


def test_the_description_says_what_dcat_and_void_ask_for(client):
    graph = description_of(client.get("/.well-known/void"))
    dataset = the_dataset(graph)
    base = "http://127.0.0.1:8000/"
    assert dataset == URIRef(base + "dataset")
    for predicate in (DCTERMS.title, DCTERMS.description):
        assert {o.language for o in graph.objects(dataset, predicate)} == {"en", "fr", "zh"}
    assert graph.value(dataset, DCTERMS.license) == URIRef("https://creativecommons.org/licenses/by/4.0/")
    assert graph.value(dataset, DCTERMS.issued).datatype == XSD.date
    assert graph.value(dataset, DCTERMS.modified).datatype == XSD.dateTime
    assert graph.value(graph.value(dataset, DCTERMS.publisher), rdflib.FOAF.name) is not None
    assert {k.language for k in graph.objects(dataset, DCAT.keyword)} == {"en", "fr", "zh"}
    assert len(set(graph.objects(dataset, DCAT.theme))) == 3
    assert graph.value(dataset, VOID.uriSpace) == Literal(base + "id/")
    assert graph.value(dataset, VOID.sparqlEndpoint) == URIRef(base + "sparql")
    assert URIRef(base + "def") in set(graph.objects(dataset, VOID.vocabulary))
    examples = set(graph.objects(dataset, VOID.exampleResource))
    assert examples and all(str(e).startswith(base + "id/") for e in examples)
    (service,) = graph.subjects(RDF.type, DCAT.DataService)
    assert graph.value(service, DCAT.endpointURL) == URIRef(base + "sparql")
    assert graph.value(service, DCAT.servesDataset) == dataset
    # The whole-dataset dumps belong to the dataset; ontology.ttl and shapes.ttl to their graphs.
    dumps = {str(url).rsplit("/", 1)[-1] for url in graph.objects(dataset, VOID.dataDump)}
    assert dumps == {d.name for d in DUMPS} - {"ontology.ttl", "shapes.ttl"}
    ontology_dumps = set(graph.objects(URIRef(base + "graph/ontology"), VOID.dataDump))
    assert ontology_dumps == {URIRef(base + "dumps/ontology.ttl")}


def test_the_description_is_queryable_in_graph_meta_and_says_it_is_not_dumped(client, edge_app):
    client.get("/.well-known/void")
    state = app_state(edge_app)
    meta = state.settings.graph_iri(META)
    (row,) = state.dataset.store.query(
        f"SELECT ?n ?comment WHERE {{ GRAPH <{meta}> {{ <{state.settings.dataset_iri}> <{VOID.triples}> ?n ; <{rdflib.RDFS.comment}> ?comment "
        f"FILTER(lang(?comment) = 'en') }} }}")
    assert int(row["n"].value) == sparql_counts(state.dataset.store, state.settings)["triples"]
    assert meta in row["comment"].value and "not part of the dumps" in row["comment"].value


def test_every_format_of_the_description_says_the_same(client):
    turtle = description_of(client.get("/dataset.ttl"))
    for extension, parser in RDF_TYPES.items():
        response = client.get(f"/dataset.{extension}")
        assert response.status_code == 200
        other = rdflib.Graph().parse(data=response.data, format=parser)
        assert isomorphic(other, turtle), extension


@pytest.mark.parametrize("accept, location", [
    (BROWSER_ACCEPT, "/dataset.html"), ("text/turtle", "/dataset.ttl"),
    ("application/ld+json", "/dataset.jsonld"), ("application/rdf+xml", "/dataset.rdf"),
])
def test_the_dataset_iri_sees_other_to_its_documents(client, accept, location):
    response = client.get("/dataset", headers={"Accept": accept})
    assert response.status_code == 303
    assert response.headers["Location"].endswith(location)
    assert "Accept" in response.headers["Vary"]


def test_well_known_void_gives_turtle_to_programs_and_the_page_to_browsers(client):
    for headers in ({}, {"Accept": "*/*"}):
        response = client.get("/.well-known/void", headers=headers)
        assert response.status_code == 200 and response.headers["Content-Type"].startswith(TURTLE)
    response = client.get("/.well-known/void", headers={"Accept": BROWSER_ACCEPT})
    assert response.status_code == 303 and response.headers["Location"].endswith("/dataset.html")
    response = client.get("/.well-known/void", headers={"Accept": "application/ld+json"})
    assert response.headers["Content-Type"].startswith("application/ld+json")
    assert rdflib.Graph().parse(data=response.data, format="json-ld")
    response = client.get("/.well-known/void", headers={"Accept": "image/png"})
    assert response.status_code == 406 and "text/turtle" in response.text


def test_the_dataset_page_shows_the_numbers_and_every_dump(client, edge_app):
    response = client.get("/dataset.html")
    assert response.status_code == 200 and response.content_type.startswith("text/html")
    page = response.text
    counts = sparql_counts(app_state(edge_app).dataset.store, app_state(edge_app).settings)
    assert f"<td>{counts['triples']:,}</td>" in page
    for dump in DUMPS:
        assert f'href="/dumps/{dump.name}"' in page
    assert client.get("/dataset.html", headers={"If-None-Match": response.headers["ETag"]}).status_code == 304
    assert client.get("/dataset.txt").status_code == 404


def test_the_dataset_page_escapes_what_the_settings_say(tmp_path):
    settings = Settings(root=EDGE, var_dir=tmp_path, title={"en": "<script>alert(1)</script>", "fr": "a & b"},
                        description={"en": '"><img src=x onerror=alert(1)>'}, validate_on_start=False)
    page = create_app(settings).test_client().get("/dataset.html").text
    assert "<script>alert(1)" not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "<img src=x" not in page and "a &amp; b" in page
    assert "serves no dumps" in page  # none in this var/ folder


def test_the_dataset_page_links_no_iri_it_cannot_safely_follow(tmp_path):
    root = copy_project(EDGE, tmp_path / "project")
    (root / "data" / "odd.ttl").write_text("<id/odd/x> a <javascript:alert(1)> .\n")
    page = create_app(Settings(root=root, var_dir=tmp_path, validate_on_start=False)).test_client().get(
        "/dataset.html").text
    assert "javascript:alert(1)" in page  # named in the class table
    assert 'href="javascript:' not in page
    assert 'href="/id/odd/x"' in page  # an example resource, linked site-relative


def test_the_pages_speak_the_readers_language(client):
    for language in ("fr", "en"):
        for url in ("/dataset.html", "/dumps/"):
            response = client.get(url, headers={"Accept-Language": language, "Accept": "text/html"})
            assert response.headers["Content-Language"] == language
            assert "Accept-Language" in response.headers["Vary"]
            assert f'<html lang="{language}">' in response.text


def test_without_dumps_the_description_has_no_distributions(tmp_path):
    app = create_app(Settings(root=EDGE, var_dir=tmp_path, validate_on_start=False))
    graph = description_of(app.test_client().get("/.well-known/void"))
    assert not set(graph.subjects(RDF.type, DCAT.Distribution))
    assert number(graph, the_dataset(graph), VOID.triples) > 0


def test_a_build_beside_the_server_changes_nothing_it_serves_until_it_restarts(edge_app, client):
    """A server answers from one version: the build it pinned at start, whatever is built beside it."""
    state = app_state(edge_app)
    before = client.get("/.well-known/void")
    served = {name: d["sha256"] for name, d in distributions(description_of(before)).items()}
    manifest = build_dumps(state.dataset, state.settings.dumps_dir)  # what `coopgraph build` does beside it
    built = {f.name: f.sha256 for f in manifest.files}
    assert built != served  # blank node labels differ from one build to the next
    assert client.get("/.well-known/void", headers={"If-None-Match": before.headers["ETag"]}).status_code == 304
    fresh = edge_app.test_client()  # not the replay's answer: nothing it serves changed
    assert {name: d["sha256"] for name, d in distributions(description_of(fresh.get("/dumps/?format=ttl"))).items()
            } == served
    for name, sha256 in served.items():
        assert hashlib.sha256(fresh.get(f"/dumps/{name}").data).hexdigest() == sha256
    restarted = create_app(state.settings, state.dataset).test_client()
    assert {name: d["sha256"] for name, d in distributions(description_of(restarted.get("/.well-known/void"))).items()
            } == built


# --- against the live server (the real project) -----------------------------------------------------

@pytest.fixture(scope="module")
def live_description(live_server) -> rdflib.Graph:
    response = requests.get(live_server.url + ".well-known/void", timeout=30)
    assert response.headers["Content-Type"].startswith(TURTLE)
    return rdflib.Graph().parse(data=response.content, format="turtle")


@pytest.mark.every_backend
def test_live_void_counts_equal_sparql_counts(live_server, live_server_root, live_description):
    settings = Settings(root=live_server_root, base_iri=live_server.base_iri)
    store = MemoryStore.from_sources(settings)  # what the server loaded, read again
    assert_void_counts_match(live_description, store, settings)


@pytest.mark.every_backend
def test_live_description_gives_each_file_its_true_size_and_checksum(live_description):
    def download(url):
        response = requests.get(url, timeout=60)
        assert response.status_code == 200
        return response.content, response.headers["Content-Type"]

    assert_checksums_match(distributions(live_description), download)


@pytest.mark.every_backend
def test_live_description_is_queryable_with_sparql(live_server, live_description):
    endpoint = SPARQLWrapper(live_server.url + "sparql")
    endpoint.setQuery(f"SELECT ?n WHERE {{ GRAPH <{live_server.base_iri}graph/meta> "
                      f"{{ <{live_server.base_iri}dataset> <{VOID.triples}> ?n }} }}")
    endpoint.setReturnFormat(JSON)
    (binding,) = endpoint.queryAndConvert()["results"]["bindings"]
    assert int(binding["n"]["value"]) == number(live_description, the_dataset(live_description), VOID.triples)

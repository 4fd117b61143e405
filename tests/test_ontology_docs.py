"""The vocabulary, the shapes and the named graphs dereference on a real server, and every IRI
under the base that the store describes resolves. What to expect is read from the content itself."""

from __future__ import annotations

import html
import re

import pyoxigraph
import pytest
import rdflib
import requests

from conftest import PROJECT_ROOT
from server.settings import Settings
from server.store import MemoryStore

# rdflib's JSON-LD parser uses its own deprecated ConjunctiveGraph: not ours to fix.
pytestmark = pytest.mark.filterwarnings("ignore:ConjunctiveGraph is deprecated:DeprecationWarning")

OWL = rdflib.OWL
RDF_FORMATS = [("ttl", "text/turtle", "turtle"), ("jsonld", "application/ld+json", "json-ld"),
               ("rdf", "application/rdf+xml", "xml"), ("nt", "application/n-triples", "nt")]
# Paths other parts of the server own (the SPARQL endpoint, dumps and the dataset's description).
OTHERS_PATHS = ("sparql", "dumps/", "dataset", ".well-known/")


@pytest.fixture(scope="module")
def store(live_server) -> MemoryStore:
    return MemoryStore.from_sources(Settings(root=PROJECT_ROOT, base_iri=live_server.base_iri))


def subjects_in(store: MemoryStore, graph: str, under: str) -> list[str]:
    rows = store.query("SELECT DISTINCT ?g ?under ?s WHERE { GRAPH ?g { ?s ?p ?o } FILTER(isIRI(?s) && STRSTARTS(STR(?s), ?under)) }",
                       substitutions={pyoxigraph.Variable("g"): pyoxigraph.NamedNode(graph),
                                      pyoxigraph.Variable("under"): pyoxigraph.Literal(under)})
    return sorted(row["s"].value for row in rows)


@pytest.mark.parametrize("extension, media_type, parser", RDF_FORMATS)
def test_the_ontology_comes_in_every_rdf_format(live_server, store, extension, media_type, parser):
    response = requests.get(live_server.url + "def", headers={"Accept": media_type}, timeout=30)
    assert response.history[0].status_code == 303 and response.url == f"{live_server.url}def.{extension}"
    graph = rdflib.Graph().parse(data=response.content, format=parser)
    ontology = rdflib.URIRef(live_server.base_iri + "def")
    assert (ontology, rdflib.RDF.type, OWL.Ontology) in graph
    expected = store.count(live_server.base_iri + "graph/ontology")
    assert len(graph) == expected, "the whole ontology graph, for owl:imports and Protégé"


def test_the_ontology_documentation_has_an_anchor_per_term(live_server, store):
    namespace = live_server.base_iri + "def#"
    terms = subjects_in(store, live_server.base_iri + "graph/ontology", namespace)
    assert len(terms) > 20
    response = requests.get(live_server.url + "def", headers={"Accept": "text/html"}, timeout=30)
    assert response.url == live_server.url + "def.html"
    anchors = set(re.findall(r'<section class="term" id="([^"]+)">', response.text))
    assert {term[len(namespace):] for term in terms} <= anchors


def test_a_term_iri_lands_on_its_anchor(live_server):
    # The fragment stays with the client: the server sees /def and answers 303 to the documentation.
    response = requests.get(live_server.url + "def", headers={"Accept": "text/html"}, allow_redirects=False, timeout=10)
    assert response.status_code == 303 and response.headers["Location"] == "/def.html"
    page = requests.get(live_server.url + "def.html", timeout=30).text
    section = page[page.index('<section class="term" id="Agreement">'):]
    section = section[:section.index("</section>")]
    assert "<h3>agreement " in section
    assert 'href="#CooperationAgreement"' in section, "sub-classes link to their anchors"
    assert re.search(r'<dt>Instances \(direct or through a sub-class\)</dt><dd><a href="/browse/cg:Agreement">\d+</a></dd>',
                     section)
    assert 'href="/shapes#AgreementShape"' in section and "constraints" in section, "the shapes that apply"


def test_the_documentation_is_in_the_readers_language(live_server):
    page = requests.get(live_server.url + "def.html", headers={"Accept-Language": "fr"}, timeout=30).text
    section = page[page.index('id="Agreement"'):]
    assert "<h3>accord " in section[:200] and "<dt>Super-classe de</dt>" in section[:3000]


def test_property_docs_give_domain_and_range(live_server):
    page = requests.get(live_server.url + "def.html", timeout=30).text
    section = page[page.index('<section class="term" id="party">'):]
    section = section[:section.index("</section>")]
    assert re.search(r"<dt>Domain</dt><dd><a href=\"#Agreement\">agreement</a></dd>", section)
    assert "<dt>Range</dt>" in section


@pytest.mark.parametrize("extension, media_type, parser", RDF_FORMATS)
def test_the_shapes_come_in_every_rdf_format(live_server, store, extension, media_type, parser):
    response = requests.get(live_server.url + "shapes", headers={"Accept": media_type}, timeout=30)
    assert response.url == f"{live_server.url}shapes.{extension}"
    graph = rdflib.Graph().parse(data=response.content, format=parser)
    assert len(graph) == store.count(live_server.base_iri + "graph/shapes")


def test_every_shape_has_an_anchor(live_server, store):
    namespace = live_server.base_iri + "shapes#"
    shapes = subjects_in(store, live_server.base_iri + "graph/shapes", namespace)
    page = requests.get(live_server.url + "shapes.html", timeout=30).text
    anchors = set(re.findall(r'<section class="term" id="([^"]+)">', page))
    assert shapes and {shape[len(namespace):] for shape in shapes} <= anchors


def test_every_named_graph_dereferences(live_server, store):
    for graph in store.graphs():
        response = requests.get(graph, headers={"Accept": "text/html"}, timeout=30)
        assert response.status_code == 200 and response.url == graph + ".html"
        assert f"<strong>{store.count(graph):,}</strong>" in response.text
        turtle = rdflib.Graph().parse(data=requests.get(graph + ".ttl", timeout=30).content, format="turtle")
        assert (rdflib.URIRef(graph), rdflib.URIRef("http://rdfs.org/ns/void#triples"), None) in turtle


def test_every_iri_under_the_base_that_the_store_describes_resolves(live_server, store):
    """Entities, the ontology, shapes, graphs: whatever the content makes a subject under the base."""
    iris = set()
    for graph in store.graphs():
        iris |= {iri.split("#")[0] for iri in subjects_in(store, graph, live_server.base_iri)}
    iris = {iri for iri in iris if not iri[len(live_server.base_iri):].startswith(OTHERS_PATHS)}
    assert live_server.base_iri + "def" in iris
    with requests.Session() as session:
        failures = {iri: status for iri in sorted(iris)
                    if (status := session.head(iri, headers={"Accept": "text/turtle"}, allow_redirects=True,
                                               timeout=30).status_code) != 200}
    assert failures == {}


def test_the_jsonld_context_is_published(live_server):
    response = requests.get(live_server.url + "context.jsonld", timeout=10)
    assert response.status_code == 200 and response.headers["Content-Type"] == "application/ld+json"
    context = response.json()["@context"]
    assert context["cg"] == live_server.base_iri + "def#"
    assert context["party"]["@type"] == "@id"
    assert response.headers["Access-Control-Allow-Origin"] == "*" and response.headers["ETag"]


def test_browse_lists_classes_with_counts(live_server, store):
    page = requests.get(live_server.url + "browse/", timeout=30).text
    for row in store.query("SELECT ?c (COUNT(DISTINCT ?s) AS ?n) WHERE { GRAPH <graph/data> { ?s a ?c } } GROUP BY ?c"):
        cls = row["c"].value
        if cls.startswith(live_server.base_iri + "def#"):
            name = "cg:" + cls.split("#")[1]
            shown = re.search(rf'href="/browse/{re.escape(html.escape(name))}">[^<]+</a> <span class="count">(\d+)</span>', page)
            # Counts include the instances of sub-classes, so they are at least the direct ones.
            assert shown and int(shown.group(1)) >= int(row["n"].value), name


@pytest.mark.parametrize("accept, extension", [
    # What the OWL API (Protégé) sends when it resolves an owl:imports.
    ("application/rdf+xml, application/xml; q=0.7, text/xml; q=0.6, text/plain; q=0.1, */*; q=0.09", "rdf"),
    ("text/turtle, application/rdf+xml;q=0.9", "ttl"),
])
def test_ontology_tools_get_rdf(live_server, accept, extension):
    response = requests.get(live_server.url + "def", headers={"Accept": accept}, allow_redirects=False, timeout=10)
    assert response.status_code == 303 and response.headers["Location"] == f"/def.{extension}"

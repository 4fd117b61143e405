"""The obvious query works: graph/entailed holds the types the ontology entails (rdfs:subClassOf, transitively),
generated at every load, kept apart from the asserted data, and part of the default graph, the entity documents
and the dumps on every backend."""

from __future__ import annotations

import gzip

import pyoxigraph
import pytest
import requests
from SPARQLWrapper import JSON, SPARQLWrapper

from server.settings import Settings
from server.store import MemoryStore
from tests.conftest import PROJECT_ROOT

BASE = "http://example.org/"
CG = f"{BASE}def#"
SUBCLASS_INSTANCES = """
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
SELECT DISTINCT ?instance WHERE {{
  GRAPH <{base}graph/ontology> {{ ?class rdfs:subClassOf* <{target}> }}
  GRAPH <{base}graph/data> {{ ?instance a ?class }}
}}"""


@pytest.fixture(scope="module")
def store() -> MemoryStore:
    return MemoryStore.from_sources(Settings(root=PROJECT_ROOT, base_iri=BASE))


def instances(store: MemoryStore, query: str) -> set[str]:
    return {row[0].value for row in store.query(query)}


@pytest.mark.parametrize("target", [f"{CG}Agreement", f"{CG}Event", "http://www.w3.org/ns/org#Organization",
                                    "http://xmlns.com/foaf/0.1/Agent"])
def test_a_plain_type_query_finds_every_instance_of_every_subclass(store, target):
    expected = instances(store, SUBCLASS_INSTANCES.format(base=BASE, target=target))
    found = instances(store, f"SELECT DISTINCT ?a WHERE {{ ?a a <{target}> }}")
    assert expected and found == expected


def test_every_agreement_is_an_agreement(store):
    """The agreements of the sources are of several kinds; few are asserted as a plain cg:Agreement."""
    asserted = instances(store, f"SELECT ?a WHERE {{ GRAPH <{BASE}graph/data> {{ ?a a <{CG}Agreement> }} }}")
    found = instances(store, f"SELECT ?a WHERE {{ ?a a <{CG}Agreement> }}")
    assert len(found) >= 8 and len(found) > len(asserted)


def test_the_entailed_graph_holds_only_types_and_nothing_asserted(store):
    graph = f"{BASE}graph/entailed"
    predicates = {row[0].value for row in store.query(f"SELECT DISTINCT ?p WHERE {{ GRAPH <{graph}> {{ ?s ?p ?o }} }}")}
    assert predicates == {"http://www.w3.org/1999/02/22-rdf-syntax-ns#type"}
    overlap = store.query(f"ASK {{ GRAPH <{graph}> {{ ?s ?p ?o }} GRAPH <{BASE}graph/data> {{ ?s ?p ?o }} }}")
    assert not bool(overlap)


def test_the_entailed_graph_follows_the_content(tmp_path):
    """Regenerated at every load from what the files say: a new subclass in the ontology changes it."""
    import shutil

    root = tmp_path / "project"
    for name in ("data", "ontology", "shapes"):
        shutil.copytree(PROJECT_ROOT / name, root / name)
    (root / "ontology" / "extra.ttl").write_text(
        "@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .\n"
        "<def#Agreement> rdfs:subClassOf <http://example.org/Pact> .\n", encoding="utf-8")
    store = MemoryStore.from_sources(Settings(root=root, base_iri=BASE))
    pacts = instances(store, "SELECT ?a WHERE { ?a a <http://example.org/Pact> }")
    assert pacts == instances(store, f"SELECT ?a WHERE {{ ?a a <{CG}Agreement> }}")


@pytest.mark.every_backend
def test_the_endpoint_and_the_documents_answer_with_the_entailed_types(live_server):
    sparql = SPARQLWrapper(live_server.url + "sparql")
    sparql.setQuery(f"PREFIX cg: <{live_server.base_iri}def#> SELECT (COUNT(DISTINCT ?a) AS ?n) WHERE {{ ?a a cg:Agreement }}")
    sparql.setReturnFormat(JSON)
    count = int(sparql.queryAndConvert()["results"]["bindings"][0]["n"]["value"])
    assert count >= 8
    document = requests.get(live_server.url + "id/agreement/idf-zhejiang-2018", headers={"Accept": "text/turtle"},
                            timeout=30)
    graph = pyoxigraph.Store()
    graph.load(document.content, format=pyoxigraph.RdfFormat.TURTLE, base_iri=live_server.url)
    assert bool(graph.query(f"ASK {{ <{live_server.base_iri}id/agreement/idf-zhejiang-2018> a <{live_server.base_iri}def#Agreement> }}"))


def test_the_dumps_carry_the_entailed_types_and_void_describes_the_graph(live_server):
    dump = requests.get(live_server.url + "dumps/coopgraph.nt.gz", timeout=60)
    assert dump.status_code == 200
    agreement = f"<{live_server.base_iri}id/agreement/idf-zhejiang-2018> " \
                f"<http://www.w3.org/1999/02/22-rdf-syntax-ns#type> <{live_server.base_iri}def#Agreement> ."
    assert agreement.encode() in gzip.decompress(dump.content)
    void = requests.get(live_server.url + ".well-known/void", headers={"Accept": "application/n-triples"}, timeout=30)
    entailed = f"<{live_server.base_iri}graph/entailed>"
    assert f"<{live_server.base_iri}dataset> <http://rdfs.org/ns/void#subset> {entailed} ." in void.text

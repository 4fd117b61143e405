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
RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
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


def test_the_entailed_graph_holds_nothing_asserted_and_only_what_the_rules_give(store):
    graph = f"{BASE}graph/entailed"
    predicates = {row[0].value for row in store.query(f"SELECT DISTINCT ?p WHERE {{ GRAPH <{graph}> {{ ?s ?p ?o }} }}")}
    # types, super-properties of asserted predicates, inverses of declared ones, the two date bounds
    expected = {RDF_TYPE, f"{CG}earliestDate", f"{CG}latestDate"} | super_properties(store) | inverses(store)
    assert RDF_TYPE in predicates and predicates <= expected, predicates - expected
    overlap = store.query(f"ASK {{ GRAPH <{graph}> {{ ?s ?p ?o }} GRAPH <{BASE}graph/data> {{ ?s ?p ?o }} }}")
    assert not bool(overlap)


def super_properties(store) -> set[str]:
    rows = store.query("PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#> "
                       f"SELECT DISTINCT ?q WHERE {{ GRAPH <{BASE}graph/ontology> {{ ?p rdfs:subPropertyOf+ ?q }} }}")
    return {row[0].value for row in rows}


def inverses(store) -> set[str]:
    rows = store.query("PREFIX owl: <http://www.w3.org/2002/07/owl#> SELECT DISTINCT ?q WHERE { GRAPH "
                       f"<{BASE}graph/ontology> {{ {{ ?p owl:inverseOf ?q }} UNION {{ ?q owl:inverseOf ?p }} "
                       "UNION { ?q a owl:SymmetricProperty } } }")
    return {row[0].value for row in rows}


def ask(store, query: str) -> bool:
    return bool(store.query(PREFIXES + query))


PREFIXES = f"""PREFIX cg: <{CG}> PREFIX org: <http://www.w3.org/ns/org#>
PREFIX dcterms: <http://purl.org/dc/terms/> PREFIX schema: <http://schema.org/>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#> PREFIX xsd: <http://www.w3.org/2001/XMLSchema#>
PREFIX rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#>
"""


def test_super_properties_answer_the_general_question(store):
    """A signing date is a date, a participant an attendee: asked with the general term, they are found."""
    assert ask(store, 'ASK { <id/agreement/idf-zhejiang-2018> dcterms:date "2018-06-14"^^xsd:date }')
    assert ask(store, "ASK { ?event cg:participant ?who . ?event schema:attendee ?who }")
    assert not ask(store, "ASK { ?event cg:participant ?who FILTER NOT EXISTS { ?event schema:attendee ?who } }")


def test_links_are_published_both_ways(store):
    """`?post org:heldBy ?person` gives `?person org:holds ?post`; a symmetric link goes back by itself."""
    assert not ask(store, "ASK { ?post org:heldBy ?person FILTER NOT EXISTS { ?person org:holds ?post } }")
    assert ask(store, "ASK { ?post org:heldBy ?person }")
    assert not ask(store, "ASK { ?a schema:containedInPlace ?b FILTER NOT EXISTS { ?b schema:containsPlace ?a } }")
    assert ask(store, "ASK { <id/territory/china> schema:containsPlace <id/territory/zhejiang> }")
    assert not ask(store, "ASK { ?a cg:counterpartOf ?b FILTER NOT EXISTS { ?b cg:counterpartOf ?a } }")
    # and in the asserted data, only one direction is written
    assert not ask(store, f"ASK {{ GRAPH <{BASE}graph/data> {{ ?person org:holds ?post }} }}")


@pytest.mark.parametrize(("thing", "earliest", "latest"), [
    # a day, signed with a ten-year term: the term's last day
    ("agreement/idf-zhejiang-2018", "2018-06-14", "2028-06-13"),
    # years as the period's bounds
    ("agreement/idf-beijing-joint-action-plan-2018", "2018-01-01", "2023-12-31"),
    # a year only, no term: a start and no end
    ("agreement/idf-beijing-1987", "1987-01-01", None),
    # an event known by its month lies within that month
    ("event/zhengzhou-international-business-fair-2019", "2019-04-01", "2019-04-30"),
    # an event with a day and no end
    ("event/signing-idf-zhejiang-2018", "2018-06-14", "2018-06-14"),
])
def test_dates_of_any_precision_have_day_bounds(store, thing, earliest, latest):
    rows = store.query(PREFIXES + f"SELECT ?e ?l WHERE {{ OPTIONAL {{ <id/{thing}> cg:earliestDate ?e }} "
                       f"OPTIONAL {{ <id/{thing}> cg:latestDate ?l }} }}")
    row = next(iter(rows))
    found = (row["e"].value if row["e"] else None, row["l"].value if row["l"] else None)
    assert found == (earliest, latest)
    for value in (row["e"], row["l"]):
        assert value is None or value.datatype.value.endswith("#date")


def test_dated_things_sort_and_filter_without_string_tricks(store):
    """Every event with a date has both bounds, and a range query needs no STR() or SUBSTR()."""
    assert not ask(store, "ASK { ?e a cg:Event ; schema:startDate ?d FILTER NOT EXISTS { ?e cg:earliestDate ?x ; cg:latestDate ?y } }")
    assert not ask(store, "ASK { ?x cg:earliestDate ?a ; cg:latestDate ?b FILTER(?b < ?a) }")
    in_force = {row[0].value for row in store.query(PREFIXES + """
        SELECT ?a WHERE { ?a a cg:Agreement ; cg:earliestDate ?from ; cg:latestDate ?to
                          FILTER(?from <= "2020-01-01"^^xsd:date && ?to >= "2020-01-01"^^xsd:date) }""")}
    assert in_force == {f"{BASE}id/agreement/idf-zhejiang-2018", f"{BASE}id/agreement/idf-beijing-joint-action-plan-2018"}


def test_a_disputed_value_is_found_directly_and_filtering_it_keeps_the_others(store):
    """The attestation of a value links to the record that disputes it (cg:disputedBy, the inverse of what the
    record asserts); filtering disputed values drops that value only, not every value of the entities concerned."""
    disputed = {row[0].value for row in store.query(PREFIXES + """
        SELECT ?post WHERE { ?s rdf:subject ?post ; rdf:predicate org:heldBy ; cg:disputedBy ?issue }""")}
    assert disputed == {f"{BASE}id/post/president-amiens-cluster-frederic-lajoux"}
    # the Amiens meeting keeps its undisputed participants when the disputed one is filtered out
    kept = {row[0].value for row in store.query(PREFIXES + """
        SELECT ?who WHERE {
          <id/event/meeting-cci-amiens-picardie-2019-08-26> cg:participant ?who
          FILTER NOT EXISTS { ?s rdf:subject <id/event/meeting-cci-amiens-picardie-2019-08-26> ;
                                 rdf:predicate cg:participant ; rdf:object ?who ; cg:disputedBy ?issue }
        }""")}
    everyone = {row[0].value for row in store.query(PREFIXES + """
        SELECT ?who WHERE { <id/event/meeting-cci-amiens-picardie-2019-08-26> cg:participant ?who }""")}
    assert kept and kept == everyone - {f"{BASE}id/person/frederic-lajoux"}


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

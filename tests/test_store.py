import pyoxigraph
import pytest

from server.store import MemoryStore


@pytest.fixture
def store(settings):
    return MemoryStore.from_sources(settings)


def test_default_graph_is_data_plus_ontology(store, settings):
    types = {row["t"].value for row in store.query("SELECT DISTINCT ?t WHERE { ?s a ?t }")}
    assert settings.vocabulary_namespace + "City" in types  # data
    assert "http://www.w3.org/2002/07/owl#Class" in types  # ontology
    assert "http://www.w3.org/ns/shacl#NodeShape" not in types  # shapes: only by GRAPH


def test_named_graphs_are_reachable_with_graph(store, settings):
    ask = "ASK { GRAPH <graph/shapes> { ?s a <http://www.w3.org/ns/shacl#NodeShape> } }"
    assert bool(store.query(ask))  # the relative IRI resolves against the base


def test_run_file_binds_variables_as_terms(store, settings):
    lyon = settings.entity_iri("territory", "lyon")
    rows = list(store.run_file("types-of", resource=lyon))
    # City asserted, Territory entailed (graph/entailed)
    assert [row["type"].value for row in rows] == [settings.vocabulary_namespace + "City", settings.vocabulary_namespace + "Territory"]
    with pytest.raises(ValueError):
        store.run_file("types-of", resource="not an iri> } <x")


def test_run_file_refuses_paths(store):
    with pytest.raises(ValueError):
        store.run_file("../store")


def test_graphs_count_and_quads(store, settings):
    assert store.graphs() == sorted(settings.graph_iri(n) for n in ("data", "entailed", "ontology", "shapes"))
    sizes = {row["graph"].value: int(row["triples"].value) for row in store.run_file("graph-sizes")}
    assert sizes[settings.graph_iri("data")] == store.count(settings.graph_iri("data")) == 9
    assert store.count() == sum(sizes.values())
    assert all(isinstance(q, pyoxigraph.Quad) for q in store.quads(settings.graph_iri("ontology")))
    assert len(list(store.quads())) == store.count()
    assert store.version

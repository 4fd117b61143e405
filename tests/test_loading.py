import pyoxigraph
import pytest

from server.content import SourceError, dataset_version, load_into, read_rdflib_graph, source_paths, sources_mtime


def test_each_folder_goes_to_its_named_graph_with_relative_iris_resolved(make_settings):
    settings = make_settings("valid", base_iri="https://coop.example/")
    store = pyoxigraph.Store()
    load_into(store, settings)
    graphs = {graph.value for graph in store.named_graphs()}
    assert graphs == {settings.graph_iri(name) for name in ("ontology", "data", "shapes")}
    lyon = pyoxigraph.NamedNode(settings.entity_iri("territory", "lyon"))
    city = pyoxigraph.NamedNode(settings.vocabulary_namespace + "City")
    data_graph = pyoxigraph.NamedNode(settings.graph_iri("data"))
    assert pyoxigraph.Quad(lyon, pyoxigraph.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type"),
                           city, data_graph) in store


def test_data_folder_is_read_recursively(make_settings):
    names = [path.name for path in source_paths(make_settings("valid"), "data")]
    assert names == ["agreements.ttl", "territories.ttl"]


def test_rdflib_reading_resolves_against_the_base_and_records_origins(make_settings):
    settings = make_settings("valid", base_iri="https://coop.example/")
    origins = {}
    graph = read_rdflib_graph(source_paths(settings, "data"), settings.base_iri, origins)
    lyon = settings.entity_iri("territory", "lyon")
    assert any(str(s) == lyon for s in graph.subjects())
    assert {str(s): p.name for s, p in origins.items()}[lyon] == "territories.ttl"


def test_syntax_error_names_file_and_line_in_both_parsers(make_settings):
    settings = make_settings("broken")
    with pytest.raises(SourceError) as from_oxigraph:
        load_into(pyoxigraph.Store(), settings)
    with pytest.raises(SourceError) as from_rdflib:
        read_rdflib_graph(source_paths(settings, "data"), settings.base_iri)
    for error in (from_oxigraph.value, from_rdflib.value):
        assert error.path.name == "broken.ttl"
        assert error.line == 5  # the statement on line 4 lacks its final '.'
        assert str(error).startswith(f"{error.path}:5: ")
        assert error.message


def test_version_changes_with_base_iri_and_content(make_settings, tmp_path):
    (tmp_path / "data").mkdir()
    source = tmp_path / "data" / "a.ttl"
    source.write_text("<id/x/a> <def#p> 1 .\n")
    first = dataset_version(make_settings(tmp_path))
    assert len(first) == 16
    assert dataset_version(make_settings(tmp_path)) == first
    assert dataset_version(make_settings(tmp_path, base_iri="https://coop.example/")) != first
    source.write_text("<id/x/a> <def#p> 2 .\n")
    assert dataset_version(make_settings(tmp_path)) != first
    assert sources_mtime(make_settings(tmp_path)) == source.stat().st_mtime


def test_empty_project_has_no_sources(make_settings, tmp_path):
    assert sources_mtime(make_settings(tmp_path)) == 0.0
    assert dataset_version(make_settings(tmp_path))

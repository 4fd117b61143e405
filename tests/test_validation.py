import json

import pytest
import rdflib

from server.content import SourceError
from server.validation import validate


def test_conforming_data_may_still_have_warnings(make_settings):
    report = validate(make_settings("valid"))
    assert report.conforms
    assert {r.severity for r in report.results} == {"Warning"}
    assert report.text().startswith("Conforms: 2 warnings")


def test_violations_name_focus_path_shape_and_file(make_settings):
    report = validate(make_settings("invalid"))
    assert not report.conforms
    by_path = {r.path: r for r in report.violations}
    assert set(by_path) == {"rdfs:label", "cg:party"}
    label = by_path["rdfs:label"]
    assert label.focus_node == "<id/agreement/unlabelled>"
    assert label.message == "An agreement needs a label."
    assert label.source_shape == "<shapes#Agreement> rdfs:label"
    assert label.file == "data/bad.ttl"


def test_renderers(make_settings):
    report = validate(make_settings("invalid"))
    text = report.text()
    assert "data/bad.ttl\n  <id/agreement/unlabelled>\n    Violation" in text
    as_json = json.loads(report.json())
    assert as_json["conforms"] is False and len(as_json["results"]) == 3
    graph = rdflib.Graph().parse(data=report.turtle(), format="turtle")
    assert len(list(graph.subjects(rdflib.RDF.type, rdflib.SH.ValidationResult))) == 3


def test_syntax_errors_propagate(make_settings):
    with pytest.raises(SourceError):
        validate(make_settings("broken"))


def test_nested_detail_results_are_not_findings(make_settings):
    # pyshacl explains an sh:node failure with a second result under sh:detail; a curator has one thing to fix.
    report = validate(make_settings("nested-detail"))
    assert len(list(report.report_graph.subjects(rdflib.RDF.type, rdflib.SH.ValidationResult))) == 2
    assert [(r.focus_node, r.path, r.message) for r in report.results] == [
        ("<id/event/e>", "schema:location", "A location must be labelled.")
    ]


def test_prefixes_are_the_files_own(make_settings):
    # rdflib binds schema: to https://schema.org/ by default; the files say http://schema.org/.
    report = validate(make_settings("nested-detail"))
    assert "schema:location" in report.text() and "schema1:" not in report.text()


# --------------------------------------------------------------------------- validate = the published graphs


def _findings(report: rdflib.Graph) -> set[tuple]:
    """What a report finds, independent of how it names its shapes (blank property shapes differ)."""
    SH = rdflib.SH
    return {(str(report.value(r, SH.resultSeverity)), str(report.value(r, SH.focusNode)),
             str(report.value(r, SH.resultPath)) if isinstance(report.value(r, SH.resultPath), rdflib.URIRef) else None,
             str(report.value(r, SH.resultMessage)), str(report.value(r, SH.value)))
            for r in report.objects(None, SH.result)}


def _published_union(settings) -> rdflib.Graph:
    """Every graph the server publishes (data, ontology, what they entail, shapes) as one graph."""
    from server.graphs import CONTENT_GRAPHS, ENTAILED
    from server.store import MemoryStore

    store = MemoryStore.from_sources(settings)
    union = rdflib.Graph()
    for name in (*CONTENT_GRAPHS, ENTAILED):
        union.parse(data=store.graph_ntriples(settings.graph_iri(name)), format="nt")
    return union


@pytest.mark.parametrize("root", ["project", "valid", "invalid"])
def test_validate_and_pyshacl_on_the_published_union_agree(make_settings, root):
    """`coopgraph validate` checks the data files with the ontology at hand; a consumer runs pyshacl on
    everything the server publishes (with the entailed types and inverse links). Same findings, so that
    what the publisher calls conforming is what anyone checking the published graphs finds."""
    import pyshacl

    from tests.conftest import PROJECT_ROOT

    settings = make_settings(PROJECT_ROOT) if root == "project" else make_settings(root)
    published = _published_union(settings)
    shapes = rdflib.Graph()
    for path in sorted(settings.shapes_dir.glob("*.ttl")):
        shapes.parse(path, format="turtle", publicID=settings.base_iri)
    conforms, report, _ = pyshacl.validate(published, shacl_graph=shapes, inference="none", advanced=True,
                                           allow_warnings=True)
    ours = validate(settings)
    assert _findings(ours.report_graph) == _findings(report)
    assert ours.conforms == conforms
    assert ours.conforms == (root != "invalid")

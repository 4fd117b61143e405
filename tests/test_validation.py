import json

import pytest
import rdflib

from server.loading import SourceError
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

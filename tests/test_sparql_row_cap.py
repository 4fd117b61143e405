"""The row cap in every results format, on answers written in one pass: a format's row marker bounds the
rows from above (server/formats.py), so literals that contain the marker ("},{", newlines, "<result>")
may send an answer through the exact second pass but never change what the client gets."""

from __future__ import annotations

import csv
import io
import json
from xml.etree import ElementTree

import pyoxigraph
import pytest

from server.formats import SPARQL_CSV, SPARQL_JSON, SPARQL_TSV, SPARQL_XML
from server.settings import Settings
from server.sparql.check import QueryRefused
from server.sparql.runner import Limits, QueryJob, QueryRunner
from server.store import MemoryStore
from tests.conftest import PROJECT_ROOT

CAP = 4
GRAPH = pyoxigraph.NamedNode("http://example.org/g")
TRICKY = ['},{"a":1},{', "line\none\ntwo\n\n", "<result><result>", 'say "},{"', "plain"]


def runner_over(values: list[str], max_response_bytes: int = 10**6) -> QueryRunner:
    store = MemoryStore(Settings(root=PROJECT_ROOT, base_iri="http://example.org/"))
    store._handle().extend(pyoxigraph.Quad(pyoxigraph.NamedNode(f"http://example.org/s{i}"),
                                           pyoxigraph.NamedNode("http://example.org/p"), pyoxigraph.Literal(value),
                                           GRAPH) for i, value in enumerate(values))
    store.default_graphs = (GRAPH.value,)
    return QueryRunner(store, "http://example.org/", Limits(10, CAP, max_response_bytes, 100, 2))


def rows_of(body: bytes, media_type: str) -> list[str]:
    """The ?o of each row, read with a parser independent of pyoxigraph where one exists."""
    if media_type == SPARQL_JSON.media_type:
        return [row["o"]["value"] for row in json.loads(body)["results"]["bindings"]]
    if media_type == SPARQL_XML.media_type:
        ns = "{http://www.w3.org/2005/sparql-results#}"
        return [literal.text or "" for literal in ElementTree.fromstring(body).iter(f"{ns}literal")]
    if media_type == SPARQL_CSV.media_type:
        return [row["o"] for row in csv.DictReader(io.StringIO(body.decode()))]
    solutions = pyoxigraph.parse_query_results(body, format=pyoxigraph.QueryResultsFormat.TSV)
    return [solution["o"].value for solution in solutions]


@pytest.mark.parametrize("fmt", [SPARQL_JSON, SPARQL_XML, SPARQL_CSV, SPARQL_TSV], ids=lambda fmt: fmt.name)
@pytest.mark.parametrize("count", [0, 1, CAP - 1, CAP, CAP + 1, 3 * CAP])
def test_every_format_cuts_at_the_cap_exactly_whatever_the_literals(fmt, count):
    values = [TRICKY[i % len(TRICKY)] + str(i) for i in range(count)]
    result = runner_over(values).run(QueryJob("SELECT ?o WHERE { ?s ?p ?o } ORDER BY ?s", accept=fmt.media_type))
    got = rows_of(result.body, fmt.media_type)
    expected = [value for _, value in sorted((f"http://example.org/s{i}", value) for i, value in enumerate(values))]
    assert got == expected[:CAP]
    assert result.truncated_at == (CAP if count > CAP else None)


def test_markers_in_literals_never_cut_an_answer_under_the_cap():
    """Three rows whose literals hold many "},{": the bound passes the cap, so the exact pass runs, and the
    client still gets its three rows, untruncated."""
    values = ["},{" * 5, "},{", "x"]
    result = runner_over(values).run(QueryJob("SELECT ?o WHERE { ?s ?p ?o }", accept=SPARQL_JSON.media_type))
    assert sorted(rows_of(result.body, SPARQL_JSON.media_type)) == sorted(values)
    assert result.truncated_at is None


def test_an_answer_over_the_byte_cap_is_refused_in_every_format():
    runner = runner_over(["x" * 400, "y" * 400], max_response_bytes=500)
    for fmt in (SPARQL_JSON, SPARQL_XML, SPARQL_CSV, SPARQL_TSV):
        with pytest.raises(QueryRefused) as refused:
            runner.run(QueryJob("SELECT ?o WHERE { ?s ?p ?o }", accept=fmt.media_type))
        assert refused.value.status == 503 and "500 bytes" in refused.value.message

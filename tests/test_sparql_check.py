"""The guarded runner in-process: what check_query refuses, how the dataset is chosen, and the
caps QueryRunner applies (row cap exact and signalled, every format still well-formed, byte cap)."""

from __future__ import annotations

import csv
import io
import json
import xml.etree.ElementTree as ElementTree

import pyoxigraph
import pytest
import rdflib

from server.settings import Settings
from server.formats import ASK, CONSTRUCT, DESCRIBE, SELECT
from server.sparql.check import QueryRefused, check_query
from server.sparql.runner import Limits, QueryJob, QueryRunner
from server.store import MemoryStore
from tests.conftest import FIXTURES
from tests.sparql_helpers import Listener

BASE = "http://example.org/base/"


@pytest.fixture
def listener():
    with Listener() as listening:
        yield listening


SERVICE_AT = "<http://127.0.0.1:9/sparql>"


@pytest.mark.parametrize("query, form", [
    ("SELECT * { ?s ?p ?o }", SELECT),
    ("ASK {}", ASK),
    ("CONSTRUCT WHERE { ?s ?p ?o }", CONSTRUCT),
    ("DESCRIBE <x>", DESCRIBE),
])
def test_each_query_form_is_recognised(query, form):
    assert check_query(query, BASE).form == form


SERVICE_QUERIES = [
    f"SELECT * {{ SERVICE {SERVICE_AT} {{ ?s ?p ?o }} }}",
    f"SELECT * {{ SERVICE SILENT {SERVICE_AT} {{ ?s ?p ?o }} }}",
    "SELECT * { ?x ?y ?z SERVICE ?endpoint { ?s ?p ?o } }",
    f"SELECT * {{ ?s ?p ?o FILTER EXISTS {{ SERVICE {SERVICE_AT} {{ ?a ?b ?c }} }} }}",
    f"SELECT * {{ {{ SELECT ?s {{ SERVICE {SERVICE_AT} {{ ?s ?p ?o }} }} }} }}",
    f"SELECT * {{ ?s ?p ?o OPTIONAL {{ SERVICE {SERVICE_AT} {{ ?s ?q ?r }} }} }}",
    f"ASK {{ ?s ?p ?o MINUS {{ SERVICE {SERVICE_AT} {{ ?s ?q ?r }} }} }}",
    f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ SERVICE {SERVICE_AT} {{ ?s ?p ?o }} }}",
    f"DESCRIBE ?s WHERE {{ SERVICE {SERVICE_AT} {{ ?s ?p ?o }} }}",
    f"select * {{ service {SERVICE_AT} {{ ?s ?p ?o }} }}",
    # SPARQL expands \\u escapes before parsing: this IS a SERVICE clause.
    f"SELECT * {{ \\u0053ERVICE {SERVICE_AT} {{ ?s ?p ?o }} }}",
    f"SELECT * {{ \\U00000053ERVICE {SERVICE_AT} {{ ?s ?p ?o }} }}",
]


@pytest.mark.parametrize("query", SERVICE_QUERIES)
def test_service_is_refused_wherever_it_hides(query):
    with pytest.raises(QueryRefused) as refused:
        check_query(query, BASE)
    assert refused.value.status == 400
    assert "SERVICE is not allowed" in refused.value.message


# Texts rdflib and oxigraph used to read differently, SERVICE hidden from the first. {L} is a listener.
DISAGREEMENTS = [
    # oxigraph ends a comment at a bare CR; rdflib's parser read on to the next LF.
    "SELECT * {{ # note\rSERVICE <{L}> {{ ?s ?p ?o }}\n}}",
    # rdflib expands \u0027 everywhere, making ''' long strings around SERVICE; oxigraph only in strings.
    r"SELECT * {{ BIND('\u0027' AS ?x) SERVICE <{L}> {{ ?a ?b ?c }} BIND('\u0027' AS ?y) }}",
    # One expansion leaves \u0027 inside the strings, where oxigraph would read an escaped quote.
    r"SELECT * {{ BIND('\u005Cu0027' AS ?x) SERVICE <{L}> {{ ?a ?b ?c }} BIND('\u005Cu0027' AS ?y) }}",
]


@pytest.mark.parametrize("template", DISAGREEMENTS)
def test_parser_differences_cannot_smuggle_service(template, listener):
    """Whatever passes the check is exactly what oxigraph runs, and it never calls out."""
    try:
        checked = check_query(template.format(L=listener.url), BASE)
    except QueryRefused as refused:
        assert refused.status == 400
    else:
        _evaluate(checked.text)
    assert listener.connections() == 0


@pytest.mark.parametrize("template", DISAGREEMENTS[:2])
def test_those_differences_were_real(template, listener):
    """The same texts given to oxigraph as sent do call out, so the test above can fail."""
    _evaluate(template.format(L=listener.url))
    assert listener.connections() == 1


def _evaluate(text: str) -> None:
    try:
        list(pyoxigraph.Store().query(text, base_iri=BASE))
    except (OSError, SyntaxError, RuntimeError):
        pass  # the listener answers nothing useful: only whether it was called matters


def test_oxigraph_runs_the_text_that_was_checked():
    checked = check_query("SELECT * { # comment\r BIND(\"\\u00e9\" AS ?x) }", BASE)
    assert "\r" not in checked.text and "é" in checked.text
    assert list(pyoxigraph.Store().query(checked.text))[0]["x"].value == "é"


@pytest.mark.parametrize("update", [
    "INSERT DATA { <a> <b> <c> }",
    "CLEAR ALL",
    "DROP GRAPH <graph/data>",
    "LOAD <http://example.org/data.ttl>",
    "DELETE WHERE { ?s ?p ?o }",
    "PREFIX ex: <http://example.org/> WITH <g> DELETE { ?s ex:p ?o } WHERE { ?s ex:p ?o }",
])
def test_updates_sent_as_queries_are_refused_as_read_only(update):
    with pytest.raises(QueryRefused) as refused:
        check_query(update, BASE)
    assert refused.value.status == 403
    assert "read-only" in refused.value.message


@pytest.mark.parametrize("query, fragment", [
    ("ASK {", "syntax error"),
    ("SELECT ?x WHERE { ?x nope:p ?y }", "nope"),
    ("SELECT * { BIND(\"\\uD800\" AS ?x) }", "surrogate"),
    # SPARQL 1.2 triple terms: oxigraph could run it, the SPARQL 1.1 checker cannot read it.
    ("SELECT * { BIND(<<( <a> <b> <c> )>> AS ?t) }", "SPARQL 1.1"),
])
def test_unreadable_queries_are_refused_with_the_reason(query, fragment):
    with pytest.raises(QueryRefused) as refused:
        check_query(query, BASE)
    assert refused.value.status == 400
    assert fragment in refused.value.message


def test_from_and_from_named_resolve_against_the_base_iri():
    checked = check_query("SELECT * FROM <graph/data> FROM NAMED <graph/shapes> FROM NAMED <http://x/g> { ?s ?p ?o }", BASE)
    assert checked.default_graphs == (BASE + "graph/data",)
    assert checked.named_graphs == (BASE + "graph/shapes", "http://x/g")
    assert checked.has_dataset


# --- QueryRunner on a small store ---------------------------------------------------------------

ROWS = 5


@pytest.fixture(scope="module")
def store():
    return MemoryStore.from_sources(Settings(root=FIXTURES / "sparql" / "limits", base_iri=BASE))


def runner(store, rows=ROWS, response_bytes=1_000_000) -> QueryRunner:
    limits = Limits(timeout_s=5, max_result_rows=rows, max_response_bytes=response_bytes, memory_mb=256, workers=1)
    return QueryRunner(store=store, base_iri=BASE, limits=limits, prefixes={"ex": BASE + "def#"})


ALL_ITEMS = "SELECT ?s ?v WHERE { ?s ?p ?v } ORDER BY ?v"


def test_select_json_is_cut_at_the_row_cap_and_stays_valid(store):
    result = runner(store).run(QueryJob(ALL_ITEMS, accept="application/sparql-results+json"))
    document = json.loads(result.body)
    assert [int(row["v"]["value"]) for row in document["results"]["bindings"]] == [1, 2, 3, 4, 5]
    assert result.truncated_at == ROWS and result.truncation_header == "max-rows=5"


@pytest.mark.parametrize("accept, rows_of", [
    ("application/sparql-results+xml",
     lambda body: ElementTree.fromstring(body).findall(".//{http://www.w3.org/2005/sparql-results#}result")),
    ("text/csv", lambda body: list(csv.reader(io.StringIO(body.decode())))[1:]),
    ("text/tab-separated-values", lambda body: body.decode().splitlines()[1:]),
])
def test_every_select_format_is_cut_at_the_row_cap_and_stays_well_formed(store, accept, rows_of):
    result = runner(store).run(QueryJob(ALL_ITEMS, accept=accept))
    assert len(rows_of(result.body)) == ROWS
    assert result.truncated_at == ROWS


def test_results_within_the_cap_are_not_marked_truncated(store):
    result = runner(store).run(QueryJob(ALL_ITEMS + f" LIMIT {ROWS}", accept="application/sparql-results+json"))
    assert len(json.loads(result.body)["results"]["bindings"]) == ROWS
    assert result.truncated_at is None and result.truncation_header is None


def test_values_survive_the_cut_exactly(store):
    query = ('SELECT ?x WHERE { { VALUES ?x { "tab\\there\\nnewline \\"quoted\\""@fr "1"^^<http://example.org/t> } }'
             ' UNION { BIND(BNODE() AS ?x) } }')
    result = runner(store, rows=10).run(QueryJob(query, accept="application/sparql-results+json"))
    values = [row["x"] for row in json.loads(result.body)["results"]["bindings"]]
    assert values[0] == {"type": "literal", "value": 'tab\there\nnewline "quoted"', "xml:lang": "fr"}
    assert values[1] == {"type": "literal", "value": "1", "datatype": "http://example.org/t"}
    assert values[2]["type"] == "bnode"


@pytest.mark.parametrize("accept, rdflib_format", [
    ("text/turtle", "turtle"), ("application/n-triples", "nt"),
    ("application/rdf+xml", "xml"), ("application/ld+json", "json-ld"),
])
def test_construct_is_cut_at_the_row_cap_in_every_format(store, accept, rdflib_format):
    result = runner(store).run(QueryJob("CONSTRUCT WHERE { ?s ?p ?o }", accept=accept))
    assert len(rdflib.Graph().parse(data=result.body, format=rdflib_format)) == ROWS
    assert result.truncated_at == ROWS and result.form == CONSTRUCT


def test_a_response_over_the_byte_cap_is_refused_not_cut(store):
    with pytest.raises(QueryRefused) as refused:
        runner(store, rows=1000, response_bytes=2000).run(QueryJob(ALL_ITEMS, accept="application/sparql-results+json"))
    assert refused.value.status == 503
    assert "2000 bytes" in refused.value.message


@pytest.mark.parametrize("job, expected", [
    (QueryJob("ASK {}", accept=""), "application/sparql-results+json"),
    (QueryJob("CONSTRUCT WHERE { ?s ?p ?o }", accept=""), "text/turtle"),
    (QueryJob("SELECT * {}", accept="text/csv;q=0.5, application/sparql-results+xml"), "application/sparql-results+xml"),
    (QueryJob("SELECT * {}", accept="text/csv", format_name="tsv"), "text/tab-separated-values"),
    (QueryJob("DESCRIBE <id/item/1>", format_name="rdf+xml"), "application/rdf+xml"),
    (QueryJob("CONSTRUCT WHERE { ?s ?p ?o }", format_name="json"), "application/ld+json"),
])
def test_format_follows_accept_and_the_format_override(store, job, expected):
    assert runner(store).run(job).media_type == expected


@pytest.mark.parametrize("job", [
    QueryJob("SELECT * {}", accept="image/png"),
    QueryJob("ASK {}", accept="text/csv"),
    QueryJob("CONSTRUCT WHERE { ?s ?p ?o }", accept="application/sparql-results+json"),
    QueryJob("SELECT * {}", format_name="ttl"),
])
def test_an_unsupported_format_is_406_listing_the_offered_ones(store, job):
    with pytest.raises(QueryRefused) as refused:
        runner(store).run(job)
    assert refused.value.status == 406
    assert "offered" in refused.value.message


COUNT_DEFAULT = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"


def count(store, job) -> int:
    return int(json.loads(runner(store).run(job).body)["results"]["bindings"][0]["n"]["value"])


def test_dataset_protocol_parameters_win_over_from(store):
    data = BASE + "graph/data"
    assert count(store, QueryJob(COUNT_DEFAULT)) == 200  # the store's default graph
    assert count(store, QueryJob("SELECT (COUNT(*) AS ?n) FROM <http://nowhere/> { ?s ?p ?o }")) == 0
    assert count(store, QueryJob("SELECT (COUNT(*) AS ?n) FROM <graph/data> { ?s ?p ?o }")) == 200
    assert count(store, QueryJob("SELECT (COUNT(*) AS ?n) FROM <http://nowhere/> { ?s ?p ?o }",
                                 default_graphs=(data,))) == 200
    # Only named graphs given: the default graph is empty, and GRAPH sees just those named.
    assert count(store, QueryJob(COUNT_DEFAULT, named_graphs=(data,))) == 0
    assert count(store, QueryJob("SELECT (COUNT(*) AS ?n) { GRAPH ?g { ?s ?p ?o } }", default_graphs=(data,))) == 0


# --- The screen: queries QueryRunner sends straight to an embedded store -------------------------

UPDATES = ["INSERT DATA { <a> <b> <c> }", "CLEAR ALL", "DELETE WHERE { ?s ?p ?o }", "LOAD <http://example.org/x.ttl>"]


@pytest.mark.parametrize("query", SERVICE_QUERIES)
def test_the_runner_refuses_every_service_query_and_calls_nobody(store, listener, query):
    with pytest.raises(QueryRefused) as refused:
        runner(store).run(QueryJob(query.replace(SERVICE_AT, f"<{listener.url}>")))
    assert refused.value.status == 400
    assert listener.connections() == 0


@pytest.mark.parametrize("template", DISAGREEMENTS)
def test_the_runner_never_lets_parser_differences_call_out(store, listener, template):
    try:
        runner(store).run(QueryJob(template.format(L=listener.url)))
    except QueryRefused as refused:
        assert refused.status == 400
    assert listener.connections() == 0


@pytest.mark.parametrize("query, form, accept", [
    ("SELECT ?s WHERE { ?s ?p ?o } LIMIT 1", SELECT, "application/sparql-results+json"),
    ("ASK { ?s ?p ?o }", ASK, "application/sparql-results+json"),
    ("CONSTRUCT WHERE { ?s ?p ?o } LIMIT 2", CONSTRUCT, "application/n-triples"),
    ("DESCRIBE ?s WHERE { ?s ?p ?o } LIMIT 1", DESCRIBE, "text/turtle"),
])
def test_a_query_without_service_or_from_skips_the_full_check(store, monkeypatch, query, form, accept):
    """Its form comes from oxigraph's answer, and its results are the checked path's."""
    checked = runner(store).run(QueryJob(query, accept=accept))

    def no_full_check(*args):
        raise AssertionError("the screen should have let this query through")

    monkeypatch.setattr("server.sparql.runner.check_query", no_full_check)
    screened = runner(store).run(QueryJob(query, accept=accept))
    assert screened.form == form and screened.media_type == accept
    if form != DESCRIBE:  # DESCRIBE's blank nodes are named afresh on each run
        assert screened.body == checked.body


@pytest.mark.parametrize("query", [
    "SELECT * { ?s ?p ?o FILTER(?o != 'service') }",  # the word in a string
    "SELECT * # from the comment\n{ ?s ?p ?o }",
    "select * { ?s ?p ?o } # SeRvIcE",
])
def test_a_harmless_mention_of_the_words_takes_the_full_check_and_answers(store, monkeypatch, query):
    calls = []
    real = check_query
    monkeypatch.setattr("server.sparql.runner.check_query", lambda *args: calls.append(1) or real(*args))
    assert runner(store, rows=1000).run(QueryJob(query, accept="text/tab-separated-values")).form == SELECT
    assert calls == [1]


@pytest.mark.parametrize("update", UPDATES)
def test_the_runner_refuses_updates_as_read_only(store, update):
    before = store.count()
    with pytest.raises(QueryRefused) as refused:
        runner(store).run(QueryJob(update))
    assert refused.value.status == 403 and store.count() == before


@pytest.mark.parametrize("query, fragment", [
    ("SELECT ?x WHERE { ?x nope:p ?y }", "nope"),
    ("SELECT * { BIND(<<( <a> <b> <c> )>> AS ?t) }", "SPARQL 1.1"),
    ("SELECT * { ?s ?p ?o } GROUP", "syntax error"),
])
def test_the_runner_gives_the_checkers_reasons(store, query, fragment):
    with pytest.raises(QueryRefused) as refused:
        runner(store).run(QueryJob(query))
    assert refused.value.status == 400 and fragment in refused.value.message


def test_an_unacceptable_format_for_a_screened_query_is_406(store):
    with pytest.raises(QueryRefused) as refused:
        runner(store).run(QueryJob("ASK {}", accept="text/csv"))
    assert refused.value.status == 406

"""Predeclared prefixes and syntax errors in words (server/sparql/prefixes.py, server/sparql/syntax.py): a query
may use the common vocabularies' and the dataset's prefixes without declaring them, on GET and POST and on every
store backend; its own PREFIX wins; errors name the line and column of the query as written and say what was
expected; the service description and the page list the prefixes; the page's JSON helpers (/sparql/vocabulary,
/sparql/labels) answer in the reader's language and refuse bad input in words."""

from __future__ import annotations

import json
import re

import pyoxigraph
import pytest
import requests

from server import create_app
from server.settings import Settings
from server.sparql.check import QueryRefused, check_query
from server.sparql.prefixes import COMMON, Declared, declare, predeclared, read_prefixes
from server.sparql.syntax import explain
from tests.conftest import PROJECT_ROOT
from tests.sparql_helpers import Listener

BASE = "http://127.0.0.1:8000/"  # the project's default base IRI
PREFIXES = predeclared({"cg": BASE + "def#"})
BROWSER = {"Accept": "text/html"}
SH = "http://www.w3.org/ns/shacl#"
LOCALES = PROJECT_ROOT / "server" / "locales"


@pytest.fixture(scope="module")
def client():
    return create_app(Settings(root=PROJECT_ROOT, validate_on_start=False)).test_client()


# --- which prefixes a query gets -------------------------------------------------------------------


def test_only_the_prefixes_a_query_uses_and_does_not_declare_are_declared():
    query = ('PREFIX foaf: <http://example.org/my-foaf#>\nSELECT * WHERE { ?s a cg:Agreement ; foaf:name ?n ;\n'
             '  rdfs:label "skos:no" . # dcterms:no\n  ?s <http://x/owl:no> ?o }')
    declared = declare(query, PREFIXES)
    assert declared.added == ("cg", "rdfs")
    first_line, rest = declared.text.split("\n", 1)
    assert first_line == f"PREFIX cg: <{BASE}def#> PREFIX rdfs: <{COMMON['rdfs']}>"
    assert rest == query  # the query's own text, untouched
    assert declared.offset == len(first_line) + 1
    assert declare("SELECT * { ?s ?p ?o }", PREFIXES) == Declared("SELECT * { ?s ?p ?o }", 0)


def test_a_prefix_the_query_declares_is_its_own():
    found = read_prefixes("PREFIX cg: <other#>\nBASE <http://example.org/>\nSELECT * { ?s a cg:X ; : ?o }")
    assert found.declared == {"cg": "other#"}
    assert set(found.used) == {"cg", ""}
    assert declare("PREFIX cg: <other#> SELECT * { ?s a cg:X }", PREFIXES).offset == 0


def test_the_common_vocabularies_and_the_datasets_prefixes_are_predeclared():
    assert {"rdf", "rdfs", "owl", "xsd", "skos", "dcterms", "foaf", "org", "prov", "schema", "void", "dcat"} <= set(COMMON)
    mine = predeclared({"cg": BASE + "def#", "schema": "https://schema.org/", "not a name": "http://x/"})
    assert mine["cg"] == BASE + "def#" and mine["schema"] == "https://schema.org/"  # the dataset's win
    assert "not a name" not in mine


def test_positions_refer_to_the_query_as_written():
    declared = declare("SELECT ?a\nWHERE { ?a a cg:Agreement }", PREFIXES)
    assert declared.position(declared.offset) == (1, 1)
    assert declared.position(declared.text.index("cg:Agreement")) == (2, 14)
    assert declared.position(0) == (1, 1)  # inside the added line: the query's start


def test_the_checker_reads_predeclared_prefixes_and_keeps_base_and_own_prefixes():
    checked = check_query("BASE <http://127.0.0.1:8000/>\nPREFIX c: <def#>\nSELECT ?a WHERE { ?a a c:Agreement ; "
                          "rdfs:label ?l FILTER(?l != \"\"^^xsd:string) }", BASE, PREFIXES)
    assert checked.text.startswith("PREFIX rdfs: ") and checked.offset > 0
    assert check_query("SELECT ?a WHERE { ?a a cg:Agreement }", BASE, PREFIXES).offset > 0
    with pytest.raises(QueryRefused) as refused:
        check_query("SELECT ?a WHERE { ?a a cg:Agreement }", BASE)  # no prefixes given: cg: is unknown
    assert "prefix cg: is not declared" in refused.value.message


# --- errors in words --------------------------------------------------------------------------------

@pytest.mark.parametrize("query, where, words", [
    ("SELECT ?a WHERE {\n  ?a a foo:Bar }", "line 2, column 8", "prefix foo: is not declared; add PREFIX foo: <…>"),
    ("SELECT * WHERE { ?s ?p ?o } LIMT 3", "line 1, column 29", "unexpected “LIMT”; did you mean LIMIT?"),
    ("SELECT * WHERE {\n  ?s ?p ?o\n", "line 3, column 1", "the query ends too early; expected “{”, “}”, “.”"),
    ('SELECT ?x WHERE {\n ?s ?p "abc }', "line 2, column 8", "the string “\"abc }” is not closed"),
    ("SELECT * WHERE { ?s ?p ?o } ORDER BY DESC ?o", "line 1, column 43", "unexpected “?o”; expected “(”"),
    ("SELECT (COUNT(?s) ?n) WHERE { ?s ?p ?o }", "line 1, column 19", "expected an operator, AS"),
    ("SELECT * WHERE { ?s ?p ?o FILTR(?o) }", "line 1, column 27", "did you mean FILTER?"),
    ("SELECT * WHERE {\n ?s <http://a b> ?o }", "line 2, column 5", "“<http://a b>” is not a valid IRI"),
    ("SELEC * WHERE { }", "line 1, column 1", "did you mean SELECT?"),
    # A predeclared prefix put a line in front: the numbers still count the query's own lines.
    ("SELECT ?a WHERE { ?a a cg:Agreement }\nLIMT 2", "line 2, column 1", "did you mean LIMIT?"),
])
def test_a_syntax_error_says_where_and_what_was_expected(query, where, words):
    with pytest.raises(QueryRefused) as refused:
        check_query(query, BASE, PREFIXES)
    message = refused.value.message
    assert refused.value.status == 400
    assert message.startswith(f"SPARQL syntax error at {where}: "), message
    assert words in message, message
    assert "\\u{" not in message and "..=" not in message and "[_]" not in message, message  # never the parser's list


def test_an_unknown_prefix_in_the_engine_only_path_is_named_too():
    # rdflib reads it and the engine refuses it: the engine's message is put in words as well.
    message = explain(declare("SELECT ?s (COUNT(*) AS ?n) { ?s ?p ?o }", PREFIXES))
    assert message.startswith("SPARQL syntax error at line 1, column 40:") and "unbound" in message


def test_explaining_an_error_never_sends_a_request():
    """The engine has no parse-only call: the texts it is asked about have SERVICE written otherwise."""
    with Listener() as listener:
        service = f"SERVICE <{listener.url}> {{ ?a ?b ?c }}"
        assert explain(Declared(f"SELECT * {{ {service} }}", 0)) is None  # it reads it, and ran none of it
        with pytest.raises(QueryRefused) as refused:
            check_query(f"SELECT * WHERE {{\n {service} FILTER(?a > ) }}", BASE, PREFIXES)
        assert "line 2" in refused.value.message
        assert listener.connections() == 0


# --- over HTTP, on every backend ---------------------------------------------------------------------


@pytest.mark.every_backend
def test_predeclared_prefixes_work_on_get_and_post_on_every_backend(live_server):
    endpoint = live_server.url + "sparql"
    json_results = {"Accept": "application/sparql-results+json"}
    query = "SELECT ?a ?label WHERE { ?a a cg:Agreement ; rdfs:label ?label } LIMIT 1"
    for response in (
        requests.get(endpoint, params={"query": query}, headers=json_results, timeout=60),
        requests.post(endpoint, data={"query": query}, headers=json_results, timeout=60),
        requests.post(endpoint, data=query.encode(), timeout=60,
                      headers={**json_results, "Content-Type": "application/sparql-query"}),
    ):
        assert response.status_code == 200, response.text
        (row,) = response.json()["results"]["bindings"]
        assert row["a"]["value"].startswith(live_server.base_iri + "id/agreement/")
    # The query's own PREFIX wins: cg: is then another vocabulary, of which nothing is an instance.
    own = requests.get(endpoint, params={"query": "PREFIX cg: <http://example.org/other#> ASK { ?a a cg:Agreement }"},
                       headers=json_results, timeout=60)
    assert own.json()["boolean"] is False
    # BASE and relative PREFIX lines keep working beside predeclared prefixes.
    based = requests.get(endpoint, params={"query": f"BASE <{live_server.base_iri}>\nPREFIX c: <def#>\n"
                                                    "ASK { ?a a c:Agreement ; rdfs:label ?l }"},
                         headers=json_results, timeout=60)
    assert based.json()["boolean"] is True
    wrong = requests.get(endpoint, params={"query": "SELECT ?a WHERE {\n  ?a a nope:Thing }"}, timeout=60)
    assert wrong.status_code == 400
    assert "SPARQL syntax error at line 2, column 8: prefix nope: is not declared" in wrong.text


@pytest.mark.every_backend
def test_the_pages_helpers_answer_on_every_backend(live_server):
    china = live_server.base_iri + "id/territory/china"
    labels = requests.post(live_server.url + "sparql/labels?lang=fr", json={"iris": [china]}, timeout=60)
    assert labels.status_code == 200 and labels.json()["labels"][china]["name"] == "Chine"
    vocabulary = requests.get(live_server.url + "sparql/vocabulary?lang=fr", timeout=60).json()
    assert {"iri": live_server.base_iri + "def#Agreement", "kind": "class"}.items() <= next(
        term for term in vocabulary["terms"] if term["iri"].endswith("def#Agreement") and term["kind"] == "class").items()


def test_a_search_block_reads_predeclared_prefixes(client):
    response = client.get("/sparql", headers={"Accept": "application/sparql-results+json"}, query_string={
        "query": 'SELECT ?hit WHERE { SERVICE <search> { ?hit cg:searchText "zhejiang" ; cg:searchLimit 3 } }'})
    assert response.status_code == 200, response.get_data(as_text=True)
    hits = [row["hit"]["value"] for row in response.get_json()["results"]["bindings"]]
    assert BASE + "id/territory/zhejiang" in hits


def test_a_refused_query_on_the_page_says_where(client):
    response = client.post("/sparql", headers=BROWSER, data={"query": "SELECT * WHERE {\n ?s ?p ?o }\nLIMT 5"})
    assert response.status_code == 400
    assert "SPARQL syntax error at line 3, column 1: unexpected “LIMT”" in response.get_data(as_text=True)


# --- where the prefixes are listed -------------------------------------------------------------------


def test_the_service_description_lists_the_predeclared_prefixes(client):
    graph = pyoxigraph.Store()
    graph.load(client.get("/sparql?format=ttl").get_data(), format=pyoxigraph.RdfFormat.TURTLE, base_iri=BASE)
    rows = {row["prefix"].value: row["namespace"].value for row in graph.query(
        f"SELECT ?prefix ?namespace WHERE {{ <{BASE}sparql> <{BASE}sparql#predeclaredPrefix> ?d . "
        f"?d <{SH}prefix> ?prefix ; <{SH}namespace> ?namespace }}")}
    assert rows["cg"] == BASE + "def#" and rows["foaf"] == COMMON["foaf"] and rows["dcat"] == COMMON["dcat"]
    assert rows == predeclared(rows)
    defined = graph.query(f"ASK {{ <{BASE}sparql#predeclaredPrefix> <http://www.w3.org/2000/01/rdf-schema#comment> ?c }}")
    assert bool(defined)


def test_the_page_lists_the_predeclared_prefixes_in_each_language(client):
    for language, heading in (("en", "Prefixes you can use without declaring them"),
                              ("fr", "Préfixes utilisables sans les déclarer"), ("zh", "无需声明即可使用的前缀")):
        html = client.get(f"/sparql?lang={language}", headers=BROWSER).get_data(as_text=True)
        assert heading in html
        assert f"<tr><td><code>cg:</code></td><td><code>{BASE}def#</code></td></tr>" in html
        assert f"<tr><td><code>void:</code></td><td><code>{COMMON['void']}</code></td></tr>" in html


def test_every_word_of_the_sparql_page_is_in_three_languages():
    texts = {language: json.loads((LOCALES / f"{language}.json").read_text(encoding="utf-8"))
             for language in ("en", "fr", "zh")}
    used = set(re.findall(r"ui\.(sparql_\w+)", (PROJECT_ROOT / "server/templates/sparql.html").read_text()))
    mine = {key for key in texts["en"] if key.startswith("sparql_")}
    assert used <= mine
    for key in mine:
        for language in ("fr", "zh"):
            assert texts[language].get(key), f"{key} is missing in {language}.json"
            assert texts[language][key] != texts["en"][key], f"{key} in {language}.json is the English text"


# --- the page's JSON helpers -------------------------------------------------------------------------


def test_the_vocabulary_holds_the_datasets_classes_and_properties_named_in_the_readers_language(client):
    english = client.get("/sparql/vocabulary?lang=en").get_json()
    french = client.get("/sparql/vocabulary?lang=fr").get_json()
    assert english["prefixes"] == PREFIXES | english["prefixes"] and english["prefixes"]["cg"] == BASE + "def#"
    terms = {(term["iri"], term["kind"]): term for term in french["terms"]}
    assert (BASE + "def#Agreement", "class") in terms
    assert (COMMON["rdfs"] + "label", "property") in terms  # used in the data, though no ontology here declares it
    assert terms[BASE + "def#Agreement", "class"]["lang"] == "fr"
    assert terms[BASE + "def#Agreement", "class"]["name"] != {
        (t["iri"], t["kind"]): t for t in english["terms"]}[BASE + "def#Agreement", "class"]["name"]


def test_labels_come_in_one_request_in_the_readers_language_with_links_here(client):
    china, elsewhere = BASE + "id/territory/china", "http://example.org/nothing"
    response = client.post("/sparql/labels?lang=zh", json={"iris": [china, elsewhere, BASE + "def#Agreement"]})
    assert response.status_code == 200
    labels = response.get_json()["labels"]
    assert labels[china] == {"name": "中国", "lang": "zh", "href": "/id/territory/china?lang=zh"}
    assert labels[elsewhere] == {"href": elsewhere}
    assert labels[BASE + "def#Agreement"]["lang"] == "zh"


@pytest.mark.parametrize("kwargs, words", [
    ({"data": "iris=x", "content_type": "application/x-www-form-urlencoded"}, "Content-Type application/json"),
    ({"data": "{not json", "content_type": "application/json"}, "not JSON"),
    ({"json": {"iris": "http://x/"}}, "a list of IRIs"),
    ({"json": {"iris": ["not an IRI"]}}, "is not an absolute IRI"),
    ({"json": {"iris": [f"http://x/{n}" for n in range(20_001)]}}, "at most 20000 IRIs"),
])
def test_bad_label_requests_are_refused_in_words(client, kwargs, words):
    response = client.post("/sparql/labels", **kwargs)
    assert response.status_code == 400
    assert words in response.get_data(as_text=True)


def test_the_no_javascript_results_show_names_beside_iris(client):
    html = client.post("/sparql?lang=fr", headers=BROWSER, data={
        "query": f"SELECT ?t ?n WHERE {{ BIND(<{BASE}id/territory/china> AS ?t) BIND(42 AS ?n) }}"}).get_data(as_text=True)
    assert (f'<a href="/id/territory/china?lang=fr">{BASE}id/territory/china</a> '
            '<span class="iri-label">Chine</span>') in html
    assert re.search(r'<div class="table-scroll" role="region" aria-labelledby="results-heading" tabindex="0">', html)


def test_the_editor_is_given_the_query_of_a_results_link_to_run(client):
    """A link to results (the home page's "Run this query") opens the editor with the query, which runs it."""
    query = "SELECT ?a WHERE { ?a a cg:Agreement } LIMIT 2"
    html = client.get("/sparql", query_string={"query": query, "lang": "fr"}, headers=BROWSER).get_data(as_text=True)
    config = json.loads(re.search(r'<script type="application/json" id="sparql-config">(.*?)</script>', html, re.S)[1])
    assert config["query"] == query and config["run"] is True and config["lang"] == "fr"
    assert config["labels"] == "/sparql/labels?lang=fr" and config["vocabulary"] == "/sparql/vocabulary?lang=fr"
    plain = json.loads(re.search(r'id="sparql-config">(.*?)</script>', client.get("/sparql", headers=BROWSER)
                                 .get_data(as_text=True), re.S)[1])
    assert plain["run"] is False


def test_the_home_pages_query_links_keep_the_readers_language(client):
    html = client.get("/?lang=zh", headers=BROWSER).get_data(as_text=True)
    links = re.findall(r'<a href="(/sparql\?query=[^"]*)"', html)
    assert links and all(link.endswith("&amp;lang=zh") for link in links)

"""The query page: the plain form and server-rendered results that work without JavaScript,
YASGUI where its script loads, the examples, escaping, links and downloads (Flask test client)."""

from __future__ import annotations

import re

import pytest

from server import create_app
from tests.conftest import FIXTURES

BROWSER = {"Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"}


@pytest.fixture
def client(make_settings):
    settings = make_settings("valid", examples_dir=FIXTURES / "sparql" / "examples", validate_on_start=False)
    return create_app(settings).test_client()


def page(response) -> str:
    assert response.content_type.startswith("text/html"), response.content_type
    return response.get_data(as_text=True)


def test_the_page_offers_a_form_that_needs_no_javascript(client):
    html = page(client.get("/sparql", headers=BROWSER))
    form = re.search(r'<form id="plain-form"[^>]*>', html).group(0)
    assert 'method="post"' in form and 'action="/sparql"' in form
    assert '<textarea id="query" name="query"' in html
    assert "PREFIX cg: &lt;http://127.0.0.1:8000/def#&gt;" in html  # the dataset's prefixes


def test_the_page_loads_yasgui_from_the_installed_package(client):
    html = page(client.get("/sparql", headers=BROWSER))
    script = re.search(r'<script src="([^"]*yasgui\.min\.js)"', html).group(1)
    response = client.get(script)
    assert response.status_code == 200
    assert len(response.get_data()) > 100_000  # the real bundle, not a stub
    assert client.get(script.replace(".js", ".css")).status_code == 200
    assert '<script type="application/json" id="sparql-config">' in html


def test_yasgui_assets_are_only_its_build_folder(client):
    assert client.get("/sparql/yasgui/../../package.json").status_code == 404
    assert client.get("/sparql/yasgui/%2e%2e/package.json").status_code == 404


def test_examples_are_listed_escaped_and_run_by_link(client):
    html = page(client.get("/sparql", headers=BROWSER))
    assert "Which resources have an English label?" in html
    assert "Is there any agreement &lt;in&gt; the &#34;data&#34; &amp; the ontology?" in html
    href = re.search(r'href="([^"]*example=01-labelled)"', html).group(1)
    ran = page(client.get(href.replace("&amp;", "&"), headers=BROWSER))
    assert "Example: <span>Which resources have an English label?</span>" in ran
    assert "Lyon–Guangzhou agreement" in ran


def test_results_are_a_table_with_local_iris_linked_to_their_pages(client):
    html = page(client.post("/sparql", headers=BROWSER, data={
        "query": "SELECT ?s ?label ?external WHERE { ?s a <def#Agreement> ; <http://www.w3.org/2000/01/rdf-schema#label> ?label "
                 "BIND(<http://example.org/elsewhere> AS ?external) } ORDER BY ?s LIMIT 1"}))
    assert '<th scope="col">s</th>' in html
    assert '<a href="/id/agreement/lyon-guangzhou">' in html
    assert '<a href="http://example.org/elsewhere">' in html
    assert 'lang="en">Lyon–Guangzhou agreement</span> <small>@en</small>' in html


def test_everything_from_the_data_or_the_query_is_escaped(client):
    html = page(client.post("/sparql", headers=BROWSER, data={
        "query": 'SELECT ?x ?iri WHERE { BIND("<script>alert(1)</script>" AS ?x) BIND(IRI("javascript:alert(2)") AS ?iri) }'}))
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert 'href="javascript:' not in html


def test_unbound_values_leave_empty_cells_and_datatypes_show(client):
    html = page(client.post("/sparql", headers=BROWSER, data={
        "query": "SELECT ?a ?b WHERE { VALUES (?a ?b) { (1 UNDEF) } }"}))
    assert re.search(r"<td><span>1</span> <small>[^<]*integer</small></td><td></td>", html)


def test_ask_and_construct_render_too(client):
    assert '<p class="boolean">true</p>' in page(client.post("/sparql", headers=BROWSER, data={"query": "ASK {}"}))
    html = page(client.post("/sparql", headers=BROWSER, data={"query": "CONSTRUCT { <urn:a> <urn:b> 'c' } WHERE {}"}))
    assert '<th scope="col">predicate</th>' in html and "urn:b" in html


def test_downloads_link_to_each_format(client):
    html = page(client.post("/sparql", headers=BROWSER, data={"query": "SELECT (1 AS ?one) {}"}))
    links = dict(re.findall(r'<a href="([^"]*)" download="results\.(\w+)"', html))
    assert sorted(links.values()) == ["csv", "srj", "srx", "tsv"]
    for href, extension in links.items():
        response = client.get(href.replace("&amp;", "&"), headers=BROWSER)
        assert response.status_code == 200
        assert not response.content_type.startswith("text/html"), extension


def test_downloads_of_a_long_query_post_it_instead(client):
    query = "SELECT (1 AS ?one) {} #" + "x" * 4000
    html = page(client.post("/sparql", headers=BROWSER, data={"query": query}))
    assert html.count('class="download-form"') == 4
    assert 'name="format" value="csv"' in html


def test_an_error_is_shown_on_the_page_with_the_query_kept(client):
    response = client.post("/sparql", headers=BROWSER, data={"query": "SELECT * WHERE { ?s ?p"})
    assert response.status_code == 400
    html = page(response)
    assert 'class="sparql-error"' in html and "syntax error" in html
    assert "SELECT * WHERE { ?s ?p</textarea>" in html


def test_the_page_states_the_default_graph_named_graphs_and_limits(client):
    html = page(client.get("/sparql", headers=BROWSER))
    base = "http://127.0.0.1:8000/"  # the fixture's settings: the default base IRI
    assert f"<code>{base}graph/data</code> and <code>{base}graph/ontology</code>" in html
    assert f"<li><code>{base}graph/shapes</code></li>" in html
    assert '<th scope="row">Time per query</th><td>10 s</td>' in html

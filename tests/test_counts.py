"""Every figure the site states is what /sparql answers for the plain query it stands for (issue 14).

The figures are defined once, in server/figures.py; this checks what readers see against the endpoint:

* the triples on the home page and on /dataset are `SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }` (the default
  graph: data, ontology and what they entail), those of the asserted data and of each named graph
  `… WHERE { GRAPH <g> { ?s ?p ?o } }`, on the home page, /dataset, each /graph/… page and in VoID;
* every class count (the kinds on the home page and /browse/, the class pages, /dataset's table of classes
  and VoID's class partitions) is `SELECT (COUNT(DISTINCT ?x) AS ?n) WHERE { ?x a <class> }`, instances of
  sub-classes included, and each page says what it counts, in every language;
* the README states no count that could go stale, and the queries it gives answer what the pages show.

Run on the real content and on the `entities` fixture, whose cg:Territory has instances only through its
sub-class cg:City, so that a count of direct instances fails. The content is not validated: a count must
agree with the endpoint whatever state the data is in, and work in progress on the data must not hide a
count that disagrees.
"""

from __future__ import annotations

import html
import json
import re

import pytest
import rdflib
import requests
from markupsafe import escape
from rdflib.namespace import RDF, RDFS, VOID

from conftest import FIXTURES, PROJECT_ROOT
from server import create_app
from server.figures import FIGURES, VOID_COUNTS
from server.graphs import DATA, DEFAULT_GRAPH, ONTOLOGY, SHAPES
from server.indexes import browse_path
from server.settings import Settings
from server.state import app_state
from server.store.base import QUERIES_DIR
from server.ui_text import UI_TEXT

RESULTS_JSON = {"Accept": "application/sparql-results+json"}
PROJECTS = {"project": PROJECT_ROOT, "entities": FIXTURES / "entities"}
LANGUAGES = ("en", "fr", "zh")


@pytest.fixture(scope="module", params=sorted(PROJECTS))
def client(request, tmp_path_factory):
    settings = Settings(root=PROJECTS[request.param], var_dir=tmp_path_factory.mktemp(f"counts-{request.param}"),
                        validate_on_start=False)
    return create_app(settings).test_client()


@pytest.fixture(scope="module")
def sparql(client):
    return in_process(client)


def settings_of(client) -> Settings:
    return app_state(client.application).settings


def in_process(client):
    """`sparql(query)`: the one number a `SELECT (… AS ?n)` query gives on the app's /sparql."""
    def sparql(query: str) -> int:
        response = client.get("/sparql", query_string={"query": query}, headers=RESULTS_JSON)
        assert response.status_code == 200, response.text
        return the_number(response.get_json())
    return sparql


def live(url: str):
    """The same on a live server's /sparql."""
    def sparql(query: str) -> int:
        response = requests.get(url + "sparql", params={"query": query}, headers=RESULTS_JSON, timeout=60)
        assert response.status_code == 200, response.text
        return the_number(response.json())
    return sparql


def the_number(results: dict) -> int:
    (row,) = results["results"]["bindings"]
    return int(row["n"]["value"])


def default_graph_triples(sparql) -> int:
    return sparql("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }")


def graph_triples(sparql, graph: str) -> int:
    return sparql(f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{graph}> {{ ?s ?p ?o }} }}")


def instances(sparql, class_iri: str) -> int:
    return sparql(f"SELECT (COUNT(DISTINCT ?x) AS ?n) WHERE {{ ?x a <{class_iri}> }}")


def page(client, path: str, language: str = "en") -> str:
    response = client.get(path, headers={"Accept": "text/html", "Accept-Language": language})
    assert response.status_code == 200, (path, response.status_code)
    return response.get_data(as_text=True)


def number(text: str) -> int:
    return int(text.replace(",", ""))


def shown_kinds(html_text: str) -> dict[str, tuple[str, int]]:
    """The kinds a page shows: class IRI -> (its list's link, the count shown)."""
    # The count is within its words: "9 agreements", "协议：9", "city: 62" (server/plurals.py).
    found = re.findall(r'<li data-class="([^"]+)"[^>]*><a href="([^"]+)"[^>]*>[^<]*<strong>([\d,]+)</strong>', html_text)
    return {html.unescape(iri): (html.unescape(href), number(count)) for iri, href, count in found}


def class_page_count(client, href: str) -> int:
    (count,) = re.findall(r'<span class="count" data-figure="instances"[^>]*>([\d,]+) ', page(client, href))
    return number(count)


# --- triples --------------------------------------------------------------------------------------------

def test_no_triple_is_in_two_graphs_of_the_default_graph(client, sparql):
    """So the union's plain COUNT(*) (which meets a triple stated in two graphs twice) is its size, and
    the triples of data, ontology and entailed add up to those of the default graph."""
    settings = settings_of(client)
    parts = sum(graph_triples(sparql, settings.graph_iri(name)) for name in DEFAULT_GRAPH)
    assert parts == default_graph_triples(sparql) == app_state(client.application).published.facts.triples


def test_the_home_page_gives_the_triples_sparql_counts(client, sparql):
    home = page(client, "/")
    (shown,) = re.findall(r'<li data-figure="triples"[^>]*><strong>([\d,]+)</strong>', home)
    assert number(shown) == default_graph_triples(sparql)
    (data,) = re.findall(r'<strong data-figure="data_triples">([\d,]+)</strong>', home)
    assert number(data) == graph_triples(sparql, settings_of(client).graph_iri(DATA))


def test_the_dataset_page_gives_the_triples_sparql_counts(client, sparql):
    dataset = page(client, "/dataset.html")
    (shown,) = re.findall(r'<tr data-figure="triples">.*?<td>([\d,]+)</td>', dataset)
    assert number(shown) == default_graph_triples(sparql)
    (data,) = re.findall(r'<tr data-figure="data_triples">.*?<td>([\d,]+)</td>', dataset)
    assert number(data) == graph_triples(sparql, settings_of(client).graph_iri(DATA))


def test_every_named_graph_shows_the_triples_sparql_counts(client, sparql):
    home, dataset = page(client, "/"), page(client, "/dataset.html")
    on_home = {html.unescape(iri): number(count) for iri, count in
               re.findall(r'<tr data-graph="([^"]+)">.*?<td>([\d,]+) triples</td>', home)}
    on_dataset = {html.unescape(iri): number(count) for iri, count in
                  re.findall(r'<tr data-figure="graph_triples" data-graph="([^"]+)">.*?<td>([\d,]+)</td>', dataset)}
    graphs = app_state(client.application).dataset.store.graphs()
    assert set(on_home) == set(on_dataset) == set(graphs)
    for graph in graphs:
        expected = graph_triples(sparql, graph)
        assert on_home[graph] == on_dataset[graph] == expected, graph
        (shown,) = re.findall(r'<span data-figure="graph_triples"[^>]*>[^<]*<strong>([\d,]+)</strong>',
                              page(client, f"/graph/{graph.rsplit('/', 1)[-1]}.html"))
        assert number(shown) == expected, graph


# --- instances ------------------------------------------------------------------------------------------

def test_every_kind_on_the_home_page_and_its_class_page_count_what_sparql_counts(client, sparql):
    for path in ("/", "/browse/"):
        kinds = shown_kinds(page(client, path))
        assert kinds, path
        for class_iri, (href, shown) in kinds.items():
            expected = instances(sparql, class_iri)
            assert shown == expected, (path, class_iri)
            assert class_page_count(client, href) == expected, href


def test_every_class_page_counts_what_sparql_counts(client, sparql):
    """Every class with instances, sub-classes and classes no kind stands for included."""
    state = app_state(client.application)
    in_use = sparql("SELECT (COUNT(DISTINCT ?c) AS ?n) WHERE { ?x a ?c FILTER(isIRI(?c)) }")
    assert len(state.published.facts.instances) == in_use
    for class_iri in state.published.facts.instances:
        assert class_page_count(client, browse_path(class_iri, state.dataset.prefixes)) == \
            instances(sparql, class_iri), class_iri


def test_a_class_with_only_sub_class_instances_counts_them(client, sparql):
    """The fixture's cg:Territory has only cities, the real content's cg:Agreement only agreements of a
    sub-class: counting direct instances would find none."""
    state = app_state(client.application)
    asserted = " ".join(f"<{state.settings.graph_iri(name)}>" for name in (DATA, ONTOLOGY))
    through_sub_classes = [
        class_iri for class_iri in state.published.facts.instances
        if sparql(f"SELECT (COUNT(DISTINCT ?x) AS ?n) WHERE {{ VALUES ?g {{ {asserted} }} "
                  f"GRAPH ?g {{ ?x a <{class_iri}> }} }}") == 0]
    assert through_sub_classes, "no class has instances only through its sub-classes: this checks nothing"
    for class_iri in through_sub_classes:
        count = class_page_count(client, browse_path(class_iri, state.dataset.prefixes))
        assert count == instances(sparql, class_iri) > 0, class_iri


def test_the_dataset_table_of_classes_counts_every_instance_as_sparql_does(client, sparql):
    dataset = page(client, "/dataset.html")
    table = dataset[dataset.index('<table class="partitions" data-figure="instances">'):]
    table = table[:table.index("</table>")]
    rows = {html.unescape(iri): number(count) for iri, count in
            re.findall(r'<tr data-iri="([^"]+)"><td>.*?</td><td>([\d,]+)</td></tr>', table)}
    assert len(rows) == sparql("SELECT (COUNT(DISTINCT ?c) AS ?n) WHERE { ?x a ?c FILTER(isIRI(?c)) }")
    for class_iri, shown in rows.items():
        assert shown == instances(sparql, class_iri), class_iri
    # Its header and caption say what is counted: the instances of sub-classes too.
    assert f"<th title=\"{escape(UI_TEXT['en']['figure_instances_meaning'])}\">Instances (direct or through a " \
           "sub-class)</th>" in table
    assert str(escape(UI_TEXT["en"]["figure_instances_meaning"])) in table[:table.index("</caption>")]


# --- VoID -----------------------------------------------------------------------------------------------

def test_void_counts_what_sparql_counts_and_says_which_graphs(client, sparql):
    settings = settings_of(client)
    response = client.get("/.well-known/void", headers={"Accept": "text/turtle"})
    assert response.status_code == 200
    graph, dataset = rdflib.Graph().parse(data=response.data, format="turtle"), rdflib.URIRef(settings.dataset_iri)
    assert int(graph.value(dataset, VOID.triples)) == default_graph_triples(sparql)
    for name in (*DEFAULT_GRAPH, SHAPES):
        subset = settings.graph_iri(name)
        assert int(graph.value(rdflib.URIRef(subset), VOID.triples)) == graph_triples(sparql, subset), name
    partitions = {str(graph.value(p, VOID["class"])): int(graph.value(p, VOID.entities))
                  for p in graph.objects(dataset, VOID.classPartition)}
    assert partitions == app_state(client.application).published.facts.instances
    for class_iri, count in partitions.items():
        assert count == instances(sparql, class_iri), class_iri
    # It says which graphs its statistics count, and that a class partition counts sub-classes' instances.
    comments = {comment.language: str(comment) for comment in graph.objects(dataset, RDFS.comment)}
    assert set(comments) >= set(LANGUAGES)
    for language in LANGUAGES:
        assert all(settings.graph_iri(name) in comments[language] for name in DEFAULT_GRAPH), language
    assert "direct or through a sub-class" in comments["en"]


# --- meanings -------------------------------------------------------------------------------------------

def test_every_figure_has_its_query_and_its_name_and_meaning_in_every_language():
    for language in LANGUAGES:
        words = json.loads((PROJECT_ROOT / "server" / "locales" / f"{language}.json").read_text(encoding="utf-8"))
        for figure in FIGURES:
            assert (QUERIES_DIR / f"{figure.query}.rq").is_file(), figure
            assert words.get(figure.label) and words.get(figure.meaning), (figure.name, language)
        assert "{entailed}" in words[VOID_COUNTS], language


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_page_with_figures_says_what_they_count(client, language):
    meaning = {figure.name: str(escape(UI_TEXT[language][figure.meaning])) for figure in FIGURES}
    home = page(client, "/", language)
    assert all(meaning[name] in home for name in ("triples", "data_triples", "instances", "graph_triples"))
    assert meaning["instances"] in page(client, "/browse/", language)
    assert meaning["instances"] in page(client, "/browse/cg:Agreement", language)
    assert meaning["graph_triples"] in page(client, "/graph/data.html", language)
    dataset = page(client, "/dataset.html", language)
    for figure in FIGURES:
        assert meaning[figure.name] in dataset, (figure.name, language)


# --- the README -----------------------------------------------------------------------------------------

@pytest.mark.parametrize("client", ["project"], indirect=True)  # the README describes the real content
def test_the_readme_states_no_count_that_goes_stale_and_its_queries_answer_what_the_pages_show(client, sparql):
    text = (PROJECT_ROOT / "README.md").read_text(encoding="utf-8")
    section = text[text.index("## The dataset"):]
    section = section[:section.index("\n## ", 1)]
    home = page(client, "/")
    kinds = shown_kinds(home)
    # No number of triples, nor of the instances of a kind the home page shows (in any usual spelling).
    names = {html.unescape(name).lower() for name in re.findall(r'<li data-class="[^"]+"[^>]*><a href="[^"]+"[^>]*>'
                                                                 r'<strong>[\d,]+</strong> ([^<]+)</a>', home)}
    spellings = {variant for name in names for variant in (name, name.replace("iz", "is"), name.split()[-1])}
    spellings |= {"triple", "people", "skos concept"}
    words = "|".join(sorted(re.escape(word) + "s?" for word in spellings))
    stale = re.findall(rf"\b\d[\d,.]*\s+(?:(?:about|more than|over)\s+)?(?:{words})\b|\b\d[\d,.]*\s+`[\w-]+:[\w-]+`",
                       section, re.IGNORECASE)
    assert not stale, f"counts stated in README.md that will go stale: {stale}"
    assert "`/dataset`" in section and "home page" in section and "`server/figures.py`" in section
    # The queries it gives answer what the pages show.
    triples_query = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"
    assert f"`{triples_query}`" in section
    (shown,) = re.findall(r'<li data-figure="triples"[^>]*><strong>([\d,]+)</strong>', home)
    assert sparql(triples_query) == number(shown)
    class_query = "SELECT (COUNT(DISTINCT ?x) AS ?n) WHERE { ?x a cg:Agreement }"
    assert f"`{class_query}`" in section
    agreement = settings_of(client).base_iri + "def#Agreement"
    assert sparql("PREFIX cg: <def#>\n" + class_query) == kinds[agreement][1] == \
        class_page_count(client, "/browse/cg:Agreement")


# --- a live server, on every store backend --------------------------------------------------------------

@pytest.mark.every_backend
def test_a_live_server_states_the_counts_its_endpoint_gives(live_server):
    sparql, url = live(live_server.url), live_server.url
    home = requests.get(url, headers={"Accept": "text/html"}, timeout=30).text
    (shown,) = re.findall(r'<li data-figure="triples"[^>]*><strong>([\d,]+)</strong>', home)
    assert number(shown) == default_graph_triples(sparql)
    kinds = shown_kinds(home)
    assert kinds
    for class_iri, (_href, count) in kinds.items():
        assert count == instances(sparql, class_iri), class_iri
    void = rdflib.Graph().parse(data=requests.get(url + ".well-known/void", timeout=30).content, format="turtle")
    dataset = rdflib.URIRef(live_server.base_iri + "dataset")
    assert (dataset, RDF.type, VOID.Dataset) in void
    assert int(void.value(dataset, VOID.triples)) == default_graph_triples(sparql)
    for name in (*DEFAULT_GRAPH, SHAPES):
        graph = live_server.base_iri + f"graph/{name}"
        assert int(void.value(rdflib.URIRef(graph), VOID.triples)) == graph_triples(sparql, graph), name

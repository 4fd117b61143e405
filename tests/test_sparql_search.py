"""The name search inside SPARQL: `SERVICE <search> { ?hit cg:searchText "…" }` is answered from the site's
name index (server/sparql/search_service.py) and joins with the graph, on every store backend; every other
SERVICE stays refused, a malformed search block is a 400 saying why, and nothing reaches the network."""

from __future__ import annotations

import time

import pytest
import requests

from conftest import PROJECT_ROOT
from server import create_app
from server.settings import Settings
from server.sparql.check import QueryRefused
from server.sparql.search_service import find_searches, rewrite
from tests.sparql_helpers import Listener

JSON = "application/sparql-results+json"
PREFIXES = "PREFIX cg: <def#>\nPREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>\n"
EXAMPLE = PREFIXES + """SELECT ?hit ?rank ?agreement WHERE {
  SERVICE <search> { ?hit cg:searchText "zhej" ; cg:searchRank ?rank . }
  ?agreement cg:party ?hit .
} ORDER BY ?rank ?agreement"""
# Checked by hand against data/agreements.ttl: the parties whose names start with "zhej" (the Zhejiang
# provincial government, tourism bureau, university and investment promotion centre) and their agreements.
EXAMPLE_ROWS = {
    ("id/organisation/zhejiang-provincial-government", "id/agreement/idf-zhejiang-2018"),
    ("id/organisation/zhejiang-tourism-bureau", "id/agreement/crt-zhejiang-tourism-partnership"),
    ("id/organisation/zhejiang-university", "id/agreement/paris-saclay-zhejiang-university-2018"),
    ("id/organisation/ziipc", "id/agreement/choose-paris-region-ziipc-mou-2021"),
}


@pytest.fixture(scope="module")
def client(tmp_path_factory):
    settings = Settings(root=PROJECT_ROOT, var_dir=tmp_path_factory.mktemp("search-sparql-var"))
    return create_app(settings).test_client()


def ask(client, query: str, **params):
    return client.post("/sparql", data={"query": query, **params}, headers={"Accept": JSON})


def rows(response, base: str = "http://127.0.0.1:8000/") -> list[dict[str, str]]:
    assert response.status_code == 200, response.get_data(as_text=True)
    return [{name: term["value"].removeprefix(base) for name, term in binding.items()}
            for binding in response.json["results"]["bindings"]]


def test_the_example_joins_the_search_with_the_graph(client):
    found = rows(ask(client, EXAMPLE))
    assert {(row["hit"], row["agreement"]) for row in found} == EXAMPLE_ROWS
    ranks = [int(row["rank"]) for row in found]
    assert ranks == sorted(ranks) and ranks[0] >= 1


@pytest.mark.every_backend
def test_the_example_answers_on_every_backend(live_server):
    response = requests.post(live_server.url + "sparql", data={"query": EXAMPLE}, headers={"Accept": JSON}, timeout=60)
    assert response.status_code == 200, response.text
    found = [{name: term["value"].removeprefix(live_server.base_iri) for name, term in binding.items()}
             for binding in response.json()["results"]["bindings"]]
    assert {(row["hit"], row["agreement"]) for row in found} == EXAMPLE_ROWS


def test_hits_are_ranked_from_one_best_first(client):
    found = rows(ask(client, PREFIXES + """SELECT ?hit ?rank ?name WHERE {
        SERVICE <search> { ?hit cg:searchText "Zhejiang" ; cg:searchRank ?rank ; cg:searchName ?name }
    } ORDER BY ?rank"""))
    assert [int(row["rank"]) for row in found] == list(range(1, len(found) + 1))
    assert len(found) > 5
    assert found[0]["hit"] == "id/territory/zhejiang", "the name equal to the text comes first"
    assert found[0]["name"] == "Zhejiang"
    assert len({row["hit"] for row in found}) == len(found)


def test_accents_and_languages_are_found(client):
    found = rows(ask(client, PREFIXES + """SELECT ?hit WHERE {
        SERVICE <search> { ?hit cg:searchText "浙江大学" ; cg:searchLimit 1 } }"""))
    assert found == [{"hit": "id/organisation/zhejiang-university"}]
    found = rows(ask(client, PREFIXES + """SELECT ?hit WHERE {
        SERVICE <search> { ?hit cg:searchText "Region Ile-de-France" ; cg:searchKind "organisation" ; cg:searchLimit 1 } }"""))
    assert found == [{"hit": "id/organisation/region-ile-de-france"}]


def test_the_kind_filter_keeps_those_kinds(client):
    one = rows(ask(client, PREFIXES + """SELECT ?hit WHERE {
        SERVICE <search> { ?hit cg:searchText "zhejiang" ; cg:searchKind "organisation" } }"""))
    assert one and all(row["hit"].startswith("id/organisation/") for row in one)
    two = rows(ask(client, PREFIXES + """SELECT ?hit WHERE {
        SERVICE <search> { ?hit cg:searchText "zhejiang" ; cg:searchKind "organisation", "territory" } }"""))
    assert {row["hit"].split("/")[1] for row in two} == {"organisation", "territory"}
    assert {row["hit"] for row in one} < {row["hit"] for row in two}


def test_the_limit_keeps_the_best(client):
    every = rows(ask(client, PREFIXES + """SELECT ?hit ?rank WHERE {
        SERVICE <search> { ?hit cg:searchText "zhejiang" ; cg:searchRank ?rank } } ORDER BY ?rank"""))
    two = rows(ask(client, PREFIXES + """SELECT ?hit ?rank WHERE {
        SERVICE <search> { ?hit cg:searchText "zhejiang" ; cg:searchRank ?rank ; cg:searchLimit 2 } } ORDER BY ?rank"""))
    assert len(every) > 2 and two == every[:2]


def test_two_search_blocks_in_one_query(client):
    found = rows(ask(client, PREFIXES + """SELECT ?agreement WHERE {
        SERVICE <search> { ?a cg:searchText "Zhejiang University" ; cg:searchKind "organisation" ; cg:searchLimit 1 }
        SERVICE <search> { ?b cg:searchText "Paris-Saclay" ; cg:searchKind "organisation" ; cg:searchLimit 1 }
        ?agreement cg:party ?a , ?b .
    }"""))
    assert found == [{"agreement": "id/agreement/paris-saclay-zhejiang-university-2018"}]


def test_a_search_matching_nothing_joins_nothing(client):
    assert rows(ask(client, PREFIXES + """SELECT * WHERE {
        SERVICE <search> { ?hit cg:searchText "qqqqxyzzy" } ?hit ?p ?o }""")) == []


def test_the_absolute_iri_and_silent_work_too(client):
    found = rows(ask(client, PREFIXES + """SELECT ?hit WHERE {
        SERVICE SILENT <http://127.0.0.1:8000/search> { ?hit cg:searchText "Hangzhou" ; cg:searchLimit 1 } }"""))
    assert found == [{"hit": "id/territory/hangzhou"}]


@pytest.mark.parametrize("service", ["<http://example.org/sparql>", "<search2>", "?endpoint", "<searchy>",
                                     "<http://127.0.0.1:8000/search/>"])
def test_any_other_service_is_refused_as_before(client, service):
    query = PREFIXES + f"SELECT * WHERE {{ SERVICE {service} {{ ?hit cg:searchText \"zhej\" }} }}"
    response = ask(client, query)
    assert response.status_code == 400
    assert "SERVICE is not allowed" in response.get_data(as_text=True)
    # … also beside a search block, which is answered: the other one is still refused.
    both = PREFIXES + (f"SELECT * WHERE {{ SERVICE <search> {{ ?hit cg:searchText \"zhej\" }} "
                       f"SERVICE {service} {{ ?hit ?p ?o }} }}")
    response = ask(client, both)
    assert response.status_code == 400 and "SERVICE is not allowed" in response.get_data(as_text=True)


@pytest.mark.parametrize("block, fragment", [
    ("?hit cg:searchRank ?rank", "needs one cg:searchText"),
    ("?hit cg:searchText ?text", "not the variable ?text"),
    ("?hit cg:searchText <id/territory/zhejiang>", "takes a string"),
    ("?hit cg:searchText 42", "takes a string"),
    ('?hit cg:searchText "a" , "b"', "one cg:searchText"),
    ('?hit cg:searchText "zhej" ; cg:searchScore ?s', "searchScore> is not one of its terms"),
    ('?hit cg:searchText "zhej" ; rdfs:label ?l', "label> is not one of its terms"),
    ('?hit cg:searchText "zhej" . ?other cg:searchRank ?r', "one variable"),
    ('<id/territory/zhejiang> cg:searchText "zhej"', "is not a variable"),
    ('?hit cg:searchText "zhej" ; cg:searchRank "first"', "takes a variable"),
    ('?hit cg:searchText "zhej" ; cg:searchRank ?hit', "variable of their own"),
    ('?hit cg:searchText "zhej" ; cg:searchLimit 0', "at least 1"),
    ('?hit cg:searchText "zhej" ; cg:searchLimit 10001', "at most 10000"),
    ('?hit cg:searchText "zhej" ; cg:searchKind ?kind', "not the variable ?kind"),
    ('?hit cg:searchText "zhej" FILTER(?hit != <x>)', "FILTER"),
    ('?hit cg:searchText "zhej" . OPTIONAL { ?hit cg:searchRank ?r }', "no groups"),
    ('?hit cg:searchText "zhej" . SERVICE <search> { ?b cg:searchText "x" }', "cannot hold another SERVICE"),
    ("", "empty"),
    (f'?hit cg:searchText "{"x" * 201}"', "longer than 200"),
    ('?hit cg:searchText "zhej\n', "is not closed"),
])
def test_a_malformed_search_block_is_a_400_saying_why(client, block, fragment):
    response = ask(client, PREFIXES + f"SELECT * WHERE {{ SERVICE <search> {{ {block} }} }}")
    assert response.status_code == 400
    assert fragment in response.get_data(as_text=True)


def test_an_unclosed_search_block_is_a_400(client):
    response = ask(client, PREFIXES + 'SELECT * WHERE { SERVICE <search> { ?hit cg:searchText "zhej" ')
    assert response.status_code == 400 and "not closed" in response.get_data(as_text=True)


def test_a_search_block_in_a_string_or_a_comment_is_left_alone(client):
    text = 'SERVICE <search> { ?hit cg:searchText "zhej" }'
    in_string = PREFIXES + f"SELECT ?s WHERE {{ BIND('''{text}''' AS ?s) }}"
    assert rows(ask(client, in_string)) == [{"s": text}]
    in_comment = PREFIXES + f"# {text}\nSELECT ?s WHERE {{ BIND('x' AS ?s) }} # {text}"
    assert rows(ask(client, in_comment)) == [{"s": "x"}]


def test_the_page_shows_the_query_as_sent(client):
    response = client.post("/sparql", data={"query": EXAMPLE}, headers={"Accept": "text/html"})
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "SERVICE &lt;search&gt;" in html and "VALUES (?hit ?rank)" not in html
    assert "/id/agreement/idf-zhejiang-2018" in html


def test_nothing_reaches_the_network(tmp_path):
    """A server whose base IRI is a listener's: had the search block reached the engine as a SERVICE, the
    engine would have called the listener."""
    with Listener() as listener:
        base = listener.url.removesuffix("sparql")
        app = create_app(Settings(root=PROJECT_ROOT, var_dir=tmp_path, base_iri=base))
        client = app.test_client()
        found = rows(ask(client, EXAMPLE), base=base)
        assert {(row["hit"], row["agreement"]) for row in found} == EXAMPLE_ROWS
        refused = ask(client, PREFIXES + "SELECT * WHERE { SERVICE <search> { ?hit cg:searchText \"zhej\" } "
                                         "SERVICE <sparql> { ?hit ?p ?o } }")
        assert refused.status_code == 400
        assert listener.connections() == 0


# The rewrite itself, without a server.

BASE = "http://127.0.0.1:8000/"


def fake_search(text, *, kinds=(), limit=100, counted=True):
    from types import SimpleNamespace

    hits = [SimpleNamespace(iri=f"{BASE}id/territory/zhejiang", matched='Zhe"jiang <b>'),
            SimpleNamespace(iri=f"{BASE}id/territory/hangzhou", matched="Hangzhou")]
    return SimpleNamespace(hits=hits[:limit])


def test_the_rewrite_is_a_values_block_of_escaped_terms():
    query = PREFIXES + 'SELECT * { SERVICE <search> { ?h cg:searchText "z" ; cg:searchRank ?r ; cg:searchName ?n } }'
    rewritten = rewrite(query, base_iri=BASE, search=fake_search, max_rows=1000)
    assert "SERVICE" not in rewritten
    assert (f'VALUES (?h ?r ?n) {{\n(<{BASE}id/territory/zhejiang> 1 "Zhe\\"jiang <b>")\n'
            f'(<{BASE}id/territory/hangzhou> 2 "Hangzhou")\n}}\n') in rewritten


def test_a_query_without_a_search_block_is_untouched():
    for query in ("SELECT * { ?s ?p ?o }", "SELECT * { SERVICE <http://example.org/> { ?s ?p ?o } }",
                  "SELECT * { # SERVICE <search> { ?h <def#searchText> 'x' }\r ?s ?p ?o }"):
        assert rewrite(query, base_iri=BASE, search=fake_search, max_rows=10) is query


@pytest.mark.parametrize("query, found", [
    ("PREFIX cg: <def#> SELECT * { SERVICE <search> { ?h cg:searchText 'x' } }", 1),
    ("PREFIX cg: <http://127.0.0.1:8000/def#> PREFIX s: <http://127.0.0.1:8000/> "
     "SELECT * { SERVICE s:search { $h cg:searchText '''x''' } }", 1),
    ("PREFIX cg: <def#> SELECT * { \\u0053ERVICE <search> { ?h cg:searchText \"x\"@fr } }", 1),
    # Another base: <search> is another server's, refused by the check as any other SERVICE.
    ("BASE <http://example.org/> PREFIX cg: <def#> SELECT * { SERVICE <search> { ?h cg:searchText 'x' } }", 0),
])
def test_the_service_iri_resolves_as_the_engine_resolves_it(query, found):
    from server.sparql.check import normalise

    assert len(find_searches(normalise(query), base_iri=BASE, max_rows=1000)) == found


def test_the_limits_of_a_query_s_blocks_add_up_to_the_row_cap():
    block = "SERVICE <search> { ?h%d <def#searchText> 'x' ; <def#searchLimit> 6 }"
    with pytest.raises(QueryRefused) as refused:
        find_searches(f"SELECT * {{ {block % 1} {block % 2} }}", base_iri=BASE, max_rows=10)
    assert refused.value.status == 400 and "12 hits" in refused.value.message


@pytest.mark.parametrize("filler", ['"\\', "'\\", "a.", "<a.", "1.", "_:a.", '"""\\', "x:", "%", "$"])
def test_reading_a_query_takes_time_in_proportion_to_its_length(filler):
    """The rewrite runs in the web process, where no deadline stops it: no text makes its tokenizer quadratic."""
    text = "SELECT * { SERVICE " + filler * (60_000 // len(filler)) + " }"
    started = time.monotonic()
    find_searches(text, base_iri=BASE, max_rows=1000)
    assert time.monotonic() - started < 1

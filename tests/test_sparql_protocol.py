"""The SPARQL 1.1 Protocol against a real `coopgraph serve` on 127.0.0.1.

The W3C protocol tests that apply to a read-only service (w3c/rdf-tests,
sparql/sparql11/protocol/manifest.ttl) are here under their names, with the graphs of this store
in place of the kasei.us ones; the update tests become "update refused" tests. Then every query
form in every result format through SPARQLWrapper, the service description, and the errors.
"""

from __future__ import annotations

import csv
import io
import xml.etree.ElementTree as ElementTree

import pyoxigraph
import pytest
import rdflib
import requests
from SPARQLWrapper import CSV, JSON, JSONLD, POST, POSTDIRECTLY, RDFXML, TSV, TURTLE, XML, SPARQLWrapper

RESULTS_NS = "{http://www.w3.org/2005/sparql-results#}"
SD = "http://www.w3.org/ns/sparql-service-description#"
BOOLEAN_TYPES = {"application/sparql-results+json", "application/sparql-results+xml"}
TABULAR_TYPES = BOOLEAN_TYPES | {"text/csv", "text/tab-separated-values"}
RDF_TYPES = {"text/turtle", "application/ld+json", "application/rdf+xml", "application/n-triples"}
FORM = {"Content-Type": "application/x-www-form-urlencoded"}
DIRECT = {"Content-Type": "application/sparql-query"}


@pytest.fixture(scope="module")
def endpoint(live_server) -> str:
    return live_server.url + "sparql"


@pytest.fixture(scope="module")
def graph(live_server):
    """The IRI of one of the store's graphs, by short name."""
    return lambda name: f"{live_server.base_iri}graph/{name}"


def media_type(response) -> str:
    return response.headers["Content-Type"].split(";")[0].strip()


def boolean(response) -> bool:
    assert response.status_code == 200, response.text
    assert media_type(response) in BOOLEAN_TYPES
    if media_type(response) == "application/sparql-results+json":
        return response.json()["boolean"]
    return ElementTree.fromstring(response.content).find(f"{RESULTS_NS}boolean").text == "true"


def count(endpoint: str, query: str, **params) -> int:
    response = requests.get(endpoint, params={"query": query, **params},
                            headers={"Accept": "application/sparql-results+json"}, timeout=30)
    assert response.status_code == 200, response.text
    return int(response.json()["results"]["bindings"][0]["n"]["value"])


COUNT_DEFAULT = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"
NAMED_GRAPHS = "SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } }"


def graph_size(endpoint: str, iri: str) -> int:
    return count(endpoint, f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{iri}> {{ ?s ?p ?o }} }}")


def named_graphs_seen(endpoint: str, **params) -> set[str]:
    response = requests.get(endpoint, params={"query": NAMED_GRAPHS, **params},
                            headers={"Accept": "application/sparql-results+json"}, timeout=30)
    assert response.status_code == 200, response.text
    return {row["g"]["value"] for row in response.json()["results"]["bindings"]}


# --- W3C protocol tests: query operation ---------------------------------------------------------

@pytest.mark.every_backend
def test_query_get(endpoint, graph):
    assert boolean(requests.get(endpoint, params={"query": "ASK {}", "default-graph-uri": graph("data")}, timeout=30))


def test_query_post_form(endpoint, graph):
    response = requests.post(endpoint, params={"default-graph-uri": graph("data")}, data="query=ASK%20%7B%7D",
                             headers=FORM, timeout=30)
    assert boolean(response)


def test_query_post_direct(endpoint):
    assert boolean(requests.post(endpoint, data="ASK {}", headers=DIRECT, timeout=30))


def test_query_dataset_default_graphs_get(endpoint, graph):
    """Two default-graph-uri: the default graph is their merge."""
    merged = count(endpoint, COUNT_DEFAULT, **{"default-graph-uri": [graph("data"), graph("shapes")]})
    assert merged == graph_size(endpoint, graph("data")) + graph_size(endpoint, graph("shapes")) > 0


def test_query_dataset_default_graphs_post(endpoint, graph):
    response = requests.post(endpoint, params={"default-graph-uri": [graph("ontology"), graph("shapes")]},
                             data=COUNT_DEFAULT, headers={**DIRECT, "Accept": "application/sparql-results+json"}, timeout=30)
    assert response.status_code == 200
    merged = int(response.json()["results"]["bindings"][0]["n"]["value"])
    assert merged == graph_size(endpoint, graph("ontology")) + graph_size(endpoint, graph("shapes"))


@pytest.mark.every_backend
def test_query_dataset_named_graphs_get(endpoint, graph):
    """Only named graphs given: GRAPH sees exactly those, and the default graph is empty."""
    chosen = {graph("data"), graph("shapes")}
    assert named_graphs_seen(endpoint, **{"named-graph-uri": sorted(chosen)}) == chosen
    assert count(endpoint, COUNT_DEFAULT, **{"named-graph-uri": sorted(chosen)}) == 0


def test_query_dataset_named_graphs_post(endpoint, graph):
    response = requests.post(endpoint, data={"query": NAMED_GRAPHS, "named-graph-uri": [graph("ontology")]},
                             headers={"Accept": "application/sparql-results+json"}, timeout=30)
    assert {row["g"]["value"] for row in response.json()["results"]["bindings"]} == {graph("ontology")}


def test_query_dataset_full(endpoint, graph):
    params = {"default-graph-uri": graph("ontology"), "named-graph-uri": [graph("data"), graph("shapes")]}
    assert count(endpoint, COUNT_DEFAULT, **params) == graph_size(endpoint, graph("ontology"))
    assert named_graphs_seen(endpoint, **params) == {graph("data"), graph("shapes")}


def test_query_multiple_dataset(endpoint, graph):
    """FROM in the query and named-graph-uri in the request: the protocol's dataset wins."""
    query = f"SELECT (COUNT(*) AS ?n) FROM <{graph('data')}> WHERE {{ ?s ?p ?o }}"
    assert count(endpoint, query) == graph_size(endpoint, graph("data")) > 0
    assert count(endpoint, query, **{"named-graph-uri": graph("data")}) == 0


def test_from_and_from_named_select_graphs_and_resolve_against_the_base(endpoint, graph):
    assert count(endpoint, "SELECT (COUNT(*) AS ?n) FROM <graph/shapes> { ?s ?p ?o }") == graph_size(endpoint, graph("shapes"))
    assert count(endpoint, "SELECT (COUNT(*) AS ?n) FROM NAMED <graph/data> { ?s ?p ?o }") == 0
    seen = requests.get(endpoint, params={"query": "SELECT DISTINCT ?g FROM NAMED <graph/data> { GRAPH ?g { ?s ?p ?o } }"},
                        headers={"Accept": "application/sparql-results+json"}, timeout=30).json()
    assert [row["g"]["value"] for row in seen["results"]["bindings"]] == [graph("data")]


@pytest.mark.every_backend
def test_the_default_graph_is_the_union_of_data_ontology_and_entailed_types(endpoint, graph):
    union = count(endpoint, "SELECT (COUNT(*) AS ?n) { SELECT DISTINCT ?s ?p ?o { { GRAPH <graph/data> { ?s ?p ?o } } "
                            "UNION { GRAPH <graph/ontology> { ?s ?p ?o } } UNION { GRAPH <graph/entailed> { ?s ?p ?o } } } }")
    assert count(endpoint, COUNT_DEFAULT) == union > 0
    assert named_graphs_seen(endpoint) >= {graph("data"), graph("ontology"), graph("entailed"), graph("shapes")}


def test_a_graph_the_store_does_not_hold_is_empty(endpoint):
    assert count(endpoint, COUNT_DEFAULT, **{"default-graph-uri": "http://example.org/not-here"}) == 0


@pytest.mark.parametrize("query, accepted", [
    ("SELECT (1 AS ?value) {}", TABULAR_TYPES),  # query_content_type_select
    ("ASK {}", BOOLEAN_TYPES),  # query_content_type_ask
    ("DESCRIBE <http://example.org/>", RDF_TYPES),  # query_content_type_describe
    ("CONSTRUCT { <s> <p> 1 } WHERE {}", RDF_TYPES),  # query_content_type_construct
])
def test_query_content_type(endpoint, query, accepted):
    response = requests.post(endpoint, data=query, headers=DIRECT, timeout=30)
    assert response.status_code == 200
    assert media_type(response) in accepted


def test_no_accept_gets_json_results_and_turtle_graphs(endpoint):
    bare = {"Accept": None}  # requests sends */* otherwise
    select = requests.get(endpoint, params={"query": "SELECT (1 AS ?v) {}"}, headers=bare, timeout=30)
    construct = requests.get(endpoint, params={"query": "CONSTRUCT { <s> <p> 1 } WHERE {}"}, headers=bare, timeout=30)
    assert "Accept" not in select.request.headers
    assert media_type(select) == "application/sparql-results+json"
    assert media_type(construct) == "text/turtle"


@pytest.mark.parametrize("accept, expected", [
    ("text/csv;q=0.4, application/sparql-results+xml;q=0.9, */*;q=0.1", "application/sparql-results+xml"),
    ("text/tab-separated-values", "text/tab-separated-values"),
    ("application/json", "application/sparql-results+json"),
])
def test_select_format_follows_accept_q_values(endpoint, accept, expected):
    response = requests.get(endpoint, params={"query": "SELECT (1 AS ?v) {}"}, headers={"Accept": accept}, timeout=30)
    assert media_type(response) == expected
    assert "Accept" in response.headers["Vary"]


@pytest.mark.parametrize("name, expected", [
    ("csv", "text/csv"), ("tsv", "text/tab-separated-values"), ("xml", "application/sparql-results+xml"),
    ("json", "application/sparql-results+json"), ("application/sparql-results+xml", "application/sparql-results+xml"),
])
def test_format_parameter_overrides_accept(endpoint, name, expected):
    response = requests.get(endpoint, params={"query": "SELECT (1 AS ?v) {}", "format": name},
                            headers={"Accept": "application/sparql-results+json"}, timeout=30)
    assert media_type(response) == expected


# --- W3C protocol tests: bad requests --------------------------------------------------------------

def test_bad_query_method(endpoint):
    response = requests.put(endpoint, params={"query": "ASK {}"}, headers=FORM, timeout=30)
    assert response.status_code == 405


def test_bad_multiple_queries(endpoint):
    response = requests.get(endpoint, params={"query": ["ASK {}", "SELECT * {}"]}, timeout=30)
    assert response.status_code == 400
    assert "exactly one query" in response.text


def test_bad_multiple_queries_url_and_body(endpoint):
    response = requests.post(endpoint, params={"query": "ASK {}"}, data="SELECT * {}", headers=DIRECT, timeout=30)
    assert response.status_code == 400


def test_bad_query_wrong_media_type(endpoint):
    response = requests.post(endpoint, data="ASK {}", headers={"Content-Type": "text/plain"}, timeout=30)
    assert response.status_code == 415
    assert "application/sparql-query" in response.text


@pytest.mark.parametrize("body", ["query=ASK%20%7B%7D", "ASK {}"])
def test_bad_query_missing_form_or_direct_type(endpoint, body):
    request = requests.Request("POST", endpoint, data=body.encode()).prepare()
    request.headers.pop("Content-Type", None)
    response = requests.Session().send(request, timeout=30)
    assert response.status_code == 415
    assert "got none" in response.text


def test_bad_query_non_utf8(endpoint):
    response = requests.post(endpoint, data="ASK {}".encode("utf-16"),
                             headers={"Content-Type": "application/sparql-query; charset=UTF-16"}, timeout=30)
    assert response.status_code == 415
    assert "UTF-8" in response.text


def test_bad_query_bytes_that_are_not_utf8(endpoint):
    response = requests.post(endpoint, data=b"ASK { FILTER(\"\xff\") }", headers=DIRECT, timeout=30)
    assert response.status_code == 400
    assert "UTF-8" in response.text


def test_bad_query_syntax_carries_the_parser_message(endpoint):
    response = requests.get(endpoint, params={"query": "ASK {"}, timeout=30)
    assert response.status_code == 400
    assert "syntax error at line 1, column 6" in response.text


def test_oxigraph_syntax_errors_carry_its_message(endpoint):
    # rdflib's parser lets through an aggregate beside an ungrouped variable; oxigraph refuses it.
    response = requests.get(endpoint, params={"query": "SELECT ?s (COUNT(*) AS ?n) { ?s ?p ?o }"}, timeout=30)
    assert response.status_code == 400
    assert "error at line 1, column" in response.text and "unbound" in response.text


@pytest.mark.parametrize("kwargs", [
    {"method": "GET", "params": {"update": "CLEAR ALL"}},  # bad_update_get
    {"method": "POST", "data": "update=CLEAR%20NAMED&update=CLEAR%20DEFAULT", "headers": FORM},  # bad_multiple_updates
    {"method": "POST", "data": "update=CLEAR%20XYZ", "headers": FORM},  # bad_update_syntax
    {"method": "POST", "data": "CLEAR NAMED".encode("utf-16"),
     "headers": {"Content-Type": "application/sparql-update; charset=UTF-16"}},  # bad_update_non_utf8
    {"method": "POST", "params": {"using-named-graph-uri": "http://example/people"},
     "data": "WITH <http://example/addresses> DELETE { ?p <x> 'Bill' } WHERE { ?p <x> 'Bill' }",
     "headers": {"Content-Type": "application/sparql-update"}},  # bad_update_dataset_conflict
])
def test_bad_update_requests_are_refused_as_read_only(endpoint, kwargs):
    response = requests.request(url=endpoint, timeout=30, **kwargs)
    assert response.status_code == 403
    assert "read-only" in response.text


@pytest.mark.parametrize("headers", [{"Content-Type": "text/plain"}, {}])
def test_bad_update_wrong_or_missing_media_type(endpoint, headers):
    request = requests.Request("POST", endpoint, data=b"CLEAR NAMED", headers=headers).prepare()
    if not headers:
        request.headers.pop("Content-Type", None)
    assert requests.Session().send(request, timeout=30).status_code == 415


# --- more bad requests -------------------------------------------------------------------------------

@pytest.mark.parametrize("kwargs, status, fragment", [
    ({"method": "POST", "data": {"format": "json"}}, 400, "No query"),
    ({"method": "GET", "params": {"query": ""}}, 400, "No query"),
    ({"method": "GET", "params": {"query": "ASK {}", "default-graph-uri": "graph/data"}}, 400, "not an absolute IRI"),
    ({"method": "GET", "params": {"query": "ASK {}"}, "headers": {"Accept": "image/png"}}, 406, "application/sparql-results+json"),
    ({"method": "GET", "params": {"query": "ASK {}", "format": "png"}}, 406, "offered"),
    ({"method": "GET", "params": {"query": "CONSTRUCT WHERE { ?s ?p ?o }", "format": "csv"}}, 406, "text/turtle"),
    ({"method": "GET", "params": {"query": "SELECT * {}", "example": "no-such-example"}}, 404, "No example"),
    ({"method": "POST", "data": "A" * 70_000, "headers": DIRECT}, 413, "bytes"),
    ({"method": "POST", "data": {"query": "A" * 70_000}}, 413, "bytes"),
    ({"method": "GET", "params": {"query": "SELECT * { BIND(\"\\uD800\" AS ?x) }"}}, 400, "surrogate"),
    ({"method": "GET", "params": {"query": "SELECT * { ?s <nope:> ?o } LIMIT 1", "named-graph-uri": "\x00"}}, 400, "IRI"),
])
def test_bad_requests_get_a_4xx_saying_what_is_wrong(endpoint, kwargs, status, fragment):
    response = requests.request(url=endpoint, timeout=30, **kwargs)
    assert response.status_code == status, response.text
    assert fragment in response.text
    assert "Traceback" not in response.text


@pytest.mark.parametrize("query", [
    "\x00", "SELECT", "}{", "SELECT * { ?s ?p ?o } LIMIT -1", "PREFIX : <\x7f> ASK {}", "SELECT ?x { BIND(1/0 AS ?x) }",
    "SELECT * { ?s ?p ?o FILTER(REGEX(?o, \"(\")) } LIMIT 5", "BASE <relative> ASK {}", "DESCRIBE *",
    "SELECT (SUM(?o) AS ?x) { ?s ?p ?o }", "ASK { <" + "a" * 5000 + "> ?p ?o }", "\\u0000",
])
def test_odd_queries_never_give_a_server_error(endpoint, query):
    response = requests.post(endpoint, data={"query": query}, timeout=30)
    assert response.status_code < 500, response.text


# --- SPARQLWrapper: every query form in every result format ----------------------------------------

LABELS = ("PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#> "
          "SELECT ?s ?label WHERE { ?s rdfs:label ?label } ORDER BY ?s ?label LIMIT 7")


def wrapper(endpoint: str, query: str, return_format: str, method: str = "GET") -> SPARQLWrapper:
    client = SPARQLWrapper(endpoint)
    client.setQuery(query)
    client.setReturnFormat(return_format)
    if method == POSTDIRECTLY:
        client.setMethod(POST)
        client.setRequestMethod(POSTDIRECTLY)
    else:
        client.setMethod(method)
    return client


@pytest.fixture(scope="module")
def expected_labels(endpoint):
    rows = wrapper(endpoint, LABELS, JSON).queryAndConvert()["results"]["bindings"]
    assert len(rows) == 7  # the data has labels; every format below must give these same rows
    return [(row["s"]["value"], row["label"]["value"]) for row in rows]


@pytest.mark.parametrize("method", ["GET", POST, POSTDIRECTLY])
def test_sparqlwrapper_select_json(endpoint, expected_labels, method):
    rows = wrapper(endpoint, LABELS, JSON, method).queryAndConvert()["results"]["bindings"]
    assert [(row["s"]["value"], row["label"]["value"]) for row in rows] == expected_labels


def test_sparqlwrapper_select_xml(endpoint, expected_labels):
    document = wrapper(endpoint, LABELS, XML).queryAndConvert()
    results = document.getElementsByTagName("result")
    values = [[binding.getElementsByTagName("uri" if binding.getAttribute("name") == "s" else "literal")[0].firstChild.data
               for binding in result.getElementsByTagName("binding")] for result in results]
    assert [tuple(row) for row in values] == expected_labels


@pytest.mark.parametrize("return_format, delimiter", [(CSV, ","), (TSV, "\t")])
def test_sparqlwrapper_select_csv_and_tsv(endpoint, expected_labels, return_format, delimiter):
    body = wrapper(endpoint, LABELS, return_format).queryAndConvert().decode("utf-8")
    rows = list(csv.reader(io.StringIO(body), delimiter=delimiter, quotechar='"' if delimiter == "," else "\x00"))
    assert len(rows) == 1 + len(expected_labels)
    if return_format == CSV:
        assert [tuple(row) for row in rows[1:]] == expected_labels
    else:
        assert rows[0] == ["?s", "?label"]
        assert [row[0] for row in rows[1:]] == [f"<{s}>" for s, _ in expected_labels]


@pytest.mark.parametrize("return_format", [JSON, XML])
def test_sparqlwrapper_ask(endpoint, return_format):
    answer = wrapper(endpoint, "ASK { ?s ?p ?o }", return_format).queryAndConvert()
    if return_format == JSON:
        assert answer["boolean"] is True
    else:
        assert answer.getElementsByTagName("boolean")[0].firstChild.data == "true"
    assert wrapper(endpoint, "ASK { <urn:nothing> ?p ?o }", JSON).queryAndConvert()["boolean"] is False


@pytest.fixture(scope="module")
def some_entity(endpoint):
    rows = wrapper(endpoint, "SELECT ?s { ?s ?p ?o FILTER(isIRI(?s)) } ORDER BY ?s LIMIT 1", JSON).queryAndConvert()
    return rows["results"]["bindings"][0]["s"]["value"]


@pytest.mark.every_backend
@pytest.mark.parametrize("form", ["CONSTRUCT", "DESCRIBE"])
@pytest.mark.parametrize("return_format", [TURTLE, JSONLD, RDFXML, "n-triples"])
def test_sparqlwrapper_construct_and_describe(endpoint, some_entity, form, return_format):
    query = (f"CONSTRUCT {{ <{some_entity}> ?p ?o }} WHERE {{ <{some_entity}> ?p ?o }}" if form == "CONSTRUCT"
             else f"DESCRIBE <{some_entity}>")
    expected = {(str(t.predicate.value), str(t.object.value))
                for t in pyoxigraph.parse(requests.get(endpoint, params={"query": query},
                                                       headers={"Accept": "application/n-triples"}, timeout=30).content,
                                          format=pyoxigraph.RdfFormat.N_TRIPLES)}
    assert expected
    if return_format == "n-triples":  # SPARQLWrapper has no N-Triples format: plain HTTP with Accept
        response = requests.post(endpoint, data={"query": query}, headers={"Accept": "application/n-triples"}, timeout=30)
        got = rdflib.Graph().parse(data=response.text, format="nt")
    else:
        result = wrapper(endpoint, query, return_format).query()
        converted = result.convert()
        got = converted if isinstance(converted, rdflib.Graph) else rdflib.Graph().parse(data=converted, format="turtle")
    assert {(str(p), str(o)) for s, p, o in got if str(s) == some_entity} == expected


# --- the service description ---------------------------------------------------------------------

@pytest.fixture(scope="module")
def description(endpoint) -> rdflib.Graph:
    response = requests.get(endpoint, headers={"Accept": "text/turtle"}, timeout=30)
    assert response.status_code == 200 and media_type(response) == "text/turtle"
    return rdflib.Graph().parse(data=response.text, format="turtle")


def test_service_description_names_the_endpoint_language_and_formats(description, endpoint):
    service = rdflib.URIRef(endpoint)
    sd = rdflib.Namespace(SD)
    assert (service, rdflib.RDF.type, sd.Service) in description
    assert (service, sd.endpoint, service) in description
    assert (service, sd.supportedLanguage, sd.SPARQL11Query) in description
    formats = {str(o) for o in description.objects(service, sd.resultFormat)}
    assert {"http://www.w3.org/ns/formats/SPARQL_Results_JSON", "http://www.w3.org/ns/formats/SPARQL_Results_CSV",
            "http://www.w3.org/ns/formats/Turtle", "http://www.w3.org/ns/formats/N-Triples"} <= formats


def test_service_description_lists_every_named_graph_with_its_size(description, endpoint, graph):
    sd = rdflib.Namespace(SD)
    listed = {}
    for entry in description.objects(None, sd.namedGraph):
        size = description.value(description.value(entry, sd.graph), rdflib.URIRef("http://rdfs.org/ns/void#triples"))
        listed[str(description.value(entry, sd.name))] = int(size)
    assert set(listed) == named_graphs_seen(endpoint)
    assert listed[graph("data")] == graph_size(endpoint, graph("data"))
    default_graph = description.value(description.value(rdflib.URIRef(endpoint), sd.defaultDataset), sd.defaultGraph)
    union = {str(o) for o in description.objects(default_graph, rdflib.URIRef(endpoint + "#unionOf"))}
    assert union == {graph("data"), graph("ontology"), graph("entailed")}


def test_service_description_states_the_limits_and_defines_its_terms(description, endpoint):
    service = rdflib.URIRef(endpoint)
    limits = {name: description.value(service, rdflib.URIRef(f"{endpoint}#{name}")).toPython()
              for name in ("timeoutSeconds", "maxQueryBytes", "maxResultRows", "maxResponseBytes", "memoryLimitMegabytes")}
    assert limits["maxQueryBytes"] == 65536 and limits["maxResultRows"] == 10_000
    assert float(limits["timeoutSeconds"]) == 10
    for name in limits:
        assert description.value(rdflib.URIRef(f"{endpoint}#{name}"), rdflib.RDFS.comment)
    assert "read-only" in str(description.value(service, rdflib.RDFS.comment)).lower()


@pytest.mark.parametrize("accept", ["application/ld+json", "application/rdf+xml", "application/n-triples"])
def test_service_description_in_other_rdf_formats(endpoint, accept):
    response = requests.get(endpoint, headers={"Accept": accept}, timeout=30)
    assert media_type(response) == accept
    assert len(rdflib.Graph().parse(data=response.content, format={"application/ld+json": "json-ld",
                                    "application/rdf+xml": "xml", "application/n-triples": "nt"}[accept])) > 20


def test_browsers_get_the_query_page(endpoint):
    response = requests.get(endpoint, headers={"Accept": "text/html,application/xhtml+xml,*/*;q=0.8"}, timeout=30)
    assert response.status_code == 200 and media_type(response) == "text/html"
    assert '<form id="plain-form"' in response.text


def test_results_allow_cross_origin_reading(endpoint):
    response = requests.get(endpoint, params={"query": "ASK {}"}, headers={"Origin": "https://yasgui.example"}, timeout=30)
    assert response.headers["Access-Control-Allow-Origin"] == "*"

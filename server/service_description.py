"""The SPARQL 1.1 Service Description of the endpoint, generated from the settings and the store.

What the standard vocabulary cannot say (the limits, what the default graph is made of, that the
service is read-only) is said with a few terms of the server's own, in the namespace
`{base}sparql#`: the service description itself defines them, so they dereference to their
definition.
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal

from pyoxigraph import BlankNode, Literal, NamedNode, Triple

from server.negotiation import RDF_FORMATS, RESULTS_FORMATS
from server.settings import Settings
from server.store import Store

SD = "http://www.w3.org/ns/sparql-service-description#"
RDF_TYPE = NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
RDFS = "http://www.w3.org/2000/01/rdf-schema#"
VOID_TRIPLES = NamedNode("http://rdfs.org/ns/void#triples")
XSD = "http://www.w3.org/2001/XMLSchema#"
SIMPLE_ENTAILMENT = NamedNode("http://www.w3.org/ns/entailment/Simple")
# W3C's IRIs for media formats (https://www.w3.org/ns/formats/).
FORMAT_IRIS = {
    "application/sparql-results+json": "SPARQL_Results_JSON",
    "application/sparql-results+xml": "SPARQL_Results_XML",
    "text/csv": "SPARQL_Results_CSV",
    "text/tab-separated-values": "SPARQL_Results_TSV",
    "text/turtle": "Turtle",
    "application/ld+json": "JSON-LD",
    "application/rdf+xml": "RDF_XML",
    "application/n-triples": "N-Triples",
}
PREFIXES = {
    "rdf": "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
    "sd": SD,
    "rdfs": RDFS,
    "void": "http://rdfs.org/ns/void#",
    "xsd": XSD,
    "formats": "http://www.w3.org/ns/formats/",
}

# The server's own terms: (local name, label, comment).
LIMIT_TERMS = (
    ("timeoutSeconds", "time limit", "A query still running after this many seconds is stopped; the client gets a 504."),
    ("maxQueryBytes", "longest query", "A longer query (in UTF-8 bytes) is refused with a 413."),
    ("maxResultRows", "most result rows", "Results are cut after this many rows (or triples); a cut response "
                                          "carries the header Coopgraph-Result-Truncated: max-rows=N."),
    ("maxResponseBytes", "largest response", "Results larger than this many bytes are refused with a 503."),
    ("memoryLimitMegabytes", "memory per query", "A query needing more memory than this is stopped; the client gets a 503."),
    ("queryWorkers", "query workers", "Queries run at once per server process; more wait their turn."),
)
FEATURE_TERMS = (
    ("ReadOnly", "read-only", "SPARQL Update is refused (403); the data never changes through this service."),
    ("LocalDatasetOnly", "local dataset only",
     "SERVICE is refused (400), and FROM, FROM NAMED, default-graph-uri and named-graph-uri only select graphs "
     "already in the store: a graph it does not hold is empty. Nothing is ever fetched."),
)


def service_description(settings: Settings, store: Store) -> list[Triple]:
    """The description of `{base}sparql`, as triples."""
    endpoint = NamedNode(endpoint_iri(settings))
    term = _terms(settings)
    triples = [
        Triple(endpoint, RDF_TYPE, _sd("Service")),
        Triple(endpoint, _sd("endpoint"), endpoint),
        Triple(endpoint, _sd("supportedLanguage"), _sd("SPARQL11Query")),
        Triple(endpoint, _sd("defaultEntailmentRegime"), SIMPLE_ENTAILMENT),
        Triple(endpoint, NamedNode(RDFS + "label"), Literal(f"SPARQL endpoint of {settings.title.get('en', '')}", language="en")),
        Triple(endpoint, NamedNode(RDFS + "comment"), Literal(summary(settings), language="en")),
    ]
    triples += [Triple(endpoint, _sd("resultFormat"), NamedNode("http://www.w3.org/ns/formats/" + FORMAT_IRIS[fmt.media_type]))
                for fmt in (*RESULTS_FORMATS, *RDF_FORMATS)]
    triples += [Triple(endpoint, _sd("feature"), term(name)) for name, _label, _comment in FEATURE_TERMS]
    triples += [Triple(endpoint, term(name), _number(value)) for name, value in limit_values(settings).items()]
    triples += _dataset(settings, store, endpoint, term)
    triples += _definitions(term)
    return triples


def endpoint_iri(settings: Settings) -> str:
    return f"{settings.base_iri}sparql"


def default_graph_names(settings: Settings) -> list[str]:
    return [settings.graph_iri("data"), settings.graph_iri("ontology")]


def limit_values(settings: Settings) -> dict[str, int | float]:
    """The advertised limits, by the local name of their term."""
    return {
        "timeoutSeconds": settings.query_timeout_s,
        "maxQueryBytes": settings.max_query_bytes,
        "maxResultRows": settings.max_result_rows,
        "maxResponseBytes": settings.max_response_bytes,
        "memoryLimitMegabytes": settings.query_memory_mb,
        "queryWorkers": settings.query_workers,
    }


def summary(settings: Settings) -> str:
    """What a person needs to know before querying, in a few sentences."""
    data, ontology = default_graph_names(settings)
    return (
        f"Read-only SPARQL 1.1 query service. The default graph is the union of <{data}> and <{ontology}>; "
        f"every graph, shapes included, can be queried by name with GRAPH. Relative IRIs in a query resolve "
        f"against {settings.base_iri}, so PREFIX cg: <def#> works. SERVICE and SPARQL Update are refused. "
        f"Limits: {settings.query_timeout_s:g} s per query, {settings.max_query_bytes} bytes per query, "
        f"{settings.max_result_rows} result rows, {settings.max_response_bytes} bytes per response, "
        f"{settings.query_memory_mb} MB of memory per query."
    )


def _dataset(settings: Settings, store: Store, endpoint: NamedNode, term) -> list[Triple]:
    dataset, default_graph = term("dataset"), term("defaultGraph")
    triples = [
        Triple(endpoint, _sd("defaultDataset"), dataset),
        Triple(dataset, RDF_TYPE, _sd("Dataset")),
        Triple(dataset, _sd("defaultGraph"), default_graph),
        Triple(default_graph, RDF_TYPE, _sd("Graph")),
        Triple(default_graph, VOID_TRIPLES, Literal(_default_graph_size(store))),
    ]
    triples += [Triple(default_graph, term("unionOf"), NamedNode(name)) for name in default_graph_names(settings)]
    for name in store.graphs():
        entry, graph = BlankNode(), BlankNode()
        triples += [
            Triple(dataset, _sd("namedGraph"), entry),
            Triple(entry, RDF_TYPE, _sd("NamedGraph")),
            Triple(entry, _sd("name"), NamedNode(name)),
            Triple(entry, _sd("graph"), graph),
            Triple(graph, RDF_TYPE, _sd("Graph")),
            Triple(graph, VOID_TRIPLES, Literal(store.count(name))),
        ]
    return triples


def _default_graph_size(store: Store) -> int:
    (row,) = list(store.run_file("default-graph-size"))
    return int(row["triples"].value)


def _definitions(term) -> Iterable[Triple]:
    label, comment = NamedNode(RDFS + "label"), NamedNode(RDFS + "comment")
    rdf_property = NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#Property")
    kinds = [(LIMIT_TERMS, rdf_property), (FEATURE_TERMS, _sd("Feature"))]
    kinds.append(((("unionOf", "union of", "The default graph is the union (merge) of these named graphs."),), rdf_property))
    for terms, kind in kinds:
        for name, text, explanation in terms:
            yield Triple(term(name), RDF_TYPE, kind)
            yield Triple(term(name), label, Literal(text, language="en"))
            yield Triple(term(name), comment, Literal(explanation, language="en"))


def _terms(settings: Settings):
    namespace = endpoint_iri(settings) + "#"
    return lambda name: NamedNode(namespace + name)


def _number(value: int | float) -> Literal:
    """Integers as xsd:integer, the timeout as xsd:decimal ("2.5", not a double's "2.5E0")."""
    if isinstance(value, float):
        return Literal(format(Decimal(repr(value)).normalize(), "f"), datatype=NamedNode(XSD + "decimal"))
    return Literal(value)


def _sd(name: str) -> NamedNode:
    return NamedNode(SD + name)

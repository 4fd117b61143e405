"""The SPARQL 1.1 Service Description of the endpoint, generated from the settings and the store.

What the standard vocabulary cannot say (the limits, what the default graph is made of, that the
service is read-only, the prefixes a query may use undeclared) is said with a few terms of the
server's own, in the namespace `{base}sparql#`: the service description itself defines them, so they
dereference to their definition. Each predeclared prefix is a SHACL prefix declaration
(`sh:prefix`, `sh:namespace`), the vocabulary RDF has for one.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from decimal import Decimal

from pyoxigraph import Literal, NamedNode, Triple

from server.formats import FORMATS, QUERY_FORMS
from server.namespaces import FORMATS as W3C_FORMATS
from server.namespaces import RDF, RDFS, SD, SH, VOID, XSD, blank_node
from server.settings import Settings
from server.sparql.prefixes import predeclared
from server.store import Store

RDF_TYPE = NamedNode(RDF + "type")
VOID_TRIPLES = NamedNode(VOID + "triples")
SIMPLE_ENTAILMENT = NamedNode("http://www.w3.org/ns/entailment/Simple")
PREFIXES = {"rdf": RDF, "sd": SD, "rdfs": RDFS, "void": VOID, "xsd": XSD, "formats": W3C_FORMATS, "sh": SH}

# The server's own terms, besides the limits (server/settings.py): (local name, label, comment).
FEATURE_TERMS = (
    ("ReadOnly", "read-only", "SPARQL Update is refused (403); the data never changes through this service."),
    ("LocalDatasetOnly", "local dataset only",
     "SERVICE is refused (400), and FROM, FROM NAMED, default-graph-uri and named-graph-uri only select graphs "
     "already in the store: a graph it does not hold is empty. Nothing is ever fetched."),
)
PREDECLARED = ("predeclaredPrefix", "predeclared prefix",
               "A prefix a query may use without declaring it (sh:prefix, sh:namespace): the endpoint declares it "
               "for the query. A PREFIX the query declares itself takes precedence.")


def service_description(settings: Settings, store: Store, prefixes: Mapping[str, str] | None = None) -> list[Triple]:
    """The description of `{base}sparql`, as triples; `prefixes` are the dataset's (server/sparql/prefixes.py)."""
    endpoint = NamedNode(settings.sparql_endpoint)
    term = _terms(settings)
    triples = [
        Triple(endpoint, RDF_TYPE, _sd("Service")),
        Triple(endpoint, _sd("endpoint"), endpoint),
        Triple(endpoint, _sd("supportedLanguage"), _sd("SPARQL11Query")),
        Triple(endpoint, _sd("defaultEntailmentRegime"), SIMPLE_ENTAILMENT),
        Triple(endpoint, NamedNode(RDFS + "label"), Literal(f"SPARQL endpoint of {settings.title.get('en', '')}", language="en")),
        Triple(endpoint, NamedNode(RDFS + "comment"), Literal(summary(settings), language="en")),
    ]
    triples += [Triple(endpoint, _sd("resultFormat"), NamedNode(fmt.format_iri)) for fmt in result_formats()]
    triples += [Triple(endpoint, _sd("feature"), term(name)) for name, _label, _comment in FEATURE_TERMS]
    triples += [Triple(endpoint, term(limit.term), _number(value)) for limit, value in settings.limits()]
    triples += _dataset(settings, store, endpoint, term)
    triples += _prefixes(predeclared(prefixes or {}), endpoint, term)
    triples += _definitions(settings, term)
    return triples


def result_formats():
    """Every format some query form's results come in, each once."""
    return [fmt for fmt in FORMATS if fmt.uses & set(QUERY_FORMS)]


def summary(settings: Settings) -> str:
    """What a person needs to know before querying, in a few sentences."""
    union = " and ".join(f"<{iri}>" for iri in settings.default_graph_iris)
    return (
        f"Read-only SPARQL 1.1 query service. The default graph is the union of {union}; "
        f"every graph, shapes included, can be queried by name with GRAPH. Relative IRIs in a query resolve "
        f"against {settings.base_iri}, so PREFIX cg: <def#> works; the common vocabularies' prefixes and the "
        f"dataset's (see predeclaredPrefix) may be used without a PREFIX line. SERVICE and SPARQL Update are refused. "
        f"Limits: {'; '.join(f'{limit.label}: {limit.shown(value)}' for limit, value in settings.limits())}."
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
    triples += [Triple(default_graph, term("unionOf"), NamedNode(name)) for name in settings.default_graph_iris]
    for name in store.graphs():
        entry, graph = blank_node("namedGraph", name), blank_node("graph", name)
        triples += [
            Triple(dataset, _sd("namedGraph"), entry),
            Triple(entry, RDF_TYPE, _sd("NamedGraph")),
            Triple(entry, _sd("name"), NamedNode(name)),
            Triple(entry, _sd("graph"), graph),
            Triple(graph, RDF_TYPE, _sd("Graph")),
            Triple(graph, VOID_TRIPLES, Literal(store.count(name))),
        ]
    return triples


def _prefixes(prefixes: Mapping[str, str], endpoint: NamedNode, term) -> list[Triple]:
    triples = []
    for name, namespace in prefixes.items():
        declaration = blank_node("predeclaredPrefix", name)
        triples += [
            Triple(endpoint, term(PREDECLARED[0]), declaration),
            Triple(declaration, NamedNode(SH + "prefix"), Literal(name)),
            Triple(declaration, NamedNode(SH + "namespace"), Literal(namespace, datatype=NamedNode(XSD + "anyURI"))),
        ]
    return triples


def _default_graph_size(store: Store) -> int:
    (row,) = list(store.run_file("default-graph-size"))
    return int(row["triples"].value)


def _definitions(settings: Settings, term) -> Iterable[Triple]:
    label, comment = NamedNode(RDFS + "label"), NamedNode(RDFS + "comment")
    rdf_property = NamedNode(RDF + "Property")
    limits = tuple((limit.term, limit.label, limit.comment) for limit, _value in settings.limits())
    kinds = [(limits, rdf_property), (FEATURE_TERMS, _sd("Feature"))]
    kinds.append(((("unionOf", "union of", "The default graph is the union (merge) of these named graphs."),
                   PREDECLARED), rdf_property))
    for terms, kind in kinds:
        for name, text, explanation in terms:
            yield Triple(term(name), RDF_TYPE, kind)
            yield Triple(term(name), label, Literal(text, language="en"))
            yield Triple(term(name), comment, Literal(explanation, language="en"))


def _terms(settings: Settings):
    namespace = settings.sparql_endpoint + "#"
    return lambda name: NamedNode(namespace + name)


def _number(value: int | float) -> Literal:
    """Integers as xsd:integer, the timeout as xsd:decimal ("2.5", not a double's "2.5E0")."""
    if isinstance(value, float):
        return Literal(format(Decimal(repr(value)).normalize(), "f"), datatype=NamedNode(XSD + "decimal"))
    return Literal(value)


def _sd(name: str) -> NamedNode:
    return NamedNode(SD + name)

"""What the store says about one resource: triples for the RDF formats, a page model for HTML.

The description of a resource is its own triples (every graph, with the blank nodes they lead to),
the names of the resources it links to and is linked from, its inverse links, and its provenance
(the reified statements about it, with their quotes and documents). It is built from the queries
`describe`, `labels-of-neighbours`, `inverse-links` and `provenance` in `server/queries/`, so it
needs nothing from the store but SPARQL.

The HTML page is built from the same triples: names in the reader's language, properties grouped
(names, description, relations, dates, other details, provenance) and sorted by their labels.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from pyoxigraph import Literal, NamedNode, Triple

from server.links import Linker
from server.names import (NAMING_PREDICATES, Names, in_best_language, readable_local_name, short_name,
                          sort_key)
from server.namespaces import DCTERMS, FOAF, PROV, RDF, RDF_TYPE, RDFS, SCHEMA, SKOS, XSD
from server.store import Store

if TYPE_CHECKING:
    from server.sources import TextLinks

REIFICATION = (RDF + "subject", RDF + "predicate", RDF + "object")
DERIVED_FROM = PROV + "wasDerivedFrom"
# The sentence a source says a statement with (docs/modelling.md: cg:quote), relative to the base IRI.
QUOTE = "def#quote"


DESCRIPTION_QUERIES = ("describe", "labels-of-neighbours", "inverse-links", "provenance")

# Page sections, in the order a reader meets them.
NAMES, DESCRIPTION, RELATIONS, DATES, DETAILS, PROVENANCE = (
    "names", "description", "relations", "dates", "details", "provenance")
GROUP_ORDER = (NAMES, DESCRIPTION, RELATIONS, DATES, DETAILS, PROVENANCE)
GROUP_OF_PREDICATE = {
    **dict.fromkeys((*NAMING_PREDICATES, SKOS + "altLabel", SKOS + "hiddenLabel", SKOS + "notation",
                     DCTERMS + "alternative", DCTERMS + "identifier", FOAF + "givenName",
                     FOAF + "familyName", SCHEMA + "alternateName"), NAMES),
    **dict.fromkeys((RDFS + "comment", DCTERMS + "description", SKOS + "definition", SKOS + "note",
                     SKOS + "scopeNote", SCHEMA + "description"), DESCRIPTION),
    **dict.fromkeys((DCTERMS + "source", RDFS + "isDefinedBy"), PROVENANCE),
}
PROVENANCE_NAMESPACES = (PROV,)
DATE_TYPES = frozenset(XSD + name for name in ("date", "dateTime", "gYear", "gYearMonth", "time", "duration"))
PLAIN_TYPES = frozenset((XSD + "string", RDF + "langString"))
MAX_NESTING = 3  # blank nodes inside blank nodes: the describe query fetches no deeper


def describe(store: Store, iri: str) -> tuple[Triple, ...]:
    """Every triple of the description of `iri`, without duplicates; empty when the store
    neither says anything about it nor links to it."""
    found: dict[Triple, None] = {}
    for name in DESCRIPTION_QUERIES:
        found.update(dict.fromkeys(store.run_file(name, resource=iri)))
    return tuple(found)


def restated(store: Store, iri: str, entailed_graph: str) -> frozenset[Triple]:
    """The triples of `iri`'s description that graph/entailed holds (server/entailment.py)."""
    return frozenset(store.run_file("entailed-about", resource=iri, entailed=entailed_graph))


@dataclass(frozen=True)
class Value:
    text: str
    href: str | None = None
    language: str | None = None  # of a literal, for the lang attribute
    datatype: str | None = None  # short name, shown discreetly; None for plain strings
    iri: str | None = None
    nested: tuple[Property, ...] = ()  # the properties of a blank node


@dataclass(frozen=True)
class Property:
    iri: str
    label: str
    href: str | None
    values: tuple[Value, ...]


@dataclass(frozen=True)
class Group:
    name: str  # one of GROUP_ORDER
    properties: tuple[Property, ...]


@dataclass(frozen=True)
class Source:
    """A reified statement about the resource: what it asserts, its details (a quote…), its documents."""

    iri: str
    href: str | None
    predicate: Property  # the asserted predicate, with the asserted value(s)
    quotes: tuple[Value, ...]  # the source's own words
    details: tuple[Property, ...]  # anything else the statement says (inferred, a note…)
    documents: tuple[Value, ...]
    passage: str | None = None  # its quote in its document's text (server/sources.py), when the site has it


@dataclass(frozen=True)
class EntityPage:
    iri: str
    title: str
    types: tuple[Value, ...]
    groups: tuple[Group, ...]
    inverse: tuple[Property, ...]
    sources: tuple[Source, ...]
    text: str | None = None  # a document's text, when the site has it: the page
    plain_text: str | None = None  # and the file's bytes
    passage: str | None = None  # a quoting statement's own quote in its document's text


class PageBuilder:
    """Turns a description's triples into an EntityPage for one reader's language."""

    def __init__(self, triples: Sequence[Triple], *, term_names: Names, prefixes: Mapping[str, str],
                 language: str, linker: Linker, texts: TextLinks | None = None,
                 restated: frozenset[Triple] = frozenset()):
        self.triples = triples
        # What graph/entailed restates (server/entailment.py) is not shown, except the types it adds.
        self.restated = frozenset(t for t in restated if t.predicate.value != RDF_TYPE)
        self.texts = texts  # where documents' texts are (links to them), if the page shows any
        self.term_names = term_names
        self.prefixes = prefixes
        self.language = language
        self.linker = linker
        self.names = Names((t.subject, t.predicate, t.object) for t in triples)
        self.by_subject: dict[object, list[Triple]] = defaultdict(list)
        for triple in triples:
            self.by_subject[triple.subject].append(triple)

    def page(self, iri: str) -> EntityPage:
        resource = NamedNode(iri)
        own = [t for t in self.by_subject.get(resource, ())
               if t.predicate.value != RDF_TYPE and t not in self.restated]
        types = [t.object for t in self.by_subject.get(resource, ()) if t.predicate.value == RDF_TYPE]
        statements = {t.subject for t in self.triples
                      if t.predicate.value == REIFICATION[0] and t.object == resource}
        inverse = [t for t in self.triples if t.object == resource and t.subject != resource
                   and t.predicate.value not in REIFICATION and t not in self.restated]
        quoted_in = [t.object.value for t in own if t.predicate.value == DERIVED_FROM
                     and isinstance(t.object, NamedNode)] if self.quotes(resource) else []
        return EntityPage(
            iri=iri,
            title=self.names.of(iri, self.language),
            types=tuple(sorted((self.value(term) for term in types), key=sort_key)),
            groups=self.groups(own),
            inverse=self.properties(((t.predicate, t.subject) for t in inverse), depth=MAX_NESTING),
            sources=tuple(sorted((self.source(statement) for statement in statements),
                                 key=lambda source: (sort_key(source.predicate), source.iri))),
            text=self.texts.html(iri) if self.texts else None,
            plain_text=self.texts.text(iri) if self.texts else None,
            passage=self.passage(iri, quoted_in),
        )

    def quotes(self, node) -> bool:
        quote = self.linker.base_iri + QUOTE
        return any(t.predicate.value == quote for t in self.by_subject.get(node, ()))

    def passage(self, statement: str, documents: Iterable[str]) -> str | None:
        """The link to a statement's quote in the text of the first of its documents the site has."""
        if not self.texts or not statement:
            return None
        return next((href for href in (self.texts.html(document, statement) for document in sorted(documents))
                     if href), None)

    def groups(self, triples: Iterable[Triple]) -> tuple[Group, ...]:
        by_group: dict[str, list[tuple[object, object]]] = defaultdict(list)
        by_predicate: dict[str, list[object]] = defaultdict(list)
        for triple in triples:
            by_predicate[triple.predicate.value].append(triple.object)
        for predicate, objects in by_predicate.items():
            group = group_of(predicate, objects)
            by_group[group] += [(NamedNode(predicate), term) for term in objects]
        return tuple(Group(name, self.properties(by_group[name], all_languages=name == NAMES))
                     for name in GROUP_ORDER if by_group.get(name))

    def properties(self, pairs: Iterable[tuple[object, object]], *, all_languages: bool = False,
                   depth: int = 0) -> tuple[Property, ...]:
        """(predicate, value) pairs as Properties sorted by label; language-tagged values narrowed
        to the reader's best language, unless `all_languages` (names are worth showing in all)."""
        by_predicate: dict[str, list[object]] = defaultdict(list)
        for predicate, term in pairs:
            by_predicate[predicate.value].append(term)
        found = []
        for predicate, terms in by_predicate.items():
            if not all_languages:
                terms = in_best_language(terms, self.language)
            values = sorted({self.value(term, depth): None for term in terms}, key=sort_key)
            found.append(Property(predicate, self.term_names.of(predicate, self.language),
                                  self.linker.href(predicate), tuple(values)))
        if all_languages:  # names: the naming predicates first, in their order of preference
            return tuple(sorted(found, key=lambda p: (GROUP_RANK.get(p.iri, len(GROUP_RANK)), sort_key(p))))
        return tuple(sorted(found, key=sort_key))

    def value(self, term, depth: int = 0) -> Value:
        if isinstance(term, Literal):
            datatype = term.datatype.value if term.datatype else None
            return Value(term.value, language=term.language or None,
                         datatype=None if datatype in PLAIN_TYPES else short_name(datatype, self.prefixes))
        if isinstance(term, NamedNode):
            return Value(self.iri_text(term.value), href=self.linker.href(term.value), iri=term.value)
        nested = () if depth >= MAX_NESTING else self.properties(
            ((t.predicate, t.object) for t in self.by_subject.get(term, ())), depth=depth + 1)
        return Value("…" if nested else "(blank node)", nested=nested)

    def iri_text(self, iri: str) -> str:
        """A resource's name; unnamed, the local name of an IRI of this site or of a known
        vocabulary, and any other IRI in full (`https://…/about` says more than "about")."""
        for names in (self.names, self.term_names):
            if names.known(iri):
                return names.of(iri, self.language)
        if iri.startswith(self.linker.base_iri) or short_name(iri, self.prefixes) != iri:
            return readable_local_name(iri)
        return iri

    def source(self, statement) -> Source:
        details, documents, quotes, asserted_predicate, asserted_values = [], [], [], None, []
        quote = self.linker.base_iri + QUOTE
        for triple in self.by_subject.get(statement, ()):
            predicate = triple.predicate.value
            if predicate == quote:
                quotes.append(triple.object)
            elif predicate == REIFICATION[1]:
                asserted_predicate = triple.object.value
            elif predicate == REIFICATION[2]:
                asserted_values.append(triple.object)
            elif predicate == DERIVED_FROM:
                documents.append(self.value(triple.object))
            elif predicate not in (RDF_TYPE, REIFICATION[0]):
                details.append((triple.predicate, triple.object))
        predicate = asserted_predicate or RDF + "object"
        asserted = Property(predicate, self.term_names.of(predicate, self.language), self.linker.href(predicate),
                            tuple(sorted({self.value(term): None for term in asserted_values}, key=sort_key)))
        iri = getattr(statement, "value", "")
        quoted = isinstance(statement, NamedNode) and quotes  # a blank node has no anchor in a text
        return Source(iri, self.linker.href(iri) if iri else None, asserted,
                      tuple(sorted({self.value(term): None for term in quotes}, key=sort_key)),
                      self.properties(details), tuple(sorted(set(documents), key=sort_key)),
                      self.passage(iri, (d.iri for d in documents if d.iri)) if quoted else None)


GROUP_RANK = {predicate: rank for rank, predicate in enumerate(
    (*NAMING_PREDICATES, SKOS + "altLabel", FOAF + "givenName", FOAF + "familyName"))}


def group_of(predicate: str, objects: Sequence[object]) -> str:
    if predicate in GROUP_OF_PREDICATE:
        return GROUP_OF_PREDICATE[predicate]
    if predicate.startswith(PROVENANCE_NAMESPACES):
        return PROVENANCE
    if all(not isinstance(term, Literal) for term in objects):
        return RELATIONS
    if all(isinstance(term, Literal) and term.datatype and term.datatype.value in DATE_TYPES for term in objects):
        return DATES
    return DETAILS



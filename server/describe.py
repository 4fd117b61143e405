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

import re
import unicodedata
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from urllib.parse import urlsplit

from pyoxigraph import Literal, NamedNode, Triple

from server.store import Store

RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
RDFS = "http://www.w3.org/2000/01/rdf-schema#"
XSD = "http://www.w3.org/2001/XMLSchema#"
SKOS = "http://www.w3.org/2004/02/skos/core#"
DCTERMS = "http://purl.org/dc/terms/"
FOAF = "http://xmlns.com/foaf/0.1/"
SCHEMA = "http://schema.org/"
PROV = "http://www.w3.org/ns/prov#"

RDF_TYPE = RDF + "type"
REIFICATION = (RDF + "subject", RDF + "predicate", RDF + "object")
DERIVED_FROM = PROV + "wasDerivedFrom"
# The sentence a source says a statement with (docs/modelling.md: cg:quote), relative to the base IRI.
QUOTE = "def#quote"

# What names a resource, most preferred first (the queries fetch the same ones).
NAMING_PREDICATES = (SKOS + "prefLabel", RDFS + "label", DCTERMS + "title", FOAF + "name", SCHEMA + "name")
# Languages to fall back on when a name is missing in the reader's: English, then French.
FALLBACK_LANGUAGES = ("en", "fr")

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
LINKABLE_SCHEMES = frozenset(("http", "https", "mailto"))
MAX_NESTING = 3  # blank nodes inside blank nodes: the describe query fetches no deeper


def describe(store: Store, iri: str) -> tuple[Triple, ...]:
    """Every triple of the description of `iri`, without duplicates; empty when the store
    neither says anything about it nor links to it."""
    found: dict[Triple, None] = {}
    for name in DESCRIPTION_QUERIES:
        found.update(dict.fromkeys(store.run_file(name, resource=iri)))
    return tuple(found)


# --- names -------------------------------------------------------------------------------------

class Names:
    """The names of resources, chosen for a reader: the reader's language, then English, then
    French, then an untagged name, then any; the predicates in NAMING_PREDICATES order within a
    language; the IRI's local name, made readable, when nothing names it."""

    def __init__(self, triples: Iterable[tuple[object, object, object]] = ()):
        self._names: dict[str, list[tuple[int, Literal]]] = defaultdict(list)
        for subject, predicate, name in triples:
            self.add(subject, predicate, name)

    def add(self, subject, predicate, name) -> None:
        predicate_iri = getattr(predicate, "value", predicate)
        if isinstance(name, Literal) and predicate_iri in NAMING_PREDICATES and isinstance(subject, NamedNode):
            self._names[subject.value].append((NAMING_PREDICATES.index(predicate_iri), name))

    def known(self, iri: str) -> bool:
        return iri in self._names

    def of(self, iri: str, language: str) -> str:
        return self.best(iri, language) or readable_local_name(iri)

    def best(self, iri: str, language: str) -> str | None:
        names = sorted(self._names.get(iri, ()), key=lambda ranked: (ranked[0], ranked[1].value))
        literal = pick_by_language([name for _, name in names], language)
        return literal.value if literal is not None else None


def pick_by_language(literals: Sequence[Literal], language: str) -> Literal | None:
    """The first literal in the reader's language, else in a fallback language, else untagged, else any."""
    for wanted in (language, *FALLBACK_LANGUAGES):
        for literal in literals:
            if literal.language and literal.language.lower().split("-")[0] == wanted:
                return literal
    untagged = [literal for literal in literals if not literal.language]
    return (untagged or list(literals) or [None])[0]


def readable_local_name(iri: str) -> str:
    """`…#signingDate` -> "signing date", `…/id/agreement/idf-zhejiang` -> "idf-zhejiang"."""
    local = re.split(r"[#/]", iri.rstrip("/#"))[-1] or iri
    return re.sub(r"(?<=[a-z0-9])(?=[A-Z])", " ", local).lower() if re.fullmatch(r"[A-Za-z0-9]+", local) else local


def short_name(iri: str, prefixes: Mapping[str, str]) -> str:
    """`xsd:date` for a datatype IRI, or the IRI itself when no prefix covers it."""
    for prefix, namespace in prefixes.items():
        if prefix and iri.startswith(namespace) and re.fullmatch(r"[A-Za-z_][\w.-]*", iri[len(namespace):]):
            return f"{prefix}:{iri[len(namespace):]}"
    return iri


# --- links ---------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Linker:
    """Where a page links an IRI: IRIs under the base as site-relative paths (so pages work on any
    host), other http(s) and mailto IRIs as they are, anything else (javascript:, data:…) not at all.
    `query` (e.g. "lang=zh") is kept on links to this site, so a reader's choice of language follows them."""

    base_iri: str
    query: str = ""
    here: str = ""  # the IRI of the page's own document: `here#term` links to `#term` on the page

    def href(self, iri: str) -> str | None:
        if self.here and iri.startswith(self.here + "#"):
            return iri[len(self.here):]
        if iri.startswith(self.base_iri):
            path, hash_, fragment = ("/" + iri[len(self.base_iri):]).partition("#")
            return self.local(path) + hash_ + fragment
        return iri if urlsplit(iri).scheme.lower() in LINKABLE_SCHEMES else None

    def local(self, path: str) -> str:
        """A link to one of this site's own pages (a path starting with "/")."""
        if not self.query:
            return path
        return path + ("&" if "?" in path else "?") + self.query


# --- the page model ------------------------------------------------------------------------------

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


@dataclass(frozen=True)
class EntityPage:
    iri: str
    title: str
    types: tuple[Value, ...]
    groups: tuple[Group, ...]
    inverse: tuple[Property, ...]
    sources: tuple[Source, ...]


class PageBuilder:
    """Turns a description's triples into an EntityPage for one reader's language."""

    def __init__(self, triples: Sequence[Triple], *, term_names: Names, prefixes: Mapping[str, str],
                 language: str, linker: Linker):
        self.triples = triples
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
        own = [t for t in self.by_subject.get(resource, ()) if t.predicate.value != RDF_TYPE]
        types = [t.object for t in self.by_subject.get(resource, ()) if t.predicate.value == RDF_TYPE]
        statements = {t.subject for t in self.triples
                      if t.predicate.value == REIFICATION[0] and t.object == resource}
        inverse = [t for t in self.triples if t.object == resource and t.subject != resource
                   and t.predicate.value not in REIFICATION]
        return EntityPage(
            iri=iri,
            title=self.names.of(iri, self.language),
            types=tuple(sorted((self.value(term) for term in types), key=sort_key)),
            groups=self.groups(own),
            inverse=self.properties(((t.predicate, t.subject) for t in inverse), depth=MAX_NESTING),
            sources=tuple(sorted((self.source(statement) for statement in statements),
                                 key=lambda source: (sort_key(source.predicate), source.iri))),
        )

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
        return Source(iri, self.linker.href(iri) if iri else None, asserted,
                      tuple(sorted({self.value(term): None for term in quotes}, key=sort_key)),
                      self.properties(details), tuple(sorted(set(documents), key=sort_key)))


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


def in_best_language(terms: Sequence[object], language: str) -> list[object]:
    """Untagged values and non-literals, plus the tagged literals of the best available language."""
    tagged = [term for term in terms if isinstance(term, Literal) and term.language]
    if not tagged:
        return list(terms)
    best = pick_by_language(tagged, language).language
    return [term for term in terms if not (isinstance(term, Literal) and term.language) or term.language == best]


def sort_key(item) -> tuple[str, str]:
    text = getattr(item, "text", None) or getattr(item, "label", "")
    return (collation_key(text), getattr(item, "iri", "") or "")


def collation_key(text: str) -> str:
    """Sorts "Île-de-France" with the I's: accents and case ignored."""
    return "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c)).casefold()

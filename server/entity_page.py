"""What the store says about one resource: triples for the RDF formats, a page model for HTML.

The description of a resource is its own triples (every graph, with the blank nodes they lead to),
the names of the resources it links to and is linked from, its inverse links, and its provenance
(the reified statements about it, with their quotes and documents). It is built from the queries
`describe`, `labels-of-neighbours`, `inverse-links` and `provenance` in `server/queries/`, so it
needs nothing from the store but SPARQL.

The HTML page is built from the same triples: names in the reader's language, properties grouped
(names, description, relations, dates, other details, provenance) and sorted by their labels, values
written for people (server/readable.py: dates at their stated precision, durations, numbers, languages),
inferred values marked. Around them, from the queries `context` runs (a `PageContext`): the sentence saying
what the thing is (server/summary.py), notices of the source issues recorded about it, and each attestation
named by what it claims, in words (`claim`), never by its slug.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from pyoxigraph import Literal, NamedNode, Triple

from server import readable, summary
from server.links import Linker
from server.names import (NAMING_PREDICATES, Names, in_best_language, pick_by_language, readable_local_name,
                          short_name, sort_key)
from server.namespaces import DCTERMS, FOAF, PROV, RDF, RDF_TYPE, RDFS, SCHEMA, SKOS, XSD
from server.sentences import capitalised, fill, joined, placeholders, plain
from server.store import Store

if TYPE_CHECKING:
    from server.sources import TextLinks

REIFICATION = (RDF + "subject", RDF + "predicate", RDF + "object")
DERIVED_FROM = PROV + "wasDerivedFrom"
# The sentence a source says a statement with (docs/modelling.md: cg:quote), relative to the base IRI.
QUOTE = "def#quote"
# A statement whose value is inferred, and how (docs/modelling.md: "Inferred values"), relative to the base IRI.
INFERRED, INFERENCE_NOTE = "def#inferred", "def#inferenceNote"
# Kinds of source issue (docs/modelling.md), relative to the base IRI: the notice each gets on a page.
ISSUE_KINDS = (("def#Contradiction", "contradiction"), ("def#Ambiguity", "ambiguity"))


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
class PageContext:
    """What an entity page says besides the description, whatever the reader's language: the answer of its
    kind's summary query (server/summary.py), the source issues about it, and what the attestations around
    it claim (with the names those claims need)."""

    kind: str | None = None  # the summary's kind (server/summary.py KINDS), None for none
    summary: tuple[Triple, ...] = ()
    issues: tuple[Triple, ...] = ()
    claims: tuple[Triple, ...] = ()


def context(store: Store, iri: str, types: Iterable[str], *, base_iri: str, data_graph: str) -> PageContext:
    """Runs the queries of a page's context: `summary-<kind>` (the kind from the resource's types),
    `issues-of` and `attestation-claims`."""
    kind = summary.kind_of(types, base_iri)
    return PageContext(
        kind=kind.name if kind else None,
        summary=tuple(store.run_file(kind.query, resource=iri, data=data_graph)) if kind and kind.query else (),
        issues=tuple(store.run_file("issues-of", resource=iri)),
        claims=tuple(store.run_file("attestation-claims", resource=iri)))


@dataclass(frozen=True)
class Value:
    text: str
    href: str | None = None
    language: str | None = None  # for the lang attribute: a literal's, or a name's in another language
    datatype: str | None = None  # short name, shown discreetly unless the value is written for people
    iri: str | None = None
    nested: tuple[Property, ...] = ()  # the properties of a blank node
    machine: str | None = None  # the lexical form of a value written for people (server/readable.py)
    element: str | None = None  # then "time" (`datetime`) or "data" (`value`), which keeps it on the page
    precision: str | None = None  # a date's: readable.DAY, MONTH, YEAR or INSTANT
    show_language: bool = False  # a literal in another language than the page's: its tag is shown
    inferred: bool = False  # a value an attestation says is inferred (cg:inferred)
    note: str | None = None  # and how (cg:inferenceNote)


@dataclass(frozen=True)
class Property:
    iri: str
    label: str
    href: str | None
    values: tuple[Value, ...]
    language: str | None = None  # of the label, when it is not the page's


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
    claim: tuple = ()  # what it supports, in words (server/sentences.py pieces)


@dataclass(frozen=True)
class Notice:
    """A source issue recorded about the page's resource, shown at the top of its page."""

    kind: str  # "contradiction", "ambiguity" or "issue": the words it is introduced with
    issue: Value  # its name, linking to its page
    description: Value | None  # its rdfs:comment, in the reader's language if it has one


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
    summary: tuple = ()  # what it is, in a sentence or two (server/summary.py), as pieces
    notices: tuple[Notice, ...] = ()
    statement: Source | None = None  # an attestation's page: what it quotes and supports
    title_language: str | None = None  # the title's, when it is not the page's


@dataclass(frozen=True)
class Reified:
    """What a reified statement (an attestation) says it is about."""

    subject: object
    predicate: str | None
    objects: tuple
    inferred: bool
    notes: tuple[Literal, ...]


class PageBuilder:
    """Turns a description's triples into an EntityPage for one reader's language."""

    def __init__(self, triples: Sequence[Triple], *, term_names: Names, prefixes: Mapping[str, str],
                 language: str, linker: Linker, texts: TextLinks | None = None,
                 restated: frozenset[Triple] = frozenset(), words: Mapping[str, str] | None = None,
                 context: PageContext = PageContext()):
        self.triples = triples
        # What graph/entailed restates (server/entailment.py) is not shown, except the types it adds.
        self.restated = frozenset(t for t in restated if t.predicate.value != RDF_TYPE)
        self.texts = texts  # where documents' texts are (links to them), if the page shows any
        self.term_names = term_names
        self.prefixes = prefixes
        self.language = language
        self.linker = linker
        self.words = words  # the site's words in the reader's language: without them, no sentences
        self.context = context
        around = (*triples, *context.summary, *context.claims, *context.issues)
        self.names = Names((t.subject, t.predicate, t.object) for t in around)
        self.by_subject: dict[object, list[Triple]] = defaultdict(list)
        for triple in triples:
            self.by_subject[triple.subject].append(triple)
        self.statements = reified(around, linker.base_iri)
        # (subject, predicate, value) -> how it was inferred, for every value an attestation says is inferred
        self.inferred = {(s.subject, s.predicate, value): s.notes for s in self.statements.values() if s.inferred
                         for value in s.objects}

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
        title = self.names.of(iri, self.language)
        statement = self.source(resource, here=iri) if resource in self.statements and self.words else None
        if statement is not None and not self.names.known(iri):  # an attestation is named by what it claims
            title = plain(fill(self.words["attestation_title"], {"claim": plain(statement.claim)}))
        return EntityPage(
            iri=iri,
            title=title,
            types=tuple(sorted((self.value(term) for term in types), key=sort_key)),
            groups=self.groups(own, resource),
            inverse=self.properties(((t.predicate, t.subject) for t in inverse), depth=MAX_NESTING),
            sources=tuple(sorted((self.source(node, here=iri) for node in statements),
                                 key=lambda source: (sort_key(source.predicate), source.iri))),
            text=self.texts.html(iri) if self.texts else None,
            plain_text=self.texts.text(iri) if self.texts else None,
            passage=self.passage(iri, quoted_in),
            summary=summary.sentence(self.context.kind, iri, self.context.summary, self) if self.words else (),
            notices=self.notices(),
            statement=statement,
            title_language=self.other_language(getattr(title, "language", None)),
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

    def groups(self, triples: Iterable[Triple], subject=None) -> tuple[Group, ...]:
        by_group: dict[str, list[tuple[object, object]]] = defaultdict(list)
        by_predicate: dict[str, list[object]] = defaultdict(list)
        for triple in triples:
            by_predicate[triple.predicate.value].append(triple.object)
        for predicate, objects in by_predicate.items():
            group = group_of(predicate, objects)
            by_group[group] += [(NamedNode(predicate), term) for term in objects]
        return tuple(Group(name, self.properties(by_group[name], all_languages=name == NAMES, subject=subject))
                     for name in GROUP_ORDER if by_group.get(name))

    def properties(self, pairs: Iterable[tuple[object, object]], *, all_languages: bool = False,
                   depth: int = 0, subject=None) -> tuple[Property, ...]:
        """(predicate, value) pairs as Properties sorted by label; language-tagged values narrowed
        to the reader's best language, unless `all_languages` (names are worth showing in all).
        Values of `subject` an attestation says are inferred are marked."""
        by_predicate: dict[str, list[object]] = defaultdict(list)
        for predicate, term in pairs:
            by_predicate[predicate.value].append(term)
        found = []
        for predicate, terms in by_predicate.items():
            if not all_languages:
                terms = in_best_language(terms, self.language)
            about = (subject, predicate) if subject is not None else None
            values = sorted({self.value(term, depth, about=about): None for term in terms}, key=sort_key)
            label = self.term_names.of(predicate, self.language)
            found.append(Property(predicate, label, self.linker.href(predicate), tuple(values),
                                  self.other_language(getattr(label, "language", None))))
        if all_languages:  # names: the naming predicates first, in their order of preference
            return tuple(sorted(found, key=lambda p: (GROUP_RANK.get(p.iri, len(GROUP_RANK)), sort_key(p))))
        return tuple(sorted(found, key=sort_key))

    def value(self, term, depth: int = 0, *, about: tuple | None = None, in_claim: bool = False) -> Value:
        """A term as the page shows it; `about` (subject, predicate IRI) says whose value it is, so that an
        inferred one is marked; `in_claim`: it is part of an attestation's claim (which names no other)."""
        notes = self.inferred.get((about[0], about[1], term)) if about else None
        inferred = {"inferred": notes is not None, "note": self.note(notes) if notes else None}
        if isinstance(term, Literal):
            datatype = term.datatype.value if term.datatype else None
            short = None if datatype in PLAIN_TYPES else short_name(datatype, self.prefixes)
            written = None if datatype in PLAIN_TYPES else readable.literal(term.value, datatype, self.language,
                                                                            self.words)
            if written is not None:
                return Value(written.text, datatype=short, machine=written.machine, element=written.element,
                             precision=written.precision, **inferred)
            language = term.language or None
            return Value(term.value, language=language, datatype=short,
                         show_language=bool(self.other_language(language)), **inferred)
        if isinstance(term, NamedNode):
            text = self.iri_text(term.value, in_claim=in_claim)
            return Value(text, href=self.linker.href(term.value), iri=term.value,
                         language=self.other_language(getattr(text, "language", None)), **inferred)
        nested = () if depth >= MAX_NESTING else self.properties(
            ((t.predicate, t.object) for t in self.by_subject.get(term, ())), depth=depth + 1, subject=term)
        return Value("…" if nested else "(blank node)", nested=nested)

    def other_language(self, language: str | None) -> str | None:
        """`language`, if it is not the page's (then a text in it gets its own `lang`)."""
        return language if language and readable.primary(language) != readable.primary(self.language) else None

    def note(self, notes: Sequence[Literal]) -> str | None:
        chosen = pick_by_language(list(notes), self.language) if notes else None
        return chosen.value if chosen is not None else None

    def iri_text(self, iri: str, *, in_claim: bool = False) -> str:
        """A resource's name; an attestation's claim in words; a language's name; unnamed, the local name
        of an IRI of this site or of a known vocabulary, and any other IRI in full (`https://…/about` says
        more than "about")."""
        for names in (self.names, self.term_names):
            if names.known(iri):
                return names.of(iri, self.language)
        node = NamedNode(iri)
        if node in self.statements and self.words and not in_claim:
            return plain(self.claim(node))
        language = readable.language_name(iri, self.language)
        if language:
            return language
        if iri.startswith(self.linker.base_iri) or short_name(iri, self.prefixes) != iri:
            return readable_local_name(iri)
        return iri

    def when(self, value: Value) -> tuple:
        """A date as the words of a time: "on 14 June 2018", "in June 2019", "in 2019" (`when_*` words)."""
        if not value.precision or not self.words:
            return ()
        precision = readable.DAY if value.precision == readable.INSTANT else value.precision
        return fill(self.words[f"when_{precision}"], {"date": value})

    def claim(self, node, *, here: str | None = None) -> tuple:
        """What an attestation supports, in words: "<subject> was signed on 14 June 2018" (`claim_<property>`
        words), else "<subject> — <property>: <value>" (`claim`); the subject unlinked on its own page."""
        statement = self.statements.get(node)
        if statement is None or not self.words:
            return ()
        subject = self.value(statement.subject, in_claim=True) if statement.subject is not None else None
        if subject is not None and here and subject.iri == here:
            subject = replace(subject, href=None)
        predicate = statement.predicate or RDF + "object"
        values = sorted((self.value(term, about=(statement.subject, predicate), in_claim=True)
                         for term in statement.objects), key=sort_key)
        when = self.when(values[0]) if len(values) == 1 else ()
        label = self.term_names.of(predicate, self.language)
        pattern = self.words.get("claim_" + local_name_of(predicate))
        if pattern is None or ("when" in placeholders(pattern) and not when):
            pattern = self.words["claim"]
        return capitalised(fill(pattern, {
            "subject": subject, "value": joined(values, self.language), "when": when,
            "property": Value(label, language=self.other_language(getattr(label, "language", None)))}))

    def notices(self) -> tuple[Notice, ...]:
        """The source issues about the page's resource, contradictions first, then by name."""
        if not self.context.issues:
            return ()
        about: dict[object, dict[str, list]] = defaultdict(lambda: defaultdict(list))
        for triple in self.context.issues:
            about[triple.subject][triple.predicate.value].append(triple.object)
        found = []
        for issue, said in about.items():
            types = {term.value for term in said.get(RDF_TYPE, ())}
            kind = next((name for cls, name in ISSUE_KINDS if self.linker.base_iri + cls in types), "issue")
            comments = in_best_language(said.get(RDFS + "comment", []), self.language)
            description = self.value(comments[0]) if comments else None
            found.append(Notice(kind, self.value(issue), description and replace(description, show_language=False)))
        order = [name for _, name in ISSUE_KINDS] + ["issue"]
        return tuple(sorted(found, key=lambda notice: (order.index(notice.kind), sort_key(notice.issue))))

    def source(self, statement, *, here: str | None = None) -> Source:
        details, documents, quotes, asserted_predicate, asserted_values = [], [], [], None, []
        quote = self.linker.base_iri + QUOTE
        inferred = self.linker.base_iri + INFERRED
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
            elif predicate not in (RDF_TYPE, REIFICATION[0], inferred):  # inferred: the value's mark says it
                details.append((triple.predicate, triple.object))
        predicate = asserted_predicate or RDF + "object"
        subject = self.statements[statement].subject if statement in self.statements else None
        label = self.term_names.of(predicate, self.language)
        asserted = Property(predicate, label, self.linker.href(predicate),
                            tuple(sorted({self.value(term, about=(subject, predicate)): None
                                          for term in asserted_values}, key=sort_key)),
                            self.other_language(getattr(label, "language", None)))
        iri = getattr(statement, "value", "")
        quoted = isinstance(statement, NamedNode) and quotes  # a blank node has no anchor in a text
        return Source(iri, self.linker.href(iri) if iri and iri != here else None, asserted,
                      tuple(sorted({self.value(term): None for term in quotes}, key=sort_key)),
                      self.properties(details), tuple(sorted(set(documents), key=sort_key)),
                      self.passage(iri, (d.iri for d in documents if d.iri)) if quoted else None,
                      self.claim(statement, here=here))


def reified(triples: Iterable[Triple], base_iri: str) -> dict[object, Reified]:
    """Every reified statement among `triples` (a node with an rdf:subject): what it is about, and whether
    its value is inferred."""
    said: dict[object, dict[str, list]] = defaultdict(lambda: defaultdict(list))
    for triple in triples:
        said[triple.subject][triple.predicate.value].append(triple.object)
    inferred, note = base_iri + INFERRED, base_iri + INFERENCE_NOTE
    found = {}
    for node, parts in said.items():
        if not parts.get(REIFICATION[0]):
            continue
        predicates = parts.get(REIFICATION[1]) or [None]
        found[node] = Reified(
            subject=parts[REIFICATION[0]][0],
            predicate=predicates[0].value if predicates[0] is not None else None,
            objects=tuple(dict.fromkeys(parts.get(REIFICATION[2], ()))),
            inferred=any(isinstance(flag, Literal) and flag.value.strip() in ("true", "1")
                         for flag in parts.get(inferred, ())),
            notes=tuple(dict.fromkeys(n for n in parts.get(note, ()) if isinstance(n, Literal))))
    return found


def local_name_of(iri: str) -> str:
    """The local name of a property's IRI as written (`signingDate`), for its `claim_*` words."""
    return re.split(r"[#/]", iri.rstrip("/#"))[-1]


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



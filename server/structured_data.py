"""What search engines read in the HTML pages: schema.org JSON-LD (a `Dataset` on the home and dataset
pages, each entity as its schema.org type on its own page) and the one-sentence `<meta name="description">`.

Nothing here is written for this dataset. The dataset's facts come from its VoID/DCAT description
(server/void.py), its coverage in time and space from the data (`coverage-dates.rq`, `coverage-places.rq`),
and which schema.org type and properties an entity has from `server/schema-org.ttl` together with what the
ontology says of its own terms (`schema-org-terms.rq`): another dataset declares its mapping in its ontology.

The JSON-LD's context makes the page's language the default (names in it are plain strings, as search
engines expect them; names in other languages are language-tagged values), and `script_json` escapes it so
that no value can close the `<script>` it is written in.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from markupsafe import Markup
from pyoxigraph import BlankNode, Literal, NamedNode, RdfFormat, Triple, parse

from server.i18n import localized
from server.indexes import cached, superclasses, term_names
from server.names import NAMING_PREDICATES, pick_by_language
from server.namespaces import DCAT, DCTERMS, FOAF, RDF_TYPE, RDFS, SCHEMA, SKOS, XSD
from server.state import AppState
from server.ui_text import UI_TEXT

MAPPING_FILE = Path(__file__).resolve().with_name("schema-org.ttl")
SCHEMA_HTTPS = "https://schema.org/"
IANA_MEDIA_TYPES = "https://www.iana.org/assignments/media-types/"
SUB_CLASS = RDFS + "subClassOf"
RANGE_INCLUDES, TEXT = SCHEMA + "rangeIncludes", SCHEMA + "Text"
THING = SCHEMA + "Thing"
MAX_VALUES = 20  # values of one property on an entity's page: China contains many places
SUMMARY_LENGTH = 300  # characters of a meta description; search engines show fewer
# What says in a sentence what a resource is, most preferred first.
COMMENTS = (SKOS + "definition", RDFS + "comment", DCTERMS + "description", SCHEMA + "description")
NUMBERS = {XSD + "integer": int, XSD + "int": int, XSD + "long": int, XSD + "nonNegativeInteger": int,
           XSD + "positiveInteger": int, XSD + "decimal": float, XSD + "double": float, XSD + "float": float}


@dataclass(frozen=True)
class SchemaTerms:
    """The mapping of a dataset's classes and properties to schema.org, and what of schema.org it needs."""

    mapped: Mapping[str, frozenset[str]]  # a class or property -> the schema.org terms it is a kind of
    ancestors: Mapping[str, frozenset[str]]  # a schema.org type -> every schema.org type above it
    text_only: frozenset[str]  # schema.org properties whose values are text

    @classmethod
    def from_statements(cls, statements: Iterable[tuple[str, str, str]]) -> SchemaTerms:
        """From (subject, predicate, object) IRIs: `X rdfs:subClassOf|subPropertyOf schema:T` maps X (a
        schema.org subject gives schema.org's own hierarchy), `schema:p schema:rangeIncludes schema:Text`."""
        mapped, parents, text_only = defaultdict(set), defaultdict(set), set()
        for subject, predicate, obj in statements:
            subject, obj = schema_iri(subject), schema_iri(obj)
            if predicate == RANGE_INCLUDES:
                if obj == TEXT:
                    text_only.add(subject)
            elif obj.startswith(SCHEMA):
                (parents if subject.startswith(SCHEMA) else mapped)[subject].add(obj)
        return cls({term: frozenset(found) for term, found in mapped.items()},
                   {term: frozenset(_above(term, parents)) for term in parents}, frozenset(text_only))

    def types_of(self, classes: Iterable[str]) -> tuple[str, ...]:
        """The most specific schema.org types of a resource of `classes` (its own and inferred ones):
        schema:Thing when none is known."""
        found = set()
        for iri in map(schema_iri, classes):
            found |= {iri} if iri.startswith(SCHEMA) else self.mapped.get(iri, frozenset())
        specific = sorted(iri for iri in found if not any(iri in self.ancestors.get(other, ()) for other in found))
        return tuple(specific) or (THING,)

    def properties_of(self, predicate: str) -> frozenset[str]:
        iri = schema_iri(predicate)
        return frozenset((iri,)) if iri.startswith(SCHEMA) else self.mapped.get(iri, frozenset())


def schema_terms(state: AppState) -> SchemaTerms:
    """server/schema-org.ttl (its relative IRIs resolved against the base IRI) and what the store says of
    its own terms in schema.org terms; once per dataset version."""
    def build() -> SchemaTerms:
        mapping = parse(path=MAPPING_FILE, format=RdfFormat.TURTLE, base_iri=state.settings.base_iri)
        in_file = [(quad.subject.value, quad.predicate.value, quad.object.value) for quad in mapping
                   if isinstance(quad.subject, NamedNode) and isinstance(quad.object, NamedNode)]
        # Sub-class, sub-property or equivalent: each says "is a kind of" here.
        declared = [(row["term"].value, SUB_CLASS, row["schemaTerm"].value)
                    for row in state.dataset.store.run_file("schema-org-terms")]
        return SchemaTerms.from_statements(in_file + declared)
    return cached(state, ("schema-org-terms",), build)


@dataclass(frozen=True)
class Place:
    iri: str
    names: tuple[Literal, ...]
    same_as: tuple[str, ...]


@dataclass(frozen=True)
class Coverage:
    """When and where the data is about, as the data says."""

    temporal: str | None  # an ISO 8601 interval, `2018-06-14/2028-06-13`
    places: tuple[Place, ...]


def coverage(state: AppState) -> Coverage:
    """The dataset's coverage in time and space, once per dataset version."""
    def build() -> Coverage:
        store = state.dataset.store
        dates = next(iter(store.run_file("coverage-dates")), None)
        start, end = (dates["start"], dates["end"]) if dates is not None else (None, None)
        temporal = f"{start.value}/{end.value}" if start is not None and end is not None else None
        names: dict[str, dict] = defaultdict(dict)  # dicts as ordered sets: the rows repeat each value
        same: dict[str, dict] = defaultdict(dict)
        for row in store.run_file("coverage-places"):
            place = row["place"].value
            names[place].update({row["name"]: None} if row["name"] is not None else {})
            same[place].update({row["same"].value: None} if row["same"] is not None else {})
        return Coverage(temporal, tuple(Place(iri, tuple(_one_per_language(sorted(names[iri], key=_literal_order))),
                                              tuple(sorted(same[iri]))) for iri in names))
    return cached(state, ("coverage",), build)


class _Document:
    """One JSON-LD document in the page's language: collects which terms need a definition in its context."""

    def __init__(self, language: str):
        self.language = language
        self.iri_terms: set[str] = set()  # values are IRIs written as strings (url, sameAs…)
        self.plain_terms: set[str] = set()  # values are strings in no language (dates, media types…)

    def context(self) -> dict:
        return {"@vocab": SCHEMA, "@language": self.language,
                **{term: {"@type": "@id"} for term in sorted(self.iri_terms)},
                **{term: {"@language": None} for term in sorted(self.plain_terms - self.iri_terms)}}

    def texts(self, literals: Iterable[Literal]) -> list:
        """Language-tagged texts, the page's language first as plain strings (it is the context's);
        other languages tagged, untagged texts as values in no language."""
        unique = list(dict.fromkeys(literals))
        best = pick_by_language(unique, self.language) if unique else None
        best_language = (best.language or "").lower() if best is not None else ""
        # The best language's texts first (in their order), then the others by language.
        ordered = sorted(enumerate(unique), key=lambda pair: ((pair[1].language or "").lower() != best_language,
                                                              (pair[1].language or "").lower(), pair[0]))
        return [self.text(literal) for _, literal in ordered]

    def text(self, literal: Literal) -> str | dict:
        if literal.language and literal.language.lower() == self.language:
            return literal.value
        if literal.language:
            return {"@value": literal.value, "@language": literal.language}
        return {"@value": literal.value}

    def plain(self, term: str, value: str | int | float | bool) -> str | int | float | bool:
        self.plain_terms.add(term)
        return value

    def iri(self, term: str, iri: str) -> str:
        self.iri_terms.add(term)
        return iri

    def literals(self, term: str, literals: Sequence[Literal]) -> list:
        """A property's literal values: texts when any is language-tagged, else plain values (numbers as numbers)."""
        if any(literal.language for literal in literals):
            return self.texts(literals)
        return [self.plain(term, _plain_value(literal)) for literal in literals]


def _plain_value(literal: Literal) -> str | int | float | bool:
    datatype = literal.datatype.value if literal.datatype else ""
    try:
        if datatype in NUMBERS:
            return NUMBERS[datatype](literal.value)
        if datatype == XSD + "boolean":
            return literal.value in ("true", "1")
    except ValueError:
        pass
    return literal.value


def script_json(data) -> Markup:
    """JSON to write inside `<script type="application/ld+json">`: `<`, `>` and `&` (and the line separators
    JavaScript reads as line ends) as \\u escapes, so that no value can close the element or open a comment."""
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    for character in "<>&\u2028\u2029":
        text = text.replace(character, f"\\u{ord(character):04x}")
    return Markup(text)


def dataset_script(state: AppState, language: str) -> Markup:
    """The home and dataset pages' JSON-LD: the dataset the server publishes."""
    return script_json(dataset_data(state.published.triples, dataset_iri=state.settings.dataset_iri,
                                    language=language, version=state.dataset.version, found=coverage(state)))


def entity_script(state: AppState, iri: str, triples: Sequence[Triple], language: str, url: str) -> Markup:
    """An entity page's JSON-LD; `url` is the page's own (absolute) URL."""
    return script_json(entity_data(iri, triples, schema_terms(state), language=language, url=url))


def entity_description(state: AppState, iri: str, triples: Sequence[Triple], language: str) -> str:
    """An entity page's meta description: its comment in the page's language, else a sentence naming
    it with its most specific class, in the page's language."""
    own_types = [t.object.value for t in triples if t.subject == NamedNode(iri) and t.predicate.value == RDF_TYPE
                 and isinstance(t.object, NamedNode)]
    names = term_names(state)
    kinds = sorted(names.of(kind, language) for kind in most_specific(own_types, superclasses(state)))
    return entity_summary(iri, triples, language=language, kind=kinds[0] if kinds else None,
                          dataset=localized(state.settings.title, language),
                          sentence=UI_TEXT[language]["meta_entity_description"])


def dataset_data(triples: Sequence[Triple], *, dataset_iri: str, language: str, version: str,
                 found: Coverage) -> dict:
    """The dataset as a schema:Dataset, from its VoID/DCAT description (server/void.py) and its coverage."""
    about = _by_subject(triples)
    own = about.get(dataset_iri, {})
    doc = _Document(language)
    node: dict = {"@id": dataset_iri, "@type": "Dataset", "name": doc.texts(own.get(DCTERMS + "title", ())),
                  "description": doc.texts(own.get(DCTERMS + "description", ()))}
    for term, predicate in (("url", DCAT + "landingPage"), ("license", DCTERMS + "license")):
        for value in own.get(predicate, ())[:1]:
            node[term] = doc.iri(term, value.value)
    node["identifier"] = doc.iri("identifier", dataset_iri)
    for term, predicate in (("datePublished", DCTERMS + "issued"), ("dateModified", DCTERMS + "modified")):
        for value in own.get(predicate, ())[:1]:
            node[term] = doc.plain(term, value.value)
    node["version"] = doc.plain("version", version)
    if own.get(DCAT + "keyword"):
        node["keywords"] = doc.texts(own[DCAT + "keyword"])
    agents = {term: [_agent(doc, about, agent.value) for agent in own.get(DCTERMS + predicate, ())]
              for term, predicate in (("publisher", "publisher"), ("creator", "creator"))}
    node["creator"] = agents["creator"] or agents["publisher"]  # a dataset its publisher made, unless it says
    if agents["publisher"]:
        node["publisher"] = agents["publisher"]
    downloads = sorted((subject for subject, properties in about.items()
                        if any(t.value == DCAT + "Distribution" for t in properties.get(RDF_TYPE, ()))),
                       key=lambda subject: _first(about[subject], DCAT + "downloadURL") or subject)
    node["distribution"] = [_download(doc, subject, about[subject]) for subject in downloads]
    if found.temporal:
        node["temporalCoverage"] = doc.plain("temporalCoverage", found.temporal)
    if found.places:
        node["spatialCoverage"] = [{"@id": place.iri, "@type": "Place", "name": doc.texts(place.names),
                                    **({"sameAs": [doc.iri("sameAs", iri) for iri in place.same_as]}
                                       if place.same_as else {})} for place in found.places]
    return {"@context": doc.context(), **node}


def _agent(doc: _Document, about, iri: str) -> dict:
    names = about.get(iri, {}).get(FOAF + "name", ())
    return {"@id": iri, "@type": "Organization", **({"name": doc.texts(names)} if names else {})}


def _download(doc: _Document, iri: str, properties) -> dict:
    """A dcat:Distribution as a schema:DataDownload: its file's URL and media types (the compressed
    content's, then the compression's)."""
    formats = [value.value.removeprefix(IANA_MEDIA_TYPES)
               for predicate in (DCAT + "mediaType", DCAT + "compressFormat") for value in properties.get(predicate, ())]
    node = {"@id": iri, "@type": "DataDownload", "name": doc.texts(properties.get(DCTERMS + "title", ())),
            "contentUrl": doc.iri("contentUrl", _first(properties, DCAT + "downloadURL") or iri),
            "encodingFormat": [doc.plain("encodingFormat", media_type) for media_type in formats]}
    if properties.get(DCTERMS + "description"):
        node["description"] = doc.texts(properties[DCTERMS + "description"])
    if _first(properties, DCTERMS + "modified"):
        node["dateModified"] = doc.plain("dateModified", _first(properties, DCTERMS + "modified"))
    if _first(properties, DCTERMS + "license"):
        node["license"] = doc.iri("license", _first(properties, DCTERMS + "license"))
    return node


def entity_data(iri: str, triples: Sequence[Triple], terms: SchemaTerms, *, language: str, url: str) -> dict:
    """An entity as its most specific schema.org type(s), from the triples of its description
    (server/entity_page.py `describe`): its names in every language, its page, and each property the
    mapping turns into a schema.org one (sameAs, places, dates, memberships…), linked resources by name."""
    doc = _Document(language)
    resource = NamedNode(iri)
    own = [t for t in triples if t.subject == resource]
    names = _names(triples)
    types = [t.object.value for t in own if t.predicate.value == RDF_TYPE and isinstance(t.object, NamedNode)]
    node: dict = {"@id": iri, "@type": [_local(term) for term in terms.types_of(types)],
                  "url": doc.iri("url", url)}
    if names.get(iri):
        node["name"] = doc.texts(_one_per_language(names[iri]))
    values: dict[str, dict] = defaultdict(dict)
    for triple in own:
        if triple.predicate.value == RDF_TYPE or triple.predicate.value in NAMING_PREDICATES:
            continue
        if isinstance(triple.object, BlankNode):
            continue
        for target in terms.properties_of(triple.predicate.value):
            if target != SCHEMA + "name":
                values[target][triple.object] = None
    for target, objects in sorted(values.items()):
        term = _local(target)
        # Sorted: every worker writes the same bytes for the same ETag, whatever order the store answers in.
        literals = sorted((value for value in objects if isinstance(value, Literal)), key=_literal_order)
        resources = [value.value for value in objects if isinstance(value, NamedNode)]
        written = doc.literals(term, literals) if literals else []
        if target in terms.text_only:  # a post held: its name
            written += [doc.text(name) for name in (pick_by_language(names.get(value, []), language)
                                                    for value in sorted(resources)) if name is not None]
        elif term == "sameAs":
            written += [doc.iri(term, value) for value in sorted(resources)]
        else:
            written += [_reference(doc, value, names.get(value, ())) for value in sorted(resources)]
        if written:
            node[term] = written[:MAX_VALUES]
    return {"@context": doc.context(), **node}


def _reference(doc: _Document, iri: str, names: Sequence[Literal]) -> dict:
    name = pick_by_language(list(names), doc.language) if names else None
    return {"@id": iri, **({"name": doc.text(name)} if name is not None else {})}


def entity_summary(iri: str, triples: Sequence[Triple], *, language: str, kind: str | None, dataset: str,
                   sentence: str) -> str:
    """One sentence saying what the resource is, in `language`: its definition or comment in that language,
    else `sentence` (the locale's words, with {name}, {kind} and {dataset}) filled from the data."""
    resource = NamedNode(iri)
    own = sorted((t for t in triples if t.subject == resource and isinstance(t.object, Literal)),
                 key=lambda triple: _literal_order(triple.object))
    for predicate in COMMENTS:
        for triple in own:
            tag = (triple.object.language or "").lower().split("-")[0]
            if triple.predicate.value == predicate and tag == language:
                return shorten(" ".join(triple.object.value.split()))
    name = pick_by_language(_one_per_language(_names(triples).get(iri, [])), language)
    title = name.value if name is not None else iri
    if kind is None:
        return shorten(f"{title} · {dataset}")
    return shorten(sentence.format(name=title, kind=kind, dataset=dataset))


def most_specific(classes: Iterable[str], parents: Mapping[str, Iterable[str]]) -> list[str]:
    """The classes none of the others is a sub-class of, given each class's direct super-classes."""
    classes = set(classes)
    above = set().union(*(_above(iri, parents) for iri in classes)) if classes else set()
    return sorted(classes - above)


def shorten(text: str, length: int = SUMMARY_LENGTH) -> str:
    if len(text) <= length:
        return text
    cut = text[:length - 1]
    return (cut.rsplit(" ", 1)[0] if " " in cut else cut).rstrip(" ,;:") + "…"


def schema_iri(iri: str) -> str:
    """schema.org's terms under one namespace, http (the ontology's)."""
    return SCHEMA + iri[len(SCHEMA_HTTPS):] if iri.startswith(SCHEMA_HTTPS) else iri


def _local(schema_term: str) -> str:
    return schema_term[len(SCHEMA):]


def _above(term: str, parents: Mapping[str, Iterable[str]]) -> set[str]:
    found, todo = set(), list(parents.get(term, ()))
    while todo:
        parent = todo.pop()
        if parent not in found:
            found.add(parent)
            todo.extend(parents.get(parent, ()))
    return found


def _literal_order(literal: Literal) -> tuple[str, str, str]:
    return (literal.language or "", literal.datatype.value if literal.datatype else "", literal.value)


def _by_subject(triples: Iterable[Triple]) -> dict[str, dict[str, list]]:
    about: dict[str, dict[str, list]] = defaultdict(lambda: defaultdict(list))
    for triple in triples:
        about[triple.subject.value][triple.predicate.value].append(triple.object)
    return about


def _first(properties: Mapping[str, Sequence], predicate: str) -> str | None:
    values = properties.get(predicate, ())
    return values[0].value if values else None


def _names(triples: Iterable[Triple]) -> dict[str, list[Literal]]:
    """Each named resource's names, the naming predicates in their order of preference."""
    ranked: dict[str, list[tuple[int, Literal]]] = defaultdict(list)
    for triple in triples:
        if (isinstance(triple.subject, NamedNode) and isinstance(triple.object, Literal)
                and triple.predicate.value in NAMING_PREDICATES):
            ranked[triple.subject.value].append((NAMING_PREDICATES.index(triple.predicate.value), triple.object))
    return {iri: [name for _, name in sorted(found, key=lambda pair: (pair[0], pair[1].value))]
            for iri, found in ranked.items()}


def _one_per_language(names: Sequence[Literal]) -> list[Literal]:
    """The preferred name in each language; untagged names only when no name has a language."""
    chosen: dict[str, Literal] = {}
    for name in names:
        if name.language:
            chosen.setdefault(name.language.lower(), name)
    return list(chosen.values()) or list(dict.fromkeys(names))

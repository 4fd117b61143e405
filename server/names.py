"""Names of resources for a reader, and the order people expect them in.

A resource's name is chosen in the reader's language, then English, then French, then untagged,
then any, from the naming predicates in their order of preference; unnamed, it is the IRI's local
name made readable. Sorting ignores accents and case ("Île-de-France" sorts with the I's).
"""

from __future__ import annotations

import re
import unicodedata
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence

from pyoxigraph import Literal, NamedNode

from server.namespaces import DCTERMS, FOAF, RDFS, SCHEMA, SKOS

# What names a resource, most preferred first (the queries fetch the same ones).
NAMING_PREDICATES = (SKOS + "prefLabel", RDFS + "label", DCTERMS + "title", FOAF + "name", SCHEMA + "name")
# Languages to fall back on when a name is missing in the reader's: English, then French.
FALLBACK_LANGUAGES = ("en", "fr")


class Name(str):
    """A name as text, knowing its language (None when untagged or made from the IRI): a page marks a name
    in another language than its own with `lang`, so that screen readers read it with the right voice."""

    __slots__ = ("language",)

    def __new__(cls, text: str, language: str | None = None):
        name = super().__new__(cls, text)
        name.language = language
        return name

    def __reduce__(self):
        return Name, (str(self), self.language)


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

    def of(self, iri: str, language: str) -> Name:
        return self.best(iri, language) or Name(readable_local_name(iri))

    def best(self, iri: str, language: str) -> Name | None:
        names = sorted(self._names.get(iri, ()), key=lambda ranked: (ranked[0], ranked[1].value))
        literal = pick_by_language([name for _, name in names], language)
        return Name(literal.value, literal.language or None) if literal is not None else None


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

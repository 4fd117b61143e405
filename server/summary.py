"""The sentence at the top of an entity page that says what the thing is, built from the data.

Each kind of thing has its query, `server/queries/summary-<kind>.rq` (what its sentence needs, with the
names of everything it names, and the kind the data asserts), and its pattern, `summary_<kind>` in
`server/locales/*.json`, whose clauses are dropped when the data lacks their values (server/sentences.py).
This module picks the kind from the resource's types, and turns the query's answer into the pattern's
values: names linked to their pages, dates, durations and numbers written for people (server/readable.py),
lists joined the language's way. An attestation has no summary: its page shows what it quotes and
supports instead (server/entity_page.py).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from pyoxigraph import Literal, NamedNode, Triple

from server.names import collation_key
from server.namespaces import DCTERMS, FOAF, RDF_TYPE, SCHEMA
from server.readable import number, primary
from server.sentences import capitalised, fill, joined

if TYPE_CHECKING:
    from server.entity_page import PageBuilder, Value

ORG = "http://www.w3.org/ns/org#"
CG = "def#"  # the vocabulary, relative to the base IRI


@dataclass(frozen=True)
class Kind:
    name: str  # its words are `summary_<name>` and `summary_noun_<name>`
    classes: tuple[str, ...]  # any of them (relative to the base IRI, or absolute) makes a thing of this kind
    query: str  # server/queries/<query>.rq


# In the order they are tried: an attestation is an rdf:Statement; a figure or a signature is nothing else.
KINDS = (
    Kind("issue", (CG + "SourceIssue",), "summary-issue"),
    Kind("figure", (CG + "Figure",), "summary-figure"),
    Kind("document", (CG + "SourceDocument",), "summary-document"),
    Kind("signature", (CG + "Signature",), "summary-signature"),
    Kind("agreement", (CG + "Agreement",), "summary-agreement"),
    Kind("event", (CG + "Event",), "summary-event"),
    Kind("programme", (CG + "Programme",), "summary-programme"),
    Kind("post", (ORG + "Post",), "summary-post"),
    Kind("person", (FOAF + "Person",), "summary-person"),
    Kind("organisation", (ORG + "Organization",), "summary-organisation"),
    Kind("territory", (CG + "Territory",), "summary-territory"),
)
NOT_SUMMARISED = (CG + "Attestation",)  # its page says what it supports instead


def absolute(iri: str, base_iri: str) -> str:
    return iri if "://" in iri else base_iri + iri


def kind_of(types: Iterable[str], base_iri: str) -> Kind | None:
    """The kind of summary a resource with these types gets, if any."""
    types = set(types)
    if any(absolute(cls, base_iri) in types for cls in NOT_SUMMARISED):
        return None
    return next((kind for kind in KINDS if any(absolute(cls, base_iri) in types for cls in kind.classes)), None)


class Facts:
    """The answer of a summary query, read as values for one page."""

    def __init__(self, triples: Sequence[Triple], builder: PageBuilder):
        self.builder = builder
        self.base = builder.linker.base_iri
        self.about: dict[object, dict[str, list]] = defaultdict(lambda: defaultdict(list))
        for triple in triples:
            self.about[triple.subject][triple.predicate.value].append(triple.object)

    def iri(self, relative: str) -> str:
        return absolute(relative, self.base)

    def terms(self, subject, predicate: str) -> list:
        return list(dict.fromkeys(self.about.get(subject, {}).get(self.iri(predicate), ())))

    def subjects(self, predicate: str, obj) -> list:
        predicate = self.iri(predicate)
        return sorted((s for s, said in self.about.items() if obj in said.get(predicate, ())), key=str)

    def values(self, subject, predicate: str) -> list[Value]:
        """`subject`'s values of `predicate`, sorted by their words, inferred ones marked."""
        predicate = self.iri(predicate)
        values = [self.builder.value(term, about=(subject, predicate)) for term in self.terms(subject, predicate)]
        return sorted(values, key=lambda value: (collation_key(value.text), value.iri or ""))

    def listed(self, subject, predicate: str) -> tuple:
        return joined(self.values(subject, predicate), self.builder.language)

    def first(self, subject, predicate: str) -> Value | None:
        """The earliest of `subject`'s values of `predicate` (a date, a number)."""
        values = self.values(subject, predicate)
        return min(values, key=lambda value: value.machine or value.text) if values else None

    def when(self, value: Value | None) -> tuple:
        return self.builder.when(value) if value is not None else ()

    def kind(self, subject, kind: Kind) -> str:
        """The name of the kind the data asserts, in the page's language, else the site's word for the kind."""
        names = []
        for cls in self.terms(subject, RDF_TYPE):
            name = self.builder.names.best(cls.value, self.builder.language) if isinstance(cls, NamedNode) else None
            if name and primary(getattr(name, "language", None)) in ("", primary(self.builder.language)):
                names.append(str(name))
        return min(names, key=collation_key) if names else self.builder.words[f"summary_noun_{kind.name}"]


def sentence(kind_name: str | None, iri: str, triples: Sequence[Triple], builder: PageBuilder) -> tuple:
    """What the resource `iri` is, in a sentence or two of the reader's language (pieces: words and values);
    empty for a resource of no kind with a summary."""
    kind = next((kind for kind in KINDS if kind.name == kind_name), None)
    if kind is None or builder.words is None:
        return ()
    facts = Facts(triples, builder)
    resource = NamedNode(iri)
    slots = SLOTS[kind.name](facts, resource, builder.words)
    said = fill(builder.words[f"summary_{kind.name}"], {"kind": facts.kind(resource, kind), **slots})
    return capitalised(said)


Slots = Mapping[str, object]


def agreement(facts: Facts, resource, words) -> Slots:
    date = facts.first(resource, CG + "signingDate")
    signatories = []
    for signature in sorted(facts.terms(resource, CG + "hasSignature"), key=str):
        people = facts.values(signature, CG + "signatory")
        if people:
            signatories.append(fill(words["summary_signatory"], {
                "person": joined(people, facts.builder.language),
                "post": facts.listed(signature, CG + "inCapacity")}))
    return {
        "parties": facts.listed(resource, CG + "party"),
        "date": date, "when": facts.when(date),
        "place": facts.listed(resource, CG + "signingPlace"),
        "signatories": joined(signatories, facts.builder.language),
        "status": facts.listed(resource, CG + "agreementStatus"),
        "duration": facts.listed(resource, CG + "duration"),
        "start": facts.first(resource, SCHEMA + "startDate"),
        "end": facts.first(resource, SCHEMA + "endDate"),
        "domains": facts.listed(resource, CG + "cooperationDomain"),
    }


def event(facts: Facts, resource, words) -> Slots:
    start, end = facts.first(resource, SCHEMA + "startDate"), facts.first(resource, SCHEMA + "endDate")
    when = facts.when(start)
    if start is not None and end is not None and end.machine != start.machine:
        when = fill(words["when_range"], {"start": start, "end": end})
    return {
        "when": when,
        "place": facts.listed(resource, SCHEMA + "location"),
        "participants": facts.listed(resource, CG + "participant"),
        "hosts": facts.listed(resource, CG + "host"),
        "organizers": facts.listed(resource, SCHEMA + "organizer"),
        "super": facts.listed(resource, SCHEMA + "superEvent"),
        "meeting_of": facts.listed(resource, CG + "meetingOf"),
        "status": facts.listed(resource, CG + "eventStatus"),
    }


def organisation(facts: Facts, resource, words) -> Slots:
    founded = facts.first(resource, SCHEMA + "foundingDate")
    members_of = [facts.builder.value(committee) for committee in facts.subjects(ORG + "hasMember", resource)]
    return {
        "based": facts.listed(resource, CG + "basedIn"),
        "hq": facts.listed(resource, CG + "headquarteredIn"),
        "governs": facts.listed(resource, CG + "governs"),
        "represents": facts.listed(resource, CG + "represents"),
        "parent": facts.listed(resource, ORG + "subOrganizationOf"),
        "unit_of": facts.listed(resource, ORG + "unitOf"),
        "agency_of": facts.listed(resource, CG + "agencyOf"),
        "member_of": joined(sorted(members_of, key=lambda v: collation_key(v.text)), facts.builder.language),
        "founded_when": facts.when(founded),
        "founder": facts.listed(resource, SCHEMA + "founder"),
    }


def territory(facts: Facts, resource, words) -> Slots:
    governors = [facts.builder.value(authority) for authority in facts.subjects(CG + "governs", resource)]
    return {
        "parents": facts.listed(resource, SCHEMA + "containedInPlace"),
        "governed_by": joined(sorted(governors, key=lambda v: collation_key(v.text)), facts.builder.language),
    }


def person(facts: Facts, resource, words) -> Slots:
    posts = []
    for post in facts.subjects(ORG + "heldBy", resource):
        name = facts.builder.value(post)
        organisations = facts.values(post, ORG + "postIn")
        # A post's name usually says its organisation already ("President of the Île-de-France Region").
        organisations = [o for o in organisations if collation_key(o.text) not in collation_key(name.text)]
        posts.append(fill(words["summary_post_item"], {
            "post": name, "organisation": joined(organisations, facts.builder.language),
            "when": facts.when(facts.first(post, CG + "attestedOn"))}))
    posts.sort(key=lambda pieces: collation_key(plain_text(pieces)))
    return {"posts": joined(posts, facts.builder.language, separator=words["list_separator"])}


def programme(facts: Facts, resource, words) -> Slots:
    return {
        "funders": facts.listed(resource, CG + "fundedBy"),
        "partners": facts.listed(resource, CG + "partner"),
        "hosts": facts.listed(resource, CG + "host"),
        "start_when": facts.when(facts.first(resource, SCHEMA + "startDate")),
        "end_when": facts.when(facts.first(resource, SCHEMA + "endDate")),
        "implements": facts.listed(resource, CG + "implements"),
        "status": facts.listed(resource, CG + "eventStatus"),
    }


def document(facts: Facts, resource, words) -> Slots:
    titles = [term for term in facts.terms(resource, DCTERMS + "title") if isinstance(term, Literal)]
    title = facts.builder.value(min(titles, key=str)) if titles else None
    if title is not None:  # a title is quoted in its own language: its lang attribute, no tag
        title = replace(title, language=facts.builder.other_language(title.language), show_language=False)
    return {
        "title": title,
        "publisher": facts.listed(resource, DCTERMS + "publisher"),
        "date": facts.first(resource, DCTERMS + "date"),
        "language": facts.listed(resource, DCTERMS + "language"),
    }


def figure(facts: Facts, resource, words) -> Slots:
    units = facts.terms(resource, CG + "unit")
    percent = any(is_percent(unit, facts) for unit in units)

    def amount(predicate: str):
        terms = [term for term in facts.terms(resource, predicate) if isinstance(term, Literal)]
        if not terms:
            return None
        written = number(terms[0].value, facts.builder.language, percent=percent)
        value = facts.builder.value(terms[0], about=(resource, facts.iri(predicate)))
        return replace(value, text=written.text) if written is not None else value

    exact, low, high = amount(SCHEMA + "value"), amount(SCHEMA + "minValue"), amount(SCHEMA + "maxValue")
    if exact is not None:
        said = exact
    elif low is not None and high is not None:
        said = fill(words["summary_between"], {"min": low, "max": high})
    elif low is not None:
        said = fill(words["summary_at_least"], {"min": low})
    elif high is not None:
        said = fill(words["summary_at_most"], {"max": high})
    else:
        said = None
    estimate = any(isinstance(t, Literal) and t.value in ("true", "1") for t in facts.terms(resource, CG + "estimate"))
    return {
        "measure": facts.listed(resource, CG + "measure"),
        "describes": facts.listed(resource, CG + "describes"),
        "relative": facts.listed(resource, CG + "relativeTo"),
        "amount": said,
        "unit": () if percent else joined([lowered(v) for v in facts.values(resource, CG + "unit")],
                                          facts.builder.language),
        "when": facts.when(facts.first(resource, CG + "referenceDate")),
        "estimate": words["summary_estimate"] if estimate else None,
    }


def issue(facts: Facts, resource, words) -> Slots:
    return {"concerns": facts.listed(resource, CG + "concerns")}


def signature(facts: Facts, resource, words) -> Slots:
    agreements = [facts.builder.value(a) for a in facts.subjects(CG + "hasSignature", resource)]
    return {
        "person": facts.listed(resource, CG + "signatory"),
        "post": facts.listed(resource, CG + "inCapacity"),
        "organisation": facts.listed(resource, CG + "signsFor"),
        "agreement": joined(agreements, facts.builder.language),
    }


def post(facts: Facts, resource, words) -> Slots:
    return {
        "organisation": facts.listed(resource, ORG + "postIn"),
        "holder": facts.listed(resource, ORG + "heldBy"),
        "when": facts.when(facts.first(resource, CG + "attestedOn")),
    }


SLOTS: Mapping[str, Callable[[Facts, object, Mapping[str, str]], Slots]] = {
    "agreement": agreement, "event": event, "organisation": organisation, "territory": territory,
    "person": person, "programme": programme, "document": document, "figure": figure, "issue": issue,
    "signature": signature, "post": post,
}


def is_percent(unit, facts: Facts) -> bool:
    """A unit named "percent" (in English), or whose IRI ends so: its figures are written "1.5%" / "1,5 %"."""
    if not isinstance(unit, NamedNode):
        return False
    english = facts.builder.names.best(unit.value, "en")
    return unit.value.rstrip("/").lower().endswith(("/percent", "#percent")) or (
        english is not None and str(english).strip().lower() in ("percent", "per cent", "percentage"))


def lowered(value: Value) -> Value:
    """A common noun's name inside a sentence: "Person" as "person" (not an acronym: "CCI" stays)."""
    text = value.text
    if len(text) > 1 and text[0].isupper() and text[1].islower():
        return replace(value, text=text[0].lower() + text[1:])
    return value


def plain_text(pieces: Sequence) -> str:
    return "".join(piece if isinstance(piece, str) else getattr(piece, "text", "") for piece in pieces)

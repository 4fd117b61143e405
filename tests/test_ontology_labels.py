"""Every term the site can show is named in English, French and Chinese (docs/modelling.md, "Labels").

The terms: every class and property the ontology declares and every term of its own namespace
(`def#`: statuses, schemes, datatypes too); every predicate and class the data uses, and the
predicates its attestations reify; every predicate and class graph/entailed adds (super-classes,
super-properties, inverses); and what the vocabulary page shows of the ontology itself (the kinds of
its terms, the predicates of its header). Each needs exactly one rdfs:label in each of en, fr and zh
in graph/ontology: coopgraph.ttl for coopgraph's terms, names-of-reused-terms.ttl for the others.
"""

from __future__ import annotations

import re
from collections import defaultdict

import pyoxigraph
import pytest
import rdflib

from server.names import Names
from server.settings import Settings
from server.store import MemoryStore
from tests.conftest import PROJECT_ROOT

BASE = "http://example.org/"
OWN = BASE + "def#"
LANGUAGES = ("en", "fr", "zh")
RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
RDFS = "http://www.w3.org/2000/01/rdf-schema#"
OWL = "http://www.w3.org/2002/07/owl#"
SKOS = "http://www.w3.org/2004/02/skos/core#"
DECLARING_TYPES = {RDFS + "Class", RDF + "Property"} | {OWL + name for name in (
    "Class", "ObjectProperty", "DatatypeProperty", "AnnotationProperty", "SymmetricProperty",
    "TransitiveProperty", "FunctionalProperty", "InverseFunctionalProperty")}
CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff]")

# Terms whose French name is rightly the English word, letter for letter. Any other French label equal
# to the English one is an untranslated copy.
SAME_IN_FRENCH = {
    OWN + "Association", OWN + "Attestation", OWN + "Contradiction", OWN + "Province", OWN + "Programme",
    OWN + "Signature", OWN + "participant",
    SKOS + "Concept", "http://xmlns.com/foaf/0.1/Agent", "http://xmlns.com/foaf/0.1/Document",
    "http://purl.org/dc/terms/date", "http://purl.org/dc/terms/description", "http://purl.org/dc/terms/relation",
    RDF + "type",
}


@pytest.fixture(scope="module")
def store() -> MemoryStore:
    return MemoryStore.from_sources(Settings(root=PROJECT_ROOT, base_iri=BASE))


def rows(store: MemoryStore, query: str) -> list[str]:
    return sorted({row[0].value for row in store.query(query) if isinstance(row[0], pyoxigraph.NamedNode)})


def graph(name: str) -> str:
    return f"<{BASE}graph/{name}>"


@pytest.fixture(scope="module")
def terms(store) -> dict[str, str]:
    """Every term the site can show, with where it comes from (for the failure messages)."""
    found: dict[str, str] = {}

    def add(where: str, query: str) -> None:
        for iri in rows(store, query):
            found.setdefault(iri, where)

    types = " ".join(f"<{t}>" for t in sorted(DECLARING_TYPES))
    add("declared in the ontology", f"SELECT ?t {{ GRAPH {graph('ontology')} {{ ?t a ?kind }} VALUES ?kind {{ {types} }} }}")
    add("in the ontology's namespace", f"SELECT ?t {{ GRAPH {graph('ontology')} {{ ?t ?p ?o }} FILTER(STRSTARTS(STR(?t), '{OWN}')) }}")
    for name in ("data", "entailed"):
        add(f"a predicate of graph/{name}", f"SELECT ?t {{ GRAPH {graph(name)} {{ ?s ?t ?o }} }}")
        add(f"a class of graph/{name}", f"SELECT ?t {{ GRAPH {graph(name)} {{ ?s a ?t }} }}")
    add("reified in graph/data", f"SELECT ?t {{ GRAPH {graph('data')} {{ ?s <{RDF}predicate> ?t }} }}")
    add("a kind of term on the vocabulary page", f"SELECT ?t {{ GRAPH {graph('ontology')} {{ ?s a ?t }} }}")
    add("in the vocabulary page's header", f"SELECT ?t {{ GRAPH {graph('ontology')} {{ <{BASE}def> ?t ?o }} }}")
    return found


def literals(store: MemoryStore, predicate: str) -> dict[str, dict[str, list[str]]]:
    """subject -> language -> the values of `predicate` in graph/ontology."""
    found: dict[str, dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
    for subject, value in store.query(f"SELECT ?s ?v {{ GRAPH {graph('ontology')} {{ ?s <{predicate}> ?v }} }}"):
        if isinstance(subject, pyoxigraph.NamedNode) and isinstance(value, pyoxigraph.Literal):
            found[subject.value][value.language or ""].append(value.value)
    return found


@pytest.fixture(scope="module")
def labels(store):
    return literals(store, RDFS + "label")


def test_the_terms_include_what_pages_show(terms):
    """Sanity: the collection finds the ontology's own terms and the reused ones pages show."""
    for iri in (OWN + "Agreement", OWN + "signingDate", OWN + "disputedBy", "http://www.w3.org/ns/org#Organization",
                SKOS + "Concept", RDFS + "label", "http://purl.org/dc/terms/title", "http://xmlns.com/foaf/0.1/Person",
                "http://schema.org/startDate", "http://www.w3.org/ns/prov#Activity", OWL + "ObjectProperty"):
        assert iri in terms, iri
    assert len(terms) > 200


def test_every_term_has_exactly_one_label_in_english_french_and_chinese(terms, labels):
    problems = []
    for iri, where in sorted(terms.items()):
        for language in LANGUAGES:
            found = labels.get(iri, {}).get(language, [])
            if len(found) != 1:
                problems.append(f"{iri} ({where}): {len(found)} rdfs:label @{language} {found}")
    assert not problems, "name every term once per language (reused terms in ontology/names-of-reused-terms.ttl):\n" \
        + "\n".join(problems)


def test_chinese_labels_are_chinese(terms, labels):
    copies = [f"{iri}: {name!r}" for iri in sorted(terms) for name in labels.get(iri, {}).get("zh", [])
              if not CJK.search(name) or name in labels[iri].get("en", [])]
    assert not copies, "a Chinese label in Chinese characters, not an English copy:\n" + "\n".join(copies)


def test_french_labels_are_french(terms, labels):
    copies = [f"{iri}: {name!r}" for iri in sorted(terms) if iri not in SAME_IN_FRENCH
              for name in labels.get(iri, {}).get("fr", []) if name in labels[iri].get("en", [])]
    assert not copies, "a French label, not the English one (or add the term to SAME_IN_FRENCH):\n" + "\n".join(copies)
    stale = [iri for iri in sorted(SAME_IN_FRENCH)
             if labels.get(iri, {}).get("fr") != labels.get(iri, {}).get("en") or not labels.get(iri, {}).get("en")]
    assert not stale, f"SAME_IN_FRENCH lists terms whose French and English names differ: {stale}"


def test_own_terms_are_explained_in_the_three_languages(store, terms):
    """Where the English comment exists, the French and Chinese ones do too, once each."""
    comments = literals(store, RDFS + "comment")
    problems = []
    for iri in sorted(t for t in terms if t.startswith(OWN)):
        by_language = comments.get(iri, {})
        if not by_language.get("en"):
            continue
        for language in LANGUAGES:
            if len(by_language.get(language, [])) != 1:
                problems.append(f"{iri}: {len(by_language.get(language, []))} rdfs:comment @{language}")
        problems += [f"{iri}: Chinese comment without Chinese characters" for text in by_language.get("zh", [])
                     if not CJK.search(text)]
    assert not problems, "\n".join(problems)


def test_preferred_labels_agree_with_labels(store, labels):
    """The statuses and schemes the ontology defines have skos:prefLabel too: the same names, in all three."""
    preferred = literals(store, SKOS + "prefLabel")
    problems = [f"{iri} @{language}: prefLabel {preferred[iri].get(language)} but label {labels[iri].get(language)}"
                for iri in sorted(p for p in preferred if p.startswith(OWN)) for language in LANGUAGES
                if preferred[iri].get(language) != labels.get(iri, {}).get(language)]
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("kind", [OWL + "Class", "property"])
def test_own_classes_and_properties_do_not_share_a_name(store, labels, kind):
    """Two of coopgraph's classes (or two of its properties) named alike would read as one on a page."""
    if kind == "property":
        kinds = " ".join(f"<{t}>" for t in sorted(DECLARING_TYPES - {OWL + "Class", RDFS + "Class"}))
    else:
        kinds = f"<{kind}>"
    own = rows(store, f"SELECT ?t {{ GRAPH {graph('ontology')} {{ ?t a ?kind }} VALUES ?kind {{ {kinds} }} "
                      f"FILTER(STRSTARTS(STR(?t), '{OWN}')) }}")
    for language in LANGUAGES:
        by_name = defaultdict(list)
        for iri in own:
            for name in labels.get(iri, {}).get(language, []):
                by_name[name.casefold()].append(iri)
        shared = {name: iris for name, iris in by_name.items() if len(iris) > 1}
        assert not shared, f"@{language}: {shared}"


def test_a_chinese_reader_gets_chinese_names_from_the_server(store, terms):
    """The names pages use (server/queries/labels-of-terms.rq, read by server/indexes.term_names)."""
    names = Names((row["term"], row["naming"], row["name"]) for row in store.run_file("labels-of-terms"))
    for language, check in (("zh", CJK.search), ("fr", bool), ("en", bool)):
        unnamed = [iri for iri in sorted(terms) if not names.known(iri) or not check(names.of(iri, language))]
        assert not unnamed, f"@{language}: {unnamed}"
    assert names.of("http://www.w3.org/ns/org#Organization", "zh") == "机构"
    assert names.of(OWN + "CooperationAgreement", "zh") == "合作协议"
    assert names.of(OWN + "signingDate", "fr") == "date de signature"


def test_the_names_of_reused_terms_are_names_only():
    """names-of-reused-terms.ttl restates labels of other vocabularies' terms, and nothing else."""
    names = rdflib.Graph().parse(PROJECT_ROOT / "ontology" / "names-of-reused-terms.ttl", publicID=BASE)
    assert len(names) > 100
    assert {p for p in names.predicates()} == {rdflib.RDFS.label}
    assert all(isinstance(o, rdflib.Literal) and o.language in LANGUAGES for o in names.objects())
    assert not [s for s in names.subjects() if str(s).startswith(BASE)], "coopgraph's own terms are named in coopgraph.ttl"

"""The source documents' publisher, web address and retrieval date (issue 14): stated where the texts show
them, attested with the words that show them, and said to be missing where they do not, never invented.

* every document has a dcterms:publisher, attested with a quote of its text, or an rdfs:comment (fr and en)
  saying the text does not name one;
* no text shows its own web address or its retrieval date: every document says so (fr and en) and records
  neither (a text that shows one would be modelled, and this test changed with it);
* a site address a text gives for its publisher is the publisher's foaf:homepage, attested with that very
  address, which the document's text contains byte for byte; it is never a document's URL.
"""

from __future__ import annotations

import pytest
import rdflib
from rdflib.namespace import DCTERMS, FOAF, PROV, RDF, RDFS

from server.sources import normalise_whitespace
from tests.test_data import BASE, CG, SEEDS, graph  # noqa: F401 (graph is the module's fixture)

SCHEMA = rdflib.Namespace("http://schema.org/")
DCAT = rdflib.Namespace("http://www.w3.org/ns/dcat#")

NO_PUBLISHER = {"fr": "Le texte ne nomme pas son éditeur", "en": "The text does not name its publisher"}
NO_ADDRESS_NOR_RETRIEVAL = {"fr": "Le texte ne montre ni son adresse web ni sa date de consultation",
                            "en": "The text shows neither its web address nor its retrieval date"}
# What would record a document's own address or the date it was retrieved.
ADDRESS_OR_RETRIEVAL = (SCHEMA.url, FOAF.page, FOAF.homepage, DCAT.landingPage, DCAT.accessURL, DCTERMS.source,
                        SCHEMA.dateRead, CG.retrievedOn, PROV.generatedAtTime)


@pytest.fixture(scope="module")
def documents(graph) -> dict:
    """Each cg:SourceDocument, with its text as the file holds it."""
    found = {document: (SEEDS / str(graph.value(document, DCTERMS.identifier))).read_text(encoding="utf-8")
             for document in graph.subjects(RDF.type, CG.SourceDocument)}
    assert len(found) == len(list(SEEDS.glob("*.txt")))
    return found


def comments(graph, subject) -> dict[str, str]:
    return {comment.language: str(comment) for comment in graph.objects(subject, RDFS.comment)}


def attestations(graph, subject, predicate, obj) -> list:
    return [a for a in graph.subjects(RDF.type, CG.Attestation)
            if (a, RDF.subject, subject) in graph and (a, RDF.predicate, predicate) in graph
            and (a, RDF.object, obj) in graph]


def test_every_document_has_its_publisher_or_says_the_text_names_none(graph, documents):
    problems = []
    for document, text in documents.items():
        publishers = list(graph.objects(document, DCTERMS.publisher))
        said = comments(graph, document)
        if not publishers:
            missing = [lang for lang, words in NO_PUBLISHER.items() if words not in said.get(lang, "")]
            if missing:
                problems.append(f"{document}: no publisher, and no comment ({', '.join(missing)}) saying "
                                f"{NO_PUBLISHER['en']!r}")
        for publisher in publishers:
            quotes = [str(quote) for a in attestations(graph, document, DCTERMS.publisher, publisher)
                      if (a, PROV.wasDerivedFrom, document) in graph for quote in graph.objects(a, CG.quote)]
            if not any(normalise_whitespace(quote) in normalise_whitespace(text) for quote in quotes):
                problems.append(f"{document}: its publisher {publisher} has no attestation quoting its text")
            if NO_PUBLISHER["en"] in said.get("en", ""):
                problems.append(f"{document}: has a publisher, yet says the text names none")
    assert not problems, "\n".join(problems)


def test_no_document_records_an_address_or_retrieval_date_and_each_says_its_text_shows_none(graph, documents):
    problems = []
    for document in documents:
        recorded = [str(p) for p in ADDRESS_OR_RETRIEVAL if (document, p, None) in graph]
        if recorded:
            problems.append(f"{document}: records {recorded}, which no text shows")
        said = comments(graph, document)
        for language, words in NO_ADDRESS_NOR_RETRIEVAL.items():
            if words not in said.get(language, ""):
                problems.append(f"{document}: its rdfs:comment@{language} does not say {words!r}")
    assert not problems, "\n".join(problems)


def test_every_homepage_is_attested_verbatim_and_is_no_documents_address(graph, documents):
    homepages = list(graph.subject_objects(FOAF.homepage))
    assert homepages, "document 000 gives Choose Paris Region's site: https://www.chooseparisregion.org/fr"
    problems = []
    for owner, homepage in homepages:
        if owner in documents:
            problems.append(f"{owner}: a document's foaf:homepage; a site a text shows is its publisher's")
        attested = []
        for attestation in attestations(graph, owner, FOAF.homepage, homepage):
            for document in graph.objects(attestation, PROV.wasDerivedFrom):
                for quote in graph.objects(attestation, CG.quote):
                    # The address itself, byte for byte, in the quote and in the document's text.
                    if str(homepage) in str(quote) and str(homepage) in documents.get(document, "") \
                            and (owner, PROV.wasDerivedFrom, document) in graph:
                        attested.append(attestation)
        if not attested:
            problems.append(f"{owner} foaf:homepage {homepage}: no attestation quoting that address from a text")
    assert not problems, "\n".join(problems)
    owners = {str(owner) for owner, _ in homepages}
    assert BASE + "id/organisation/choose-paris-region" in owners
    choose = rdflib.URIRef(BASE + "id/document/choose-paris-region-ziipc-mou-2021")
    assert (choose, DCTERMS.publisher, rdflib.URIRef(BASE + "id/organisation/choose-paris-region")) in graph

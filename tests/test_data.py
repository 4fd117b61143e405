"""Checks of the curated data (data/*.ttl) against the seed texts and the modelling contract:

* every seed text has its cg:SourceDocument, and every cg:quote is found in its document's text
  (whitespace normalised only);
* every attestation reifies a triple the data asserts;
* every entity has exactly one rdfs:label in French and one in English, and is prov:wasDerivedFrom
  a cg:SourceDocument;
* the dataset reaches the scale counted from the sources (entities per kind).
"""

from __future__ import annotations

import os
from collections import Counter
from pathlib import Path

import pytest
import rdflib
from rdflib.namespace import DCTERMS, PROV, RDF, RDFS

from server.sources import normalise_whitespace

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "data"
# The source texts ship with the data (copies of shared/seeds); COOPGRAPH_SEEDS_DIR can point elsewhere.
SEEDS = Path(os.environ.get("COOPGRAPH_SEEDS_DIR", DATA / "sources"))
BASE = "http://127.0.0.1:8000/"
CG = rdflib.Namespace(BASE + "def#")
ID = BASE + "id/"

# Kinds whose IRIs are not "entities" in the contract's sense (no labels / provenance required).
NOT_ENTITIES = {"attestation"}
# Kinds with labels but no document provenance: the documents themselves and the concept schemes.
NO_PROVENANCE = {"document", "scheme", "attestation"}

# Entities per kind, as counted from the five seed texts.
MINIMUM_COUNTS = {
    "agreement": 8, "signature": 4, "organisation": 45, "unit": 3, "product": 2, "territory": 18, "person": 9,
    "post": 10, "event": 23, "programme": 23, "figure": 35, "issue": 11, "document": 5, "attestation": 240,
}


normalise = normalise_whitespace  # as the source pages locate quotes (server/sources.py)


@pytest.fixture(scope="module")
def graph() -> rdflib.Graph:
    g = rdflib.Graph()
    for path in sorted(DATA.glob("**/*.ttl")):
        g.parse(path, format="turtle", publicID=BASE)
    return g


def kind(node) -> str | None:
    text = str(node)
    return text[len(ID):].split("/")[0] if isinstance(node, rdflib.URIRef) and text.startswith(ID) else None


def entities(g: rdflib.Graph):
    return sorted({s for s in g.subjects() if kind(s) and kind(s) not in NOT_ENTITIES})


def seed_texts(g: rdflib.Graph) -> dict:
    texts = {}
    for document in g.subjects(RDF.type, CG.SourceDocument):
        name = str(g.value(document, DCTERMS.identifier))
        texts[document] = normalise((SEEDS / name).read_text(encoding="utf-8"))
    return texts


def test_every_seed_text_is_a_source_document(graph):
    assert SEEDS.is_dir(), f"the seed texts are not in {SEEDS}: set COOPGRAPH_SEEDS_DIR"
    identifiers = {str(i) for d in graph.subjects(RDF.type, CG.SourceDocument) for i in graph.objects(d, DCTERMS.identifier)}
    assert identifiers == {p.name for p in SEEDS.glob("*.txt")}


def test_every_quote_is_in_its_document(graph):
    assert SEEDS.is_dir(), f"the seed texts are not in {SEEDS}: set COOPGRAPH_SEEDS_DIR"
    texts = seed_texts(graph)
    problems = []
    for attestation in graph.subjects(RDF.type, CG.Attestation):
        documents = list(graph.objects(attestation, PROV.wasDerivedFrom))
        quotes = list(graph.objects(attestation, CG.quote))
        if len(documents) != 1 or not quotes:
            problems.append(f"{attestation}: needs one document and a quote")
            continue
        for quote in quotes:
            if quote.language != "fr":
                problems.append(f"{attestation}: quote is not @fr")
            if documents[0] not in texts or normalise(str(quote)) not in texts[documents[0]]:
                problems.append(f"{attestation}: quote not found in {documents[0]}: {str(quote)[:80]!r}")
    assert not problems, "\n".join(problems)


def test_every_attestation_reifies_an_asserted_triple(graph):
    problems = []
    for attestation in graph.subjects(RDF.type, CG.Attestation):
        s, p, o = (graph.value(attestation, term) for term in (RDF.subject, RDF.predicate, RDF.object))
        if None in (s, p, o) or (s, p, o) not in graph:
            problems.append(f"{attestation}: ({s}, {p}, {o}) is not asserted")
    assert not problems, "\n".join(problems)


def test_inferred_attestations_explain_themselves(graph):
    for attestation in graph.subjects(CG.inferred, rdflib.Literal(True)):
        languages = {note.language for note in graph.objects(attestation, CG.inferenceNote)}
        assert {"fr", "en"} <= languages, f"{attestation} is inferred but lacks a fr/en cg:inferenceNote"


def test_every_entity_has_one_french_and_one_english_label(graph):
    problems = []
    for entity in entities(graph):
        languages = Counter(label.language for label in graph.objects(entity, RDFS.label))
        if languages["fr"] != 1 or languages["en"] != 1:
            problems.append(f"{entity}: rdfs:label languages {dict(languages)}")
    assert not problems, "\n".join(problems)


def test_every_entity_is_derived_from_a_source_document(graph):
    documents = set(graph.subjects(RDF.type, CG.SourceDocument))
    problems = []
    for entity in entities(graph):
        if kind(entity) in NO_PROVENANCE:
            continue
        sources = set(graph.objects(entity, PROV.wasDerivedFrom))
        if not sources or not sources <= documents:
            problems.append(f"{entity}: prov:wasDerivedFrom {sorted(map(str, sources))}")
    assert not problems, "\n".join(problems)


def test_every_referenced_entity_is_described(graph):
    """No dangling links: an <id/…> IRI used as an object is also a subject somewhere."""
    subjects = set(graph.subjects())
    dangling = sorted({o for o in graph.objects() if kind(o) and o not in subjects})
    assert not dangling, "\n".join(map(str, dangling))


def test_the_dataset_reaches_the_counted_scale(graph):
    counts = Counter(kind(s) for s in set(graph.subjects()) if kind(s))
    too_few = {k: (counts[k], n) for k, n in MINIMUM_COUNTS.items() if counts[k] < n}
    assert not too_few, f"kind: (found, expected at least) {too_few}"

"""The ontology and the SHACL shapes: every shape catches what it should.

Each non-conforming fixture in tests/fixtures/shapes/invalid/ is ADDED to the conforming
tests/fixtures/shapes/valid/minimal.ttl (it reuses its documents, organisations, territories…),
so a fixture only states its broken nodes. For each fixture the table EXPECTED lists the
results it must produce (focus node, severity, shape, message substring); any other
Violation it produces fails the test too, so a fixture cannot pass "for the wrong reason".

Validation runs as the publisher runs it (server/validation.py): pyshacl, inference="none",
advanced=True, the ontology given as ont_graph. The shapes are written to need no inference;
a test checks that the results are the same without the ontology.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph
import pyshacl
import pytest
import rdflib
from rdflib.namespace import OWL, RDF, RDFS, SH, SKOS

ROOT = Path(__file__).resolve().parent.parent
ONTOLOGY = ROOT / "ontology" / "coopgraph.ttl"
SHAPES = ROOT / "shapes" / "coopgraph-shapes.ttl"
FIXTURES = ROOT / "tests" / "fixtures" / "shapes"
VALID = FIXTURES / "valid" / "minimal.ttl"
INVALID = FIXTURES / "invalid"
BASE = "http://127.0.0.1:8000/"
OTHER_BASE = "https://coopgraph.example.org/data/"

CG = rdflib.Namespace(BASE + "def#")
SHP = rdflib.Namespace(BASE + "shapes#")
DEF = rdflib.URIRef(BASE + "def")


# --------------------------------------------------------------------------- helpers


def parse(*paths: Path, base: str = BASE) -> rdflib.Graph:
    graph = rdflib.Graph()
    for path in paths:
        graph.parse(path, format="turtle", publicID=base)
    return graph


@functools.cache
def ontology() -> rdflib.Graph:
    return parse(ONTOLOGY)


@functools.cache
def shapes() -> rdflib.Graph:
    return parse(SHAPES)


@dataclass(frozen=True, order=True)
class Result:
    focus: str  # relative to the base, e.g. "id/agreement/x"
    severity: str  # "Violation", "Warning", "Info"
    shape: str  # the named shape, or the named node shape holding a blank property shape
    message: str


def _relative(node) -> str:
    return "[]" if isinstance(node, rdflib.BNode) else str(node).removeprefix(BASE)


def _shape_name(shape) -> str:
    if isinstance(shape, rdflib.BNode):  # a blank property shape: name its node shape
        shape = shapes().value(predicate=SH.property, object=shape) or shape
    return str(shape).removeprefix(BASE + "shapes#")


def validate(data: rdflib.Graph, with_ontology: bool = True, inference: str = "none") -> list[Result]:
    """pyshacl as the publisher runs it. Only the report's top-level results (sh:result):
    nested sh:detail results of sh:node / sh:or are not separate findings."""
    _, report, _ = pyshacl.validate(
        data,
        shacl_graph=shapes(),
        ont_graph=ontology() if with_ontology else None,
        inference=inference,
        advanced=True,
        allow_warnings=True,
    )
    return sorted(
        Result(
            focus=_relative(report.value(r, SH.focusNode)),
            severity=str(report.value(r, SH.resultSeverity)).rsplit("#", 1)[-1],
            shape=_shape_name(report.value(r, SH.sourceShape)),
            message=" | ".join(sorted(str(m) for m in report.objects(r, SH.resultMessage))),
        )
        for r in report.objects(None, SH.result)
    )


@functools.cache
def fixture_results(name: str, with_ontology: bool = True) -> tuple[Result, ...]:
    data = parse(VALID, INVALID / f"{name}.ttl")
    return tuple(validate(data, with_ontology=with_ontology))


# --------------------------------------------------------------------------- expectations

V, W = "Violation", "Warning"

# (fixture, focus node, severity, shape, message substring)
EXPECTED = [
    # Labels (shared property shapes)
    ("labels", "id/territory/no-french-label", V, "LabelFr", "Missing French label"),
    ("labels", "id/territory/no-english-label", V, "LabelEn", "Missing English label"),
    ("labels", "id/territory/two-french-labels", V, "LabelForm", "at most one label per language"),
    ("labels", "id/territory/untagged-label", V, "LabelForm", "must be language-tagged"),
    ("labels", "id/territory/iri-altlabel", V, "AltLabelForm", "skos:altLabel must be a string"),
    ("labels", "id/concept/no-french-preflabel", V, "PrefLabelFr", "Missing French preferred label"),
    ("labels", "id/concept/no-english-preflabel", V, "PrefLabelEn", "Missing English preferred label"),
    ("labels", "id/concept/two-english-preflabels", V, "PrefLabelForm", "at most one per language"),
    # Provenance and attestations (shared property shapes)
    ("provenance", "id/event/no-provenance", V, "ProvenanceRequired", "No provenance"),
    ("provenance", "id/person/no-provenance", W, "ProvenanceExpected", "No provenance"),
    ("provenance", "id/territory/derived-from-a-territory", V, "ProvenanceIsDocument", "must point to a cg:SourceDocument"),
    ("provenance", "id/agreement/no-attestation", W, "AttestationExpected", "No attestation"),
    # Agreements
    ("agreement", "id/agreements/wrong-kind", V, "AgreementShape", "IRI must be <id/agreement/slug>"),
    ("agreement", "id/agreement/one-party", V, "AgreementShape", "at least two distinct parties"),
    ("agreement", "id/agreement/territory-as-party", V, "AgreementShape", "A party (cg:party) must be an org:Organization"),
    ("agreement", "id/agreement/bad-signature-link", V, "AgreementShape", "cg:hasSignature must point to a cg:Signature"),
    ("agreement", "id/agreement/signed-for-non-party", V, "SignedForPartiesShape", "not a party of this agreement"),
    ("agreement", "id/agreement/datetime-signing-date", V, "AgreementShape", "cg:signingDate: one value, typed"),
    ("agreement", "id/agreement/no-signing-date", W, "AgreementShape", "No signing date"),
    ("agreement", "id/agreement/bad-place-and-event", V, "AgreementShape", "cg:signingPlace"),
    ("agreement", "id/agreement/bad-place-and-event", V, "AgreementShape", "cg:signingEvent must point to a cg:Event"),
    ("agreement", "id/agreement/bad-period", V, "AgreementShape", "schema:startDate of an agreement"),
    ("agreement", "id/agreement/bad-period", V, "AgreementShape", "schema:endDate of an agreement"),
    ("agreement", "id/agreement/bad-period", V, "AgreementShape", "cg:duration: one value"),
    ("agreement", "id/agreement/bad-links", V, "AgreementShape", "cg:cooperationDomain must point to a skos:Concept"),
    ("agreement", "id/agreement/bad-links", V, "AgreementShape", "cg:purpose is text with a language tag"),
    ("agreement", "id/agreement/bad-links", V, "AgreementShape", "cg:concernsTerritory must point to a cg:Territory"),
    ("agreement", "id/agreement/bad-links", V, "AgreementShape", "cg:reinforces must point to another agreement"),
    ("agreement", "id/agreement/bad-links", V, "AgreementShape", "cg:extends must point to another agreement"),
    ("agreement", "id/agreement/bad-links", V, "AgreementShape", "cg:complements must point to another agreement"),
    ("agreement", "id/agreement/bad-status", V, "AgreementShape", "cg:agreementStatus: one value, cg:Envisaged, cg:Signed"),
    ("agreement", "id/agreement/no-signing-date", W, "AgreementShape", "No status: add cg:agreementStatus"),
    ("agreement-parties", "id/agreement/region-with-its-own-unit", V, "AgreementIndependentPartiesShape", "one and the same organisation"),
    ("agreement-parties", "id/agreement/region-with-its-alias", V, "AgreementIndependentPartiesShape", "one and the same organisation"),
    # Dates in order (SPARQL)
    ("dates-in-order", "id/agreement/ends-before-start", V, "DatesInOrderShape", "End date 2018-12-31 is before start date 2023"),
    ("dates-in-order", "id/event/ends-the-month-before", V, "DatesInOrderShape", "End date 2019-11 is before start date 2019-12-04"),
    ("dates-in-order", "id/programme/ends-the-day-before", V, "DatesInOrderShape", "End date 2019-06-13 is before start date 2019-06-14"),
    # Signatures
    ("signature", "id/signature/Bad_Slug", V, "SignatureShape", "IRI must be <id/signature/slug>"),
    ("signature", "id/signature/says-nobody", V, "SignatureSaysWhoShape", "must say who signed"),
    ("signature", "id/signature/wrong-values", V, "SignatureShape", "cg:signatory: at most one, a foaf:Person"),
    ("signature", "id/signature/wrong-values", V, "SignatureShape", "cg:signsFor: at most one, an org:Organization"),
    ("signature", "id/signature/wrong-values", V, "SignatureShape", "cg:inCapacity: at most one, an org:Post"),
    ("signature", "id/signature/orphan", V, "SignatureShape", "belongs to exactly one agreement"),
    ("signature", "id/agreement/with-bad-signatures", V, "SignedForPartiesShape", "not a party of this agreement"),
    # Organisations
    ("organisation", "id/org/wrong-kind", V, "OrganisationShape", "IRI must be <id/organisation/slug>"),
    ("organisation", "[]", V, "OrganisationShape", "IRI must be <id/organisation/slug>"),
    ("organisation", "id/organisation/bad-links", V, "OrganisationShape", "cg:governs must point to a cg:Territory"),
    ("organisation", "id/organisation/bad-links", V, "OrganisationShape", "cg:represents must point to a cg:Territory"),
    ("organisation", "id/organisation/bad-links", V, "OrganisationShape", "cg:basedIn must point to a cg:Territory"),
    ("organisation", "id/organisation/bad-links", V, "OrganisationShape", "cg:headquarteredIn must point to a cg:Territory"),
    ("organisation", "id/organisation/bad-links", V, "OrganisationShape", "cg:agencyOf must point to an org:Organization"),
    ("organisation", "id/organisation/bad-links", V, "OrganisationShape", "cg:counterpartOf must point to an org:Organization"),
    ("organisation", "id/organisation/bad-links", V, "OrganisationShape", "org:subOrganizationOf must point"),
    ("organisation", "id/organisation/bad-links", V, "OrganisationShape", "never a bare number"),
    ("organisation", "id/organisation/bad-links", V, "OrganisationShape", "cg:purpose is text with a language tag"),
    ("organisation", "id/organisation/bad-committee", V, "OrganisationShape", "org:hasMember must point to an org:Organization"),
    ("organisation", "id/organisation/bad-committee", V, "OrganisationShape", "cg:hasMemberCategory must point to a skos:Concept"),
    ("organisation", "id/organisation/empty-committee", W, "CommitteeShape", "should list its members"),
    ("organisation", "id/organisation/unit-without-parent", V, "OrganisationalUnitShape", "IRI must be <id/unit/slug>"),
    ("organisation", "id/organisation/unit-without-parent", V, "OrganisationalUnitShape", "needs org:unitOf"),
    ("organisation", "id/unit/unit-of-a-territory", V, "OrganisationShape", "org:unitOf must point to an org:Organization"),
    # Products (platforms of a company)
    ("product", "id/products/wrong-kind", V, "ProductShape", "IRI must be <id/product/slug>"),
    ("product", "id/product/made-by-a-territory", V, "ProductShape", "schema:manufacturer must point to an org:Organization"),
    ("product", "id/product/no-maker", W, "ProductShape", "No maker"),
    ("product", "id/unit/platform-as-unit", V, "ProductShape", "IRI must be <id/product/slug>"),
    ("product", "id/unit/platform-as-unit", V, "ProductIsNoOrganisationShape", "is not an organisation"),
    # Territories
    ("territory", "id/territoire/wrong-kind", V, "TerritoryShape", "IRI must be <id/territory/slug>"),
    ("territory", "id/territory/contained-in-an-organisation", V, "TerritoryShape", "schema:containedInPlace must point to a cg:Territory"),
    ("territory", "id/territory/hangzhou", W, "ChineseTerritoryNameShape", "should have its Chinese name"),
    # People, posts, roles
    ("person", "id/people/wrong-kind", V, "PersonShape", "IRI must be <id/person/slug>"),
    ("person", "id/person/no-name", V, "PersonShape", "needs foaf:name"),
    ("person", "id/person/name-is-an-iri", V, "PersonShape", "needs foaf:name, a string"),
    ("person", "id/person/dai-weilong", W, "PersonShape", "No foaf:givenName"),
    ("person", "id/person/dai-weilong", W, "PersonShape", "No foaf:familyName"),
    ("post", "id/posts/wrong-kind", V, "PostShape", "IRI must be <id/post/slug>"),
    ("post", "id/post/incomplete", V, "PostShape", "exactly one org:postIn"),
    ("post", "id/post/incomplete", V, "PostShape", "exactly one org:role"),
    ("post", "id/post/wrong-values", V, "PostShape", "exactly one org:postIn"),
    ("post", "id/post/wrong-values", V, "PostShape", "exactly one org:role"),
    ("post", "id/post/wrong-values", V, "PostShape", "org:heldBy: at most one, a foaf:Person"),
    ("post", "id/post/wrong-values", V, "PostShape", "cg:attestedOn is typed"),
    ("post", "id/post/held-but-undated", W, "HeldPostAttestedOnShape", "add cg:attestedOn"),
    ("post", "id/roles/governor", V, "RoleShape", "IRI must be <id/role/slug>"),
    ("post", "id/roles/governor", V, "ConceptShape", "IRI must be <id/concept/slug>"),
    # Concepts and schemes
    ("concept", "id/concepts/wrong-kind", V, "ConceptShape", "IRI must be <id/concept/slug>"),
    ("concept", "id/concept/no-scheme", V, "ConceptShape", "needs skos:inScheme"),
    ("concept", "id/concept/scheme-is-a-concept", V, "ConceptShape", "needs skos:inScheme, a skos:ConceptScheme"),
    ("concept", "id/concept/bad-rdfs-label", V, "ConceptShape", "rdfs:label of a concept, if given"),
    ("concept", "id/schemes/wrong-kind", V, "ConceptSchemeShape", "IRI must be <id/scheme/slug>"),
    ("concept", "id/scheme/unlabelled", V, "LabelFr", "Missing French label"),
    ("concept", "id/scheme/unlabelled", V, "LabelEn", "Missing English label"),
    ("concept-hierarchy", "id/concept/broader-is-a-territory", V, "ConceptLinkInSchemeShape", "<http://127.0.0.1:8000/id/territory/zhejiang> is not one"),
    ("concept-hierarchy", "id/concept/related-in-another-scheme", V, "ConceptLinkInSchemeShape", "must be a skos:Concept of this concept's scheme"),
    ("concept-hierarchy", "id/concept/cycle-a", V, "BroaderCycleShape", "through <http://127.0.0.1:8000/id/concept/cycle-b> this concept is broader than itself"),
    ("concept-hierarchy", "id/concept/cycle-b", V, "BroaderCycleShape", "skos:broader cycle"),
    # Events
    ("event", "id/events/wrong-kind", V, "EventShape", "IRI must be <id/event/slug>"),
    ("event", "id/event/bad-values", V, "EventShape", "schema:startDate of an event: one value"),
    ("event", "id/event/bad-values", V, "EventShape", "schema:endDate of an event"),
    ("event", "id/event/bad-values", V, "EventShape", "schema:location must point to a cg:Territory or an org:Organization"),
    ("event", "id/event/bad-values", V, "EventShape", "cg:participant must point to a foaf:Person or an org:Organization"),
    ("event", "id/event/bad-values", V, "EventShape", "schema:organizer must point"),
    ("event", "id/event/bad-values", V, "EventShape", "cg:eventStatus: one value, cg:Planned or cg:TookPlace"),
    ("event", "id/event/bad-values", V, "EventShape", "schema:superEvent must point to a cg:Event"),
    ("event", "id/event/bad-values", V, "EventShape", "cg:relatedAgreement must point to a cg:Agreement"),
    ("event", "id/event/bad-values", V, "EventShape", "cg:cooperationDomain must point to a skos:Concept"),
    ("event", "id/event/bad-values", V, "EventShape", "cg:relatedProgramme must point to a cg:Programme"),
    ("event", "id/event/bad-values", V, "EventShape", "cg:meetingOf must point to an org:Organization"),
    ("event", "id/event/bad-values", V, "EventShape", "cg:host of an event must point"),
    ("event", "id/event/bad-values", V, "EventShape", "org:resultingOrganization must point"),
    ("event", "id/event/bad-values", V, "EventShape", "cg:agenda is French text"),
    ("event", "id/event/bad-values", V, "NoPlainRelationShape", "Plain dcterms:relation to the event or programme"),
    ("event", "id/event/undated-no-status", W, "EventShape", "No date"),
    ("event", "id/event/undated-no-status", W, "EventShape", "No status"),
    # Programmes
    ("programme", "id/programmes/wrong-kind", V, "ProgrammeShape", "IRI must be <id/programme/slug>"),
    ("programme", "id/programme/bad-values", V, "ProgrammeShape", "cg:implements must point"),
    ("programme", "id/programme/bad-values", V, "ProgrammeShape", "cg:fundedBy must point"),
    ("programme", "id/programme/bad-values", V, "ProgrammeShape", "cg:partner must point to an org:Organization"),
    ("programme", "id/programme/bad-values", V, "ProgrammeShape", "cg:host must point"),
    ("programme", "id/programme/bad-values", V, "ProgrammeShape", "cg:beneficiary must point"),
    ("programme", "id/programme/bad-values", V, "ProgrammeShape", "cg:purpose is text with a language tag"),
    ("programme", "id/programme/bad-values", V, "ProgrammeShape", "cg:cooperationDomain must point to a skos:Concept"),
    ("programme", "id/programme/bad-values", V, "ProgrammeShape", "schema:startDate of a programme"),
    ("programme", "id/programme/bad-values", V, "ProgrammeShape", "schema:endDate of a programme"),
    ("programme", "id/programme/bad-values", V, "ProgrammeShape", "cg:eventStatus: one value"),
    ("programme", "id/programme/bad-values", V, "NoPlainRelationShape", "Plain dcterms:relation to the event or programme"),
    # Figures
    ("figure", "id/figures/wrong-kind", V, "FigureShape", "IRI must be <id/figure/slug>"),
    ("figure", "id/figure/incomplete", V, "FigureShape", "needs cg:describes"),
    ("figure", "id/figure/incomplete", V, "FigureShape", "exactly one cg:measure"),
    ("figure", "id/figure/incomplete", W, "FigureShape", "No unit"),
    ("figure", "id/figure/bad-values", V, "FigureShape", "needs cg:describes"),
    ("figure", "id/figure/bad-values", V, "FigureShape", "exactly one cg:measure"),
    ("figure", "id/figure/bad-values", V, "FigureShape", "cg:unit: at most one, a skos:Concept"),
    ("figure", "id/figure/bad-values", V, "FigureShape", "schema:value: one number"),
    ("figure", "id/figure/bad-values", V, "FigureShape", "cg:relativeTo: at most one"),
    ("figure", "id/figure/bad-values", V, "FigureShape", "cg:referenceDate: one value"),
    ("figure", "id/figure/bad-values", V, "FigureShape", "cg:estimate: one boolean"),
    ("figure", "id/figure/min-above-max", V, "FigureShape", "schema:minValue is greater than schema:maxValue"),
    ("figure", "id/figure/bad-bounds", V, "FigureShape", "schema:minValue: one number"),
    ("figure", "id/figure/bad-bounds", V, "FigureShape", "schema:maxValue: one number"),
    ("figure", "id/figure/bad-bounds", V, "FigureShape", "schema:minValue is greater than schema:maxValue"),
    ("figure", "id/figure/no-value", V, "FigureValueShape", "either an exact schema:value, or bounds"),
    ("figure", "id/figure/value-and-range", V, "FigureValueShape", "not both"),
    # Source documents
    ("document", "id/documents/wrong-kind", V, "SourceDocumentShape", "IRI must be <id/document/slug>"),
    ("document", "id/document/bad-values", V, "SourceDocumentShape", "exactly one dcterms:identifier"),
    ("document", "id/document/bad-values", V, "SourceDocumentShape", "dcterms:title is a string"),
    ("document", "id/document/bad-values", V, "SourceDocumentShape", "dcterms:publisher must point"),
    ("document", "id/document/bad-values", V, "SourceDocumentShape", "dcterms:date of a document"),
    ("document", "id/document/bad-values", V, "SourceDocumentShape", "needs dcterms:language, an IRI"),
    ("document", "id/document/bare", W, "SourceDocumentShape", "No dcterms:title"),
    ("document", "id/document/bare", W, "SourceDocumentShape", "No dcterms:publisher"),
    ("document", "id/document/bare", W, "SourceDocumentShape", "No dcterms:date"),
    # Attestations
    ("attestation", "id/attestations/wrong-kind", V, "AttestationShape", "IRI must be <id/attestation/slug>"),
    ("attestation", "id/attestation/empty", V, "AttestationShape", "exactly one rdf:subject"),
    ("attestation", "id/attestation/empty", V, "AttestationShape", "exactly one rdf:predicate"),
    ("attestation", "id/attestation/empty", V, "AttestationShape", "exactly one rdf:object"),
    ("attestation", "id/attestation/empty", V, "AttestationShape", "needs cg:quote"),
    ("attestation", "id/attestation/empty", V, "AttestationShape", "exactly one prov:wasDerivedFrom"),
    ("attestation", "id/attestation/bad-values", V, "AttestationShape", "exactly one rdf:subject"),
    ("attestation", "id/attestation/bad-values", V, "AttestationShape", "exactly one rdf:predicate"),
    ("attestation", "id/attestation/bad-values", V, "AttestationShape", "exactly one rdf:object"),
    ("attestation", "id/attestation/bad-values", V, "AttestationShape", "tagged @fr"),
    ("attestation", "id/attestation/bad-values", V, "AttestationShape", "exactly one prov:wasDerivedFrom"),
    ("attestation", "id/attestation/bad-values", V, "AttestationShape", "cg:inferred: one boolean"),
    ("attestation", "id/attestation/bad-values", V, "AttestationShape", "cg:inferenceNote: one note @fr and one @en"),
    ("attestation", "id/attestation/bad-values", V, "AttestedTripleExistsShape", "Drift"),
    ("attestation", "id/attestation/drifted", V, "AttestedTripleExistsShape", "2018-06-15, but the data does not state that triple"),
    ("attestation", "id/attestation/drifted-datatype", V, "AttestedTripleExistsShape", "Drift"),
    ("attestation", "id/attestation/inferred-without-note", V, "InferredAttestationShape", "needs a cg:inferenceNote in French and in English"),
    ("attestation", "id/attestation/quotes-unlisted-document", W, "AttestedEntityProvenanceShape", "is not prov:wasDerivedFrom the document"),
    # Source issues
    ("source-issue", "id/issues/wrong-kind", V, "SourceIssueShape", "IRI must be <id/issue/slug>"),
    ("source-issue", "id/issue/empty", V, "SourceIssueShape", "needs cg:concerns"),
    ("source-issue", "id/issue/empty", V, "SourceIssueShape", "needs cg:evidence"),
    ("source-issue", "id/issue/empty", V, "SourceIssueShape", "rdfs:comment in French"),
    ("source-issue", "id/issue/empty", V, "SourceIssueShape", "rdfs:comment in English"),
    ("source-issue", "id/issue/bad-values", V, "SourceIssueShape", "needs cg:concerns"),
    ("source-issue", "id/issue/bad-values", V, "SourceIssueShape", "needs cg:evidence"),
    ("source-issue", "id/issue/bad-values", V, "SourceIssueShape", "one @fr and one @en"),
    ("source-issue", "id/issue/bad-values", V, "SourceIssueShape", "rdfs:comment in English"),
    ("source-issue", "id/issue/bad-disputes", V, "SourceIssueShape", "whose value the issue casts doubt on"),
    ("source-issue", "id/issue/bad-disputes", V, "SourceIssueShape", "must also be the issue's cg:evidence"),
]

FIXTURE_NAMES = sorted({row[0] for row in EXPECTED})


def _matches(result: Result, focus: str, severity: str, shape: str, message: str) -> bool:
    return (result.focus, result.severity, result.shape) == (focus, severity, shape) and message in result.message


# --------------------------------------------------------------------------- the shapes


def test_valid_fixture_conforms_without_any_result():
    for with_ontology in (True, False):
        results = validate(parse(VALID), with_ontology=with_ontology)
        assert results == [], "\n".join(map(str, results))


def test_every_invalid_fixture_is_in_the_table():
    on_disk = sorted(path.stem for path in INVALID.glob("*.ttl"))
    assert on_disk == FIXTURE_NAMES


@pytest.mark.parametrize(
    "fixture, focus, severity, shape, message", EXPECTED, ids=[f"{r[0]}:{r[1].rsplit('/', 1)[-1]}:{r[4][:30]}" for r in EXPECTED]
)
def test_fixture_gives_expected_result(fixture, focus, severity, shape, message):
    results = fixture_results(fixture)
    assert any(_matches(r, focus, severity, shape, message) for r in results), (
        f"no {severity} from {shape} on <{focus}> with message containing {message!r}; got:\n"
        + "\n".join(map(str, results))
    )


@pytest.mark.parametrize("fixture", FIXTURE_NAMES)
def test_fixture_gives_no_unexpected_violation(fixture):
    expected = [row[1:] for row in EXPECTED if row[0] == fixture]
    unexpected = [
        r for r in fixture_results(fixture)
        if r.severity == V and not any(_matches(r, *row) for row in expected)
    ]
    assert not unexpected, "\n".join(map(str, unexpected))


@pytest.mark.parametrize("fixture", FIXTURE_NAMES)
def test_results_do_not_depend_on_the_ontology(fixture):
    """No inference needed: with or without the ontology (rdfs:subClassOf) mixed in, same results."""
    assert fixture_results(fixture, with_ontology=True) == fixture_results(fixture, with_ontology=False)


def test_rdfs_inference_would_hide_errors():
    """Why validation runs with inference="none": rdfs:range types a wrong value into the
    expected class, and the error on the agreement disappears."""
    data = parse(VALID, INVALID / "agreement.ttl")
    message = "cg:complements must point to another agreement"
    plain = validate(data, inference="none")
    inferred = validate(data, inference="rdfs")
    assert any(message in r.message for r in plain)
    assert not any(message in r.message for r in inferred)


def test_sparql_targets_need_advanced_mode():
    """The SPARQL checks are targeted by SHACL-AF SPARQL targets (one query instead of one
    per node): pyshacl must run with advanced=True, or they silently never fire."""
    data = parse(VALID, INVALID / "attestation.ttl")
    drift = "the data does not state that triple"
    assert any(drift in r.message for r in validate(data))
    _, report, _ = pyshacl.validate(data, shacl_graph=shapes(), ont_graph=ontology(), advanced=False)
    assert not any(drift in str(m) for m in report.objects(None, SH.resultMessage))


def test_every_constraint_message_is_produced_by_some_fixture():
    """Each sh:message of the shapes graph shows up in the results of some fixture: no shape
    or constraint goes untested."""
    messages = {str(m) for m in shapes().objects(None, SH.message)}
    produced = {m for name in FIXTURE_NAMES for r in fixture_results(name) for m in r.message.split(" | ")}
    produced_templates = set()
    for message in messages:
        pattern = re.escape(message)
        pattern = re.sub(r"\\\{[\\?$]+\w+\\\}", ".*", pattern)  # {?value}, {$this}
        if any(re.fullmatch(pattern, p) for p in produced):
            produced_templates.add(message)
    assert sorted(messages - produced_templates) == []


def test_every_targeting_shape_has_results_in_the_table():
    targeting = {
        str(s).removeprefix(BASE + "shapes#")
        for p in (SH.targetClass, SH.target) for s in shapes().subjects(p, None)
    } | {str(s).removeprefix(BASE + "shapes#") for s in shapes().subjects(RDF.type, SH.PropertyShape)}
    assert sorted(targeting - {row[3] for row in EXPECTED}) == []


def test_every_result_has_a_message_and_no_result_has_two():
    for name in FIXTURE_NAMES:
        for r in fixture_results(name):
            assert r.message and " | " not in r.message, r


def test_shapes_target_every_class_of_the_ontology():
    targets = set(shapes().objects(None, SH.targetClass))
    classes = {c for c in ontology().subjects(RDF.type, OWL.Class) if str(c).startswith(str(CG))}
    assert sorted(classes - targets) == []


def test_shapes_use_no_cg_prefix_in_sparql():
    """sh:namespace must be a literal, so a relative cg: namespace cannot be declared:
    cg: terms come into SPARQL as parameters instead."""
    for select in shapes().objects(None, SH.select):
        assert "cg:" not in str(select)
    declared = {str(p) for p in shapes().objects(None, SH.prefix)}
    assert "cg" not in declared


def test_shapes_move_with_the_base_iri():
    graph = parse(SHAPES, base=OTHER_BASE)
    assert (rdflib.URIRef(OTHER_BASE + "shapes#AgreementShape"), SH.targetClass,
            rdflib.URIRef(OTHER_BASE + "def#Agreement")) in graph


def test_shapes_parse_with_oxigraph():
    store = pyoxigraph.Store()
    store.load(path=str(SHAPES), format=pyoxigraph.RdfFormat.TURTLE, base_iri=BASE)
    shape = pyoxigraph.NamedNode(BASE + "shapes#AgreementShape")
    assert list(store.quads_for_pattern(shape, pyoxigraph.NamedNode(str(SH.targetClass)), pyoxigraph.NamedNode(BASE + "def#Agreement")))


# --------------------------------------------------------------------------- the ontology


def cg_terms() -> set[rdflib.URIRef]:
    return {s for s in ontology().subjects() if isinstance(s, rdflib.URIRef) and str(s).startswith(str(CG))}


def test_ontology_parses_with_rdflib_and_oxigraph_against_the_base():
    store = pyoxigraph.Store()
    store.load(path=str(ONTOLOGY), format=pyoxigraph.RdfFormat.TURTLE, base_iri=BASE)
    assert len(store) == len(ontology()) > 500
    assert (DEF, RDF.type, OWL.Ontology) in ontology()


def test_ontology_moves_with_the_base_iri():
    graph = parse(ONTOLOGY, base=OTHER_BASE)
    assert (rdflib.URIRef(OTHER_BASE + "def"), RDF.type, OWL.Ontology) in graph
    assert (rdflib.URIRef(OTHER_BASE + "def#Agreement"), RDF.type, OWL.Class) in graph
    assert not any(str(s).startswith(BASE) for s in graph.subjects())


def test_ontology_header():
    g = ontology()
    assert g.value(DEF, OWL.versionIRI) == rdflib.URIRef(BASE + "def/1.0.0")
    assert str(g.value(DEF, OWL.versionInfo)) == "1.0.0"
    assert g.value(DEF, rdflib.DCTERMS.license) == rdflib.URIRef("https://creativecommons.org/licenses/by/4.0/")
    for p in (rdflib.DCTERMS.title, rdflib.DCTERMS.description):
        assert sorted(o.language for o in g.objects(DEF, p)) == ["en", "fr", "zh"]
    for p in (rdflib.DCTERMS.created, rdflib.DCTERMS.modified):
        assert g.value(DEF, p) == rdflib.Literal("2026-11-22", datatype=rdflib.XSD.date)
    vann = rdflib.Namespace("http://purl.org/vocab/vann/")
    assert str(g.value(DEF, vann.preferredNamespacePrefix)) == "cg"
    assert g.value(DEF, vann.preferredNamespaceUri) == rdflib.URIRef(str(CG))


@pytest.mark.parametrize("predicate", [RDFS.label, RDFS.comment])
def test_every_cg_term_has_one_french_one_english_and_one_chinese(predicate):
    wrong = {
        str(term): sorted(o.language or "" for o in ontology().objects(term, predicate))
        for term in cg_terms()
    }
    assert {t: langs for t, langs in wrong.items() if langs != ["en", "fr", "zh"]} == {}


def test_every_cg_term_is_defined_by_the_ontology():
    assert sorted(str(t) for t in cg_terms() if (t, RDFS.isDefinedBy, DEF) not in ontology()) == []


def test_every_cg_term_the_contract_names_exists():
    contract = (ROOT / "docs" / "modelling.md").read_text(encoding="utf-8")
    named = {CG[name] for name in re.findall(r"\bcg:([A-Za-z]+)", contract)}
    assert named and sorted(str(t) for t in named - cg_terms()) == []


def test_every_cg_term_used_is_defined():
    g = ontology()
    used = {n for triple in g for n in triple if isinstance(n, rdflib.URIRef) and str(n).startswith(str(CG))}
    assert sorted(str(t) for t in used - cg_terms() - {rdflib.URIRef(str(CG))}) == []


def test_properties_have_domain_and_range_of_the_right_kind():
    g = ontology()
    datatypes = set(g.subjects(RDF.type, RDFS.Datatype)) | {RDF.langString, rdflib.XSD.boolean, rdflib.XSD.duration}
    for kind in (OWL.ObjectProperty, OWL.DatatypeProperty):
        for prop in (p for p in g.subjects(RDF.type, kind) if p in cg_terms()):
            assert g.value(prop, RDFS.domain) is not None, prop
            range_ = g.value(prop, RDFS.range)
            assert range_ is not None, prop
            if kind == OWL.DatatypeProperty:
                assert range_ in datatypes, (prop, range_)
            else:
                assert range_ not in datatypes, (prop, range_)


def test_no_punning():
    g = ontology()
    classes = set(g.subjects(RDF.type, OWL.Class))
    object_props = set(g.subjects(RDF.type, OWL.ObjectProperty))
    data_props = set(g.subjects(RDF.type, OWL.DatatypeProperty))
    annotation_props = set(g.subjects(RDF.type, OWL.AnnotationProperty))
    individuals = set(g.subjects(RDF.type, OWL.NamedIndividual))
    kinds = [classes, object_props, data_props, annotation_props, individuals]
    for i, a in enumerate(kinds):
        for b in kinds[i + 1:]:
            assert not (a & b), a & b


def test_contract_axioms():
    g = ontology()
    assert (CG.counterpartOf, RDF.type, OWL.SymmetricProperty) in g
    org = rdflib.Namespace("http://www.w3.org/ns/org#")
    expected = [
        (CG.Committee, RDFS.subClassOf, org.OrganizationalCollaboration),
        (CG.Territory, RDFS.subClassOf, rdflib.URIRef("http://schema.org/Place")),
        (CG.Territory, RDFS.subClassOf, rdflib.DCTERMS.Location),
        (CG.Event, RDFS.subClassOf, rdflib.URIRef("http://www.w3.org/ns/prov#Activity")),
        (CG.SourceDocument, RDFS.subClassOf, rdflib.FOAF.Document),
        (CG.Attestation, RDFS.subClassOf, RDF.Statement),
        (CG.Contradiction, RDFS.subClassOf, CG.SourceIssue),
        (CG.EventStatus, RDFS.subClassOf, SKOS.Concept),
        (CG.AgreementStatus, RDFS.subClassOf, SKOS.Concept),
        (CG.signingDate, RDFS.subPropertyOf, rdflib.DCTERMS.date),
        (CG.cooperationDomain, RDFS.subPropertyOf, rdflib.DCTERMS.subject),
        (CG.agencyOf, RDFS.subPropertyOf, org.linkedTo),
        (CG.participant, RDFS.subPropertyOf, rdflib.URIRef("http://schema.org/attendee")),
        (CG.fundedBy, RDFS.subPropertyOf, rdflib.URIRef("http://schema.org/funder")),
        (CG.reinforces, RDFS.subPropertyOf, rdflib.DCTERMS.relation),
    ]
    assert [t for t in expected if t not in g] == []
    for status in (CG.Planned, CG.TookPlace):
        assert (status, RDF.type, CG.EventStatus) in g
        assert (status, SKOS.inScheme, CG.EventStatusScheme) in g
        assert sorted(o.language for o in g.objects(status, SKOS.prefLabel)) == ["en", "fr", "zh"]
    for status in (CG.Envisaged, CG.Signed, CG.InForce, CG.Expired):
        assert (status, RDF.type, CG.AgreementStatus) in g
        assert (status, SKOS.inScheme, CG.AgreementStatusScheme) in g
        assert sorted(o.language for o in g.objects(status, SKOS.prefLabel)) == ["en", "fr", "zh"]

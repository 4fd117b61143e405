"""Synthetic data with the shape of ours, at any size: a project folder coopgraph can serve.

The folder gets the real ontology and shapes (copied), and in data/ generated Turtle with the same
classes and properties as data/ (docs/modelling.md): concept schemes, territories, source documents,
organisations, people and posts, agreements with parties and signatures, signing events,
programmes, figures, and an attestation quoting a French sentence for each key assertion. It
conforms to the shapes (tests/test_bench.py validates a 10k sample with `coopgraph validate`).

Everything is drawn from a seeded random generator: the same size gives the same bytes.
One "cluster" (two organisations of a French and a Chinese territory, their people and posts,
an agreement between them with its signatures, event, figure and attestations, and every other
cluster a programme) is about 143 triples; the size sets the number of clusters.
"""

from __future__ import annotations

import random
import re
import shutil
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import TextIO

PROJECT_ROOT = Path(__file__).resolve().parent.parent
TRIPLES_PER_CLUSTER = 143  # measured: keeps the generated sizes close to the ones asked for

PREFIXES = """\
@prefix cg: <def#> .
@prefix rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
@prefix prov: <http://www.w3.org/ns/prov#> .
@prefix dcterms: <http://purl.org/dc/terms/> .
@prefix schema: <http://schema.org/> .
@prefix org: <http://www.w3.org/ns/org#> .
@prefix foaf: <http://xmlns.com/foaf/0.1/> .

"""

DOMAINS = ["economie", "education", "sante", "culture", "tourisme", "recherche", "transport", "environnement",
           "agriculture", "jeunesse", "sport", "urbanisme", "energie", "numerique", "formation", "patrimoine"]
MEASURES = ["population", "staff", "participants", "member-count", "gdp-share", "budget"]
UNITS = ["person", "percent", "organisation", "euro"]
ROLES = ["president", "governor", "mayor", "director-general", "vice-president", "ambassador"]
ORGANISATION_CLASSES = ["cg:RegionalGovernment", "cg:LocalGovernment", "cg:University", "cg:Company",
                        "cg:Agency", "cg:ChamberOfCommerce", "cg:Association"]
AGREEMENT_CLASSES = ["cg:CooperationAgreement", "cg:MemorandumOfUnderstanding", "cg:FrameworkAgreement",
                     "cg:JointActionPlan", "cg:Partnership"]
PROGRAMME_CLASSES = ["cg:TrainingProgramme", "cg:ResearchProject", "cg:ActionPlan", "cg:UniversityChair"]
FRENCH_LANGUAGE = "<http://id.loc.gov/vocabulary/iso639-1/fr>"
SYLLABLES = ["an", "bel", "cha", "dor", "en", "fon", "gui", "hai", "jin", "lan", "mar", "nan", "qin", "ro",
             "sai", "tan", "val", "wen", "xi", "yun", "zhou"]
RARE_WORD = "hydrogène"  # in one agreement purpose in 500: what the benchmark's text FILTER looks for


def parse_size(text: str) -> int:
    """`10k`, `100k`, `1M` or a plain number of triples."""
    match = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*([kKmM]?)\s*", text)
    if not match:
        raise ValueError(f"size {text!r}: write a number of triples such as 10k, 100k or 1M")
    return int(float(match[1]) * {"": 1, "k": 1_000, "m": 1_000_000}[match[2].lower()])


def lit(text: str, language: str | None = None) -> str:
    escaped = text.replace("\\", "\\\\").replace('"', '\\"')
    return f'"{escaped}"@{language}' if language else f'"{escaped}"'


def typed(value, datatype: str) -> str:
    return f'"{value}"^^xsd:{datatype}'


@dataclass
class Writer:
    """Writes Turtle subject blocks and counts the triples."""

    out: TextIO
    triples: int = 0

    def entity(self, iri: str, classes: str, pairs: list[tuple[str, list[str] | str]]) -> None:
        lines = [f"<{iri}> a {classes}"]
        self.triples += classes.count(",") + 1
        for predicate, objects in pairs:
            objects = [objects] if isinstance(objects, str) else objects
            if objects:
                lines.append(f"    {predicate} {' , '.join(objects)}")
                self.triples += len(objects)
        self.out.write(" ;\n".join(lines) + " .\n\n")

    def attestation(self, iri: str, subject: str, predicate: str, obj: str, quote: str, document: str) -> None:
        self.entity(iri, "cg:Attestation", [
            ("rdf:subject", f"<{subject}>"), ("rdf:predicate", predicate), ("rdf:object", obj),
            ("cg:quote", lit(quote, "fr")), ("prov:wasDerivedFrom", f"<{document}>")])


@dataclass
class Generator:
    clusters: int
    rng: random.Random = field(default_factory=lambda: random.Random(20261122))

    def __post_init__(self):
        self.territories_fr = [f"id/territory/fr-{i}" for i in range(max(4, self.clusters // 8))]
        self.territories_cn = [f"id/territory/cn-{i}" for i in range(max(4, self.clusters // 8))]
        self.documents = [f"id/document/doc-{i}" for i in range(max(3, self.clusters // 10))]

    def name(self) -> str:
        return "".join(self.rng.choice(SYLLABLES) for _ in range(self.rng.randint(2, 3))).capitalize()

    def day(self, first_year: int = 2000, last_year: int = 2024) -> date:
        return date(first_year, 1, 1) + timedelta(days=self.rng.randrange((last_year - first_year + 1) * 365))

    def write(self, out: TextIO) -> int:
        w = Writer(out)
        out.write(PREFIXES)
        self.concepts(w)
        self.places(w)
        for i in range(self.clusters):
            self.cluster(w, i)
        return w.triples

    def concepts(self, w: Writer) -> None:
        schemes = {"domains": DOMAINS, "measures": MEASURES, "units": UNITS, "roles": ROLES}
        for scheme, names in schemes.items():
            w.entity(f"id/scheme/{scheme}", "skos:ConceptScheme", [
                ("skos:prefLabel", [lit(f"Schéma {scheme}", "fr"), lit(f"{scheme} scheme", "en")]),
                ("rdfs:label", [lit(f"Schéma {scheme}", "fr"), lit(f"{scheme} scheme", "en")])])
            for name in names:
                iri, classes = (f"id/role/{name}", "org:Role , skos:Concept") if scheme == "roles" else \
                    (f"id/concept/{name}", "skos:Concept")
                w.entity(iri, classes, [
                    ("skos:inScheme", f"<id/scheme/{scheme}>"),
                    ("skos:prefLabel", [lit(name.replace("-", " ").capitalize() + " (fr)", "fr"),
                                        lit(name.replace("-", " ").capitalize(), "en")])])

    def places(self, w: Writer) -> None:
        w.entity("id/territory/france", "cg:Country", [
            ("rdfs:label", [lit("France", "fr"), lit("France", "en")]),
            ("prov:wasDerivedFrom", f"<{self.documents[0]}>")])
        w.entity("id/territory/china", "cg:Country", [
            ("rdfs:label", [lit("Chine", "fr"), lit("China", "en"), lit("中国", "zh")]),
            ("prov:wasDerivedFrom", f"<{self.documents[0]}>")])
        for i, iri in enumerate(self.territories_fr):
            name = self.name()
            w.entity(iri, "cg:Region" if i % 4 == 0 else "cg:City", [
                ("rdfs:label", [lit(name, "fr"), lit(name, "en")]),
                ("schema:containedInPlace", "<id/territory/france>"),
                ("prov:wasDerivedFrom", f"<{self.rng.choice(self.documents)}>")])
        for i, iri in enumerate(self.territories_cn):
            name = self.name()
            w.entity(iri, "cg:Province" if i % 4 == 0 else "cg:City", [
                ("rdfs:label", [lit(name, "fr"), lit(name, "en"), lit(f"{name}市", "zh")]),
                ("schema:containedInPlace", "<id/territory/china>"),
                ("prov:wasDerivedFrom", f"<{self.rng.choice(self.documents)}>")])
        for i, iri in enumerate(self.documents):
            published = self.day(2010)
            w.entity(iri, "cg:SourceDocument", [
                ("rdfs:label", [lit(f"Communiqué {i}", "fr"), lit(f"Press release {i}", "en")]),
                ("dcterms:identifier", lit(f"{i:03d}_synthetic.txt")),
                ("dcterms:title", lit(f"Communiqué de presse numéro {i}", "fr")),
                ("dcterms:publisher", f"<id/organisation/org-{2 * (i % max(1, self.clusters))}>"),
                ("dcterms:date", typed(published.isoformat(), "date")),
                ("dcterms:language", FRENCH_LANGUAGE)])

    def cluster(self, w: Writer, i: int) -> None:
        rng = self.rng
        doc = f"<{self.documents[i % len(self.documents)]}>"
        document = doc[1:-1]
        places = [rng.choice(self.territories_fr), rng.choice(self.territories_cn)]
        orgs, people, posts = [], [], []
        for side, place in enumerate(places):
            k = 2 * i + side
            org, person, post = f"id/organisation/org-{k}", f"id/person/person-{k}", f"id/post/post-{k}"
            orgs.append(org), people.append(person), posts.append(post)
            org_name, given, family = self.name(), self.name(), self.name().upper()
            w.entity(org, rng.choice(ORGANISATION_CLASSES), [
                ("rdfs:label", [lit(f"Organisation {org_name}", "fr"), lit(f"{org_name} organisation", "en")]),
                ("cg:governs" if side == 0 else "cg:basedIn", f"<{place}>"),
                ("prov:wasDerivedFrom", doc)])
            w.entity(person, "foaf:Person", [
                ("rdfs:label", [lit(f"{given} {family}", "fr"), lit(f"{given} {family}", "en")]),
                ("foaf:name", lit(f"{given} {family}")), ("foaf:givenName", lit(given)),
                ("foaf:familyName", lit(family)), ("prov:wasDerivedFrom", doc)])
            role, attested = rng.choice(ROLES), self.day(2015)
            w.entity(post, "org:Post", [
                ("rdfs:label", [lit(f"{role} de {org_name}", "fr"), lit(f"{role} of {org_name}", "en")]),
                ("org:postIn", f"<{org}>"), ("org:role", f"<id/role/{role}>"), ("org:heldBy", f"<{person}>"),
                ("cg:attestedOn", typed(attested.isoformat(), "date")), ("prov:wasDerivedFrom", doc)])
            w.attestation(f"id/attestation/post-{k}-held-by", post, "org:heldBy", f"<{person}>",
                          f"{given} {family}, {role} de {org_name}, était présent.", document)

        agreement, event, figure = f"id/agreement/agreement-{i}", f"id/event/signing-{i}", f"id/figure/figure-{i}"
        signed = self.day()
        years = rng.choice([3, 5, 10])
        signatures = [f"id/signature/agreement-{i}-{side}" for side in range(2)]
        purpose = f"développer les échanges entre les deux territoires ({rng.choice(DOMAINS)})"
        if i % 500 == 7:
            purpose += f" et la filière {RARE_WORD}"
        domains = sorted({f"<id/concept/{rng.choice(DOMAINS)}>" for _ in range(rng.randint(1, 3))})
        w.entity(agreement, rng.choice(AGREEMENT_CLASSES), [
            ("rdfs:label", [lit(f"Accord {i} de coopération", "fr"), lit(f"Cooperation agreement {i}", "en")]),
            ("cg:party", [f"<{org}>" for org in orgs]),
            ("cg:hasSignature", [f"<{signature}>" for signature in signatures]),
            ("cg:signingDate", typed(signed.isoformat(), "date")),
            ("cg:signingPlace", f"<{places[1]}>"), ("cg:signingEvent", f"<{event}>"),
            ("schema:startDate", typed(signed.isoformat(), "date")),
            ("schema:endDate", typed(signed.replace(year=signed.year + years, day=min(signed.day, 28)).isoformat(), "date")),
            ("cg:duration", typed(f"P{years}Y", "duration")),
            ("cg:cooperationDomain", domains), ("cg:purpose", lit(purpose, "fr")),
            ("cg:concernsTerritory", [f"<{place}>" for place in places]),
            ("prov:wasDerivedFrom", doc)])
        w.attestation(f"id/attestation/agreement-{i}-date", agreement, "cg:signingDate",
                      typed(signed.isoformat(), "date"), f"Le {signed.isoformat()}, les deux parties ont signé un accord.",
                      document)
        for side, org in enumerate(orgs):
            w.attestation(f"id/attestation/agreement-{i}-party-{side}", agreement, "cg:party", f"<{org}>",
                          f"Accord entre les deux organisations, numéro {i}.", document)
        for side, signature in enumerate(signatures):
            w.entity(signature, "cg:Signature", [
                ("rdfs:label", [lit(f"Signature {side} de l'accord {i}", "fr"), lit(f"Signature {side} of agreement {i}", "en")]),
                ("cg:signatory", f"<{people[side]}>"), ("cg:signsFor", f"<{orgs[side]}>"),
                ("cg:inCapacity", f"<{posts[side]}>"), ("prov:wasDerivedFrom", doc)])
        w.entity(event, "cg:Signing", [
            ("rdfs:label", [lit(f"Signature de l'accord {i}", "fr"), lit(f"Signing of agreement {i}", "en")]),
            ("schema:startDate", typed(signed.isoformat(), "date")), ("schema:location", f"<{places[1]}>"),
            ("cg:participant", [f"<{x}>" for x in people + orgs]), ("cg:relatedAgreement", f"<{agreement}>"),
            ("cg:eventStatus", "cg:TookPlace"), ("prov:wasDerivedFrom", doc)])
        w.attestation(f"id/attestation/signing-{i}-date", event, "schema:startDate", typed(signed.isoformat(), "date"),
                      f"La cérémonie de signature a eu lieu le {signed.isoformat()}.", document)
        value = rng.randrange(10, 100_000)
        w.entity(figure, "cg:Figure", [
            ("rdfs:label", [lit(f"Effectif : {value}", "fr"), lit(f"Staff: {value}", "en")]),
            ("cg:describes", f"<{orgs[0]}>"), ("cg:measure", f"<id/concept/{rng.choice(MEASURES)}>"),
            ("schema:value", typed(value, "integer")), ("cg:unit", "<id/concept/person>"),
            ("cg:referenceDate", typed(signed.year, "gYear")), ("prov:wasDerivedFrom", doc)])
        w.attestation(f"id/attestation/figure-{i}-value", figure, "schema:value", typed(value, "integer"),
                      f"Avec ses {value} collaborateurs, l'organisation est un acteur majeur.", document)
        if i % 2 == 0:
            w.entity(f"id/programme/programme-{i}", rng.choice(PROGRAMME_CLASSES), [
                ("rdfs:label", [lit(f"Programme {i}", "fr"), lit(f"Programme {i}", "en")]),
                ("cg:implements", f"<{agreement}>"), ("cg:fundedBy", f"<{orgs[0]}>"), ("cg:partner", f"<{orgs[1]}>"),
                ("schema:startDate", typed(signed.year, "gYear")), ("cg:purpose", lit("former des étudiants", "fr")),
                ("cg:cooperationDomain", domains[0]), ("prov:wasDerivedFrom", doc)])


def generate(size: int, out: Path) -> int:
    """Writes a project folder of about `size` triples of data (plus the ontology and shapes) into
    `out`, replacing what its ontology/, data/ and shapes/ held; returns the data's triple count."""
    for folder in ("ontology", "shapes", "data"):
        shutil.rmtree(out / folder, ignore_errors=True)
    shutil.copytree(PROJECT_ROOT / "ontology", out / "ontology")
    shutil.copytree(PROJECT_ROOT / "shapes", out / "shapes")
    (out / "data").mkdir(parents=True)
    with open(out / "data" / "generated.ttl", "w", encoding="utf-8") as data:
        return Generator(max(1, size // TRIPLES_PER_CLUSTER)).write(data)

"""Cooperation domains (issue 14), checked on the curated data (data/*.ttl) and the shapes:

1. the 2018 Île-de-France – Zhejiang agreement has exactly the six domains of document 001's list, one concept per
   bullet, each labelled (fr) with the bullet's heading in the text's words, each attested by the list's sentence;
   what a bullet names inside it is a narrower concept of the bullet's, not a domain of its own;
2. the cooperation-domain scheme is a hierarchy: overlapping domains are linked (skos:broader where one is narrower,
   skos:related otherwise, stated once per pair, skos:narrower never asserted), inside the scheme, without cycles,
   with its top concepts declared;
3. `cg:cooperationDomain/skos:broader*` finds everything on transport;
4. the shapes (run as the publisher runs them, server/validation.py) catch a link out of the scheme and a cycle.
"""

from __future__ import annotations

import re
import shutil

import pytest
import rdflib
from rdflib.namespace import RDF, SKOS

from server.settings import Settings
from server.validation import validate
from tests.test_data import BASE, CG, DATA, ROOT, SEEDS, graph, normalise  # noqa: F401 (graph is the module's fixture)
from tests.test_data_corrections import ask, select

ID = rdflib.Namespace(BASE + "id/")
AGREEMENT = ID["agreement/idf-zhejiang-2018"]
SCHEME = ID["scheme/cooperation-domains"]
DOCUMENT = ID["document/idf-zhejiang-agreement-signature-2018"]
LIST_SENTENCE = ("Par ce biais, l’Ile-de-France et la Province du Zhejiang vont développer leurs relations dans de "
                 "nombreux domaines d’intervention tels que :")


def concept(slug: str) -> rdflib.URIRef:
    return ID[f"concept/{slug}"]


def bullets() -> list[str]:
    """The items of document 001's list of domains, as the text gives them (whitespace normalised)."""
    lines = (SEEDS / "001_c1dc2ae50ea910bc.txt").read_text(encoding="utf-8").splitlines()
    start = next(i for i, line in enumerate(lines) if "domaines d’intervention tels que :" in line)
    items = []
    for line in lines[start + 1:]:
        if line.strip().startswith("•"):
            items.append(normalise(line.strip().removeprefix("•")))
        elif items and line.strip():
            break
    return items


def heading(bullet: str) -> str:
    """What the bullet is about, before "à travers", "avec", "via" or the end of its first sentence."""
    return re.match(r"(.+?)(?:, (?:à travers|avec|via) |\.\s|\.$|,$)", bullet).group(1)


def label(heading: str) -> str:
    """The heading as a label: the articles of its items dropped ("La ville durable, l’urbanisme" → "Ville durable,
    urbanisme"), the rest in the text's words."""
    text = re.sub(r"(^|, | et )(?:[Ll]e |[Ll]a |[Ll]es |[Ll]’)", r"\1", heading)
    return text[0].upper() + text[1:]


def agreement_domains(g: rdflib.Graph) -> dict[rdflib.URIRef, str]:
    rows = select(g, """
        SELECT ?domain ?label WHERE {
            <id/agreement/idf-zhejiang-2018> cg:cooperationDomain ?domain .
            OPTIONAL { ?domain skos:prefLabel ?label FILTER (lang(?label) = "fr") }
        }""")
    return {row["domain"]: str(row.get("label")) for row in rows}


# --------------------------------------------------------------------------- 1. the agreement's six domains


def test_the_text_lists_six_domains():
    headings = [heading(b) for b in bullets()]
    assert headings == [
        "Le développement économique et l’emploi",
        "La science et la technologie",
        "L’éducation, la formation, la jeunesse et la promotion de la langue française et de la langue chinoise",
        "La santé",
        "La ville durable, l’aménagement du territoire, l’urbanisme, les transports publics et la protection des "
        "villes historiques et culturelles de renom",
        "Le tourisme, la culture, le patrimoine et la gastronomie",
    ]


def test_the_agreement_has_exactly_the_six_domains_of_the_text(graph):  # noqa: F811
    domains = agreement_domains(graph)
    assert len(domains) == 6, sorted(domains)
    assert sorted(domains.values()) == sorted(label(heading(b)) for b in bullets())
    assert domains[concept("sustainable-city")] == ("Ville durable, aménagement du territoire, urbanisme, transports "
                                                    "publics et protection des villes historiques et culturelles de "
                                                    "renom")
    for domain in domains:
        assert (domain, SKOS.inScheme, SCHEME) in graph, domain
        english = [lbl for lbl in graph.objects(domain, SKOS.prefLabel) if lbl.language == "en"]
        assert len(english) == 1, domain


def test_each_domain_is_attested_by_the_list_and_its_bullet(graph):  # noqa: F811
    expected = {label(heading(b)): b for b in bullets()}
    for domain, fr_label in agreement_domains(graph).items():
        attestations = [a for a in graph.subjects(RDF.subject, AGREEMENT)
                        if (a, RDF.predicate, CG.cooperationDomain) in graph and (a, RDF.object, domain) in graph]
        assert attestations, f"{domain} is not attested"
        quotes = {normalise(str(q)) for a in attestations for q in graph.objects(a, CG.quote)}
        assert normalise(LIST_SENTENCE) in quotes, domain
        bullet = expected[fr_label]
        assert any(q != normalise(LIST_SENTENCE) and bullet.startswith(q) for q in quotes), (domain, quotes)
        assert {d for a in attestations for d in graph.objects(a, rdflib.namespace.PROV.wasDerivedFrom)} == {DOCUMENT}


@pytest.mark.parametrize("narrower, bullet", [
    ("public-transport", "sustainable-city"),
    ("historic-city-protection", "sustainable-city"),
    ("vocational-training", "education-training-youth-languages"),
])
def test_what_a_bullet_names_is_narrower_than_the_bullet_not_a_domain(graph, narrower, bullet):  # noqa: F811
    assert (AGREEMENT, CG.cooperationDomain, concept(narrower)) not in graph
    assert (concept(narrower), SKOS.inScheme, SCHEME) in graph
    assert (concept(narrower), SKOS.broader, concept(bullet)) in graph


def test_vocational_training_stays_the_domain_of_the_train_the_trainers_programme(graph):  # noqa: F811
    assert ask(graph, "ASK { ?programme a ?kind ; cg:cooperationDomain <id/concept/vocational-training> . "
                      "FILTER (?kind IN (cg:Programme, cg:TrainingProgramme)) }")


# --------------------------------------------------------------------------- 2. the hierarchy of the scheme

BROADER = [  # (narrower, broader)
    ("economic-development-employment", "economy"),
    ("trade", "economy"),
    ("industry", "economy"),
    ("public-transport", "transport"),
    ("transport-management", "transport"),
    ("autonomous-vehicle", "transport"),
    ("public-transport", "sustainable-city"),
    ("transport-management", "sustainable-city"),
    ("urban-planning", "sustainable-city"),
    ("historic-city-protection", "sustainable-city"),
    ("climate", "environment-climate"),
    ("air-quality", "environment-climate"),
    ("scientific-cooperation", "science-technology"),
    ("physics", "science-technology"),
    ("artificial-intelligence", "science-technology"),
    ("vocational-training", "education-training-youth-languages"),
]
RELATED = [
    ("smart-city", "sustainable-city"),
    ("future-cities", "sustainable-city"),
    ("investment-attraction", "economy"),
    ("rd-partnerships", "science-technology"),
    ("hospitality-tourism", "tourism-culture-heritage-gastronomy"),
    ("hospitality-catering", "hospitality-tourism"),
    ("historic-city-protection", "tourism-culture-heritage-gastronomy"),
    ("international-mobility", "education-training-youth-languages"),
    ("international-mobility", "recruitment-talent"),
]


def domain_concepts(g: rdflib.Graph) -> set[rdflib.URIRef]:
    return set(g.subjects(SKOS.inScheme, SCHEME))


@pytest.mark.parametrize("narrower, broader", BROADER, ids=[f"{n}<{b}" for n, b in BROADER])
def test_narrower_domains_have_their_broader_one(graph, narrower, broader):  # noqa: F811
    assert (concept(narrower), SKOS.broader, concept(broader)) in graph


@pytest.mark.parametrize("one, other", RELATED, ids=[f"{a}~{b}" for a, b in RELATED])
def test_overlapping_domains_are_related_once(graph, one, other):  # noqa: F811
    a, b = concept(one), concept(other)
    stated = [(a, SKOS.related, b) in graph, (b, SKOS.related, a) in graph]
    assert stated.count(True) == 1, f"{one} ~ {other}: state skos:related once, in one direction ({stated})"


def test_only_broader_and_related_are_asserted(graph):  # noqa: F811
    """skos:narrower (and the reverse of each skos:related) are published by graph/entailed, never written."""
    assert not list(graph.triples((None, SKOS.narrower, None)))
    assert not [(a, b) for a, _, b in graph.triples((None, SKOS.related, None)) if (b, SKOS.related, a) in graph]


def test_links_stay_in_the_scheme(graph):  # noqa: F811
    concepts = domain_concepts(graph)
    for predicate in (SKOS.broader, SKOS.related):
        for a, _, b in graph.triples((None, predicate, None)):
            if a in concepts:
                assert b in concepts and (b, RDF.type, SKOS.Concept) in graph, (a, predicate, b)


def test_no_domain_is_broader_than_itself(graph):  # noqa: F811
    assert not ask(graph, "ASK { ?c skos:broader+ ?c }")
    assert not ask(graph, "ASK { ?c skos:broader ?c }")


def test_related_domains_are_not_also_in_one_line_of_the_hierarchy(graph):  # noqa: F811
    """SKOS: skos:related is disjoint with the transitive closure of skos:broader."""
    rows = select(graph, """
        SELECT ?a ?b WHERE {
            ?a skos:related ?b .
            { ?a skos:broader+ ?b } UNION { ?b skos:broader+ ?a }
        }""")
    assert not rows, rows


def test_the_top_concepts_are_the_domains_without_a_broader_one(graph):  # noqa: F811
    concepts = domain_concepts(graph)
    tops = {c for c in concepts if not any(b in concepts for b in graph.objects(c, SKOS.broader))}
    assert set(graph.subjects(SKOS.topConceptOf, SCHEME)) == tops
    assert set(graph.objects(SCHEME, SKOS.hasTopConcept)) == tops
    assert {concept(s) for s in ("economy", "transport", "sustainable-city", "science-technology", "health",
                                 "environment-climate")} <= tops


# --------------------------------------------------------------------------- 3. asking through the hierarchy


def test_broader_star_from_transport_finds_everything_on_transport(graph):  # noqa: F811
    rows = select(graph, """
        SELECT DISTINCT ?x WHERE { ?x cg:cooperationDomain/skos:broader* <id/concept/transport> }""")
    found = {row["x"] for row in rows}
    assert {ID["agreement/idf-beijing-joint-action-plan-2018"], ID["programme/chaire-villes-du-futur"]} <= found
    assert AGREEMENT not in found  # its fifth domain is broader than public transport, not narrower than transport


def test_the_agreements_whose_domains_include_public_transport(graph):  # noqa: F811
    rows = select(graph, """
        SELECT DISTINCT ?agreement WHERE {
            <id/concept/public-transport> skos:broader* ?domain .
            ?agreement a ?kind ; cg:cooperationDomain ?domain .
            FILTER (STRSTARTS(STR(?agreement), STR(<id/agreement/>)))
        }""")
    assert {AGREEMENT, ID["agreement/idf-beijing-joint-action-plan-2018"]} <= {row["agreement"] for row in rows}


# --------------------------------------------------------------------------- 4. the shapes


BAD_HIERARCHY = """
@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
<id/concept/health> skos:broader <id/territory/zhejiang> .
<id/concept/physics> skos:related <id/concept/population> .
<id/concept/economy> skos:broader <id/concept/trade> .
"""


def test_the_shapes_catch_a_link_out_of_the_scheme_and_a_cycle(tmp_path):
    """The real data plus three bad links, validated as `coopgraph validate` does."""
    for path in DATA.glob("*.ttl"):
        shutil.copy(path, tmp_path / path.name)
    (tmp_path / "zz-bad-hierarchy.ttl").write_text(BAD_HIERARCHY, encoding="utf-8")
    report = validate(Settings(root=ROOT, data_dir=tmp_path))
    found = {(r.focus_node, r.path, r.value, r.source_shape) for r in report.violations
             if r.source_shape in {"shp:ConceptLinkInSchemeShape", "shp:BroaderCycleShape"}}
    assert found == {
        ("<id/concept/health>", "skos:broader", "<id/territory/zhejiang>", "shp:ConceptLinkInSchemeShape"),
        ("<id/concept/physics>", "skos:related", "<id/concept/population>", "shp:ConceptLinkInSchemeShape"),
        ("<id/concept/economy>", "skos:broader", "<id/concept/trade>", "shp:BroaderCycleShape"),
        ("<id/concept/trade>", "skos:broader", "<id/concept/economy>", "shp:BroaderCycleShape"),
    }, sorted(found)

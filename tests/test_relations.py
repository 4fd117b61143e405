"""One property per relation, in one direction (issue 14), checked on the curated data (data/*.ttl, with the ontology
where a question needs the class hierarchy), each with the SPARQL a newcomer to the dataset would write:

1. an event and a programme are linked from the event only, with cg:relatedProgramme: no dcterms:relation between
   them, either way, and every such link is attested;
2. the Comité des Territoires' workshops and committees are its meetings (cg:meetingOf), and it is no participant of
   them;
3. those who receive a delegation are its hosts (cg:host), not its organisers;
4. an agenda is data (cg:agenda, attested by the source's words), not a comment;
5. the shapes reject a plain dcterms:relation between an event and a programme (the publisher's own validation).
"""

from __future__ import annotations

import shutil

import pytest
import rdflib
from rdflib.collection import Collection
from rdflib.namespace import OWL, PROV, RDF, RDFS

from server.settings import Settings
from server.validation import validate
from tests.test_data import DATA, ROOT, graph, normalise, seed_texts  # noqa: F401 (graph: the module's fixture)
from tests.test_data_corrections import CG, COMITE, DECEMBER_COMMITTEE, ID, ask, dataset, ontology, select  # noqa: F401

SCHEMA = rdflib.Namespace("http://schema.org/")
DELEGATION_2019 = ID["event/zhengzhou-delegation-amiens-2019"]
HOSTS_2019 = {ID["person/armand-mazloumian"], ID["person/pascal-fradcourt"], ID["person/frederic-lajoux"]}
# The text (document 003): 4 workshops, 2 steering and 4 technical committees in 2019, and the technical committee of
# 4 December 2019 it reports on; every one a meeting of the Comité des Territoires.
COMITE_MEETINGS = {ID[f"event/{slug}"] for slug in (
    "workshop-hotellerie-tourisme", "workshop-mobilite-internationale", "workshop-rd-partenariats", "workshop-industrie",
    "comite-des-territoires-steering-committee-2019-05", "comite-des-territoires-steering-committee-2019-11",
    "comite-des-territoires-technical-committee-2019-02", "comite-des-territoires-technical-committee-2019-04",
    "comite-des-territoires-technical-committee-2019-06", "comite-des-territoires-technical-committee-2019-10",
    "comite-des-territoires-technical-committee-2019-12-04",
)}
# Links the data had the wrong way round or as a plain dcterms:relation, each now event -> programme.
RELATED_PROGRAMMES = [
    ("event/cop-regionale-climat-2020", "programme/zhejiang-climate-strategy"),
    ("event/comite-des-territoires-technical-committee-2019-12-04", "programme/choose-paris-region-marketing-communication-plan"),
    ("event/comite-des-territoires-steering-committee-2019-11", "programme/comite-des-territoires-joint-action-plan-2021"),
    ("event/meeting-cci-amiens-picardie-2019-08-26", "programme/belt-and-road-initiative"),
    *((f"event/{slug}", "programme/regional-investment-service-offer") for slug in (
        "workshop-hotellerie-tourisme", "workshop-mobilite-internationale", "workshop-rd-partenariats", "workshop-industrie")),
]


# --------------------------------------------------------------------------- 1. events -> programmes


def test_no_dcterms_relation_between_an_event_and_a_programme(dataset):  # noqa: F811
    rows = select(dataset, """
        SELECT ?from ?to WHERE {
            { ?from a/rdfs:subClassOf* cg:Event . ?to a/rdfs:subClassOf* cg:Programme . }
            UNION
            { ?from a/rdfs:subClassOf* cg:Programme . ?to a/rdfs:subClassOf* cg:Event . }
            ?from dcterms:relation ?to .
        }""")
    assert [(str(row["from"]), str(row["to"])) for row in rows] == []


def test_every_link_between_an_event_and_a_programme_is_cg_related_programme_from_the_event(dataset):  # noqa: F811
    rows = select(dataset, """
        SELECT ?from ?link ?to WHERE {
            { ?from a/rdfs:subClassOf* cg:Event . ?to a/rdfs:subClassOf* cg:Programme .
              ?from ?link ?to . FILTER (?link != cg:relatedProgramme) }
            UNION
            { ?from a/rdfs:subClassOf* cg:Programme . ?to a/rdfs:subClassOf* cg:Event . ?from ?link ?to . }
        }""")
    assert [(str(row["from"]), str(row["link"]), str(row["to"])) for row in rows] == []


@pytest.mark.parametrize("event, programme", RELATED_PROGRAMMES, ids=[e.rsplit("/", 1)[-1] for e, _ in RELATED_PROGRAMMES])
def test_the_moved_links_are_cg_related_programme(graph, event, programme):  # noqa: F811
    assert (ID[event], CG.relatedProgramme, ID[programme]) in graph
    assert (ID[programme], rdflib.DCTERMS.relation, ID[event]) not in graph


def test_every_related_programme_is_a_programme_and_attested(dataset):  # noqa: F811
    rows = select(dataset, """
        SELECT ?event ?programme ?isProgramme (COUNT(?quote) AS ?quotes) WHERE {
            ?event cg:relatedProgramme ?programme .
            BIND (EXISTS { ?programme a/rdfs:subClassOf* cg:Programme } AS ?isProgramme)
            OPTIONAL { ?attestation a cg:Attestation ; rdf:subject ?event ; rdf:predicate cg:relatedProgramme ;
                                    rdf:object ?programme ; cg:quote ?quote }
        } GROUP BY ?event ?programme ?isProgramme""")
    assert len(rows) >= len(RELATED_PROGRAMMES)
    wrong = [(str(row["event"]), str(row["programme"])) for row in rows
             if not row["isProgramme"].toPython() or row["quotes"].toPython() == 0]
    assert wrong == []


def test_the_ontology_declares_cg_related_programme(ontology):  # noqa: F811
    assert (CG.relatedProgramme, RDFS.subPropertyOf, rdflib.DCTERMS.relation) in ontology
    assert (CG.relatedProgramme, RDFS.domain, CG.Event) in ontology
    assert (CG.relatedProgramme, RDFS.range, CG.Programme) in ontology


# --------------------------------------------------------------------------- 2. the Comité des Territoires' meetings


def test_every_meeting_of_the_comite_is_its_meeting_and_none_has_it_as_participant(graph):  # noqa: F811
    rows = select(graph, "SELECT ?meeting WHERE { ?meeting cg:meetingOf <id/organisation/comite-des-territoires> }")
    assert {row["meeting"] for row in rows} == COMITE_MEETINGS
    assert not ask(graph, "ASK { ?event cg:participant <id/organisation/comite-des-territoires> }")
    assert not ask(graph, "ASK { ?event dcterms:relation <id/organisation/comite-des-territoires> }")
    # every workshop or committee meeting the data names after the Comité is among them
    named = select(graph, """
        SELECT DISTINCT ?meeting WHERE {
            VALUES ?kind { cg:CommitteeMeeting cg:Workshop }
            ?meeting a ?kind ; rdfs:label ?label .
            FILTER (CONTAINS(STR(?label), "Comité des Territoires"))
        }""")
    assert {row["meeting"] for row in named} == COMITE_MEETINGS


def test_meeting_of_is_declared_with_its_inverse_but_the_inverse_is_never_asserted(graph, ontology):  # noqa: F811
    assert (CG.meetingOf, RDFS.range, rdflib.URIRef("http://www.w3.org/ns/org#Organization")) in ontology
    assert (CG.meetingOf, OWL.inverseOf, CG.hasMeeting) in ontology
    assert {label.language for label in ontology.objects(CG.hasMeeting, RDFS.label)} == {"fr", "en", "zh"}
    assert not list(graph.triples((None, CG.hasMeeting, None)))


def test_the_december_committee_is_a_meeting_of_the_comite_by_the_text(graph):  # noqa: F811
    assert ask(graph, f"""
        ASK {{ ?attestation rdf:subject <{DECEMBER_COMMITTEE}> ; rdf:predicate cg:meetingOf ; rdf:object <{COMITE}> ;
                            cg:quote ?quote .
               FILTER (CONTAINS(STR(?quote), "dernier comité technique de 2019 du Comité des Territoires")) }}""")


# --------------------------------------------------------------------------- 3. hosts of a delegation


def test_the_2019_amiens_delegation_is_hosted_not_organised_by_mazloumian_fradcourt_and_lajoux(graph):  # noqa: F811
    assert set(graph.objects(DELEGATION_2019, CG.host)) == HOSTS_2019
    assert not set(graph.objects(DELEGATION_2019, SCHEMA.organizer))
    for host in HOSTS_2019:
        quotes = [str(graph.value(a, CG.quote)) for a in graph.subjects(RDF.subject, DELEGATION_2019)
                  if graph.value(a, RDF.predicate) == CG.host and graph.value(a, RDF.object) == host]
        assert quotes and all("reçoivent du 25 au 27 août une délégation" in q for q in quotes), host
    assert not ask(graph, f"ASK {{ ?a rdf:subject <{DELEGATION_2019}> ; rdf:predicate schema:organizer }}")


def test_cg_host_is_for_events_too(ontology):  # noqa: F811
    domain = ontology.value(CG.host, RDFS.domain)
    members = set(Collection(ontology, ontology.value(domain, OWL.unionOf)))
    assert {CG.Event, CG.Programme} <= members


# --------------------------------------------------------------------------- 4. agendas are data


def test_the_december_committee_agenda_is_data_attested_verbatim(graph):  # noqa: F811
    agenda = {str(item) for item in graph.objects(DECEMBER_COMMITTEE, CG.agenda)}
    assert agenda == {"Un premier bilan de l’avancée des 13 actions lancées en commun",
                      "Le plan d’action Marketing /communication de Choose Paris Region",
                      "Attirer ensemble des projets industriels"}
    assert all(item.language == "fr" for item in graph.objects(DECEMBER_COMMITTEE, CG.agenda))
    texts = seed_texts(graph)
    for item in graph.objects(DECEMBER_COMMITTEE, CG.agenda):
        attestations = [a for a in graph.subjects(RDF.subject, DECEMBER_COMMITTEE)
                        if graph.value(a, RDF.predicate) == CG.agenda and graph.value(a, RDF.object) == item]
        assert len(attestations) == 1, item
        quote = normalise(str(graph.value(attestations[0], CG.quote)))
        document = graph.value(attestations[0], PROV.wasDerivedFrom)
        assert quote in texts[document], item
        assert normalise(str(item)) in quote, item  # in the source's words


def test_no_comment_holds_an_agenda(graph):  # noqa: F811
    comments = [str(c) for c in graph.objects(None, RDFS.comment)]
    assert [c for c in comments if c.startswith(("Agenda:", "Ordre du jour"))] == []


# --------------------------------------------------------------------------- 5. the shapes


@pytest.fixture(scope="module")
def data_with_relations(tmp_path_factory):
    """A copy of the data with a plain dcterms:relation from an event to a programme, one from a programme to an
    event, and the dcterms:relation a cg:relatedProgramme entails."""
    folder = tmp_path_factory.mktemp("relations") / "data"
    shutil.copytree(DATA, folder, ignore=shutil.ignore_patterns("sources"))
    (folder / "regression.ttl").write_text(
        "@prefix dcterms: <http://purl.org/dc/terms/> .\n"
        "<id/event/workshop-industrie> dcterms:relation <id/programme/comite-des-territoires-13-joint-actions> .\n"
        "<id/programme/zhejiang-climate-strategy> dcterms:relation <id/event/cop-regionale-climat-2020> .\n"
        # what graph/entailed publishes for every cg:relatedProgramme (its super-property): not a plain relation
        "<id/event/workshop-rd-partenariats> dcterms:relation <id/programme/regional-investment-service-offer> .\n",
        encoding="utf-8")
    return folder


def _relation_violations(report):
    return {(r.focus_node, r.value) for r in report.violations if r.path == "dcterms:relation"}


def test_the_shapes_reject_a_plain_relation_between_an_event_and_a_programme(data_with_relations):
    report = validate(Settings(root=ROOT, data_dir=data_with_relations))
    assert not report.conforms
    assert _relation_violations(report) == {
        ("<id/event/workshop-industrie>", "<id/programme/comite-des-territoires-13-joint-actions>"),
        ("<id/programme/zhejiang-climate-strategy>", "<id/event/cop-regionale-climat-2020>"),
    }
    assert all("cg:relatedProgramme" in r.message for r in report.violations if r.path == "dcterms:relation")


def test_the_published_data_has_no_such_violation():
    report = validate(Settings(root=ROOT))
    assert _relation_violations(report) == set()
    assert report.conforms, report.text()

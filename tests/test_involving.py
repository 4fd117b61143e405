"""Territory, organisation and person pages answer "which agreements, events and programmes involve this?",
through parties based in a place, units of an organisation, posts held by signatories and participants,
meetings of a committee, each with the path in words (server/involving.py, server/queries/involving.rq),
in English, French and Chinese; the same question is competency query 47 on the SPARQL page."""

from __future__ import annotations

import html
import re

import pytest

from conftest import FIXTURES, PROJECT_ROOT
from server import create_app
from server.settings import Settings
from server.store import MemoryStore
from tests.competency import QUERIES

BASE = "http://127.0.0.1:8000/"


@pytest.fixture(scope="module")
def app(tmp_path_factory):
    return create_app(Settings(root=PROJECT_ROOT, var_dir=tmp_path_factory.mktemp("involving-var")))


@pytest.fixture(scope="module")
def client(app):
    return app.test_client()


def section(client, path: str) -> str | None:
    """The "Involved in" section of a page, or None."""
    response = client.get(path)
    assert response.status_code == 200, path
    page = response.get_data(as_text=True)
    found = re.search(r'<section class="involving" id="involving">(.*?)</section>', page, re.DOTALL)
    return found.group(1) if found else None


def text(fragment: str) -> str:
    return html.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", fragment))).strip()


def groups(client, path: str) -> dict[str, dict[str, list[str]]]:
    """{group class: {link of a thing: [its paths, as text]}}."""
    found = section(client, path)
    assert found is not None, f"{path} has no Involved in section"
    result = {}
    for kind, items in re.findall(r'<ul class="involving-(\w+)">(.*?)\n    </ul>', found, re.DOTALL):
        things = {}
        for href, paths in re.findall(r'<li><a href="([^"]+)">.*?</a>\s*<ul class="paths">(.*?)</ul>', items, re.DOTALL):
            things[href] = [text(path) for path in re.findall(r"<li>(.*?)</li>", paths, re.DOTALL)]
        result[kind] = things
    return result


# Checked by hand against data/agreements.ttl and data/organisations.ttl: the three agreements that name
# Zhejiang (cg:concernsTerritory, cg:signingPlace), and the two reached through a party: Zhejiang University
# (cg:basedIn Zhejiang; its framework agreement with Paris-Saclay was also signed in Hangzhou, in Zhejiang)
# and Alibaba (cg:headquarteredIn Zhejiang: "La province du Zhejiang, qui héberge les sièges d'entreprises comme
# Alibaba ou Geely", document 000), party to the CRT's partnership (document 002).
ZHEJIANG_AGREEMENTS = {
    "/id/agreement/idf-zhejiang-2018": ["territory concerned: Zhejiang"],
    "/id/agreement/crt-zhejiang-tourism-partnership": ["territory concerned: Zhejiang"],
    "/id/agreement/choose-paris-region-ziipc-mou-2021": ["signed in Zhejiang", "territory concerned: Zhejiang"],
    "/id/agreement/paris-saclay-zhejiang-university-2018": ["party: Zhejiang University, based in Zhejiang",
                                                            "signed in Hangzhou, in Zhejiang"],
    "/id/agreement/crt-alibaba-partnership": ["party: Alibaba, headquartered in Zhejiang"],
}


def test_the_zhejiang_page_lists_the_five_agreements_involving_zhejiang_with_their_paths(client):
    agreements = groups(client, "/doc/territory/zhejiang.html")["agreements"]
    assert {href: sorted(paths) for href, paths in agreements.items()} == ZHEJIANG_AGREEMENTS


def test_the_paths_link_what_they_go_through(client):
    found = section(client, "/doc/territory/zhejiang.html")
    assert ('party: <a href="/id/organisation/zhejiang-university">Zhejiang University</a>, based in '
            '<span class="here">Zhejiang</span>') in found
    assert ('host: <a href="/id/product/fliggy">Fliggy</a>, a product of <a href="/id/organisation/alibaba">Alibaba</a>'
            ', headquartered in <span class="here">Zhejiang</span>') in found


def test_events_and_programmes_are_reached_the_same_ways(client):
    found = groups(client, "/doc/territory/zhejiang.html")
    events, programmes = found["events"], found["programmes"]
    assert events["/id/event/cop-regionale-climat-2020"] == [
        "participant: Zhejiang Provincial Government, which governs Zhejiang"]
    assert events["/id/event/visit-ambassador-zhejiang-2021"] == ["held at Zhejiang"]
    assert programmes["/id/programme/villes-du-futur-research-laboratory"] == [
        'host: New "université centrale Pékin" in Hangzhou (as named in the source), based in Hangzhou, in Zhejiang']
    assert "/id/event/zhengzhou-delegation-amiens-2019" not in events


def test_the_page_and_competency_query_47_agree(client):
    store = MemoryStore.from_sources(Settings(root=PROJECT_ROOT))
    query = (QUERIES / "47-everything-involving-zhejiang.rq").read_text(encoding="utf-8")
    answered = {row["thing"].value[len(BASE) - 1:] for row in store.query(query)}
    shown = {href for things in groups(client, "/doc/territory/zhejiang.html").values() for href in things}
    assert shown == answered


def test_the_comite_des_territoires_page_lists_its_meetings(client):
    store = MemoryStore.from_sources(Settings(root=PROJECT_ROOT))
    meetings = {row["e"].value[len(BASE) - 1:] for row in store.query(
        "PREFIX cg: <def#> SELECT ?e WHERE { ?e cg:meetingOf <id/organisation/comite-des-territoires> }")}
    assert len(meetings) >= 10
    events = groups(client, "/doc/organisation/comite-des-territoires.html")["events"]
    for meeting in meetings:
        assert events[meeting] == ["meeting of Comité des Territoires (Committee of the Territories)"]
    assert events["/id/event/launch-comite-des-territoires-2019"] == [
        "created Comité des Territoires (Committee of the Territories)"]


def test_an_organisation_page_lists_what_its_units_and_sub_organisations_take_part_in(client):
    # The Maison de l'Île-de-France is a unit (org:unitOf) of the Cité internationale universitaire de Paris.
    programmes = groups(client, "/doc/organisation/cite-internationale-universitaire-paris.html")["programmes"]
    assert programmes["/id/programme/zhejiang-students-at-maison-ile-de-france"] == [
        "host: Maison de l’Île-de-France at the Cité internationale universitaire de Paris, "
        "a unit of Cité internationale universitaire de Paris"]
    # eZyness is a sub-organisation of La Banque Postale, where the delegation's host held a post.
    events = groups(client, "/doc/organisation/la-banque-postale.html")["events"]
    assert events["/id/event/zhengzhou-delegation-amiens-2019"] == [
        "host: Armand Mazloumian, Head of Business and Strategic Partnership Europe at eZyness, "
        "a post in eZyness, part of La Banque Postale"]


def test_signatories_and_participants_lead_to_their_organisation(client):
    found = groups(client, "/doc/organisation/region-ile-de-france.html")
    assert sorted(found["agreements"]["/id/agreement/idf-zhejiang-2018"]) == [
        "party: Île-de-France Region", "signed on behalf of Île-de-France Region"]
    assert found["events"]["/id/event/comite-des-territoires-steering-committee-2019-05"] == [
        "participant: Valérie Pécresse, President of the Île-de-France Region, a post in Île-de-France Region"]


def test_a_person_page_lists_what_they_signed_and_attended(client):
    found = groups(client, "/doc/person/valerie-pecresse.html")
    assert found["agreements"] == {"/id/agreement/idf-zhejiang-2018": ["signed by Valérie Pécresse"]}
    assert found["events"]["/id/event/signing-idf-zhejiang-2018"] == ["participant: Valérie Pécresse"]


def test_other_pages_have_no_such_section(client):
    assert section(client, "/doc/agreement/idf-zhejiang-2018.html") is None
    assert section(client, "/doc/event/signing-idf-zhejiang-2018.html") is None


@pytest.mark.parametrize("language, heading, words", [
    ("en", "Involved in", ["Agreements (5)", "party: Zhejiang University, based in Zhejiang",
                           "party: Alibaba, headquartered in Zhejiang", "signed in Hangzhou, in Zhejiang"]),
    ("fr", "Ce qui l’implique", ["Accords (5)", "partie : Université du Zhejiang, implantation : Zhejiang",
                                 "partie : Alibaba, siège : Zhejiang",
                                 "lieu de signature : Hangzhou, qui fait partie de Zhejiang"]),
    ("zh", "相关协议、活动与项目", ["协议 (5)", "缔约方：浙江大学，位于浙江省", "缔约方：阿里巴巴，总部位于浙江省",
                                  "签署地点：杭州市，位于浙江省"]),
])
def test_the_section_speaks_the_reader_s_language(client, language, heading, words):
    found = text(section(client, f"/doc/territory/zhejiang.html?lang={language}"))
    assert found.startswith(heading)
    for phrase in words:
        assert phrase in found, phrase


def test_the_section_is_kept_per_dataset_version(app, client, monkeypatch):
    store = app.extensions["coopgraph"].dataset.store
    calls = []
    original = store.run_file

    def counting(name, **bindings):
        calls.append(name)
        return original(name, **bindings)

    monkeypatch.setattr(store, "run_file", counting)
    for language in ("en", "fr", "zh", "en"):
        assert section(client, f"/doc/territory/hangzhou.html?lang={language}") is not None
    assert calls.count("involving") == 1, "built once, whatever the language"


def test_markup_in_the_data_stays_text(tmp_path):
    # The fixture's Paris is a party of an agreement whose English name is a script.
    client = create_app(Settings(root=FIXTURES / "entities", var_dir=tmp_path)).test_client()
    found = section(client, "/doc/territory/paris.html")
    assert found is not None
    assert "&lt;script&gt;alert(&#39;label&#39;)&lt;/script&gt; pact" in found
    assert "<script" not in found.lower()
    assert 'party: <span class="here">Paris</span>' in found

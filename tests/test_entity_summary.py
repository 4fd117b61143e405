"""Entity pages a journalist can quote, on the real data in English, French and Chinese: the sentence at the top
that says what the thing is (server/summary.py, `summary_<kind>` in the locales, clauses without values
dropped), notices of the contradictions and ambiguities recorded about it, attestations named by what they
claim (never by their slug) on their own pages and in every sources section, each linked to its passage in the
served source text."""

from __future__ import annotations

import html as html_module
import re

import pytest
from pyoxigraph import NamedNode, Variable

from conftest import PROJECT_ROOT

LANGUAGES = ("en", "fr", "zh")
BASE = "http://127.0.0.1:8000/"


@pytest.fixture(scope="module")
def app(tmp_path_factory):
    from server import create_app
    from server.settings import Settings

    return create_app(Settings(root=PROJECT_ROOT, var_dir=tmp_path_factory.mktemp("summary-var")))


@pytest.fixture(scope="module")
def client(app):
    return app.test_client()


@pytest.fixture(scope="module")
def store(app):
    from server.state import app_state

    return app_state(app).dataset.store


def page(client, path: str, language: str) -> str:
    response = client.get(f"{path}?lang={language}")
    assert response.status_code == 200, path
    return response.get_data(as_text=True)


def words(fragment: str) -> str:
    """What a reader reads of some HTML: the text, tags dropped, entities decoded."""
    return html_module.unescape(re.sub(r"<[^>]+>", "", fragment))


def summary(html: str) -> str:
    found = re.search(r'<p class="lead summary">(.*?)</p>', html, re.DOTALL)
    assert found, "the page has no summary"
    return found.group(1)


def after_h1(html: str) -> str:
    """The page from its h1 on."""
    return html[html.index("<h1"):]


# --- the summary ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("language, said", [
    ("en", ("signed on 14 June 2018 in Hangzhou by Valérie Pécresse (President of the Île-de-France Region) and "
            "Yuan Jiajun (Governor of Zhejiang Province).", "Duration: 10 years.",
            "between Île-de-France Region and Zhejiang Provincial Government", "Status: signed.",
            "Domains: Economic development and employment, ")),
    ("fr", ("signé le 14 juin 2018 à Hangzhou par Valérie Pécresse (Président de la Région Île-de-France) et Yuan "
            "Jiajun (Gouverneur de la province du Zhejiang).", "Durée : 10 ans.",
            "entre Gouvernement de la province du Zhejiang et Région Île-de-France", "Statut : signé.",
            "Domaines : Développement économique et emploi, ")),
    ("zh", ("于2018年6月14日在杭州市由Valérie Pécresse（President of the Île-de-France Region）和袁家军（Governor of "
            "Zhejiang Province）签署。", "有效期：10年。", "Île-de-France Region和Zhejiang Provincial Government之间的",
            "合作领域：Economic development and employment、")),
])
def test_an_agreement_says_its_parties_signatories_date_place_status_duration_and_domains(client, language, said):
    html = page(client, "/doc/agreement/idf-zhejiang-2018.html", language)
    sentence = summary(html)
    for part in said:
        assert part in words(sentence), (language, part, words(sentence))
    # It comes right after the h1, and its names link to their pages (keeping the reader's language).
    assert re.search(r"</h1>\s*<p class=\"lead summary\">", html)
    assert re.search(rf'<a href="/id/person/valerie-pecresse\?lang={language}"( lang="\w+")?>Valérie Pécresse</a>',
                     sentence)
    assert '<time datetime="2018-06-14"' in sentence and '<data value="P10Y"' in sentence


@pytest.mark.parametrize("language, said, unsaid", [
    ("en", "signed in 1987. Status: signed.", (" by ", "Duration", "Hangzhou")),
    ("fr", "signé en 1987. Statut : signé.", (" par ", "Durée")),
    ("zh", "于1987年签署。状态：", ("由", "有效期")),
])
def test_clauses_the_data_has_no_values_for_are_left_out(client, language, said, unsaid):
    sentence = words(summary(page(client, "/doc/agreement/idf-beijing-1987.html", language)))
    assert said in sentence
    for part in unsaid:
        assert part not in sentence, (part, sentence)


@pytest.mark.parametrize("path, said", [
    ("/doc/event/meeting-cci-amiens-picardie-2019-08-26.html", {
        "en": ("on 26 August 2019 at ", " with ", "Fany Ruin", "Status: planned."),
        "fr": ("le 26 août 2019 à ", " avec ", "Fany Ruin", "Statut : prévu."),
        "zh": ("于2019年8月26日在", "举行的", "参加者：", "Fany Ruin", "状态：")}),
    ("/doc/organisation/comite-des-territoires.html", {
        "en": ("based in Île-de-France", "founded on 20 March 2019", "by Choose Paris Region"),
        "fr": ("implantation : Île-de-France", "fondation le 20 mars 2019", "par Choose Paris Region"),
        "zh": ("位于", "于2019年3月20日", "由Choose Paris Region成立")}),
    ("/doc/territory/zhejiang.html", {
        "en": ("in China and ", "governed by Zhejiang Provincial Government."),
        "fr": ("dans : Chine et ", "administration : Gouvernement de la province du Zhejiang."),
        "zh": ("位于中国和", "管辖。")}),
    ("/doc/person/valerie-pecresse.html", {
        "en": ("President of the Île-de-France Region, in post on 14 June 2018",),
        "fr": ("Président de la Région Île-de-France, en poste le 14 juin 2018",),
        "zh": ("President of the Île-de-France Region，于2018年6月14日",)}),
    ("/doc/programme/chaire-villes-du-futur.html", {
        "en": ("funded by ", "Île-de-France Region", "starting in 2019", "implementing "),
        "fr": ("financement : ", "Région Île-de-France", "début en 2019", "mise en œuvre de : "),
        "zh": ("资助方：", "于2019年启动", "落实")}),
    ("/doc/document/idf-zhejiang-agreement-signature-2018.html", {
        "en": ("“Signature d’un accord de coopération entre la Région Île-de-France et la Province du Zhejiang”",
               "dated 14 June 2018", "in French."),
        "fr": ("« Signature d’un accord de coopération entre la Région Île-de-France et la Province du Zhejiang »",
               "(14 juin 2018", "en français."),
        "zh": ("《Signature d’un accord de coopération entre la Région Île-de-France et la Province du Zhejiang》",
               "日期：2018年6月14日", "语言：法语。")}),
    ("/doc/figure/beijing-population.html", {
        "en": (": 21,900,000 (person).",), "fr": (" : 21\u202f900\u202f000 (personne).",),
        "zh": ("：21,900,000（person）。",)}),
    ("/doc/figure/zhejiang-share-of-idf-chinese.html", {
        "en": ("at least 50%",), "fr": ("au moins 50\u00a0%",), "zh": ("至少50%",)}),
    ("/doc/figure/chinese-diaspora-in-france.html", {
        "en": ("between 600,000 and 700,000", "(estimate)"), "fr": ("entre 600\u202f000 et 700\u202f000", "(estimation)"),
        "zh": ("600,000至700,000", "（估计值）")}),
])
@pytest.mark.parametrize("language", LANGUAGES)
def test_each_kind_says_what_it_is_in_each_language(client, path, said, language):
    sentence = words(summary(page(client, path, language)))
    for part in said[language]:
        assert part in sentence, (path, language, part, sentence)


@pytest.mark.parametrize("language, mark", [("en", "inferred"), ("fr", "déduit"), ("zh", "推断")])
def test_an_inferred_value_is_marked_in_the_summary_too(client, language, mark):
    sentence = summary(page(client, "/doc/person/valerie-pecresse.html", language))
    assert re.search(rf'<time datetime="2018-06-14"[^>]*>[^<]+</time> <small class="tag inferred" title="[^"]+">{mark}</small>',
                     sentence)


def test_an_attestation_has_no_summary_but_what_it_supports(client):
    html = page(client, "/doc/attestation/idf-zhejiang-2018-date.html", "en")
    assert 'class="lead summary"' not in html and '<section class="statement"' in html


# --- attestations ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("language, title, claim", [
    ("en", "In the sources: Cooperation agreement between the Île-de-France Region and Zhejiang Province (2018) was "
           "signed on 14 June 2018", "Supports: Cooperation agreement between the Île-de-France Region and Zhejiang "
                                     "Province (2018) was signed on 14 June 2018"),
    ("fr", "Dans les sources : Accord de coopération entre la Région Île-de-France et la province du Zhejiang (2018) : "
           "signature le 14 juin 2018", "Étaye : Accord de coopération entre la Région Île-de-France et la province "
                                        "du Zhejiang (2018) : signature le 14 juin 2018"),
    ("zh", "来源记载：Cooperation agreement between the Île-de-France Region and Zhejiang Province (2018)于2018年6月14日签署",
     "支持： Cooperation agreement between the Île-de-France Region and Zhejiang Province (2018)于2018年6月14日签署"),
])
def test_an_attestations_page_shows_its_quote_and_what_it_supports_in_words(client, language, title, claim):
    html = page(client, "/doc/attestation/idf-zhejiang-2018-date.html", language)
    h1 = words(re.search(r"<h1[^>]*>(.*?)</h1>", html, re.DOTALL).group(1))
    assert h1 == title and "idf-zhejiang-2018-date" not in h1
    statement = re.search(r'<section class="statement"[^>]*>(.*?)</section>', html, re.DOTALL).group(1)
    assert re.sub(r"\s+", " ", words(re.search(r'<p class="claim">(.*?)</p>', statement, re.DOTALL).group(1))).strip() == claim
    # The source's own words come first, in their language, with their passage in the served text.
    passage = f"/sources/idf-web-beijing-zhejiang.html?lang={language}#idf-zhejiang-2018-date"
    assert statement.index("<blockquote") < statement.index('<p class="claim">')
    assert (f'<blockquote lang="fr" cite="{passage}"><p>Le 14 juin 2018, la Région a signé un accord de coopération '
            f'avec la province du Zhejiang.</p></blockquote>') in statement
    assert f'<a class="passage" href="{passage}">' in statement


def test_an_inferred_attestation_says_so_and_how(client):
    html = page(client, "/doc/attestation/document-001-date.html", "en")
    statement = re.search(r'<section class="statement"[^>]*>(.*?)</section>', html, re.DOTALL).group(1)
    assert re.search(r'>14 June 2018</time> <small class="tag inferred" title="The text is undated[^"]*">inferred</small>',
                     statement)
    assert "inference note" in statement and ">yes<" not in statement and ">true<" not in statement


ATTESTATION_LINK = re.compile(r'<a href="/id/attestation/([a-z0-9-]+)(?:\?lang=\w+)?"[^>]*>([^<]*)</a>')


@pytest.mark.parametrize("path", ["/doc/issue/amiens-cluster-president.html",
                                  "/doc/document/idf-web-beijing-zhejiang.html"])
@pytest.mark.parametrize("language", LANGUAGES)
def test_attestations_listed_on_a_page_are_named_by_their_claims(client, path, language):
    html = page(client, path, language)
    links = ATTESTATION_LINK.findall(after_h1(html))
    assert len(links) >= 2, path
    for slug, text in links:
        assert text and text != slug and slug not in text, (slug, text)
    if path.startswith("/doc/issue/"):
        claims = {"en": "holds the post of", "fr": "occupe le poste", "zh": "担任"}[language]
        assert any(claims in html_module.unescape(text) for _, text in links)


@pytest.mark.parametrize("language, supports, claim", [
    ("en", "Supports:", "was signed on 14 June 2018"), ("fr", "Étaye :", "signature le 14 juin 2018"),
    ("zh", "支持：", "于2018年6月14日签署")])
def test_the_sources_section_says_what_each_attestation_supports(client, language, supports, claim):
    html = page(client, "/doc/agreement/idf-zhejiang-2018.html", language)
    section = re.search(r'<section class="sources" id="sources">(.*?)</section>', html, re.DOTALL).group(1)
    sources = re.findall(r'<div class="source">(.*?)</div>', section, re.DOTALL)
    assert len(sources) >= 10
    for source in sources:
        assert f"<strong>{supports}</strong>" in source and "<blockquote" in source
        said = words(re.search(r'<p class="claim">(.*?)</p>', source, re.DOTALL).group(1))
        assert not re.search(r"idf-zhejiang-2018-[a-z]", said), said
    assert any(claim in words(source) for source in sources)


@pytest.mark.parametrize("path", ["/doc/agreement/idf-zhejiang-2018.html", "/doc/post/governor-of-zhejiang.html",
                                  "/doc/figure/beijing-population.html", "/doc/attestation/idf-zhejiang-2018-date.html",
                                  "/doc/event/meeting-cci-amiens-picardie-2019-08-26.html"])
def test_every_quote_links_to_its_passage_in_the_served_text(client, path):
    html = page(client, path, "en")
    quotes = re.findall(r'<blockquote lang="fr"(?: cite="([^"]*)")?>', html)
    assert quotes, path
    assert all(quotes), f"{path}: a quote without its passage"
    passages = set(re.findall(r'<a class="passage" href="([^"]+)">', html))
    assert set(quotes) <= passages, "each quote's passage is also a link a reader can follow"
    texts: dict[str, str] = {}
    for passage in passages:
        text_path, _, anchor = passage.partition("#")
        if text_path not in texts:
            texts[text_path] = client.get(text_path).get_data(as_text=True)
        assert f'id="{anchor}"' in texts[text_path], passage


def test_every_attestations_page_links_to_its_passage(client, store):
    rows = store.query("PREFIX cg: <def#> SELECT DISTINCT ?a WHERE { ?a a cg:Attestation ; cg:quote ?q }")
    attestations = sorted(row["a"].value[len(BASE + "id/attestation/"):] for row in rows)
    assert len(attestations) > 100
    texts: dict[str, str] = {}
    for slug in attestations:
        html = page(client, f"/doc/attestation/{slug}.html", "en")
        statement = re.search(r'<section class="statement"[^>]*>(.*?)</section>', html, re.DOTALL)
        assert statement, slug
        passage = re.search(r'<a class="passage" href="(/sources/[^"#]+)#([^"]+)">', statement.group(1))
        assert passage and passage.group(2) == slug, slug
        if passage.group(1) not in texts:
            texts[passage.group(1)] = client.get(passage.group(1)).get_data(as_text=True)
        assert f'id="{slug}"' in texts[passage.group(1)], slug
        assert slug not in words(re.search(r"<h1[^>]*>(.*?)</h1>", html, re.DOTALL).group(1)), slug


# --- notices of contradictions and ambiguities -----------------------------------------------------------


def concerned(store, issue: str) -> list[str]:
    rows = store.query("PREFIX cg: <def#> SELECT ?issue ?x WHERE { ?issue cg:concerns ?x }",
                       substitutions={Variable("issue"): NamedNode(BASE + issue)})
    return sorted(row["x"].value[len(BASE):] for row in rows)


@pytest.mark.parametrize("language, notice, description", [
    ("en", "The sources disagree:", "Document 004 first presents"),
    ("fr", "Les sources divergent :", "Le document 004 présente d’abord"),
    ("zh", "来源说法不一：", "Document 004 first presents"),
])
def test_the_pages_a_contradiction_concerns_give_notice_of_it(client, store, language, notice, description):
    subjects = concerned(store, "id/issue/amiens-cluster-president")
    assert len(subjects) >= 4 and "id/person/frederic-lajoux" in subjects
    for subject in subjects:
        html = page(client, "/doc/" + subject[len("id/"):] + ".html", language)
        notices = re.search(r'<section class="notices"[^>]*>(.*?)</section>', html, re.DOTALL)
        assert notices, subject
        found = re.search(r'<div class="source notice notice-contradiction" role="note">(.*?)</div>', notices.group(1), re.DOTALL)
        assert found, subject
        assert f"<strong>{notice}</strong>" in found.group(1)
        assert f'href="/id/issue/amiens-cluster-president?lang={language}"' in found.group(1)
        assert description in words(found.group(1))
        # At the top: before the details of the page.
        assert html.index('<section class="notices"') < html.index('<section class="group')
    # In Chinese, the description has no Chinese version: it is marked English, for screen readers.
    if language == "zh":
        assert '<p class="detail"><span lang="en">Document 004' in html


@pytest.mark.parametrize("language, notice", [
    ("en", "The sources are unclear:"), ("fr", "Les sources sont ambiguës :"), ("zh", "来源表述不清：")])
def test_an_ambiguity_is_noticed_on_what_it_concerns_and_on_the_attestation_it_disputes(client, store, language, notice):
    subjects = concerned(store, "id/issue/universite-centrale-pekin-hangzhou")
    assert "id/programme/villes-du-futur-research-laboratory" in subjects
    for path in [*subjects, "id/attestation/villes-du-futur-research-laboratory-host"]:
        html = page(client, "/doc/" + path[len("id/"):] + ".html", language)
        found = re.search(r'<div class="source notice notice-ambiguity" role="note">(.*?)</div>', html, re.DOTALL)
        assert found, path
        assert f"<strong>{notice}</strong>" in found.group(1)
        assert "/id/issue/universite-centrale-pekin-hangzhou" in found.group(1)


def test_a_page_no_issue_concerns_has_no_notice(client):
    html = page(client, "/doc/territory/hangzhou.html", "en")
    assert '<section class="notices"' not in html and "The sources" not in html

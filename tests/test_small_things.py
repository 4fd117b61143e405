"""Small things a reader meets: the skip link, pages that fit a phone, the vocabulary's contents and term filter,
its version IRI and namespace, class counts in the plural, the reconciliation preview's landmark, and error
pages in the reader's language. Against the live server (the real project) and a real Chromium."""

from __future__ import annotations

import html
import re
import unicodedata

import pytest
import rdflib
import requests
from playwright.sync_api import expect

from conftest import PROJECT_ROOT
from server.names import Name
from server.plurals import count_phrase
from tests.chromium import browser  # noqa: F401 (fixture)

HTML = {"Accept": "text/html"}
ENTITY_PAGE = "doc/agreement/idf-zhejiang-2018.html"
SKIP = {"en": "Skip to content", "fr": "Aller au contenu", "zh": "跳到正文"}
CG = "def#"


def get(live_server, path: str, language: str = "en", **headers) -> requests.Response:
    separator = "&" if "?" in path else "?"
    return requests.get(f"{live_server.url}{path}{separator}lang={language}", headers={**HTML, **headers}, timeout=30)


# --- the skip link ----------------------------------------------------------------------------------------------

@pytest.mark.parametrize("language", SKIP)
@pytest.mark.parametrize("path", ["", ENTITY_PAGE, "def.html", "browse/", "id/territory/pekin"])
def test_the_first_thing_on_every_page_is_a_skip_link_to_the_content(live_server, path, language):
    text = get(live_server, path, language).text
    body = text[text.index("<body"):]
    first_control = re.search(r"<(a|input|button|select|textarea)\b[^>]*>", body)
    assert first_control.group(0) == '<a class="skip-link" href="#content">'
    assert body[first_control.end():].startswith(SKIP[language] + "</a>")
    assert '<main id="content" tabindex="-1">' in body


def test_the_skip_link_is_the_first_tab_stop_shows_and_takes_the_keyboard_to_the_content(browser, live_server):  # noqa: F811
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    try:
        page.goto(live_server.url + ENTITY_PAGE)
        skip = page.locator("a.skip-link")
        assert skip.bounding_box()["y"] < 0, "out of sight until focused"
        page.keyboard.press("Tab")
        expect(skip).to_be_focused()
        box = skip.bounding_box()
        assert box["y"] >= 0 and box["height"] > 10, "visible once focused"
        page.keyboard.press("Enter")
        expect(page.locator("main#content")).to_be_focused()
        assert page.evaluate("location.hash") == "#content"
        # Two presses of Tab (and the Enter between) reach the first link of the content, past the header.
        page.keyboard.press("Tab")
        assert page.evaluate("Boolean(document.activeElement.closest('main'))")
        assert page.evaluate("document.activeElement.tagName") in ("A", "BUTTON", "INPUT", "SUMMARY")
    finally:
        page.close()


# --- pages that fit a phone -------------------------------------------------------------------------------------

@pytest.mark.parametrize("path", ["def.html", "dumps/", "shapes.html"])
def test_the_vocabulary_and_dumps_are_no_wider_than_a_phone_in_any_language(browser, live_server, path):  # noqa: F811
    page = browser.new_page(viewport={"width": 375, "height": 800})
    try:
        for language in SKIP:
            page.goto(f"{live_server.url}{path}?lang={language}")
            overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
            assert overflow <= 0, f"{path} ({language}) is {overflow} px wider than the screen"
    finally:
        page.close()


def test_wide_tables_scroll_in_their_own_focusable_labelled_box(live_server):
    dumps = get(live_server, "dumps/").text
    assert re.search(r'<div class="scroll" role="region" aria-label="[^"]+" tabindex="0">\s*<table class="dumps">', dumps)


# --- the vocabulary's contents, filter, version IRI and namespace -----------------------------------------------

def vocabulary_groups(page: str) -> dict[str, tuple[int, list[str]]]:
    """Each group the contents list: its section's id -> (the count it shows, the anchors it links)."""
    contents = page[page.index('<nav class="contents"'):page.index("</nav>", page.index('<nav class="contents"'))]
    groups = {}
    for anchor, count, items in re.findall(r'<h3><a href="#([^"]+)">[^<]+</a> <span class="count">\((\d+)\)</span></h3>'
                                           r'\s*<ul class="toc">(.*?)</ul>', contents, re.S):
        groups[anchor] = (int(count), re.findall(r'<li><a href="#([^"]+)">', items))
    return groups


def test_the_vocabulary_has_contents_by_kind_with_counts_linking_every_term(live_server):
    page = get(live_server, "def.html").text
    groups = vocabulary_groups(page)
    assert list(groups)[:3] == ["terms/classes", "terms/object-properties", "terms/datatype-properties"]
    for anchor, (count, terms) in groups.items():
        assert count == len(terms) > 0, anchor
        section = page[page.index(f'<section id="{anchor}"'):]
        section = section[:section.index('<section id="terms/', 1) if '<section id="terms/' in section[1:] else None]
        assert re.findall(r'<section class="term" id="([^"]+)">', section) == terms, anchor
    listed = [term for _, terms in groups.values() for term in terms]
    assert len(listed) == len(set(listed)) == len(re.findall(r'<section class="term" id=', page))
    # The kinds are the ontology's: every object property in the contents is an owl:ObjectProperty.
    ontology = rdflib.Graph().parse(data=requests.get(live_server.url + "def.ttl", timeout=30).content, format="turtle")
    namespace = live_server.base_iri + CG
    for term in groups["terms/object-properties"][1]:
        assert (rdflib.URIRef(namespace + term), rdflib.RDF.type, rdflib.OWL.ObjectProperty) in ontology, term
    # Without JavaScript the filter is hidden (it would do nothing); the contents are plain links.
    assert re.search(r'<div class="term-filter" data-term-filter hidden', page)


def fold(text: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFD", text) if not unicodedata.combining(c)).lower()


def entries(page, which: str = "") -> list[tuple[str, str]]:
    """The contents' entries (name, #anchor), all or those `which` selects."""
    found = page.locator(f"ul.toc {which}a").evaluate_all("links => links.map(a => [a.textContent, a.getAttribute('href')])")
    return [(name, href) for name, href in found]


def test_typing_in_the_filter_keeps_the_matching_terms_and_enter_goes_to_the_first(browser, live_server):  # noqa: F811
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    try:
        page.goto(live_server.url + "def.html?lang=fr")
        field = page.get_by_label("Trouver un terme")
        expect(field).to_be_visible()
        every = entries(page)
        field.fill("SIGNÉ")  # accents and capitals do not matter: "signe pour", "signé"…
        shown = entries(page, "li:not([hidden]) > ")
        assert shown == [(name, href) for name, href in every if "signe" in fold(name + " " + href)]
        assert 0 < len(shown) < len(every) / 10
        assert page.locator("section.term:not([hidden])").count() == len(shown)
        expect(page.locator("#term-filter-status")).to_have_text(f"{len(shown)} termes correspondent")
        field.press("Enter")
        first = page.locator("ul.toc li:not([hidden]) a").first.get_attribute("href")
        assert page.evaluate("location.hash") == first
        field.fill("zzzz")
        expect(page.locator("#term-filter-status")).to_have_text("Aucun terme ne correspond")
        assert page.locator("section.term:not([hidden])").count() == 0
        field.fill("")
        assert page.locator("section.term[hidden]").count() == 0
    finally:
        page.close()


def test_the_version_iri_dereferences_to_the_ontology_and_other_versions_say_which_is_current(live_server):
    ontology = rdflib.Graph().parse(data=requests.get(live_server.url + "def.ttl", timeout=30).content, format="turtle")
    version = ontology.value(rdflib.URIRef(live_server.base_iri + "def"), rdflib.OWL.versionIRI)
    assert version is not None and str(version).startswith(live_server.base_iri + "def/")
    for accept, extension in (("text/turtle", "ttl"), ("text/html", "html"), ("application/ld+json", "jsonld")):
        response = requests.get(str(version), headers={"Accept": accept}, allow_redirects=False, timeout=10)
        assert response.status_code == 303 and response.headers["Location"] == f"/def.{extension}", accept
    followed = rdflib.Graph().parse(data=requests.get(str(version), headers={"Accept": "text/turtle"}, timeout=30).content,
                                    format="turtle")
    assert (rdflib.URIRef(live_server.base_iri + "def"), rdflib.OWL.versionIRI, version) in followed
    other = requests.get(live_server.url + "def/0.1.0", headers={"Accept": "text/plain"}, timeout=10)
    assert other.status_code == 404
    assert "'0.1.0'" in other.text and f"<{version}>" in other.text, "names the version that is published"


def test_the_vocabulary_header_shows_its_namespace_and_version_iri_in_full(live_server):
    page = html.unescape(get(live_server, "def.html").text)
    base = live_server.base_iri
    assert f'<a href="/def?lang=en">{base}def#</a>' in page, "the namespace, linked to the vocabulary"
    assert f'<a href="/def/1.0.0?lang=en">{base}def/1.0.0</a>' in page
    assert '<a href="#">' not in page and '<a href="#?' not in page


# --- class counts in the plural ---------------------------------------------------------------------------------

def count_of(page: str, class_iri: str) -> str:
    """The words of a class's count on the home or browse page, the number as {n}."""
    (link,) = re.findall(rf'<li data-class="{re.escape(class_iri)}"[^>]*><a [^>]*>(.*?)</a>', page)
    return html.unescape(re.sub(r"<strong>[\d,\s  ]+</strong>", "{n}", link))


@pytest.mark.parametrize("path", ["", "browse/"])
def test_class_counts_use_plural_names(live_server, path):
    agreement, person = live_server.base_iri + CG + "Agreement", "http://xmlns.com/foaf/0.1/Person"
    assert count_of(get(live_server, path, "en").text, agreement) == "{n} agreements"
    assert count_of(get(live_server, path, "fr").text, agreement) == "{n} accords"
    assert count_of(get(live_server, path, "zh").text, agreement) == "协议：{n}"
    assert count_of(get(live_server, path, "en").text, person) == "{n} people"
    assert count_of(get(live_server, path, "fr").text, person) == "{n} personnes"


def test_one_is_singular_and_french_zero_too_and_a_missing_plural_is_not_guessed():
    agreement_en, accord = Name("agreement", "en"), Name("accord", "fr")
    plurals = (("agreements", "en"), ("accords", "fr"))

    def words(count, noun, page_language, plurals=plurals):
        phrase = count_phrase(count, noun, plurals, page_language)
        return f"{phrase.before}{count}{phrase.after}", phrase.noun.language

    assert words(1, agreement_en, "en") == ("1 agreement", "en")
    assert words(2, agreement_en, "en") == ("2 agreements", "en")
    assert words(0, agreement_en, "en") == ("0 agreements", "en")
    assert words(0, accord, "fr") == ("0 accord", "fr")
    assert words(1, accord, "fr") == ("1 accord", "fr")
    assert words(2, accord, "fr") == ("2 accords", "fr")
    # A name in English on a Chinese page: an English phrase (the page marks it lang="en").
    assert words(9, agreement_en, "zh") == ("9 agreements", "en")
    assert words(9, Name("协议", "zh"), "zh") == ("协议：9", "zh")
    # No plural in the name's language: "city: 62", never "62 city"; nor another language's plural.
    assert words(62, Name("city", "en"), "en", ()) == ("city: 62", "en")
    assert words(62, Name("ville", "fr"), "fr", (("cities", "en"),)) == ("ville : 62", "fr")
    assert words(62, Name("city"), "en", (("cities", "en"),)) == ("city: 62", None)


def test_the_ontology_declares_plural_labels_and_gives_every_class_of_its_own_one_in_english_and_french():
    graph = rdflib.Graph()
    for path in sorted((PROJECT_ROOT / "ontology").glob("*.ttl")):
        graph.parse(path, format="turtle", publicID="http://example.org/")
    namespace = "http://example.org/" + CG
    plural_label = rdflib.URIRef(namespace + "pluralLabel")
    assert (plural_label, rdflib.RDF.type, rdflib.OWL.AnnotationProperty) in graph
    for predicate in (rdflib.RDFS.label, rdflib.RDFS.comment):
        assert {value.language for value in graph.objects(plural_label, predicate)} >= {"en", "fr"}
    classes = {c for c in graph.subjects(rdflib.RDF.type, rdflib.OWL.Class) if str(c).startswith(namespace)}
    assert len(classes) > 40
    for class_ in classes:
        assert {value.language for value in graph.objects(class_, plural_label)} == {"en", "fr"}, class_


# --- the reconciliation preview and error pages -----------------------------------------------------------------

def test_the_reconciliation_preview_is_a_main_landmark(live_server):
    page = requests.get(live_server.url + "reconcile/preview?id=organisation/zhejiang-university", timeout=10).text
    body = page[page.index("<body>") + len("<body>"):page.index("</body>")].strip()
    assert body.startswith("<main>") and body.endswith("</main>")
    assert re.search(r"<main>\s*<h1>", body)


@pytest.mark.parametrize("language, title, text, details", [
    ("en", "404 Not found", "There is nothing at this address.", "Details:"),
    ("fr", "404 Introuvable", "Il n’y a rien à cette adresse.", "Détails (en anglais) :"),
    ("zh", "404 未找到", "此地址下没有内容。", "详情（英文）："),
])
def test_error_pages_speak_the_readers_language_and_mark_the_english_detail(live_server, language, title, text, details):
    response = get(live_server, "id/territory/pekin", language)
    assert response.status_code == 404
    page = response.text
    assert f'<html lang="{language}">' in page
    assert f"<title>{title}</title>" in page and f"<h1>{title}</h1>" in page
    assert f'<p class="lead">{text}</p>' in page
    detail = re.search(r'<p class="detail">([^<]*) <span( lang="en")?>([^<]+)</span></p>', page)
    assert detail and detail.group(1) == details and detail.group(3)
    assert bool(detail.group(2)) == (language != "en"), "the detail comes from the code, in English"


def test_a_bad_request_page_is_in_the_readers_language_too(live_server):
    response = get(live_server, "browse/cg:Agreement?page=0", "fr")
    assert response.status_code == 400
    assert "<h1>400 Requête incorrecte</h1>" in response.text

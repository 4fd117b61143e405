"""Three languages done properly: every word the site writes comes from server/locales/ (none written into a
template), each locale has every key in its own language, and a page in French or Chinese carries none of the
English interface words."""

from __future__ import annotations

import json
import re

import pytest
import requests

from conftest import PROJECT_ROOT

TEMPLATES = PROJECT_ROOT / "server" / "templates"
LOCALES = {language: json.loads((PROJECT_ROOT / "server" / "locales" / f"{language}.json").read_text(encoding="utf-8"))
           for language in ("en", "fr", "zh")}
# Written the same in every language: names of formats, standards and the site's own commands.
SAME_EVERYWHERE = {"SPARQL", "IRI", "RDF", "VoID", "DCAT", "JSON", "JSON-LD", "CSV", "Turtle", "N-Triples", "UTC",
                   "SHA-256", "SHACL", "HTTP", "OWL", "URI"}
CJK = re.compile(r"[\u3400-\u9fff]")


def template_words(text: str) -> list[str]:
    """The words a template writes itself: text outside Jinja, code, scripts and styles."""
    text = re.sub(r"\{\{.*?\}\}|\{%.*?%\}|\{#.*?#\}", " ", text, flags=re.S)
    text = re.sub(r"<(script|style|code|pre|kbd|samp)\b.*?</\1>", " ", text, flags=re.S)
    words = []
    for node in re.split(r"<[^>]+>", text):
        node = re.sub(r"\S*[/.]\S*", " ", node)  # paths and file names ("/dumps/", "shapes.ttl") are not words
        words += re.findall(r"[A-Za-z][A-Za-z'-]{2,}", node)
    for attribute in re.findall(r'\b(?:title|aria-label|placeholder|alt)="([^"]*)"', text):
        words += re.findall(r"[A-Za-z][A-Za-z'-]{2,}", attribute)
    return [word for word in words if word not in SAME_EVERYWHERE]


@pytest.mark.parametrize("template", sorted(path.name for path in TEMPLATES.glob("*.html")))
def test_templates_write_no_words_of_their_own(template):
    words = template_words((TEMPLATES / template).read_text(encoding="utf-8"))
    assert not words, f"{template} writes {words[:12]}: put them in server/locales/*.json"


def test_every_locale_has_every_key_in_its_own_language():
    assert LOCALES["en"].keys() == LOCALES["fr"].keys() == LOCALES["zh"].keys()
    for key, english in LOCALES["en"].items():
        chinese = LOCALES["zh"][key]
        if re.search(r"[A-Za-z]{3,}", re.sub(r"\{\w+\}|<[^>]+>", "", english)) and not set(english.split()) <= SAME_EVERYWHERE:
            assert CJK.search(chinese), f"zh {key!r} is not Chinese: {chinese!r}"


PAGES = ["", "browse/", "browse/cg:Agreement", "search?q=zhej", "dataset.html", "dumps/", "def", "shapes", "graph/data",
         "sparql", "doc/agreement/idf-zhejiang-2018.html", "doc/person/valerie-pecresse.html",
         "sources/idf-zhejiang-agreement-signature-2018.html", "id/territory/pekin"]


@pytest.mark.parametrize("language", ["fr", "zh"])
def test_pages_in_another_language_carry_no_english_interface_words(live_server, language):
    """Each English interface text (longer than a word, different in the other language) is absent from the
    page in that language, outside parts marked as English."""
    english = {text for key, text in LOCALES["en"].items()
               if LOCALES[language][key] != text and len(text.split()) > 1 and "{" not in text}
    for path in PAGES:
        response = requests.get(f"{live_server.url}{path}{'&' if '?' in path else '?'}lang={language}",
                                headers={"Accept": "text/html"}, timeout=30)
        page = re.sub(r"<(script|style)\b.*?</\1>", " ", response.text, flags=re.S)  # JSON-LD has every language
        page = re.sub(r'<(\w+)[^>]*\blang="en"[^>]*>.*?</\1>', " ", page, flags=re.S)
        found = sorted(text for text in english if text in page)
        assert not found, f"/{path} in {language} still says {found[:5]}"

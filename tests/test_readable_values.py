"""Values written for people (server/readable.py) and the sentences they go into (server/sentences.py): dates at
their stated precision, durations, numbers, percentages and languages in English, French and Chinese from CLDR,
the lexical form kept on the page; then the same on the real data's entity pages, in the three languages, with
language tags only where a value's language is not the page's, and inferred values marked."""

from __future__ import annotations

import json
import re

import pytest

from conftest import PROJECT_ROOT
from server import readable
from server.namespaces import XSD
from server.sentences import fill, joined, parse, placeholders, plain

LANGUAGES = ("en", "fr", "zh")
NNBSP = "\u202f"  # CLDR's French thousands separator (a narrow no-break space)


# --- readable.py ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("lexical, datatype, expected, precision", [
    ("2018-06-14", "date", ("14 June 2018", "14 juin 2018", "2018年6月14日"), readable.DAY),
    ("2019-06", "gYearMonth", ("June 2019", "juin 2019", "2019年6月"), readable.MONTH),
    ("2019", "gYear", ("2019", "2019", "2019年"), readable.YEAR),
    ("2018-06-14Z", "date", ("14 June 2018", "14 juin 2018", "2018年6月14日"), readable.DAY),
])
def test_a_date_is_written_at_its_stated_precision(lexical, datatype, expected, precision):
    for language, words in zip(LANGUAGES, expected, strict=True):
        written = readable.literal(lexical, XSD + datatype, language)
        assert (written.text, written.machine, written.element, written.precision) == (
            words, lexical, "time", precision), language


@pytest.mark.parametrize("lexical, datatype", [("2019-13", "gYearMonth"), ("2019-02-30", "date"),
                                                ("June 2019", "gYearMonth"), ("19", "gYear")])
def test_a_date_that_is_not_one_is_left_as_stated(lexical, datatype):
    assert readable.literal(lexical, XSD + datatype, "en") is None


def test_durations_numbers_and_percentages_are_written_per_locale():
    assert [readable.literal("P10Y", XSD + "duration", language).text for language in LANGUAGES] == [
        "10 years", "10 ans", "10年"]
    assert readable.literal("P1Y6M", XSD + "duration", "en").text == "1 year, 6 months"
    assert readable.literal("P10Y", XSD + "duration", "en").machine == "P10Y"
    assert readable.literal("P", XSD + "duration", "en") is None and readable.literal("P1Y", XSD + "string", "en") is None
    assert [readable.literal("21900000", XSD + "integer", language).text for language in LANGUAGES] == [
        "21,900,000", f"21{NNBSP}900{NNBSP}000", "21,900,000"]
    assert readable.literal("1.5", XSD + "decimal", "fr").text == "1,5"
    assert [readable.number("1.5", language, percent=True).text for language in LANGUAGES] == [
        "1.5%", "1,5\u00a0%", "1.5%"]
    assert readable.literal("many", XSD + "integer", "en") is None


def test_booleans_are_written_with_the_pages_words():
    words = {"value_true": "yes", "value_false": "no"}
    assert readable.literal("true", XSD + "boolean", "en", words).text == "yes"
    assert readable.literal("0", XSD + "boolean", "en", words).text == "no"
    assert readable.literal("true", XSD + "boolean", "en") is None, "without the page's words, as stated"


def test_a_language_iri_is_written_as_the_languages_name():
    iri = "http://id.loc.gov/vocabulary/iso639-1/fr"
    assert [readable.language_name(iri, language) for language in LANGUAGES] == ["French", "français", "法语"]
    assert readable.language_name("http://id.loc.gov/vocabulary/iso639-2/zho", "en") == "Chinese"
    assert readable.language_name("http://example.org/fr", "en") is None


# --- sentences.py --------------------------------------------------------------------------------------


PATTERN = "{kind}[ between {parties}][, signed[ {when}][ in {place}][ by {who}]]."


def test_clauses_without_their_values_are_dropped():
    assert plain(fill(PATTERN, {"kind": "Agreement", "parties": "A and B", "place": "Hangzhou"})) == \
        "Agreement between A and B, signed in Hangzhou."
    assert plain(fill(PATTERN, {"kind": "Agreement", "when": "on 1 May"})) == "Agreement, signed on 1 May."
    assert plain(fill(PATTERN, {"kind": "Agreement", "parties": (), "place": None})) == "Agreement."


def test_values_stay_values_and_lists_are_joined_the_languages_way():
    value = object()
    said = fill("{kind} with {who}.", {"kind": "Meeting", "who": joined([value, "B", "C"], "en")})
    assert said == ("Meeting with ", value, ", B and C.")
    assert plain(joined(["A", "B", "C"], "fr")) == "A, B et C"
    assert plain(joined(["A", "B", "C"], "zh")) == "A、B和C"
    assert plain(joined([["A", " (x)"], "B"], "en", separator="; ")) == "A (x); B"


def test_an_unbalanced_pattern_is_refused():
    for pattern in ("{a}[ b", "{a}] b", "[[{a}]"):
        with pytest.raises(ValueError):
            parse(pattern)


def test_every_sentence_pattern_parses_and_names_the_same_values_in_every_language():
    locales = {language: json.loads((PROJECT_ROOT / "server" / "locales" / f"{language}.json").read_text("utf-8"))
               for language in LANGUAGES}
    keys = [key for key in locales["en"] if key.startswith(("summary_", "claim", "when_", "attestation_title"))
            and not key.startswith(("summary_noun_", "summary_label", "summary_estimate"))]
    assert len(keys) > 30
    for key in keys:
        named = {language: placeholders(locales[language][key]) for language in LANGUAGES}
        assert named["en"] and named["en"] == named["fr"] == named["zh"], (key, named)


# --- on the entity pages -------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def client(tmp_path_factory):
    from server import create_app
    from server.settings import Settings

    return create_app(Settings(root=PROJECT_ROOT, var_dir=tmp_path_factory.mktemp("readable-var"))).test_client()


def page(client, path: str, language: str) -> str:
    response = client.get(f"{path}?lang={language}")
    assert response.status_code == 200, path
    return response.get_data(as_text=True)


def row(html: str, property_path: str) -> str:
    """The table row of the property whose link is `property_path` (e.g. "/def#signingDate", which keeps the
    page's `?lang=`: "/def?lang=fr#signingDate")."""
    path, _, fragment = property_path.partition("#")
    link = re.escape(path) + r"(?:\?lang=\w+)?" + (re.escape("#" + fragment) if fragment else "")
    found = re.search(rf'<tr><th scope="row"><a href="{link}"[^>]*>.*?</tr>', html, re.DOTALL)
    assert found, property_path
    return found.group(0)


@pytest.mark.parametrize("language, day, duration", [
    ("en", "14 June 2018", "10 years"), ("fr", "14 juin 2018", "10 ans"), ("zh", "2018年6月14日", "10年")])
def test_an_agreements_date_and_duration_are_written_for_people(client, language, day, duration):
    html = page(client, "/doc/agreement/idf-zhejiang-2018.html", language)
    assert f'<time datetime="2018-06-14" title="2018-06-14 (xsd:date)">{day}</time>' in row(html, "/def#signingDate")
    assert f'<data value="P10Y" title="P10Y (xsd:duration)">{duration}</data>' in row(html, "/def#duration")
    assert 'title="datatype"' not in html, "no datatype chips for values written for people"
    assert "P10Y</" not in html and ">2018-06-14<" not in html


@pytest.mark.parametrize("language, year", [("en", "1987"), ("fr", "1987"), ("zh", "1987年")])
def test_a_year_is_only_a_year(client, language, year):
    html = page(client, "/doc/agreement/idf-beijing-1987.html", language)
    assert f'<time datetime="1987" title="1987 (xsd:gYear)">{year}</time>' in row(html, "/def#signingDate")


@pytest.mark.parametrize("language, month, inferred", [
    ("en", "February 2019", "inferred"), ("fr", "février 2019", "déduit"), ("zh", "2019年2月", "推断")])
def test_an_inferred_month_is_written_as_a_month_and_marked_inferred(client, language, month, inferred):
    html = page(client, "/doc/event/comite-des-territoires-technical-committee-2019-02.html", language)
    date = row(html, "http://schema.org/startDate")
    assert f'<time datetime="2019-02" title="2019-02 (xsd:gYearMonth)">{month}</time>' in date
    # The mark says how it was inferred (the attestation's cg:inferenceNote), in a title.
    assert re.search(rf'<small class="tag inferred" title="[^"]+">{inferred}</small>', date)


@pytest.mark.parametrize("language, name", [("en", "French"), ("fr", "français"), ("zh", "法语")])
def test_a_documents_language_is_named(client, language, name):
    html = page(client, "/doc/document/idf-zhejiang-agreement-signature-2018.html", language)
    assert f'<a href="http://id.loc.gov/vocabulary/iso639-1/fr">{name}</a>' in row(html, "http://purl.org/dc/terms/language")


@pytest.mark.parametrize("language, written", [("en", "21,900,000"), ("fr", f"21{NNBSP}900{NNBSP}000"),
                                                ("zh", "21,900,000")])
def test_a_figures_value_is_a_number_written_per_locale(client, language, written):
    html = page(client, "/doc/figure/beijing-population.html", language)
    assert f'<data value="21900000" title="21900000 (xsd:integer)">{written}</data>' in row(html, "http://schema.org/value")


def test_language_tags_show_only_where_the_language_is_not_the_pages(client):
    purpose = "développer les échanges et expertises entre les deux Régions"
    english, french = (page(client, "/doc/agreement/idf-zhejiang-2018.html", language) for language in ("en", "fr"))
    # In English, the French purposes say they are French (lang, for screen readers) and show their tag.
    assert re.search(rf'<span lang="fr">{purpose}[^<]*</span> <small class="tag" title="language tag">fr</small>', english)
    # In French, the same text has its lang but no tag; the English label is the one tagged.
    assert re.search(rf'<span lang="fr">{purpose}[^<]*</span></li>', french)
    assert '<small class="tag" title="étiquette de langue">en</small>' in french
    assert '<small class="tag" title="language tag">fr</small>' not in french


def test_names_in_another_language_than_the_pages_carry_their_own_lang(client):
    chinese = page(client, "/doc/agreement/idf-zhejiang-2018.html", "zh")
    assert '<a href="/id/territory/hangzhou?lang=zh">杭州市</a>' in chinese, "a Chinese name needs no lang on a zh page"
    assert re.search(r'<a href="/id/organisation/region-ile-de-france\?lang=zh" lang="en">[^<]+</a>', chinese)
    assert '<h1 lang="en">' in chinese, "the agreement has no Chinese name: its English one says so"

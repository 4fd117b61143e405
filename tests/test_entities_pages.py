"""HTML pages and indexes, on the fixture project `tests/fixtures/entities` (markup in literals, a
javascript: IRI, a blank node, an attestation, labels missing in some languages, 62 cities).
Fine cases use the Flask test client; the escaping is also checked once on a real server."""

from __future__ import annotations

import json
import re

import pytest
import requests

from conftest import FIXTURES, start_server

BASE = "http://127.0.0.1:8000/"
SITE_SCRIPT = '<script src="/static/search.js" defer></script>'
TERM_FILTER_SCRIPT = '<script src="/static/term-filter.js" defer></script>'  # the vocabulary page's own


@pytest.fixture(scope="module")
def client():
    from server import create_app
    from server.settings import Settings

    return create_app(Settings(root=FIXTURES / "entities")).test_client()


@pytest.fixture(scope="module")
def fixture_server(tmp_path_factory):
    # Its own var/ (serve builds dumps there), so parallel runs never share one.
    var = tmp_path_factory.mktemp("entities-var")
    yield from start_server(FIXTURES / "entities", env={"COOPGRAPH_VAR_DIR": str(var)})


def page(client, path, **headers) -> str:
    response = client.get(path, headers=headers)
    assert response.status_code == 200, (path, response.status_code, response.data[:300])
    assert response.content_type == "text/html; charset=utf-8"
    return response.get_data(as_text=True)


def assert_inert(html: str) -> None:
    """No markup from the data reaches the page: scripts, tags and javascript: links stay text."""
    # The site's own scripts (the search box's suggestions, base.html; the vocabulary's filter) are the only script
    # elements a page has, besides its JSON-LD, in which no "<" from the data is left to close it.
    html = re.sub(r'<script type="application/ld\+json">[^<]*</script>', "", html, count=1)
    assert "<script" not in html.replace(SITE_SCRIPT, "", 1).replace(TERM_FILTER_SCRIPT, "", 1).lower()
    assert "onerror=" not in html.replace("onerror=alert(2)&gt;", "")
    assert "<img" not in html and "<i>officiel" not in html and "<b>here" not in html
    assert not re.search(r"""href=["']?\s*javascript:""", html, re.IGNORECASE)


def test_markup_in_the_data_is_shown_as_text(client):
    html = page(client, "/doc/agreement/evil.html")
    assert_inert(html)
    assert "&lt;script&gt;alert(1)&lt;/script&gt;&lt;img src=x onerror=alert(2)&gt;" in html
    assert "<h1>&lt;script&gt;alert(&#39;label&#39;)&lt;/script&gt; pact</h1>" in html
    assert "<span>javascript:alert(3)</span>" in html, "a javascript: IRI is shown, never linked"


def test_markup_is_inert_on_every_page_of_the_fixture(client):
    for path in ("/", "/browse/", "/browse/cg:Agreement", "/def.html", "/shapes.html", "/graph/data.html",
                 "/doc/document/leaflet.html", "/doc/attestation/evil-date.html", "/doc/territory/paris.html"):
        assert_inert(page(client, path))


def test_markup_is_inert_on_a_real_server(fixture_server):
    response = requests.get(fixture_server.url + "id/agreement/evil", headers={"Accept": "text/html"}, timeout=10)
    assert response.status_code == 200 and response.headers["Content-Type"] == "text/html; charset=utf-8"
    assert_inert(response.text)
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in response.text


def test_the_page_shows_type_groups_values_sources_and_formats(client):
    html = page(client, "/doc/agreement/evil.html")
    assert '<p class="types"><a href="/def#Agreement">agreement</a></p>' in html
    headings = re.findall(r"<h2>([^<]+)</h2>", html)
    # "Linked from": the dataset's description names it as an example resource (void:exampleResource).
    assert headings == ["Names", "Relations", "Dates", "Details", "Provenance", "Sources", "Linked from"]
    assert '<a href="/id/territory/paris">Paris</a>' in html, "values link to their own pages by path"
    assert '<a href="https://example.org/about">https://example.org/about</a>' in html
    # A date is written for people, its lexical form and datatype kept (no datatype chip any more).
    assert '<time datetime="2020-01-02" title="2020-01-02 (xsd:date)">2 January 2020</time>' in html
    assert '<small class="tag" title="datatype">xsd:date</small>' not in html
    assert "a nested value" in html, "a blank node's properties are shown in place"
    assert '<blockquote lang="fr"><p>Signé le 2 janvier 2020 &lt;script&gt;' in html
    # A name in another language than the page's carries its own lang (screen readers change voice).
    assert '<a href="/id/document/leaflet" lang="fr">Le tract &lt;i&gt;officiel&lt;/i&gt;</a>' in html
    for extension in ("ttl", "jsonld", "rdf", "nt"):
        assert f'href="/doc/agreement/evil.{extension}"' in html


def test_inverse_links_are_shown_with_the_names_of_their_subjects(client):
    html = page(client, "/doc/territory/paris.html")
    section = html[html.index('<section class="inverse">'):]
    assert "party" in section and '<a href="/id/agreement/evil">' in section


@pytest.mark.parametrize("headers, query, title", [
    ({"Accept-Language": "fr-FR,fr;q=0.9"}, "", "Accord piégé"),
    ({"Accept-Language": "zh-CN,zh;q=0.9,en;q=0.5"}, "", "陷阱协议"),
    ({"Accept-Language": "fr"}, "?lang=zh", "陷阱协议"),
    ({"Accept-Language": "de"}, "", "&lt;script&gt;alert(&#39;label&#39;)&lt;/script&gt; pact"),
    ({}, "?lang=xx", "&lt;script&gt;alert(&#39;label&#39;)&lt;/script&gt; pact"),
])
def test_the_label_is_in_the_readers_language(client, headers, query, title):
    assert f"<h1>{title}</h1>" in page(client, "/doc/agreement/evil.html" + query, **headers)


def test_a_missing_language_falls_back_to_english_then_french(client):
    assert '<h1 lang="fr">Lyon (seulement en français)</h1>' in page(client, "/doc/territory/lyon.html",
                                                                     **{"Accept-Language": "zh"})
    assert "<h1>Paris</h1>" in page(client, "/doc/territory/paris.html", **{"Accept-Language": "de"})


def test_a_language_chosen_with_lang_follows_the_links(client):
    html = page(client, "/doc/agreement/evil.html?lang=zh")
    assert '<html lang="zh">' in html and "<h2>名称</h2>" in html
    assert 'href="/id/territory/paris?lang=zh"' in html
    assert 'href="/language?to=fr&amp;next=%2Fdoc%2Fagreement%2Fevil.html%3Flang%3Dfr" hreflang="fr"' in html


def test_class_index_is_paged_and_sorted_by_name(client):
    first = page(client, "/browse/cg:City")
    assert "62 instances" in first
    names = re.findall(r'<li(?: lang="[^"]+")?><a href="/id/territory/[^"]+">([^<]+)</a></li>', first)
    assert len(names) == 50 and names[:2] == ["Lyon (seulement en français)", "Paris"]
    assert 'rel="next" href="/browse/cg:City?page=2"' in first
    second = page(client, "/browse/cg:City?page=2")
    assert len(re.findall(r'<li(?: lang="[^"]+")?><a href="/id/territory/', second)) == 12
    assert '<ol class="instances" start="51">' in second
    assert client.get("/browse/cg:City?page=3").status_code == 404
    assert client.get("/browse/cg:City?page=zero").status_code == 400
    # Unicode digits and a number no int() should parse: words, never a 500
    assert client.get("/browse/cg:City?page=%C2%B2").status_code == 400
    assert client.get("/browse/cg:City?page=" + "9" * 4000).status_code == 404


def test_a_class_counts_the_instances_of_its_subclasses(client):
    assert "62 instances" in page(client, "/browse/cg:Territory")
    browse = page(client, "/browse/")
    assert re.search(r'<a href="/browse/cg:Territory">territory</a> <span class="count">62</span>\s*<ul class="tree">'
                     r'\s*<li><a href="/browse/cg:City">city</a> <span class="count">62</span>', browse)


def test_a_class_no_prefix_covers_is_listed_by_iri(client):
    html = page(client, "/browse/?class=http%3A%2F%2Fwww.w3.org%2F1999%2F02%2F22-rdf-syntax-ns%23Statement")
    assert "evil-date" in html
    assert client.get("/browse/nope:Thing").status_code == 404


def test_home_page_gives_figures_graphs_examples_and_downloads(client):
    html = page(client, "/")
    assert re.search(r"<strong>[\d,]+</strong> triples", html)
    assert '<a href="/browse/cg:Agreement"><strong>1</strong> agreement</a>' in html
    # This ontology gives City no plural (cg:pluralLabel): counted without one rather than as "62 city".
    assert '<a href="/browse/cg:City">city: <strong>62</strong></a>' in html, "the kind `territory` is all cities"
    assert '<a href="/graph/data">data</a>' in html
    assert 'href="/sparql?query=' in html and 'href="/dumps/"' in html


def test_jsonld_documents_inline_the_published_context(client):
    document = json.loads(client.get("/doc/agreement/evil.jsonld").data)
    context = json.loads(client.get("/context.jsonld").data)
    assert document["@context"] == context["@context"]
    assert context["@context"]["party"] == {"@id": BASE + "def#party", "@type": "@id"}


def test_turtle_uses_the_content_files_prefixes(client):
    turtle = client.get("/doc/agreement/evil.ttl").get_data(as_text=True)
    assert f"@prefix cg: <{BASE}def#> ." in turtle and "cg:party" in turtle


def test_each_page_is_built_once_per_version(client):
    from server.state import app_state

    client.get("/doc/territory/paris.ttl")
    cache = app_state(client.application).cache
    size = len(cache)
    for _ in range(3):
        assert client.get("/doc/territory/paris.ttl").status_code == 200
    assert len(cache) == size


def test_the_cache_is_bounded_by_bytes():
    from server.cache import ModelCache

    cache = ModelCache(max_bytes=1000)
    assert cache.get_or_build("a", lambda: b"a" * 600) == b"a" * 600
    cache.get_or_build("b", lambda: b"b" * 600)
    assert len(cache) == 1, "the least recently used page made room"
    assert cache.get_or_build("huge", lambda: b"h" * 5000) == b"h" * 5000
    assert len(cache) == 1, "a value larger than the whole cache is served but not kept"

"""The source texts at /sources/{slug}: each document's file byte for byte as text/plain, and an HTML page
with numbered lines, every quoted passage marked and every attestation anchored once; entity pages link
their quotes there; negotiation, 404s (never a path from the URL), escaping and the three languages.

Most run in-process on the real project; one on a real server (gzip, gunicorn); the escaping of the
texts themselves on a copy of the `entities` fixture given a text full of markup.
"""

from __future__ import annotations

import re
import shutil
from collections import Counter
from html.parser import HTMLParser
from urllib.parse import urlsplit

import pytest
import requests

from conftest import FIXTURES, PROJECT_ROOT
from server import create_app
from server.settings import Settings
from server.sources import Statement, locate, normalise_whitespace
from server.state import app_state

BROWSER = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
# The site's own script (the search box's suggestions, base.html): the one script element a page may have.
SITE_SCRIPT = '<script src="/static/search.js" defer></script>'
SOURCES = PROJECT_ROOT / "data" / "sources"

# What the data says, asked independently of the server's own queries.
DOCUMENTS_AND_QUOTES = """
PREFIX cg: <def#>
PREFIX dcterms: <http://purl.org/dc/terms/>
PREFIX prov: <http://www.w3.org/ns/prov#>
PREFIX rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
SELECT ?document ?file ?attestation ?quote ?subject ?label WHERE {
  ?document a cg:SourceDocument ; dcterms:identifier ?file .
  OPTIONAL { ?document rdfs:label ?label }
  OPTIONAL { ?attestation prov:wasDerivedFrom ?document ; cg:quote ?quote ; rdf:subject ?subject }
}"""


@pytest.fixture(scope="module")
def app(tmp_path_factory):
    return create_app(Settings(root=PROJECT_ROOT, validate_on_start=False, var_dir=tmp_path_factory.mktemp("sources-var")))


@pytest.fixture(scope="module")
def client(app):
    return app.test_client()


@pytest.fixture(scope="module")
def documents(app) -> dict[str, dict]:
    """By slug: the document's IRI, file, labels by language, and its attestations' quotes and subjects."""
    found: dict[str, dict] = {}
    for row in app_state(app).dataset.store.query(DOCUMENTS_AND_QUOTES):
        iri = row["document"].value
        doc = found.setdefault(iri.rsplit("/", 1)[1], {"iri": iri, "file": row["file"].value, "labels": {},
                                                        "quotes": {}, "subjects": {}})
        if row["label"] is not None:
            doc["labels"][row["label"].language] = row["label"].value
        if row["attestation"] is not None:
            doc["quotes"].setdefault(row["attestation"].value, set()).add(row["quote"].value)
            doc["subjects"][row["attestation"].value] = row["subject"].value
    assert len(found) >= 5 and all(doc["quotes"] for doc in found.values()), "every document is quoted"
    return found


class SourcePage(HTMLParser):
    """A source page read back: how often each id occurs, and within div.source-text its text (the
    characters a reader sees), the marks as ranges of that text, and where each id inside it is."""

    def __init__(self, html: str):
        super().__init__(convert_charrefs=True)
        self.ids: Counter = Counter()
        self.inside = False
        self.parts: list[str] = []
        self.length = 0
        self.marks: list[dict] = []
        self.positions: dict[str, int] = {}
        self.open_tags: list[str] = []
        self.feed(html)
        self.close()
        self.text = "".join(self.parts)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if "id" in attrs:
            self.ids[attrs["id"]] += 1
        if self.inside:
            if "id" in attrs:
                self.positions[attrs["id"]] = self.length
            if tag == "mark":
                assert not any(m["end"] is None for m in self.marks), "marks do not nest"
                self.marks.append({"start": self.length, "end": None, "id": attrs.get("id"),
                                   "title": attrs.get("title", "")})
            if tag in ("div", "p", "pre"):
                raise AssertionError(f"a <{tag}> inside the text")
        elif tag == "div" and "source-text" in (attrs.get("class") or "").split():
            self.inside = True

    def handle_endtag(self, tag):
        if self.inside and tag == "mark":
            self.marks[-1]["end"] = self.length
        elif self.inside and tag == "div":
            self.inside = False

    def handle_data(self, data):
        if self.inside:
            self.parts.append(data)
            self.length += len(data)

    def mark_at(self, offset: int) -> dict | None:
        return next((m for m in self.marks if m["start"] <= offset < m["end"]), None)


def html_of(client, path: str, **headers) -> str:
    response = client.get(path, headers=headers)
    assert response.status_code == 200, (path, response.status_code, response.data[:300])
    assert response.content_type == "text/html; charset=utf-8"
    return response.get_data(as_text=True)


def test_the_data_names_a_text_for_every_file_shipped(documents):
    assert sorted(doc["file"] for doc in documents.values()) == sorted(p.name for p in SOURCES.glob("*.txt"))


def test_every_text_is_served_byte_for_byte_as_plain_text(client, documents):
    for slug, doc in documents.items():
        response = client.get(f"/sources/{slug}.txt")
        assert response.status_code == 200, slug
        assert response.headers["Content-Type"] == "text/plain; charset=utf-8"
        assert response.data == (SOURCES / doc["file"]).read_bytes(), slug
        assert response.headers["ETag"] and response.headers["Last-Modified"]
        assert f'</sources/{slug}.html>; rel="alternate"; type="text/html"' in response.headers["Link"]


def test_every_attestation_is_anchored_once_at_its_quote_inside_a_mark(client, documents):
    for slug, doc in documents.items():
        html = html_of(client, f"/sources/{slug}.html")
        page = SourcePage(html)
        text = (SOURCES / doc["file"]).read_text(encoding="utf-8")
        assert page.text == text, f"{slug}: the page shows the file's text, every character of it"
        assert all(count == 1 for count in page.ids.values()), [i for i, n in page.ids.items() if n > 1]
        lines = text.count("\n") + (not text.endswith("\n"))
        assert all(page.ids[f"L{n}"] == 1 for n in range(1, lines + 1)) and not page.ids[f"L{lines + 1}"]
        assert "not-located" not in page.ids, f"{slug}: every quote of the data is in its text"
        for attestation, quotes in doc["quotes"].items():
            anchor = attestation.rsplit("/", 1)[1]
            assert page.ids[anchor] == 1, f"{slug}: #{anchor} is on the page once"
            offset = page.positions.get(anchor)
            assert offset is not None, f"{slug}: #{anchor} is in the text"
            mark = page.mark_at(offset)
            assert mark is not None, f"{slug}: #{anchor} is inside a mark"
            marked = normalise_whitespace(page.text[offset:mark["end"]])
            assert any(marked.startswith(normalise_whitespace(quote)) for quote in quotes), (slug, anchor)
            assert mark["title"].startswith("Supports:") and "•" in mark["title"]
        assert len(page.marks) == html.count('<li id="passage-'), "each mark is listed with what it supports"


def test_overlapping_quotes_are_one_mark_with_an_anchor_for_each(client, documents):
    """The data has passages several attestations quote: one mark, each anchored at its own start."""
    merged = 0
    for slug in documents:
        page = SourcePage(html_of(client, f"/sources/{slug}.html"))
        for mark in page.marks:
            inside = [i for i, at in page.positions.items() if mark["start"] <= at < mark["end"] and not i.startswith("L")]
            merged += len(inside) > 1
            assert mark["id"] is None or page.positions[mark["id"]] == mark["start"]
    assert merged, "some passage is quoted by several attestations"


def test_entity_pages_link_each_quote_to_its_anchor(client, documents):
    anchors: dict[str, set] = {}  # page path -> its ids
    subjects = {subject for doc in documents.values() for subject in doc["subjects"].values()}
    checked = 0
    for subject in sorted(subjects):
        path = urlsplit(subject).path.replace("/id/", "/doc/", 1) + ".html"
        html = html_of(client, path)
        sources = [part for part in html.split('<div class="source">')[1:] if "<blockquote" in part]
        assert sources, f"{path} shows its attestations"
        for source in sources:
            cites = set(re.findall(r'<blockquote[^>]* cite="([^"]+)">', source))
            links = re.findall(r'<a class="passage" href="([^"]+)">', source)
            assert len(cites) == len(links) == 1 and cites == set(links), f"{path}: a quote links to its passage"
            href = links[0]
            target, _, fragment = href.partition("#")
            assert target.startswith("/sources/") and target.endswith(".html") and fragment, href
            if target not in anchors:
                anchors[target] = set(SourcePage(html_of(client, target)).ids)
            assert fragment in anchors[target], f"{path} links to {href}, which has no such anchor"
            checked += 1
    assert checked >= sum(len(doc["quotes"]) for doc in documents.values()), "every attestation was seen"


def test_an_attestations_page_and_a_documents_page_link_to_the_text(client, documents):
    slug, doc = sorted(documents.items())[0]
    html = html_of(client, f"/doc/document/{slug}.html?lang=fr")
    assert f'<a href="/sources/{slug}.html?lang=fr">Lire le texte source</a>' in html
    assert f'<a href="/sources/{slug}.txt" type="text/plain">Texte brut</a>' in html
    attestation = sorted(doc["quotes"])[0]
    anchor = attestation.rsplit("/", 1)[1]
    html = html_of(client, f"/doc/attestation/{anchor}.html")
    assert f'<a class="passage" href="/sources/{slug}.html#{anchor}">' in html


def test_the_page_links_back_to_the_document_and_its_plain_text(client, documents):
    slug, doc = sorted(documents.items())[0]
    html = html_of(client, f"/sources/{slug}.html")
    assert f'<a href="/id/document/{slug}">' in html
    assert f'<a href="/sources/{slug}.txt" type="text/plain">' in html
    assert f"<code>{doc['file']}</code>" in html
    assert f'<link rel="alternate" type="text/plain" href="/sources/{slug}.txt">' in html


@pytest.mark.parametrize("accept, extension", [
    (BROWSER, "html"), ("", "html"), ("*/*", "html"), ("text/html", "html"), ("text/plain", "txt"),
    ("text/plain;q=0.9, text/html;q=0.5", "txt"), ("text/*", "html"),
])
def test_the_url_without_extension_negotiates(client, documents, accept, extension):
    slug = sorted(documents)[0]
    response = client.get(f"/sources/{slug}", headers={"Accept": accept} if accept else {})
    assert response.status_code == 303
    assert response.headers["Location"] == f"/sources/{slug}.{extension}"
    assert "Accept" in response.headers["Vary"]


def test_an_extension_wins_over_accept_and_lang_is_kept(client, documents):
    slug = sorted(documents)[0]
    assert client.get(f"/sources/{slug}.html", headers={"Accept": "text/plain"}).content_type.startswith("text/html")
    assert client.get(f"/sources/{slug}.txt", headers={"Accept": "text/html"}).content_type.startswith("text/plain")
    response = client.get(f"/sources/{slug}?lang=zh", headers={"Accept": BROWSER})
    assert response.headers["Location"] == f"/sources/{slug}.html?lang=zh"
    html = client.get(f"/sources/{slug}.html", headers={"Accept": BROWSER})
    assert {"Accept", "Accept-Language"} <= set(html.headers["Vary"].replace(" ", "").split(","))


def test_nothing_acceptable_is_a_406_and_an_unknown_extension_a_404(client, documents):
    slug = sorted(documents)[0]
    response = client.get(f"/sources/{slug}", headers={"Accept": "text/turtle"})
    assert response.status_code == 406
    assert "text/html, text/plain" in response.get_data(as_text=True)
    assert f"</sources/{slug}.txt>" in response.headers["Link"]
    for extension in ("ttl", "jsonld", "TXT", "htm", "txt.html", "html.txt"):
        response = client.get(f"/sources/{slug}.{extension}")
        assert response.status_code == 404, extension


def test_a_current_copy_gets_a_304(client, documents):
    slug = sorted(documents)[0]
    for extension in ("txt", "html"):
        first = client.get(f"/sources/{slug}.{extension}")
        again = client.get(f"/sources/{slug}.{extension}", headers={"If-None-Match": first.headers["ETag"]})
        assert again.status_code == 304 and not again.data
    assert first.headers["ETag"] != client.get(f"/sources/{slug}.txt").headers["ETag"]


@pytest.mark.parametrize("path", [
    "/sources/no-such-document", "/sources/no-such-document.txt", "/sources/..%2Fsettings", "/sources/..%2Fsettings.txt",
    "/sources/..%2F..%2Fpyproject.toml", "/sources/%2E%2E%2Fserver%2Fsettings.py", "/sources/../server/settings.py",
    "/sources/000_e2bd3e2ee38d0264.txt", "/sources/000_e2bd3e2ee38d0264", "/sources/x%00.txt", "/sources/a/b.txt",
    "/sources/%2Fetc%2Fpasswd", "/sources/.txt", "/sources/", "/sources",
])
def test_an_unknown_text_is_a_404_never_a_file_named_by_the_url(client, path):
    for accept in (BROWSER, "*/*"):
        # Werkzeug answers `//` with a 308 to the path with one slash: follow it.
        response = client.get(path, headers={"Accept": accept}, follow_redirects=True)
        assert response.status_code == 404, (path, response.status_code)
        body = response.get_data(as_text=True)
        assert "import" not in body and "Traceback" not in body, "nothing of a file the URL names"
    if path.startswith("/sources/no-such"):
        assert "/sources/idf-web-beijing-zhejiang" in body, "the 404 lists the texts there are"


def test_request_parameters_are_never_echoed_unescaped(client, documents):
    slug = sorted(documents)[0]
    html = html_of(client, f"/sources/{slug}.html?lang=%3Cscript%3Ealert(1)%3C/script%3E&x=%3Cb%3Epoison%22%3E")
    assert "<script" not in html.replace(SITE_SCRIPT, "", 1).lower() and "<b>poison" not in html and 'poison">' not in html
    body = client.get("/sources/%3Cscript%3Ealert(1)%3C%2Fscript%3E", headers={"Accept": BROWSER}).get_data(as_text=True)
    assert "<script" not in body.replace(SITE_SCRIPT, "", 1).lower()


@pytest.mark.parametrize("language, heading, words", [
    ("en", "Source text", "Passages the data quotes"),
    ("fr", "Texte source", "Passages cités par les données"),
    ("zh", "原文", "数据引用的段落"),
])
def test_the_page_in_each_language(client, documents, language, heading, words):
    slug, doc = sorted(documents.items())[0]
    html = html_of(client, f"/sources/{slug}.html?lang={language}")
    assert f'<html lang="{language}">' in html
    assert f'<p class="types">{heading}</p>' in html and f"<h2>{words}</h2>" in html
    title = doc["labels"].get(language) or doc["labels"]["en"]  # no Chinese label: English, then French
    assert f"<h1>{escape(title)}</h1>" in html
    assert f'href="/id/document/{slug}?lang={language}"' in html, "links keep the language"
    assert '<div class="source-text" lang="fr">' in html, "the text says its own language"
    same = html_of(client, f"/sources/{slug}.html", **{"Accept-Language": language})
    assert f'<html lang="{language}">' in same


def escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("'", "&#39;").replace('"', "&#34;")


def test_on_a_real_server_the_text_is_the_files_bytes(live_server):
    slug = "choose-paris-region-ziipc-mou-2021"
    response = requests.get(f"{live_server.url}sources/{slug}", headers={"Accept": "text/plain"}, timeout=30)
    assert response.status_code == 200 and response.url.endswith(f"/sources/{slug}.txt")
    assert response.content == (SOURCES / "000_e2bd3e2ee38d0264.txt").read_bytes()
    page = requests.get(f"{live_server.url}sources/{slug}", headers={"Accept": BROWSER}, timeout=30)
    assert page.status_code == 200 and page.headers.get("Content-Encoding") == "gzip"
    assert SourcePage(page.text).text == response.content.decode("utf-8")


# --- the texts' own markup, on a copy of the entities fixture -------------------------------------

LEAFLET = ("<b>Le tract</b> & ses \"guillemets\"\n"
           "Signé le 2 janvier\n   2020 <script>alert(4)</script>.\n"
           "<img src=x onerror=alert(5)>\n")
EXTRA_DATA = """
@prefix cg: <def#> .
@prefix rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix dcterms: <http://purl.org/dc/terms/> .
@prefix prov: <http://www.w3.org/ns/prov#> .

<id/document/leaflet> dcterms:identifier "leaflet.txt" ; rdfs:label "Le <i>tract</i>"@fr , "The <i>leaflet</i>"@en .
<id/document/escape> dcterms:identifier "../outside.txt" .
<id/document/linked> dcterms:identifier "linked.txt" .
<id/document/hidden> dcterms:identifier ".hidden.txt" .

<id/attestation/evil-missing> a cg:Attestation ;
    rdf:subject <id/agreement/evil> ; rdf:predicate rdfs:label ; rdf:object "Accord piégé"@fr ;
    cg:quote "Jamais <dit>"@fr ;
    prov:wasDerivedFrom <id/document/leaflet> .
<id/attestation/evil-overlap> a cg:Attestation ;
    rdf:subject <id/agreement/evil> ; rdf:predicate cg:party ; rdf:object <id/territory/paris> ;
    cg:quote "janvier 2020 <script>"@fr ;
    prov:wasDerivedFrom <id/document/leaflet> .
"""


@pytest.fixture(scope="module")
def markup_client(tmp_path_factory):
    root = tmp_path_factory.mktemp("markup") / "project"
    shutil.copytree(FIXTURES / "entities", root, ignore=shutil.ignore_patterns("var"))
    (root / "data" / "texts.ttl").write_text(EXTRA_DATA, encoding="utf-8")
    sources = root / "data" / "sources"
    sources.mkdir()
    (sources / "leaflet.txt").write_text(LEAFLET, encoding="utf-8")
    (sources / ".hidden.txt").write_text("hidden", encoding="utf-8")
    (root / "outside.txt").write_text("SECRET outside the folder", encoding="utf-8")
    (root / "data" / "outside.txt").write_text("SECRET outside the folder", encoding="utf-8")
    (sources / "linked.txt").symlink_to(root / "outside.txt")
    settings = Settings(root=root, validate_on_start=False, var_dir=tmp_path_factory.mktemp("markup-var"))
    return create_app(settings).test_client()


def test_markup_in_a_text_and_its_quotes_stays_text(markup_client):
    html = html_of(markup_client, "/sources/leaflet.html")
    assert "<script" not in html.replace(SITE_SCRIPT, "", 1).lower() and "<img" not in html and "<b>Le" not in html and "<i>" not in html
    assert "&lt;b&gt;Le tract&lt;/b&gt; &amp; ses &#34;guillemets&#34;" in html
    assert "<h1>The &lt;i&gt;leaflet&lt;/i&gt;</h1>" in html
    page = SourcePage(html)
    assert page.text == LEAFLET
    assert [page.text[m["start"]:m["end"]] for m in page.marks] == ["Signé le 2 janvier\n   2020 <script>alert(4)</script>."]
    assert page.positions["evil-date"] == page.marks[0]["start"] and page.marks[0]["id"] == "evil-date"
    assert page.text[page.positions["evil-overlap"]:].startswith("janvier\n   2020 <script>")
    assert page.ids["evil-missing"] == 1 and "not-located" in page.ids, "a quote not in the text is listed, anchored"
    assert "Jamais &lt;dit&gt;" in html
    assert markup_client.get("/sources/leaflet.txt").data == LEAFLET.encode()
    agreement = html_of(markup_client, "/doc/agreement/evil.html")
    assert 'href="/sources/leaflet.html#evil-date"' in agreement


@pytest.mark.parametrize("slug", ["escape", "linked", "hidden"])
def test_a_file_name_leading_out_of_the_folder_is_no_text(markup_client, slug):
    for path in (f"/sources/{slug}", f"/sources/{slug}.txt", f"/sources/{slug}.html"):
        response = markup_client.get(path)
        assert response.status_code == 404 and b"SECRET" not in response.data and response.data != b"hidden"
    assert "/sources/" not in html_of(markup_client, f"/doc/document/{slug}.html")


# --- locating, without a server -----------------------------------------------------------------


def test_quotes_are_found_whitespace_normalised_and_overlaps_merged():
    text = "Un  texte\nqui coupe\n  ses lignes. Et une autre phrase.\n"
    statements = [Statement("http://x/id/attestation/a", ("texte qui coupe ses",)),
                  Statement("http://x/id/attestation/b", ("coupe ses lignes.",)),
                  Statement("http://x/id/attestation/c", ("une autre",)),
                  Statement("http://x/id/attestation/d", ("absente",)),
                  Statement("http://x/id/attestation/e", ("texte\tqui", "autre phrase"))]
    located = locate(text, statements)
    spans = [(text[m.start:m.end], m.anchor, m.line) for m in located.marks]
    assert spans == [("texte\nqui coupe\n  ses lignes.", "a", 1), ("une autre phrase", "c", 3)]
    anchors = [p.text for p in located.pieces if p.kind == "anchor"]
    assert sorted(anchors) == ["b", "e"], "the others are anchored once, inside their mark"
    assert located.unlocated == (("http://x/id/attestation/d", "absente", "d"),)
    assert located.lines == 3 and "".join(p.text for p in located.pieces if p.kind == "text") == text
    assert normalise_whitespace(" a\u00a0\n b\t") == re.sub(r"\s+", " ", " a\u00a0\n b\t").strip() == "a b"

"""What search engines and crawlers read: schema.org JSON-LD in the pages (server/structured_data.py),
meta descriptions, the favicon, /robots.txt and /sitemap.xml (server/views/site.py).

The JSON-LD is extracted from the served pages with extruct (what crawlers' own extractors do), read with
rdflib's JSON-LD parser, and compared with what the data says through /sparql and the dataset's VoID.
"""

from __future__ import annotations

import json
import re
import sys
import xml.etree.ElementTree as ET
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime

import extruct
import lxml.html
import pytest
import rdflib
import requests
from pyoxigraph import Literal, NamedNode, Triple
from rdflib.namespace import DCAT, DCTERMS, RDF

from conftest import PROJECT_ROOT
from server import create_app
from server.settings import Settings
from server.state import app_state
from server.structured_data import SchemaTerms, entity_data, script_json
from server.views.site import sitemap_urls

TIMEOUT = 30
SDO = rdflib.Namespace("http://schema.org/")
SITEMAP = "{http://www.sitemaps.org/schemas/sitemap/0.9}"
HTML = {"Accept": "text/html"}
RESULTS_JSON = {"Accept": "application/sparql-results+json"}
# Entities of the project's data, each with the schema.org type its page must give (server/schema-org.ttl
# and the ontology's own rdfs:subClassOf schema:…).
ENTITIES = {
    "territory/zhejiang": "State",
    "territory/france": "Country",
    "territory/hangzhou": "City",
    "person/laurent-bili": "Person",
    "organisation/choose-paris-region": "GovernmentOrganization",
    "event/zhengzhou-delegation-amiens-2019": "Event",
    "agreement/idf-zhejiang-2018": "CreativeWork",
    "concept/health": "DefinedTerm",
}


def get(live_server, path: str, **headers) -> requests.Response:
    return requests.get(live_server.url + path, headers={**HTML, **headers}, timeout=TIMEOUT)


def json_ld_graph(page: requests.Response) -> rdflib.Graph:
    """Every JSON-LD block extruct finds in the page, read by rdflib."""
    items = extruct.extract(page.text, base_url=page.url, syntaxes=["json-ld"], uniform=False)["json-ld"]
    assert items, f"no JSON-LD in {page.url}"
    graph = rdflib.Graph()
    for item in items:
        graph.parse(data=json.dumps(item), format="json-ld")
    return graph


def select(live_server, query: str) -> list[dict]:
    response = requests.get(live_server.url + "sparql", params={"query": query}, headers=RESULTS_JSON, timeout=TIMEOUT)
    assert response.status_code == 200, response.text
    return response.json()["results"]["bindings"]


def void(live_server) -> rdflib.Graph:
    response = requests.get(live_server.url + ".well-known/void", headers={"Accept": "text/turtle"}, timeout=TIMEOUT)
    assert response.status_code == 200
    return rdflib.Graph().parse(data=response.text, format="turtle")


def meta_description(page: requests.Response) -> tuple[str, str]:
    """The page's meta description and its language."""
    tree = lxml.html.fromstring(page.content)
    contents = tree.xpath('//head/meta[@name="description"]/@content')
    assert len(contents) == 1, f"{page.url}: {len(contents)} meta descriptions"
    return contents[0], tree.get("lang")


# --- the dataset --------------------------------------------------------------------------------------------

@pytest.mark.parametrize("path", ["", "dataset.html"])
def test_the_home_and_dataset_pages_describe_the_dataset_as_the_void_does(live_server, path):
    graph = json_ld_graph(get(live_server, path))
    described = void(live_server)
    dataset = rdflib.URIRef(live_server.base_iri + "dataset")
    assert (dataset, RDF.type, SDO.Dataset) in graph
    assert set(graph.objects(dataset, SDO.license)) == set(described.objects(dataset, DCTERMS.license)) != set()
    assert set(graph.objects(dataset, SDO.name)) == set(described.objects(dataset, DCTERMS.title))
    assert set(graph.objects(dataset, SDO.description)) == set(described.objects(dataset, DCTERMS.description))
    modified = next(described.objects(dataset, DCTERMS.modified)).toPython()
    assert datetime.fromisoformat(str(graph.value(dataset, SDO.dateModified))) == modified
    assert graph.value(dataset, SDO.url) == rdflib.URIRef(live_server.base_iri)
    assert str(graph.value(dataset, SDO.version)) == requests.get(live_server.url + "healthz", timeout=TIMEOUT).json()["version"]
    creator = graph.value(dataset, SDO.creator)
    assert (creator, RDF.type, SDO.Organization) in graph and graph.value(creator, SDO.name) is not None
    assert graph.value(dataset, SDO.publisher) == creator  # the settings name no creator: the publisher made it

    # One DataDownload per dump the VoID lists, each downloading from this server.
    urls = {graph.value(download, SDO.contentUrl) for download in graph.objects(dataset, SDO.distribution)}
    listed = set(described.objects(None, DCAT.downloadURL))
    assert urls == listed and len(urls) >= 4
    for download in graph.objects(dataset, SDO.distribution):
        assert (download, RDF.type, SDO.DataDownload) in graph
        assert str(graph.value(download, SDO.encodingFormat)).count("/") == 1  # a media type
        with requests.get(str(graph.value(download, SDO.contentUrl)), stream=True, timeout=TIMEOUT) as response:
            assert response.status_code == 200 and next(response.iter_content(64))

    # Coverage, from the data: its date bounds, and the outermost places holding others (with their sameAs).
    start = select(live_server, "PREFIX cg: <def#> SELECT (MIN(?d) AS ?b) WHERE { ?x cg:earliestDate ?d }")[0]["b"]
    end = select(live_server, "PREFIX cg: <def#> SELECT (MAX(?d) AS ?b) WHERE { ?x cg:latestDate ?d }")[0]["b"]
    assert str(graph.value(dataset, SDO.temporalCoverage)) == f"{start['value']}/{end['value']}"
    places = set(graph.objects(dataset, SDO.spatialCoverage))
    assert rdflib.URIRef(live_server.base_iri + "id/territory/france") in places
    for place in places:
        assert (place, RDF.type, SDO.Place) in graph and graph.value(place, SDO.name) is not None
    france = rdflib.URIRef(live_server.base_iri + "id/territory/france")
    assert rdflib.URIRef("http://www.wikidata.org/entity/Q142") in set(graph.objects(france, SDO.sameAs))


def test_the_dataset_names_come_in_the_page_language_first(live_server):
    for language in ("en", "fr", "zh"):
        page = get(live_server, f"?lang={language}")
        graph = json_ld_graph(page)
        dataset = rdflib.URIRef(live_server.base_iri + "dataset")
        names = {name.language for name in graph.objects(dataset, SDO.name)}
        assert language in names
        # The plain string of the page's language is the context's default language.
        item = extruct.extract(page.text, syntaxes=["json-ld"], uniform=False)["json-ld"][0]
        assert isinstance(item["name"][0], str) and item["@context"]["@language"] == language


# --- entities --------------------------------------------------------------------------------------------

@pytest.mark.parametrize("path, schema_type", sorted(ENTITIES.items()))
@pytest.mark.parametrize("language", ["en", "fr"])
def test_each_entity_page_gives_its_schema_org_type_name_and_url(live_server, path, schema_type, language):
    page = get(live_server, f"doc/{path}.html?lang={language}")
    assert page.status_code == 200
    graph = json_ld_graph(page)
    entity = rdflib.URIRef(f"{live_server.base_iri}id/{path}")
    assert set(graph.objects(entity, RDF.type)) == {SDO[schema_type]}
    assert graph.value(entity, SDO.url) == rdflib.URIRef(f"{live_server.base_iri}doc/{path}.html")
    labels = select(live_server, f"""PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
        PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
        SELECT ?label WHERE {{ <{entity}> rdfs:label|skos:prefLabel ?label FILTER(lang(?label) = "{language}") }}""")
    assert labels
    names = set(graph.objects(entity, SDO.name))
    assert {rdflib.Literal(row["label"]["value"], lang=language) for row in labels} & names


def test_entities_say_what_they_are_the_same_as_and_their_key_properties(live_server):
    base = live_server.base_iri
    france = json_ld_graph(get(live_server, "doc/territory/france.html"))
    same = select(live_server, f"PREFIX owl: <http://www.w3.org/2002/07/owl#> "
                               f"SELECT ?same WHERE {{ <{base}id/territory/france> owl:sameAs ?same }}")
    assert same and {rdflib.URIRef(row["same"]["value"]) for row in same} <= set(
        france.objects(rdflib.URIRef(base + "id/territory/france"), SDO.sameAs))

    zhejiang = rdflib.URIRef(base + "id/territory/zhejiang")
    graph = json_ld_graph(get(live_server, "doc/territory/zhejiang.html"))
    assert rdflib.URIRef(base + "id/territory/china") in set(graph.objects(zhejiang, SDO.containedInPlace))

    event = rdflib.URIRef(base + "id/event/zhengzhou-delegation-amiens-2019")
    start = select(live_server, f"PREFIX schema: <http://schema.org/> SELECT ?d WHERE {{ <{event}> schema:startDate ?d }}")
    graph = json_ld_graph(get(live_server, "doc/event/zhengzhou-delegation-amiens-2019.html"))
    assert str(graph.value(event, SDO.startDate)) == start[0]["d"]["value"]
    assert graph.value(event, SDO.location) is not None

    person = rdflib.URIRef(base + "id/person/laurent-bili")
    posts = select(live_server, f"""PREFIX org: <http://www.w3.org/ns/org#>
        PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
        SELECT ?title WHERE {{ ?post org:heldBy <{person}> ; rdfs:label ?title FILTER(lang(?title) = "fr") }}""")
    graph = json_ld_graph(get(live_server, "doc/person/laurent-bili.html?lang=fr"))
    assert {rdflib.Literal(row["title"]["value"], lang="fr") for row in posts} == set(graph.objects(person, SDO.jobTitle))


def test_a_value_holding_a_closing_script_tag_cannot_break_out():
    evil = '</script><script>alert("x")</script><!-- & \u2028'
    iri = "http://example.org/id/thing/x"
    triples = [Triple(NamedNode(iri), NamedNode("http://www.w3.org/2000/01/rdf-schema#label"), Literal(evil, language="en")),
               Triple(NamedNode(iri), NamedNode("http://www.w3.org/2000/01/rdf-schema#comment"), Literal(evil)),
               Triple(NamedNode(iri), NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type"),
                      NamedNode("http://example.org/def#Uni"))]
    terms = SchemaTerms.from_statements([
        ("http://example.org/def#Uni", "http://www.w3.org/2000/01/rdf-schema#subClassOf", "http://schema.org/CollegeOrUniversity"),
        ("http://www.w3.org/2000/01/rdf-schema#comment", "http://www.w3.org/2000/01/rdf-schema#subPropertyOf",
         "http://schema.org/description")])
    written = str(script_json(entity_data(iri, triples, terms, language="en", url=iri + ".html")))
    assert not set("<>&\u2028") & set(written)
    assert json.loads(written)["name"] == [evil] and json.loads(written)["description"] == [evil]

    # In a page, the script is still one element, and a JSON-LD reader gets the value back whole.
    page = f'<html><head><script type="application/ld+json">{written}</script></head><body></body></html>'
    assert page.count("</script>") == 1
    item = extruct.extract(page, syntaxes=["json-ld"], uniform=False)["json-ld"][0]
    graph = rdflib.Graph().parse(data=json.dumps(item), format="json-ld")
    assert graph.value(rdflib.URIRef(iri), SDO.name) == rdflib.Literal(evil, lang="en")
    assert (rdflib.URIRef(iri), RDF.type, SDO.CollegeOrUniversity) in graph


def test_the_most_specific_schema_org_type_wins():
    subclass = "http://www.w3.org/2000/01/rdf-schema#subClassOf"
    terms = SchemaTerms.from_statements([
        ("http://example.org/Uni", subclass, "https://schema.org/CollegeOrUniversity"),  # https is schema.org too
        ("http://example.org/Org", subclass, "http://schema.org/Organization"),
        ("http://schema.org/CollegeOrUniversity", subclass, "http://schema.org/EducationalOrganization"),
        ("http://schema.org/EducationalOrganization", subclass, "http://schema.org/Organization")])
    assert terms.types_of(["http://example.org/Uni", "http://example.org/Org"]) == ("http://schema.org/CollegeOrUniversity",)
    assert terms.types_of(["http://example.org/Org", "http://schema.org/Place"]) == (
        "http://schema.org/Organization", "http://schema.org/Place")
    assert terms.types_of(["http://example.org/Unknown"]) == ("http://schema.org/Thing",)


# --- meta descriptions and the favicon ------------------------------------------------------------------------

def test_every_page_has_a_meta_description_in_its_language_and_the_favicon(live_server):
    described = void(live_server)
    dataset = rdflib.URIRef(live_server.base_iri + "dataset")
    for language in ("en", "fr", "zh"):
        home = get(live_server, f"?lang={language}")
        text, lang = meta_description(home)
        assert lang == language
        assert rdflib.Literal(text, lang=language) in set(described.objects(dataset, DCTERMS.description))
    for path in ("browse/", "dataset.html", "sparql", "def.html", "search?q=zhejiang"):
        text, _ = meta_description(get(live_server, path))
        assert len(text) > 20
    # Pages of their own kind say what they are, not the dataset's sentence again.
    dataset_sentence, _ = meta_description(get(live_server, "?lang=fr"))
    said = {}
    for path in ("browse/", "browse/cg:Agreement", "sparql", "def.html", "shapes.html", "search?q=zhejiang", "dumps/",
                 "sources/idf-zhejiang-agreement-signature-2018.html"):
        text, lang = meta_description(get(live_server, path + ("&" if "?" in path else "?") + "lang=fr"))
        assert lang == "fr" and text != dataset_sentence and len(text) > 20, (path, text)
        said[path] = text
    assert len(set(said.values())) == len(said), "each page type has its own description"
    for path in ("", "browse/", "doc/territory/zhejiang.html"):
        icons = lxml.html.fromstring(get(live_server, path).content).xpath('//head/link[@rel="icon"]/@href')
        assert len(icons) == 1
        icon = requests.get(live_server.url + icons[0].lstrip("/"), timeout=TIMEOUT)
        assert icon.status_code == 200 and icon.headers["Content-Type"].startswith("image/svg+xml")
    favicon = requests.get(live_server.url + "favicon.ico", timeout=TIMEOUT)
    assert favicon.status_code == 200 and favicon.history and favicon.content.startswith(b"<svg")


def test_entity_descriptions_are_sentences_of_the_data_in_the_page_language(live_server):
    base = live_server.base_iri
    # A comment in the page's language is the description.
    comments = select(live_server, f"""PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
        SELECT ?comment WHERE {{ <{base}id/organisation/choose-paris-region> rdfs:comment ?comment
        FILTER(lang(?comment) = "fr") }}""")
    text, lang = meta_description(get(live_server, "doc/organisation/choose-paris-region.html?lang=fr"))
    if comments:
        assert lang == "fr" and text.rstrip("…") in " ".join(comments[0]["comment"]["value"].split())
    # Without one, a sentence naming it and its kind, in the page's language (here Chinese).
    text, lang = meta_description(get(live_server, "doc/territory/zhejiang.html?lang=zh"))
    assert lang == "zh" and "浙江" in text and "收录于" in text
    text, lang = meta_description(get(live_server, "doc/person/laurent-bili.html?lang=fr"))
    assert lang == "fr" and text.startswith("Laurent Bili") and " dans " in text


# --- robots.txt and the sitemap --------------------------------------------------------------------------------

def test_robots_txt_lets_pages_be_crawled_but_not_queries(live_server):
    response = requests.get(live_server.url + "robots.txt", timeout=TIMEOUT)
    assert response.status_code == 200 and response.headers["Content-Type"].startswith("text/plain")
    lines = response.text.splitlines()
    assert f"Sitemap: {live_server.base_iri}sitemap.xml" in lines
    assert {"User-agent: *", "Disallow: /sparql?", "Disallow: /suggest"} <= set(lines)
    for path in ("/", "/doc/territory/zhejiang.html", "/sparql", "/dumps/coopgraph.ttl", "/sitemap.xml"):
        assert allowed(lines, path), path
    for path in ("/sparql?query=SELECT%20*%20WHERE%20%7B%3Fs%20%3Fp%20%3Fo%7D", "/sparql?example=x", "/suggest?q=zh", "/language?to=fr&next=/",
                 "/reconcile?queries=%7B%7D"):
        assert not allowed(lines, path), path


def allowed(lines: list[str], path: str) -> bool:
    """RFC 9309 for rules without wildcards (urllib.robotparser drops a rule's `?`): the longest rule
    matching the path and query decides, Allow winning a tie; no rule, allowed."""
    rules = [(len(value), field.lower() == "allow") for field, _, value in (line.partition(": ") for line in lines)
             if field.lower() in ("allow", "disallow") and value and path.startswith(value)]
    return max(rules, default=(0, True))[1] if rules else True


def test_the_sitemap_lists_every_entity_page_and_each_answers(live_server):
    response = requests.get(live_server.url + "sitemap.xml", timeout=TIMEOUT)
    assert response.status_code == 200 and response.headers["Content-Type"].startswith("application/xml")
    root = ET.fromstring(response.content)
    assert root.tag == SITEMAP + "urlset"
    entries = root.findall(SITEMAP + "url")
    assert 0 < len(entries) <= 50_000 and len(response.content) <= 50 * 1024 * 1024
    urls = [entry.findtext(SITEMAP + "loc") for entry in entries]
    assert len(set(urls)) == len(urls) and all(url.startswith(live_server.base_iri) for url in urls)
    for entry in entries:  # W3C Datetime
        datetime.fromisoformat(entry.findtext(SITEMAP + "lastmod"))

    space = live_server.base_iri + "id/"
    entities = select(live_server, f'SELECT DISTINCT ?s WHERE {{ ?s ?p ?o FILTER(isIRI(?s) && STRSTARTS(STR(?s), "{space}")) }}')
    expected = {f"{live_server.base_iri}doc/{row['s']['value'][len(space):]}.html" for row in entities}
    assert len(expected) > 100 and expected <= set(urls)
    assert live_server.base_iri in urls and live_server.base_iri + "dataset.html" in urls

    with requests.Session() as session, ThreadPoolExecutor(8) as pool:
        statuses = dict(pool.map(lambda url: (url, session.get(url, headers=HTML, timeout=TIMEOUT).status_code), urls))
    assert {url: status for url, status in statuses.items() if status != 200} == {}

    again = requests.get(live_server.url + "sitemap.xml", headers={"If-None-Match": response.headers["ETag"]},
                         timeout=TIMEOUT)
    assert again.status_code == 304 and not again.content


@pytest.fixture
def project_app(tmp_path):
    """An app of its own per test: its replay keeps the /sitemap.xml it answered."""
    return create_app(Settings(root=PROJECT_ROOT, var_dir=tmp_path, validate_on_start=False))


def test_a_large_sitemap_is_split_into_numbered_files_under_an_index(project_app, monkeypatch):
    # The module, not the blueprint server.views exports under the same name.
    monkeypatch.setattr(sys.modules["server.views.site"], "URLS_PER_FILE", 100)
    client = project_app.test_client()
    with project_app.app_context():
        everything = sitemap_urls(app_state())
    assert len(everything) > 300  # several files

    index = client.get("/sitemap.xml")
    assert index.status_code == 200
    root = ET.fromstring(index.data)
    assert root.tag == SITEMAP + "sitemapindex"
    files = [entry.findtext(SITEMAP + "loc") for entry in root.findall(SITEMAP + "sitemap")]
    base = app_state(project_app).settings.base_iri
    assert files == [f"{base}sitemap-{number}.xml" for number in range(1, len(files) + 1)]
    assert len(files) == -(-len(everything) // 100)

    listed = []
    for url in files:
        part = client.get("/" + url[len(base):])
        assert part.status_code == 200
        chunk = ET.fromstring(part.data)
        assert chunk.tag == SITEMAP + "urlset"
        locs = [entry.findtext(SITEMAP + "loc") for entry in chunk.findall(SITEMAP + "url")]
        assert 0 < len(locs) <= 100
        listed += locs
    assert listed == list(everything)
    for number in (0, len(files) + 1):
        missing = client.get(f"/sitemap-{number}.xml")
        assert missing.status_code == 404 and b"sitemap" in missing.data


def test_a_small_sitemap_has_no_numbered_files(project_app):
    client = project_app.test_client()
    assert ET.fromstring(client.get("/sitemap.xml").data).tag == SITEMAP + "urlset"
    response = client.get("/sitemap-1.xml")
    assert response.status_code == 404 and re.search(rb"one file", response.data)

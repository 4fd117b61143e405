"""Search as people and programs use it (server/views/search.py): /search in HTML and JSON, /suggest, the search box
with its suggestions in a real Chromium, and the near matches an unknown entity's 404 page offers.

Golden searches run on the real project: what a journalist would type (no accents, the start of a name, Chinese,
the sources' own spellings) must find the entity meant, first or on the first page. Bad input gets a 4xx saying what
was wrong, never a 500, and whatever is echoed is escaped.
"""

from __future__ import annotations

import json
import random
import re
from html import unescape
from urllib.parse import quote, urlsplit

import pytest
import requests
from playwright.sync_api import expect, sync_playwright

from conftest import PROJECT_ROOT
from server import create_app
from server.settings import Settings
from server.views.search import MAX_Q_BYTES, PAGE_SIZE, SUGGESTIONS
from tests.chromium import CHROMIUM, CHROMIUM_ARGS

BASE = "http://127.0.0.1:8000/"
BROWSER = {"Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"}
JSON_ACCEPT = {"Accept": "application/json"}
TIMEOUT = 30


@pytest.fixture(scope="module")
def client(tmp_path_factory):
    settings = Settings(root=PROJECT_ROOT, validate_on_start=False, var_dir=tmp_path_factory.mktemp("search-var"))
    return create_app(settings).test_client()


def search(client, query: str = "", **parameters) -> dict:
    response = client.get("/search", query_string={"q": query, **parameters}, headers=JSON_ACCEPT)
    assert response.status_code == 200, (query, parameters, response.status_code, response.get_data(as_text=True))
    assert response.content_type == "application/json"
    return response.get_json()


def ids(found: dict) -> list[str]:
    return [result["id"].removeprefix(BASE) for result in found["results"]]


def every_page(client, query: str, **parameters) -> list[dict]:
    first = search(client, query, **parameters)
    results = list(first["results"])
    for number in range(2, first["pages"] + 1):
        results += search(client, query, page=number, **parameters)["results"]
    return results


def html(client, url: str, status: int = 200, **headers) -> str:
    response = client.get(url, headers={**BROWSER, **headers})
    assert response.status_code == status, (url, response.status_code, response.get_data(as_text=True)[:500])
    assert response.content_type == "text/html; charset=utf-8"
    return response.get_data(as_text=True)


def main_of(page: str) -> str:
    return page[page.index("<main"):]


# --- golden searches on the real project ------------------------------------------------------------------

def test_region_finds_the_ile_de_france_region_on_the_first_page(client):
    found = search(client, "Region")
    assert "id/organisation/region-ile-de-france" in ids(found)
    assert 'href="/id/organisation/region-ile-de-france"' in html(client, "/search?q=Region")


def test_pekin_finds_beijing_the_territory_and_its_government_exact_names_first(client):
    found = search(client, "Pekin")
    assert set(ids(found)[:2]) == {"id/territory/beijing", "id/organisation/beijing-municipal-government"}
    assert [result["matched"] for result in found["results"][:2]] == ["Pékin", "Pékin"]
    assert [result["closeness"] for result in found["results"][:2]] == [0, 0]
    assert all(result["closeness"] > 0 for result in found["results"][2:])


def test_the_start_of_a_name_finds_it_first(client):
    assert ids(search(client, "Zhej"))[0] == "id/territory/zhejiang"


def test_chinese_finds_names_containing_it(client):
    found = {result["id"].removeprefix(BASE): result["matched"] for result in search(client, "浙江")["results"]}
    assert found["id/territory/zhejiang"] == "浙江省"
    assert found["id/organisation/zhejiang-university"] == "浙江大学"


@pytest.mark.parametrize("variant, meant", [("Zheijiang", "id/territory/zhejiang"),
                                            ("Whenzhou", "id/territory/wenzhou")])
def test_the_sources_spellings_find_what_they_name(client, variant, meant):
    found = search(client, variant)
    assert ids(found)[0] == meant
    assert found["results"][0]["matched"] == variant


def test_a_chinese_name_is_found_from_the_english_page_and_an_english_name_from_the_chinese_page(client):
    english = main_of(html(client, "/search?q=" + quote("浙江大学") + "&lang=en"))
    assert '<a href="/id/organisation/zhejiang-university?lang=en">Zhejiang University</a>' in english
    assert "also: 浙江大学" in english
    chinese = main_of(html(client, "/search?q=Zhejiang+University&lang=zh"))
    assert '<a href="/id/organisation/zhejiang-university?lang=zh">浙江大学</a>' in chinese
    assert "又作： Zhejiang University" in chinese
    found = search(client, "Zhejiang University", lang="zh")
    assert found["results"][0]["name"] == "浙江大学" and found["results"][0]["matched"] == "Zhejiang University"


def test_the_order_is_stable_and_exact_names_come_first(client):
    for query in ("Region", "Pekin", "Zhejiang", "accord"):
        first, again = every_page(client, query), every_page(client, query)
        assert first == again
        closeness = [result["closeness"] for result in first]
        assert closeness == sorted(closeness), query
        assert len({result["id"] for result in first}) == len(first), "no entity twice across pages"


# --- /search in HTML and JSON ---------------------------------------------------------------------------------

def test_the_json_says_what_the_contract_says(client):
    found = search(client, "zhej")
    assert set(found) == {"query", "total", "per_kind", "page", "pages", "results"}
    assert found["query"] == "zhej" and found["page"] == 1 and found["total"] == sum(found["per_kind"].values())
    assert len(found["results"]) == min(PAGE_SIZE, found["total"])
    first = found["results"][0]
    assert set(first) == {"id", "name", "kind", "matched", "closeness", "description", "url"}
    assert first == {"id": BASE + "id/territory/zhejiang", "name": "Zhejiang", "kind": "territory",
                     "matched": "Zhejiang", "closeness": 1, "description": first["description"],
                     "url": "/id/territory/zhejiang"}
    assert client.get("/search?q=zhej&format=json").get_json() == found


def test_names_follow_the_language_asked_for(client):
    found = search(client, "Pekin", lang="zh")["results"]
    names = {result["id"].removeprefix(BASE): result["name"] for result in found}
    assert names["id/territory/beijing"] == "北京市"
    by_header = client.get("/search?q=Zhejiang+University", headers={**JSON_ACCEPT, "Accept-Language": "zh-CN"})
    assert by_header.get_json()["results"][0]["name"] == "浙江大学"
    assert by_header.headers["Content-Language"] == "zh"


def test_facet_counts_are_the_number_of_results_of_each_kind(client):
    found = search(client, "zhej")
    results = every_page(client, "zhej")
    assert len(results) == found["total"]
    counted = {}
    for result in results:
        counted[result["kind"]] = counted.get(result["kind"], 0) + 1
    assert counted == found["per_kind"]
    for kind, count in found["per_kind"].items():
        narrowed = every_page(client, "zhej", kind=kind)
        assert len(narrowed) == count and {result["kind"] for result in narrowed} == {kind}
    page = main_of(html(client, "/search?q=zhej"))
    shown = {kind: int(count) for kind, count in
             re.findall(r'data-kind="([^"]+)"[^>]*>[^<]*<span class="count">(\d+)</span>', page)}
    assert shown == found["per_kind"]


def test_kinds_combine_and_every_facet_is_a_link(client):
    found = search(client, "zhej")
    both = client.get("/search?q=zhej&kind=territory&kind=organisation", headers=JSON_ACCEPT).get_json()
    assert both["total"] == found["per_kind"]["territory"] + found["per_kind"]["organisation"]
    assert {result["kind"] for result in both["results"]} == {"territory", "organisation"}
    assert both["per_kind"] == found["per_kind"], "the facets count every kind whatever is chosen"
    page = main_of(html(client, "/search?q=zhej&kind=territory&kind=organisation"))
    facets = dict(re.findall(r'<a href="([^"]+)" data-kind="([^"]+)"', page))
    by_kind = {kind: unescape(href) for href, kind in facets.items()}
    assert by_kind["territory"] == "/search?q=zhej&kind=organisation", "a chosen kind's link removes it"
    assert by_kind["agreement"] == "/search?q=zhej&kind=agreement&kind=organisation&kind=territory"
    assert 'data-kind="territory" aria-current="true"' in page
    assert '<a href="/search?q=zhej">All kinds</a>' in page


def test_a_type_filter_takes_a_prefixed_name_or_an_iri(client):
    by_name = search(client, "zhej", type="cg:Agreement")
    assert by_name["total"] > 0 and {result["kind"] for result in by_name["results"]} == {"agreement"}
    assert search(client, "zhej", type=BASE + "def#Agreement") == by_name
    assert search(client, "zhej", type=f"<{BASE}def#Agreement>") == by_name
    # Entailed classes count: every organisation is an org:Organization, whatever sub-class it was given.
    organisations = search(client, "zhej", type="org:Organization")
    assert found_kinds(organisations) <= {"organisation", "unit"} and organisations["total"] >= 5
    page = main_of(html(client, "/search?q=zhej&type=cg:Agreement"))
    assert "Only instances of" in page and "<code>cg:Agreement</code>" in page
    assert '<a href="/search?q=zhej">remove this filter</a>' in page


def found_kinds(found: dict) -> set[str]:
    return {result["kind"] for result in found["results"]}


def test_pages_of_twenty_in_a_stable_order(client):
    found = search(client, "Region")
    assert found["total"] > 2 * PAGE_SIZE, "the golden query needs three pages"
    pages = [search(client, "Region", page=number) for number in range(1, found["pages"] + 1)]
    assert [len(page["results"]) for page in pages[:-1]] == [PAGE_SIZE] * (found["pages"] - 1)
    assert sum(len(page["results"]) for page in pages) == found["total"]
    assert pages[0] == found
    second = main_of(html(client, "/search?q=Region&page=2"))
    assert '<ol class="search-results" start="21">' in second
    assert 'rel="prev" href="/search?q=Region"' in second and 'rel="next" href="/search?q=Region&amp;page=3"' in second
    beyond = client.get(f"/search?q=Region&page={found['pages'] + 1}")
    assert beyond.status_code == 404 and f"{found['pages']} pages" in beyond.get_data(as_text=True)


def test_conditional_requests_and_vary(client):
    for headers in (BROWSER, JSON_ACCEPT):
        first = client.get("/search?q=zhej", headers=headers)
        assert {"Accept", "Accept-Language"} <= set(first.vary)
        assert first.headers["ETag"] and first.headers["Last-Modified"]
        again = client.get("/search?q=zhej", headers={**headers, "If-None-Match": first.headers["ETag"]})
        assert again.status_code == 304 and not again.data
    tags = {client.get(url, headers=headers).headers["ETag"] for url, headers in [
        ("/search?q=zhej", BROWSER), ("/search?q=zhej", JSON_ACCEPT), ("/search?q=zhe", BROWSER),
        ("/search?q=zhej&kind=territory", BROWSER), ("/search?q=zhej&page=2", BROWSER),
        ("/search?q=zhej&lang=fr", BROWSER), ("/search?q=zhej", {**BROWSER, "Accept-Language": "zh"})]}
    assert len(tags) == 7, "every variant has its own tag"
    link = client.get("/search?q=zhej", headers=BROWSER).headers["Link"]
    assert '</search?q=zhej&format=json>; rel="alternate"; type="application/json"' in link


def test_nothing_of_a_request_with_junk_reaches_the_next(client):
    poisoned = html(client, "/search?q=zhej&poison=%3Cb%3Epoison7f3a&lang=zh")
    assert "poison7f3a" not in poisoned, "links are built from the parameters the page knows"
    clean = html(client, "/search?q=zhej")
    assert "poison7f3a" not in clean and 'lang="en"' in clean


def test_language_links_keep_every_parameter(client):
    page = html(client, "/search?q=zhej&kind=territory&kind=organisation&page=1&lang=fr")
    # The switch (/language) remembers the choice and returns to this search, every parameter kept.
    assert ('href="/language?to=zh&amp;next=%2Fsearch%3Fq%3Dzhej%26kind%3Dorganisation%26kind%3Dterritory%26lang%3Dzh"'
            in page)
    box = page[page.index('<form class="search"'):page.index("</form>")]
    assert 'value="zhej"' in box and box.count('type="hidden" name="kind"') == 2 and 'name="lang" value="fr"' in box


def test_an_empty_query_shows_the_form_and_no_results(client):
    for url in ("/search", "/search?q=", "/search?q=%20%20"):
        page = html(client, url)
        assert '<form class="search" role="search" action="/search"' in page
        assert "search-results" not in page and "Type a name" in page
    assert search(client, "") == {"query": "", "total": 0, "per_kind": {}, "page": 1, "pages": 1, "results": []}


# --- /suggest --------------------------------------------------------------------------------------------------

def test_suggest_gives_a_few_names_cheaply_and_cacheably(client):
    response = client.get("/suggest?q=zhe")
    assert response.status_code == 200 and response.content_type == "application/json"
    found = response.get_json()
    assert found["query"] == "zhe" and 0 < len(found["results"]) <= SUGGESTIONS
    assert len(found["results"]) == SUGGESTIONS, "zhe matches more than ten names"
    assert set(found["results"][0]) == {"id", "name", "lang", "kind", "matched", "also", "url"}
    assert found["results"][0]["id"] == BASE + "id/territory/zhejiang"
    assert "Accept-Language" in response.vary and response.cache_control.public and response.cache_control.max_age
    assert client.get("/suggest?q=zhe", headers={"If-None-Match": response.headers["ETag"]}).status_code == 304
    assert client.get("/suggest?q=" + quote("浙江") + "&lang=zh").get_json()["results"][0]["name"] == "浙江省"


def test_suggest_with_nothing_typed_suggests_nothing(client):
    for url in ("/suggest", "/suggest?q=", "/suggest?q=%20"):
        response = client.get(url)
        assert response.status_code == 200 and response.get_json() == {"query": "", "results": []}


# --- bad input -------------------------------------------------------------------------------------------------

BAD = [
    ("/search?q=" + "a" * (MAX_Q_BYTES + 1), 400, "bytes long"),
    ("/search?q=" + quote("浙" * 400), 400, "bytes long"),
    ("/search?q=" + "a" * 300, 400, "characters long"),
    ("/search?q=a%00b", 400, "control character U+0000"),
    ("/search?q=a%09b", 400, "control character U+0009"),
    ("/search?q=a%0Ab", 400, "control character U+000A"),
    ("/search?q=a%7Fb", 400, "control character U+007F"),
    ("/search?q=x&kind=nope", 400, "kind='nope' is not a kind"),
    ("/search?q=x&kind=", 400, "kind='' is not a kind"),
    ("/search?q=x&kind=territory&kind=%3Cb%3E", 400, "is not a kind"),
    ("/search?q=x&type=cg:Nope", 400, "no entity of this dataset is an instance"),
    ("/search?q=x&type=nope:Thing", 400, "the prefix 'nope' is not one of this dataset"),
    ("/search?q=x&type=Agreement", 400, "neither an IRI nor a prefixed name"),
    ("/search?q=x&type=", 400, "neither an IRI nor a prefixed name"),
    ("/search?q=x&type=http://exa%20mple.org/", 400, "is not an IRI"),
    ("/search?q=x&page=0", 400, "page must be a whole number from 1"),
    ("/search?q=x&page=-1", 400, "page must be a whole number from 1"),
    ("/search?q=x&page=abc", 400, "page must be a whole number from 1"),
    ("/search?q=x&page=1.5", 400, "page must be a whole number from 1"),
    ("/search?q=x&page=%C2%B2", 400, "page must be a whole number from 1"),
    ("/search?q=zhej&page=3", 404, "page 3 does not exist"),
    ("/search?q=zhej&page=" + "9" * 4000, 404, "does not exist"),
    ("/search?page=2", 404, "page 2 does not exist"),
    ("/suggest?q=" + "a" * (MAX_Q_BYTES + 1), 400, "bytes long"),
    ("/suggest?q=a%00b", 400, "control character U+0000"),
    ("/search?q=x&format=ttl", 406, "offered: text/html, application/json"),
]


@pytest.mark.parametrize("url, status, message", BAD)
def test_bad_input_gets_a_clear_4xx(client, url, status, message):
    program = client.get(url, headers={"Accept": "*/*"})
    assert program.status_code == status
    assert program.content_type == "text/plain; charset=utf-8" and message in program.get_data(as_text=True)
    page = client.get(url, headers=BROWSER)
    assert page.status_code == status and page.content_type == "text/html; charset=utf-8"
    assert unescape(page.get_data(as_text=True)).count(message) >= 1


def test_markup_and_sparql_are_searched_as_text_and_escaped(client):
    page = html(client, "/search?q=" + quote("<script>alert(1)</script>\"'&x"))
    assert "<script>alert" not in page and "&lt;script&gt;alert(1)&lt;/script&gt;&#34;&#39;&amp;x" in page
    found = client.get("/search?q=" + quote("<b>Zhejiang</b>"), headers=JSON_ACCEPT)
    assert b"<b>" not in found.data and "\\u003cb\\u003eZhejiang" in found.get_data(as_text=True)
    assert found.get_json()["query"] == "<b>Zhejiang</b>" and found.get_json()["total"] > 0
    sparql = search(client, "SELECT ?s WHERE { ?s ?p \"Zhejiang\" } # DROP ALL")
    assert sparql["query"].startswith("SELECT ?s")
    assert search(client, "Zhejiang OR 1=1 --")["total"] >= 0
    escaped = client.get("/search?q=x&kind=%3Cscript%3Ealert(1)%3C/script%3E", headers=BROWSER)
    assert escaped.status_code == 400 and b"<script>alert" not in escaped.data


def test_never_a_500_whatever_is_asked(client):
    rng = random.Random(15)
    alphabet = "aZé浙江 -_'\"<>&%;{}()?*:#\\/\u200b\u202e\ufeff\U0001f600" + "".join(map(chr, range(0x20, 0x7f)))
    failures = {}
    for _ in range(300):
        text = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 40)))
        for url in (f"/search?q={quote(text)}", f"/suggest?q={quote(text)}", f"/search?q=zhej&type={quote(text)}",
                    f"/search?q=zhej&kind={quote(text)}", f"/search?q=zhej&page={quote(text)}",
                    f"/id/territory/{quote(text, safe='')}"):
            for headers in (BROWSER, JSON_ACCEPT):
                status = client.get(url, headers=headers).status_code
                if status >= 500:
                    failures[url] = status
    for raw in ("/search?q=%FF%FE", "/search?q=%C3", "/search?q=%ED%A0%80", "/suggest?q=%F0%9F",
                "/search?q=zhej&lang=%00", "/search?q=zhej&format=%00", "/search?q=zhej&page=%00",
                "/search?q=" + "浙" * 200, "/search?q=" + "a " * 100, "/search?q=" + "\"*" * 100):
        status = client.get(raw, headers=BROWSER).status_code
        if status >= 500:
            failures[raw] = status
    assert not failures, failures


# --- near matches on an unknown entity's 404 page -----------------------------------------------------------------

def near_matches(page: str) -> list[str]:
    section = page[page.index('<section class="near-matches">'):]
    return re.findall(r'<li><a href="([^"]+)"', section[:section.index("</section>")])


def test_an_unknown_organisation_suggests_the_one_meant(client):
    page = html(client, "/id/organisation/zhejiang-univ", 404)
    links = near_matches(page)
    assert links[0] == "/id/organisation/zhejiang-university" and 1 <= len(links) <= 5
    assert '<a href="/search?q=zhejiang+univ">Search for <q>zhejiang univ</q></a>' in page


def test_an_unknown_territory_suggests_beijing_first_its_kind_preferred(client):
    links = near_matches(html(client, "/id/territory/pekin", 404))
    assert links[:2] == ["/id/territory/beijing", "/id/organisation/beijing-municipal-government"]
    organisation = near_matches(html(client, "/id/organisation/pekin", 404))
    assert organisation[0] == "/id/organisation/beijing-municipal-government"
    assert near_matches(html(client, "/doc/territory/pekin.html?lang=zh", 404))[0] == "/id/territory/beijing?lang=zh"
    assert near_matches(html(client, "/id/territory/pekin-2031", 404))[0] == "/id/territory/beijing", "fewer words"


def test_near_matches_only_for_entity_paths_and_escaped(client):
    assert "near-matches" not in html(client, "/no/such/page", 404)
    assert "near-matches" not in html(client, "/browse/cg:NoSuchClass", 404)
    assert "near-matches" not in client.get("/id/territory/pekin", headers={"Accept": "*/*"}).get_data(as_text=True)
    page = html(client, "/id/territory/%3Cscript%3Ealert(1)%3C%2Fscript%3E", 404)
    assert "<script>alert" not in page
    assert html(client, "/id/" + "a" * 4000, 404)


# --- a real server on every backend ------------------------------------------------------------------------------

@pytest.mark.every_backend
def test_search_and_suggest_answer_on_every_backend(live_server):
    found = requests.get(live_server.url + "search", params={"q": "Zhej"}, headers=JSON_ACCEPT, timeout=TIMEOUT)
    assert found.status_code == 200, found.text
    assert found.json()["results"][0]["id"] == live_server.base_iri + "id/territory/zhejiang"
    page = requests.get(live_server.url + "search", params={"q": "浙江"}, headers=BROWSER, timeout=TIMEOUT)
    assert page.status_code == 200 and 'href="/id/organisation/zhejiang-university"' in page.text
    suggested = requests.get(live_server.url + "suggest", params={"q": "Whenzhou"}, timeout=TIMEOUT)
    assert suggested.status_code == 200 and suggested.json()["results"][0]["url"] == "/id/territory/wenzhou"
    missing = requests.get(live_server.url + "id/territory/pekin", headers=BROWSER, timeout=TIMEOUT)
    assert missing.status_code == 404 and 'href="/id/territory/beijing"' in missing.text
    for _ in range(4):  # both workers, replayed or not: the same bytes
        again = requests.get(live_server.url + "search", params={"q": "Zhej"}, headers=JSON_ACCEPT, timeout=TIMEOUT)
        assert again.content == found.content and again.headers["ETag"] == found.headers["ETag"]


# --- the search box in a real browser ------------------------------------------------------------------------

def test_the_search_box_suggests_and_is_driven_by_the_keyboard(live_server):
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(locale="en-GB", viewport={"width": 375, "height": 800})
            elsewhere, errors = [], []
            page.on("request", lambda request: elsewhere.append(request.url)
                    if urlsplit(request.url).hostname != "127.0.0.1" else None)
            page.on("pageerror", lambda error: errors.append(str(error)))
            page.goto(live_server.url)
            box = page.get_by_role("combobox", name="Search the dataset")
            listbox = page.get_by_role("listbox")
            expect(box).to_have_attribute("aria-expanded", "false")
            box.press_sequentially("zhej", delay=40)
            expect(listbox).to_be_visible()
            expect(box).to_have_attribute("aria-expanded", "true")
            options = listbox.get_by_role("option")
            expect(options.first).to_contain_text("Zhejiang")
            assert options.count() <= SUGGESTIONS
            assert box.get_attribute("aria-controls") == listbox.get_attribute("id")

            box.press("ArrowDown")
            first_id = options.first.get_attribute("id")
            expect(box).to_have_attribute("aria-activedescendant", first_id)
            expect(options.first).to_have_attribute("aria-selected", "true")
            box.press("ArrowDown")
            expect(options.nth(1)).to_have_attribute("aria-selected", "true")
            box.press("ArrowUp")
            expect(box).to_have_attribute("aria-activedescendant", first_id)

            box.press("Escape")
            expect(listbox).to_be_hidden()
            expect(box).to_have_attribute("aria-expanded", "false")
            assert box.get_attribute("aria-activedescendant") is None

            box.press("ArrowDown")  # opens the list again on its first option
            expect(listbox).to_be_visible()
            expect(box).to_have_attribute("aria-activedescendant", first_id)
            box.press("Enter")
            expect(page).to_have_url(live_server.url + "doc/territory/zhejiang.html")
            expect(page.locator("h1")).to_have_text("Zhejiang")

            # With no suggestion chosen, Enter submits the form to the results page.
            box = page.get_by_role("combobox", name="Search the dataset")
            box.press_sequentially("浙江")
            expect(page.get_by_role("listbox")).to_be_visible()
            box.press("Enter")
            expect(page).to_have_url(re.compile(re.escape(live_server.url) + r"search\?q=%E6%B5%99%E6%B1%9F"))
            expect(page.locator("ol.search-results li").first).to_contain_text("Zhejiang")

            # A language the reader chose names the suggestions and follows the link.
            page.goto(live_server.url + "?lang=zh")
            box = page.get_by_role("combobox", name="搜索数据集")
            box.press_sequentially("zhej")
            expect(page.get_by_role("option").first).to_contain_text("浙江省")
            box.press("ArrowDown")
            box.press("Enter")
            expect(page).to_have_url(live_server.url + "doc/territory/zhejiang.html?lang=zh")
            assert not errors, errors
            assert not elsewhere, elsewhere
        finally:
            browser.close()


def test_without_javascript_the_box_is_a_form(live_server):
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(java_script_enabled=False)
            page.goto(live_server.url + "browse/?lang=fr")
            page.get_by_role("searchbox", name="Rechercher dans le jeu de données").fill("Whenzhou")
            page.get_by_role("button", name="Rechercher").click()
            expect(page).to_have_url(live_server.url + "search?q=Whenzhou&lang=fr")
            expect(page.locator("ol.search-results a").first).to_have_text("Wenzhou")
        finally:
            browser.close()


def test_suggest_json_is_what_the_box_reads(client):
    body = json.loads(client.get("/suggest?q=Pekin").data)
    assert [result["url"] for result in body["results"][:2]] == ["/id/organisation/beijing-municipal-government",
                                                                  "/id/territory/beijing"]


def test_the_matched_name_is_shown_only_when_the_name_shown_does_not_explain_the_match(client):
    beijing = next(result for result in client.get("/suggest?q=Pekin").get_json()["results"]
                   if result["url"] == "/id/territory/beijing")
    assert beijing["name"] == "Beijing" and beijing["also"] == "Pékin"
    french = {result["url"]: result for result in client.get("/suggest?q=zhej&lang=fr").get_json()["results"]}
    government = french["/id/organisation/zhejiang-provincial-government?lang=fr"]
    assert government["name"] == "Gouvernement de la province du Zhejiang" and government["also"] == ""
    assert government["matched"] == "Zhejiang Provincial Government", "matched is still given, as written"
    page = main_of(html(client, "/search?q=zhej&lang=fr"))
    assert "aussi : Zhejiang Provincial Government" not in page
    assert "also: Pékin" in main_of(html(client, "/search?q=Pekin"))

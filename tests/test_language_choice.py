"""The language switch keeps the page and is remembered: /language sets a cookie and returns to the same page
in the chosen language; pages reached later without `?lang=` read the cookie before Accept-Language; the
replay never gives a page in one language to a reader who chose another."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import re
from html import unescape

import requests

from server.i18n import LANGUAGE_COOKIE

AGREEMENT = "/doc/agreement/idf-zhejiang-2018.html"  # in the project's data (the live server's)
PAGE = "/browse/"  # in the test fixture's data too (the client's)


def html_language(response) -> str:
    text = response.get_data(as_text=True) if hasattr(response, "get_data") else response.text
    return re.search(r'<html lang="([^"]+)"', text)[1]


def switch_links(html: str) -> dict[str, str]:
    return {language: unescape(href) for href, language in
            re.findall(r'<a href="([^"]+)" hreflang="([^"]+)"', html)}


def test_the_switch_links_keep_the_page_and_its_parameters(client):
    links = switch_links(client.get("/search?q=zhej&page=1&lang=en").get_data(as_text=True))
    assert set(links) == {"en", "fr", "zh"}
    target = parse_qs(urlsplit(links["zh"]).query)
    assert urlsplit(links["zh"]).path == "/language" and target["to"] == ["zh"]
    back = urlsplit(target["next"][0])
    assert back.path == "/search" and parse_qs(back.query) == {"q": ["zhej"], "lang": ["zh"]}


def test_switching_remembers_the_choice_and_returns_to_the_page(client):
    response = client.get("/language", query_string={"to": "zh", "next": PAGE + "?lang=zh"})
    assert response.status_code == 303
    assert response.headers["Location"].endswith(PAGE + "?lang=zh")
    cookie = response.headers["Set-Cookie"]
    assert cookie.startswith(f"{LANGUAGE_COOKIE}=zh;") and "Max-Age=" in cookie and "SameSite=Lax" in cookie
    assert "no-store" in response.headers["Cache-Control"]
    # Later, a page reached without ?lang= is in the chosen language, whatever Accept-Language says.
    later = client.get(PAGE, headers={"Accept-Language": "fr"})
    assert html_language(later) == "zh" and later.content_language == {"zh"} or later.headers["Content-Language"] == "zh"
    assert "Cookie" in later.headers["Vary"] and "Accept-Language" in later.headers["Vary"]
    # An explicit ?lang= still wins over the remembered choice.
    assert html_language(client.get(PAGE + "?lang=en")) == "en"


def test_the_switch_refuses_other_hosts_and_unknown_languages(client):
    for target in ("https://example.org/", "//example.org/x", "/\\example.org", "example.org"):
        response = client.get("/language", query_string={"to": "fr", "next": target})
        assert response.status_code == 400, target
        assert "Set-Cookie" not in response.headers
    response = client.get("/language", query_string={"to": "<de>", "next": "/"}, headers={"Accept": "text/html"})
    assert response.status_code == 400 and b"<de>" not in response.data and b"&lt;de&gt;" in response.data


def test_an_unknown_remembered_language_is_ignored(client):
    client.set_cookie(LANGUAGE_COOKIE, "xx")
    assert html_language(client.get(PAGE, headers={"Accept-Language": "fr"})) == "fr"


def test_the_replay_keeps_languages_apart(live_server):
    """The live server's replay answers repeated pages without Flask: a remembered choice must not get the
    page another reader's request left there, and the other way round."""
    url = live_server.url + AGREEMENT.lstrip("/")
    plain = {"Accept-Language": "en"}
    for _ in range(2):  # the second is replayed
        assert html_language(requests.get(url, headers=plain, timeout=30)) == "en"
    chosen = {**plain, "Cookie": f"other=1; {LANGUAGE_COOKIE}=fr"}
    for _ in range(2):
        assert html_language(requests.get(url, headers=chosen, timeout=30)) == "fr"
    assert html_language(requests.get(url, headers=plain, timeout=30)) == "en"
    # Other cookies change nothing.
    assert html_language(requests.get(url, headers={**plain, "Cookie": "other=2"}, timeout=30)) == "en"


def test_the_live_switch_round_trip(live_server):
    session = requests.Session()
    response = session.get(live_server.url + "language", params={"to": "zh", "next": AGREEMENT + "?lang=zh"},
                           timeout=30)
    assert response.status_code == 200 and response.url.endswith(AGREEMENT + "?lang=zh")
    assert html_language(response) == "zh"
    assert html_language(session.get(live_server.url + AGREEMENT.lstrip("/"), timeout=30)) == "zh"


def test_names_that_fall_back_to_another_language_say_so(live_server):
    """A Chinese page naming something that has no Chinese name marks that name with its own language (a screen
    reader then reads it with the right voice), and names that are Chinese stay unmarked."""
    zh = {"Accept-Language": "zh", "Accept": "text/html"}
    results = requests.get(live_server.url + "search", params={"q": "Pécresse"}, headers=zh, timeout=30).text
    marked = re.search(r'<a href="[^"]*/id/person/valerie-pecresse"( lang="[^"]+")?>', results)
    assert marked and marked[1] in (' lang="fr"', ' lang="en"'), marked
    suggested = requests.get(live_server.url + "suggest", params={"q": "Pécresse"}, headers=zh, timeout=30).json()
    assert suggested["results"][0]["lang"] in ("fr", "en")
    provinces = requests.get(live_server.url + "search", params={"q": "浙江省"}, headers=zh, timeout=30).text
    assert re.search(r'<a href="[^"]*/id/territory/zhejiang">浙江省</a>', provinces)
    home = requests.get(live_server.url, headers=zh, timeout=30).text
    assert '<h1>coopgraph：中法地方合作</h1>' in home

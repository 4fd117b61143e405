"""The query UI in a real headless Chromium against the live server: YASGUI loads from the installed
package with the dataset's prefixes, examples load into it, results come back as a table linking
entity pages, and no request leaves for another host. With JavaScript off, the plain form works."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest
from playwright.sync_api import expect, sync_playwright

from tests.competency import QUERY_FILES

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
EXAMPLE = QUERY_FILES[1].stem  # any competency query with rows


@pytest.fixture(scope="module")
def browser():
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield launched
        launched.close()


def test_yasgui_runs_an_example_and_links_entities(browser, live_server):
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    elsewhere, errors = [], []
    page.on("request", lambda request: elsewhere.append(request.url)
            if urlsplit(request.url).hostname not in ("127.0.0.1", None) and not request.url.startswith("data:") else None)
    page.on("pageerror", lambda error: errors.append(str(error)))
    try:
        page.goto(live_server.url + "sparql")
        editor = page.locator(".CodeMirror")
        expect(editor).to_be_visible()
        expect(page.locator("#plain-form")).to_be_hidden()
        assert "PREFIX cg: <" in page.evaluate("document.querySelector('.CodeMirror').CodeMirror.getValue()")

        page.locator(f"a[data-example='{EXAMPLE}']").click()
        expect(page).to_have_url(live_server.url + "sparql")  # loaded into the editor, not run on a new page
        text = page.evaluate("document.querySelector('.CodeMirror').CodeMirror.getValue()")
        assert text == QUERY_FILES[1].read_text(encoding="utf-8")

        page.locator(".yasqe_queryButton").click()
        links = page.locator(f".yasr table a[href^='{live_server.base_iri}id/']")
        expect(links.first).to_be_visible(timeout=15_000)
        assert not errors, errors
        assert not elsewhere, elsewhere
    finally:
        page.close()


def test_without_javascript_the_form_runs_the_query(browser, live_server):
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    try:
        page.goto(live_server.url + "sparql")
        expect(page.locator("#plain-form")).to_be_visible()
        page.locator("#query").fill("PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>\n"
                                    "SELECT ?s ?label WHERE { ?s rdfs:label ?label } LIMIT 3")
        page.get_by_role("button", name="Run query").click()
        expect(page.locator(".sparql-results table tbody tr")).to_have_count(3)
        expect(page.get_by_role("link", name="CSV")).to_be_visible()
    finally:
        context.close()

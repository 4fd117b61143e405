"""A person's journey in a real headless Chromium (Debian's, driven by Playwright), against the live
server: open the home page, follow links to an agreement, and read what the page shows.
No JavaScript is needed by the pages, so none is relied on."""

from __future__ import annotations

import pyoxigraph
import pytest
from playwright.sync_api import expect, sync_playwright

from conftest import PROJECT_ROOT
from server.settings import Settings
from server.store import MemoryStore
from tests.chromium import CHROMIUM, CHROMIUM_ARGS

SCREENSHOT = "/tmp/coopgraph-e2e-agreement.png"


@pytest.fixture(scope="module")
def attested_agreement(live_server) -> dict:
    """From the data: an agreement with two parties, a signing date and a quoted sentence."""
    store = MemoryStore.from_sources(Settings(root=PROJECT_ROOT, base_iri=live_server.base_iri))
    rows = list(store.query("""
        PREFIX cg: <def#>
        PREFIX rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#>
        PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
        SELECT ?agreement ?label ?date ?quote WHERE {
          ?agreement cg:party ?p1, ?p2 ; cg:signingDate ?date ; rdfs:label ?label .
          FILTER(?p1 != ?p2 && lang(?label) = "en")
          ?statement rdf:subject ?agreement ; cg:quote ?quote .
        } ORDER BY ?agreement ?quote LIMIT 1"""))
    assert rows, "the data should hold an attested agreement with two parties and a date"
    row = rows[0]
    parties = store.query("""PREFIX cg: <def#> PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
        SELECT ?agreement ?name WHERE { ?agreement cg:party ?p . ?p rdfs:label ?name FILTER(lang(?name) = "en") }""",
                          substitutions={pyoxigraph.Variable("agreement"): row["agreement"]})
    return {"iri": row["agreement"].value, "label": row["label"].value, "date": row["date"].value,
            "quote": row["quote"].value, "parties": sorted(p["name"].value for p in parties)}


def test_a_reader_follows_links_from_the_home_page_to_an_agreement(live_server, attested_agreement):
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(locale="en-GB", java_script_enabled=False, viewport={"width": 1100, "height": 900})
            page.goto(live_server.url)
            expect(page.locator("h1")).to_contain_text("Franco-Chinese")

            page.locator("section.overview a[href='/browse/cg:Agreement']").click()
            expect(page).to_have_url(live_server.url + "browse/cg:Agreement")
            expect(page.locator("h1")).to_contain_text("agreement")

            page.get_by_role("link", name=attested_agreement["label"], exact=True).click()
            # The IRI answered 303: the browser now shows the HTML document.
            document = attested_agreement["iri"].replace("/id/", "/doc/", 1) + ".html"
            expect(page).to_have_url(document)
            expect(page.locator("h1")).to_have_text(attested_agreement["label"])

            party_row = page.locator("table.properties tr", has=page.locator("th", has_text="party"))
            for party in attested_agreement["parties"]:
                expect(party_row.get_by_role("link", name=party, exact=True)).to_be_visible()
            # The date is written for people ("14 June 2018", "2018"); its lexical form stays on the page.
            date_row = page.locator("table.properties tr", has=page.locator("th", has_text="signing date"))
            expect(date_row.locator("time")).to_have_attribute("datetime", attested_agreement["date"])
            if "-" in attested_agreement["date"]:  # a day or a month is written in words, a year as it is
                expect(date_row.locator("time")).not_to_have_text(attested_agreement["date"])
            # The page says what the agreement is in a sentence, naming its parties.
            for party in attested_agreement["parties"]:
                expect(page.locator("p.summary").get_by_role("link", name=party, exact=True)).to_be_visible()
            expect(page.locator("section.sources blockquote", has_text=attested_agreement["quote"]).first).to_be_visible()
            expect(page.get_by_role("link", name="Turtle")).to_have_attribute(
                "href", document.replace(live_server.url, "/").replace(".html", ".ttl"))

            page.screenshot(path=SCREENSHOT, full_page=True)

            # The same page in French, from the language switcher.
            page.get_by_role("link", name="Français").click()
            expect(page.locator("html")).to_have_attribute("lang", "fr")
            expect(page.locator("h2", has_text="Sources")).to_be_visible()
        finally:
            browser.close()

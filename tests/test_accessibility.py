"""Every page type, in the three languages and at two widths (a desktop and a phone), in a real Chromium with
axe-core: no accessibility violation (WCAG 2.1 A/AA and axe's best practices), no sideways scrolling of the
page itself at 375 px, no request leaving the site, and the page's language declared. The SPARQL page is also
checked after running a query. A screenshot of each page type goes to SHOTS, to be looked at."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.chromium import axe_source, axe_violations, browser, record_outside_requests, start_axe  # noqa: F401 (fixture)

SHOTS = Path("/tmp/coopgraph-shots")
LANGUAGES = ("en", "fr", "zh")
WIDTHS = (1280, 375)

# One page of each type (path under the site), each reached as a reader would.
PAGES = {
    "home": "",
    "search": "search?q=zhej",
    "classes": "browse/",
    "class": "browse/cg:Agreement",
    "agreement": "doc/agreement/idf-zhejiang-2018.html",
    "territory": "doc/territory/zhejiang.html",
    "organisation": "doc/organisation/comite-des-territoires.html",
    "person": "doc/person/valerie-pecresse.html",
    "event": "doc/event/meeting-cci-amiens-picardie-2019-08-26.html",
    "programme": "doc/programme/chaire-villes-du-futur.html",
    "concept": "doc/concept/acteurs-attractivite.html",
    "issue": "doc/issue/amiens-cluster-president.html",
    "figure": "doc/figure/beijing-population.html",
    "document": "doc/document/idf-zhejiang-agreement-signature-2018.html",
    "attestation": "doc/attestation/alibaba-headquartered-in-zhejiang.html",
    "source-text": "sources/idf-zhejiang-agreement-signature-2018.html",
    "dataset": "dataset.html",
    "dumps": "dumps/",
    "vocabulary": "def",
    "shapes": "shapes",
    "graph": "graph/data",
    "sparql": "sparql",
    "not-found": "id/territory/pekin",
    "reconcile-preview": "reconcile/preview?id=organisation/zhejiang-university",
}


def with_language(path: str, language: str) -> str:
    return f"{path}{'&' if '?' in path else '?'}lang={language}"


def check(page, name: str, language: str, width: int) -> None:
    """The page as axe-core (started on it) and the layout find it."""
    expect(page.locator("html")).to_have_attribute("lang", language)
    violations = axe_violations(page)
    assert not violations, f"{name} ({language}, {width} px): {violations}"
    if width < 400:  # the page itself never scrolls sideways on a phone (wide tables scroll in their own box)
        overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
        assert overflow <= 0, f"{name} ({language}) is {overflow} px wider than a 375 px screen"


@pytest.mark.parametrize("name", PAGES)
def test_every_page_type_passes_axe_in_three_languages_and_two_widths(browser, live_server, name):  # noqa: F811
    SHOTS.mkdir(exist_ok=True)
    contexts = {width: browser.new_context(viewport={"width": width, "height": 900}, bypass_csp=True)  # to inject axe
                for width in WIDTHS}
    for context in contexts.values():
        context.add_init_script(axe_source())
    try:
        pages, elsewhere = {}, []
        for width, context in contexts.items():
            for language in LANGUAGES:
                page = pages[width, language] = context.new_page()
                record_outside_requests(page, elsewhere)
                page.goto(live_server.url + with_language(PAGES[name], language))
                start_axe(page)  # the six run side by side
        for (width, language), page in pages.items():
            check(page, name, language, width)
            page.screenshot(path=SHOTS / f"{name}-{language}-{width}.png", full_page=False)
        assert not elsewhere, f"{name} asked other hosts: {elsewhere}"
    finally:
        for context in contexts.values():
            context.close()


def test_the_sparql_page_passes_axe_after_running_a_query(browser, live_server):  # noqa: F811
    for width in WIDTHS:
        context = browser.new_context(viewport={"width": width, "height": 900}, bypass_csp=True)  # to inject axe
        page = context.new_page()
        elsewhere = record_outside_requests(page)
        try:
            for language in LANGUAGES:
                page.goto(live_server.url + with_language("sparql", language))
                page.locator(".yasqe_queryButton").click()
                expect(page.locator(".yasr table tbody tr").first).to_be_visible(timeout=15_000)
                check(page, "sparql with results", language, width)
                page.screenshot(path=SHOTS / f"sparql-results-{language}-{width}.png", full_page=False)
            assert not elsewhere, f"the SPARQL page asked other hosts: {elsewhere}"
        finally:
            context.close()

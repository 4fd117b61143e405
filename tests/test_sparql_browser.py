"""The query UI in a real headless Chromium against the live server: YASGUI loads from the installed package
and draws the whole query at once; examples, share links and the home page's query links load into it; it
completes from this site's vocabulary and names and never asks another host; results name their IRIs in the
reader's language, link them here and fit the page; the keyboard can leave the editor; errors say where.
With JavaScript off, the plain form and the links still give results."""

from __future__ import annotations

from urllib.parse import quote

from playwright.sync_api import expect

from tests.chromium import browser, record_outside_requests  # noqa: F401 (fixture)
from tests.competency import QUERY_FILES

EXAMPLE = QUERY_FILES[1].stem  # any competency query with rows
EDITOR = "document.querySelector('.CodeMirror').CodeMirror"
HINTS = ".CodeMirror-hints li"


def open_page(browser, url: str, width: int = 1280):  # noqa: F811
    page = browser.new_page(viewport={"width": width, "height": 900})
    page.elsewhere = record_outside_requests(page)
    page.errors = []
    page.on("pageerror", lambda error: page.errors.append(str(error)))
    page.goto(url)
    return page


def editor_text(page) -> str:
    return page.evaluate(f"{EDITOR}.getValue()")


def type_at_end(page, text: str, start: str = "") -> None:
    page.evaluate(f"(text) => {{ {EDITOR}.setValue(text); {EDITOR}.focus(); {EDITOR}.setCursor({EDITOR}.lineCount(), 0); }}",
                  start)
    page.keyboard.type(text, delay=20)


def test_yasgui_runs_an_example_and_links_entities(browser, live_server):  # noqa: F811
    page = open_page(browser, live_server.url + "sparql")
    try:
        expect(page.locator(".CodeMirror")).to_be_visible()
        expect(page.locator("#plain-form")).to_be_hidden()
        assert "PREFIX cg: <" in editor_text(page)

        page.locator(f"a[data-example='{EXAMPLE}']").click()
        expect(page).to_have_url(live_server.url + "sparql")  # loaded into the editor, not run on a new page
        assert editor_text(page) == QUERY_FILES[1].read_text(encoding="utf-8")

        page.locator(".yasqe_queryButton").click()
        links = page.locator(".yasr table a[href^='/id/']")  # this site's pages, on whatever host serves it
        expect(links.first).to_be_visible(timeout=15_000)
        assert not page.errors, page.errors
        assert not page.elsewhere, page.elsewhere
    finally:
        page.close()


def test_the_editor_draws_the_whole_query_without_a_click(browser, live_server):  # noqa: F811
    page = open_page(browser, live_server.url + "sparql")
    try:
        expect(page.locator(".CodeMirror")).to_be_visible()
        lines = editor_text(page).count("\n") + 1
        assert lines > 10
        # Measured while hidden, CodeMirror would draw a single line until clicked.
        expect(page.locator(".CodeMirror-line")).to_have_count(lines)
        assert page.locator(".CodeMirror-line").nth(5).bounding_box()["height"] > 5
    finally:
        page.close()


def test_a_share_link_opens_with_its_query_and_results(browser, live_server):  # noqa: F811
    query = f"SELECT ?territory WHERE {{ BIND(<{live_server.base_iri}id/territory/china> AS ?territory) }}"
    page = open_page(browser, live_server.url + "sparql")
    try:
        expect(page.locator(".CodeMirror")).to_be_visible()
        page.evaluate(f"(text) => {EDITOR}.setValue(text)", query)
        page.locator(".yasqe_share").click()
        link = page.locator(".yasqe_sharePopup input").input_value()
        assert "#" in link and "query=" in link
    finally:
        page.close()
    shared = open_page(browser, link)
    try:
        expect(shared.locator(".yasr table a[href^='/id/territory/china']")).to_be_visible(timeout=15_000)
        assert editor_text(shared) == query  # not the page's starting query
        assert not shared.errors and not shared.elsewhere, (shared.errors, shared.elsewhere)
    finally:
        shared.close()


def test_completion_comes_from_this_site_only(browser, live_server):  # noqa: F811
    page = open_page(browser, live_server.url + "sparql")
    try:
        expect(page.locator(".CodeMirror")).to_be_visible()
        type_at_end(page, "PREFIX fo")
        expect(page.locator(HINTS).first).to_have_text("foaf: <http://xmlns.com/foaf/0.1/>")
        page.keyboard.press("Escape")

        type_at_end(page, "cg:Agr", start="SELECT * WHERE { ?agreement a ")
        expect(page.locator(HINTS).first).to_contain_text("cg:Agreement")
        page.keyboard.press("Enter")
        assert editor_text(page) == "SELECT * WHERE { ?agreement a cg:Agreement"

        for start in ("SELECT * WHERE { ?agreement a ", "SELECT * WHERE { ?agreement "):  # where YASQE asked LOV
            type_at_end(page, "", start=start)
            page.keyboard.press("Control+Space")
            expect(page.locator(HINTS).first).to_be_visible()
            page.keyboard.press("Escape")

        type_at_end(page, "foaf:", start="SELECT * WHERE { ?person a foaf:Person ; ")
        expect(page.locator(HINTS).first).to_be_visible()
        hints = page.locator(HINTS).all_inner_texts()
        assert "foaf:name — name" in hints and not any(hint.startswith("foaf:Person") for hint in hints), hints

        type_at_end(page, "<zhej", start="SELECT * WHERE { ?s ?p ")
        expect(page.locator(HINTS).first).to_contain_text(f"<{live_server.base_iri}id/")
        assert any("Zhejiang" in hint for hint in page.locator(HINTS).all_inner_texts())
        page.keyboard.press("Escape")
        assert not page.elsewhere, f"the editor asked other hosts: {page.elsewhere}"
        assert not page.errors, page.errors
    finally:
        page.close()


def test_the_home_pages_query_links_open_the_editor_and_run_the_query(browser, live_server):  # noqa: F811
    page = open_page(browser, live_server.url + "?lang=fr")
    try:
        example = page.locator("section.examples details").first
        example.locator("summary").click()
        query = example.locator("pre code").inner_text()
        example.get_by_role("link").click()
        expect(page.locator(".CodeMirror")).to_be_visible()
        assert page.url.startswith(live_server.url + "sparql?query=") and page.url.endswith("&lang=fr")
        assert editor_text(page).strip() == query.strip()
        expect(page.locator(".yasr table tbody tr").first).to_be_visible(timeout=15_000)
        expect(page.locator(".sparql-results")).to_be_hidden()  # the editor's results, not the form's
        assert not page.errors and not page.elsewhere, (page.errors, page.elsewhere)
    finally:
        page.close()


def test_results_name_iris_in_the_readers_language_and_fit_the_page(browser, live_server):  # noqa: F811
    query = (f"SELECT ?territory ?kind ?label WHERE {{ VALUES ?territory {{ <{live_server.base_iri}id/territory/china> }} "
             "?territory a ?kind ; rdfs:label ?label }")
    for width in (1280, 375):
        page = open_page(browser, f"{live_server.url}sparql?lang=zh&query={quote(query)}", width)
        try:
            cell = page.locator(".yasr table a[href='/id/territory/china?lang=zh']").first
            expect(cell).to_be_visible(timeout=15_000)
            expect(page.locator(".yasr table .iri-label", has_text="中国").first).to_be_visible()
            assert page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth") <= 0
            box = page.locator(".yasr .results-scroll")
            scrolls = box.evaluate("box => box.scrollWidth > box.clientWidth")
            assert scrolls == (width < 400), f"at {width} px the table {'does not scroll' if width < 400 else 'scrolls'}"
            assert box.get_attribute("tabindex") == "0"  # its scrolling reachable by keyboard
            # YASR's own words are in the page's language too.
            expect(page.locator(".yasr_response_chip")).to_contain_text("条结果")
            expect(page.locator(".yasr_btn.select_table")).to_contain_text("表格")
            assert page.locator(".yasr_btn.select_response").get_attribute("aria-label") == "结果显示方式：原始响应"
            assert not page.errors and not page.elsewhere, (page.errors, page.elsewhere)
        finally:
            page.close()


def test_the_keyboard_leaves_the_editor_with_escape_then_tab(browser, live_server):  # noqa: F811
    page = open_page(browser, live_server.url + "sparql?lang=fr")
    try:
        hint = page.locator("#sparql-keyboard-hint")
        expect(hint).to_be_visible()
        expect(hint).to_contain_text("Échap")
        field = page.locator(".CodeMirror-code")
        assert "sparql-keyboard-hint" in field.get_attribute("aria-describedby")
        expect(field).to_have_accessible_name("Requête")
        in_editor = "() => Boolean(document.activeElement.closest('.CodeMirror-code'))"
        field.click()
        page.keyboard.press("Tab")
        assert page.evaluate(in_editor)  # Tab indents: the editor keeps it
        page.keyboard.press("Escape")
        page.keyboard.press("Tab")
        assert not page.evaluate(in_editor)
        assert page.evaluate("document.activeElement.tagName") == "BUTTON"  # the editor's next control
    finally:
        page.close()


def test_errors_say_where_in_the_editor(browser, live_server):  # noqa: F811
    page = open_page(browser, live_server.url + "sparql")
    try:
        expect(page.locator(".CodeMirror")).to_be_visible()
        page.evaluate(f"(text) => {EDITOR}.setValue(text)", "SELECT ?a WHERE {\n  ?a a nope:Thing }")
        page.locator(".yasqe_queryButton").click()
        expect(page.locator(".yasr")).to_contain_text("line 2, column 8: prefix nope: is not declared", timeout=15_000)
    finally:
        page.close()


def test_without_javascript_the_form_and_links_run_the_query(browser, live_server):  # noqa: F811
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    try:
        page.goto(live_server.url + "sparql")
        expect(page.locator("#plain-form")).to_be_visible()
        page.locator("#query").fill("SELECT ?s ?label WHERE { ?s rdfs:label ?label } LIMIT 3")  # rdfs: predeclared
        page.get_by_role("button", name="Run query").click()
        expect(page.locator(".sparql-results table tbody tr")).to_have_count(3)
        expect(page.get_by_role("link", name="CSV")).to_be_visible()

        page.goto(live_server.url + "?lang=fr")
        page.locator("section.examples details summary").first.click()
        page.locator("section.examples details").first.get_by_role("link").click()
        expect(page.locator(".sparql-results table tbody tr").first).to_be_visible()
        expect(page.locator("html")).to_have_attribute("lang", "fr")
    finally:
        context.close()

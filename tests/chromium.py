"""What every browser test shares: Debian's Chromium driven by Playwright, a record of requests that leave
the site, and axe-core (from tests/browser-tools/package-lock.json, installed by `.ci/install --test`)."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Page, sync_playwright

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
AXE = Path(__file__).parent / "browser-tools" / "node_modules" / "axe-core" / "axe.min.js"
# WCAG 2.1 A and AA, and axe's best practices (landmarks, one h1, a skip link's target, ...).
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"]


@pytest.fixture(scope="module")
def browser():
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield launched
        launched.close()


def record_outside_requests(page: Page, elsewhere: list[str] | None = None) -> list[str]:
    """The URLs `page` asks of any host but the loopback server, appended to `elsewhere` as the page runs."""
    elsewhere = [] if elsewhere is None else elsewhere
    page.on("request", lambda request: elsewhere.append(request.url)
            if urlsplit(request.url).hostname not in ("127.0.0.1", None) and not request.url.startswith("data:")
            else None)
    return elsewhere


def axe_source() -> str:
    """axe-core's script; `context.add_init_script(axe_source())` puts it in every page of a context."""
    if not AXE.exists():
        raise AssertionError(f"{AXE} is missing: run .ci/install --test")
    return AXE.read_text(encoding="utf-8")


def start_axe(page: Page) -> None:  # resultTypes: details of violations only, the rest counted (faster)
    """Starts axe-core on the page as it is now, without waiting: several pages are checked at once (each
    renderer is its own process), and `axe_violations` collects each page's result."""
    if not page.evaluate("() => typeof axe !== 'undefined'"):
        page.add_script_tag(content=axe_source())
    page.evaluate("""(tags) => {
        window.__axeViolations = axe.run(document, {runOnly: {type: "tag", values: tags}, resultTypes: ["violations"]}).then(result =>
            result.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
                nodes: v.nodes.slice(0, 3).map(n => n.target.join(" ") + ": " + n.failureSummary)})));
    }""", AXE_TAGS)


def axe_violations(page: Page) -> list[dict]:
    """axe-core's violations (each rule's id, impact, help and first nodes), from `start_axe` or started now."""
    if not page.evaluate("() => Boolean(window.__axeViolations)"):
        start_axe(page)
    return page.evaluate("() => window.__axeViolations")

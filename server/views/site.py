"""What crawlers ask a site for: /robots.txt, /sitemap.xml (numbered files beyond one file's worth) and
/favicon.ico.

The sitemap follows the sitemaps.org protocol: absolute URLs on the base IRI, at most URLS_PER_FILE a file;
more, and /sitemap.xml is an index of /sitemap-1.xml, /sitemap-2.xml… It lists the main pages and every
entity's HTML document, from one query (`sitemap-entities.rq`), with the data's date as `lastmod`.
"""

from __future__ import annotations

from datetime import timezone
from math import ceil
from urllib.parse import urlsplit
from xml.sax.saxutils import escape

from flask import Blueprint, Response, redirect, url_for
from pyoxigraph import Literal
from werkzeug.exceptions import NotFound

from server.figures import uri_space
from server.formats import HTML
from server.http import finish
from server.indexes import cached
from server.state import AppState, app_state
from server.views.entities import ENTITY_PATH

site = Blueprint("site", __name__)

URLS_PER_FILE = 50_000  # the protocol's limit per sitemap file
SITEMAP_NAMESPACE = "http://www.sitemaps.org/schemas/sitemap/0.9"
XML = "application/xml; charset=utf-8"
# The site's own pages besides entities, relative to the base IRI: what a reader starts from.
MAIN_PAGES = ("", "browse/", "dataset.html", "def.html", "shapes.html", "dumps/", "sparql")
# Where crawlers must not go, relative to the base IRI: each URL there runs a query on the server.
NOT_CRAWLED = ("sparql?", "suggest", "reconcile", "language")  # the last sets a cookie, then leads back to a page


@site.get("/robots.txt")
def robots():
    settings = app_state().settings
    path = urlsplit(settings.base_iri).path  # the base IRI's path: rules are paths on its host
    lines = ["# Pages, documents and dumps may be crawled. Crawlers must not run SPARQL queries, the search",
             "# box's suggestions or the reconciliation service: each of those URLs runs a query. The language",
             "# switch only remembers a choice (the pages it leads to are linked directly).",
             "User-agent: *", *(f"Disallow: {path}{rule}" for rule in NOT_CRAWLED), f"Allow: {path}", "",
             f"Sitemap: {settings.base_iri}sitemap.xml", ""]
    return finish(Response("\n".join(lines), content_type="text/plain; charset=utf-8"), vary=())


@site.get("/sitemap.xml")
def sitemap():
    """One list of URLs, or, beyond URLS_PER_FILE, an index of the numbered files."""
    state = app_state()

    def body() -> bytes:
        urls = sitemap_urls(state)
        if len(urls) <= URLS_PER_FILE:
            return url_set(urls, lastmod(state))
        files = ceil(len(urls) / URLS_PER_FILE)
        return sitemap_index([f"{state.settings.base_iri}sitemap-{number}.xml" for number in range(1, files + 1)],
                             lastmod(state))
    return finish(Response(content_type=XML), body=body, vary=())


@site.get("/sitemap-<int:number>.xml")
def sitemap_file(number: int):
    state = app_state()
    urls = sitemap_urls(state)
    files = ceil(len(urls) / URLS_PER_FILE)
    if files <= 1 or not 1 <= number <= files:
        where = "is one file, /sitemap.xml" if files <= 1 else f"has files 1 to {files}, listed in /sitemap.xml"
        raise NotFound(f"There is no sitemap file {number}: the sitemap {where}.")
    chunk = urls[(number - 1) * URLS_PER_FILE:number * URLS_PER_FILE]
    return finish(Response(content_type=XML), body=lambda: url_set(chunk, lastmod(state)), vary=())


@site.get("/favicon.ico")
def favicon():
    """Browsers ask for /favicon.ico whatever the page links: the SVG icon every page links."""
    return finish(redirect(url_for("static", filename="favicon.svg"), 301), vary=())


def sitemap_urls(state: AppState) -> tuple[str, ...]:
    """The main pages, then every entity's HTML document, absolute; once per dataset version."""
    def build() -> tuple[str, ...]:
        base, space = state.settings.base_iri, uri_space(state.settings)
        rows = state.dataset.store.run_file("sitemap-entities", uriSpace=Literal(space))
        # Sorted, so that each numbered file keeps its entries; an IRI no entity route accepts
        # (server/views/entities.py) has no page to list.
        paths = sorted(path for path in (row["entity"].value[len(space):] for row in rows)
                       if ENTITY_PATH.fullmatch(path))
        return (*(base + page for page in MAIN_PAGES), *(f"{base}doc/{path}.{HTML.extension}" for path in paths))
    return cached(state, ("sitemap",), build)


def lastmod(state: AppState) -> str:
    """When the data last changed, as W3C Datetime."""
    return state.dataset.last_modified.astimezone(timezone.utc).isoformat(timespec="seconds")


def url_set(urls, modified: str) -> bytes:
    entries = "".join(f"<url><loc>{escape(url)}</loc><lastmod>{modified}</lastmod></url>\n" for url in urls)
    return (f'<?xml version="1.0" encoding="UTF-8"?>\n<urlset xmlns="{SITEMAP_NAMESPACE}">\n{entries}</urlset>\n'
            ).encode()


def sitemap_index(files, modified: str) -> bytes:
    entries = "".join(f"<sitemap><loc>{escape(url)}</loc><lastmod>{modified}</lastmod></sitemap>\n" for url in files)
    return (f'<?xml version="1.0" encoding="UTF-8"?>\n<sitemapindex xmlns="{SITEMAP_NAMESPACE}">\n{entries}'
            "</sitemapindex>\n").encode()

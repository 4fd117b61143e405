"""Entity IRIs and their documents: `/id/{path}` answers 303 to `/doc/{path}.{ext}`.

The IRI of an entity is the base IRI plus the path: routes look at the path only, so the server
answers the same behind a proxy. Paths are words of ASCII letters, digits, `-`, `_` and `~`
separated by single slashes; anything else (dots, `..`, encoded slashes, non-ASCII) is a 404.
"""

from __future__ import annotations

import re

from flask import Blueprint, render_template
from werkzeug.exceptions import NotFound

from server.entity_page import PageBuilder, context, describe, restated
from server.formats import HTML
from server.graphs import DATA, ENTAILED
from server.i18n import reader_language
from server.indexes import cached, term_names
from server.involving import find, involves, section
from server.namespaces import RDF_TYPE
from server.negotiation import document, linker, rdf_document, see_other, split_extension, variants
from server.sources import text_links
from server.state import app_state
from server.structured_data import entity_description, entity_script
from server.ui_text import UI_TEXT

entities = Blueprint("entities", __name__)

ENTITY_PATH = re.compile(r"[A-Za-z0-9][A-Za-z0-9_~-]*(?:/[A-Za-z0-9][A-Za-z0-9_~-]*)*")


@entities.get("/id/<path:path>")
def entity(path: str):
    description_of(entity_iri(path))
    return see_other(f"/doc/{path}")


@entities.get("/doc/<path:path>")
def entity_document(path: str):
    stem, fmt = split_extension(path)
    iri = entity_iri(stem)
    triples = description_of(iri)
    if fmt is None:
        return see_other(f"/doc/{stem}")
    return document(f"/doc/{stem}", fmt, lambda: render(iri, triples, fmt, f"/doc/{stem}"))


def entity_iri(path: str) -> str:
    """The IRI a path under /id/ names; a 404 for a path no entity could have."""
    if not ENTITY_PATH.fullmatch(path):
        raise NotFound("Entity paths are words of ASCII letters, digits, '-', '_' or '~' separated by "
                       f"single slashes, like /id/agreement/some-slug; {path!r} is not one.")
    return f"{app_state().settings.base_iri}id/{path}"


def description_of(iri: str):
    """The triples describing `iri`; a 404 if the store knows nothing of it."""
    state = app_state()
    triples = cached(state, ("description", iri), lambda: describe(state.dataset.store, iri))
    if not triples:
        raise NotFound(f"This dataset says nothing about <{iri}>.")
    return triples


def render(iri: str, triples, fmt, stem: str) -> bytes:
    state = app_state()
    if fmt is not HTML:
        return rdf_document(triples, fmt)
    links = linker()
    entailed = state.settings.graph_iri(ENTAILED)
    page = PageBuilder(triples, term_names=term_names(state), prefixes=state.dataset.prefixes,
                       language=reader_language(), linker=links, texts=text_links(state, links),
                       restated=cached(state, ("restated", iri), lambda: restated(state.dataset.store, iri, entailed)),
                       words=UI_TEXT[reader_language()], context=page_context(iri, triples),
                       ).page(iri)
    language = reader_language()
    # What search engines read: the entity in schema.org terms, on its page's absolute URL, and a sentence.
    return render_template("entity.html", page=page, involving=involving_section(iri, page, links),
                           formats=variants(stem), meta_description=entity_description(state, iri, triples, language),
                           structured_data=entity_script(state, iri, triples, language,
                                                         url=f"{state.settings.base_iri}{stem[1:]}.{HTML.extension}"),
                           ).encode()


def page_context(iri: str, triples):
    """What the page says besides the description (its summary, the issues about it, its attestations'
    claims: server/entity_page.py `context`), kept per dataset version like the description."""
    state = app_state()
    types = [t.object.value for t in triples if t.subject.value == iri and t.predicate.value == RDF_TYPE]
    return cached(state, ("page-context", iri), lambda: context(
        state.dataset.store, iri, types, base_iri=state.settings.base_iri, data_graph=state.settings.graph_iri(DATA)))


def involving_section(iri: str, page, links) -> tuple:
    """What involves a territory, an organisation or a person (server/involving.py), kept per dataset
    version like the description; nothing for other resources."""
    state = app_state()
    base = state.settings.base_iri
    if not involves((value.iri for value in page.types if value.iri), base):
        return ()
    found = cached(state, ("involving", iri), lambda: find(state.dataset.store, iri, base))
    language = reader_language()
    return section(found, language=language, words=UI_TEXT[language], linker=links, term_names=term_names(state))

"""Search: `/search?q=…` (HTML for people, JSON for programs), `/suggest?q=…` (JSON for the search box's
autocomplete), and the near matches the 404 page of an unknown entity offers. All read the name index
(server/search.py) and nothing else, but for the kinds' and classes' names on the HTML page.

Parameters of /search (README, "Search"):
* `q`: the text; empty gives the form (HTML) or an empty result (JSON). Longer than MAX_Q_BYTES bytes of UTF-8 or
  MAX_QUERY_CHARS characters, or holding a control character, is a 400. Anything else is searched as text (markup
  and SPARQL included) and escaped wherever it is echoed.
* `kind` (repeatable): entities of any of these kinds (`agreement`, `term`…); a kind the index lacks is a 400.
* `type` (repeatable): instances of any of these classes, asserted or entailed, each an IRI or a prefixed name of the
  dataset's prefixes (`cg:Agreement`); one no indexed entity has, or one that does not parse, is a 400.
* `page`: from 1, PAGE_SIZE results a page, in the index's stable order; not a whole number from 1 is a 400, a page
  past the last a 404 (as class pages do).
* `lang` and `format` (`html`, `json`) as everywhere; `Accept` else.

Each response depends only on its URL and the Accept and Accept-Language headers, so `http.finish` tags it (the
query string is in the ETag) and the replay may keep it.
"""

from __future__ import annotations

import json
import unicodedata
from dataclasses import dataclass
from functools import partial
from math import ceil
from urllib.parse import urlencode

from flask import Blueprint, Response, current_app, render_template, request
from werkzeug.exceptions import BadRequest, NotFound

from server.formats import HTML, JSON, SEARCH_RESULTS, offered
from server.http import finish
from server.i18n import LANGUAGE_PARAMETER, LANGUAGES, reader_language, switch_url
from server.indexes import browse_path, class_from_name, featured_classes, term_names
from server.names import Name
from server.negotiation import FORMAT_PARAMETER, linker, negotiate
from server.request_args import echo, page_number
from server.search import MAX_QUERY_CHARS, TERM_KIND, Hit, Results, SearchIndex, fold, match_expression, tokens
from server.state import app_state
from server.ui_text import UI_TEXT

search = Blueprint("search", __name__)

SEARCH_FORMATS = (HTML, *offered(SEARCH_RESULTS))
PAGE_SIZE = 20
SUGGESTIONS = 10
NEAR_MATCHES = 5
NEAR_MATCH_WORDS = 8  # of a path, at most
MAX_Q_BYTES = 1024
SUGGEST_MAX_AGE_S = 300  # browsers reuse a suggestion list this long without asking (the dataset changes on restart)
DESCRIPTION_SHOWN = 200  # characters of a description on the results page


@dataclass(frozen=True)
class Asked:
    """A search as its parameters asked for it, checked."""
    text: str  # stripped
    kinds: tuple[str, ...]  # sorted
    types: tuple[tuple[str, str], ...]  # (as written, class IRI), in the URL's order
    page: int

    @property
    def classes(self) -> tuple[str, ...]:
        return tuple(iri for _, iri in self.types)


@dataclass(frozen=True)
class Shown:
    """A result as a page shows it."""
    iri: str
    name: str
    kind: str
    kind_label: str
    href: str | None
    also: str  # the name that matched, when it is not the one shown
    description: str


@dataclass(frozen=True)
class Facet:
    kind: str
    label: str
    count: int
    selected: bool
    href: str


@dataclass(frozen=True)
class NearMatches:
    words: str  # what was searched
    hits: tuple[Shown, ...]
    search_href: str  # the search page for those words


@search.get("/search")
def search_page():
    state = app_state()
    asked = read_request(state.search, state.dataset.prefixes)
    fmt = negotiate(SEARCH_FORMATS)
    results = run(state.search, asked, limit=PAGE_SIZE, offset=(asked.page - 1) * PAGE_SIZE)
    pages = max(1, ceil(results.total / PAGE_SIZE))
    if asked.page > pages:
        raise NotFound(f"This search has {pages} page{'s' if pages > 1 else ''} of results; "
                       f"page {asked.page} does not exist.")
    language = reader_language()
    response = Response(content_type=fmt.content_type)
    response.content_language = language  # names are in it, in JSON too
    alternates = [(search_url(asked, asked.page, format_=other.extension), other)
                  for other in SEARCH_FORMATS if other is not fmt]
    build = partial(results_json if fmt is JSON else results_page, asked, results, pages, language)
    return finish(response, body=build, vary=("Accept", "Accept-Language"), alternates=alternates)


@search.get("/suggest")
def suggest():
    """At most SUGGESTIONS names for what is being typed: only the index is read, no template, no store."""
    text = read_text()
    language = reader_language()
    response = Response(content_type=JSON.content_type)
    response.content_language = language
    response.cache_control.public = True
    response.cache_control.max_age = SUGGEST_MAX_AGE_S

    def build() -> bytes:
        links = linker()
        hits = app_state().search.search(text, limit=SUGGESTIONS, counted=False).hits if text else ()
        return dumps({"query": text, "results": [
            {"id": hit.iri, "name": name, "lang": name.language or "", "kind": hit.kind, "matched": hit.matched,
             "also": also(hit, name, text), "url": links.href(hit.iri)}
            for hit in hits for name in (hit.label(language),)]})
    return finish(response, body=build, vary=("Accept-Language",))


# --- reading the parameters ----------------------------------------------------------------------------

def read_request(index: SearchIndex, prefixes) -> Asked:
    return Asked(read_text(), read_kinds(index), read_types(index, prefixes), page_number())


def read_text() -> str:
    text = request.args.get("q", "")
    size = len(text.encode("utf-8", "surrogatepass"))
    if size > MAX_Q_BYTES:
        raise BadRequest(f"q is {size:,} bytes long: a search is at most {MAX_Q_BYTES:,} bytes (UTF-8).")
    if len(text) > MAX_QUERY_CHARS:
        raise BadRequest(f"q is {len(text):,} characters long: a search is at most {MAX_QUERY_CHARS} characters.")
    for position, character in enumerate(text, start=1):
        if unicodedata.category(character) == "Cc":
            raise BadRequest(f"q holds the control character U+{ord(character):04X} at position {position}: a search "
                             "is text (letters, digits, punctuation and spaces), without tabs, line breaks or other "
                             "control characters.")
    return text.strip()


def read_kinds(index: SearchIndex) -> tuple[str, ...]:
    kinds = request.args.getlist("kind")
    for kind in kinds:
        if kind not in index.kinds:
            raise BadRequest(f"kind={echo(kind)} is not a kind of entity of this dataset; the kinds are "
                             f"{', '.join(sorted(index.kinds))}.")
    return tuple(sorted(set(kinds)))


def read_types(index: SearchIndex, prefixes) -> tuple[tuple[str, str], ...]:
    found: dict[str, str] = {}
    for written in request.args.getlist("type"):
        iri = class_iri(written.strip(), prefixes)
        if iri not in index.classes:
            raise BadRequest(f"type={echo(written)}: no entity of this dataset is an instance of "
                             f"<{echo(iri)[1:-1]}>; /browse/ lists the classes in use.")
        found.setdefault(written.strip(), iri)
    return tuple(found.items())


def class_iri(written: str, prefixes) -> str:
    """The class an IRI (bare or in <>) or a prefixed name (`cg:Agreement`) names; a 400 when it does not parse."""
    if written.startswith("<") and written.endswith(">"):
        written = written[1:-1]
    if "://" in written:
        if any(character in written for character in ' <>"{}|\\^`') or any(
                unicodedata.category(character) == "Cc" for character in written):
            raise BadRequest(f"type={echo(written)} is not an IRI.")
        return written
    prefix, colon, local = written.partition(":")
    if not colon or not local:
        raise BadRequest(f"type={echo(written)} is neither an IRI nor a prefixed name such as "
                         f"{next(iter(prefixes), 'prefix')}:ClassName.")
    iri = class_from_name(written, prefixes)
    if iri is None:
        raise BadRequest(f"type={echo(written)}: the prefix {echo(prefix)} is not one of this dataset's "
                         f"({', '.join(sorted(prefixes))}); give a prefixed name with one of them, or a full IRI.")
    return iri


# --- searching and showing -------------------------------------------------------------------------------

def run(index: SearchIndex, asked: Asked, limit: int, offset: int = 0) -> Results:
    if not asked.text:
        return Results(asked.text, (), 0, {})
    return index.search(asked.text, kinds=asked.kinds, classes=asked.classes, limit=limit,
                        offset=min(offset, 2 ** 62))  # a page far past the last is a 404, not an SQLite overflow


def search_url(asked: Asked, page: int = 1, *, kinds: tuple[str, ...] | None = None,
               types: tuple[tuple[str, str], ...] | None = None, language: str | None = None,
               format_: str | None = None) -> str:
    """This search's URL with some of its parameters changed: only the parameters it knows, in one order."""
    kinds = asked.kinds if kinds is None else kinds
    types = asked.types if types is None else types
    parameters = [("q", asked.text), *(("kind", kind) for kind in kinds), *(("type", written) for written, _ in types)]
    if page > 1:
        parameters.append(("page", str(page)))
    if format_:
        parameters.append((FORMAT_PARAMETER, format_))
    if language:
        parameters.append((LANGUAGE_PARAMETER, language))
        return "/search?" + urlencode(parameters)
    return linker().local("/search?" + urlencode(parameters))


def also(hit: Hit, name: str, text: str) -> str:
    """The name that matched, when the name shown does not say why it was found ("Beijing", also "Pékin"); ""
    when it does (it matches by itself), or when a description matched."""
    if hit.closeness >= 3 or hit.matched == name:
        return ""
    expression = match_expression(fold(text[:MAX_QUERY_CHARS])) or ""
    terms = [term.strip('"*') for term in expression.split(" AND ")]
    words = tokens(fold(name))
    return "" if all(any(word.startswith(term) for word in words) for term in terms) else hit.matched


def shown(hit: Hit, language: str, text: str, kind_labels, links) -> Shown:
    name = hit.label(language)
    description = hit.description(language)
    if len(description) > DESCRIPTION_SHOWN:
        description = Name(description[:DESCRIPTION_SHOWN].rsplit(" ", 1)[0] + "…", description.language)
    return Shown(hit.iri, name, hit.kind, kind_labels.get(hit.kind, hit.kind), links.href(hit.iri),
                 also(hit, name, text), description)


def kind_labels(language: str) -> dict[str, str]:
    """Each kind named by the class the home page shows for it (in the reader's language), vocabulary terms by
    the site's own word."""
    state = app_state()
    labels = {entry.kind: entry.title for entry in featured_classes(state, language, linker()) if entry.kind}
    return {**labels, TERM_KIND: UI_TEXT[language]["search_kind_term"]}


def results_json(asked: Asked, results: Results, pages: int, language: str) -> bytes:
    links = linker()
    return dumps({
        "query": asked.text, "total": results.total, "per_kind": dict(sorted(results.per_kind.items())),
        "page": asked.page, "pages": pages,
        "results": [{"id": hit.iri, "name": hit.label(language), "kind": hit.kind, "matched": hit.matched,
                     "closeness": hit.closeness, "description": hit.description(language),
                     "url": links.href(hit.iri)} for hit in results.hits],
    })


def results_page(asked: Asked, results: Results, pages: int, language: str) -> bytes:
    state = app_state()
    links = linker()
    labels = kind_labels(language)
    counts = dict(results.per_kind)
    for kind in asked.kinds:  # a chosen kind stays on show (to be removed) when nothing of it matches
        counts.setdefault(kind, 0)
    facets = [Facet(kind, labels.get(kind, kind), count, kind in asked.kinds,
                    search_url(asked, kinds=tuple(sorted(set(asked.kinds) ^ {kind}))))
              for kind, count in sorted(counts.items(), key=lambda pair: (-pair[1], labels.get(pair[0], pair[0])))]
    names = term_names(state)
    type_filters = [(written, names.of(iri, language), links.local(browse_path(iri, state.dataset.prefixes)),
                     search_url(asked, types=tuple(pair for pair in asked.types if pair[0] != written)))
                    for written, iri in asked.types]
    hidden = [*(("kind", kind) for kind in asked.kinds), *(("type", written) for written, _ in asked.types)]
    return render_template(
        "search.html", asked=asked, total=results.total, pages=pages, first=(asked.page - 1) * PAGE_SIZE + 1,
        items=[shown(hit, language, asked.text, labels, links) for hit in results.hits], facets=facets,
        all_kinds_href=search_url(asked, kinds=()), type_filters=type_filters,
        page_href=lambda number: search_url(asked, number),
        json_href=search_url(asked, asked.page, format_=JSON.extension),
        # The box in the header (base.html) holds this search, filters included.
        search_query=asked.text, search_hidden=hidden,
        # Links to this page in other languages keep every parameter, repeated ones included.
        language_links=[(code, UI_TEXT[code]["language_name"],
                         switch_url(code, search_url(asked, asked.page, language=code))) for code in LANGUAGES],
    ).encode()


def dumps(value) -> bytes:
    """JSON in UTF-8, with <, > and & escaped, so no echoed text can be read as markup by anything sniffing."""
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026").encode()


# --- near matches on an unknown entity's 404 page ------------------------------------------------------------

@search.app_context_processor
def near_matches_for_templates() -> dict:
    return {"near_matches": near_matches}


def near_matches() -> NearMatches | None:
    """For an entity path (`/id/{kind}/{slug}`, `/doc/{kind}/{slug}.{ext}`): the entities whose names match the
    slug's words, those of `kind` first, at most NEAR_MATCHES; None elsewhere. Never fails: it is shown on an
    error page."""
    if request.blueprint != "entities" or not request.path.startswith(("/id/", "/doc/")):
        return None
    try:
        return _near_matches(request.path.split("/")[2:])
    except Exception:  # an error page must render, whatever the index says
        current_app.logger.exception("near matches for %s", request.path)
        return None


def _near_matches(segments: list[str]) -> NearMatches | None:
    segments = [segment for segment in segments if segment]
    if not segments:
        return None
    segments[-1] = segments[-1].split(".", 1)[0] or segments[-1]  # a document's extension
    kind = segments[0] if len(segments) > 1 else None
    words = fold(" ".join(segments[1:] or segments)[:MAX_QUERY_CHARS]).split()[:NEAR_MATCH_WORDS]
    if not words:
        return None
    index, language, links = app_state().search, reader_language(), linker()
    searched, hits = " ".join(words), ()
    while words and not hits:  # the slug's words, else fewer of them: `zhejiang-univ-2031` finds Zhejiang University
        hits = _preferring(index, " ".join(words), kind)
        searched, words = " ".join(words), words[:-1]
    labels = {TERM_KIND: UI_TEXT[language]["search_kind_term"]}
    return NearMatches(searched, tuple(shown(hit, language, searched, labels, links) for hit in hits),
                       links.local("/search?" + urlencode({"q": searched})))


def _preferring(index: SearchIndex, words: str, kind: str | None) -> tuple[Hit, ...]:
    """The best hits for `words`, those of `kind` first (a preference, not a filter)."""
    first = index.search(words, kinds=[kind], limit=NEAR_MATCHES).hits if kind in index.kinds else ()
    seen = {hit.iri for hit in first}
    rest = tuple(hit for hit in index.search(words, limit=NEAR_MATCHES * 2).hits if hit.iri not in seen)
    return (*first, *rest)[:NEAR_MATCHES]


__all__ = ["near_matches", "search"]

"""Negotiated documents, the policy every resource under the base IRI follows.

* A resource's IRI (`/id/agreement/x`, `/def`, `/shapes`, `/graph/data`, `/dataset`) answers
  `303 See Other` to its document in the format the `Accept` header prefers (`/doc/agreement/x.ttl`,
  `/def.html`…); a document URL without an extension (`/doc/agreement/x`) does the same.
* A document URL with an extension serves exactly that format, whatever `Accept` says.
* Elsewhere (`/dumps/`, `/.well-known/void`, `/sparql`) `format=` (an extension, name or media type)
  overrides `Accept`; either way, nothing acceptable is a 406 listing the types on offer, in the body
  and in `Link` headers, with the same words everywhere.
* Headers and conditional requests: server/http.py.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from flask import Response, redirect, request
from werkzeug.exceptions import NotAcceptable, NotFound

from server.formats import (DOCUMENT_FORMATS, HTML, Format, choose_format, format_for_extension, format_named,
                            not_offered, prefixes_used)
from server.http import alternates_link, finish
from server.i18n import language_query, reader_language
from server.links import Linker
from server.state import app_state

FORMAT_PARAMETER = "format"


class NotAcceptableHere(NotAcceptable):
    """A 406 that says which types this resource does come in, and links them."""

    def __init__(self, asked: str, offered: Sequence[Format], variants: Sequence[tuple[str, Format]] = ()):
        super().__init__(not_offered(asked, offered))
        self.variants = variants

    def get_headers(self, environ=None, scope=None):
        headers = [*super().get_headers(environ, scope), ("Vary", "Accept")]
        return headers + [("Link", alternates_link(self.variants))] if self.variants else headers


def negotiate(offered: Sequence[Format], variants: Sequence[tuple[str, Format]] = ()) -> Format:
    """The format a request asks for among `offered`: `format=` else `Accept`. Raises NotAcceptableHere
    when it asks for none of them."""
    requested = request.args.get(FORMAT_PARAMETER)
    if requested:
        fmt = format_named(requested, offered)
        asked = f"format={requested!r}"
    else:
        fmt = choose_format(request.headers.get("Accept", ""), offered)
        asked = f"What Accept asks for ({request.headers.get('Accept', '')})"
    if fmt is None:
        raise NotAcceptableHere(asked, offered, variants)
    return fmt


def variants(stem: str, formats: Sequence[Format] = DOCUMENT_FORMATS) -> list[tuple[str, Format]]:
    """The document URLs of a resource: its stem (`/doc/agreement/x`) with each format's extension."""
    return [(f"{stem}.{fmt.extension}", fmt) for fmt in formats]


def split_extension(path: str, formats: Sequence[Format] = DOCUMENT_FORMATS) -> tuple[str, Format | None]:
    """`agreement/x.ttl` -> (`agreement/x`, TURTLE); `agreement/x` -> (`agreement/x`, None).
    An extension no format has is a 404 that lists the ones that exist."""
    stem, dot, extension = path.rpartition(".")
    if not dot or "/" in extension:
        return path, None
    fmt = format_for_extension(extension, formats)
    if fmt is None:
        known = ", ".join("." + fmt.extension for fmt in formats)
        raise NotFound(f"No format has the extension .{extension}; this server writes {known}.")
    return stem, fmt


def see_other(stem: str, formats: Sequence[Format] = DOCUMENT_FORMATS) -> Response:
    """303 to the variant of `stem` the client prefers, keeping the query string (e.g. `?lang=zh`)."""
    offered = variants(stem, formats)
    fmt = choose_format(request.headers.get("Accept", ""), formats)
    if fmt is None:
        raise NotAcceptableHere(f"What Accept asks for ({request.headers.get('Accept', '')})",
                                formats, offered)
    query = request.query_string.decode("latin-1")
    response = redirect(f"{stem}.{fmt.extension}" + (f"?{query}" if query else ""), code=303)
    return finish(response, alternates=offered)


def document(stem: str, fmt: Format, build: Callable[[], bytes], *, formats: Sequence[Format] = DOCUMENT_FORMATS,
             **finishing) -> Response:
    """The document `stem` in `fmt`, its bytes built by `build` unless the client's copy is current.
    The replay keeps the finished response; `finishing` goes to http.finish (tag, last_modified)."""
    return respond(fmt, build, alternates=[(url, other) for url, other in variants(stem, formats) if other is not fmt],
                   **finishing)


def respond(fmt: Format, build: Callable[[], bytes], *, vary: Sequence[str] = ("Accept",), **finishing) -> Response:
    """A response in `fmt` built by `build`; HTML says its language and varies on Accept-Language."""
    response = Response(content_type=fmt.content_type)
    if fmt is HTML:
        response.content_language = reader_language()
        vary = (*vary, "Accept-Language")
    return finish(response, body=build, vary=vary, **finishing)


def rdf_document(triples, fmt: Format, prefixes=None, context=None) -> bytes:
    """Triples in an RDF format, with the prefixes they use and the dataset's JSON-LD context."""
    dataset = app_state().dataset
    return fmt.write(triples, prefixes=prefixes_used(triples, prefixes or dataset.prefixes),
                     context=context or dataset.jsonld_context)


def linker(here: str = "") -> Linker:
    """Links for the current page; a `?lang=` choice is carried along to this site's pages."""
    return Linker(app_state().settings.base_iri, query=language_query(), here=here)

"""Negotiated documents, the policy every resource under the base IRI follows.

* A resource's IRI (`/id/agreement/x`, `/def`, `/shapes`, `/graph/data`) answers `303 See Other`
  to its document in the format the `Accept` header prefers (`/doc/agreement/x.ttl`, `/def.html`…);
  a document URL without an extension (`/doc/agreement/x`) does the same.
* A document URL with an extension serves exactly that format, whatever `Accept` says.
* Both carry `Vary: Accept` (errors are negotiated too), `Link` to every variant, an ETag per
  representation and Last-Modified, so `If-None-Match` gives 304; HTML adds `Accept-Language`.
  CORS and gzip are applied app-wide.
* Nothing acceptable: 406, listing the types on offer in the body and in `Link` headers.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from flask import Response, redirect, request
from werkzeug.exceptions import NotAcceptable, NotFound

from server.describe import Linker
from server.negotiation import (DOCUMENT_FORMATS, HTML, LANGUAGES, Format, available_types, choose_format,
                                choose_language, format_for_extension)
from server.replay import mark_shareable
from server.representations import alternates_link, finish_response, prefixes_used, serialize_triples
from server.state import app_state


class NotAcceptableHere(NotAcceptable):
    """A 406 that says which types this resource does come in."""

    def __init__(self, variants: Sequence[tuple[str, Format]]):
        types = ", ".join(available_types(fmt for _, fmt in variants))
        super().__init__(f"This resource is available as {types}. Ask for one of them in the Accept "
                         f"header, or use a document URL ending in "
                         f"{', '.join('.' + fmt.extension for _, fmt in variants)}.")
        self.variants = variants

    def get_headers(self, environ=None, scope=None):
        return [*super().get_headers(environ, scope), ("Vary", "Accept"), ("Link", alternates_link(self.variants))]


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
    fmt = choose_format(request.accept_mimetypes, formats)
    if fmt is None:
        raise NotAcceptableHere(offered)
    query = request.query_string.decode("latin-1")
    response = redirect(f"{stem}.{fmt.extension}" + (f"?{query}" if query else ""), code=303)
    return finish(response, offered, vary=("Accept",))


def serve(stem: str, fmt: Format, build: Callable[[], bytes], *,
          formats: Sequence[Format] = DOCUMENT_FORMATS, cache_key: tuple = ()) -> Response:
    """The document `stem` in `fmt`. Its bytes are built once per dataset version (and per reader
    language for HTML); `cache_key` adds whatever else the bytes depend on."""
    state = app_state()
    language = reader_language() if fmt is HTML else None
    key = ("document", stem, fmt.extension, language, linker().query, *cache_key, state.version)
    response = Response(state.cache.get_or_build(key, build), mimetype=fmt.media_type)
    vary = ["Accept"]
    if language:
        response.headers["Content-Language"] = language
        vary.append("Accept-Language")
    others = [(url, other) for url, other in variants(stem, formats) if other is not fmt]
    return finish(response, others, vary=vary)


def finish(response: Response, alternates: Sequence[tuple[str, Format]], vary: Sequence[str]) -> Response:
    state = app_state()
    mark_shareable(request)  # a document (or 303) depends only on the URL, the Vary headers and the version
    return finish_response(response, request, version=state.version, last_modified=state.last_modified,
                           vary=vary, alternates=alternates)


def rdf_document(triples, fmt: Format) -> bytes:
    """Triples in an RDF format, with the prefixes they use and the dataset's JSON-LD context."""
    state = app_state()
    return serialize_triples(triples, fmt, prefixes=prefixes_used(triples, state.prefixes), context=state.jsonld_context)


def reader_language() -> str:
    """The language to write names in: `?lang=` if the site speaks it, else `Accept-Language`."""
    return choose_language(request.accept_languages, request.args.get("lang"))


def linker(here: str = "") -> Linker:
    """Links for the current page; a `?lang=` choice is carried along to this site's pages."""
    override = request.args.get("lang", "").lower()
    query = f"lang={override}" if override in LANGUAGES else ""
    return Linker(app_state().settings.base_iri, query=query, here=here)

"""The dumps and the dataset's description: /dumps/, /dumps/<name>, /dataset, /.well-known/void.

Only the files named in the manifest of the current build can be downloaded; `<name>` never
becomes a path by itself, so `../`, encoded slashes and links lead nowhere but to a 404.
"""

from __future__ import annotations

import os
import stat

from flask import Blueprint, Response, abort, redirect, render_template, request, send_file, url_for
from werkzeug.exceptions import RequestedRangeNotSatisfiable

from server.describe import short_name
from server.description import (
    HOLDS, NOT_DUMPED, PREFIXES, Published, description_context, distributions, publish, uri_space,
)
from server.negotiation import (
    DOCUMENT_FORMATS, HTML, JSON_LD, N_TRIPLES, RDF_XML, TURTLE, Format, available_types, choose_format,
    format_for_extension, format_named,
)
from server.representations import finish_response, serialize_triples
from server.state import AppState, app_state
from server.views.negotiated import linker, reader_language, see_other, variants

dumps = Blueprint("dumps", __name__)

# What /.well-known/void gives a client that states no preference (curl, harvesters): Turtle.
VOID_FORMATS = (TURTLE, HTML, JSON_LD, RDF_XML, N_TRIPLES)
RDF_ALTERNATES = [(fmt.extension, fmt.media_type) for fmt in DOCUMENT_FORMATS if fmt is not HTML]


@dumps.get("/dataset")
def dataset():
    """The dataset's IRI names the dataset, not a document: 303 to the negotiated document, as for entities."""
    return see_other("/dataset")


@dumps.get("/dataset.<extension>")
def dataset_document(extension: str):
    fmt = format_for_extension(extension) or abort(404, f"no dataset document in format .{extension}")
    state, published = _published()
    alternates = [(url, other) for url, other in variants("/dataset") if other is not fmt]
    if fmt is HTML:
        def page() -> str:
            prefixes = _prefixes(state)
            return render_template("dataset.html", published=published, short=lambda iri: short_name(iri, prefixes),
                                   uri_space=uri_space(state.settings), not_dumped=NOT_DUMPED, **_page_context())

        return _page(page, published, ("dataset.html",), vary=(), alternates=alternates)
    return _rdf(published.triples, fmt, state, published, vary=(), alternates=alternates)


@dumps.get("/.well-known/void")
def well_known_void():
    """The description (RFC 5785 / VoID's well-known location), Turtle unless the client prefers another."""
    fmt = _negotiated(VOID_FORMATS)
    if fmt is HTML:
        response = redirect(url_for(".dataset_document", extension="html"), 303)
        response.vary.add("Accept")
        return response
    state, published = _published()
    return _rdf(published.triples, fmt, state, published)


@dumps.get("/dumps/")
def listing():
    """The files of the last build: a page, or their DCAT distributions in RDF (`Accept` or `?format=`)."""
    offered = DOCUMENT_FORMATS
    if "format" in request.args:
        fmt = format_named(request.args["format"], offered) or abort(
            400, f"unknown format {request.args['format']!r}; use one of: {', '.join(f.extension for f in offered)}")
    else:
        fmt = _negotiated(offered)
    state, published = _published()
    if fmt is HTML:
        return _page(lambda: render_template("dumps.html", published=published, **_page_context()),
                     published, ("dumps.html",))
    triples = distributions(state.settings, published.manifest) if published.manifest else []
    return _rdf(triples, fmt, state, published)


@dumps.get("/dumps/<name>")
def download(name: str):
    """One dump, byte for byte: ETag (its SHA-256), Last-Modified, 304 and Range come from Werkzeug."""
    _, published = _published()
    entry = published.manifest.file(name) if published.manifest else None
    if entry is None:
        abort(404, f"no dump named {name!r}; the list is at /dumps/")
    try:  # O_NOFOLLOW: a link put in the folder is not followed
        descriptor = os.open(published.folder / entry.name, os.O_RDONLY | os.O_NOFOLLOW)
    except OSError:
        abort(404, f"the dump {name!r} is missing; run `coopgraph build`")
    file = os.fdopen(descriptor, "rb")
    info = os.fstat(descriptor)
    if not stat.S_ISREG(info.st_mode):
        file.close()
        abort(404, f"no dump named {name!r}")
    # A build beside us may have just renamed a new file in: then the manifest's checksum is not its ETag.
    unchanged = (info.st_size, info.st_mtime_ns) == (entry.bytes, entry.mtime_ns)
    response = send_file(
        file, mimetype=entry.dump.served_type, as_attachment=True, download_name=entry.name,
        etag=entry.sha256 if unchanged else f"{info.st_mtime_ns:x}-{info.st_size:x}",
        last_modified=info.st_mtime, conditional=False,
    )
    response.content_length = info.st_size
    try:
        return response.make_conditional(request, accept_ranges=True, complete_length=info.st_size)
    except RequestedRangeNotSatisfiable:  # a 416, with the file's length
        file.close()
        raise


def _published() -> tuple[AppState, Published]:
    state = app_state()
    return state, publish(state)


def _negotiated(offered: tuple[Format, ...]) -> Format:
    fmt = choose_format(request.accept_mimetypes, offered)
    if fmt is None:
        abort(406, f"this resource is available as: {', '.join(available_types(offered))}")
    return fmt


def _prefixes(state: AppState) -> dict[str, str]:
    return {**state.prefixes, **PREFIXES}


def _page_context() -> dict:
    return {"holds": HOLDS, "alternates": RDF_ALTERNATES}


def _page(render, published: Published, key: tuple, vary=("Accept",), alternates=()) -> Response:
    """An HTML page, built once per description and reader language (the site's words are translated)."""
    language = reader_language()
    body = app_state().cache.get_or_build((*key, published.tag, language, linker().query), render)
    response = Response(body, content_type="text/html; charset=utf-8")
    response.headers["Content-Language"] = language
    return _finish(response, published, vary=(*vary, "Accept-Language"), alternates=alternates)


def _rdf(triples, fmt: Format, state: AppState, published: Published, vary=("Accept",), alternates=()) -> Response:
    prefixes = _prefixes(state)
    body = state.cache.get_or_build(
        ("description", request.path, fmt.extension, published.tag),
        lambda: serialize_triples(triples, fmt, prefixes=prefixes, context=description_context(triples, prefixes)))
    content_type = fmt.media_type + ("; charset=utf-8" if fmt.media_type.startswith("text/") else "")
    return _finish(Response(body, content_type=content_type), published, vary=vary, alternates=alternates)


def _finish(response: Response, published: Published, vary=("Accept",), alternates=()) -> Response:
    return finish_response(response, request, version=published.tag, last_modified=published.last_modified,
                           vary=vary, alternates=alternates)

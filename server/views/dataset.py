"""The dataset and its dumps: /dataset, /.well-known/void, /dumps/, /dumps/<name>.

Everything here describes the build of dumps the server pinned when it started (server/void.py).
Only the files named in its manifest can be downloaded; `<name>` never becomes a path by itself, so
`../`, encoded slashes and links lead nowhere but to a 404.
"""

from __future__ import annotations

import os
import stat

from flask import Blueprint, abort, redirect, render_template, request, send_file, url_for
from werkzeug.exceptions import RequestedRangeNotSatisfiable

from server.figures import BY_NAME as FIGURES
from server.figures import uri_space, void_counts
from server.formats import DOCUMENT_FORMATS, HTML, TURTLE, format_for_extension, preferring
from server.http import finish
from server.i18n import reader_language
from server.names import short_name
from server.negotiation import document, negotiate, respond, see_other, variants
from server.state import app_state
from server.structured_data import dataset_script
from server.void import HOLDS, NOT_DUMPED, PREFIXES, description_context, distributions

dataset = Blueprint("dataset", __name__)

# What /.well-known/void gives a client that states no preference (curl, harvesters): Turtle.
VOID_FORMATS = preferring(TURTLE, DOCUMENT_FORMATS)
RDF_ALTERNATES = [(fmt.extension, fmt.media_type) for fmt in DOCUMENT_FORMATS if fmt is not HTML]


@dataset.get("/dataset")
def dataset_iri():
    """The dataset's IRI names the dataset, not a document: 303 to the negotiated document, as for entities."""
    return see_other("/dataset")


@dataset.get("/dataset.<extension>")
def dataset_document(extension: str):
    fmt = format_for_extension(extension) or abort(404, f"no dataset document in format .{extension}")
    published = app_state().published

    def build() -> bytes:
        if fmt is not HTML:
            return _rdf(published.triples, fmt)
        prefixes = _prefixes()
        settings = app_state().settings
        return render_template("dataset.html", published=published, short=lambda iri: short_name(iri, prefixes),
                               uri_space=uri_space(settings), not_dumped=NOT_DUMPED, figures=FIGURES,
                               void_counts=void_counts(settings), **_page_context(),
                               structured_data=dataset_script(app_state(), reader_language())).encode()

    # A document URL with an extension is that format whatever Accept says: no Vary on it.
    return document("/dataset", fmt, build, vary=(), tag=published.tag, last_modified=published.last_modified)


@dataset.get("/.well-known/void")
def well_known_void():
    """The description (RFC 5785 / VoID's well-known location), Turtle unless the client prefers another."""
    fmt = negotiate(VOID_FORMATS)
    if fmt is HTML:
        return finish(redirect(url_for(".dataset_document", extension="html"), 303))
    published = app_state().published
    return _described(fmt, lambda: _rdf(published.triples, fmt))


@dataset.get("/dumps/")
def listing():
    """The files of the pinned build: a page, or their DCAT distributions in RDF (`Accept` or `?format=`)."""
    fmt = negotiate(DOCUMENT_FORMATS, variants("/dumps/"))
    state = app_state()
    published = state.published
    if fmt is HTML:
        return _described(fmt, lambda: render_template("dumps.html", published=published,
                                                       **_page_context()).encode())
    triples = distributions(state.settings, published.manifest) if published.manifest else []
    return _described(fmt, lambda: _rdf(triples, fmt))


@dataset.get("/dumps/<name>")
def download(name: str):
    """One dump, byte for byte: ETag (its SHA-256), Last-Modified, 304 and Range come from Werkzeug."""
    published = app_state().published
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
    # A build is never changed once written; a file changed by hand gets an ETag of its own.
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


def _described(fmt, build):
    """A negotiated response about the pinned build, tagged with it."""
    published = app_state().published
    return respond(fmt, build, tag=published.tag, last_modified=published.last_modified)


def _prefixes() -> dict[str, str]:
    return {**app_state().dataset.prefixes, **PREFIXES}


def _page_context() -> dict:
    return {"holds": HOLDS, "alternates": RDF_ALTERNATES}


def _rdf(triples, fmt) -> bytes:
    prefixes = _prefixes()
    return fmt.write(triples, prefixes=prefixes, context=description_context(triples, prefixes))

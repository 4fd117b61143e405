"""The source texts: `/sources/{slug}` answers 303 to `/sources/{slug}.html` (the text with its quoted
passages marked) or `/sources/{slug}.txt` (the file's bytes), as `Accept` prefers; the document is
`{base}id/document/{slug}`. Which file is a document's text, and where its quotes are: server/sources.py.
"""

from __future__ import annotations

import hashlib
from datetime import datetime, timezone

from flask import Blueprint, render_template
from werkzeug.exceptions import NotFound

from server.formats import HTML
from server.i18n import reader_language
from server.negotiation import document, linker, see_other, split_extension, variants
from server.sources import (SOURCE_FORMATS, SourceFile, missing_source, source_files, source_page, source_path,
                            source_text)
from server.state import app_state

sources = Blueprint("sources", __name__)


@sources.get("/sources/<path:path>")
def source_document(path: str):
    stem, fmt = split_extension(path, SOURCE_FORMATS)
    source = source_file(stem)
    if fmt is None:
        return see_other(source_path(stem), SOURCE_FORMATS)
    state = app_state()
    data = source.path.read_bytes()
    # The text is not in the dataset's version: its bytes are part of the ETag, its time of Last-Modified.
    digest = hashlib.sha256(data).hexdigest()
    tag = f"{state.dataset.version}-{digest}"
    modified = max(state.dataset.last_modified,
                   datetime.fromtimestamp(int(source.path.stat().st_mtime), tz=timezone.utc))
    return document(source_path(stem), fmt, lambda: render(source, data, digest, fmt), formats=SOURCE_FORMATS,
                    tag=tag, last_modified=modified)


def source_file(slug: str) -> SourceFile:
    """The text of the document `slug` names; a 404 saying which texts there are otherwise."""
    state = app_state()
    source = source_files(state).get(slug)
    if source is None:
        raise NotFound(missing_source(state, slug))
    return source


def render(source: SourceFile, data: bytes, digest: str, fmt) -> bytes:
    if fmt is not HTML:
        return data
    state = app_state()
    page = source_page(state, source_text(state, source, data, digest), language=reader_language(), linker=linker())
    return render_template("source.html", page=page,
                           formats=variants(source_path(source.slug), SOURCE_FORMATS)).encode()

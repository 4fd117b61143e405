"""Finishing responses: the one place that sets Vary, Link, ETag and Last-Modified, answers conditional
requests, and lets the replay (server/replay.py) keep what may be shared. Every view's response that
depends only on its URL and request headers goes through `finish`. CORS and gzip are app-wide
(create_app), and so is the replay.

The ETag is derived from the dataset version (or another tag the view gives), the URL and the
negotiated variant (Content-Type, Content-Language, Location), so it changes with any of them and
costs nothing to compute: a request whose copy is current gets its 304 before the body is built.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from datetime import datetime

from flask import Response, request

from server.formats import Format
from server.state import app_state

SHAREABLE = "coopgraph.shareable"  # the environ key telling the replay it may keep the response

# The request headers make_conditional acts on (WSGI names).
CONDITIONAL_HEADERS = ("HTTP_IF_NONE_MATCH", "HTTP_IF_MODIFIED_SINCE", "HTTP_IF_MATCH", "HTTP_IF_UNMODIFIED_SINCE",
                       "HTTP_RANGE", "HTTP_IF_RANGE")


def alternates_link(alternates: Sequence[tuple[str, Format]]) -> str:
    """A Link header value naming each (URL, format) as an alternate."""
    return ", ".join(f'<{url}>; rel="alternate"; type="{fmt.media_type}"' for url, fmt in alternates)


def mark_shareable() -> None:
    """Lets the replay send this request's response again to identical requests (same URL and keyed headers)."""
    request.environ[SHAREABLE] = True


def is_conditional() -> bool:
    return any(header in request.environ for header in CONDITIONAL_HEADERS)


def finish(response: Response, *, body: Callable[[], bytes] | None = None, vary: Sequence[str] = ("Accept",),
           alternates: Sequence[tuple[str, Format]] = (), tag: str | None = None,
           last_modified: datetime | None = None, shareable: bool = True) -> Response:
    """`response` with the headers every negotiated response carries, then the conditional check.
    `body` builds the bytes, only when the client's copy is not current. `tag` and `last_modified`
    default to the dataset's; `shareable` lets the replay keep the finished response for identical
    requests (it must then depend on nothing but the URL and the headers the replay keys on)."""
    state = app_state()
    response.vary.update(vary)
    if "Accept-Language" in vary:  # the reader's remembered choice (server/i18n.py) comes before it
        response.vary.add("Cookie")
    if alternates:
        response.headers["Link"] = alternates_link(alternates)
    variant = "|".join((
        tag or state.dataset.version, request.full_path, response.content_type or "",
        response.content_language.to_header() if response.content_language else "",
        response.headers.get("Location", ""),
    ))
    response.set_etag(hashlib.sha256(variant.encode()).hexdigest()[:32])
    response.last_modified = last_modified or state.dataset.last_modified
    if shareable:
        mark_shareable()
    if is_conditional():  # parsing them costs a third of a replayed page: only when sent
        response.make_conditional(request)
        if response.status_code in (304, 412):
            return response
    if body is not None:
        response.set_data(body())
    return response

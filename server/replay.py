"""Finished responses, replayed before Flask sees the request.

A cached document or a repeated query costs little to build, but Flask's routing, content
negotiation, flask-cors and the headers of every negotiated response (Vary, Link, ETag,
Last-Modified) still cost about as much as the bare route the benchmarks compare against. So a view
whose response depends only on the URL, a few request headers and the dataset version marks it
`shareable`, and this WSGI middleware keeps the finished response (status, headers, body) and sends it
again, without entering Flask, to the next request for the same URL with the same headers.

It is what an HTTP cache in front of the server would do, kept deliberately narrow:
* only GET (and HEAD, answered from a GET's entry) without conditional or Range headers: Flask answers
  those (304, 206) from the same views;
* only 200 and 303 responses the view marked, whose `Vary` names nothing outside `KEYED_HEADERS`;
* keyed by the decoded request path (all any view reads: server/request_line.py), the query string, the
  values of every header in `KEYED_HEADERS`, whatever the response varies on (a superset is always safe), and the
  reader's remembered language (the one cookie a page reads: `Vary: Cookie` means that cookie here);
* bounded in bytes (LRU); one cache per application, which holds one dataset version for its life.

It is the only place finished documents are kept: the app's cache (server/cache.py) holds what they
are built from (descriptions, indexes), never their bytes, so nothing is kept twice.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable

from cachetools import LRUCache

from server.http import CONDITIONAL_HEADERS, SHAREABLE
from server.i18n import chosen_language
from server.observe import NOTED, note

# The request headers any replayable response may depend on (WSGI names), and their HTTP names.
KEYED_HEADERS = {"HTTP_ACCEPT": "accept", "HTTP_ACCEPT_LANGUAGE": "accept-language",
                 "HTTP_ACCEPT_ENCODING": "accept-encoding"}
# What else a response may vary on: pages read one cookie only, the language choice, which the key holds.
KEYED_VARY = (*KEYED_HEADERS.values(), "cookie")
REPLAYED_STATUSES = ("200", "303")
ENTRY_OVERHEAD = 500  # bytes counted for an entry's key and headers

WsgiApp = Callable[[dict, Callable], Iterable[bytes]]


class ResponseReplay:
    """WSGI middleware replaying the finished responses views mark shareable (see the module's doc)."""

    def __init__(self, app: WsgiApp, max_bytes: int):
        self.app = app
        self._entries: LRUCache = LRUCache(maxsize=max_bytes, getsizeof=_entry_size)
        self._lock = threading.Lock()

    def __call__(self, environ: dict, start_response: Callable) -> Iterable[bytes]:
        method = environ.get("REQUEST_METHOD")
        if method not in ("GET", "HEAD") or any(header in environ for header in CONDITIONAL_HEADERS):
            return self.app(environ, start_response)
        key = _key(environ)
        with self._lock:
            entry = self._entries.get(key)
        if entry is not None:
            status, headers, body, noted = entry
            for name, value in noted:  # what the view noted when it made the response (server/observe.py)
                note(environ, name, value)
            note(environ, "replay", "hit")
            start_response(status, list(headers))
            return [b""] if method == "HEAD" else [body]
        note(environ, "replay", "miss")
        if method == "HEAD":  # a HEAD response has no body to keep
            return self.app(environ, start_response)
        return self._record(key, environ, start_response)

    def _record(self, key: tuple, environ: dict, start_response: Callable) -> Iterable[bytes]:
        started: list = []

        def capture(status, headers, exc_info=None):
            started[:] = [status, headers, exc_info]
            return _no_write

        body = self.app(environ, capture)
        status, headers, exc_info = started
        if not (environ.get(SHAREABLE) and status.startswith(REPLAYED_STATUSES) and _replayable(headers)):
            start_response(status, headers, exc_info)
            return body  # untouched: a streamed file stays streamed
        try:
            content = b"".join(body)
        finally:
            if hasattr(body, "close"):
                body.close()
        entry = (status, tuple(headers), content, tuple((environ.get(NOTED) or {}).items()))
        if _entry_size(entry) <= self._entries.maxsize:
            with self._lock:
                self._entries[key] = entry
        start_response(status, headers)
        return [content]

    def __len__(self) -> int:
        with self._lock:
            return len(self._entries)


def _key(environ: dict) -> tuple:
    # The decoded path, as the views read it (server/request_line.py), and the query string.
    return (environ.get("PATH_INFO", ""), environ.get("QUERY_STRING", ""), *(environ.get(name) for name in KEYED_HEADERS),
            chosen_language(environ))


def _replayable(headers: list[tuple[str, str]]) -> bool:
    for name, value in headers:
        lowered = name.lower()
        if lowered == "set-cookie":
            return False
        if lowered == "vary" and any(part.strip().lower() not in KEYED_VARY for part in value.split(",")):
            return False  # varies on something the key does not hold (or "*")
    return True


def _entry_size(entry: tuple) -> int:
    return len(entry[2]) + ENTRY_OVERHEAD


def _no_write(data: bytes) -> None:
    raise RuntimeError("coopgraph's views return their bodies; the WSGI write() callable is not supported here")

"""The outermost middleware: every request gets an id (echoed in `X-Request-Id`), is timed, counted in the
metrics (server/metrics.py) and written to the access log, one JSON object a line on standard error.

What only the inside knows (which view answered, whether the replay did, what became of a SPARQL query, a
store failure), the inside notes with `note(environ, key, value)`; this reads it once the answer is made.
A streamed body (a dump) is logged when the server closes it, so its time is the whole download's.
"""

from __future__ import annotations

import json
import os
import re
import time
import uuid
from collections.abc import Callable, Iterable
from datetime import datetime, timezone

from server.metrics import Labels, Metrics

NOTED = "coopgraph.noted"  # environ key: what the inside noted about this request
PRIMING = "coopgraph.priming"  # environ key of the requests `prime` makes before serving: not clients''
REQUEST_ID_HEADER = "X-Request-Id"
# A client's (or a proxy's) own id is kept when it is a plain token, else replaced: it goes into logs.
GIVEN_ID = re.compile(r"[A-Za-z0-9._:-]{1,64}")
LOGGED_CHARS = 1000  # of a path, query string or user agent


def note(environ: dict, key: str, value) -> None:
    """Tells the observer something about this request (a no-op for requests it does not see)."""
    noted = environ.get(NOTED)
    if noted is not None:
        noted[key] = value


class Observer:
    """WSGI middleware: request ids, metrics and the JSON access log (see the module's doc)."""

    def __init__(self, app: Callable, metrics: Metrics, access_log: bool):
        self.app, self.metrics, self.access_log = app, metrics, access_log

    def __call__(self, environ: dict, start_response: Callable) -> Iterable[bytes]:
        if environ.get(PRIMING):
            return self.app(environ, start_response)
        started = time.perf_counter()
        given = environ.get("HTTP_X_REQUEST_ID", "")
        request_id = given if GIVEN_ID.fullmatch(given) else uuid.uuid4().hex
        noted: dict = {}
        environ[NOTED] = noted
        answer: list = []

        def observed_start(status: str, headers: list, exc_info=None):
            headers.append((REQUEST_ID_HEADER, request_id))
            answer[:] = [status, headers]
            return start_response(status, headers, exc_info)

        body = self.app(environ, observed_start)
        if isinstance(body, list):  # whole: done now (and a list stays a list, which servers send fastest)
            self.done(environ, request_id, answer, noted, started, sum(map(len, body)))
            return body
        return _Closing(body, lambda sent: self.done(environ, request_id, answer, noted, started, sent))

    def done(self, environ: dict, request_id: str, answer: list, noted: dict, started: float, sent: int) -> None:
        seconds = time.perf_counter() - started
        status_line, headers = answer or ("500 Internal Server Error", [])
        media_type = next((value.split(";")[0].strip() for name, value in headers if name.lower() == "content-type"),
                          "")
        labels = Labels(noted.get("route", "unmatched"), environ.get("REQUEST_METHOD", ""), int(status_line[:3]),
                        media_type)
        self.metrics.count(labels, seconds, noted)
        if self.access_log:
            line = {
                "time": datetime.now(timezone.utc).isoformat(timespec="milliseconds"),
                "id": request_id, "method": labels.method, "path": environ.get("PATH_INFO", "")[:LOGGED_CHARS],
                "query": environ.get("QUERY_STRING", "")[:LOGGED_CHARS], "status": labels.status, "bytes": sent,
                "ms": round(seconds * 1000, 3), "route": labels.route, "format": labels.format,
                "replayed": noted.get("replay") == "hit", "client": environ.get("REMOTE_ADDR", ""),
                "agent": environ.get("HTTP_USER_AGENT", "")[:LOGGED_CHARS],
            }
            # One write of one line: lines of concurrent workers never interleave.
            os.write(2, (json.dumps(line, ensure_ascii=False) + "\n").encode("utf-8", "replace"))


class _Closing:
    """A streamed body, counting what was sent, that reports when the server closes it."""

    def __init__(self, body: Iterable[bytes], report: Callable[[int], None]):
        self.body, self.report, self.sent = body, report, 0
        self.iterator = iter(body)

    def __iter__(self):
        return self

    def __next__(self) -> bytes:
        chunk = next(self.iterator)
        self.sent += len(chunk)
        return chunk

    def close(self) -> None:
        try:
            if hasattr(self.body, "close"):
                self.body.close()
        finally:
            self.report(self.sent)

"""What the app decides about the request line itself, so that every web server answers alike.

Servers differ in what they pass on: gunicorn gives the raw target (`RAW_URI`) and refuses long lines
with its own limit; Granian gives neither. So the app reads only the decoded path (`PATH_INFO`) and the
query string, which every WSGI server gives, and measures the target from them:

* a path is identified by its decoded form: `%2F` in a path is a slash, as Granian, Werkzeug and Flask's
  routing see it (no entity path of this dataset contains an encoded slash, server/views/entities.py);
* a target longer than `max_request_target_bytes`, percent-encoded again, is refused with a 414 here.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from urllib.parse import quote

# What `quote` leaves as it is in a path: RFC 3986 pchar and "/", so the length measured is that of the
# shortest encoding of the path, whatever the client sent.
PATH_SAFE = "/:@!$&'()*+,;=-._~"


def request_target(environ: dict) -> str:
    """The request's path and query string, percent-encoded: the same on every server."""
    path = quote(environ.get("PATH_INFO", "").encode("latin-1"), safe=PATH_SAFE)
    query = environ.get("QUERY_STRING", "")
    return f"{path}?{query}" if query else path


class RequestTargetLimit:
    """WSGI middleware answering 414 to a request whose target is longer than `max_bytes`."""

    def __init__(self, app: Callable, max_bytes: int):
        self.app, self.max_bytes = app, max_bytes

    def __call__(self, environ: dict, start_response: Callable) -> Iterable[bytes]:
        # Encoding at most triples a path: most requests are let through without encoding it.
        if 3 * len(environ.get("PATH_INFO", "")) + len(environ.get("QUERY_STRING", "")) + 1 <= self.max_bytes:
            return self.app(environ, start_response)
        length = len(request_target(environ))
        if length <= self.max_bytes:
            return self.app(environ, start_response)
        body = (f"414 URI Too Long\n\nThe request target is {length} bytes long; this server answers at most "
                f"{self.max_bytes}. Send a long SPARQL query with POST (see /sparql).\n").encode()
        start_response("414 URI Too Long", [("Content-Type", "text/plain; charset=utf-8"),
                                            ("Content-Length", str(len(body)))])
        return [body]

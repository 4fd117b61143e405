"""The SPARQL 1.1 Protocol client the remote backend and `coopgraph load` talk to a server with.

Queries go over urllib3's kept-alive connections, updates through SPARQLWrapper; answers are read whole
(bounded in time and size) and parsed by pyoxigraph, so callers get the same results as from an embedded store.
"""

from __future__ import annotations

import ast
import contextlib
import json
import os
import socket
import time
import urllib.error
import urllib.request
from collections.abc import Iterator, Sequence
from http.client import HTTPException
from urllib.parse import urlencode, urlsplit

import pyoxigraph
import urllib3
from SPARQLWrapper import INSERT, POST, SPARQLWrapper
from SPARQLWrapper.SPARQLExceptions import EndPointInternalError, QueryBadFormed, SPARQLWrapperException

from server.store.base import AnswerTooLarge, QueryRejected, StoreError, StoreTimeout, StoreUnavailable

PROBE_TIMEOUT_S = 2.0  # the trivial query telling a failing store from a query it cannot evaluate
# What Oxigraph writes into an answer it has begun when its own deadline (--timeout-s) stops the query.
CANCELLED = b"operation has been cancelled"
FORM = "application/x-www-form-urlencoded"
KEPT_CONNECTIONS = 16  # per process: as many as its threads may query at once (more are opened, then closed)


class SparqlClient:
    """The SPARQL 1.1 Protocol: queries over kept-alive connections (urllib3, which opens a new one when the
    server closed the old, so nothing needs mending when the server comes back after being down), updates
    through SPARQLWrapper."""

    ACCEPT = "application/sparql-results+json, application/n-triples;q=0.9, text/turtle;q=0.8"

    CHUNK = 1 << 16

    def __init__(self, endpoint: str, update_endpoint: str | None, timeout_s: float,
                 max_answer_bytes: int = 256 * 2**20, deadline_parameter: str | None = None):
        self.endpoint, self.update_endpoint, self.timeout_s = endpoint, update_endpoint, timeout_s
        self.max_answer_bytes = max_answer_bytes
        # The engine's own per-query deadline, as `name` (seconds) or `name:ms`: it stops the query when
        # coopgraph stops waiting, rather than computing on for nobody.
        self.deadline_parameter = deadline_parameter
        self._pools: dict[int, urllib3.HTTPConnectionPool] = {}  # by process id: see _connections
        parts = urlsplit(endpoint)
        self._path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")

    def query(self, text: str, default_graphs: Sequence[str] = (), named_graphs: Sequence[str] = (),
              timeout_s: float | None = None):
        """QuerySolutions, QueryBoolean or RemoteTriples, read whole within the deadline (from the
        request's start) and at most max_answer_bytes (else AnswerTooLarge)."""
        deadline = time.monotonic() + (timeout_s or self.timeout_s)
        with self.request(text, default_graphs, named_graphs, timeout_s) as response:
            chunks, size = [], 0
            try:
                while chunk := response.read(self.CHUNK):
                    chunks.append(chunk)
                    size += len(chunk)
                    if size > self.max_answer_bytes:
                        raise AnswerTooLarge(f"the SPARQL store's answer is larger than {self.max_answer_bytes} bytes")
                    if time.monotonic() > deadline:
                        raise socket.timeout()
            except (OSError, HTTPException, urllib3.exceptions.HTTPError) as error:
                raise self.unavailable(error, timeout_s) from error
            return _parse_answer(response.headers.get("Content-Type", ""), b"".join(chunks))

    def update(self, text: str, timeout_s: float | None = None) -> None:
        with self.request(text, timeout_s=timeout_s, update=True) as response:
            response.read()

    @contextlib.contextmanager
    def request(self, text: str, default_graphs: Sequence[str] = (), named_graphs: Sequence[str] = (),
                timeout_s: float | None = None, update: bool = False, accept: str | None = None):
        """The open HTTP response to a query or update (`accept`: the media type to ask for, if not
        ACCEPT's); raises SyntaxError (the server calls it malformed), StoreUnavailable, StoreTimeout or StoreError."""
        if update:
            with self._update_request(text, timeout_s) as response:
                yield response
            return
        deadline = timeout_s or self.timeout_s
        fields = [("query", text), *(("default-graph-uri", iri) for iri in default_graphs),
                  *(("named-graph-uri", iri) for iri in named_graphs)]
        if self.deadline_parameter:
            name, _, unit = self.deadline_parameter.partition(":")
            fields.append((name, str(round(deadline * 1000)) if unit == "ms" else f"{deadline:g}"))
        try:
            response = self._connections().urlopen(
                "POST", self._path, body=urlencode(fields), preload_content=False, retries=False,
                headers={"Content-Type": FORM, "Accept": accept or self.ACCEPT},
                timeout=urllib3.Timeout(connect=deadline, read=deadline))
        except urllib3.exceptions.HTTPError as error:  # refused or reset connections, timeouts
            raise self.unavailable(error, timeout_s) from error
        try:
            if response.status >= 400:
                raise self._refusal(response.status, _text_of(response.read(4096)))
            yield response
        finally:
            if not response.isclosed():  # not read to its end: never reused (read whole, it went back to the pool)
                response.close()

    def _connections(self) -> urllib3.HTTPConnectionPool:
        """Kept-alive connections to the endpoint (a new one per query costs the web worker 0.3-0.5 ms), per
        process: a query worker forked from a web worker never shares its sockets."""
        pid = os.getpid()
        if pid not in self._pools:
            self._pools[pid] = urllib3.connection_from_url(self.endpoint, maxsize=KEPT_CONNECTIONS, block=False)
        return self._pools[pid]

    def _refusal(self, status: int, message: str) -> Exception:
        """An error answer, as the SPARQL 1.1 Protocol's statuses mean it."""
        if status == 400:
            return SyntaxError(message)
        if status in (502, 503, 504):
            return StoreUnavailable(f"the SPARQL store at {self.endpoint} answered {status}")
        if status in (401, 403, 404, 405, 414, 415):
            return StoreError(f"the SPARQL store at {self.endpoint} refused the request ({status}): {message}")
        return self._failure(message, update=False)

    @contextlib.contextmanager
    def _update_request(self, text: str, timeout_s: float | None):
        """An update, through SPARQLWrapper: `coopgraph load`'s few requests, where a connection each costs nothing."""
        wrapper = SPARQLWrapper(self.endpoint, updateEndpoint=self.update_endpoint)
        wrapper.setMethod(POST)
        wrapper.setQuery(text)
        # SPARQLWrapper guesses the form from the first keyword it finds, and its comment stripping
        # misses every other line of a comment: a "select" there made an update a query.
        wrapper.queryType = INSERT
        wrapper.timeout = timeout_s or self.timeout_s  # setTimeout() would round it to whole seconds
        try:
            response = wrapper.query().response
        except QueryBadFormed as error:
            raise SyntaxError(_message_of(error)) from None
        except urllib.error.HTTPError as error:
            if error.code in (502, 503, 504):
                raise StoreUnavailable(f"the SPARQL store at {self.endpoint} answered {error.code}") from error
            raise self._failure(_text_of(error.read()), True) from error
        except EndPointInternalError as error:
            raise self._failure(_message_of(error), True) from error
        except SPARQLWrapperException as error:
            raise StoreError(f"the SPARQL store at {self.endpoint} failed: {_message_of(error)}") from error
        except (OSError, HTTPException) as error:  # URLError, refused or reset connections, timeouts
            raise self.unavailable(error, timeout_s) from error
        with response:
            yield response

    def _failure(self, message: str, update: bool) -> Exception:
        """An error answer to a query: the query's fault (QueryRejected, a 400) when the store answers a
        trivial query at once, as engines answer 500 to a query they cannot evaluate (an unknown function);
        the store's (StoreError, a 502) when it does not."""
        if not update:
            try:
                self.query("ASK {}", timeout_s=PROBE_TIMEOUT_S)
            except (StoreError, StoreUnavailable, SyntaxError):
                pass
            else:
                return QueryRejected(f"the SPARQL store could not evaluate this query: {message}")
        return StoreError(f"the SPARQL store at {self.endpoint} failed: {message}")

    def unavailable(self, error: BaseException, timeout_s: float | None = None) -> StoreUnavailable:
        reason = getattr(error, "reason", error)
        # urllib3's NewConnectionError (refused) is one of its TimeoutErrors, for compatibility's sake.
        timed_out = (socket.timeout, TimeoutError, urllib3.exceptions.TimeoutError)
        if isinstance(reason, timed_out) and not isinstance(reason, urllib3.exceptions.NewConnectionError):
            return StoreTimeout(f"the SPARQL store at {self.endpoint} did not answer "
                                f"within {timeout_s or self.timeout_s:g} s")
        return StoreUnavailable(f"the SPARQL store at {self.endpoint} cannot be reached ({reason})")

    def wait(self, timeout_s: float) -> None:
        """Waits until the server answers a trivial query; raises StoreUnavailable after `timeout_s`."""
        deadline = time.monotonic() + timeout_s
        while True:
            try:
                self.query("ASK {}", timeout_s=2.0)
                return
            except StoreUnavailable:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.1)


def server_software(url: str) -> str:
    """The `Server` header a HEAD request of `url` is answered with (an error answer names its server too),
    or "" when nothing answers."""
    try:
        with urllib.request.urlopen(urllib.request.Request(url, method="HEAD"), timeout=PROBE_TIMEOUT_S) as response:
            return response.headers.get("Server", "")
    except urllib.error.HTTPError as error:
        return error.headers.get("Server", "")
    except (OSError, HTTPException):
        return ""


def is_oxigraph(url: str) -> bool:
    return server_software(url).startswith("Oxigraph/")


class RemoteTriples:
    """The triples a remote CONSTRUCT or DESCRIBE returned, like pyoxigraph's QueryTriples."""

    def __init__(self, triples: list[pyoxigraph.Triple]):
        self._triples = triples

    def __iter__(self) -> Iterator[pyoxigraph.Triple]:
        return iter(self._triples)

    def serialize(self, output=None, format=None):
        return pyoxigraph.serialize(self._triples, output, format)


def _parse_answer(content_type: str, body: bytes):
    """Results or triples, read through once first: an answer the server cut short (an error after
    the first bytes) raises StoreError here, never reaches a caller half read."""
    media_type = content_type.split(";")[0].strip().lower()
    try:
        if media_type == "application/sparql-results+json":
            # Read through by Python's JSON parser, twice as fast as pyoxigraph's (which parses lazily).
            json.loads(body)
            return pyoxigraph.parse_query_results(body, pyoxigraph.QueryResultsFormat.JSON)
        rdf_format = pyoxigraph.RdfFormat.from_media_type(media_type) if media_type else None
        if rdf_format is None:
            raise StoreError(f"the SPARQL store answered {media_type or 'no media type'}, not SPARQL results or RDF")
        return RemoteTriples([quad.triple for quad in pyoxigraph.parse(body, rdf_format)])
    except (SyntaxError, ValueError) as error:  # pyoxigraph's, json's
        if CANCELLED in body[-200:]:
            raise StoreTimeout("the SPARQL store stopped the query at its own time limit") from None
        raise StoreError(f"the SPARQL store sent a malformed or unfinished answer: {error}") from None


def _message_of(error: SPARQLWrapperException) -> str:
    """The server's own words, which SPARQLWrapper keeps only as the repr of the body inside its message."""
    _, found, response = str(error).partition("\n\nResponse:\n")
    if found:
        try:
            return _text_of(ast.literal_eval(response))
        except (ValueError, SyntaxError):
            return _text_of(response)
    return _text_of(getattr(error, "msg", "") or str(error))


def _text_of(raw) -> str:
    text = raw.decode("utf-8", "replace") if isinstance(raw, bytes) else str(raw)
    return " ".join(text.split())[:500]

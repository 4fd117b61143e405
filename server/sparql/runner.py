"""Running one checked query against the store and writing its results within the caps.

It runs inside a query worker (server/sparql/workers.py), or in the web worker's thread for a remote
store; `QueryRunner.run` raises QueryRefused for anything but results.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import pyoxigraph

from server.formats import (ASK, N_TRIPLES, SELECT, SPARQL_JSON, SPARQL_TSV, Format, choose_format, format_named,
                            not_offered, offered)
from server.sparql.check import NEEDS_FULL_CHECK, CheckedQuery, QueryRefused, check_query, check_shape, form_of, normalise
from server.sparql.prefixes import Declared, declare, predeclared
from server.sparql.syntax import explain
from server.store import Store

TRUNCATED_HEADER = "Coopgraph-Result-Truncated"


@dataclass(frozen=True)
class Limits:
    timeout_s: float
    max_result_rows: int
    max_response_bytes: int
    memory_mb: int
    workers: int
    max_nesting: int = 64
    wait_s: float = 1.0  # how long a query may wait for a slot (server/sparql/admission.py)

    @classmethod
    def from_settings(cls, settings) -> Limits:
        return cls(settings.query_timeout_s, settings.max_result_rows, settings.max_response_bytes,
                   settings.query_memory_mb, settings.query_workers, settings.max_query_nesting, settings.query_wait_s)


@dataclass(frozen=True)
class QueryJob:
    """One protocol request, as a worker needs it (it crosses a pipe, so plain values only)."""

    query: str
    accept: str = ""  # the Accept header as sent; empty when absent
    format_name: str | None = None  # the `format=` override
    for_html: bool = False  # the view renders a page: lossless results, whatever the form
    default_graphs: tuple[str, ...] | None = None  # default-graph-uri values, None when absent
    named_graphs: tuple[str, ...] | None = None  # named-graph-uri values, None when absent


@dataclass(frozen=True)
class QueryResult:
    form: str  # SELECT, ASK, CONSTRUCT or DESCRIBE
    media_type: str
    body: bytes
    truncated_at: int | None = None  # the row cap, when the results were cut there

    @property
    def truncation_header(self) -> str | None:
        return None if self.truncated_at is None else f"max-rows={self.truncated_at}"


class NeedsCheck(Exception):
    """The query must go through rdflib's full check, whose time is bounded only by killing its process."""


@dataclass(frozen=True)
class QueryRunner:
    """Checks and runs one query against the store and writes its results, within the caps.
    It runs inside a worker process; `run` raises QueryRefused for anything but results."""

    store: Store
    base_iri: str
    limits: Limits
    prefixes: Mapping[str, str] = field(default_factory=dict)  # the dataset's
    jsonld_context: Mapping = field(default_factory=dict)

    @property
    def declared_prefixes(self) -> dict[str, str]:
        """What a query may use without declaring it (server/sparql/prefixes.py)."""
        return predeclared(self.prefixes)

    def run(self, job: QueryJob) -> QueryResult:
        """The screen when it applies, else (or when the engine finds the query malformed) the full check."""
        try:
            return self.run_screened(job)
        except NeedsCheck:
            return self._run_checked(job, check_query(job.query, self.base_iri, self.declared_prefixes))

    def run_screened(self, job: QueryJob) -> QueryResult:
        """Runs a query that needs no rdflib parse; raises NeedsCheck for one that does. Cheap and bounded
        before the engine: a caller may run it in its own thread (server/sparql/workers.py)."""
        text = normalise(job.query)
        check_shape(text, self.limits.max_nesting)
        # Only where the store's query() cannot run an update (pyoxigraph's reads queries only, and so does
        # Oxigraph's query endpoint); elsewhere an update's text could run as one.
        if not self.store.query_refuses_updates or NEEDS_FULL_CHECK.search(text):
            raise NeedsCheck()
        # Screened: no SERVICE can hide in a text without the word, and without FROM the dataset is
        # the protocol's or the store's. Skipping rdflib's parse saves ~10 ms per new query. The
        # predeclared prefixes' line names neither (their IRIs come from the settings, not the query).
        declared = declare(text, self.declared_prefixes)
        try:
            results = self._query(declared.text, *_dataset(job, None))
        except SyntaxError:  # the checker says why (or 403 for an update), or agrees with the engine
            raise NeedsCheck() from None
        form = form_of(results, text)
        return self._write(form, results, self._format(job, form),
                           lambda: self._query(declared.text, *_dataset(job, None)), declared)

    def _run_checked(self, job: QueryJob, checked: CheckedQuery) -> QueryResult:
        fmt = self._format(job, checked.form)
        try:
            results = self._query(checked.text, *_dataset(job, checked))
        except SyntaxError as error:  # oxigraph's parser refuses what rdflib's accepted
            raise QueryRefused(400, _syntax_error(checked.declared, error)) from None
        return self._write(checked.form, results, fmt, lambda: self._query(checked.text, *_dataset(job, checked)),
                           checked.declared)

    def _query(self, text: str, default_graphs, named_graphs):
        try:
            return self.store.query(text, base_iri=self.base_iri, default_graph=default_graphs, named_graphs=named_graphs)
        except ValueError as error:  # e.g. a default-graph-uri that is not an IRI
            raise QueryRefused(400, f"The query cannot be run: {error}") from None

    def _write(self, form: str, results, fmt: Format, again: Callable[[], Any], declared: Declared) -> QueryResult:
        """`again` evaluates the query anew, for the rare second pass of _solutions."""
        try:
            if form == ASK:
                return QueryResult(ASK, fmt.media_type, self._capped(results.serialize(format=fmt.results_format)))
            if form == SELECT:
                return self._solutions(results, fmt, again)
            return self._triples(form, results, fmt)
        except SyntaxError as error:  # oxigraph's parser
            raise QueryRefused(400, _syntax_error(declared, error)) from None
        except ValueError as error:
            raise QueryRefused(400, f"The query cannot be run: {error}") from None

    def _format(self, job: QueryJob, form: str) -> Format:
        if job.for_html:  # lossless, and easy for the page to read back
            return {SELECT: SPARQL_TSV, ASK: SPARQL_JSON}.get(form, N_TRIPLES)
        formats = offered(form)
        if job.format_name:
            fmt, asked = format_named(job.format_name, formats), f"format={job.format_name!r}"
        else:
            fmt = choose_format(job.accept, formats)
            asked = f"What Accept asks for ({job.accept})"
        if fmt is None:
            raise QueryRefused(406, not_offered(asked, formats, f"for {form} results"))
        return fmt

    def _solutions(self, solutions, fmt: Format, again: Callable[[], Any]) -> QueryResult:
        rows, max_bytes = self.limits.max_result_rows, self.limits.max_response_bytes
        # Written once in the asked format, stopped as soon as its bytes may hold more than the row cap:
        # answers within the cap (nearly all) cost one pass.
        direct = _CappedWriter(fmt.row_marker, max_rows=rows, max_bytes=max_bytes)
        direct.fill(solutions, fmt.results_format)
        if direct.too_large:
            raise self._too_large()
        if not direct.over_rows:
            return QueryResult(SELECT, fmt.media_type, direct.getvalue())
        # Perhaps over the cap: TSV holds one solution per line (newlines in literals are escaped), so
        # counting lines cuts at the cap exactly; pyoxigraph reads the kept rows back and writes them in
        # the asked format, so every format stays well-formed when cut.
        if fmt is SPARQL_TSV:
            tsv = direct
        else:
            tsv = _CappedWriter(SPARQL_TSV.row_marker, max_rows=rows, max_bytes=2 * max_bytes)
            tsv.fill(again(), SPARQL_TSV.results_format)
        if tsv.too_large:
            raise self._too_large()
        lines = tsv.getvalue().split(b"\n")[:-1]  # header, then one line per solution
        truncated = len(lines) - 1 > rows
        body = b"".join(line + b"\n" for line in lines[: rows + 1])
        if fmt is not SPARQL_TSV:
            kept = pyoxigraph.parse_query_results(body, format=pyoxigraph.QueryResultsFormat.TSV)
            body = kept.serialize(format=fmt.results_format)
        return QueryResult(SELECT, fmt.media_type, self._capped(body), rows if truncated else None)

    def _triples(self, form: str, triples, fmt: Format) -> QueryResult:
        rows = self.limits.max_result_rows
        kept = list(itertools.islice(triples, rows + 1))
        truncated = len(kept) > rows
        body = fmt.write(kept[:rows], prefixes=self.prefixes, context=self.jsonld_context or None)
        return QueryResult(form, fmt.media_type, self._capped(body), rows if truncated else None)

    def _capped(self, body: bytes) -> bytes:
        if len(body) > self.limits.max_response_bytes:
            raise self._too_large()
        return body

    def _too_large(self) -> QueryRefused:
        return QueryRefused(503, f"The results are larger than this endpoint's limit of "
                                 f"{self.limits.max_response_bytes} bytes per response. Add a LIMIT, "
                                 "select fewer variables, or use the dumps.")


def _syntax_error(declared: Declared, error: SyntaxError) -> str:
    """The engine's message in words, where it points into the query as written (server/sparql/syntax.py)."""
    return explain(declared) or f"SPARQL syntax error: {error}"


def _dataset(job: QueryJob, checked: CheckedQuery | None) -> tuple[Sequence[str] | None, Sequence[str] | None]:
    """(default graphs, named graphs); None means the store's default. The protocol's parameters
    win over the query's FROM/FROM NAMED (SPARQL 1.1 Protocol, 2.1.4). `checked` is None for a
    screened query, which has no FROM."""
    if job.default_graphs is not None or job.named_graphs is not None:
        return job.default_graphs or (), job.named_graphs or ()
    if checked is not None and checked.has_dataset:
        return checked.default_graphs, checked.named_graphs
    return None, None


class _WriterFull(Exception):
    """Stops pyoxigraph's serialiser (and so the query's evaluation) once enough is written."""


class _CappedWriter:
    """A binary sink for pyoxigraph that stops it once the rows written may exceed `max_rows` (counted by
    the format's row marker, across chunk boundaries) or the bytes exceed `max_bytes`."""

    def __init__(self, row_marker: tuple[bytes, int], max_rows: int, max_bytes: int):
        (self.marker, extra), self.max_bytes = row_marker, max_bytes
        self.max_markers = max_rows - extra  # more markers than this: perhaps more rows than max_rows
        self.chunks: list[bytes] = []
        self.markers = self.size = 0
        self.tail = b""  # the last bytes of the previous chunk, where a marker may begin
        self.full = self.too_large = self.over_rows = False

    def fill(self, results, results_format) -> None:
        try:
            results.serialize(self, format=results_format)
        except _WriterFull:
            pass

    def write(self, data) -> int:
        if self.full:  # pyoxigraph flushes once more after the stop: ignore it
            return len(data)
        data = bytes(data)
        self.chunks.append(data)
        self.size += len(data)
        self.markers += (self.tail + data).count(self.marker)
        self.tail = data[1 - len(self.marker):] if len(self.marker) > 1 else b""
        if self.markers > self.max_markers or self.size > self.max_bytes:
            self.full = True
            self.over_rows = self.markers > self.max_markers
            self.too_large = not self.over_rows
            raise _WriterFull()
        return len(data)

    def flush(self) -> None:
        pass

    def getvalue(self) -> bytes:
        return b"".join(self.chunks)


# Functions whose answer changes from one evaluation to the next: such a query's results are not cached.
_VOLATILE = re.compile(r"\b(RAND|NOW|UUID|STRUUID|BNODE)\s*\(", re.IGNORECASE)


def cacheable(job: QueryJob) -> bool:
    """Whether the results of `job` can be kept for the dataset version (the data changes only with it)."""
    return not _VOLATILE.search(job.query)

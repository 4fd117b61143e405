"""The guarded SPARQL runner: check a query, then run it in a killable worker process.

What a query goes through, in a worker process (so parsing is bounded by the deadline too):

0. The screen: with an embedded store, a query whose text (escapes expanded) has none of the words
   SERVICE or FROM, nor RDF 1.2's `<<`/`{|`, goes straight to step 3: pyoxigraph's `Store.query` reads
   queries only (an update is a syntax error, which sends the text to step 1 for its 403), and SERVICE
   cannot be written without its letters. That saves rdflib's ~10 ms parse for most new queries.
1. `check_query`: its `\\u` escapes are expanded and its line breaks made `\\n`, and from then on
   rdflib's parser (for the check) and oxigraph (to run it) read the SAME text. Both steps close
   known differences between the two parsers that would let a query hide `SERVICE` from the check:
   oxigraph does not expand `\\u0027` outside IRIs and strings, and it ends a comment at a bare
   `\\r` where rdflib does not. Then SPARQL Update is refused, and so is `SERVICE` anywhere in the
   parsed algebra (oxigraph would call the remote endpoint: SSRF). A query rdflib's SPARQL 1.1
   parser cannot read is refused even if oxigraph could run it (fail closed).
2. The dataset: `default-graph-uri`/`named-graph-uri` if given, else the query's FROM/FROM NAMED,
   else the store's default (the union of the data and ontology graphs). They only ever select
   graphs already in the store; a name the store lacks is an empty graph. Nothing is fetched.
3. `QueryRunner.run`: oxigraph evaluates it through `Store.query`, and the results are written in
   the negotiated format with the row cap (signalled, never silent) and the byte cap applied.

`QueryPool` runs that in worker processes forked from the web worker, so each holds the store
copy-on-write and never writes to it. A worker gets an address-space cap, no network where the
kernel allows it (a second wall behind the SERVICE check), and a deadline enforced by killing it;
a killed or crashed worker is replaced. pyoxigraph cannot be interrupted from Python, so killing
the process is the only way to stop a runaway query.
"""

from __future__ import annotations

import atexit
import ctypes
import itertools
import logging
import multiprocessing
import os
import queue
import re
import resource
import signal
import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace

import pyoxigraph
from pyparsing import ParseBaseException
from rdflib.plugins.sparql.algebra import translateQuery, traverse
from rdflib.plugins.sparql.parser import Query, UpdateUnit, expandUnicodeEscapes
from rdflib.plugins.sparql.parserutils import CompValue
from werkzeug.datastructures import MIMEAccept
from werkzeug.http import parse_accept_header

from server.negotiation import (
    N_TRIPLES,
    RDF_FORMATS,
    RESULTS_FORMATS,
    SPARQL_JSON,
    SPARQL_TSV,
    Format,
    available_types,
    choose_format,
    format_named,
)
from server.representations import serialize_triples
from server.store import AnswerTooLarge, Store, StoreTimeout

log = logging.getLogger(__name__)

SELECT, ASK, CONSTRUCT, DESCRIBE = "SELECT", "ASK", "CONSTRUCT", "DESCRIBE"
FORMS = {"SelectQuery": SELECT, "AskQuery": ASK, "ConstructQuery": CONSTRUCT, "DescribeQuery": DESCRIBE}
# ASK has no rows: CSV and TSV are defined for SELECT only.
OFFERED = {SELECT: RESULTS_FORMATS, ASK: RESULTS_FORMATS[:2], CONSTRUCT: RDF_FORMATS, DESCRIBE: RDF_FORMATS}

READ_ONLY = "This SPARQL service is read-only: SPARQL Update is not accepted, here or anywhere on this server."
TRUNCATED_HEADER = "Coopgraph-Result-Truncated"


class QueryRefused(Exception):
    """A query that gets no results: an HTTP status and a message for a person."""

    def __init__(self, status: int, message: str):
        super().__init__(status, message)  # both in args, so it pickles across the pipe
        self.status, self.message = status, message

    def __str__(self) -> str:
        return self.message


@dataclass(frozen=True)
class Limits:
    timeout_s: float
    max_result_rows: int
    max_response_bytes: int
    memory_mb: int
    workers: int

    @classmethod
    def from_settings(cls, settings) -> Limits:
        return cls(settings.query_timeout_s, settings.max_result_rows, settings.max_response_bytes,
                   settings.query_memory_mb, settings.query_workers)


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


@dataclass(frozen=True)
class CheckedQuery:
    text: str  # what oxigraph runs: exactly what rdflib checked
    form: str
    default_graphs: tuple[str, ...]  # FROM, resolved against the base IRI
    named_graphs: tuple[str, ...]  # FROM NAMED
    has_dataset: bool  # the query names its own dataset


def check_query(query: str, base_iri: str) -> CheckedQuery:
    """Parses and checks a query; raises QueryRefused (400 bad syntax or SERVICE, 403 update)."""
    text = _normalise(query)
    try:
        parsed = Query.parse_string(text, parse_all=True)
    except ParseBaseException as error:
        if _is_update(text):
            raise QueryRefused(403, READ_ONLY) from None
        raise QueryRefused(400, f"SPARQL syntax error: {error}. Queries are checked with a SPARQL 1.1 "
                                "parser before they run; syntax beyond SPARQL 1.1 is refused.") from None
    except Exception as error:  # rdflib's parse actions raise plain exceptions for some bad input
        raise QueryRefused(400, f"SPARQL syntax error: {error}") from None
    try:
        algebra = translateQuery(parsed, base=base_iri).algebra
    except Exception as error:  # e.g. an undeclared prefix
        raise QueryRefused(400, f"The query is not valid SPARQL: {error}") from None
    if _uses_service(algebra):
        raise QueryRefused(400, "SERVICE is not allowed: this endpoint never sends requests to other "
                                "servers. Query their endpoints directly.")
    dataset = algebra.get("datasetClause") or []
    return CheckedQuery(
        text=text,
        form=FORMS[algebra.name],
        default_graphs=tuple(str(clause["default"]) for clause in dataset if "default" in clause),
        named_graphs=tuple(str(clause["named"]) for clause in dataset if "named" in clause),
        has_dataset=bool(dataset),
    )


def _normalise(query: str) -> str:
    try:
        text = expandUnicodeEscapes(query)
    except ValueError as error:
        raise QueryRefused(400, f"SPARQL syntax error: {error}") from None
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        raise QueryRefused(400, "SPARQL syntax error: a \\u escape names a lone surrogate, not a character") from None
    return text.replace("\r\n", "\n").replace("\r", "\n")


# What sends a query through rdflib's full check rather than straight to oxigraph, matched on the
# normalised text (escapes expanded), ignoring case (and, with re's Unicode folding, more besides):
# SERVICE, the one construct that makes oxigraph send a request, can only be written with these
# letters; FROM, whose dataset the check reads; and RDF 1.2's `<<` and `{|`, which only the full
# check refuses. A comment or string holding one of them costs the full check, never a miss.
_NEEDS_FULL_CHECK = re.compile(r"service|from|<<|\{\|", re.IGNORECASE)


def _form_of(results, text: str) -> str:
    """The form of a screened query, from what oxigraph returned. CONSTRUCT and DESCRIBE return the
    same kind of answer in the same formats; the word tells them apart, for the label only."""
    if isinstance(results, pyoxigraph.QueryBoolean):
        return ASK
    if isinstance(results, pyoxigraph.QuerySolutions):
        return SELECT
    return DESCRIBE if re.search(r"\bdescribe\b", text, re.IGNORECASE) else CONSTRUCT


def _is_update(text: str) -> bool:
    try:
        UpdateUnit.parse_string(text, parse_all=True)
    except Exception:
        return False
    return True


def _uses_service(algebra) -> bool:
    found = []

    def visit(node):
        if isinstance(node, CompValue) and node.name == "ServiceGraphPattern":
            found.append(node)

    traverse(algebra, visit)
    return bool(found)


@dataclass(frozen=True)
class QueryRunner:
    """Checks and runs one query against the store and writes its results, within the caps.
    It runs inside a worker process; `run` raises QueryRefused for anything but results."""

    store: Store
    base_iri: str
    limits: Limits
    prefixes: Mapping[str, str] = field(default_factory=dict)
    jsonld_context: Mapping = field(default_factory=dict)

    def run(self, job: QueryJob) -> QueryResult:
        text = _normalise(job.query)
        # Only where the store's query() cannot run an update (pyoxigraph's reads queries only), while
        # a remote client (SPARQLWrapper) would send an update's text on as an update.
        if not self.store.query_refuses_updates or _NEEDS_FULL_CHECK.search(text):
            return self._run_checked(job, check_query(job.query, self.base_iri))
        # Screened: no SERVICE can hide in a text without the word, and without FROM the dataset is
        # the protocol's or the store's. Skipping rdflib's parse saves ~10 ms per new query.
        try:
            results = self._query(text, *_dataset(job, None))
        except SyntaxError:  # the checker says why (or 403 for an update), or agrees with oxigraph
            return self._run_checked(job, check_query(job.query, self.base_iri))
        form = _form_of(results, text)
        return self._write(form, results, self._format(job, form))

    def _run_checked(self, job: QueryJob, checked: CheckedQuery) -> QueryResult:
        fmt = self._format(job, checked.form)
        try:
            results = self._query(checked.text, *_dataset(job, checked))
        except SyntaxError as error:  # oxigraph's parser refuses what rdflib's accepted
            raise QueryRefused(400, f"SPARQL syntax error: {error}") from None
        return self._write(checked.form, results, fmt)

    def _query(self, text: str, default_graphs, named_graphs):
        try:
            return self.store.query(text, base_iri=self.base_iri, default_graph=default_graphs, named_graphs=named_graphs)
        except ValueError as error:  # e.g. a default-graph-uri that is not an IRI
            raise QueryRefused(400, f"The query cannot be run: {error}") from None

    def _write(self, form: str, results, fmt: Format) -> QueryResult:
        try:
            if form == ASK:
                return QueryResult(ASK, fmt.media_type, self._capped(results.serialize(format=fmt.results_format)))
            if form == SELECT:
                return self._solutions(results, fmt)
            return self._triples(form, results, fmt)
        except SyntaxError as error:  # oxigraph's parser
            raise QueryRefused(400, f"SPARQL syntax error: {error}") from None
        except ValueError as error:
            raise QueryRefused(400, f"The query cannot be run: {error}") from None

    def _format(self, job: QueryJob, form: str) -> Format:
        offered = OFFERED[form]
        if job.for_html:  # lossless, and easy for the page to read back
            return {SELECT: SPARQL_TSV, ASK: SPARQL_JSON}.get(form, N_TRIPLES)
        if job.format_name:
            fmt = format_named(job.format_name, offered)
            if fmt is None:
                raise QueryRefused(406, f"format={job.format_name!r} is not offered for {form} results; "
                                        f"offered: {', '.join(f.extension for f in offered)} or "
                                        f"{', '.join(available_types(offered))}.")
            return fmt
        fmt = choose_format(parse_accept_header(job.accept, MIMEAccept), offered)
        if fmt is None:
            raise QueryRefused(406, f"None of the media types in Accept ({job.accept}) is offered for {form} "
                                    f"results; offered: {', '.join(available_types(offered))}.")
        return fmt

    def _solutions(self, solutions, fmt: Format) -> QueryResult:
        # TSV holds one solution per line (newlines in literals are escaped), so counting lines
        # cuts at the row cap exactly; pyoxigraph then reads the kept rows back and writes them
        # in the wanted format, so every format, JSON included, stays well-formed when cut.
        rows = self.limits.max_result_rows
        writer = _LineCapWriter(max_lines=rows + 2, max_bytes=2 * self.limits.max_response_bytes)
        try:
            solutions.serialize(writer, format=pyoxigraph.QueryResultsFormat.TSV)
        except _WriterFull:
            pass
        if writer.too_large:
            raise self._too_large()
        lines = writer.getvalue().split(b"\n")[:-1]  # header, then one line per solution
        truncated = len(lines) - 1 > rows
        tsv = b"".join(line + b"\n" for line in lines[: rows + 1])
        if fmt.results_format is pyoxigraph.QueryResultsFormat.TSV:
            body = tsv
        else:
            kept = pyoxigraph.parse_query_results(tsv, format=pyoxigraph.QueryResultsFormat.TSV)
            body = kept.serialize(format=fmt.results_format)
        return QueryResult(SELECT, fmt.media_type, self._capped(body), rows if truncated else None)

    def _triples(self, form: str, triples, fmt: Format) -> QueryResult:
        rows = self.limits.max_result_rows
        kept = list(itertools.islice(triples, rows + 1))
        truncated = len(kept) > rows
        body = serialize_triples(kept[:rows], fmt, prefixes=self.prefixes, context=self.jsonld_context or None)
        return QueryResult(form, fmt.media_type, self._capped(body), rows if truncated else None)

    def _capped(self, body: bytes) -> bytes:
        if len(body) > self.limits.max_response_bytes:
            raise self._too_large()
        return body

    def _too_large(self) -> QueryRefused:
        return QueryRefused(503, f"The results are larger than this endpoint's limit of "
                                 f"{self.limits.max_response_bytes} bytes per response. Add a LIMIT, "
                                 "select fewer variables, or use the dumps.")


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


class _LineCapWriter:
    """A binary sink for pyoxigraph that stops it at `max_lines` lines or past `max_bytes` bytes."""

    def __init__(self, max_lines: int, max_bytes: int):
        self.max_lines, self.max_bytes = max_lines, max_bytes
        self.chunks: list[bytes] = []
        self.lines = self.size = 0
        self.full = self.too_large = False

    def write(self, data) -> int:
        if self.full:  # pyoxigraph flushes once more after the stop: ignore it
            return len(data)
        data = bytes(data)
        self.chunks.append(data)
        self.size += len(data)
        self.lines += data.count(b"\n")
        if self.lines >= self.max_lines or self.size > self.max_bytes:
            self.full = True
            self.too_large = self.lines < self.max_lines
            raise _WriterFull()
        return len(data)

    def flush(self) -> None:
        pass

    def getvalue(self) -> bytes:
        return b"".join(self.chunks)


# ---------------------------------------------------------------------------------------------
# Worker processes


class QueryPool:
    """Worker processes that run QueryRunner.run, each with a deadline and a memory cap.

    Created lazily, in the process that uses it: under gunicorn that is each web worker, after
    gunicorn forked it, so every query worker inherits the loaded store. Thread-safe: gunicorn's
    threads share it. A request waits at most `timeout_s` for a free worker (else 503)."""

    def __init__(self, runner: QueryRunner):
        self.runner = runner
        self.limits = runner.limits
        self._lock = threading.Lock()
        self._owner_pid: int | None = None
        self._idle: queue.Queue[_Worker] = queue.Queue()
        self._workers: set[_Worker] = set()

    def run(self, job: QueryJob) -> QueryResult:
        self._start_if_needed()
        try:
            worker = self._idle.get(timeout=self.limits.timeout_s)
        except queue.Empty:
            raise QueryRefused(503, f"All {self.limits.workers} query workers stayed busy for "
                                    f"{self.limits.timeout_s:g} s; try again shortly.") from None
        try:
            if not worker.alive():
                worker = self._replace(worker)
            return worker.run(job, self.limits)
        finally:
            self._idle.put(worker if worker.alive() else self._replace(worker))

    def close(self) -> None:
        """Stops every worker (each also stops by itself when its parent dies)."""
        with self._lock:
            workers, self._workers = list(self._workers), set()
            self._owner_pid = None
            self._idle = queue.Queue()
        for worker in workers:
            worker.stop()

    def _start_if_needed(self) -> None:
        with self._lock:
            if self._owner_pid == os.getpid():
                return
            # First use in this process (or a copy inherited through a fork): start afresh.
            self._owner_pid, self._workers, self._idle = os.getpid(), set(), queue.Queue()
            for _ in range(self.limits.workers):
                self._idle.put(self._spawn())
            atexit.register(self.close)

    def _replace(self, worker: _Worker) -> _Worker:
        worker.stop()
        with self._lock:
            self._workers.discard(worker)
            return self._spawn()

    def _spawn(self) -> _Worker:
        worker = _Worker.start(self.runner)
        self._workers.add(worker)
        return worker


class DirectRunner:
    """Runs queries in the web worker's own thread, for a remote store: the store evaluates them in its
    own process, so there is nothing to fork or kill, and the HTTP timeout enforces the deadline (504).
    SERVICE and updates are still refused before anything is sent (QueryRunner.run checks first)."""

    def __init__(self, runner: QueryRunner):
        self.runner = replace(runner, store=runner.store.with_timeout(runner.limits.timeout_s))
        self.limits = runner.limits
        # rdflib's SPARQL parser (pyparsing) is not thread-safe, and gunicorn's threads share this
        # runner: one query at a time per web worker, as with the pool's worker processes.
        self._one_at_a_time = threading.Lock()

    def run(self, job: QueryJob) -> QueryResult:
        try:
            with self._one_at_a_time:
                return self.runner.run(job)
        except StoreTimeout:
            raise _time_limit(self.limits) from None
        except AnswerTooLarge:
            raise self.runner._too_large() from None


# Functions whose answer changes from one evaluation to the next: such a query's results are not cached.
_VOLATILE = re.compile(r"\b(RAND|NOW|UUID|STRUUID|BNODE)\s*\(", re.IGNORECASE)


def cacheable(job: QueryJob) -> bool:
    """Whether the results of `job` can be kept for the dataset version (the data changes only with it)."""
    return not _VOLATILE.search(job.query)


def query_executor(runner: QueryRunner) -> QueryPool | DirectRunner:
    """Worker processes for a store that runs queries in this process; the calling thread otherwise."""
    return QueryPool(runner) if runner.store.runs_in_process else DirectRunner(runner)


def _time_limit(limits: Limits) -> QueryRefused:
    return QueryRefused(504, f"The query was stopped at this endpoint's time limit of "
                             f"{limits.timeout_s:g} s. Narrow it, or add a LIMIT.")


class _Worker:
    """One query worker process and the parent's end of its pipe."""

    def __init__(self, process, connection):
        self.process, self.connection = process, connection

    @classmethod
    def start(cls, runner: QueryRunner) -> _Worker:
        context = multiprocessing.get_context("fork")  # the store is inherited, never pickled
        parent_end, child_end = context.Pipe()
        process = context.Process(target=_worker_main, args=(runner, child_end, os.getpid()),
                                  name="coopgraph-query", daemon=True)
        process.start()
        child_end.close()
        worker = cls(process, parent_end)
        worker._await_ready()
        return worker

    def _await_ready(self) -> None:
        if self.connection.poll(10):
            try:
                isolated = self.connection.recv()
            except (EOFError, OSError):
                return  # died while starting: the pool replaces it on first use
            if isolated is False:  # None: a remote store, which needs the network
                log.warning("query worker %s could not drop network access (no network namespace); "
                            "SERVICE is still refused by the query check", self.process.pid)

    def alive(self) -> bool:
        return self.process.is_alive() and not self.connection.closed

    def run(self, job: QueryJob, limits: Limits):
        try:
            self.connection.send(job)
            finished = self.connection.poll(limits.timeout_s)
        except OSError:
            finished = True  # the worker is gone: recv below says so
        if not finished:
            self.stop()
            raise _time_limit(limits)
        try:
            outcome = self.connection.recv()
        except (EOFError, OSError):
            self.stop()
            raise QueryRefused(503, self._death_message(limits)) from None
        if isinstance(outcome, QueryRefused):
            raise outcome
        return outcome

    def _death_message(self, limits: Limits) -> str:
        code = self.process.exitcode
        if code in (-signal.SIGABRT, -signal.SIGSEGV, -signal.SIGKILL) or code == _EXIT_OUT_OF_MEMORY:
            # Rust aborts when an allocation fails, which the address-space cap makes happen.
            return (f"The query needed more memory than this endpoint's limit of {limits.memory_mb} MB "
                    "per query and was stopped. Narrow it, or add a LIMIT.")
        return f"The query worker stopped unexpectedly (exit code {code}); try again."

    def stop(self) -> None:
        self.connection.close()
        if self.process.is_alive():
            self.process.kill()
        self.process.join(timeout=5)


_EXIT_OUT_OF_MEMORY = 3


def _worker_main(runner: QueryRunner, connection, parent_pid: int) -> None:
    """A query worker's life: set itself up, then answer jobs until its parent hangs up."""
    _reset_signals()
    _die_with_parent(parent_pid)
    # A remote store is reached over the network; a local one needs none.
    isolated = _drop_network() if runner.store.runs_in_process else None
    _cap_memory(runner.limits.memory_mb)
    connection.send(isolated)
    while True:
        try:
            job = connection.recv()
        except (EOFError, OSError):
            return
        try:
            outcome = runner.run(job)
        except QueryRefused as refusal:
            outcome = refusal
        except MemoryError:
            os._exit(_EXIT_OUT_OF_MEMORY)  # the parent reports the memory limit
        except Exception as error:  # a bug or an engine error: logged here, reported as refused
            log.exception("query failed")
            outcome = QueryRefused(400, f"The query could not be evaluated: {error}")
        try:
            connection.send(outcome)
        except (OSError, ValueError):
            return


def _reset_signals() -> None:
    # Forked from a gunicorn worker: its handlers (graceful exit, reload) mean nothing here.
    for signum in (signal.SIGTERM, signal.SIGQUIT, signal.SIGHUP, signal.SIGUSR1, signal.SIGUSR2,
                   signal.SIGWINCH, signal.SIGABRT, signal.SIGCHLD):
        signal.signal(signum, signal.SIG_DFL)
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C stops the server, which stops us
    signal.set_wakeup_fd(-1)


def _libc():
    return ctypes.CDLL(None, use_errno=True)


def _die_with_parent(parent_pid: int) -> None:
    """Linux: SIGKILL when the web worker dies, even by SIGKILL (no orphans holding memory)."""
    try:
        _libc().prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass
    if os.getppid() != parent_pid:  # it died before prctl took effect
        os._exit(0)


def _drop_network() -> bool:
    """Moves this process into a network namespace of its own (no interfaces): nothing it runs can
    reach the network. Needs root, or unprivileged user namespaces; True if it worked."""
    clone_newnet, clone_newuser = 0x40000000, 0x10000000
    try:
        libc = _libc()
        return libc.unshare(clone_newnet) == 0 or libc.unshare(clone_newuser | clone_newnet) == 0
    except (OSError, AttributeError):
        return False


def _cap_memory(memory_mb: int) -> None:
    """Lets the address space grow by at most `memory_mb` beyond what the fork inherited
    (the inherited part is the web worker's, mostly shared and never touched here)."""
    try:
        with open("/proc/self/status") as status:
            inherited = next(int(line.split()[1]) * 1024 for line in status if line.startswith("VmSize:"))
    except (OSError, StopIteration, ValueError):
        return
    _soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    limit = inherited + memory_mb * 1024 * 1024
    if hard != resource.RLIM_INFINITY:
        limit = min(limit, hard)
    resource.setrlimit(resource.RLIMIT_AS, (limit, hard))

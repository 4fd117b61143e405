"""Where the triples live, behind one small interface, with three backends (the setting `store`):

* `memory`: an embedded pyoxigraph store filled from the content folders at start (OxigraphStore);
* `disk`: a pyoxigraph directory `coopgraph load` filled, opened read-only by every process (DiskStore);
* `remote`: a SPARQL 1.1 server (Oxigraph, Fuseki, GraphDB, QLever…) reached through SPARQLWrapper
  (RemoteStore).

The dataset a query sees is the same on all three:

* the DEFAULT GRAPH is the union of the data and ontology graphs
  (`{base}graph/data` and `{base}graph/ontology`), so plain triple patterns
  find both instances and vocabulary;
* every named graph, shapes included, is reachable with `GRAPH <iri> { … }`.

Graphs are named by IRI strings; results are pyoxigraph's (QuerySolutions, QueryBoolean, and for
CONSTRUCT an iterable of Triples), which the remote backend produces by parsing its HTTP answers.

A store `coopgraph load` filled records what it holds in `{base}graph/meta`: the dataset version
(`owl:versionInfo` of `{base}dataset`) and when its sources last changed (`dcterms:modified`).
"""

from __future__ import annotations

import contextlib
import copy
import json
import logging
import os
import re
import shutil
import socket
import threading
import time
import urllib.error
from collections.abc import Iterable, Iterator, Sequence
from datetime import datetime, timezone
from http.client import HTTPException
from pathlib import Path
from typing import Protocol

import pyoxigraph
from SPARQLWrapper import INSERT, POST, SELECT, SPARQLWrapper
from SPARQLWrapper.SPARQLExceptions import QueryBadFormed, SPARQLWrapperException

from server.loading import DATA, ONTOLOGY, SHAPES, dataset_version, load_into, sources, sources_mtime
from server.settings import Settings

log = logging.getLogger(__name__)

QUERIES_DIR = Path(__file__).parent / "queries"
META = "meta"  # the named graph of the generated description (server/description.py)
NAMED_GRAPHS = (ONTOLOGY, DATA, SHAPES, META)  # every graph a store holds for the dataset

# What a query binding may be: a str is an IRI; RDF terms pass through as they are.
Binding = str | int | float | bool | pyoxigraph.NamedNode | pyoxigraph.BlankNode | pyoxigraph.Literal

OWL_VERSION_INFO = pyoxigraph.NamedNode("http://www.w3.org/2002/07/owl#versionInfo")
DCTERMS_MODIFIED = pyoxigraph.NamedNode("http://purl.org/dc/terms/modified")
XSD_DATETIME = pyoxigraph.NamedNode("http://www.w3.org/2001/XMLSchema#dateTime")


class StoreUnavailable(Exception):
    """The store cannot answer now (a remote store is down): HTTP 503 with Retry-After."""

    retry_after_s = 5

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class StoreTimeout(StoreUnavailable):
    """The store did not answer within its deadline: HTTP 504."""


class StoreError(Exception):
    """The store failed in a way retrying will not mend (an error it reports): HTTP 502."""


class AnswerTooLarge(StoreError):
    """A remote answer past the size a caller can hold."""


class StoreNotLoaded(Exception):
    """An on-disk or remote store holds no dataset for this base IRI: `coopgraph load` fills it."""


class Store(Protocol):
    """The storage interface the views use."""

    version: str  # fingerprint of the loaded dataset (ETags, caches)
    modified: float  # when the loaded sources last changed (epoch seconds), for Last-Modified
    prefixes: dict[str, str] | None  # the content's prefixes, as `coopgraph load` recorded them (None: read them)

    def query(self, sparql: str, *, base_iri: str | None = None,
              default_graph: Sequence[str] | None = None,
              named_graphs: Sequence[str] | None = None): ...

    def run_file(self, name: str, **bindings: Binding): ...

    def graphs(self) -> list[str]: ...

    def count(self, graph: str | None = None) -> int: ...

    def quads(self, graph: str | None = None) -> Iterator[pyoxigraph.Quad]: ...

    def graph_ntriples(self, graph: str) -> bytes: ...

    def replace_graph(self, graph: str, triples: Iterable[pyoxigraph.Triple]) -> None: ...


def open_store(settings: Settings) -> Store:
    """The store the settings choose. The memory store reads the content folders (raises
    loading.SourceError on a syntax error); the others raise StoreNotLoaded when `coopgraph load`
    has not filled them for this base IRI, and the remote one StoreUnavailable when it is down."""
    if settings.store == "disk":
        store = DiskStore(settings)
    elif settings.store == "remote":
        store = RemoteStore(settings)
    else:
        return OxigraphStore.from_sources(settings)
    if sources(settings) and store.version != dataset_version(settings):
        log.warning("the %s store holds dataset version %s, the content folders are at %s: "
                    "run `coopgraph load` to publish them", settings.store, store.version, dataset_version(settings))
    return store


class QueryFiles:
    """The text of `server/queries/<name>.rq`, read once."""

    def __init__(self):
        self._texts: dict[str, str] = {}

    def __getitem__(self, name: str) -> str:
        if name not in self._texts:
            path = QUERIES_DIR / f"{name}.rq"
            if path.parent != QUERIES_DIR:  # names are not paths
                raise ValueError(f"bad query name {name!r}")
            self._texts[name] = path.read_text(encoding="utf-8")
        return self._texts[name]


class OxigraphStore:
    """An embedded pyoxigraph store: in memory, or on disk when given a path."""

    def __init__(self, settings: Settings, path: Path | None = None):
        self._oxigraph = pyoxigraph.Store(str(path)) if path else pyoxigraph.Store()
        self._configure(settings)

    def _configure(self, settings: Settings) -> None:
        self.base_iri = settings.base_iri
        self.default_graphs = (settings.graph_iri(DATA), settings.graph_iri(ONTOLOGY))
        self.version = ""
        self.modified = 0.0
        self.prefixes: dict[str, str] | None = None
        self._query_files = QueryFiles()

    @classmethod
    def from_sources(cls, settings: Settings, path: Path | None = None) -> OxigraphStore:
        """A store holding the content folders, each file in its named graph.
        Raises loading.SourceError on a syntax error."""
        store = cls(settings, path)
        store.load_sources(settings, bulk=path is not None)
        return store

    def load_sources(self, settings: Settings, bulk: bool = False) -> None:
        """Adds the content folders, each file to its named graph (`bulk` for an empty on-disk store)."""
        load_into(self._handle(), settings, bulk=bulk)
        self.version, self.modified = dataset_version(settings), sources_mtime(settings)

    def _handle(self) -> pyoxigraph.Store:
        return self._oxigraph

    def query(self, sparql, *, base_iri=None, default_graph=None, named_graphs=None, substitutions=None):
        """Runs a SPARQL query. Relative IRIs in it resolve against `base_iri`
        (the dataset's base IRI unless given). Raises SyntaxError on a bad query."""
        return self._handle().query(
            sparql,
            base_iri=base_iri or self.base_iri,
            # An empty list is an empty default graph (a query with only FROM NAMED), not the union.
            default_graph=[pyoxigraph.NamedNode(iri)
                           for iri in (self.default_graphs if default_graph is None else default_graph)],
            named_graphs=None if named_graphs is None else [pyoxigraph.NamedNode(iri) for iri in named_graphs],
            substitutions=substitutions,
        )

    def run_file(self, name, **bindings):
        """Runs `server/queries/<name>.rq` with variables bound by name, e.g.
        `run_file("types-of", resource="http://…/id/agreement/x")`. Values are
        substituted as RDF terms (never pasted into the text), so they are safe.
        A SELECT query must project every variable it lets callers bind."""
        substitutions = {pyoxigraph.Variable(var): _term(value) for var, value in bindings.items()}
        return self.query(self._query_files[name], substitutions=substitutions)

    def graphs(self) -> list[str]:
        """The IRIs of the non-empty named graphs, sorted."""
        return sorted(graph.value for graph in self._handle().named_graphs())

    def count(self, graph=None) -> int:
        """Triples in one named graph, or quads in the whole store."""
        if graph is None:
            return len(self._handle())
        # Counted by the engine, not by iterating in Python (a tenth of a dump build's time at 100k).
        return sum(int(row["triples"].value) for row in self.run_file("graph-sizes", graph=graph))

    def quads(self, graph=None) -> Iterator[pyoxigraph.Quad]:
        """The quads of one named graph, or of the whole store."""
        graph_name = None if graph is None else pyoxigraph.NamedNode(graph)
        return self._handle().quads_for_pattern(None, None, None, graph_name)

    def graph_ntriples(self, graph, output=None):
        """One named graph's triples as N-Triples written by the engine, returned as bytes or, given a
        binary file `output`, written into it (`coopgraph load` streams a staging graph so)."""
        return self._handle().dump(output, pyoxigraph.RdfFormat.N_TRIPLES, from_graph=pyoxigraph.NamedNode(graph))

    def replace_graph(self, graph, triples) -> None:
        """Makes one named graph hold exactly `triples` (the generated description
        in `{base}graph/meta`); one transaction, so no query sees it half replaced."""
        self._handle().update(replace_graph_update(graph, triples))

    def compact(self) -> None:
        """Writes everything to disk in its most compact form (after a bulk load)."""
        self._handle().flush()
        self._handle().optimize()

    def record_load(self, settings: Settings) -> None:
        """Adds the load record of this store's version to graph/meta (see the module's docstring)."""
        meta = pyoxigraph.NamedNode(settings.graph_iri(META))
        self._handle().extend(pyoxigraph.Quad(triple.subject, triple.predicate, triple.object, meta)
                              for triple in load_record(settings, self.version, self.modified))


class DiskStore(OxigraphStore):
    """The pyoxigraph directory `coopgraph load` filled last, opened read-only.

    Each process opens its own handle on first use: gunicorn forks its workers after the app is
    built, and a database handle must not cross a fork. Handles inherited from a parent stay
    referenced, never closed, for the same reason.

    `store_path` holds one folder per load under `generations/` and a symbolic link `current` to
    the newest; `coopgraph load` writes a new generation and swaps the link atomically, so a failed
    load leaves the old store, and a running server keeps reading its own generation until restarted.
    A generation holds the database (`oxigraph/`) and `answers.json`: the answers of the queries over
    the whole dataset a server runs when it starts (JSON-LD context, VoID counts), recorded by the
    load, so a restart costs milliseconds whatever the size of the data.
    """

    def __init__(self, settings: Settings):
        self._configure(settings)
        generation = current_generation(settings)
        self.path = generation / DATABASE
        try:
            self._answers = json.loads((generation / ANSWERS).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            self._answers = {}  # a generation without answers: every query runs
        self.prefixes = recorded_prefixes(self._answers)
        self._handles: dict[int, pyoxigraph.Store] = {}
        self._opening = threading.Lock()
        self._counts: dict[str | None, int] = {}
        self.version, self.modified = read_load_record(self, settings)

    def _handle(self) -> pyoxigraph.Store:
        pid = os.getpid()
        handle = self._handles.get(pid)
        if handle is None:
            with self._opening:
                handle = self._handles.get(pid)
                if handle is None:
                    try:
                        handle = self._handles[pid] = pyoxigraph.Store.read_only(str(self.path))
                    except OSError as error:
                        raise StoreNotLoaded(f"{self.path}: cannot open the store: {error}") from error
        return handle

    def run_file(self, name, **bindings):
        return recorded_answer(self._answers, name, bindings) or super().run_file(name, **bindings)

    def count(self, graph=None) -> int:
        # Read-only: a count holds until the process ends (it costs a scan of the whole store).
        if graph not in self._counts:
            self._counts[graph] = super().count(graph)
        return self._counts[graph]

    def replace_graph(self, graph, triples) -> None:
        """Read-only: the description in graph/meta stays as `coopgraph load` wrote it."""
        log.info("the disk store is read-only: %s keeps the description `coopgraph load` wrote", graph)


DATABASE, ANSWERS = "oxigraph", "answers.json"  # what a generation folder holds


def answer_key(name: str, bindings: dict) -> str:
    return name + "".join(f" ?{var}={_term(value)}" for var, value in sorted(bindings.items()))


def recorded_answer(answers: dict[str, str], name: str, bindings: dict):
    """The recorded answer of a query file with these bindings, as fresh QuerySolutions, or None."""
    recorded = answers.get(answer_key(name, bindings))
    if recorded is None:
        return None
    return pyoxigraph.parse_query_results(recorded.encode(), pyoxigraph.QueryResultsFormat.JSON)


PREFIXES_KEY = "@prefixes"  # in the recorded answers: the content files' prefix declarations


def recorded_prefixes(answers: dict) -> dict[str, str] | None:
    """The prefixes `coopgraph load` recorded (parsing the sources again costs a second at 1M triples)."""
    prefixes = answers.get(PREFIXES_KEY)
    return json.loads(prefixes) if isinstance(prefixes, str) else None


def answers_graph(settings: Settings) -> str:
    """Where a remote store keeps its recorded answers: a graph outside the dataset's, never queried
    by a user (RemoteStore names only the dataset's graphs)."""
    return f"{settings.base_iri}graph/loading/answers"


ANSWERS_PREDICATE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#value"


class AnswerRecorder:
    """Runs query files on a store and keeps their SELECT answers as SPARQL JSON, for answers.json."""

    def __init__(self, store: OxigraphStore):
        self.store, self.answers = store, {}

    def run_file(self, name, **bindings):
        results = self.store.run_file(name, **bindings)
        if not isinstance(results, pyoxigraph.QuerySolutions):
            return results
        text = results.serialize(format=pyoxigraph.QueryResultsFormat.JSON).decode()
        self.answers[answer_key(name, bindings)] = text
        return pyoxigraph.parse_query_results(text.encode(), pyoxigraph.QueryResultsFormat.JSON)


def generations_dir(settings: Settings) -> Path:
    return settings.store_path / "generations"


def current_generation(settings: Settings) -> Path:
    """The folder `store_path/current` points to; StoreNotLoaded if there is none."""
    link = settings.store_path / "current"
    target = link.resolve()
    if not link.is_symlink() or not target.is_dir():
        raise StoreNotLoaded(f"{settings.store_path}: no store loaded yet; run "
                             f"`coopgraph load --store disk --store-path {settings.store_path}`")
    return target


@contextlib.contextmanager
def new_generation(settings: Settings) -> Iterator[Path]:
    """A new, empty folder for the caller to fill with an on-disk store (and close it, by dropping
    it, before the block ends). It becomes the current store when the block ends without error, and
    is removed otherwise. One load at a time per store_path (a lock file)."""
    import fcntl  # POSIX only, like gunicorn

    folder = generations_dir(settings)
    folder.mkdir(parents=True, exist_ok=True)
    with open(settings.store_path / ".load.lock", "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        for leftover in folder.glob(".loading-*"):  # of a load that was killed: we hold the lock
            shutil.rmtree(leftover, ignore_errors=True)
        stamp = datetime.now(tz=timezone.utc).strftime("%Y%m%dT%H%M%S%fZ")
        staging = folder / f".loading-{stamp}"
        try:
            staging.mkdir()
            yield staging
            final = folder / stamp
            staging.rename(final)
            _point_current_to(settings, final)
        finally:
            shutil.rmtree(staging, ignore_errors=True)
        _remove_old_generations(settings)


def _point_current_to(settings: Settings, generation: Path) -> None:
    link = settings.store_path / "current"
    temporary = settings.store_path / f".current-{os.getpid()}"
    temporary.unlink(missing_ok=True)
    temporary.symlink_to(generation.relative_to(settings.store_path))
    os.replace(temporary, link)  # atomic: a reader sees the old generation or the new one


def _remove_old_generations(settings: Settings, keep: int = 2) -> None:
    """Keeps the current generation and the one before it (a server started earlier may still read it)."""
    current = current_generation(settings)
    generations = sorted((p for p in generations_dir(settings).iterdir() if not p.name.startswith(".")), reverse=True)
    for old in generations[keep:]:
        if old != current:
            shutil.rmtree(old, ignore_errors=True)


class SparqlClient:
    """The SPARQL 1.1 Protocol through SPARQLWrapper: one request per call, each on its own
    connection, so nothing needs mending when the server comes back after being down."""

    ACCEPT = "application/sparql-results+json, application/n-triples;q=0.9, text/turtle;q=0.8"

    CHUNK = 1 << 16

    def __init__(self, endpoint: str, update_endpoint: str | None, timeout_s: float,
                 max_answer_bytes: int = 256 * 2**20):
        self.endpoint, self.update_endpoint, self.timeout_s = endpoint, update_endpoint, timeout_s
        self.max_answer_bytes = max_answer_bytes

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
            except (OSError, HTTPException) as error:
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
        wrapper = SPARQLWrapper(self.endpoint, updateEndpoint=self.update_endpoint)
        wrapper.setMethod(POST)
        wrapper.setQuery(text)
        if wrapper.isSparqlUpdateRequest() != update:
            # SPARQLWrapper guesses the form from the first keyword it finds, and its comment stripping
            # misses every other line of a comment: a "load" there made a query an update.
            wrapper.queryType = INSERT if update else SELECT
        for iri in default_graphs:
            wrapper.addParameter("default-graph-uri", iri)
        for iri in named_graphs:
            wrapper.addParameter("named-graph-uri", iri)
        if not update:
            wrapper.addCustomHttpHeader("Accept", accept or self.ACCEPT)
        wrapper.timeout = timeout_s or self.timeout_s  # setTimeout() would round it to whole seconds
        try:
            response = wrapper.query().response
        except QueryBadFormed as error:
            raise SyntaxError(_message_of(error)) from None
        except urllib.error.HTTPError as error:
            if error.code in (502, 503, 504):
                raise StoreUnavailable(f"the SPARQL store at {self.endpoint} answered {error.code}") from error
            raise StoreError(f"the SPARQL store at {self.endpoint} answered {error.code}: "
                             f"{_text_of(error.read())}") from error
        except SPARQLWrapperException as error:
            raise StoreError(f"the SPARQL store at {self.endpoint} failed: {_message_of(error)}") from error
        except (OSError, HTTPException) as error:  # URLError, refused or reset connections, timeouts
            raise self.unavailable(error, timeout_s) from error
        with response:
            yield response

    def unavailable(self, error: BaseException, timeout_s: float | None = None) -> StoreUnavailable:
        reason = getattr(error, "reason", error)
        if isinstance(reason, (socket.timeout, TimeoutError)):
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


N_TRIPLES = "application/n-triples"
# The wait for each read of a whole graph (the dumps' input): hundreds of megabytes at a million triples.
TRANSFER_TIMEOUT_S = 600.0


class RemoteStore:
    """A SPARQL 1.1 server; its answers become pyoxigraph terms.

    Every request names the dataset with the protocol's `default-graph-uri` (data + ontology) and
    `named-graph-uri` (this dataset's graphs only, so other datasets on the same server stay out of
    sight). Bindings are sent as a VALUES block at the start of the query's WHERE group, each value
    written as an N-Triples term (escaped by pyoxigraph), never pasted as raw text.

    While the server is down, requests raise StoreUnavailable (503), and StoreTimeout (504) past
    the deadline; the store recovers by itself when the server returns.
    """

    def __init__(self, settings: Settings):
        # Answers may be a few times larger than the results the endpoint writes from them.
        self.client = SparqlClient(settings.remote_endpoint, settings.remote_update_endpoint,
                                   settings.remote_timeout_s, max_answer_bytes=4 * settings.max_response_bytes)
        self.base_iri = settings.base_iri
        self.default_graphs = (settings.graph_iri(DATA), settings.graph_iri(ONTOLOGY))
        self.named_graphs = tuple(settings.graph_iri(name) for name in NAMED_GRAPHS)
        self.meta_graph = settings.graph_iri(META)
        self.empty_graph = settings.graph_iri("none")  # never loaded: stands for graphs of other datasets
        self._query_files = QueryFiles()
        self._counts: dict[str | None, int] = {}
        self._answers: dict[str, str] = {}
        self._record = list(self.run_file("load-record", dataset=settings.base_iri + "dataset"))
        self.version, self.modified = read_load_record(self, settings, self._record)
        self._answers = self._recorded_answers(settings)
        self.prefixes = recorded_prefixes(self._answers)

    def query(self, sparql, *, base_iri=None, default_graph=None, named_graphs=None):
        """Runs a query on the server (see SparqlClient.query). Relative IRIs resolve against
        `base_iri`, the dataset's base IRI unless given. A graph outside this dataset reads as empty,
        as in the embedded stores: the server may hold other datasets."""
        defaults = self.default_graphs if default_graph is None else self._ours(default_graph)
        named = self.named_graphs if named_graphs is None else self._ours(named_graphs)
        # An empty list would let the server use its own dataset: name a graph that holds nothing instead.
        return self.client.query(self._based(sparql, base_iri), defaults or [self.empty_graph],
                                 named or [self.empty_graph])

    def with_timeout(self, timeout_s: float) -> RemoteStore:
        """The same store, with another deadline for every request (the SPARQL endpoint's)."""
        store = copy.copy(self)
        store.client = copy.copy(self.client)
        store.client.timeout_s = timeout_s
        return store

    def _ours(self, graphs: Sequence[str]) -> list[str]:
        return [iri if iri in self.named_graphs else self.empty_graph for iri in graphs]

    def run_file(self, name, **bindings):
        """Runs `server/queries/<name>.rq` with variables bound by name (see OxigraphStore.run_file),
        unless `coopgraph load` recorded its answer (the start-up queries over the whole dataset)."""
        return recorded_answer(self._answers, name, bindings) or self._run_live(name, **bindings)

    def _run_live(self, name, **bindings):
        return self.query(bind_values(self._query_files[name], bindings))

    def _recorded_answers(self, settings: Settings) -> dict[str, str]:
        graph = answers_graph(settings)
        rows = list(self.client.query(f"SELECT ?answers WHERE {{ GRAPH <{graph}> {{ <{graph}> <{ANSWERS_PREDICATE}> "
                                      f"?answers }} }}", [self.empty_graph], [graph]))
        try:
            return json.loads(rows[0]["answers"].value) if rows else {}
        except ValueError:
            return {}

    def graphs(self) -> list[str]:
        return sorted(row["graph"].value for row in self._run_live("graph-sizes"))

    def count(self, graph=None) -> int:
        # The dataset changes only with a new `coopgraph load`, after which servers restart.
        if graph not in self._counts:
            rows = self._run_live("graph-sizes", graph=graph) if graph else self._run_live("graph-sizes")
            self._counts[graph] = sum(int(row["triples"].value) for row in rows)
        return self._counts[graph]

    def quads(self, graph=None) -> Iterator[pyoxigraph.Quad]:
        """Streams the quads of one named graph, or of every graph of the dataset, as the server sends them."""
        text = self._based(bind_values(self._query_files["quads"], {"graph": graph} if graph else {}), None)
        with self.client.request(text, self.default_graphs, self.named_graphs) as response:
            try:
                for row in pyoxigraph.parse_query_results(response, pyoxigraph.QueryResultsFormat.JSON):
                    yield pyoxigraph.Quad(row["s"], row["p"], row["o"], row["graph"])
            except (OSError, SyntaxError, HTTPException) as error:
                raise self.client.unavailable(error) from error

    def graph_ntriples(self, graph) -> bytes:
        """One named graph's triples as N-Triples, written by the server (a CONSTRUCT), read whole."""
        text = self._based(bind_values(self._query_files["graph-triples"], {"graph": graph}), None)
        with self.client.request(text, self.default_graphs, self.named_graphs, timeout_s=TRANSFER_TIMEOUT_S,
                                 accept=N_TRIPLES) as response:
            answered = response.headers.get("Content-Type", "").split(";")[0].strip().lower()
            if answered != N_TRIPLES:
                raise StoreError(f"the SPARQL store at {self.client.endpoint} answered {answered or 'no media type'} "
                                 f"when asked for {N_TRIPLES}")
            try:
                return response.read()
            except (OSError, HTTPException) as error:
                raise self.client.unavailable(error, TRANSFER_TIMEOUT_S) from error

    def replace_graph(self, graph, triples) -> None:
        """As OxigraphStore.replace_graph, through the update endpoint; graph/meta keeps the load record."""
        triples = list(triples)
        if graph == self.meta_graph:
            triples += self._record
        self.client.update(replace_graph_update(graph, triples))
        self._counts.clear()

    def _based(self, sparql: str, base_iri: str | None) -> str:
        # The query's own BASE, if any, comes after ours and wins.
        return f"BASE <{base_iri or self.base_iri}>\n{sparql}"


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
            results = pyoxigraph.parse_query_results(body, pyoxigraph.QueryResultsFormat.JSON)
            if isinstance(results, pyoxigraph.QuerySolutions):
                for _ in results:
                    pass
                results = pyoxigraph.parse_query_results(body, pyoxigraph.QueryResultsFormat.JSON)
            return results
        rdf_format = pyoxigraph.RdfFormat.from_media_type(media_type) if media_type else None
        if rdf_format is None:
            raise StoreError(f"the SPARQL store answered {media_type or 'no media type'}, not SPARQL results or RDF")
        return RemoteTriples([quad.triple for quad in pyoxigraph.parse(body, rdf_format)])
    except SyntaxError as error:
        raise StoreError(f"the SPARQL store sent a malformed or unfinished answer: {error}") from None


def _message_of(error: SPARQLWrapperException) -> str:
    return _text_of(getattr(error, "msg", "") or str(error))


def _text_of(raw) -> str:
    text = raw.decode("utf-8", "replace") if isinstance(raw, bytes) else str(raw)
    return " ".join(text.split())[:500]


# The query's skeleton, to find where its WHERE group opens: comments, strings and IRIs are skipped
# (they may hold braces); words and braces are kept.
_TOKENS = re.compile(r'''
    (?P<skip> \#[^\n]*
            | """(?:[^"\\]|\\.|"(?!""))*""" | \'\'\'(?:[^'\\]|\\.|'(?!''))*\'\'\'
            | "(?:[^"\\\n]|\\.)*" | '(?:[^'\\\n]|\\.)*'
            | <[^<>"{}|^`\\\x00-\x20]*> )
  | (?P<open>\{) | (?P<close>\}) | (?P<word>[A-Za-z_][\w-]*)
''', re.VERBOSE)


def bind_values(sparql: str, bindings: dict[str, Binding]) -> str:
    """The query with `VALUES (?a ?b) { (<x> "y") }` as the first element of its WHERE group: the
    same answers as pyoxigraph's substitutions for the queries in server/queries/ (each bound
    variable is projected, see OxigraphStore.run_file). Raises ValueError for a malformed IRI."""
    if not bindings:
        return sparql
    terms = [_term(value) for value in bindings.values()]
    if any(isinstance(term, pyoxigraph.BlankNode) for term in terms):
        raise ValueError("a blank node cannot be sent to a remote store")
    values = (f" VALUES ({' '.join('?' + name for name in bindings)}) "
              f"{{ ({' '.join(str(term) for term in terms)}) }} ")
    position = _where_group_start(sparql)
    return sparql[:position] + values + sparql[position:]


def _where_group_start(sparql: str) -> int:
    depth, form, skipped_template = 0, None, False
    for token in _TOKENS.finditer(sparql):
        kind = token.lastgroup
        if kind == "word" and depth == 0 and form is None and token.group().upper() in {
                "SELECT", "CONSTRUCT", "ASK", "DESCRIBE"}:
            form = token.group().upper()
        elif kind == "word" and depth == 0 and token.group().upper() == "WHERE":
            if form == "CONSTRUCT" and not skipped_template:
                raise ValueError("CONSTRUCT WHERE { … } takes only triple patterns: write the template out to bind")
            skipped_template = True  # the next group at depth 0 is the WHERE group
        elif kind == "open":
            if depth == 0 and form is not None:
                if form != "CONSTRUCT" or skipped_template:
                    return token.end()
                skipped_template = True  # CONSTRUCT's template
            depth += 1
        elif kind == "close":
            depth -= 1
    raise ValueError("no WHERE group in the query")


def replace_graph_update(graph: str, triples: Iterable[pyoxigraph.Triple]) -> str:
    """One SPARQL Update (one transaction) making `graph` hold exactly `triples`."""
    name = pyoxigraph.NamedNode(graph)  # raises ValueError for a malformed IRI
    # N-Triples is valid INSERT DATA syntax, escapes included.
    data = pyoxigraph.serialize(triples, format=pyoxigraph.RdfFormat.N_TRIPLES).decode()
    return f"DROP SILENT GRAPH {name} ; INSERT DATA {{ GRAPH {name} {{ {data} }} }}"


def load_record(settings: Settings, version: str, modified: float) -> list[pyoxigraph.Triple]:
    """What a loaded store says about itself: the dataset version and when its sources last changed,
    written as the description (server/description.py) writes `dcterms:modified`, so the two agree."""
    dataset = pyoxigraph.NamedNode(settings.base_iri + "dataset")
    moment = datetime.fromtimestamp(int(modified), tz=timezone.utc).isoformat(timespec="seconds")
    return [
        pyoxigraph.Triple(dataset, OWL_VERSION_INFO, pyoxigraph.Literal(version)),
        pyoxigraph.Triple(dataset, DCTERMS_MODIFIED, pyoxigraph.Literal(moment, datatype=XSD_DATETIME)),
    ]


def read_load_record(store, settings: Settings, record=None) -> tuple[str, float]:
    """The (version, sources' modification time) `coopgraph load` wrote; StoreNotLoaded if none."""
    triples = list(store.run_file("load-record", dataset=settings.base_iri + "dataset") if record is None else record)
    values = {triple.predicate: triple.object.value for triple in triples}
    if OWL_VERSION_INFO not in values or DCTERMS_MODIFIED not in values:
        raise StoreNotLoaded(f"the {settings.store} store holds no dataset loaded for the base IRI "
                             f"{settings.base_iri}: run `coopgraph load` with the same settings")
    return values[OWL_VERSION_INFO], datetime.fromisoformat(values[DCTERMS_MODIFIED]).timestamp()


def _term(value: Binding):
    if isinstance(value, str):
        return pyoxigraph.NamedNode(value)  # raises ValueError for a malformed IRI
    if isinstance(value, bool | int | float):
        return pyoxigraph.Literal(value)
    return value

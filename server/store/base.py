"""The store interface every backend implements, its errors, and the query files it runs.

The dataset a query sees is the same on every backend:

* the DEFAULT GRAPH is the union of the graphs `server.graphs.DEFAULT_GRAPH` names (data and
  ontology), so plain triple patterns find both instances and vocabulary;
* every named graph of the dataset, shapes and the generated description included, is reachable
  with `GRAPH <iri> { … }`; a graph the dataset does not hold reads as empty.

Graphs are named by IRI strings; results are pyoxigraph's (QuerySolutions, QueryBoolean, and for
CONSTRUCT an iterable of Triples with `serialize`), whatever the backend.

What differs between backends is said by capabilities, class attributes the callers read (never
`isinstance`):

* `runs_in_process`: queries are evaluated by this process (pyoxigraph). The SPARQL endpoint then runs
  them in worker processes forked from it, killed at the deadline, with no network; otherwise (a remote
  server) it runs them in the calling thread with the deadline as the HTTP timeout (`with_timeout`).
* `query_refuses_updates`: `query()` can only ever run a query (an update's text fails to parse), so a
  query that needs no dataset check may skip the SPARQL checker's parse (server/sparql/check.py).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO, ClassVar

import pyoxigraph

if TYPE_CHECKING:
    from server.settings import Settings

QUERIES_DIR = Path(__file__).resolve().parent.parent / "queries"

# What a query binding may be: a str is an IRI; RDF terms pass through as they are.
Binding = str | int | float | bool | pyoxigraph.NamedNode | pyoxigraph.BlankNode | pyoxigraph.Literal


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


class QueryRejected(ValueError):
    """The store refused to evaluate this query (an unknown function, say): the query's fault, HTTP 400."""


class StoreNotLoaded(Exception):
    """An on-disk or remote store holds no dataset for this base IRI: `coopgraph load` fills it."""


class Store(ABC):
    """Where the triples of one dataset version live. Backends: server/store/{memory,disk,remote}.py."""

    name: ClassVar[str]  # the value of the setting `store` that chooses this backend
    runs_in_process: ClassVar[bool]
    query_refuses_updates: ClassVar[bool]

    base_iri: str
    default_graphs: tuple[str, ...]  # the IRIs of the graphs whose union is the default graph
    version: str  # fingerprint of the loaded dataset (ETags, caches)
    modified: float  # when the loaded sources last changed (epoch seconds), for Last-Modified
    prefixes: dict[str, str] | None  # the content's prefixes, as `coopgraph load` recorded them (None: read them)

    @classmethod
    @abstractmethod
    def open(cls, settings: Settings) -> Store:
        """The store the settings describe, ready to answer. Raises content.SourceError (a content
        file does not parse), StoreNotLoaded (`coopgraph load` has not filled it for this base IRI)
        or StoreUnavailable (it does not answer)."""

    @abstractmethod
    def query(self, sparql: str, *, base_iri: str | None = None,
              default_graph: Sequence[str] | None = None, named_graphs: Sequence[str] | None = None):
        """Runs a SPARQL query. Relative IRIs resolve against `base_iri` (the dataset's unless given);
        `default_graph` and `named_graphs` (None: the store's default) only select graphs of the
        dataset. Raises SyntaxError on a bad query, ValueError on a malformed graph IRI."""

    @abstractmethod
    def run_file(self, name: str, **bindings: Binding):
        """Runs `server/queries/<name>.rq` with variables bound by name, e.g.
        `run_file("types-of", resource="http://…/id/agreement/x")`. Values are bound as RDF terms,
        never pasted into the text. A SELECT query must project every variable it lets callers bind."""

    @abstractmethod
    def graphs(self) -> list[str]:
        """The IRIs of the dataset's non-empty named graphs, sorted."""

    @abstractmethod
    def count(self, graph: str | None = None) -> int:
        """Triples in one named graph, or quads in the whole dataset."""

    @abstractmethod
    def quads(self, graph: str | None = None) -> Iterator[pyoxigraph.Quad]:
        """The quads of one named graph, or of every graph of the dataset."""

    @abstractmethod
    def graph_ntriples(self, graph: str, output: BinaryIO | None = None) -> bytes | None:
        """One named graph's triples as N-Triples the store writes: returned as bytes or, given a
        binary file `output`, written into it."""

    @abstractmethod
    def replace_graph(self, graph: str, triples: Iterable[pyoxigraph.Triple]) -> None:
        """Makes one named graph hold exactly `triples`, in one transaction (a read-only store
        keeps what `coopgraph load` wrote)."""

    def with_timeout(self, timeout_s: float) -> Store:
        """The same store with a deadline for every request. An in-process store has none of its own:
        the SPARQL endpoint kills the worker process running a query at the deadline."""
        return self


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


def term(value: Binding):
    """A binding as an RDF term: a str is an IRI (ValueError if malformed), numbers and booleans literals."""
    if isinstance(value, str):
        return pyoxigraph.NamedNode(value)
    if isinstance(value, bool | int | float):
        return pyoxigraph.Literal(value)
    return value

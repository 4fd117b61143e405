"""Where the triples live, behind one small interface.

The dataset a query sees:

* the DEFAULT GRAPH is the union of the data and ontology graphs
  (`{base}graph/data` and `{base}graph/ontology`), so plain triple patterns
  find both instances and vocabulary;
* every named graph, shapes included, is reachable with `GRAPH <iri> { … }`.

Graphs are named by IRI strings; results are pyoxigraph's (QuerySolutions,
QueryTriples or QueryBoolean), which a remote SPARQL backend can also produce
by parsing its HTTP answers with `pyoxigraph.parse_query_results`.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import Protocol

import pyoxigraph

from server.loading import DATA, ONTOLOGY, dataset_version, load_into
from server.settings import Settings

QUERIES_DIR = Path(__file__).parent / "queries"

# What a query binding may be: a str is an IRI; RDF terms pass through as they are.
Binding = str | int | float | bool | pyoxigraph.NamedNode | pyoxigraph.BlankNode | pyoxigraph.Literal


class Store(Protocol):
    """The storage interface the views use."""

    version: str  # fingerprint of the loaded dataset (ETags, caches)

    def query(self, sparql: str, *, base_iri: str | None = None,
              default_graph: Sequence[str] | None = None,
              named_graphs: Sequence[str] | None = None): ...

    def run_file(self, name: str, **bindings: Binding): ...

    def graphs(self) -> list[str]: ...

    def count(self, graph: str | None = None) -> int: ...

    def quads(self, graph: str | None = None) -> Iterator[pyoxigraph.Quad]: ...

    def replace_graph(self, graph: str, triples: Iterable[pyoxigraph.Triple]) -> None: ...


class OxigraphStore:
    """An embedded pyoxigraph store: in memory, or on disk when given a path."""

    def __init__(self, settings: Settings, path: Path | None = None):
        self._oxigraph = pyoxigraph.Store(str(path)) if path else pyoxigraph.Store()
        self.base_iri = settings.base_iri
        self.default_graphs = (settings.graph_iri(DATA), settings.graph_iri(ONTOLOGY))
        self.version = ""
        self._query_texts: dict[str, str] = {}

    @classmethod
    def from_sources(cls, settings: Settings, path: Path | None = None) -> OxigraphStore:
        """A store holding the content folders, each file in its named graph.
        Raises loading.SourceError on a syntax error."""
        store = cls(settings, path)
        load_into(store._oxigraph, settings)
        store.version = dataset_version(settings)
        return store

    def query(self, sparql, *, base_iri=None, default_graph=None, named_graphs=None, substitutions=None):
        """Runs a SPARQL query. Relative IRIs in it resolve against `base_iri`
        (the dataset's base IRI unless given). Raises SyntaxError on a bad query."""
        return self._oxigraph.query(
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
        return self.query(self._query_text(name), substitutions=substitutions)

    def graphs(self) -> list[str]:
        """The IRIs of the non-empty named graphs, sorted."""
        return sorted(graph.value for graph in self._oxigraph.named_graphs())

    def count(self, graph=None) -> int:
        """Triples in one named graph, or quads in the whole store."""
        if graph is None:
            return len(self._oxigraph)
        return sum(1 for _ in self.quads(graph))

    def quads(self, graph=None) -> Iterator[pyoxigraph.Quad]:
        """The quads of one named graph, or of the whole store."""
        graph_name = None if graph is None else pyoxigraph.NamedNode(graph)
        return self._oxigraph.quads_for_pattern(None, None, None, graph_name)

    def replace_graph(self, graph, triples) -> None:
        """Makes one named graph hold exactly `triples` (the generated description
        in `{base}graph/meta`); one transaction, so no query sees it half replaced."""
        name = pyoxigraph.NamedNode(graph)  # raises ValueError for a malformed IRI
        # One update is one transaction; N-Triples is valid INSERT DATA syntax, escapes included.
        data = pyoxigraph.serialize(triples, format=pyoxigraph.RdfFormat.N_TRIPLES).decode()
        self._oxigraph.update(f"DROP SILENT GRAPH {name} ; INSERT DATA {{ GRAPH {name} {{ {data} }} }}")

    def _query_text(self, name: str) -> str:
        if name not in self._query_texts:
            path = QUERIES_DIR / f"{name}.rq"
            if path.parent != QUERIES_DIR:  # names are not paths
                raise ValueError(f"bad query name {name!r}")
            self._query_texts[name] = path.read_text(encoding="utf-8")
        return self._query_texts[name]


def _term(value: Binding):
    if isinstance(value, str):
        return pyoxigraph.NamedNode(value)  # raises ValueError for a malformed IRI
    if isinstance(value, bool | int | float):
        return pyoxigraph.Literal(value)
    return value

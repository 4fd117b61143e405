"""The embedded pyoxigraph engine the memory and disk backends share, and `coopgraph load` fills.

In memory, or in a folder when given a path (the staging store of a disk load). The methods that
only loading uses (`load_sources`, `compact`, `record_load`) are this class's own, not the interface's.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import pyoxigraph

from server.content import dataset_version, load_into, sources_mtime
from server.entailment import entail
from server.graphs import ENTAILED, META
from server.store.base import QueryFiles, Store, term
from server.store.records import load_record
from server.store.sparql_text import replace_graph_update

if TYPE_CHECKING:
    from server.settings import Settings


class EmbeddedStore(Store):
    """A pyoxigraph store in this process."""

    name = "embedded"
    runs_in_process = True
    query_refuses_updates = True  # pyoxigraph's Store.query parses queries only

    def __init__(self, settings: Settings, path: Path | None = None):
        self._oxigraph = pyoxigraph.Store(str(path)) if path else pyoxigraph.Store()
        self._configure(settings)

    def _configure(self, settings: Settings) -> None:
        self.base_iri = settings.base_iri
        self.default_graphs = settings.default_graph_iris
        self.version = ""
        self.modified = 0.0
        self.prefixes: dict[str, str] | None = None
        self._query_files = QueryFiles()

    @classmethod
    def open(cls, settings: Settings) -> EmbeddedStore:
        return cls.from_sources(settings)

    @classmethod
    def from_sources(cls, settings: Settings, path: Path | None = None) -> EmbeddedStore:
        """A store holding the content folders, each file in its named graph.
        Raises content.SourceError on a syntax error."""
        store = cls(settings, path)
        store.load_sources(settings, bulk=path is not None)
        return store

    def load_sources(self, settings: Settings, bulk: bool = False) -> None:
        """Adds the content folders, each file to its named graph (`bulk` for an empty on-disk store)."""
        load_into(self._handle(), settings, bulk=bulk)
        # Entailed from the content just loaded (graph/entailed is empty until now), on every backend: the
        # disk and remote stores are filled from an embedded store that went through here.
        entailed = pyoxigraph.NamedNode(settings.graph_iri(ENTAILED))
        entail(self.run_file, lambda triples: self._handle().extend(
            [pyoxigraph.Quad(*triple, entailed) for triple in triples]), settings.base_iri)
        self.version, self.modified = dataset_version(settings), sources_mtime(settings)

    def _handle(self) -> pyoxigraph.Store:
        return self._oxigraph

    def query(self, sparql, *, base_iri=None, default_graph=None, named_graphs=None, substitutions=None):
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
        substitutions = {pyoxigraph.Variable(var): term(value) for var, value in bindings.items()}
        return self.query(self._query_files[name], substitutions=substitutions)

    def graphs(self) -> list[str]:
        return sorted(graph.value for graph in self._handle().named_graphs())

    def count(self, graph=None) -> int:
        if graph is None:
            return len(self._handle())
        # Counted by the engine, not by iterating in Python (a tenth of a dump build's time at 100k).
        return sum(int(row["triples"].value) for row in self.run_file("graph-sizes", graph=graph))

    def quads(self, graph=None):
        graph_name = None if graph is None else pyoxigraph.NamedNode(graph)
        return self._handle().quads_for_pattern(None, None, None, graph_name)

    def graph_ntriples(self, graph, output=None):
        return self._handle().dump(output, pyoxigraph.RdfFormat.N_TRIPLES, from_graph=pyoxigraph.NamedNode(graph))

    def replace_graph(self, graph, triples) -> None:
        self._handle().update(replace_graph_update(graph, triples))

    def compact(self) -> None:
        """Writes everything to disk in its most compact form (after a bulk load)."""
        self._handle().flush()
        self._handle().optimize()

    def record_load(self, settings: Settings) -> None:
        """Adds the load record of this store's version to graph/meta (server/store/records.py)."""
        meta = pyoxigraph.NamedNode(settings.graph_iri(META))
        self._handle().extend(pyoxigraph.Quad(triple.subject, triple.predicate, triple.object, meta)
                              for triple in load_record(settings, self.version, self.modified))

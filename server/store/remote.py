"""The `remote` backend: a SPARQL 1.1 server (Oxigraph, Fuseki, GraphDB, QLever…) `coopgraph load` filled."""

from __future__ import annotations

import copy
import json
from http.client import HTTPException
from typing import TYPE_CHECKING

import pyoxigraph

from server.graphs import META, NAMED_GRAPHS
from server.store.base import QueryFiles, Store, StoreError
from server.store.client import SparqlClient, is_oxigraph
from server.store.records import ANSWERS_PREDICATE, answers_graph, read_load_record, recorded_answer, recorded_prefixes
from server.store.sparql_text import bind_values, replace_graph_update

if TYPE_CHECKING:
    from server.settings import Settings

N_TRIPLES = "application/n-triples"
# The wait for each read of a whole graph (the dumps' input): hundreds of megabytes at a million triples.
TRANSFER_TIMEOUT_S = 600.0


class RemoteStore(Store):
    """A SPARQL 1.1 server; its answers become pyoxigraph terms.

    Every request names the dataset with the protocol's `default-graph-uri` (data + ontology) and
    `named-graph-uri` (this dataset's graphs only, so other datasets on the same server stay out of
    sight). Bindings are sent as a VALUES block at the start of the query's WHERE group
    (server/store/sparql_text.py).

    While the server is down, requests raise StoreUnavailable (503), and StoreTimeout (504) past
    the deadline; the store recovers by itself when the server returns.
    """

    name = "remote"
    runs_in_process = False  # the server evaluates; the deadline is the HTTP timeout
    # Every query goes as the protocol's query operation; whether the engine then refuses an update's text
    # there is the engine's: Oxigraph's query endpoint parses queries only (some engines, Virtuoso among them,
    # run updates sent as queries). Decided per engine when the store opens.
    query_refuses_updates = False

    def __init__(self, settings: Settings):
        # Answers may be a few times larger than the results the endpoint writes from them.
        self.client = SparqlClient(settings.remote_endpoint, settings.remote_update_endpoint,
                                   settings.remote_timeout_s, max_answer_bytes=4 * settings.max_response_bytes,
                                   deadline_parameter=settings.remote_deadline_parameter)
        self.base_iri = settings.base_iri
        self.default_graphs = settings.default_graph_iris
        self.named_graphs = tuple(settings.graph_iri(name) for name in NAMED_GRAPHS)
        self.meta_graph = settings.graph_iri(META)
        self.empty_graph = settings.graph_iri("none")  # never loaded: stands for graphs of other datasets
        self._query_files = QueryFiles()
        self._counts: dict[str | None, int] = {}
        self._answers: dict[str, str] = {}
        self._record = list(self.run_file("load-record", dataset=settings.dataset_iri))
        self.version, self.modified = read_load_record(self, settings, self._record)
        self._answers = self._recorded_answers(settings)
        self.prefixes = recorded_prefixes(self._answers)
        self.query_refuses_updates = is_oxigraph(settings.remote_endpoint)

    @classmethod
    def open(cls, settings: Settings) -> RemoteStore:
        return cls(settings)

    def query(self, sparql, *, base_iri=None, default_graph=None, named_graphs=None):
        defaults = self.default_graphs if default_graph is None else self._ours(default_graph)
        named = self.named_graphs if named_graphs is None else self._ours(named_graphs)
        # An empty list would let the server use its own dataset: name a graph that holds nothing instead.
        return self.client.query(self._based(sparql, base_iri), defaults or [self.empty_graph],
                                 named or [self.empty_graph])

    def with_timeout(self, timeout_s: float) -> RemoteStore:
        store = copy.copy(self)
        store.client = copy.copy(self.client)
        store.client.timeout_s = timeout_s
        return store

    def _ours(self, graphs) -> list[str]:
        """A graph outside this dataset reads as empty, as in the embedded stores."""
        return [iri if iri in self.named_graphs else self.empty_graph for iri in graphs]

    def run_file(self, name, **bindings):
        """Unless `coopgraph load` recorded its answer (the start-up queries over the whole dataset)."""
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

    def quads(self, graph=None):
        """Streams the quads as the server sends them."""
        text = self._based(bind_values(self._query_files["quads"], {"graph": graph} if graph else {}), None)
        with self.client.request(text, self.default_graphs, self.named_graphs) as response:
            try:
                for row in pyoxigraph.parse_query_results(response, pyoxigraph.QueryResultsFormat.JSON):
                    yield pyoxigraph.Quad(row["s"], row["p"], row["o"], row["graph"])
            except (OSError, SyntaxError, HTTPException) as error:
                raise self.client.unavailable(error) from error

    def graph_ntriples(self, graph, output=None):
        """Written by the server (a CONSTRUCT), read whole."""
        text = self._based(bind_values(self._query_files["graph-triples"], {"graph": graph}), None)
        with self.client.request(text, self.default_graphs, self.named_graphs, timeout_s=TRANSFER_TIMEOUT_S,
                                 accept=N_TRIPLES) as response:
            answered = response.headers.get("Content-Type", "").split(";")[0].strip().lower()
            if answered != N_TRIPLES:
                raise StoreError(f"the SPARQL store at {self.client.endpoint} answered {answered or 'no media type'} "
                                 f"when asked for {N_TRIPLES}")
            try:
                body = response.read()
            except (OSError, HTTPException) as error:
                raise self.client.unavailable(error, TRANSFER_TIMEOUT_S) from error
        if output is None:
            return body
        output.write(body)
        return None

    def replace_graph(self, graph, triples) -> None:
        """Through the update endpoint; graph/meta keeps the load record."""
        triples = list(triples)
        if graph == self.meta_graph:
            triples += self._record
        self.client.update(replace_graph_update(graph, triples))
        self._counts.clear()

    def _based(self, sparql: str, base_iri: str | None) -> str:
        # The query's own BASE, if any, comes after ours and wins.
        return f"BASE <{base_iri or self.base_iri}>\n{sparql}"

"""`coopgraph load`: fills an on-disk or remote store from ontology/, data/ and shapes/.

Both load the content into a staging store first, each file into its named graph, with the
generated description and the load record (dataset version, sources' date) in `{base}graph/meta`:

* disk: the staging store is a new generation folder, made current by an atomic link swap;
* remote: the staging store is in memory; each of its graphs goes to a staging graph on the server,
  with one Graph Store Protocol PUT of N-Triples when the server has one (server/graph_store.py),
  else in chunks of INSERT DATA; then one SPARQL Update (one transaction on Oxigraph) puts them in
  place.

Either way a failed load leaves the previous store as it was.
"""

from __future__ import annotations

import json
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

import pyoxigraph

from server.content import declared_prefixes
from server.dumps import current_manifest, describes
from server.graphs import META, NAMED_GRAPHS
from server.jsonld import dataset_jsonld_context
from server.settings import Settings
from server.store.base import QueryFiles, StoreError, StoreUnavailable
from server.store.client import SparqlClient
from server.store.embedded import EmbeddedStore
from server.store.generations import ANSWERS, DATABASE, new_generation
from server.store.graph_store import GraphStore, graph_store_for
from server.store.records import ANSWERS_PREDICATE, PREFIXES_KEY, AnswerRecorder, answers_graph
from server.store.sparql_text import replace_graph_update, with_values
from server.void import count_facts, describe

CHUNK_TRIPLES = 50_000  # per INSERT DATA request: a few MB
UPLOAD_TIMEOUT_S = 600.0  # per update request while loading; queries keep remote_timeout_s


@dataclass(frozen=True)
class Loaded:
    store: str  # "disk" or "remote"
    where: str  # the generation folder, or the update endpoint
    version: str
    quads: int
    seconds: float
    via: str = ""  # remote: the Graph Store the graphs were PUT to, or the update endpoint
    phases: dict[str, float] = field(default_factory=dict)  # remote: seconds spent staging, uploading, swapping


def load(settings: Settings, progress: Callable[[int], None] = lambda n: None) -> Loaded:
    """Loads the content into the store `settings.store` names ("disk" or "remote").
    Raises loading.SourceError, store.StoreUnavailable/StoreError (remote) or OSError (disk).
    `progress` is told how many statements went in, as they go."""
    started = time.perf_counter()
    if settings.store == "disk":
        with new_generation(settings) as folder:
            version, quads = _fill_folder(folder, settings)
        where = str(settings.store_path / "current")
        progress(quads)
    elif settings.store == "remote":
        staging = EmbeddedStore(settings)
        recorder = AnswerRecorder(staging)
        fill_store(staging, settings, bulk=False, recorder=recorder)
        phases = {"staging": time.perf_counter() - started}
        via = _upload(staging, settings, progress, recorder.answers, phases)
        return Loaded(settings.store, settings.remote_update_endpoint, staging.version, staging.count(),
                      time.perf_counter() - started, via, phases)
    else:
        raise ValueError(f"the {settings.store} store is filled when the server starts, not by `coopgraph load`")
    return Loaded(settings.store, where, version, quads, time.perf_counter() - started)


def _fill_folder(folder: Path, settings: Settings) -> tuple[str, int]:
    """Fills a new on-disk store and records its start-up answers; it closes when this returns
    (the last reference goes)."""
    staging = EmbeddedStore(settings, folder / DATABASE)
    recorder = AnswerRecorder(staging)
    fill_store(staging, settings, bulk=True, recorder=recorder)
    (folder / ANSWERS).write_text(json.dumps(recorder.answers), encoding="utf-8")
    staging.compact()
    return staging.version, staging.count()


def fill_store(staging: EmbeddedStore, settings: Settings, bulk: bool = False,
               recorder: AnswerRecorder | None = None) -> None:
    """Loads the content into `staging`, with the description and the load record in graph/meta.
    A recorder keeps the answers a server computes at start-up, before graph/meta is written (as a
    memory store computes them), so that a disk store can answer them without running them."""
    staging.load_sources(settings, bulk=bulk)
    if recorder is not None:
        prefixes = declared_prefixes(settings)
        recorder.answers[PREFIXES_KEY] = json.dumps(prefixes)
        dataset_jsonld_context(recorder, prefixes)
    manifest = current_manifest(settings.dumps_dir)
    if not describes(manifest, settings, staging.version):
        manifest = None  # dumps of other data: not described
    modified = datetime.fromtimestamp(int(staging.modified), tz=timezone.utc)
    facts = count_facts(recorder or staging, settings)
    staging.replace_graph(settings.graph_iri(META), describe(settings, facts, manifest, modified))
    staging.record_load(settings)


def _upload(staging: EmbeddedStore, settings: Settings, progress: Callable[[int], None],
            answers: dict[str, str], phases: dict[str, float]) -> str:
    """Sends the staging store's graphs to staging graphs on the server, then swaps them in; returns
    where they were sent. Any failure drops the staging graphs (if the server still answers) and
    leaves the dataset's graphs as they were."""
    client = SparqlClient(settings.remote_endpoint, settings.remote_update_endpoint, settings.remote_timeout_s)
    graph_store = graph_store_for(settings, UPLOAD_TIMEOUT_S)
    graphs = {settings.graph_iri(name): staging_graph(settings, name) for name in NAMED_GRAPHS}
    started = time.perf_counter()
    _drop_staging(client, list(graphs.values()))  # left by a load that was killed
    try:
        for graph, staged in graphs.items():
            if graph_store is None:
                _insert_in_chunks(client, staging, graph, staged, progress)
            else:
                _put(graph_store, staging, graph, staged)
                progress(staging.count(graph))
        if graph_store is not None:
            _check_staged(client, graph_store, staging, graphs)
        phases["upload"] = time.perf_counter() - started
        started = time.perf_counter()
        client.update(_swap(settings, graphs, answers), timeout_s=UPLOAD_TIMEOUT_S)
        phases["swap"] = time.perf_counter() - started
    finally:
        # Out of the swap's transaction, which it made much slower: nobody reads the staging graphs.
        started = time.perf_counter()
        try:
            _drop_staging(client, list(graphs.values()))
        except (StoreUnavailable, StoreError):  # the server is gone: they stay, out of sight, until the next load
            pass
        phases["cleanup"] = time.perf_counter() - started
    return graph_store.url if graph_store else settings.remote_update_endpoint


def _insert_in_chunks(client: SparqlClient, staging: EmbeddedStore, graph: str, staged: str,
                      progress: Callable[[int], None]) -> None:
    for chunk in _chunks(staging.quads(graph)):
        data = pyoxigraph.serialize(chunk, format=pyoxigraph.RdfFormat.N_TRIPLES).decode()
        client.update(f"INSERT DATA {{ GRAPH <{staged}> {{ {data} }} }}", timeout_s=UPLOAD_TIMEOUT_S)
        progress(len(chunk))


def _put(graph_store: GraphStore, staging: EmbeddedStore, graph: str, staged: str) -> None:
    """One graph as N-Triples, written by pyoxigraph into a temporary file (gone when closed, even
    if the load is killed), then streamed to the server."""
    with tempfile.TemporaryFile() as body:
        staging.graph_ntriples(graph, body)
        size = body.tell()
        body.seek(0)
        graph_store.put(staged, body, size)


def _check_staged(client: SparqlClient, graph_store: GraphStore, staging: EmbeddedStore,
                  graphs: dict[str, str]) -> None:
    """Before the swap: the query endpoint sees in each staging graph as many triples as were sent.
    A Graph Store of another server, or one that answers 2xx without storing, stops the load here."""
    rows = client.query(QueryFiles()["graph-sizes"], named_graphs=list(graphs.values()), timeout_s=UPLOAD_TIMEOUT_S)
    found = {row["graph"].value: int(row["triples"].value) for row in rows}
    for graph, staged in graphs.items():
        sent, seen = staging.count(graph), found.get(staged, 0)
        if seen != sent:
            raise StoreError(f"the Graph Store at {graph_store.url} accepted <{staged}>, but the SPARQL store at "
                             f"{client.endpoint} finds {seen} triples in it, not {sent}: is remote_graph_store "
                             "the same server's Graph Store?")


def _swap(settings: Settings, graphs: dict[str, str], answers: dict[str, str]) -> str:
    """One update putting every staged graph in place (writing only what changed), with the recorded
    answers. A graph staged empty leaves its target empty, as it should."""
    recorded = pyoxigraph.Triple(pyoxigraph.NamedNode(answers_graph(settings)), pyoxigraph.NamedNode(ANSWERS_PREDICATE),
                                 pyoxigraph.Literal(json.dumps(answers)))
    swap = with_values("swap-from-staging", list(graphs.items()))
    return f"{swap} ; {replace_graph_update(answers_graph(settings), [recorded])}"


def _drop_staging(client: SparqlClient, staged: list[str]) -> None:
    """Empties the staging graphs a chunk at a time (see delete-staged-chunk.rq), then drops them."""
    rows = [(graph,) for graph in staged]
    delete_chunk, anything_left = with_values("delete-staged-chunk", rows), with_values("staged-left", rows)
    while bool(client.query(anything_left, timeout_s=UPLOAD_TIMEOUT_S)):
        client.update(delete_chunk, timeout_s=UPLOAD_TIMEOUT_S)
    client.update(" ; ".join(f"DROP SILENT GRAPH <{graph}>" for graph in staged), timeout_s=UPLOAD_TIMEOUT_S)


def staging_graph(settings: Settings, name: str) -> str:
    """Where a graph waits on the remote server until the swap: outside the dataset's graphs."""
    return f"{settings.base_iri}graph/loading/{name}"


def _chunks(quads) -> Iterator[list[pyoxigraph.Triple]]:
    """The triples in chunks of CHUNK_TRIPLES, except that the triples with a blank node all go in
    the last chunk: a blank node label names one node only within one request."""
    chunk: list[pyoxigraph.Triple] = []
    with_blank_nodes: list[pyoxigraph.Triple] = []
    for quad in quads:
        if isinstance(quad.subject, pyoxigraph.BlankNode) or isinstance(quad.object, pyoxigraph.BlankNode):
            with_blank_nodes.append(quad.triple)
            continue
        chunk.append(quad.triple)
        if len(chunk) == CHUNK_TRIPLES:
            yield chunk
            chunk = []
    yield from (rest for rest in (chunk, with_blank_nodes) if rest)

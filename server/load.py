"""`coopgraph load`: fills an on-disk or remote store from ontology/, data/ and shapes/.

Both load the content into a staging store first, each file into its named graph, with the
generated description and the load record (dataset version, sources' date) in `{base}graph/meta`:

* disk: the staging store is a new generation folder, made current by an atomic link swap;
* remote: the staging store is in memory; its graphs go to staging graphs on the server in chunks
  of INSERT DATA, then one SPARQL Update (one transaction on Oxigraph) moves them in place.

Either way a failed load leaves the previous store as it was.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

import pyoxigraph

from server.description import count_facts, describe
from server.dumps import dumps_dir, read_manifest
from server.settings import Settings
from server import dataset_jsonld_context
from server.loading import declared_prefixes
from server.store import (
    ANSWERS,
    DATABASE,
    META,
    NAMED_GRAPHS,
    ANSWERS_PREDICATE,
    PREFIXES_KEY,
    AnswerRecorder,
    OxigraphStore,
    SparqlClient,
    answers_graph,
    new_generation,
    replace_graph_update,
)

CHUNK_TRIPLES = 50_000  # per INSERT DATA request: a few MB
UPLOAD_TIMEOUT_S = 600.0  # per update request while loading; queries keep remote_timeout_s


@dataclass(frozen=True)
class Loaded:
    store: str  # "disk" or "remote"
    where: str  # the generation folder, or the update endpoint
    version: str
    quads: int
    seconds: float


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
        staging = OxigraphStore(settings)
        recorder = AnswerRecorder(staging)
        fill_store(staging, settings, bulk=False, recorder=recorder)
        _upload(staging, settings, progress, recorder.answers)
        version, quads, where = staging.version, staging.count(), settings.remote_update_endpoint
    else:
        raise ValueError(f"the {settings.store} store is filled when the server starts, not by `coopgraph load`")
    return Loaded(settings.store, where, version, quads, time.perf_counter() - started)


def _fill_folder(folder: Path, settings: Settings) -> tuple[str, int]:
    """Fills a new on-disk store and records its start-up answers; it closes when this returns
    (the last reference goes)."""
    staging = OxigraphStore(settings, folder / DATABASE)
    recorder = AnswerRecorder(staging)
    fill_store(staging, settings, bulk=True, recorder=recorder)
    (folder / ANSWERS).write_text(json.dumps(recorder.answers), encoding="utf-8")
    staging.compact()
    return staging.version, staging.count()


def fill_store(staging: OxigraphStore, settings: Settings, bulk: bool = False,
               recorder: AnswerRecorder | None = None) -> None:
    """Loads the content into `staging`, with the description and the load record in graph/meta.
    A recorder keeps the answers a server computes at start-up, before graph/meta is written (as a
    memory store computes them), so that a disk store can answer them without running them."""
    staging.load_sources(settings, bulk=bulk)
    if recorder is not None:
        prefixes = declared_prefixes(settings)
        recorder.answers[PREFIXES_KEY] = json.dumps(prefixes)
        dataset_jsonld_context(recorder, prefixes)
    manifest = read_manifest(dumps_dir(settings))
    if manifest is not None and (manifest.base_iri, manifest.dataset_version) != (settings.base_iri, staging.version):
        manifest = None  # dumps of other data: not described
    modified = datetime.fromtimestamp(int(staging.modified), tz=timezone.utc)
    facts = count_facts(recorder or staging, settings)
    staging.replace_graph(settings.graph_iri(META), describe(settings, facts, manifest, modified))
    staging.record_load(settings)


def _upload(staging: OxigraphStore, settings: Settings, progress: Callable[[int], None],
            answers: dict[str, str]) -> None:
    client = SparqlClient(settings.remote_endpoint, settings.remote_update_endpoint, settings.remote_timeout_s)
    graphs = {settings.graph_iri(name): staging_graph(settings, name) for name in NAMED_GRAPHS}
    drop_staging = " ; ".join(f"DROP SILENT GRAPH <{staged}>" for staged in graphs.values())
    client.update(drop_staging, timeout_s=UPLOAD_TIMEOUT_S)
    try:
        for graph, staged in graphs.items():
            for chunk in _chunks(staging.quads(graph)):
                data = pyoxigraph.serialize(chunk, format=pyoxigraph.RdfFormat.N_TRIPLES).decode()
                client.update(f"INSERT DATA {{ GRAPH <{staged}> {{ {data} }} }}", timeout_s=UPLOAD_TIMEOUT_S)
                progress(len(chunk))
        # The swap, with the recorded answers: ADD of a graph never staged (an empty one) leaves its
        # target dropped, as it should.
        recorded = pyoxigraph.Triple(pyoxigraph.NamedNode(answers_graph(settings)), pyoxigraph.NamedNode(ANSWERS_PREDICATE),
                                     pyoxigraph.Literal(json.dumps(answers)))
        swap = [f"DROP SILENT GRAPH <{graph}> ; ADD SILENT <{staged}> TO <{graph}> ; DROP SILENT GRAPH <{staged}>"
                for graph, staged in graphs.items()]
        client.update(" ; ".join([*swap, replace_graph_update(answers_graph(settings), [recorded])]),
                      timeout_s=UPLOAD_TIMEOUT_S)
    except BaseException:
        try:
            client.update(drop_staging, timeout_s=UPLOAD_TIMEOUT_S)
        except Exception:  # the server is gone: the staging graphs stay, out of sight, until the next load
            pass
        raise


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

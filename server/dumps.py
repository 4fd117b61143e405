"""The dumps: the published dataset written to files, atomically, with a manifest of their sizes and checksums.

Building validates nothing itself: its callers (`coopgraph build`, `serve` at start-up) validate first,
so a failed validation never reaches this module and the previous dumps stay as they were.

The store is read once: each published graph as N-Triples the store itself writes, loaded into two
in-memory stores (see Snapshot). Every dump is then written from those by pyoxigraph, two at a time
(pyoxigraph releases the GIL while it writes), with no Python per statement.

Every file is written to a hidden temporary name in the output folder, fsynced, and renamed only once
all of them are written; the manifest is renamed last. A reader therefore sees either the old file or
the new one, never half of one, and a failed build leaves nothing behind. A lock file serialises builds
sharing a folder (a `coopgraph build` beside a starting server).

The generated description (`{base}graph/meta`) is never dumped: it gives the dumps' checksums.
"""

from __future__ import annotations

import fcntl
import gzip
import hashlib
import json
import os
import stat
import tempfile
from collections.abc import Callable, Iterator
from concurrent.futures import Executor, ThreadPoolExecutor, as_completed, wait
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO

import pyoxigraph
from pyoxigraph import RdfFormat
from tqdm import tqdm

from server.content import DATA, ONTOLOGY, SHAPES, sources_mtime
from server.settings import Settings
from server.store import StoreError

if TYPE_CHECKING:
    from server.state import AppState

MANIFEST = "manifest.json"
MANIFEST_FORMAT = 1
META = "meta"  # the named graph of the description, left out of every dump
LOCK = ".build.lock"
PUBLIC_FILE_MODE = 0o644
WORKERS = 2  # dumps written at once; each keeps a core busy

# What a dump holds: every named graph (as quads), the default graph SPARQL sees (data + ontology), or one graph.
DATASET, KNOWLEDGE_GRAPH = "dataset", "knowledge graph"


@dataclass(frozen=True)
class Dump:
    name: str
    media_type: str  # of the RDF inside, before any gzip
    holds: str  # DATASET, KNOWLEDGE_GRAPH, or a graph's short name
    rdf_format: RdfFormat
    gzipped: bool = False

    @property
    def format_name(self) -> str:
        # pyoxigraph writes JSON-LD expanded: full IRIs, no context.
        name = "JSON-LD (expanded)" if self.rdf_format == RdfFormat.JSON_LD else self.rdf_format.name
        return f"{name}, gzipped" if self.gzipped else name

    @property
    def prefixes_apply(self) -> bool:
        """Whether the dump abbreviates IRIs with the content's prefixes (expanded JSON-LD does not)."""
        return self.rdf_format in (RdfFormat.TURTLE, RdfFormat.TRIG, RdfFormat.RDF_XML)

    @property
    def served_type(self) -> str:
        """What /dumps/<name> says it is: a .gz file is application/gzip, saved as it is."""
        return "application/gzip" if self.gzipped else self.media_type


DUMPS: tuple[Dump, ...] = (
    Dump("coopgraph.trig", "application/trig", DATASET, RdfFormat.TRIG),
    Dump("coopgraph.nq.gz", "application/n-quads", DATASET, RdfFormat.N_QUADS, gzipped=True),
    Dump("coopgraph.ttl", "text/turtle", KNOWLEDGE_GRAPH, RdfFormat.TURTLE),
    Dump("coopgraph.nt.gz", "application/n-triples", KNOWLEDGE_GRAPH, RdfFormat.N_TRIPLES, gzipped=True),
    Dump("coopgraph.jsonld", "application/ld+json", KNOWLEDGE_GRAPH, RdfFormat.JSON_LD),
    Dump("coopgraph.rdf", "application/rdf+xml", KNOWLEDGE_GRAPH, RdfFormat.RDF_XML),
    Dump("ontology.ttl", "text/turtle", ONTOLOGY, RdfFormat.TURTLE),
    Dump("shapes.ttl", "text/turtle", SHAPES, RdfFormat.TURTLE),
)
DUMPS_BY_NAME = {dump.name: dump for dump in DUMPS}


@dataclass(frozen=True)
class DumpFile:
    """One manifest entry: a file as the build wrote it."""

    name: str
    media_type: str
    encoding: str | None  # "gzip" or None
    bytes: int
    sha256: str
    statements: int  # triples, or quads for a dataset dump
    modified: str  # ISO 8601, UTC
    mtime_ns: int  # to tell whether the file on disk is still this one

    @property
    def dump(self) -> Dump:
        return DUMPS_BY_NAME[self.name]


@dataclass(frozen=True)
class Manifest:
    dataset_version: str
    base_iri: str
    built: str  # ISO 8601, UTC
    files: tuple[DumpFile, ...]
    format: int = MANIFEST_FORMAT

    def file(self, name: str) -> DumpFile | None:
        return next((f for f in self.files if f.name == name), None)

    @property
    def built_at(self) -> datetime:
        return datetime.fromisoformat(self.built)

    def json(self) -> str:
        return json.dumps(asdict(self), indent=2, ensure_ascii=False) + "\n"


def dumps_dir(settings: Settings) -> Path:
    """Where `serve` keeps and serves the dumps."""
    return settings.var_dir / "dumps"


def read_manifest(folder: Path) -> Manifest | None:
    """The manifest of the last build in `folder`, or None if there is none usable
    (missing, unreadable, from another manifest format, or naming a file it should not)."""
    try:
        raw = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
        if raw.get("format") != MANIFEST_FORMAT:
            return None
        files = tuple(DumpFile(**entry) for entry in raw["files"])
        datetime.fromisoformat(raw["built"])  # a malformed date makes the manifest unusable
        manifest = Manifest(raw["dataset_version"], raw["base_iri"], raw["built"], files)
    except (OSError, ValueError, KeyError, TypeError):
        return None
    # Only the files this code builds, by their plain names: nothing else is ever served.
    if any(f.name not in DUMPS_BY_NAME for f in files):
        return None
    return manifest


def file_is_current(folder: Path, entry: DumpFile) -> bool:
    """Whether `folder/entry.name` is a regular file (not a link) still as the build wrote it."""
    try:
        info = (folder / entry.name).lstat()
    except OSError:
        return False
    return stat.S_ISREG(info.st_mode) and info.st_size == entry.bytes and info.st_mtime_ns == entry.mtime_ns


def staleness(manifest: Manifest | None, settings: Settings, version: str, folder: Path) -> str | None:
    """Why the dumps in `folder` must be rebuilt, or None when they are current."""
    if manifest is None:
        return "there are no dumps yet"
    if manifest.base_iri != settings.base_iri:
        return f"they were built for the base IRI {manifest.base_iri}"
    if manifest.dataset_version != version:
        return "they were built from another version of the data"
    if [f.name for f in manifest.files] != [d.name for d in DUMPS]:
        return "this version of coopgraph builds other dumps"
    if manifest.built_at.timestamp() < sources_mtime(settings):
        return "a source file is newer than they are"
    changed = [f.name for f in manifest.files if not file_is_current(folder, f)]
    if changed:
        return f"{', '.join(changed)} went missing or changed"
    return None


def ensure_dumps(state: AppState, folder: Path, *, progress: bool = False,
                 log: Callable[[str], None] = lambda message: None) -> Manifest:
    """The current dumps of `folder`, built first if missing, older than the sources, or of another
    dataset version or base IRI. The app's store must hold validated content."""
    with _build_lock(folder):  # a build beside us finishes before we judge its result
        manifest = read_manifest(folder)
        reason = staleness(manifest, state.settings, state.version, folder)
        if reason is None:
            return manifest
        log(f"building the dumps in {folder}: {reason}")
        return _build_locked(state, folder, progress)


def build_dumps(state: AppState, folder: Path, *, progress: bool = False) -> Manifest:
    """Writes every dump of the app's store and the manifest into `folder` (created if needed),
    atomically. The store must hold validated content. On any error the folder is left as it was."""
    with _build_lock(folder):
        return _build_locked(state, folder, progress)


@contextmanager
def _build_lock(folder: Path) -> Iterator[None]:
    folder.mkdir(parents=True, exist_ok=True)
    with open(folder / LOCK, "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # released when the file closes
        yield


def _build_locked(state: AppState, folder: Path, progress: bool) -> Manifest:
    _remove_leftovers(folder)  # of a build that was killed: we hold the lock, so none is running
    with tqdm(unit=" statements", unit_scale=True, disable=not progress, desc="dumps", leave=False) as bar, \
            ThreadPoolExecutor(max_workers=WORKERS, thread_name_prefix="dumps") as pool:
        bar.set_postfix_str("reading the store")
        snapshot = Snapshot.of(state, pool)
        bar.total = sum(snapshot.statements(dump) for dump in DUMPS)
        bar.refresh()
        written = _write_parts(folder, snapshot, pool, bar)
    try:
        manifest = Manifest(state.version, state.settings.base_iri, _now(), tuple(entry for _, entry in written))
        for part, entry in written:
            os.replace(part, folder / entry.name)
        _write_file_atomically(folder / MANIFEST, manifest.json().encode())
        _fsync_folder(folder)
        return manifest
    finally:
        for part, _ in written:
            part.unlink(missing_ok=True)  # already renamed, unless something failed


def _write_parts(folder: Path, snapshot: Snapshot, pool: Executor, bar: tqdm) -> list[tuple[Path, DumpFile]]:
    """Writes every dump to its temporary file in `folder`, as many at once as `pool` runs; returns them
    with their manifest entries, in DUMPS' order. On any error, removes those written and raises."""
    # The gzipped ones first: they take longest, so the workers finish nearer together.
    futures = {dump: pool.submit(_write_part, folder, dump, snapshot)
               for dump in sorted(DUMPS, key=lambda dump: not dump.gzipped)}
    try:
        for future in as_completed(futures.values()):
            _, entry = future.result()
            bar.set_postfix_str(entry.name, refresh=False)
            bar.update(entry.statements)
    except BaseException:
        for future in futures.values():
            future.cancel()
        wait(futures.values())  # those already running finish: their files go too
        for future in futures.values():
            if not future.cancelled() and future.exception() is None:
                future.result()[0].unlink(missing_ok=True)
        raise
    return [futures[dump].result() for dump in DUMPS]


def _write_part(folder: Path, dump: Dump, snapshot: Snapshot) -> tuple[Path, DumpFile]:
    """Writes one dump to a hidden temporary file in `folder`; returns it with its manifest entry."""
    with _part_file(folder, dump.name) as raw:
        hashed = _HashingWriter(raw)
        if dump.gzipped:
            # No name and a zero time in the gzip header: it holds nothing that changes from one build to the next.
            # Level 6, as gzip(1): twice as fast as 9 here, for files some 8 % larger.
            with gzip.GzipFile(filename="", mode="wb", fileobj=hashed, mtime=0, compresslevel=6) as compressed:
                snapshot.write(dump, compressed)
        else:
            snapshot.write(dump, hashed)
    part = Path(raw.name)
    info = part.stat()
    entry = DumpFile(
        name=dump.name,
        media_type=dump.media_type,
        encoding="gzip" if dump.gzipped else None,
        bytes=hashed.size,
        sha256=hashed.sha256.hexdigest(),
        statements=snapshot.statements(dump),
        modified=_iso(info.st_mtime),
        mtime_ns=info.st_mtime_ns,
    )
    return part, entry


@dataclass(frozen=True)
class Snapshot:
    """What the dumps hold, read out of the store once, in two in-memory pyoxigraph stores:

    * `dataset`: every named graph but the description, for the dataset dumps and the one-graph dumps;
    * `knowledge_graph`: the data and the ontology in its default graph, their set union (the default graph
      SPARQL sees), so a triple both graphs state is there once.

    Each graph is read as N-Triples the store writes, and loaded by pyoxigraph (both stores at once).
    Loading gives its blank nodes new labels, one load at a time; no graph shares a blank node with
    another (every content file is loaded on its own), so none is split or merged. The labels differ
    from one build to the next, and so do the checksums of the files that hold blank nodes.
    """

    dataset: pyoxigraph.Store
    knowledge_graph: pyoxigraph.Store
    graph_sizes: dict[str, int]  # triples in each graph of `dataset`, by IRI
    knowledge_graph_size: int
    settings: Settings
    prefixes: dict[str, str]  # the content's, as the server publishes them

    @classmethod
    def of(cls, state: AppState, pool: Executor) -> Snapshot:
        """The snapshot of the app's store; the two stores are filled in `pool`."""
        settings = state.settings
        graphs = [graph for graph in state.store.graphs() if graph != settings.graph_iri(META)]
        texts = {graph: state.store.graph_ntriples(graph) for graph in graphs}
        dataset, knowledge_graph = pyoxigraph.Store(), pyoxigraph.Store()
        sizes = pool.submit(_fill_dataset, dataset, texts)
        union = pool.submit(_fill_default_graph, knowledge_graph,
                            [texts.get(settings.graph_iri(name), b"") for name in (DATA, ONTOLOGY)])
        return cls(dataset, knowledge_graph, sizes.result(), union.result(), settings, dict(state.prefixes))

    def statements(self, dump: Dump) -> int:
        """How many statements the dump holds: triples, or quads for a dataset dump."""
        if dump.holds == DATASET:
            return sum(self.graph_sizes.values())
        if dump.holds == KNOWLEDGE_GRAPH:
            return self.knowledge_graph_size
        return self.graph_sizes.get(self.settings.graph_iri(dump.holds), 0)

    def write(self, dump: Dump, output: BinaryIO) -> None:
        prefixes = self.prefixes if dump.prefixes_apply else None
        if dump.holds == DATASET:
            self.dataset.dump(output, dump.rdf_format, prefixes=prefixes)
        elif dump.holds == KNOWLEDGE_GRAPH:
            self.knowledge_graph.dump(output, dump.rdf_format, from_graph=pyoxigraph.DefaultGraph(), prefixes=prefixes)
        else:
            graph = pyoxigraph.NamedNode(self.settings.graph_iri(dump.holds))
            self.dataset.dump(output, dump.rdf_format, from_graph=graph, prefixes=prefixes)


def _fill_dataset(dataset: pyoxigraph.Store, texts: dict[str, bytes]) -> dict[str, int]:
    """Loads each graph's N-Triples into its named graph; returns each graph's size.
    Smallest first: only the last size costs a count of the whole store."""
    sizes = {}
    for graph, text in sorted(texts.items(), key=lambda item: len(item[1])):
        before = len(dataset)
        _load(dataset, text, graph)
        sizes[graph] = len(dataset) - before
    return sizes


def _fill_default_graph(store: pyoxigraph.Store, texts: list[bytes]) -> int:
    """Loads every text into the default graph (a set: a triple given twice is there once); returns its size."""
    for text in texts:
        _load(store, text)
    return len(store)


def _load(store: pyoxigraph.Store, text: bytes, graph: str | None = None) -> None:
    try:
        # Lenient: the store wrote these IRIs from content validated when it was loaded.
        store.load(text, RdfFormat.N_TRIPLES, to_graph=pyoxigraph.NamedNode(graph) if graph else None, lenient=True)
    except SyntaxError as error:
        raise StoreError(f"the store gave malformed N-Triples for {graph or 'a graph'}: {error}") from None


class _HashingWriter:
    """A binary file wrapper that counts and hashes what goes through it."""

    def __init__(self, raw: BinaryIO):
        self.raw, self.size, self.sha256 = raw, 0, hashlib.sha256()

    def write(self, data) -> int:
        data = bytes(data)
        self.raw.write(data)
        self.sha256.update(data)
        self.size += len(data)
        return len(data)

    def flush(self) -> None:
        self.raw.flush()


@contextmanager
def _part_file(folder: Path, name: str) -> Iterator[BinaryIO]:
    """A hidden temporary file standing for `name` in `folder`: readable by all and on disk when the
    block ends, removed if it fails. The caller renames it."""
    with tempfile.NamedTemporaryFile("wb", dir=folder, prefix=f".{name}.", suffix=".part", delete=False) as raw:
        try:
            yield raw
            raw.flush()
            os.fchmod(raw.fileno(), PUBLIC_FILE_MODE)  # temporary files start private
            os.fsync(raw.fileno())
        except BaseException:
            Path(raw.name).unlink(missing_ok=True)
            raise


def _write_file_atomically(path: Path, data: bytes) -> None:
    with _part_file(path.parent, path.name) as part:
        part.write(data)
    os.replace(part.name, path)


def _remove_leftovers(folder: Path) -> None:
    for name in [*DUMPS_BY_NAME, MANIFEST]:
        for part in folder.glob(f".{name}.*.part"):
            part.unlink(missing_ok=True)


def _fsync_folder(folder: Path) -> None:
    """Makes the renames themselves durable."""
    descriptor = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


def _iso(timestamp: float) -> str:
    return datetime.fromtimestamp(timestamp, tz=timezone.utc).isoformat(timespec="seconds")


def _now() -> str:
    # To the microsecond: compared with the sources' modification times.
    return datetime.now(tz=timezone.utc).isoformat()

"""The dumps: the published dataset written to files, with a manifest of their sizes and checksums,
as immutable builds a server pins for its whole life.

Building validates nothing itself: its callers (`coopgraph build`, `serve` at start-up) validate first,
so a failed validation never reaches this module and the previous dumps stay as they were.

The store is read once: each published graph as N-Triples the store itself writes, loaded into two
in-memory stores (see Snapshot). Every dump is then written from those by pyoxigraph, two at a time
(pyoxigraph releases the GIL while it writes), with no Python per statement.

A dumps folder (`Settings.dumps_dir`, one per base IRI, or `coopgraph build --out`) holds:

* `builds/<time>/`: one build, its files and `manifest.json`; never changed once it is there;
* `current`: a symbolic link to the newest build, swapped atomically;
* `.build.lock`: serialises builds (a `coopgraph build` beside a starting server).

A build is written into a hidden folder, fsynced, renamed into `builds/` and made current only when
complete, so a failed build leaves nothing behind and changes nothing served. A server pins the build
that is current when it starts (`pin`, a shared lock on the build's `.pin` file held as long as the
server runs) and serves that one: a build beside a running server never changes what it answers.
Builds that are neither current nor pinned are removed after each build, and when a server starts.

The generated description (`{base}graph/meta`) is never dumped: it gives the dumps' checksums.
"""

from __future__ import annotations

import fcntl
import gzip
import hashlib
import json
import os
import shutil
import stat
from collections.abc import Callable, Iterator
from concurrent.futures import Executor, ThreadPoolExecutor, as_completed, wait
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO

import pyoxigraph
from tqdm import tqdm

from server.atomic import linked_folder, point_link
from server.content import sources_mtime
from server.formats import JSON_LD, N_QUADS, N_TRIPLES, RDF_XML, TRIG, TURTLE, Format
from server.graphs import DEFAULT_GRAPH, META, ONTOLOGY, SHAPES
from server.settings import Settings
from server.store import StoreError

if TYPE_CHECKING:
    from server.dataset import Dataset

MANIFEST = "manifest.json"
MANIFEST_FORMAT = 2
BUILDS, CURRENT, LOCK, PIN = "builds", "current", ".build.lock", ".pin"
PUBLIC_FILE_MODE = 0o644
WORKERS = 2  # dumps written at once; each keeps a core busy

# What a dump holds: every named graph (as quads), the default graph SPARQL sees (data + ontology), or one graph.
DATASET, KNOWLEDGE_GRAPH = "dataset", "knowledge graph"


@dataclass(frozen=True)
class Dump:
    stem: str
    format: Format
    holds: str  # DATASET, KNOWLEDGE_GRAPH, or a graph's short name
    gzipped: bool = False

    @property
    def name(self) -> str:
        return f"{self.stem}.{self.format.extension}" + (".gz" if self.gzipped else "")

    @property
    def media_type(self) -> str:
        """Of the RDF inside, before any gzip."""
        return self.format.media_type

    @property
    def format_name(self) -> str:
        # pyoxigraph writes JSON-LD expanded: full IRIs, no context.
        name = "JSON-LD (expanded)" if self.format is JSON_LD else self.format.name
        return f"{name}, gzipped" if self.gzipped else name

    @property
    def prefixes_apply(self) -> bool:
        """Whether the dump abbreviates IRIs with the content's prefixes (expanded JSON-LD does not)."""
        return self.format in (TURTLE, TRIG, RDF_XML)

    @property
    def served_type(self) -> str:
        """What /dumps/<name> says it is: a .gz file is application/gzip, saved as it is."""
        return "application/gzip" if self.gzipped else self.media_type


DUMPS: tuple[Dump, ...] = (
    Dump("coopgraph", TRIG, DATASET),
    Dump("coopgraph", N_QUADS, DATASET, gzipped=True),
    Dump("coopgraph", TURTLE, KNOWLEDGE_GRAPH),
    Dump("coopgraph", N_TRIPLES, KNOWLEDGE_GRAPH, gzipped=True),
    Dump("coopgraph", JSON_LD, KNOWLEDGE_GRAPH),
    Dump("coopgraph", RDF_XML, KNOWLEDGE_GRAPH),
    Dump("ontology", TURTLE, ONTOLOGY),
    Dump("shapes", TURTLE, SHAPES),
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


@dataclass(frozen=True)
class Pinned:
    """The build a server serves for its whole life, locked against removal while `lock` is open."""

    folder: Path
    manifest: Manifest
    lock: BinaryIO

    @property
    def name(self) -> str:
        return self.folder.name


def read_manifest(folder: Path) -> Manifest | None:
    """The manifest of the build in `folder`, or None if there is none usable
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


def current_build(root: Path) -> Path | None:
    """The folder `root/current` points to, if it is a build."""
    return linked_folder(root / CURRENT, within=root / BUILDS)


def current_manifest(root: Path) -> Manifest | None:
    build = current_build(root)
    return read_manifest(build) if build else None


def file_is_current(folder: Path, entry: DumpFile) -> bool:
    """Whether `folder/entry.name` is a regular file (not a link) still as the build wrote it."""
    try:
        info = (folder / entry.name).lstat()
    except OSError:
        return False
    return stat.S_ISREG(info.st_mode) and info.st_size == entry.bytes and info.st_mtime_ns == entry.mtime_ns


def describes(manifest: Manifest | None, settings: Settings, version: str) -> bool:
    """Whether the manifest is of this dataset version under this base IRI."""
    return manifest is not None and (manifest.base_iri, manifest.dataset_version) == (settings.base_iri, version)


def staleness(root: Path, settings: Settings, version: str) -> str | None:
    """Why the current build of `root` must be replaced, or None when it is current."""
    build = current_build(root)
    manifest = read_manifest(build) if build else None
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
    changed = [f.name for f in manifest.files if not file_is_current(build, f)]
    if changed:
        return f"{', '.join(changed)} went missing or changed"
    return None


def ensure_dumps(dataset: Dataset, root: Path, *, progress: bool = False,
                 log: Callable[[str], None] = lambda message: None) -> Manifest:
    """The current build of `root`, made first if missing, older than the sources, or of another
    dataset version or base IRI. The dataset's store must hold validated content."""
    with _build_lock(root):  # a build beside us finishes before we judge its result
        reason = staleness(root, dataset.settings, dataset.version)
        if reason is None:
            _remove_unpinned(root)
            return current_manifest(root)
        log(f"building the dumps in {root}: {reason}")
        return _build_locked(dataset, root, progress)


def build_dumps(dataset: Dataset, root: Path, *, progress: bool = False) -> Manifest:
    """Writes every dump of the dataset and its manifest as a new build of `root` (created if needed),
    and makes it current. The store must hold validated content. On any error `root` is left as it was."""
    with _build_lock(root):
        return _build_locked(dataset, root, progress)


def pin(root: Path) -> Pinned | None:
    """The current build of `root`, locked against removal for as long as the returned lock stays open
    (a server keeps it for its life; gunicorn's workers inherit it). None when there is no build."""
    with _build_lock(root):  # no build may remove it between finding it and locking it
        build = current_build(root)
        manifest = read_manifest(build) if build else None
        if manifest is None:
            return None
        lock = open(build / PIN, "rb")
        fcntl.flock(lock, fcntl.LOCK_SH)
        return Pinned(build, manifest, lock)


@contextmanager
def _build_lock(root: Path) -> Iterator[None]:
    (root / BUILDS).mkdir(parents=True, exist_ok=True)
    with open(root / LOCK, "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # released when the file closes
        yield


def _build_locked(dataset: Dataset, root: Path, progress: bool) -> Manifest:
    builds = root / BUILDS
    for leftover in builds.glob(".building-*"):  # of a build that was killed: we hold the lock, so none is running
        shutil.rmtree(leftover, ignore_errors=True)
    stamp = datetime.now(tz=timezone.utc).strftime("%Y%m%dT%H%M%S%fZ")
    folder = builds / f".building-{stamp}"
    folder.mkdir()
    try:
        with tqdm(unit=" statements", unit_scale=True, disable=not progress, desc="dumps", leave=False) as bar, \
                ThreadPoolExecutor(max_workers=WORKERS, thread_name_prefix="dumps") as pool:
            bar.set_postfix_str("reading the store")
            snapshot = Snapshot.of(dataset, pool)
            bar.total = sum(snapshot.statements(dump) for dump in DUMPS)
            bar.refresh()
            entries = _write_files(folder, snapshot, pool, bar)
        manifest = Manifest(dataset.version, dataset.settings.base_iri, _now(), entries)
        _write_file(folder / MANIFEST, lambda output: output.write(manifest.json().encode()))
        (folder / PIN).touch(mode=PUBLIC_FILE_MODE)
        folder.chmod(0o755)
        _fsync(folder)
        final = builds / stamp
        folder.rename(final)
        point_link(root / CURRENT, final)
        _fsync(root)
    finally:
        shutil.rmtree(folder, ignore_errors=True)  # gone already, unless something failed
    _remove_unpinned(root)
    return manifest


def _remove_unpinned(root: Path) -> None:
    """Removes every build but the current one that no server pins."""
    current = current_build(root)
    for build in (root / BUILDS).iterdir():
        if build == current or build.name.startswith(".") or not build.is_dir():
            continue
        try:
            with open(build / PIN, "rb") as lock:
                fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
                shutil.rmtree(build, ignore_errors=True)
        except BlockingIOError:
            continue  # a server serves it
        except FileNotFoundError:
            shutil.rmtree(build, ignore_errors=True)


def _write_files(folder: Path, snapshot: Snapshot, pool: Executor, bar: tqdm) -> tuple[DumpFile, ...]:
    """Writes every dump into `folder`, as many at once as `pool` runs; returns their manifest entries,
    in DUMPS' order. On any error, waits for those already running, and raises (the caller removes the folder)."""
    # The gzipped ones first: they take longest, so the workers finish nearer together.
    futures = {dump: pool.submit(_write_dump, folder, dump, snapshot)
               for dump in sorted(DUMPS, key=lambda dump: not dump.gzipped)}
    try:
        for future in as_completed(futures.values()):
            entry = future.result()
            bar.set_postfix_str(entry.name, refresh=False)
            bar.update(entry.statements)
    except BaseException:
        for future in futures.values():
            future.cancel()
        wait(futures.values())
        raise
    return tuple(futures[dump].result() for dump in DUMPS)


def _write_dump(folder: Path, dump: Dump, snapshot: Snapshot) -> DumpFile:
    """Writes one dump into `folder`; returns its manifest entry."""
    def write(output: BinaryIO) -> _HashingWriter:
        hashed = _HashingWriter(output)
        if dump.gzipped:
            # No name and a zero time in the gzip header: it holds nothing that changes from one build to the next.
            # Level 6, as gzip(1): twice as fast as 9 here, for files some 8 % larger.
            with gzip.GzipFile(filename="", mode="wb", fileobj=hashed, mtime=0, compresslevel=6) as compressed:
                snapshot.write(dump, compressed)
        else:
            snapshot.write(dump, hashed)
        return hashed

    path = folder / dump.name
    hashed = _write_file(path, write)
    info = path.stat()
    return DumpFile(
        name=dump.name,
        media_type=dump.media_type,
        encoding="gzip" if dump.gzipped else None,
        bytes=hashed.size,
        sha256=hashed.sha256.hexdigest(),
        statements=snapshot.statements(dump),
        modified=_iso(info.st_mtime),
        mtime_ns=info.st_mtime_ns,
    )


def _write_file(path: Path, write: Callable[[BinaryIO], object]):
    """Writes `path` with `write(file)`, readable by all and on disk when this returns; returns what `write` did."""
    with open(path, "xb") as output:
        written = write(output)
        output.flush()
        os.fchmod(output.fileno(), PUBLIC_FILE_MODE)
        os.fsync(output.fileno())
    return written


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
    def of(cls, source: Dataset, pool: Executor) -> Snapshot:
        """The snapshot of `source`'s store; the two stores are filled in `pool`."""
        settings = source.settings
        graphs = [graph for graph in source.store.graphs() if graph != settings.graph_iri(META)]
        texts = {graph: source.store.graph_ntriples(graph) for graph in graphs}
        dataset, knowledge_graph = pyoxigraph.Store(), pyoxigraph.Store()
        sizes = pool.submit(_fill_dataset, dataset, texts)
        union = pool.submit(_fill_default_graph, knowledge_graph,
                            [texts.get(settings.graph_iri(name), b"") for name in DEFAULT_GRAPH])
        return cls(dataset, knowledge_graph, sizes.result(), union.result(), settings, dict(source.prefixes))

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
            self.dataset.dump(output, dump.format.rdf_format, prefixes=prefixes)
        elif dump.holds == KNOWLEDGE_GRAPH:
            self.knowledge_graph.dump(output, dump.format.rdf_format, from_graph=pyoxigraph.DefaultGraph(), prefixes=prefixes)
        else:
            graph = pyoxigraph.NamedNode(self.settings.graph_iri(dump.holds))
            self.dataset.dump(output, dump.format.rdf_format, from_graph=graph, prefixes=prefixes)


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
        store.load(text, pyoxigraph.RdfFormat.N_TRIPLES, to_graph=pyoxigraph.NamedNode(graph) if graph else None, lenient=True)
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


def _fsync(folder: Path) -> None:
    """Makes the names in `folder` (renames, new files) durable."""
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

"""The dumps: the published dataset written to files, atomically, with a manifest of their sizes and checksums.

Building validates nothing itself: its callers (`coopgraph build`, `serve` at start-up) validate first,
so a failed validation never reaches this module and the previous dumps stay as they were.

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
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO

import pyoxigraph
from pyoxigraph import RdfFormat
from tqdm import tqdm

from server.loading import ONTOLOGY, SHAPES, sources_mtime
from server.representations import write_compact_jsonld
from server.settings import Settings
from server.store import Store

if TYPE_CHECKING:
    from server.state import AppState

MANIFEST = "manifest.json"
MANIFEST_FORMAT = 1
META = "meta"  # the named graph of the description, left out of every dump
LOCK = ".build.lock"
PUBLIC_FILE_MODE = 0o644

# What a dump holds: every named graph (as quads), the default graph SPARQL sees (data + ontology), or one graph.
DATASET, KNOWLEDGE_GRAPH = "dataset", "knowledge graph"


@dataclass(frozen=True)
class Dump:
    name: str
    media_type: str  # of the RDF inside, before any gzip
    holds: str  # DATASET, KNOWLEDGE_GRAPH, or a graph's short name
    rdf_format: RdfFormat | None  # None: compacted JSON-LD, which rdflib writes
    gzipped: bool = False

    @property
    def format_name(self) -> str:
        name = self.rdf_format.name if self.rdf_format else "JSON-LD (compacted)"
        return f"{name}, gzipped" if self.gzipped else name

    @property
    def served_type(self) -> str:
        """What /dumps/<name> says it is: a .gz file is application/gzip, saved as it is."""
        return "application/gzip" if self.gzipped else self.media_type


DUMPS: tuple[Dump, ...] = (
    Dump("coopgraph.trig", "application/trig", DATASET, RdfFormat.TRIG),
    Dump("coopgraph.nq.gz", "application/n-quads", DATASET, RdfFormat.N_QUADS, gzipped=True),
    Dump("coopgraph.ttl", "text/turtle", KNOWLEDGE_GRAPH, RdfFormat.TURTLE),
    Dump("coopgraph.nt.gz", "application/n-triples", KNOWLEDGE_GRAPH, RdfFormat.N_TRIPLES, gzipped=True),
    Dump("coopgraph.jsonld", "application/ld+json", KNOWLEDGE_GRAPH, None),
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
    writer = _Writer(state)
    written: list[tuple[Path, DumpFile]] = []
    try:
        with tqdm(total=writer.total_statements(), unit=" statements", unit_scale=True,
                  disable=not progress, desc="dumps", leave=False) as bar:
            for dump in DUMPS:
                bar.set_postfix_str(dump.name)
                written.append(_write_part(folder, dump, writer, bar.update))
        manifest = Manifest(state.version, state.settings.base_iri, _now(), tuple(entry for _, entry in written))
        for part, entry in written:
            os.replace(part, folder / entry.name)
        _write_file_atomically(folder / MANIFEST, manifest.json().encode())
        _fsync_folder(folder)
        return manifest
    finally:
        for part, _ in written:
            part.unlink(missing_ok=True)  # already renamed, unless something failed


def _write_part(folder: Path, dump: Dump, writer: _Writer, advance: Callable[[int], None]) -> tuple[Path, DumpFile]:
    """Writes one dump to a hidden temporary file in `folder`; returns it with its manifest entry."""
    with _part_file(folder, dump.name) as raw:
        hashed = _HashingWriter(raw)
        if dump.gzipped:
            # No name and a zero time in the gzip header: the same data gives the same bytes.
            # Level 6, as gzip(1): twice as fast as 9 here, for files some 8 % larger.
            with gzip.GzipFile(filename="", mode="wb", fileobj=hashed, mtime=0, compresslevel=6) as compressed:
                statements = writer.write(dump, compressed, advance)
        else:
            statements = writer.write(dump, hashed, advance)
    part = Path(raw.name)
    info = part.stat()
    entry = DumpFile(
        name=dump.name,
        media_type=dump.media_type,
        encoding="gzip" if dump.gzipped else None,
        bytes=hashed.size,
        sha256=hashed.sha256.hexdigest(),
        statements=statements,
        modified=_iso(info.st_mtime),
        mtime_ns=info.st_mtime_ns,
    )
    return part, entry


class _Writer:
    """Streams what each dump holds from the store into its serialiser."""

    def __init__(self, state: AppState):
        self.store, self.settings = state.store, state.settings
        self.prefixes, self.context = dict(state.prefixes), state.jsonld_context  # as the server publishes them

    def graphs(self) -> list[str]:
        """The named graphs a dataset dump holds: all but the description."""
        return [g for g in self.store.graphs() if g != self.settings.graph_iri(META)]

    def statements(self, dump: Dump) -> Iterable[pyoxigraph.Triple | pyoxigraph.Quad]:
        if dump.holds == DATASET:
            return (quad for graph in self.graphs() for quad in self.store.quads(graph))
        if dump.holds == KNOWLEDGE_GRAPH:
            # The default graph, each triple once even when both graphs state it.
            return self.store.run_file("dump-default-graph")
        return (quad.triple for quad in self.store.quads(self.settings.graph_iri(dump.holds)))

    def total_statements(self) -> int:
        """How many statements the build writes in all, for the progress bar."""
        sizes = {
            DATASET: sum(self.store.count(graph) for graph in self.graphs()),
            KNOWLEDGE_GRAPH: knowledge_graph_size(self.store),
            ONTOLOGY: self.store.count(self.settings.graph_iri(ONTOLOGY)),
            SHAPES: self.store.count(self.settings.graph_iri(SHAPES)),
        }
        return sum(sizes[dump.holds] for dump in DUMPS)

    def write(self, dump: Dump, output: BinaryIO, advance: Callable[[int], None]) -> int:
        counted = _Tally(self.statements(dump), advance)
        if dump.rdf_format is None:
            write_compact_jsonld(counted, self.context, output)
        else:
            pyoxigraph.serialize(counted, output, dump.rdf_format, prefixes=self.prefixes)
        counted.finish()
        return counted.count


def knowledge_graph_size(store: Store) -> int:
    """Distinct triples in the default graph (the union of data and ontology)."""
    (row,) = store.run_file("void-totals")
    return int(row["triples"].value)


class _Tally:
    """Passes statements through, counting them and moving the progress bar every thousand."""

    STEP = 1000

    def __init__(self, statements: Iterable, advance: Callable[[int], None]):
        self._statements, self._advance, self.count = statements, advance, 0

    def __iter__(self):
        for statement in self._statements:
            self.count += 1
            if self.count % self.STEP == 0:
                self._advance(self.STEP)
            yield statement

    def finish(self) -> None:
        self._advance(self.count % self.STEP)


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

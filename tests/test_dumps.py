"""`coopgraph build` and server.dumps: every dump round-trips, writes are atomic, failures write nothing.

Builds go to temporary folders. The edge-case project (tests/fixtures/dumps/edge) has blank nodes
(nested, shared, in a list), awkward literals, several scripts and a triple both the data and the
ontology state; test_dumps_http.py runs the same round trip on the real project, through a live server.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import os
import shutil
import threading
import uuid
from pathlib import Path

import pyoxigraph
import pytest
import rdflib
from pyoxigraph import Quad, RdfFormat
from tqdm import tqdm

from conftest import FIXTURES, run_cli
from server.graphs import DEFAULT_GRAPH
from server.dataset import Dataset
from server.dumps import (
    BUILDS, DATASET, DUMPS, DUMPS_BY_NAME, KNOWLEDGE_GRAPH, MANIFEST, META, PIN, Snapshot, build_dumps,
    current_build, current_manifest, ensure_dumps, pin, read_manifest,
)
from server.jsonld import compact_jsonld
from server.settings import Settings
from server.store import MemoryStore
from server.store.load import load
from server.void import publish

EDGE = FIXTURES / "dumps" / "edge"
# rdflib warns about its own Dataset internals while parsing N-Quads and TriG: noise here.
pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning:rdflib")
RDFLIB_FORMATS = {
    "application/trig": "trig", "application/n-quads": "nquads", "text/turtle": "turtle",
    "application/n-triples": "nt", "application/ld+json": "json-ld", "application/rdf+xml": "xml",
}
PARSERS = ("pyoxigraph", "rdflib")


# --- what a dump should hold, and reading it back -------------------------------------------------

def expected_quads(store, settings: Settings, holds: str) -> list[Quad]:
    """What the store holds for a dump, computed without the dump code: every graph but the description,
    the set union of data and ontology, or one graph (as default-graph quads)."""
    if holds == DATASET:
        return [q for g in store.graphs() if g != settings.graph_iri(META) for q in store.quads(g)]
    graphs = DEFAULT_GRAPH if holds == KNOWLEDGE_GRAPH else (holds,)
    triples = {q.triple for g in graphs for q in store.quads(settings.graph_iri(g))}
    return [Quad(t.subject, t.predicate, t.object) for t in triples]


def dump_bytes(data: bytes, name: str) -> bytes:
    return gzip.decompress(data) if DUMPS_BY_NAME[name].gzipped else data


def assert_round_trips(data: bytes, name: str, parser: str, expected: list[Quad]) -> None:
    """The dump `name` (its file bytes) parses back into what `expected` holds, blank node labels aside.

    Both sides get canonical blank node labels (pyoxigraph's canonicalisation), so isomorphic datasets
    are equal as sets; it is much faster than rdflib.compare on the shapes' many similar blank nodes."""
    dump = DUMPS_BY_NAME[name]
    text = dump_bytes(data, name)
    if parser == "pyoxigraph":
        fmt = RdfFormat.from_media_type(dump.media_type)
        parsed = [Quad(q.subject, q.predicate, q.object, q.graph_name) for q in pyoxigraph.parse(text, format=fmt)]
        assert len(parsed) == len(expected), f"{name} repeats or loses statements"
    else:
        # What rdflib reads, handed over as N-Quads; the expected side takes the same way, so rdflib's
        # normalisation of literals ("01"^^xsd:integer -> "1") is applied to both.
        parsed = through_rdflib(text, RDFLIB_FORMATS[dump.media_type])
        expected = through_rdflib(pyoxigraph.serialize(expected, format=RdfFormat.N_QUADS), "nquads")
    assert canonical(parsed) == canonical(expected), f"{name} read by {parser} differs from the store"


def canonical(quads: list[Quad]) -> set[Quad]:
    dataset = pyoxigraph.Dataset(quads)
    dataset.canonicalize(pyoxigraph.CanonicalizationAlgorithm.UNSTABLE)
    return set(dataset)


def through_rdflib(data: bytes, fmt: str) -> list[Quad]:
    dataset = rdflib.Dataset()
    dataset.parse(data=data, format=fmt)
    assert len(dataset) or not data.strip(), "rdflib read nothing"
    return list(pyoxigraph.parse(dataset.serialize(format="nquads", encoding="utf-8"), format=RdfFormat.N_QUADS))


def folder_snapshot(folder: Path) -> dict[str, tuple[bytes, int] | str]:
    """Every file and link below a folder, hidden ones included, with its bytes and mtime (a link: its target)."""
    return {str(p.relative_to(folder)): str(p.readlink()) if p.is_symlink() else (p.read_bytes(), p.stat().st_mtime_ns)
            for p in sorted(folder.rglob("*")) if p.is_symlink() or p.is_file()}


# --- fixtures --------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def edge(tmp_path_factory):
    """The edge project, loaded, with its dumps built into a temporary var/ folder: (dataset, the build's
    folder, its manifest)."""
    dataset = Dataset.load(Settings(root=EDGE, var_dir=tmp_path_factory.mktemp("edge-var")))
    manifest = build_dumps(dataset, dataset.settings.dumps_dir)
    return dataset, current_build(dataset.settings.dumps_dir), manifest


def copy_project(source: Path, target: Path) -> Path:
    for part in ("ontology", "data", "shapes"):
        shutil.copytree(source / part, target / part)
    return target


# --- tests -----------------------------------------------------------------------------------------

@pytest.mark.parametrize("parser", PARSERS)
@pytest.mark.parametrize("name", [dump.name for dump in DUMPS])
def test_every_dump_round_trips(edge, name, parser):
    dataset, folder, _ = edge
    expected = expected_quads(dataset.store, dataset.settings, DUMPS_BY_NAME[name].holds)
    assert expected, "the fixture should give every dump something to hold"
    assert_round_trips((folder / name).read_bytes(), name, parser, expected)


def test_the_manifest_gives_each_file_its_size_checksum_and_count(edge):
    dataset, folder, manifest = edge
    assert [f.name for f in manifest.files] == [d.name for d in DUMPS]
    assert read_manifest(folder) == manifest
    on_disk = json.loads((folder / MANIFEST).read_text())
    assert (on_disk["dataset_version"], on_disk["base_iri"]) == (dataset.version, dataset.settings.base_iri)
    for entry in manifest.files:
        data = (folder / entry.name).read_bytes()
        assert entry.bytes == len(data)
        assert entry.sha256 == hashlib.sha256(data).hexdigest()
        assert entry.statements == len(expected_quads(dataset.store, dataset.settings, entry.dump.holds))
        assert (entry.encoding == "gzip") == entry.name.endswith(".gz")


def test_the_knowledge_graph_holds_a_triple_of_both_graphs_once(edge):
    dataset, folder, manifest = edge
    city_label = b'<http://127.0.0.1:8000/def#City> <http://www.w3.org/2000/01/rdf-schema#label> "city"@en .'
    lines = gzip.decompress((folder / "coopgraph.nt.gz").read_bytes()).splitlines()
    assert lines.count(city_label) == 1
    quads = gzip.decompress((folder / "coopgraph.nq.gz").read_bytes()).splitlines()
    assert sum(line.startswith(city_label[:-2]) for line in quads) == 2  # once per named graph
    # Every dump of the knowledge graph counts it once: one statement fewer than its graphs hold.
    both = sum(dataset.store.count(dataset.settings.graph_iri(graph)) for graph in DEFAULT_GRAPH)
    for entry in manifest.files:
        if entry.dump.holds == KNOWLEDGE_GRAPH:
            assert entry.statements == both - 1, entry.name


def test_the_jsonld_dump_is_expanded_and_the_published_context_compacts_it(edge):
    dataset, folder, _ = edge
    text = (folder / "coopgraph.jsonld").read_bytes()
    document = json.loads(text)
    assert isinstance(document, list) and document  # expanded: node objects, no @context, full IRIs
    assert "@context" not in text.decode() and all(key.startswith(("@", "http")) for node in document for key in node)
    assert DUMPS_BY_NAME["coopgraph.jsonld"].format_name == "JSON-LD (expanded)"
    read_by_oxigraph = [Quad(*t) for t in pyoxigraph.parse(text, RdfFormat.JSON_LD)]
    assert canonical(through_rdflib(text, "json-ld")) == canonical(read_by_oxigraph)
    # Compacted with the context /context.jsonld publishes, as entity documents are, it says the same.
    compacted = compact_jsonld([q.triple for q in read_by_oxigraph], dataset.jsonld_context)
    assert json.loads(compacted)["@context"]
    assert canonical(through_rdflib(compacted, "json-ld")) == canonical(through_rdflib(text, "json-ld"))


def test_the_progress_bar_counts_every_statement_written(edge, tmp_path, monkeypatch):
    dataset, _, _ = edge
    bars = {}

    class WatchedBar(tqdm):
        def close(self):  # tqdm closes a bar again when it is collected
            bars[id(self)] = (self.total, self.n)
            super().close()

    monkeypatch.setattr("server.dumps.tqdm", WatchedBar)
    manifest = build_dumps(dataset, tmp_path, progress=True)
    statements = sum(entry.statements for entry in manifest.files)
    assert list(bars.values()) == [(statements, statements)]


@pytest.mark.parametrize("backend", ["disk", "remote"])
def test_a_store_on_disk_or_behind_sparql_gives_the_same_dumps(backend, tmp_path, request):
    """The dumps read the store's graphs as N-Triples the store writes (a CONSTRUCT on a remote one):
    built from each backend, they hold what the content folders do."""
    if backend == "disk":
        store = {"store_path": tmp_path / "store"}
    else:
        store = {"remote_endpoint": request.getfixturevalue("oxigraph_server").query_endpoint}
    settings = Settings(root=EDGE, var_dir=tmp_path / "var", base_iri=f"http://{backend}-{uuid.uuid4().hex[:8]}.test/",
                        store=backend, **store)
    load(settings)
    manifest = build_dumps(Dataset.load(settings), tmp_path / "dumps")
    reference = MemoryStore.from_sources(settings)
    for entry in manifest.files:
        expected = expected_quads(reference, settings, entry.dump.holds)
        assert entry.statements == len(expected), entry.name
        assert_round_trips((current_build(tmp_path / "dumps") / entry.name).read_bytes(), entry.name, "pyoxigraph",
                           expected)


def test_dumps_leave_out_the_description_graph(edge, tmp_path):
    dataset, _, _ = edge
    publish(dataset, tmp_path / "served")  # puts the description into graph/meta
    assert dataset.store.count(dataset.settings.graph_iri(META)) > 0
    manifest = build_dumps(dataset, tmp_path / "built")
    meta = dataset.settings.graph_iri(META).encode()
    for entry in manifest.files:
        assert meta not in dump_bytes((current_build(tmp_path / "built") / entry.name).read_bytes(), entry.name), entry.name


def test_the_build_command_validates_then_writes_every_dump(tmp_path):
    result = run_cli("build", "--root", str(EDGE), "--out", str(tmp_path / "out"))
    assert result.returncode == 0, result.stderr
    listed = [line.split() for line in result.stdout.splitlines()]
    manifest = current_manifest(tmp_path / "out")
    assert [(f.sha256, str(f.bytes), f.name) for f in manifest.files] == [tuple(line) for line in listed]
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == [".build.lock", BUILDS, "current"]
    (build,) = (tmp_path / "out" / BUILDS).iterdir()
    assert current_build(tmp_path / "out") == build
    assert sorted(p.name for p in build.iterdir()) == sorted([d.name for d in DUMPS] + [MANIFEST, PIN])


def test_a_build_that_fails_validation_leaves_the_previous_dumps_untouched(tmp_path):
    root = copy_project(EDGE, tmp_path / "project")
    out = tmp_path / "out"
    assert run_cli("build", "--root", str(root), "--out", str(out)).returncode == 0
    before = folder_snapshot(out)
    # An agreement with one party and no label: two violations.
    (root / "data" / "broken.ttl").write_text('@prefix cg: <def#> .\n<id/agreement/lonely> a cg:Agreement ;\n'
                                              '    cg:party <id/territory/lyon> .\n')
    result = run_cli("build", "--root", str(root), "--out", str(out))
    assert result.returncode == 1
    assert "data/broken.ttl" in result.stderr and "An agreement needs a label." in result.stderr
    assert folder_snapshot(out) == before


def test_a_build_of_unreadable_data_names_the_file_and_line_and_writes_nothing(tmp_path):
    root = copy_project(EDGE, tmp_path / "project")
    out = tmp_path / "out"
    assert run_cli("build", "--root", str(root), "--out", str(out)).returncode == 0
    before = folder_snapshot(out)
    (root / "data" / "typo.ttl").write_text('@prefix cg: <def#> .\n\n<id/x> a cg:Agreement\n<id/y> a cg:City .\n')
    result = run_cli("build", "--root", str(root), "--out", str(out))
    assert result.returncode == 2
    assert f"{root / 'data' / 'typo.ttl'}:4:" in result.stderr
    assert "Traceback" not in result.stderr
    assert folder_snapshot(out) == before


def test_a_build_that_fails_midway_leaves_the_folder_as_it_was(edge, tmp_path, monkeypatch):
    dataset, _, _ = edge
    build_dumps(dataset, tmp_path)
    before = folder_snapshot(tmp_path)
    write, finished = Snapshot.write, []

    def write_then_fill_the_disk(snapshot, dump, output):
        write(snapshot, dump, output)  # the whole file, then the disk is full
        if dump.name == "coopgraph.jsonld":
            raise OSError(28, "No space left on device")
        finished.append(dump.name)

    monkeypatch.setattr(Snapshot, "write", write_then_fill_the_disk)
    with pytest.raises(OSError, match="No space left"):
        build_dumps(dataset, tmp_path)
    # The JSON-LD dump is the fifth begun: a worker takes it once it has written one, so three at least are written.
    assert len(finished) >= 3
    assert folder_snapshot(tmp_path) == before  # no new build, no leftover folder


def test_a_pinned_build_never_changes_while_builds_replace_the_current_one(tmp_path):
    """Two versions of the data (two base IRIs) built in turn into one folder while readers pin the current
    build and read it, as servers do: every file read is as its pinned manifest says, a build a reader
    pinned before the builds began is still whole after them, and unpinned old builds are removed."""
    datasets = [Dataset.load(Settings(root=EDGE, base_iri=iri, validate_on_start=False, var_dir=tmp_path))
                for iri in ("http://one.example/", "http://two.example/")]
    built = [build_dumps(datasets[0], tmp_path)]
    server = pin(tmp_path)  # a server started before the builds
    stop, reads, errors = threading.Event(), [], []

    def rebuild():
        try:
            for turn in range(1, 7):
                built.append(build_dumps(datasets[turn % 2], tmp_path))
        except Exception as error:  # noqa: BLE001 -- reported by the assertion below
            errors.append(error)
        finally:
            stop.set()

    builder = threading.Thread(target=rebuild)
    builder.start()
    while not stop.is_set():
        reader = pin(tmp_path)
        try:
            for entry in reader.manifest.files:
                reads.append(hashlib.sha256((reader.folder / entry.name).read_bytes()).hexdigest() == entry.sha256)
        finally:
            reader.lock.close()
    builder.join()
    assert not errors
    assert len(reads) > 2 * len(DUMPS) and all(reads)
    assert read_manifest(server.folder) == built[0]
    for entry in built[0].files:
        assert hashlib.sha256((server.folder / entry.name).read_bytes()).hexdigest() == entry.sha256
    assert {entry.sha256 for entry in built[1].files} != {entry.sha256 for entry in built[2].files}
    # Left: the pinned build and the current one.
    assert sorted((tmp_path / BUILDS).iterdir()) == sorted({server.folder, current_build(tmp_path)})
    server.lock.close()
    build_dumps(datasets[0], tmp_path)
    assert list((tmp_path / BUILDS).iterdir()) == [current_build(tmp_path)]


def test_ensure_dumps_builds_only_what_is_missing_or_stale(tmp_path):
    root = copy_project(EDGE, tmp_path / "project")
    dataset = Dataset.load(Settings(root=root, var_dir=tmp_path / "var"))
    folder = tmp_path / "dumps"
    reasons = []
    first = ensure_dumps(dataset, folder, log=reasons.append)
    assert len(reasons) == 1 and "no dumps yet" in reasons[0]
    assert ensure_dumps(dataset, folder, log=reasons.append) == first and len(reasons) == 1

    (current_build(folder) / "coopgraph.ttl").unlink()
    again = ensure_dumps(dataset, folder, log=reasons.append)
    assert "coopgraph.ttl went missing" in reasons[-1] and (current_build(folder) / "coopgraph.ttl").is_file()

    later = again.built_at.timestamp() + 5
    os.utime(root / "data" / "agreements.ttl", (later, later))
    ensure_dumps(dataset, folder, log=reasons.append)
    assert "newer" in reasons[-1]

    other = Dataset.load(Settings(root=root, var_dir=tmp_path / "var", base_iri="http://elsewhere.example/",
                                  validate_on_start=False))
    rebuilt = ensure_dumps(other, folder, log=reasons.append)
    assert "base IRI" in reasons[-1] and rebuilt.base_iri == "http://elsewhere.example/"
    assert len(reasons) == 4


@pytest.mark.parametrize("entry_name", ["../../etc/passwd", "manifest.json", ".build.lock", "/etc/passwd"])
def test_a_manifest_naming_other_files_is_not_trusted(edge, tmp_path, entry_name):
    _, folder, _ = edge
    raw = json.loads((folder / MANIFEST).read_text())
    raw["files"][0]["name"] = entry_name
    (tmp_path / MANIFEST).write_text(json.dumps(raw))
    assert read_manifest(tmp_path) is None


def test_a_store_failing_mid_build_exits_2_with_a_message_and_writes_nothing(tmp_path, monkeypatch):
    """The store answers at start-up, then fails while the dumps read it: no traceback, nothing written."""
    from click.testing import CliRunner

    from server.cli import main
    from server.store import MemoryStore, StoreUnavailable

    def gone(self, graph):
        raise StoreUnavailable("the SPARQL store at http://127.0.0.1:9/query cannot be reached")

    monkeypatch.setattr(MemoryStore, "graph_ntriples", gone)
    out = tmp_path / "out"
    result = CliRunner().invoke(main, ["build", "--root", str(EDGE), "--out", str(out)])
    assert result.exit_code == 2, result.output
    assert "cannot be reached" in result.output and "are as they were" in result.output
    assert "Traceback" not in result.output
    assert current_build(out) is None and not [path for path in out.rglob("*") if path.is_file()
                                                   and path.name != ".build.lock"]

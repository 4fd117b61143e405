"""The store backends: memory, disk (a store `coopgraph load` filled, read-only) and remote (a real
Oxigraph server, `oxigraph serve` from PyPI, on 127.0.0.1).

* Live servers on each backend answer what an in-process app on the memory store answers, byte for
  byte, for entities in every format, SPARQL and the VoID counts; dumps hold the same quads.
* The remote store: 503 with Retry-After while Oxigraph is down, and back by itself when it returns;
  a load that fails half way leaves the previous data; other datasets on the server stay unseen;
  every query file of server/queries gives the same answers as on the embedded store.
* The disk store: generations swapped atomically, a failed load leaves the previous store, each
  process opens its own read-only handle quickly.
* `coopgraph load` exits 1 on violations and 2 with a message on anything unusable.
"""

from __future__ import annotations

import gzip
import json
import os
import re
import time
import uuid
from concurrent.futures import ThreadPoolExecutor

import pyoxigraph
import pytest
import requests

from conftest import FIXTURES, PROJECT_ROOT, run_cli
from server import create_app
from server.store.load import fill_store, load, staging_graph
from server.content import dataset_version, declared_prefixes
from server.settings import Settings
from server.state import app_state
from server.store import DiskStore, MemoryStore, RemoteStore, StoreNotLoaded, StoreUnavailable
from server.store.base import QUERIES_DIR
from server.store.client import SparqlClient
from server.store.generations import current_generation
from server.store.sparql_text import bind_values

VOID = "http://rdfs.org/ns/void#"
ENTITY_FORMATS = ("ttl", "jsonld", "html", "nt")
SAMPLE_ENTITIES = 12


# --- every backend answers as the memory store does ------------------------------------------------

@pytest.fixture(scope="session")
def reference(live_server, tmp_path_factory):
    """An in-process app on the memory store with the live server's base IRI: what every backend must answer."""
    settings = Settings(root=PROJECT_ROOT, base_iri=live_server.base_iri, validate_on_start=False,
                        var_dir=tmp_path_factory.mktemp("reference-var"))
    return create_app(settings).test_client()  # which puts the description in graph/meta, as `serve` does


@pytest.fixture(scope="session")
def reference_store(live_server) -> MemoryStore:
    return MemoryStore.from_sources(Settings(root=PROJECT_ROOT, base_iri=live_server.base_iri))


def sample_entities(store: MemoryStore) -> list[str]:
    """Entities of every kind (the first ones of each, in IRI order), from whatever the data holds."""
    rows = store.query("SELECT DISTINCT ?s WHERE { GRAPH <graph/data> { ?s ?p ?o } "
                       "FILTER(isIRI(?s) && STRSTARTS(STR(?s), STR(<id/>))) } ORDER BY ?s")
    by_kind: dict[str, list[str]] = {}
    for row in rows:
        kind = row["s"].value.split("/id/", 1)[1].split("/")[0]
        by_kind.setdefault(kind, []).append(row["s"].value)
    sample = [iris[0] for iris in by_kind.values()] + [iris[-1] for iris in by_kind.values()]
    assert len(by_kind) >= 5, by_kind.keys()
    return sorted(set(sample))[:3 * SAMPLE_ENTITIES]


RDF_FORMATS = {"ttl": pyoxigraph.RdfFormat.TURTLE, "nt": pyoxigraph.RdfFormat.N_TRIPLES,
               "jsonld": pyoxigraph.RdfFormat.JSON_LD}


def same_document(extension: str, found: bytes, expected: bytes) -> bool:
    """HTML byte for byte; RDF as canonical RDF: the triples may come in another order from another
    store (and rdflib orders JSON-LD nodes differently from one process to the next)."""
    if extension not in RDF_FORMATS:
        return found == expected
    return canonical(found, RDF_FORMATS[extension]) == canonical(expected, RDF_FORMATS[extension])


def canonical(document: bytes, rdf_format: pyoxigraph.RdfFormat) -> str:
    dataset = pyoxigraph.Dataset(pyoxigraph.parse(document, rdf_format))
    dataset.canonicalize(pyoxigraph.CanonicalizationAlgorithm.RDFC_1_0)
    return "\n".join(sorted(map(str, dataset)))


@pytest.mark.every_backend
def test_entity_documents_are_the_same_on_every_backend(live_server, reference, reference_store):
    session = requests.Session()
    different = []
    for iri in sample_entities(reference_store):
        path = "doc/" + iri.removeprefix(live_server.base_iri + "id/")
        for extension in ENTITY_FORMATS:
            expected = reference.get(f"/{path}.{extension}")
            assert expected.status_code == 200, (path, extension)
            response = session.get(f"{live_server.url}{path}.{extension}", timeout=30)
            if response.status_code != 200 or not same_document(extension, response.content, expected.data):
                different.append(f"{path}.{extension}: {response.status_code}")
    assert not different, f"{live_server.backend} differs from the memory store on {different}"


@pytest.mark.every_backend
def test_entity_iris_redirect_and_unknown_ones_are_404(live_server, reference_store):
    iri = sample_entities(reference_store)[0]
    response = requests.get(iri.replace(live_server.base_iri, live_server.url), headers={"Accept": "text/turtle"},
                            allow_redirects=False, timeout=30)
    assert response.status_code == 303 and response.headers["Location"].endswith(".ttl")
    missing = requests.get(live_server.url + "id/agreement/no-such-agreement", timeout=30)
    assert missing.status_code == 404


QUERIES = {
    "select": ("SELECT ?class (COUNT(?s) AS ?n) WHERE { ?s a ?class } GROUP BY ?class ORDER BY ?class",
               "application/sparql-results+json"),
    "graphs": ("SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } FILTER(?g != <graph/meta>) } "
               "GROUP BY ?g ORDER BY ?g", "text/csv"),
    "construct": ("PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#> "
                  "CONSTRUCT { ?s rdfs:label ?l } WHERE { GRAPH <graph/data> { ?s rdfs:label ?l } } ",
                  "application/n-triples"),
    "ask": ("ASK { GRAPH <graph/shapes> { ?s ?p ?o } }", "application/sparql-results+json"),
    "optional-order": ("PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#> SELECT ?s ?l WHERE { "
                       "?s a ?t FILTER(isIRI(?s)) OPTIONAL { ?s rdfs:label ?l FILTER(lang(?l) = 'en') } } "
                       "ORDER BY ?l ?s LIMIT 40",
                       "text/tab-separated-values"),
}


@pytest.mark.every_backend
@pytest.mark.parametrize("name", QUERIES)
def test_sparql_answers_are_the_same_on_every_backend(live_server, reference, name):
    query, accept = QUERIES[name]
    expected = reference.get("/sparql", query_string={"query": query}, headers={"Accept": accept})
    assert expected.status_code == 200, expected.data
    response = requests.post(live_server.url + "sparql", data={"query": query}, headers={"Accept": accept}, timeout=30)
    assert response.status_code == 200, response.text
    if accept == "application/n-triples":  # the same graph; triples may come in another order
        assert sorted(response.content.splitlines()) == sorted(expected.data.splitlines())
    else:
        assert response.content == expected.data


@pytest.mark.every_backend
def test_sparql_refuses_service_and_updates_on_every_backend(live_server):
    service = requests.get(live_server.url + "sparql", timeout=30, params={
        "query": "SELECT * WHERE { SERVICE <http://127.0.0.1:9/sparql> { ?s ?p ?o } }"})
    assert service.status_code == 400 and "SERVICE" in service.text
    update = requests.post(live_server.url + "sparql", data={"update": "DROP ALL"}, timeout=30)
    assert update.status_code == 403
    still_there = requests.get(live_server.url + "sparql", params={"query": "ASK { ?s ?p ?o }"},
                               headers={"Accept": "application/sparql-results+json"}, timeout=30)
    assert still_there.json()["boolean"] is True


@pytest.mark.every_backend
def test_void_counts_are_the_same_on_every_backend(live_server, reference):
    def counts(body: bytes, base: str) -> set:
        dataset = pyoxigraph.NamedNode(base + "dataset")
        return {(t.predicate.value, t.object.value) for t in pyoxigraph.parse(body, pyoxigraph.RdfFormat.N_TRIPLES)
                if t.subject == dataset and t.predicate.value.startswith(VOID) and isinstance(t.object, pyoxigraph.Literal)}

    expected = reference.get("/dataset", headers={"Accept": "application/n-triples"}, follow_redirects=True)
    response = requests.get(live_server.url + "dataset", headers={"Accept": "application/n-triples"}, timeout=30)
    assert response.status_code == 200
    found = counts(response.content, live_server.base_iri)
    assert found == counts(expected.data, live_server.base_iri)
    # CONSTRUCT gives each triple of the default graph (data + ontology) once, even when both graphs state it.
    default_graph = app_state(reference.application).dataset.store.query("CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }")
    assert (VOID + "triples", str(sum(1 for _ in default_graph))) in found


@pytest.mark.every_backend
def test_dumps_hold_the_same_quads_on_every_backend(live_server, reference_store):
    response = requests.get(live_server.url + "dumps/coopgraph.nq.gz", timeout=60)
    assert response.status_code == 200
    dumped = {str(q) for q in pyoxigraph.parse(gzip.decompress(response.content), pyoxigraph.RdfFormat.N_QUADS)}
    meta = live_server.base_iri + "graph/meta"
    expected = {str(q) for q in reference_store.quads() if q.graph_name.value != meta}
    # Blank node labels differ between stores: compare the quads without blank nodes, and count all.
    assert {q for q in dumped if "_:" not in q} == {q for q in expected if "_:" not in q}
    assert len(dumped) == len(expected)


@pytest.mark.every_backend
def test_healthz_reports_the_same_version_on_every_backend(live_server):
    body = requests.get(live_server.url + "healthz", timeout=10).json()
    assert body["version"] == dataset_version(Settings(root=PROJECT_ROOT, base_iri=live_server.base_iri))


# --- the remote store ----------------------------------------------------------------------------

@pytest.mark.backends("remote")
def test_remote_store_down_gives_503_then_recovers_by_itself(live_server, oxigraph_server):
    def uncached_query() -> requests.Response:  # a new comment each time: nothing can answer from a cache
        return requests.get(live_server.url + "sparql", params={"query": f"# {uuid.uuid4()}\nASK {{ ?s ?p ?o }}"},
                            headers={"Accept": "application/sparql-results+json"}, timeout=30)

    assert uncached_query().status_code == 200
    oxigraph_server.stop()
    try:
        down = uncached_query()
        assert down.status_code == 503
        assert down.headers["Retry-After"].isdigit()
        assert "data store does not answer" in down.text and "Traceback" not in down.text
        page = requests.get(live_server.url + "doc/territory/no-such-place.html", timeout=30)
        assert page.status_code == 503 and "Retry-After" in page.headers
        # Alive, not ready: an orchestrator keeps the process and sends its traffic elsewhere.
        assert requests.get(live_server.url + "healthz", timeout=30).status_code == 200
        ready = requests.get(live_server.url + "readyz", timeout=30)
        assert ready.status_code == 503 and ready.headers["Retry-After"].isdigit()
        assert ready.json()["status"] == "unavailable" and "store does not answer" in ready.json()["reason"]
    finally:
        oxigraph_server.start()
    assert uncached_query().status_code == 200  # no restart of coopgraph
    assert requests.get(live_server.url + "readyz", timeout=30).json()["status"] == "ready"
    metrics = requests.get(live_server.url + "metrics", timeout=30).text
    assert 'coopgraph_store_errors_total{kind="unavailable"}' in metrics


@pytest.mark.every_backend
def test_concurrent_new_queries_all_succeed(live_server):
    """Distinct queries at once (nothing cached): on the remote store they run in the web workers' threads."""
    def ask(n: int) -> int:
        query = f"# {uuid.uuid4()}\nSELECT (COUNT(*) AS ?n) WHERE {{ ?s ?p ?o FILTER(STRLEN(STR(?s)) > {n}) }}"
        return requests.get(live_server.url + "sparql", params={"query": query}, timeout=60,
                            headers={"Accept": "application/sparql-results+json"}).status_code

    with ThreadPoolExecutor(8) as pool:
        assert set(pool.map(ask, range(24))) == {200}


@pytest.fixture(scope="module")
def remote_settings(oxigraph_server) -> Settings:
    """The valid fixture, loaded into the shared Oxigraph under a base IRI of its own."""
    settings = Settings(root=FIXTURES / "valid", base_iri=f"http://remote-{uuid.uuid4().hex[:8]}.test/",
                        store="remote", remote_endpoint=oxigraph_server.query_endpoint)
    load(settings)
    return settings


def test_remote_store_reads_what_load_wrote(remote_settings):
    remote = RemoteStore(remote_settings)
    embedded = MemoryStore.from_sources(remote_settings)
    assert remote.version == embedded.version == dataset_version(remote_settings)
    assert int(remote.modified) == int(embedded.modified)
    ours = [remote_settings.graph_iri(name) for name in ("data", "entailed", "meta", "ontology", "shapes")]
    assert remote.graphs() == sorted(ours)  # the recorded answers' graph is not among them
    assert remote.prefixes == declared_prefixes(remote_settings)
    # The start-up queries are answered as `coopgraph load` recorded them, without a round trip.
    for name in ("predicate-usage", "classes-in-use", "void-totals"):
        assert sorted(map(str, remote.run_file(name))) == sorted(map(str, embedded.run_file(name)))
        assert any(key.startswith(name) for key in remote._answers)
    for graph in ("data", "ontology", "shapes"):
        iri = remote_settings.graph_iri(graph)
        assert remote.count(iri) == embedded.count(iri) > 0
        assert {str(q) for q in remote.quads(iri) if "_:" not in str(q)} == \
               {str(q) for q in embedded.quads(iri) if "_:" not in str(q)}


def test_remote_store_sees_no_other_dataset(remote_settings, oxigraph_server):
    other = Settings(root=FIXTURES / "valid", base_iri="http://another-dataset.test/", store="remote",
                     remote_endpoint=oxigraph_server.query_endpoint)
    load(other)
    remote = RemoteStore(remote_settings)
    graphs = {row["g"].value for row in remote.query("SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } }")}
    assert graphs and all(g.startswith(remote_settings.base_iri) for g in graphs)
    # Naming another dataset's graph, through the protocol or FROM, reads an empty graph.
    foreign = other.graph_iri("data")
    assert not bool(remote.query(f"ASK {{ GRAPH <{foreign}> {{ ?s ?p ?o }} }}", named_graphs=[foreign]))
    assert not list(remote.query("SELECT * WHERE { ?s ?p ?o }", default_graph=[foreign]))


def bound_queries() -> list[tuple[str, str]]:
    """(query file, variable) for every file of server/queries that says `Bind ?x`."""
    found = []
    for path in sorted(QUERIES_DIR.glob("*.rq")):
        found += [(path.stem, var) for var in re.findall(r"Bind \?(\w+)", path.read_text(encoding="utf-8"))]
    assert found
    return found


@pytest.mark.parametrize("name, variable", bound_queries())
def test_every_query_file_gives_the_same_answers_remotely(remote_settings, name, variable):
    """Bindings travel as VALUES to the remote store and as substitutions to the embedded one."""
    remote, embedded = RemoteStore(remote_settings), MemoryStore(remote_settings)
    fill_store(embedded, remote_settings)  # as `coopgraph load` fills the remote one, graph/meta included
    values = [row["s"] for row in embedded.query(
        "SELECT DISTINCT ?s WHERE { GRAPH ?g { ?s ?p ?o } FILTER(isIRI(?s)) } ORDER BY ?s LIMIT 3")]
    values += [pyoxigraph.NamedNode(remote_settings.graph_iri("data")), pyoxigraph.Literal(remote_settings.base_iri + "id/")]
    for value in values:
        expected = embedded.run_file(name, **{variable: value})
        found = remote.run_file(name, **{variable: value})
        if isinstance(expected, pyoxigraph.QuerySolutions):
            assert sorted(map(str, found)) == sorted(map(str, expected)), value
        else:
            assert {str(t) for t in found if "_:" not in str(t)} == {str(t) for t in expected if "_:" not in str(t)}


def test_a_remote_load_failing_half_way_leaves_the_previous_data(remote_settings, monkeypatch):
    before = RemoteStore(remote_settings)
    calls = []
    real_update = SparqlClient.update

    def failing_update(self, text, timeout_s=None):
        calls.append(text)
        if len(calls) == 3:  # after the first chunk went to a staging graph
            raise StoreUnavailable("the connection broke")
        return real_update(self, text, timeout_s)

    monkeypatch.setattr(SparqlClient, "update", failing_update)
    broken = Settings(root=FIXTURES / "dumps" / "edge", base_iri=remote_settings.base_iri, store="remote",
                      remote_endpoint=remote_settings.remote_endpoint, remote_graph_store="none")  # INSERT DATA
    with pytest.raises(StoreUnavailable):
        load(broken)
    monkeypatch.setattr(SparqlClient, "update", real_update)
    after = RemoteStore(remote_settings)
    assert after.version == before.version
    assert after.count(remote_settings.graph_iri("data")) == before.count(remote_settings.graph_iri("data"))
    staged = after.client.query(f"ASK {{ GRAPH <{staging_graph(remote_settings, 'data')}> {{ ?s ?p ?o }} }}")
    assert not bool(staged)


def test_a_runaway_query_on_the_remote_store_is_a_504_at_the_deadline(oxigraph_server, tmp_path):
    """No worker process to kill for a remote store: the HTTP deadline stops the wait, never a cut 200."""
    settings = Settings(root=FIXTURES / "sparql" / "limits", base_iri="http://runaway.test/", store="remote",
                        remote_endpoint=oxigraph_server.query_endpoint, query_timeout_s=1.0,
                        validate_on_start=False, var_dir=tmp_path)
    load(settings)
    client = create_app(settings).test_client()
    runaway = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }"
    started = time.monotonic()
    response = client.get("/sparql", query_string={"query": runaway}, headers={"Accept": "application/sparql-results+json"})
    assert response.status_code == 504 and b"time limit of 1 s" in response.data
    assert time.monotonic() - started < 4
    quick = client.get("/sparql", query_string={"query": "ASK { ?s ?p ?o }"}, headers={"Accept": "application/sparql-results+json"})
    assert quick.status_code == 200


def test_bind_values_goes_into_the_where_group():
    iri = "http://example.test/x"
    cases = {
        "SELECT ?s WHERE { ?s ?p ?o }": "SELECT ?s WHERE { VALUES (?s)",
        "select ?s { ?s ?p ?o }": "select ?s { VALUES (?s)",
        "CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }": "CONSTRUCT { ?s ?p ?o } WHERE { VALUES (?s)",
        "ASK { ?s ?p ?o }": "ASK { VALUES (?s)",
        '# a { comment }\nPREFIX x: <http://x/a#b>\nSELECT ?s WHERE { ?s ?p "}{" , \'\'\'}\'\'\' }':
            'SELECT ?s WHERE { VALUES (?s)',
    }
    for query, start in cases.items():
        bound = bind_values(query, {"s": iri})
        assert start in bound and f"(<{iri}>)" in bound, bound
        assert pyoxigraph.Store().query(bound) is not None  # still valid SPARQL
    with pytest.raises(ValueError):
        bind_values("SELECT ?s WHERE { ?s ?p ?o }", {"s": "not an IRI> } DROP ALL"})
    with pytest.raises(ValueError):  # the short form takes triple patterns only
        bind_values("CONSTRUCT WHERE { ?s ?p ?o }", {"s": iri})
    escaped = bind_values("SELECT ?s WHERE { ?s ?p ?o }", {"o": pyoxigraph.Literal('a" } DROP ALL #')})
    assert 'VALUES (?o) { ("a\\" } DROP ALL #") }' in escaped


# --- the disk store ------------------------------------------------------------------------------

@pytest.fixture
def disk_settings(tmp_path) -> Settings:
    return Settings(root=FIXTURES / "valid", base_iri="http://disk.test/", store="disk",
                    store_path=tmp_path / "store", var_dir=tmp_path / "var")


def test_disk_store_opens_fast_and_holds_what_memory_holds(disk_settings):
    load(disk_settings)
    started = time.perf_counter()
    disk = DiskStore(disk_settings)
    disk.count()
    assert time.perf_counter() - started < 1.0
    memory = MemoryStore.from_sources(disk_settings)
    assert disk.version == memory.version
    for graph in ("data", "ontology", "shapes"):
        iri = disk_settings.graph_iri(graph)
        assert disk.count(iri) == memory.count(iri) > 0
    described = disk.query("ASK { GRAPH <graph/meta> { <dataset> a <http://rdfs.org/ns/void#Dataset> } }")
    assert bool(described)  # the description `coopgraph load` wrote
    # The start-up queries over the whole dataset are answered as `coopgraph load` recorded them,
    # before graph/meta was written: as a memory store answers them.
    answers = json.loads((current_generation(disk_settings) / "answers.json").read_text())
    for name in ("predicate-usage", "classes-in-use", "void-totals", "void-class-partitions"):
        assert name in answers
        assert sorted(map(str, disk.run_file(name))) == sorted(map(str, memory.run_file(name)))
    assert disk.prefixes == declared_prefixes(disk_settings)  # recorded: a restart does not parse the sources
    disk.replace_graph(disk_settings.graph_iri("meta"), [])  # read-only: kept as loaded
    assert bool(disk.query("ASK { GRAPH <graph/meta> { ?s ?p ?o } }"))


def test_disk_store_opens_its_own_handle_in_each_process(disk_settings):
    load(disk_settings)
    disk = DiskStore(disk_settings)
    parent_count = disk.count(disk_settings.graph_iri("data"))
    reader, writer = os.pipe()
    child = os.fork()
    if child == 0:  # pragma: no cover - the child reports through the pipe
        try:
            disk._counts.clear()  # counted again, through a handle of its own
            os.write(writer, str(disk.count(disk_settings.graph_iri("data"))).encode())
        finally:
            os._exit(0)
    os.close(writer)
    answer = os.read(reader, 64).decode()
    os.waitpid(child, 0)
    assert answer == str(parent_count)
    assert len(disk._handles) == 1 and os.getpid() in disk._handles


def test_disk_load_swaps_generations_and_a_failed_load_keeps_the_old_store(disk_settings, tmp_path):
    load(disk_settings)
    first = current_generation(disk_settings)
    opened = DiskStore(disk_settings)
    load(disk_settings)
    second = current_generation(disk_settings)
    assert second != first and opened.count() > 0  # a server started before still reads its generation
    load(disk_settings)
    generations = sorted(p.name for p in (disk_settings.store_path / "generations").iterdir())
    assert len(generations) == 2 and second.name in generations

    result = run_cli("load", "--root", str(FIXTURES / "broken"), "--base-iri", "http://disk.test/", "--no-validate",
                     "--store", "disk", "--store-path", str(disk_settings.store_path))
    assert result.returncode == 2 and "broken.ttl:" in result.stderr and "Traceback" not in result.stderr
    assert current_generation(disk_settings).name == generations[-1]
    assert not list((disk_settings.store_path / "generations").glob(".loading-*"))
    assert DiskStore(disk_settings).version == dataset_version(disk_settings)


def test_disk_store_not_loaded_says_to_run_load(tmp_path):
    with pytest.raises(StoreNotLoaded, match="coopgraph load"):
        DiskStore(Settings(root=FIXTURES / "valid", store="disk", store_path=tmp_path / "nothing"))
    served = run_cli("serve", "--root", str(FIXTURES / "valid"), "--store", "disk", "--store-path",
                     str(tmp_path / "nothing"), "--port", "1")
    assert served.returncode == 2 and "coopgraph load" in served.stderr and "Traceback" not in served.stderr


# --- `coopgraph load` on the command line --------------------------------------------------------

def test_load_exit_codes(tmp_path):
    memory = run_cli("load", "--root", str(FIXTURES / "valid"))
    assert memory.returncode == 2 and "--store disk" in memory.stderr
    invalid = run_cli("load", "--root", str(FIXTURES / "invalid"), "--store", "disk", "--store-path", str(tmp_path / "s"))
    assert invalid.returncode == 1 and "An agreement needs a label." in invalid.stderr
    assert not (tmp_path / "s" / "current").exists()
    down = run_cli("load", "--root", str(FIXTURES / "valid"), "--no-validate", "--store", "remote",
                   "--remote-endpoint", "http://127.0.0.1:9/query")
    assert down.returncode == 2 and "cannot be reached" in down.stderr and "Traceback" not in down.stderr
    bad = run_cli("load", "--root", str(FIXTURES / "valid"), "--store", "remote")
    assert bad.returncode == 2 and "remote_endpoint" in bad.stderr


def test_load_then_serve_on_disk(tmp_path):
    from conftest import free_port, start_server

    port = free_port()
    base = f"http://127.0.0.1:{port}/"
    store = ["--store", "disk", "--store-path", str(tmp_path / "store")]
    loaded = run_cli("load", "--root", str(FIXTURES / "valid"), "--base-iri", base, *store)
    assert loaded.returncode == 0, loaded.stderr
    assert "loaded" in loaded.stderr and "disk store" in loaded.stderr
    server = start_server(FIXTURES / "valid", *store, port=port, env={"COOPGRAPH_VAR_DIR": str(tmp_path / "var")})
    live = next(server)
    try:
        health = requests.get(live.url + "healthz", timeout=10).json()
        assert health["version"] == dataset_version(Settings(root=FIXTURES / "valid", base_iri=base))
    finally:
        server.close()


@pytest.mark.every_backend
def test_a_query_the_engine_cannot_evaluate_is_the_clients_error(live_server):
    """An unknown function is the query's fault (400, in the engine's words), never a gateway failure (502)."""
    response = requests.get(live_server.url + "sparql", params={"query": "SELECT * WHERE { BIND(<urn:no:fn>(1) AS ?x) }"},
                            headers={"Accept": "application/sparql-results+json"}, timeout=30)
    assert response.status_code in (200, 400), response.text
    if response.status_code == 400:
        assert "urn:no:fn" in response.text
    assert requests.get(live_server.url + "healthz", timeout=10).status_code == 200


def test_queries_to_an_oxigraph_engine_skip_the_full_check_safely(remote_settings, monkeypatch):
    """Oxigraph's query endpoint parses queries only, so a query without SERVICE or FROM goes straight to it
    (no rdflib parse, milliseconds saved); an update sent as a query still gets its 403, SERVICE its 400."""
    from server.sparql import runner as runner_module
    from server.sparql.check import QueryRefused
    from server.sparql.runner import Limits, QueryJob, QueryRunner

    store = RemoteStore(remote_settings)
    assert store.query_refuses_updates is True
    checks = []
    real = runner_module.check_query
    monkeypatch.setattr(runner_module, "check_query", lambda *args: checks.append(1) or real(*args))
    runner = QueryRunner(store, remote_settings.base_iri, Limits(10, 100, 10**6, 100, 2))
    result = runner.run(QueryJob("SELECT * WHERE { ?s ?p ?o } LIMIT 1", accept="application/sparql-results+json"))
    assert result.form == "SELECT" and not checks
    for text, status in (("INSERT DATA { <urn:a> <urn:b> <urn:c> }", 403),
                         ("SELECT * WHERE { SERVICE <http://127.0.0.1:9/> { ?s ?p ?o } }", 400)):
        with pytest.raises(QueryRefused) as refused:
            runner.run(QueryJob(text))
        assert refused.value.status == status

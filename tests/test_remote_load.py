"""`coopgraph load --store remote` through the SPARQL 1.1 Graph Store Protocol, on a real `oxigraph serve`:

* a load through the Graph Store gives the same graphs as a load through INSERT DATA, blank nodes
  and the recorded answers included; "auto" finds Oxigraph's /store, and only Oxigraph's;
* a Graph Store that answers 404, refuses the connection (from the start, or when the server goes
  down mid-load) or belongs to another server: an error naming the server and the graph (exit 2 on
  the command line, no traceback), and the previous dataset stays as it was;
* the setting's validation.
"""

from __future__ import annotations

import subprocess
import sys
import time

import pyoxigraph
import pytest
import requests

from backends import OxigraphServer
from conftest import FIXTURES, free_port, run_cli
from server.store.graph_store import graph_store_for
from server.store.load import load, staging_graph
from server.settings import Settings, SettingsError
from server.graphs import NAMED_GRAPHS
from server.store import RemoteStore, StoreError, StoreUnavailable
from server.store.records import answers_graph

EDGE = FIXTURES / "dumps" / "edge"  # blank nodes, odd literals, files in subfolders
VALID = FIXTURES / "valid"
BASE_IRI = "http://graph-store.test/"


@pytest.fixture
def oxigraph(tmp_path):
    """An Oxigraph server of the test's own, so a test may stop it."""
    server = OxigraphServer(tmp_path / "oxigraph")
    server.start()
    yield server
    server.stop()


def remote(oxigraph: OxigraphServer, root=EDGE, graph_store: str = "auto", **overrides) -> Settings:
    return Settings(root=root, base_iri=BASE_IRI, store="remote", remote_endpoint=oxigraph.query_endpoint,
                    remote_graph_store=graph_store, validate_on_start=False, **overrides)


def served(settings: Settings) -> set[str]:
    """Everything the server holds for the dataset (its graphs and the recorded answers), with blank
    nodes canonicalised: two loads of the same content give the same set."""
    store = RemoteStore(settings)
    quads = list(store.quads())
    graph = answers_graph(settings)
    rows = store.client.query(f"SELECT ?s ?p ?o WHERE {{ GRAPH <{graph}> {{ ?s ?p ?o }} }}", [], [graph])
    quads += [pyoxigraph.Quad(row["s"], row["p"], row["o"], pyoxigraph.NamedNode(graph)) for row in rows]
    dataset = pyoxigraph.Dataset(quads)
    dataset.canonicalize(pyoxigraph.CanonicalizationAlgorithm.RDFC_1_0)
    return set(map(str, dataset))


def staging_graphs_left(settings: Settings) -> list[str]:
    client = RemoteStore(settings).client
    staged = [staging_graph(settings, name) for name in NAMED_GRAPHS]
    return [graph for graph in staged if bool(client.query(f"ASK {{ GRAPH <{graph}> {{ ?s ?p ?o }} }}", [], [graph]))]


def wait_until_answering(url: str, timeout_s: float = 10) -> None:
    deadline = time.monotonic() + timeout_s
    while True:
        try:
            requests.head(url, timeout=1)
            return
        except requests.ConnectionError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.05)


def load_args(oxigraph: OxigraphServer, root=EDGE, *extra: str) -> list[str]:
    return ["load", "--root", str(root), "--base-iri", BASE_IRI, "--no-validate", "--store", "remote",
            "--remote-endpoint", oxigraph.query_endpoint, *extra]


def test_a_graph_store_load_gives_what_an_insert_data_load_gives(oxigraph):
    by_update = load(remote(oxigraph, graph_store="none"))
    assert by_update.via == oxigraph.url + "update" and set(by_update.phases) == {"staging", "upload", "swap", "cleanup"}
    through_updates = served(remote(oxigraph))
    assert any("_:" in quad for quad in through_updates)  # the blank nodes went through too
    assert len(through_updates) == by_update.quads + 1  # and the recorded answers

    by_put = load(remote(oxigraph))  # "auto" on Oxigraph: its Graph Store
    assert by_put.via == oxigraph.url + "store"
    assert (by_put.version, by_put.quads) == (by_update.version, by_update.quads)
    assert served(remote(oxigraph)) == through_updates
    assert not staging_graphs_left(remote(oxigraph))

    smaller = load(remote(oxigraph, root=VALID, graph_store=oxigraph.url + "store"))  # a reload replaces
    assert served(remote(oxigraph)) != through_updates
    assert RemoteStore(remote(oxigraph)).count() == smaller.quads


def test_the_command_line_loads_through_the_graph_store(oxigraph):
    result = run_cli(*load_args(oxigraph))
    assert result.returncode == 0, result.stderr
    assert f"graphs sent to {oxigraph.url}store" in result.stderr and "swap" in result.stderr
    assert RemoteStore(remote(oxigraph)).version == load(remote(oxigraph, graph_store="none")).version


def test_auto_uses_the_graph_store_of_oxigraph_only(oxigraph, tmp_path):
    assert graph_store_for(remote(oxigraph), 10).url == oxigraph.url + "store"
    assert graph_store_for(remote(oxigraph, graph_store="none"), 10) is None
    explicit = graph_store_for(remote(oxigraph, graph_store=oxigraph.url + "store"), 10)
    assert explicit.parameters == {"no_transaction": ""}  # Oxigraph's bulk loader, for staging graphs
    # Another HTTP server at …/query: its …/store is not taken for a Graph Store.
    port = free_port()
    other = subprocess.Popen([sys.executable, "-m", "http.server", str(port), "--bind", "127.0.0.1",
                              "--directory", str(tmp_path)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_until_answering(f"http://127.0.0.1:{port}/")
        elsewhere = Settings(root=EDGE, store="remote", remote_endpoint=f"http://127.0.0.1:{port}/query")
        assert graph_store_for(elsewhere, 10) is None
        named = graph_store_for(Settings(root=EDGE, remote_graph_store=f"http://127.0.0.1:{port}/data"), 10)
        assert named.url == f"http://127.0.0.1:{port}/data" and named.parameters == {}  # a plain PUT
    finally:
        other.terminate()
        other.wait()
    nobody = Settings(root=EDGE, store="remote", remote_endpoint=f"http://127.0.0.1:{free_port()}/query")
    assert graph_store_for(nobody, 10) is None  # the load then says the store cannot be reached


def test_a_graph_store_answering_404_leaves_the_dataset_as_it_was(oxigraph):
    load(remote(oxigraph, root=VALID))
    before = served(remote(oxigraph))
    wrong = oxigraph.url + "no-graph-store"
    result = run_cli(*load_args(oxigraph, EDGE, "--remote-graph-store", wrong))
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert f"the Graph Store at {wrong} answered 404 to the PUT of <{BASE_IRI}graph/loading/" in result.stderr
    assert served(remote(oxigraph)) == before
    assert not staging_graphs_left(remote(oxigraph))


def test_a_graph_store_refusing_connections_leaves_the_dataset_as_it_was(oxigraph):
    load(remote(oxigraph, root=VALID))
    before = served(remote(oxigraph))
    closed = f"http://127.0.0.1:{free_port()}/store"
    result = run_cli(*load_args(oxigraph, EDGE, "--remote-graph-store", closed))
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert f"the Graph Store at {closed} cannot be reached" in result.stderr and "graph/loading/" in result.stderr
    assert served(remote(oxigraph)) == before

    # The server goes down after the first graph went: the rest is refused, the swap never runs.
    def stop_after_the_first_graph(statements: int) -> None:
        oxigraph.stop()

    with pytest.raises(StoreUnavailable, match=f"the Graph Store at {oxigraph.url}store cannot be reached"):
        load(remote(oxigraph), progress=stop_after_the_first_graph)
    oxigraph.start()
    assert served(remote(oxigraph)) == before
    assert staging_graphs_left(remote(oxigraph))  # out of sight, until the next load drops them
    load(remote(oxigraph))
    assert served(remote(oxigraph)) != before and not staging_graphs_left(remote(oxigraph))


def test_the_graph_store_of_another_server_stops_the_load_before_the_swap(oxigraph, tmp_path):
    load(remote(oxigraph, root=VALID))
    before = served(remote(oxigraph))
    other = OxigraphServer(tmp_path / "other")
    other.start()
    try:
        with pytest.raises(StoreError, match=f"the Graph Store at {other.url}store accepted .* finds 0 triples"):
            load(remote(oxigraph, graph_store=other.url + "store"))
    finally:
        other.stop()
    assert served(remote(oxigraph)) == before
    assert not staging_graphs_left(remote(oxigraph))


@pytest.mark.parametrize("value", ["ftp://127.0.0.1/store", "127.0.0.1:7878/store", "http:///store",
                                   "http://127.0.0.1:7878/store?x=1", "yes"])
def test_a_bad_graph_store_setting_is_a_clear_error(value):
    with pytest.raises(SettingsError, match="remote_graph_store .* must be 'auto', 'none' or an absolute http"):
        Settings(root=VALID, remote_graph_store=value)
    result = run_cli("load", "--root", str(VALID), "--store", "remote", "--remote-endpoint",
                     "http://127.0.0.1:9/query", "--remote-graph-store", value)
    assert result.returncode == 2 and "remote_graph_store" in result.stderr and "Traceback" not in result.stderr


def test_the_graph_store_setting_reads_the_environment():
    environ = {"COOPGRAPH_REMOTE_GRAPH_STORE": "http://127.0.0.1:3030/dataset/data"}
    assert Settings.from_env(environ, root=VALID).remote_graph_store == "http://127.0.0.1:3030/dataset/data"
    assert Settings(root=VALID).remote_graph_store == "auto"
    assert Settings.from_env({"COOPGRAPH_REMOTE_GRAPH_STORE": "none"}, root=VALID).remote_graph_store == "none"

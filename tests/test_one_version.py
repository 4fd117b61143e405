"""A server answers from exactly one dataset version at a time, in every web and query worker.

`coopgraph build` beside a running server used to make its workers disagree: a web worker that noticed
the new manifest rewrote its copy of `graph/meta`, its query workers (forked earlier) and the other web
worker kept theirs, so the same COUNT(*) gave two answers. Now a server pins the build it starts with.
"""

from __future__ import annotations

import hashlib
import shutil

import pytest
import requests

from conftest import FIXTURES, run_cli, start_server

ROOT = FIXTURES / "valid"
TIMEOUT = 30
COUNT_ALL = "SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }"
ROUNDS = 24  # over 2 web workers with 2 query workers each


@pytest.fixture
def served(tmp_path):
    """A server of a copy of the valid project, with its own var/ folder: (server, var, project)."""
    project = tmp_path / "project"
    shutil.copytree(ROOT, project)
    var = tmp_path / "var"
    server = start_server(project, env={"COOPGRAPH_VAR_DIR": str(var)})
    live = next(server)
    yield live, var, project
    next(server, None)


def counts(live, rounds: int = ROUNDS) -> set[int]:
    """COUNT(*) over every graph, each time a new query text (never a replayed answer)."""
    found = set()
    for number in range(rounds):
        response = requests.get(live.url + "sparql", params={"query": f"{COUNT_ALL} # {number}"},
                                headers={"Accept": "application/sparql-results+json"}, timeout=TIMEOUT)
        assert response.status_code == 200, response.text
        found.add(int(response.json()["results"]["bindings"][0]["n"]["value"]))
    return found


def test_a_build_beside_a_running_server_changes_no_answer_of_any_worker(served):
    live, var, project = served
    before = counts(live)
    assert len(before) == 1
    listing = requests.get(live.url + "dumps/", params={"format": "ttl"}, timeout=TIMEOUT).text
    void = requests.get(live.url + ".well-known/void", timeout=TIMEOUT).text

    # The same data rebuilt (new blank node labels), then new data: neither reaches the running server.
    port = live.url.rsplit(":", 1)[1].strip("/")
    assert run_cli("build", "--root", str(project), "--port", port, "--var-dir", str(var)).returncode == 0
    (project / "data" / "more.ttl").write_text('@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .\n'
                                              '<id/agreement/lyon-guangzhou> rdfs:comment "Added later."@en .\n')
    built = run_cli("build", "--root", str(project), "--port", port, "--var-dir", str(var))
    assert built.returncode == 0, built.stderr
    new_checksums = {line.split()[2]: line.split()[0] for line in built.stdout.splitlines()}

    for _ in range(8):  # every web worker, with and without the replay (a new query string each time)
        assert requests.get(live.url + "dumps/", params={"format": "ttl"}, timeout=TIMEOUT).text == listing
        assert requests.get(live.url + ".well-known/void", params={"n": _}, timeout=TIMEOUT).text == void
    assert counts(live) == before
    served_checksums = {line.split('"')[1] for line in listing.splitlines() if "checksumValue" in line}
    assert served_checksums and new_checksums["coopgraph.ttl"] not in served_checksums
    # The files served are those the description gives, whatever was built beside.
    for name in ("coopgraph.ttl", "coopgraph.nt.gz"):
        body = requests.get(live.url + f"dumps/{name}", timeout=TIMEOUT).content
        assert hashlib.sha256(body).hexdigest() in served_checksums
        assert hashlib.sha256(body).hexdigest() != new_checksums[name]


def test_a_restarted_server_serves_the_new_build(tmp_path):
    var = tmp_path / "var"
    first = start_server(ROOT, env={"COOPGRAPH_VAR_DIR": str(var)})
    live = next(first)
    port = live.url.rsplit(":", 1)[1].strip("/")
    built = run_cli("build", "--root", str(ROOT), "--port", port, "--var-dir", str(var))
    assert built.returncode == 0, built.stderr
    next(first, None)
    second = start_server(ROOT, port=int(port), env={"COOPGRAPH_VAR_DIR": str(var)})
    live = next(second)
    try:
        listing = requests.get(live.url + "dumps/", params={"format": "ttl"}, timeout=TIMEOUT).text
        for checksum in (line.split()[0] for line in built.stdout.splitlines()):
            assert checksum in listing
        # The build the first server pinned is gone once nobody serves it: only the current one is left.
        builds = list(var.glob("sites/*/dumps/builds/*"))
        assert len(builds) == 1
    finally:
        next(second, None)

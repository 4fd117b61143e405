"""What operators read, on a real `coopgraph serve` (two web workers): /healthz, /readyz, /metrics parsed
with prometheus_client's own parser and added up over every worker, request ids, and the JSON access log."""

from __future__ import annotations

import json
import re
import uuid

import requests
from prometheus_client.parser import text_string_to_metric_families

TIMEOUT = 30
DOCUMENT = "doc/agreement/idf-zhejiang-2018.ttl"


def samples(url: str) -> dict[tuple[str, tuple], float]:
    """Every sample of /metrics, by name and sorted labels."""
    response = requests.get(url + "metrics", timeout=TIMEOUT)
    assert response.status_code == 200 and response.headers["Content-Type"].startswith("text/plain; version=0.0.4")
    assert response.headers["Cache-Control"] == "no-store"
    return {(sample.name, tuple(sorted(sample.labels.items()))): sample.value
            for family in text_string_to_metric_families(response.text) for sample in family.samples}


def value(found: dict, name: str, **labels) -> float:
    return found.get((name, tuple(sorted(labels.items()))), 0.0)


def test_health_and_readiness(live_server):
    health = requests.get(live_server.url + "healthz", timeout=TIMEOUT)
    assert health.status_code == 200 and health.json()["status"] == "ok"
    ready = requests.get(live_server.url + "readyz", timeout=TIMEOUT)
    assert ready.status_code == 200
    body = ready.json()
    assert body["status"] == "ready" and body["version"] == health.json()["version"]
    assert body["validation"] == "passed" and body["quads"] > health.json()["triples"] and body["dumps"]


def test_metrics_count_every_request_of_every_worker(live_server):
    before = samples(live_server.url)
    count = 12
    for _ in range(count):  # new connections: the kernel spreads them over both workers
        assert requests.get(live_server.url + DOCUMENT, timeout=TIMEOUT).status_code == 200
    ask = {"query": f"# {uuid.uuid4()}\nASK {{ ?s ?p ?o }}"}
    assert requests.get(live_server.url + "sparql", params=ask, timeout=TIMEOUT,
                        headers={"Accept": "application/sparql-results+json"}).status_code == 200
    assert requests.get(live_server.url + "sparql", params={"query": "SELECT WHERE"}, timeout=TIMEOUT).status_code == 400
    assert requests.get(live_server.url + "no/such/page", timeout=TIMEOUT).status_code == 404
    after = samples(live_server.url)

    def grew(name: str, **labels) -> float:
        return value(after, name, **labels) - value(before, name, **labels)

    document = {"route": "entities.entity_document", "method": "GET", "status": "200", "format": "ttl"}
    assert grew("coopgraph_http_requests_total", **document) == count
    assert grew("coopgraph_http_request_duration_seconds_count", route="entities.entity_document") == count
    # All but at most one per worker were replayed (each worker builds it once), and the lookups add up.
    hits, misses = grew("coopgraph_replay_lookups_total", result="hit"), grew("coopgraph_replay_lookups_total", result="miss")
    assert hits >= count - 2 and hits + misses >= count
    assert grew("coopgraph_sparql_queries_total", outcome="answered") == 1
    assert grew("coopgraph_sparql_queries_total", outcome="rejected") == 1
    assert grew("coopgraph_http_requests_total", route="unmatched", method="GET", status="404", format="txt") == 1
    info = [key for key in after if key[0] == "coopgraph_dataset_info"]
    assert len(info) == 1 and dict(info[0][1])["web_server"] == "granian" and dict(info[0][1])["store"] == "memory"


def test_each_request_has_an_id_echoed_and_logged_as_json(live_server):
    given = f"probe-{uuid.uuid4().hex}"
    echoed = requests.get(live_server.url + DOCUMENT, headers={"X-Request-Id": given}, timeout=TIMEOUT)
    assert echoed.headers["X-Request-Id"] == given
    made = requests.get(live_server.url + DOCUMENT, timeout=TIMEOUT).headers["X-Request-Id"]
    assert re.fullmatch(r"[0-9a-f]{32}", made)
    # An id that could forge log lines is replaced, never echoed.
    replaced = requests.get(live_server.url + DOCUMENT, headers={"X-Request-Id": 'x" injected'}, timeout=TIMEOUT)
    assert re.fullmatch(r"[0-9a-f]{32}", replaced.headers["X-Request-Id"])
    lines = [json.loads(line) for line in live_server.log.read_text(encoding="utf-8").splitlines()
             if line.startswith("{")]
    mine = [line for line in lines if line["id"] == given]
    assert len(mine) == 1
    assert mine[0]["path"] == "/" + DOCUMENT and mine[0]["status"] == 200 and mine[0]["format"] == "ttl"
    assert mine[0]["route"] == "entities.entity_document" and mine[0]["bytes"] == int(echoed.headers["Content-Length"])
    assert mine[0]["ms"] >= 0 and mine[0]["method"] == "GET" and mine[0]["time"].endswith("+00:00")
    assert any(line["id"] == made for line in lines)

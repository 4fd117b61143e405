"""Scenarios beyond repeated requests, run by bench/run.py on each SPARQL server.

* New queries: 200 distinct queries per family, never asked before, one at a time, so no cache helps:
  a one-subject lookup, a LIMIT over everything, and a join whose date FILTER moves. coopgraph is compared
  with the engine under it in the same run (oxigraph serve on the same data; for the remote store, the very
  Oxigraph server it fronts): the figure that matters is the difference in milliseconds.
* The storm: 16 heavy queries kept in flight by one client (127.0.0.2) while another (127.0.0.1) reads a
  cached entity document and asks cheap new queries: the document's p99 and the cheap queries' latency.
"""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import quote

import requests
from requests.adapters import HTTPAdapter

PER_FAMILY = 200
JSON_RESULTS = {"Accept": "application/sparql-results+json"}
FAMILIES: dict[str, Callable[[int], str]] = {
    "new-lookup": lambda n: f"SELECT ?p ?o WHERE {{ <id/agreement/agreement-{n}> ?p ?o }}",
    "new-limit": lambda n: f"SELECT ?s ?p ?o WHERE {{ ?s ?p ?o }} LIMIT {n + 1}",
    "new-join-filter": lambda n: (  # a year of signings, starting a month later each time
        "PREFIX cg: <def#> PREFIX xsd: <http://www.w3.org/2001/XMLSchema#> "
        "SELECT ?agreement ?party ?date WHERE { ?agreement cg:signingDate ?date ; cg:party ?party . "
        f'FILTER(?date >= "{_month(n)}-01"^^xsd:date && ?date < "{_month(n + 12)}-01"^^xsd:date) }}'),
}
STORM = 16
STORM_S = 8.0
HEAVY = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"


def _month(n: int) -> str:
    """The n-th month from January 2000, as YYYY-MM."""
    return f"{2000 + n // 12}-{1 + n % 12:02d}"


def new_queries(sparql_url: str, base_iri: str, offset: int = 0, dataset: str = "") -> dict[str, list[float]]:
    """Milliseconds of each of PER_FAMILY distinct queries per family, sorted; `offset` keeps the texts of
    one server's run apart from another's on the same engine; `dataset`: protocol parameters naming the
    graphs (`&default-graph-uri=…`), which an engine asked directly needs to answer what coopgraph answers."""
    found = {}
    with requests.Session() as session:
        for family, make in FAMILIES.items():
            latencies = []
            for n in range(PER_FAMILY):
                text = f"BASE <{base_iri}>\n{make(n + offset)}"
                started = time.perf_counter()
                response = session.get(f"{sparql_url}?query={quote(text)}{dataset}", headers=JSON_RESULTS, timeout=60)
                latencies.append((time.perf_counter() - started) * 1000)
                if response.status_code != 200:
                    raise RuntimeError(f"{family}: HTTP {response.status_code}: {response.text[:200]}")
            found[family] = sorted(latencies)
    return found


def client(address: str) -> requests.Session:
    """A session whose connections come from `address` (any 127.x.y.z is this machine)."""
    class FromAddress(HTTPAdapter):
        def init_poolmanager(self, *args, **kwargs):
            kwargs["source_address"] = (address, 0)
            super().init_poolmanager(*args, **kwargs)

    session = requests.Session()
    session.mount("http://", FromAddress())
    return session


def storm(url: str, document: str, base_iri: str) -> dict:
    """The storm scenario on a coopgraph server at `url`: what the other client saw."""
    reader = client("127.0.0.1")
    reader.get(url + document, timeout=30)  # cached from now on
    stop, outcomes = threading.Event(), []

    def heavy(number: int) -> None:
        session = client("127.0.0.2")
        while not stop.is_set():
            response = session.get(url + "/sparql", headers=JSON_RESULTS, timeout=120,
                                   params={"query": f"BASE <{base_iri}>\n{HEAVY} # {number} {uuid.uuid4()}"})
            outcomes.append(response.status_code)
            if response.status_code == 503:
                time.sleep(0.05)

    documents, cheap = [], []
    with ThreadPoolExecutor(STORM) as pool:
        for number in range(STORM):
            pool.submit(heavy, number)
        try:
            time.sleep(1.0)
            ending = time.monotonic() + STORM_S
            while time.monotonic() < ending:
                started = time.perf_counter()
                reader.get(url + document, timeout=30)
                documents.append((time.perf_counter() - started) * 1000)
                if len(documents) % 50 == 0:
                    started = time.perf_counter()
                    answered = reader.get(url + "/sparql", headers=JSON_RESULTS, timeout=30, params={
                        "query": f"BASE <{base_iri}>\nASK {{ <id/agreement/agreement-7> ?p ?o }} # {uuid.uuid4()}"})
                    cheap.append(((time.perf_counter() - started) * 1000, answered.status_code))
                time.sleep(0.005)
        finally:
            stop.set()
    documents.sort()
    return {
        "document_requests": len(documents),
        "document_p50_ms": documents[len(documents) // 2],
        "document_p99_ms": documents[int(len(documents) * 0.99) - 1],
        "cheap_query_ms": sorted(ms for ms, _ in cheap),
        "cheap_query_statuses": sorted({status for _, status in cheap}),
        "heavy_statuses": {str(status): outcomes.count(status) for status in sorted(set(outcomes))},
    }

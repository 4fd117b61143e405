"""What `/metrics` tells an operator, in Prometheus's text format: the metrics, their labels, and how the
web workers' counts are added up.

Each web worker counts its own requests. Under `coopgraph serve` the counts live in files of one folder per
server start (prometheus_client's multiprocess mode, which `serve` turns on through
`PROMETHEUS_MULTIPROC_DIR` before any of this is imported: the library reads it once, when first imported),
so whichever worker answers `/metrics` adds up every worker's, the dead ones' included. In one process (the
tests' apps), the app's own registry answers.

Labels take bounded values only: the Flask endpoint that answered (`unmatched` when none did), the
method, the status, the format's extension from `server/formats.py` (or `other`).
"""

from __future__ import annotations

import os
from dataclasses import dataclass

from server.formats import FORMATS

MULTIPROCESS_VARIABLE = "PROMETHEUS_MULTIPROC_DIR"
# Seconds: a replayed document takes tens of microseconds, a heavy query the whole deadline.
LATENCY_BUCKETS = (0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)
FORMAT_OF_MEDIA_TYPE = {fmt.media_type: fmt.extension for fmt in FORMATS}
METHODS = frozenset({"GET", "HEAD", "POST", "OPTIONS", "PUT", "DELETE", "PATCH"})
# What became of a SPARQL query, by the status it was answered with.
SPARQL_OUTCOMES = {200: "answered", 504: "deadline", 503: "refused", 429: "refused", 502: "store_error"}
PROMETHEUS_TEXT = "text/plain; version=0.0.4; charset=utf-8"


@dataclass(frozen=True)
class Labels:
    """What one request is counted under."""
    route: str
    method: str
    status: int
    media_type: str

    @property
    def format(self) -> str:
        return FORMAT_OF_MEDIA_TYPE.get(self.media_type, "other")


class Metrics:
    """The app's metrics (one instance per app, on its state)."""

    def __init__(self, info: dict[str, str]):
        # Imported here, not at the top: prometheus_client picks its storage when first imported.
        from prometheus_client import CollectorRegistry, Counter, Histogram

        self.registry = CollectorRegistry(auto_describe=True)
        self.info = info
        self.requests = Counter("coopgraph_http_requests", "HTTP requests answered, by route, method, status and format",
                                ["route", "method", "status", "format"], registry=self.registry)
        self.latency = Histogram("coopgraph_http_request_duration_seconds", "Time to answer, by route",
                                 ["route"], buckets=LATENCY_BUCKETS, registry=self.registry)
        self.replay = Counter("coopgraph_replay_lookups", "Replay lookups of GET requests (server/replay.py): "
                              "hit, or miss", ["result"], registry=self.registry)
        self.sparql = Counter("coopgraph_sparql_queries", "SPARQL queries, by outcome: answered, rejected (4xx), "
                              "refused (busy, memory), deadline (cut at the time limit), store_error",
                              ["outcome"], registry=self.registry)
        self.store_errors = Counter("coopgraph_store_errors", "Store failures met while answering: unavailable, "
                                    "timeout, failed", ["kind"], registry=self.registry)

    def count(self, labels: Labels, seconds: float, noted: dict) -> None:
        route = labels.route
        method = labels.method if labels.method in METHODS else "other"
        self.requests.labels(route, method, str(labels.status), labels.format).inc()
        self.latency.labels(route).observe(seconds)
        if "replay" in noted:
            self.replay.labels(noted["replay"]).inc()
        if noted.get("sparql"):
            status = labels.status
            self.sparql.labels(SPARQL_OUTCOMES.get(status, "rejected" if 400 <= status < 500 else "other")).inc()
        if "store_error" in noted:
            self.store_errors.labels(noted["store_error"]).inc()

    def exposition(self) -> bytes:
        """Every worker's counts added up (under `serve`), with the dataset's info, as Prometheus text."""
        from prometheus_client import CollectorRegistry, generate_latest
        from prometheus_client.core import GaugeMetricFamily
        from prometheus_client.multiprocess import MultiProcessCollector

        folder = os.environ.get(MULTIPROCESS_VARIABLE)
        if folder:
            registry = CollectorRegistry()
            MultiProcessCollector(registry, path=folder)
        else:
            registry = self.registry
        info = GaugeMetricFamily("coopgraph_dataset_info", "The dataset served: its version, store and web server",
                                 labels=sorted(self.info))
        info.add_metric([self.info[name] for name in sorted(self.info)], 1)
        return generate_latest(registry) + generate_latest(_Fixed([info]))


class _Fixed:
    """A collector of metrics computed once, for generate_latest."""

    def __init__(self, families):
        self.families = families

    def collect(self):
        return iter(self.families)

"""What operators and their orchestrators ask: is the process alive (/healthz), may it take traffic
(/readyz), and what has it done (/metrics, Prometheus text). None of them is ever replayed or cached."""

from __future__ import annotations

from flask import Blueprint, Response, jsonify

from server.metrics import PROMETHEUS_TEXT
from server.sparql.check import RETRY_AFTER_S
from server.state import app_state
from server.store import StoreError, StoreUnavailable

operations = Blueprint("operations", __name__)
NOT_STORED = {"Cache-Control": "no-store"}


@operations.get("/healthz")
def healthz():
    """Alive: answers from memory, never asks the store (a store down is /readyz's to say)."""
    state = app_state()
    # `triples` is the home page's figure (server/figures.py: the default graph).
    return jsonify(status="ok", triples=state.published.facts.triples, version=state.dataset.version), NOT_STORED


@operations.get("/readyz")
def readyz():
    """Ready: the store answers, the dataset version is loaded, and whether it passed validation at start
    (`skipped` under `--no-validate`: the operator's choice, which this reports and does not refuse)."""
    state = app_state()
    checks = {"version": state.dataset.version, "store": state.settings.store,
              "validation": "passed" if state.settings.validate_on_start else "skipped",
              "dumps": state.published.pinned.name if state.published.pinned else None}
    try:
        checks["quads"] = state.dataset.store.count()  # every quad, every graph: what an operator compares with a load
    except (StoreUnavailable, StoreError) as error:
        return (jsonify(status="unavailable", reason=f"the store does not answer: {error}", **checks),
                503, {**NOT_STORED, "Retry-After": str(RETRY_AFTER_S)})
    return jsonify(status="ready", **checks), NOT_STORED


@operations.get("/metrics")
def metrics():
    return Response(app_state().metrics.exposition(), content_type=PROMETHEUS_TEXT, headers=NOT_STORED)

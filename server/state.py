"""What create_app keeps for the views, under one extension key, read through one accessor."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

from flask import Flask, current_app

from server.cache import ModelCache

if TYPE_CHECKING:
    from server.dataset import Dataset
    from server.examples import Example
    from server.metrics import Metrics
    from server.search import SearchIndex
    from server.settings import Settings
    from server.sparql.workers import Executor
    from server.void import Published

EXTENSION_KEY = "coopgraph"


@dataclass(frozen=True)
class AppState:
    settings: Settings
    dataset: Dataset  # the one version every worker answers from
    published: Published  # its description, and the build of dumps it describes
    queries: Executor  # the SPARQL endpoint's worker processes (or direct runner), behind admission control
    examples: Mapping[str, Example]  # example queries, by name
    search: SearchIndex  # the names of every entity, for /search, /suggest and /reconcile (built before the fork)
    cache: ModelCache  # what pages are built from, per dataset version (never finished responses)
    metrics: Metrics  # what /metrics reports (server/observe.py counts every request into it)


def app_state(app: Flask | None = None) -> AppState:
    """The state of `app`, or of the application handling the current request."""
    return (app or current_app).extensions[EXTENSION_KEY]

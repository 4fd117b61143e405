"""The `disk` backend: the pyoxigraph folder `coopgraph load` filled last, opened read-only."""

from __future__ import annotations

import json
import os
import threading
from typing import TYPE_CHECKING

import pyoxigraph

from server.store.base import StoreNotLoaded
from server.store.embedded import EmbeddedStore
from server.store.generations import ANSWERS, DATABASE, current_generation
from server.store.records import read_load_record, recorded_answer, recorded_prefixes

if TYPE_CHECKING:
    from server.settings import Settings


class DiskStore(EmbeddedStore):
    """The current generation (server/store/generations.py), read-only.

    Each process opens its own handle on first use: gunicorn forks its workers after the app is
    built, and a database handle must not cross a fork. Handles inherited from a parent stay
    referenced, never closed, for the same reason. The start-up queries are answered from the
    answers the load recorded, so a restart costs milliseconds whatever the size of the data.
    """

    name = "disk"

    def __init__(self, settings: Settings):
        self._configure(settings)
        generation = current_generation(settings)
        self.path = generation / DATABASE
        try:
            self._answers = json.loads((generation / ANSWERS).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            self._answers = {}  # a generation without answers: every query runs
        self.prefixes = recorded_prefixes(self._answers)
        self._handles: dict[int, pyoxigraph.Store] = {}
        self._opening = threading.Lock()
        self._counts: dict[str | None, int] = {}
        self.version, self.modified = read_load_record(self, settings)

    @classmethod
    def open(cls, settings: Settings) -> DiskStore:
        return cls(settings)

    def _handle(self) -> pyoxigraph.Store:
        pid = os.getpid()
        handle = self._handles.get(pid)
        if handle is None:
            with self._opening:
                handle = self._handles.get(pid)
                if handle is None:
                    try:
                        handle = self._handles[pid] = pyoxigraph.Store.read_only(str(self.path))
                    except OSError as error:
                        raise StoreNotLoaded(f"{self.path}: cannot open the store: {error}") from error
        return handle

    def run_file(self, name, **bindings):
        return recorded_answer(self._answers, name, bindings) or super().run_file(name, **bindings)

    def count(self, graph=None) -> int:
        # Read-only: a count holds until the process ends (it costs a scan of the whole store).
        if graph not in self._counts:
            self._counts[graph] = super().count(graph)
        return self._counts[graph]

    def replace_graph(self, graph, triples) -> None:
        """Read-only: the description in graph/meta stays as `coopgraph load` wrote it."""

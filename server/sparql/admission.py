"""Admission control: SPARQL never holds the capacity pages, documents and dumps need.

In each web worker at most `slots` queries run at once (the query workers, or as many threads for a
remote store), and one client (by address) at most `slots - 1` of them when there are two or more, so
another client always finds one free: a storm of heavy queries from one address cannot stall a cheap
query from another. Up to `2 × slots` more may wait, each at most `wait_s`, for a slot their client may
take; anything beyond is refused at once (QueryRefused 503, with Retry-After). So SPARQL occupies at most
`3 × slots` of a web worker's threads (settings.py makes sure more remain), and none for longer than a
query's deadline plus the wait.

State is per process (each gunicorn worker has its own), created on first use after the fork.
"""

from __future__ import annotations

import os
import threading
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager

from server.sparql.check import QueryRefused


class Admission:
    def __init__(self, slots: int, wait_s: float):
        self.slots, self.wait_s = slots, wait_s
        self.per_client = max(1, slots - 1)
        self.max_waiting = 2 * slots
        self._owner_pid: int | None = None
        self._current: _State | None = None
        self._creating = threading.Lock()  # unlocked when gunicorn forks: safe to inherit

    @contextmanager
    def slot(self, client: str) -> Iterator[None]:
        """Holds a slot for `client` while the block runs; raises QueryRefused(503) when none comes in time."""
        state = self._state()
        with state.changed:
            if not state.may_run(client, self):
                self._wait(state, client)
            state.running[client] += 1
            state.total += 1
        try:
            yield
        finally:
            with state.changed:
                state.running[client] -= 1
                if not state.running[client]:
                    del state.running[client]
                state.total -= 1
                state.changed.notify_all()

    def _wait(self, state: _State, client: str) -> None:
        if state.waiting >= self.max_waiting:
            raise self._busy()
        state.waiting += 1
        deadline = time.monotonic() + self.wait_s
        try:
            while not state.may_run(client, self):
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise self._busy()
                state.changed.wait(remaining)
        finally:
            state.waiting -= 1

    def _busy(self) -> QueryRefused:
        return QueryRefused(503, f"This endpoint is running all the queries it can at the moment ({self.slots} at once "
                                 f"per server process, {self.per_client} from one client); try again in a few seconds.")

    def _state(self) -> _State:
        # A copy inherited through a fork starts afresh: the parent's counts are not this process's.
        with self._creating:
            if self._owner_pid != os.getpid():
                self._current, self._owner_pid = _State(), os.getpid()
            return self._current


class _State:
    def __init__(self):
        self.changed = threading.Condition()
        self.running: Counter[str] = Counter()
        self.total = 0
        self.waiting = 0

    def may_run(self, client: str, admission: Admission) -> bool:
        return self.total < admission.slots and self.running[client] < admission.per_client

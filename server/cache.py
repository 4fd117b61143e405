"""A bounded, thread-safe cache of what pages and documents are built from (descriptions, indexes,
names, query results of POSTs), never of finished responses: those are the replay's (server/replay.py).

One lives on the app state. Keys include the dataset version and every input of the value besides
(a language, a class IRI…), never the request itself, so an entry serves only requests that would
have built the same value. gunicorn's threads share it, hence the lock.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Hashable
from typing import TypeVar

from cachetools import LRUCache

T = TypeVar("T")




def approximate_size(value) -> int:
    """Bytes for bytes; for collections (descriptions' triples), a rough 200 bytes a member."""
    if isinstance(value, bytes | str):
        return len(value)
    if isinstance(getattr(value, "body", None), bytes):  # a finished response (SPARQL results)
        return len(value.body) + 200
    if isinstance(value, tuple | list | dict | set):
        return 200 * len(value) + 100
    return 10_000  # page models, name tables: small, few


class ModelCache:
    # Bounded by memory rather than by entries (the `model_cache_mb` setting): the vocabulary's triples
    # weigh a hundred entities'.
    def __init__(self, max_bytes: int):
        self._entries: LRUCache = LRUCache(maxsize=max_bytes, getsizeof=approximate_size)
        self._lock = threading.Lock()

    def get_or_build(self, key: Hashable, build: Callable[[], T]) -> T:
        """The cached value for `key`, building (outside the lock) and keeping it on a miss.
        Two threads missing together both build; the result is the same, so that is harmless."""
        with self._lock:
            if key in self._entries:
                return self._entries[key]
        value = build()
        with self._lock:
            if approximate_size(value) <= self._entries.maxsize:  # larger values are not kept
                self._entries[key] = value
        return value

    def __len__(self) -> int:
        with self._lock:
            return len(self._entries)

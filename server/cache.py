"""A bounded, thread-safe cache of finished work (descriptions, response bytes).

One lives on the app state. Keys include the dataset version, so an entry can
never outlive the data it was built from. gunicorn's threads share it, hence the lock.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Hashable
from typing import TypeVar

from cachetools import LRUCache

T = TypeVar("T")


class ResponseCache:
    def __init__(self, maxsize: int = 4096):
        self._entries: LRUCache = LRUCache(maxsize=maxsize)
        self._lock = threading.Lock()

    def get_or_build(self, key: Hashable, build: Callable[[], T]) -> T:
        """The cached value for `key`, building (outside the lock) and keeping it on a miss.
        Two threads missing together both build; the result is the same, so that is harmless."""
        with self._lock:
            if key in self._entries:
                return self._entries[key]
        value = build()
        with self._lock:
            self._entries[key] = value
        return value

    def __len__(self) -> int:
        with self._lock:
            return len(self._entries)

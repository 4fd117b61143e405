"""The `memory` backend: the content folders read into an embedded store when the server starts."""

from __future__ import annotations

from server.store.embedded import EmbeddedStore


class MemoryStore(EmbeddedStore):
    """Filled from the content folders by `open` (each file into its named graph); writable, so the
    generated description goes into graph/meta at start-up."""

    name = "memory"

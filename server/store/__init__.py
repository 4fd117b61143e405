"""Where the triples live: one interface (`base.Store`), one module per backend, chosen by the
setting `store`. A new backend is a module with a `Store` subclass, added to BACKENDS.

* `memory.py`: the content folders read into an embedded pyoxigraph store at start;
* `disk.py`: a pyoxigraph folder `coopgraph load` filled (`generations.py`), opened read-only;
* `remote.py`: a SPARQL 1.1 server, through `client.py` (urllib3 for queries, SPARQLWrapper for updates);
* `load.py`: `coopgraph load`, which fills the disk and remote backends (with `graph_store.py`);
* `records.py`: what a loaded store records about itself; `sparql_text.py`: the SPARQL it sends.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from server.content import dataset_version, sources
from server.store.base import (AnswerTooLarge, QueryFiles, Store, StoreError, StoreNotLoaded, StoreTimeout,
                               StoreUnavailable)
from server.store.disk import DiskStore
from server.store.embedded import EmbeddedStore
from server.store.memory import MemoryStore
from server.store.remote import RemoteStore

if TYPE_CHECKING:
    from server.settings import Settings

log = logging.getLogger(__name__)

BACKENDS: dict[str, type[Store]] = {backend.name: backend for backend in (MemoryStore, DiskStore, RemoteStore)}


def open_store(settings: Settings) -> Store:
    """The store the settings choose (see Store.open for what it raises). A store `coopgraph load`
    filled from other content than the folders' is served as it is, with a warning."""
    store = BACKENDS[settings.store].open(settings)
    if settings.store != MemoryStore.name and sources(settings) and store.version != dataset_version(settings):
        log.warning("the %s store holds dataset version %s, the content folders are at %s: "
                    "run `coopgraph load` to publish them", settings.store, store.version, dataset_version(settings))
    return store


__all__ = ["BACKENDS", "AnswerTooLarge", "DiskStore", "EmbeddedStore", "MemoryStore", "QueryFiles", "RemoteStore",
           "Store", "StoreError", "StoreNotLoaded", "StoreTimeout", "StoreUnavailable", "open_store"]

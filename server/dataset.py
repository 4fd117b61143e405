"""One loaded version of the dataset: the store and what is derived from it once.

A server answers from exactly one Dataset for its whole life, in every web and query worker: it is
loaded before gunicorn forks, and nothing in it changes afterwards (the description written into
`graph/meta` at publication included, server/void.py).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timezone

from server.content import declared_prefixes
from server.jsonld import dataset_jsonld_context
from server.settings import Settings
from server.store import MemoryStore, Store, open_store
from server.validation import ValidationFailed, validate


@dataclass(frozen=True)
class Dataset:
    settings: Settings
    store: Store
    version: str  # fingerprint of the loaded content, for ETags and caches
    last_modified: datetime  # newest source file (UTC), for Last-Modified
    # The content files' @prefix declarations (resolved), for readable Turtle and JSON-LD.
    prefixes: Mapping[str, str]
    # The JSON-LD context of this version: published at /context.jsonld, inlined in JSON-LD documents.
    jsonld_context: Mapping

    @classmethod
    def load(cls, settings: Settings) -> Dataset:
        """Validates the content (a memory store, unless told not to: `coopgraph load` validates the
        others) and opens the store. Raises SettingsError (no content folders), ValidationFailed (with a
        readable report), content.SourceError (a file does not parse), and for a disk or remote store
        StoreNotLoaded or StoreUnavailable."""
        if settings.store == MemoryStore.name:
            settings.check_content()
            if settings.validate_on_start:
                report = validate(settings)
                if not report.conforms:
                    raise ValidationFailed(report)
        store = open_store(settings)
        prefixes = store.prefixes if store.prefixes is not None else declared_prefixes(settings)
        return cls(
            settings=settings,
            store=store,
            version=store.version,
            last_modified=datetime.fromtimestamp(int(store.modified), tz=timezone.utc),
            prefixes=prefixes,
            jsonld_context=dataset_jsonld_context(store, prefixes),
        )

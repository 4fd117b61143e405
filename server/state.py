"""The application's state: built once by create_app, read by the views."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime

from flask import Flask, current_app

from server.cache import ResponseCache
from server.settings import Settings
from server.store import Store

EXTENSION_KEY = "coopgraph"


@dataclass(frozen=True)
class AppState:
    settings: Settings
    store: Store
    version: str  # dataset fingerprint, for ETags and caches
    last_modified: datetime  # newest source file (UTC), for Last-Modified
    # The content files' @prefix declarations (resolved), for readable Turtle and JSON-LD.
    prefixes: Mapping[str, str] = field(default_factory=dict)
    # The JSON-LD context of this dataset version: published at /context.jsonld, inlined in JSON-LD.
    jsonld_context: Mapping = field(default_factory=dict)
    # Finished descriptions and response bytes, keyed with the dataset version.
    cache: ResponseCache = field(default_factory=ResponseCache)


def app_state(app: Flask | None = None) -> AppState:
    """The state of `app`, or of the application handling the current request."""
    return (app or current_app).extensions[EXTENSION_KEY]


def template_context() -> dict:
    """Lets every template read `state` (settings, titles, dataset version)."""
    return {"state": app_state()}

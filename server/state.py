"""The application's state: built once by create_app, read by the views."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from flask import Flask, current_app

from server.settings import Settings
from server.store import Store

EXTENSION_KEY = "coopgraph"


@dataclass(frozen=True)
class AppState:
    settings: Settings
    store: Store
    version: str  # dataset fingerprint, for ETags and caches
    last_modified: datetime  # newest source file (UTC), for Last-Modified


def app_state(app: Flask | None = None) -> AppState:
    """The state of `app`, or of the application handling the current request."""
    return (app or current_app).extensions[EXTENSION_KEY]


def template_context() -> dict:
    """Lets every template read `state` (settings, titles, dataset version)."""
    return {"state": app_state()}

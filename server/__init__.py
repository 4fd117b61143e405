"""coopgraph: a Linked Data publisher. `create_app` is the application factory."""

from __future__ import annotations

from datetime import datetime, timezone

from flask import Flask
from flask_compress import Compress
from flask_cors import CORS

from server.errors import register_error_handlers
from server.content import declared_prefixes
from server.replay import ResponseReplay
from server.representations import dataset_jsonld_context
from server.settings import Settings
from server.state import EXTENSION_KEY, AppState, template_context
from server.store import open_store
from server.validation import ValidationFailed, validate
from server.views import BLUEPRINTS

# Media types worth gzipping: what the pages use, plus RDF and SPARQL results.
COMPRESSED_MEDIA_TYPES = [
    "text/html", "text/css", "text/plain", "text/javascript", "application/javascript",
    "application/json", "image/svg+xml",
    "text/turtle", "application/n-triples", "application/n-quads", "application/trig",
    "application/ld+json", "application/rdf+xml",
    "application/sparql-results+json", "application/sparql-results+xml", "text/csv",
    "text/tab-separated-values",
]


def create_app(settings: Settings | None = None) -> Flask:
    """Builds the application: validates the content (unless told not to),
    loads it into the store, then registers the blueprints.

    Raises ValidationFailed (with a readable report) when the data violates the
    shapes, loading.SourceError when a content file cannot be parsed, and for a
    disk or remote store store.StoreNotLoaded or store.StoreUnavailable."""
    settings = settings or Settings.from_env()
    if settings.validate_on_start and settings.store == "memory":  # `coopgraph load` validates the others
        report = validate(settings)
        if not report.conforms:
            raise ValidationFailed(report)
    store = open_store(settings)
    prefixes = store.prefixes if store.prefixes is not None else declared_prefixes(settings)

    app = Flask(__name__)
    app.extensions[EXTENSION_KEY] = AppState(
        settings=settings,
        store=store,
        version=store.version,
        last_modified=datetime.fromtimestamp(int(store.modified), tz=timezone.utc),
        prefixes=prefixes,
        jsonld_context=dataset_jsonld_context(store, prefixes),
    )
    # send_wildcard: answer "*" itself rather than echo each Origin (the data is public, no credentials).
    CORS(app, origins="*", send_wildcard=True, supports_credentials=False)
    # COMPRESS_STREAMS off: files sent whole (the dumps) go out byte for byte, so their Range
    # requests and ETags address the bytes on disk; .gz dumps are compressed already.
    app.config.update(COMPRESS_ALGORITHM=["gzip"], COMPRESS_MIMETYPES=COMPRESSED_MEDIA_TYPES, COMPRESS_STREAMS=False)
    Compress(app)
    app.context_processor(template_context)
    register_error_handlers(app)
    for blueprint in BLUEPRINTS:
        app.register_blueprint(blueprint)
    # Outermost: a replayed response skips Flask, CORS and gzip, having been through them once.
    app.wsgi_app = ResponseReplay(app.wsgi_app)
    return app


__all__ = ["create_app", "Settings", "ValidationFailed"]

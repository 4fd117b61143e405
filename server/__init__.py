"""coopgraph: a Linked Data publisher. `create_app` composes the application, and is the only place
that does: reading it tells everything that touches every request (docs/architecture.md)."""

from __future__ import annotations

from flask import Flask, abort, request
from flask_compress import Compress
from flask_cors import CORS

from server.cache import ModelCache
from server.dataset import Dataset
from server.errors import register_error_handlers
from server.examples import read_examples
from server.formats import COMPRESSED_MEDIA_TYPES
from server.i18n import LANGUAGES, page_context, reader_language
from server.negotiation import linker
from server.metrics import Metrics
from server.observe import PRIMING, Observer, note
from server.replay import ResponseReplay
from server.request_line import RequestTargetLimit
from server.search import SearchIndex
from server.settings import Settings
from server.sparql.check import READ_ONLY
from server.sparql.runner import Limits, QueryRunner
from server.sparql.workers import query_executor
from server.state import EXTENSION_KEY, AppState, app_state
from server.validation import ValidationFailed
from server.views import BLUEPRINTS
from server.void import publish

UPDATE_TYPE = "application/sparql-update"


def create_app(settings: Settings | None = None, dataset: Dataset | None = None) -> Flask:
    """The application serving `dataset` (loaded from the settings unless given: see Dataset.load for
    what that raises). Its description goes into the store and the current build of dumps is pinned
    here, once, so every worker forked from this process answers from the same version."""
    settings = settings or Settings.from_env()
    dataset = dataset or Dataset.load(settings)
    runner = QueryRunner(store=dataset.store, base_iri=settings.base_iri, limits=Limits.from_settings(settings),
                         prefixes=dict(dataset.prefixes), jsonld_context=dict(dataset.jsonld_context))

    app = Flask(__name__)
    metrics = Metrics({"version": dataset.version, "store": settings.store, "web_server": settings.web_server})
    app.extensions[EXTENSION_KEY] = AppState(
        settings=settings,
        dataset=dataset,
        published=publish(dataset, settings.dumps_dir),
        # Worker processes start in the process that first runs a query: each web worker, after the fork.
        queries=query_executor(runner),
        examples=read_examples(settings.examples_dir),
        search=SearchIndex.for_dataset(dataset.store, settings, dataset.version, LANGUAGES),
        cache=ModelCache(megabytes(settings.model_cache_mb)),
        metrics=metrics,
    )
    # send_wildcard: answer "*" itself rather than echo each Origin (the data is public, no credentials).
    CORS(app, origins="*", send_wildcard=True, supports_credentials=False)
    # COMPRESS_STREAMS off: files sent whole (the dumps) go out byte for byte, so their Range
    # requests and ETags address the bytes on disk; .gz dumps are compressed already.
    app.config.update(COMPRESS_ALGORITHM=["gzip"], COMPRESS_MIMETYPES=list(COMPRESSED_MEDIA_TYPES),
                      COMPRESS_STREAMS=False)
    Compress(app)
    app.before_request(note_route)
    app.before_request(refuse_updates)
    app.context_processor(template_context)
    register_error_handlers(app)
    for blueprint in BLUEPRINTS:
        app.register_blueprint(blueprint)
    # A replayed response skips Flask, CORS and gzip, having been through them once.
    app.wsgi_app = ResponseReplay(app.wsgi_app, megabytes(settings.replay_cache_mb))
    # What every web server must refuse alike, the app refuses itself.
    app.wsgi_app = RequestTargetLimit(app.wsgi_app, settings.max_request_target_bytes)
    # Outermost: every request, refused or replayed too, gets its id, its count and its log line.
    app.wsgi_app = Observer(app.wsgi_app, metrics, settings.access_log)
    return app


# Asked once by `coopgraph serve` before the web server forks its workers, so that the dataset-wide tables these pages are built from (the
# classes of each kind, the names of terms, the reconciliation vocabulary, the sitemap's entities) are in every worker's cache from the
# start: at a million triples each costs a second, which every worker's first reader would otherwise wait for.
# Never /sparql: its worker processes must start after the fork.
PRIMED = (("GET", "/", None), ("GET", "/search?q=a", None), ("GET", "/sitemap.xml", None),
          ("POST", "/reconcile", {"queries": '{"q0": {"query": "a", "properties": [{"pid": "territory", "v": "a"}]}}'}))


def prime(app: Flask) -> None:
    """Builds what PRIMED needs, in this process (an app primed answers requests: add no route after)."""
    client = app.test_client()
    for method, path, form in PRIMED:  # not a client's requests: neither counted nor logged
        client.open(path, method=method, data=form, headers={"Accept": "text/html"}, environ_base={PRIMING: True})


def megabytes(size: float) -> int:
    return int(size * 1024 * 1024)


def note_route():
    """Which view answers, for the metrics (`unmatched` when none does)."""
    note(request.environ, "route", request.endpoint or "unmatched")


def refuse_updates():
    """No URL of this server takes SPARQL Update: say so, rather than a 404 or 405."""
    if request.mimetype == UPDATE_TYPE:
        abort(403, READ_ONLY)


def template_context() -> dict:
    """What every template reads: the state (settings, titles, dataset version), the reader's
    language with the site's words in it, and links that keep the language choice."""
    return {"state": app_state(), "link": linker(), **page_context(reader_language())}


__all__ = ["create_app", "prime", "Dataset", "Settings", "ValidationFailed"]

import pytest

from server import create_app
from server.content import SourceError
from server.state import app_state
from server.validation import ValidationFailed


def test_state_holds_settings_store_and_version(app, settings):
    state = app_state(app)
    assert state.settings is settings
    assert state.dataset.version == state.dataset.store.version
    assert state.dataset.last_modified.year >= 2024


def test_healthz(client, app):
    response = client.get("/healthz")
    assert response.status_code == 200
    state = app_state(app)
    # the home page's figure (the default graph), from memory: the store is /readyz's to ask
    assert response.json == {"status": "ok", "triples": state.published.facts.triples, "version": state.dataset.version}
    ready = client.get("/readyz")
    assert ready.status_code == 200 and ready.headers["Cache-Control"] == "no-store"
    assert ready.json == {"status": "ready", "version": state.dataset.version, "store": "memory",
                          "validation": "passed", "dumps": None, "quads": state.dataset.store.count()}
    assert state.published.facts.triples < state.dataset.store.count()
    assert response.headers["Access-Control-Allow-Origin"] == "*"


def test_home_page_is_html_with_titles(client):
    response = client.get("/")
    assert response.status_code == 200
    assert "coopération territoriale franco-chinoise" in response.get_data(as_text=True)


@pytest.mark.parametrize("accept, content_type", [("*/*", "text/plain"),
                                                  ("text/html,*/*;q=0.8", "text/html")])
def test_errors_are_plain_for_programs_and_pages_for_browsers(client, accept, content_type):
    response = client.get("/no/such/page", headers={"Accept": accept})
    assert response.status_code == 404
    assert response.mimetype == content_type
    assert client.post("/healthz", headers={"Accept": accept}).status_code == 405


def test_uncaught_exception_gives_500_without_traceback(app):
    @app.get("/boom")
    def boom():
        raise RuntimeError("secret detail")

    response = app.test_client().get("/boom")
    assert response.status_code == 500
    assert "secret detail" not in response.get_data(as_text=True)
    assert "Traceback" not in response.get_data(as_text=True)


def test_gzip(client):
    response = client.get("/", headers={"Accept-Encoding": "gzip"})
    assert response.headers["Content-Encoding"] == "gzip"


def test_violations_stop_the_app(make_settings):
    with pytest.raises(ValidationFailed, match="An agreement needs a label"):
        create_app(make_settings("invalid"))
    assert create_app(make_settings("invalid", validate_on_start=False))


def test_syntax_error_stops_the_app_even_without_validation(make_settings):
    with pytest.raises(SourceError):
        create_app(make_settings("broken", validate_on_start=False))


def test_priming_builds_what_first_pages_need_before_the_fork(make_settings):
    """`coopgraph serve` primes the app before gunicorn forks: the tables the home page, search pages and the
    reconciliation service are built from are then in the cache every worker inherits."""
    from server import prime

    app = create_app(make_settings("valid"))
    state = app_state(app)

    def primed(key):
        return state.cache.get_or_build((*key, state.dataset.version), lambda: pytest.fail(f"{key} not primed"))

    with pytest.raises(pytest.fail.Exception):
        primed(("featured-classes",))
    prime(app)
    assert primed(("featured-classes",)) is not None
    assert primed(("term-names",)) is not None
    assert primed(("reconcile-vocabulary",)) is not None

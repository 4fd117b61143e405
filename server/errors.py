"""Error responses: plain text for programs, a small page for browsers, never a traceback."""

from __future__ import annotations

from flask import Flask, current_app, render_template, request
from werkzeug.exceptions import BadGateway, GatewayTimeout, HTTPException, InternalServerError, ServiceUnavailable

from server.observe import note
from server.store import StoreError, StoreTimeout, StoreUnavailable

STORE_DOWN = ("The data store does not answer at the moment; this server will answer again as soon as "
              "it is back, without a restart. Please retry in a few seconds.")
STORE_SLOW = "The data store did not answer in time. Please retry; a smaller query may help."
STORE_FAILED = "The data store reported an error. Please retry later."


def register_error_handlers(app: Flask) -> None:
    app.register_error_handler(HTTPException, http_error)
    app.register_error_handler(StoreUnavailable, store_unavailable)
    app.register_error_handler(StoreError, store_failed)
    app.register_error_handler(Exception, unexpected_error)


def http_error(error: HTTPException):
    response = error.get_response()  # keeps headers such as Allow on a 405
    if _wants_html():
        response.set_data(render_template("error.html", error=error))
        response.content_type = "text/html; charset=utf-8"
    else:
        response.set_data(f"{error.code} {error.name}: {error.description}\n")
        response.content_type = "text/plain; charset=utf-8"
    return response


def store_unavailable(error: StoreUnavailable):
    """A remote store down (503, with Retry-After) or too slow (504): the request itself was fine."""
    current_app.logger.warning("%s %s: %s", request.method, request.path, error.message)
    note(request.environ, "store_error", "timeout" if isinstance(error, StoreTimeout) else "unavailable")
    if isinstance(error, StoreTimeout):
        return http_error(GatewayTimeout(STORE_SLOW))
    return http_error(ServiceUnavailable(STORE_DOWN, retry_after=error.retry_after_s))


def store_failed(error: StoreError):
    current_app.logger.error("%s %s: %s", request.method, request.path, error)
    note(request.environ, "store_error", "failed")
    return http_error(BadGateway(STORE_FAILED))


def unexpected_error(error: Exception):
    # Logged with its traceback for us; the client sees only a generic 500.
    current_app.logger.exception("unhandled error on %s %s", request.method, request.path)
    return http_error(InternalServerError())


def _wants_html() -> bool:
    # A browser ranks text/html above */*; curl and scripts send */* only.
    return request.accept_mimetypes.best_match(["text/plain", "text/html"]) == "text/html"

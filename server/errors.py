"""Error responses: plain text for programs, a small page for browsers, never a traceback."""

from __future__ import annotations

from flask import Flask, current_app, render_template, request
from werkzeug.exceptions import HTTPException, InternalServerError


def register_error_handlers(app: Flask) -> None:
    app.register_error_handler(HTTPException, http_error)
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


def unexpected_error(error: Exception):
    # Logged with its traceback for us; the client sees only a generic 500.
    current_app.logger.exception("unhandled error on %s %s", request.method, request.path)
    return http_error(InternalServerError())


def _wants_html() -> bool:
    # A browser ranks text/html above */*; curl and scripts send */* only.
    return request.accept_mimetypes.best_match(["text/plain", "text/html"]) == "text/html"

"""/reconcile: the W3C Entity Reconciliation API, version 0.2 (README, "Reconciliation (OpenRefine)").

This view reads the HTTP requests and writes the answers; what they say is server/reconcile.py's.

* `GET /reconcile`: the manifest. `GET` or `POST` (form) with `queries=` (a JSON batch): the candidates; with
  `extend=` (JSON): data extension.
* `/reconcile/suggest/entity|type|property?prefix=…&cursor=N`, `/reconcile/propose_properties?type=…&limit=N`:
  JSON; `/reconcile/preview?id=…`: a small HTML page, meant for an iframe.
* `callback=` (GET, a JavaScript identifier) wraps any JSON answer as JSONP. CORS (`*`) is the app's, on every
  route, preflight included (create_app). Bad input is a 400 (413 for a batch over BATCH_SIZE or a body too large)
  with a message saying what was wrong, never a 500.

The answers depend on the URL and Accept-Language only (names are in the reader's language): a GET is tagged by
`http.finish` and the replay may keep it; a POST is answered afresh.
"""

from __future__ import annotations

import json
import re

from flask import Blueprint, Response, render_template, request
from werkzeug.datastructures import CombinedMultiDict
from werkzeug.exceptions import BadRequest, NotFound, RequestEntityTooLarge

from server.errors import http_error
from server.http import finish
from server.i18n import LANGUAGES, localized, reader_language
from server.indexes import cached, superclasses, term_names
from server.reconcile import ReconcileError, Reconciler, whole_number
from server.state import app_state

reconcile = Blueprint("reconcile", __name__)

MAX_BODY_BYTES = 2 * 2**20  # of a POST: a full batch of long queries with properties is a tenth of it
JSONP_CALLBACK = re.compile(r"[A-Za-z_$][\w$]{0,63}(?:\.[A-Za-z_$][\w$]{0,63}){0,3}", re.ASCII)
ERRORS = {400: BadRequest, 404: NotFound, 413: RequestEntityTooLarge}
# The preview runs nothing and loads nothing: it may be framed by any client.
PREVIEW_POLICY = "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'"


@reconcile.errorhandler(ReconcileError)
def refused(error: ReconcileError):
    return http_error(ERRORS.get(error.status, BadRequest)(error.message))


@reconcile.route("/reconcile", methods=["GET", "POST"])
def endpoint():
    if request.method == "POST" and (request.content_length or 0) > MAX_BODY_BYTES:
        raise RequestEntityTooLarge(f"A request to /reconcile is at most {MAX_BODY_BYTES:,} bytes.")
    # A POST's fields, else (for clients that put them in the URL) its query string.
    parameters = CombinedMultiDict([request.form, request.args]) if request.method == "POST" else request.args
    if "queries" in parameters:
        return answer(service().reconcile_batch(parameters["queries"]))
    if "extend" in parameters:
        return answer(service().extend(parameters["extend"]))
    if request.method == "POST":
        raise BadRequest("A POST to /reconcile carries a form field queries= (a batch of reconciliation queries) "
                         "or extend= (a data extension query), in JSON.")
    state = app_state()
    return answer(service().manifest(localized(state.settings.title, reader_language()), service_url()))


@reconcile.get("/reconcile/suggest/entity")
def suggest_entity():
    return answer(service().suggest_entities(request.args.get("prefix", ""), cursor()))


@reconcile.get("/reconcile/suggest/type")
def suggest_type():
    return answer(service().suggest_types(request.args.get("prefix", ""), cursor()))


@reconcile.get("/reconcile/suggest/property")
def suggest_property():
    return answer(service().suggest_properties(request.args.get("prefix", ""), cursor()))


@reconcile.get("/reconcile/propose_properties")
def propose_properties():
    limit = whole_number(request.args.get("limit"), "limit", None)
    return answer(service().propose_properties(request.args.get("type"), limit))


@reconcile.get("/reconcile/preview")
def preview():
    written = request.args.get("id", "")
    shown = service().preview(written)
    if shown is None:
        raise NotFound(f"No entity of this dataset has the id {written[:80]!r}.")
    page = render_template("reconcile-preview.html", entity=shown, href=f"/id/{shown['id']}")
    response = Response(content_type="text/html; charset=utf-8")
    response.content_language = reader_language()
    response.headers["Content-Security-Policy"] = PREVIEW_POLICY
    return finish(response, body=lambda: page.encode(), vary=("Accept-Language",))


def service() -> Reconciler:
    state = app_state()
    return Reconciler(state.search, state.dataset.store, base_iri=state.settings.base_iri,
                      prefixes=state.dataset.prefixes, term_names=term_names(state), superclasses=superclasses(state),
                      languages=LANGUAGES, language=reader_language(),
                      keep=lambda key, build: cached(state, key, build))


def service_url() -> str:
    return f"{app_state().settings.base_iri}reconcile"


def cursor() -> int:
    return whole_number(request.args.get("cursor"), "cursor", 0, smallest=0)


def answer(payload: dict) -> Response:
    """JSON (JSONP with `callback=`); a GET is finished as every document is (ETag, replay)."""
    body = json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode()
    callback = request.args.get("callback")
    if callback is not None:
        if request.method != "GET" or not JSONP_CALLBACK.fullmatch(callback):
            raise BadRequest("callback (JSONP) is a JavaScript name such as handleResults or app.handle, "
                             "of letters, digits, _ and $, on a GET only.")
        # The leading comment keeps the body from being read as anything but script (an old Flash exploit).
        body = b"/**/" + callback.encode() + b"(" + body + b");"
        response = Response(content_type="application/javascript; charset=utf-8")
    else:
        response = Response(content_type="application/json; charset=utf-8")
    response.headers["X-Content-Type-Options"] = "nosniff"
    if request.method != "GET":
        response.set_data(body)
        return response
    return finish(response, body=lambda: body, vary=("Accept-Language",))

"""The language switch: remembers the reader's choice in a cookie, then shows the page they were on in it.

The switch's links (server/i18n.py `switch_url`) carry the page to return to, with `?lang=` in it, so the
page itself never depends on the cookie; only pages reached without `?lang=` read it."""

from __future__ import annotations

from flask import Blueprint, redirect, request
from werkzeug.exceptions import BadRequest

from server.i18n import LANGUAGE_COOKIE, LANGUAGES, SWITCH_PATH

language = Blueprint("language", __name__)

REMEMBERED_S = 365 * 24 * 3600


@language.get(SWITCH_PATH)
def switch():
    chosen = request.args.get("to", "").lower()
    if chosen not in LANGUAGES:
        raise BadRequest(f"Unknown language {chosen[:20]!r}: this site speaks {', '.join(LANGUAGES)}.")
    target = request.args.get("next", "/")
    # Only a path on this site: never an open redirect to another host ("//host", "\\host", "https:").
    if not target.startswith("/") or target.startswith(("//", "/\\")):
        raise BadRequest("The page to return to must be a path on this site, starting with a single /.")
    response = redirect(target, code=303)
    response.set_cookie(LANGUAGE_COOKIE, chosen, max_age=REMEMBERED_S, path="/", samesite="Lax")
    response.cache_control.no_store = True
    return response

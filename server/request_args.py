"""Query parameters several pages read the same way, refused in words when they are wrong."""

from __future__ import annotations

from flask import request
from werkzeug.exceptions import BadRequest

ECHOED = 60  # characters of a parameter quoted back in a message
PAST_ANY_PAGE = 10 ** 18  # a page number this long is past the last of anything: a 404, no huge int to parse


def page_number() -> int:
    """`page`, from 1; anything but ASCII digits (Unicode digits included) is a 400."""
    raw = request.args.get("page", "1")
    digits = raw.lstrip("0")
    if not (raw.isascii() and raw.isdigit()) or not digits:
        raise BadRequest(f"page must be a whole number from 1, not {echo(raw)}.")
    return int(digits) if len(digits) <= len(str(PAST_ANY_PAGE)) - 1 else PAST_ANY_PAGE


def echo(value: str) -> str:
    """A parameter quoted back in a message: short, with control characters shown as escapes (the pages
    escape the markup)."""
    return repr(value if len(value) <= ECHOED else value[:ECHOED] + "…")

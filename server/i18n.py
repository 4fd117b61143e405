"""The reader's language: which one a request gets, and what every page's layout needs in it.

The site's own words are in server/ui_text.py; the data's names are chosen by server/names.py.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from urllib.parse import urlencode

from flask import request
from werkzeug.datastructures import LanguageAccept

from server.ui_text import UI_TEXT

LANGUAGES: tuple[str, ...] = tuple(UI_TEXT)  # every language server/locales/ has the words of
DEFAULT_LANGUAGE = "en"
LANGUAGE_PARAMETER = "lang"


def choose_language(accept_languages: LanguageAccept, override: str | None = None,
                    supported: Sequence[str] = LANGUAGES, default: str = DEFAULT_LANGUAGE) -> str:
    """`?lang=` first, then `Accept-Language`, then the default. Werkzeug matches `fr-FR` to `fr` and
    honours q-values; an unsupported override is ignored rather than refused, because a label in
    another language is still a useful page."""
    if override and override.lower() in supported:
        return override.lower()
    return accept_languages.best_match(list(supported), default=default) or default


def reader_language() -> str:
    """The language the current request's pages are written in."""
    return choose_language(request.accept_languages, request.args.get(LANGUAGE_PARAMETER))


def language_query() -> str:
    """`lang=xx` when the request chose a language the site speaks, to carry along on links; else ""."""
    override = request.args.get(LANGUAGE_PARAMETER, "").lower()
    return f"{LANGUAGE_PARAMETER}={override}" if override in LANGUAGES else ""


def localized(texts: Mapping[str, str], language: str) -> str:
    """The text for the reader's language, else English, else any."""
    return texts.get(language) or texts.get(DEFAULT_LANGUAGE) or next(iter(texts.values()), "")


def same_page_with(**changes) -> str:
    """This page's path with some query parameters changed."""
    arguments = {**request.args.to_dict(), **{key: str(value) for key, value in changes.items()}}
    return request.path + "?" + urlencode(arguments)


def page_context(language: str) -> dict:
    """What every page's layout needs: the language, the site's words in it, and links to this same
    page in each language the site speaks."""
    return {
        "page_language": language,
        "ui": UI_TEXT[language],
        "localized": lambda texts: localized(texts, language),
        "language_links": [(code, UI_TEXT[code]["language_name"], same_page_with(**{LANGUAGE_PARAMETER: code}))
                           for code in LANGUAGES],
    }

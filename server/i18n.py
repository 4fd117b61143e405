"""The reader's language: which one a request gets, and what every page's layout needs in it.

The site's own words are in server/ui_text.py; the data's names are chosen by server/names.py.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC
from urllib.parse import urlencode

from babel.dates import format_datetime
from babel.numbers import format_decimal
from flask import request
from markupsafe import Markup
from werkzeug.datastructures import LanguageAccept
from werkzeug.http import parse_cookie

from server.names import Name
from server.ui_text import UI_TEXT

LANGUAGES: tuple[str, ...] = tuple(UI_TEXT)  # every language server/locales/ has the words of
DEFAULT_LANGUAGE = "en"
LANGUAGE_PARAMETER = "lang"
# The reader's choice from the language switch (/language), remembered across visits. Only that route sets
# it; pages read it after `?lang=` and before Accept-Language, so they vary on Cookie (server/http.py) and the
# replay keys on this cookie's value (server/replay.py).
LANGUAGE_COOKIE = "lang"
SWITCH_PATH = "/language"


def choose_language(accept_languages: LanguageAccept, override: str | None = None,
                    supported: Sequence[str] = LANGUAGES, default: str = DEFAULT_LANGUAGE) -> str:
    """`?lang=` first, then `Accept-Language`, then the default. Werkzeug matches `fr-FR` to `fr` and
    honours q-values; an unsupported override is ignored rather than refused, because a label in
    another language is still a useful page."""
    if override and override.lower() in supported:
        return override.lower()
    return accept_languages.best_match(list(supported), default=default) or default


def reader_language() -> str:
    """The language the current request's pages are written in: `?lang=`, else the remembered choice,
    else Accept-Language."""
    return choose_language(request.accept_languages,
                           request.args.get(LANGUAGE_PARAMETER) or chosen_language(request.environ))


def chosen_language(environ: Mapping) -> str | None:
    """The language the reader chose with the switch (the cookie), if it is one the site speaks."""
    cookies = environ.get("HTTP_COOKIE")
    if not cookies:
        return None
    chosen = parse_cookie(cookies).get(LANGUAGE_COOKIE, "").lower()
    return chosen if chosen in LANGUAGES else None


def switch_url(language: str, target: str) -> str:
    """The language switch's link: /language remembers the choice, then sends the reader to `target`."""
    return SWITCH_PATH + "?" + urlencode({"to": language, "next": target})


def language_query() -> str:
    """`lang=xx` when the request chose a language the site speaks, to carry along on links; else ""."""
    override = request.args.get(LANGUAGE_PARAMETER, "").lower()
    return f"{LANGUAGE_PARAMETER}={override}" if override in LANGUAGES else ""


def localized(texts: Mapping[str, str], language: str) -> Name:
    """The text for the reader's language, else English, else any: a Name that knows which it is."""
    for chosen in (language, DEFAULT_LANGUAGE, *texts):
        if texts.get(chosen):
            return Name(texts[chosen], chosen)
    return Name("")


def language_attribute(text: object, page_language: str) -> Markup:
    """` lang="xx"` for a text (a Name) in another language than the page's, else nothing."""
    language = getattr(text, "language", None)
    if not language or language.lower().split("-")[0] == page_language:
        return Markup("")
    return Markup(' lang="{}"').format(language)


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
        # Figures as the reader's language writes them: 1,234 / 1 234 / 1,234.
        "number": lambda value: format_decimal(value, locale=language),
        # A moment (UTC) as the reader's language writes it, with its time zone.
        "timestamp": lambda moment: format_datetime(moment, "medium", tzinfo=UTC, locale=language) + " UTC",
        # `<h1{{ lang_of(name) }}>`: marks a name or text that fell back to another language.
        "lang_of": lambda text: language_attribute(text, language),
        "language_links": [(code, UI_TEXT[code]["language_name"],
                            switch_url(code, same_page_with(**{LANGUAGE_PARAMETER: code}))) for code in LANGUAGES],
    }

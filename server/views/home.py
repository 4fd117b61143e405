"""The home page, the indexes (classes and their instances) and the health check."""

from __future__ import annotations

from math import ceil
from pathlib import Path
from urllib.parse import urlencode

from flask import Blueprint, jsonify, render_template, request
from werkzeug.exceptions import BadRequest, NotFound

from server.indexes import class_counts, class_from_name, class_tree, featured_classes, instances_of, term_names
from server.negotiation import DOCUMENT_FORMATS, HTML, LANGUAGES
from server.state import app_state
from server.store import QueryFiles
from server.ui_text import UI_TEXT
from server.views.negotiated import linker, reader_language, serve

home = Blueprint("home", __name__)

PAGE_SIZE = 50
EXAMPLES_SHOWN = 3
QUESTION_PREFIX = "# Question:"


@home.app_context_processor
def page_context() -> dict:
    """What every page's layout needs: the reader's language, the site's words in it, and links
    to this same page in each language the site speaks."""
    language = reader_language()
    return {
        "page_language": language,
        "ui": UI_TEXT[language],
        "localized": lambda texts: localized(texts, language),
        "language_links": [(code, UI_TEXT[code]["language_name"], same_page_in(code)) for code in LANGUAGES],
        "link": linker(),
    }


@home.get("/")
def index():
    return serve("/", HTML, render_home, formats=(HTML,))


@home.get("/browse/")
def browse():
    if "class" in request.args:  # a class no prefix covers, named by its IRI
        return class_page(request.args["class"])

    def build() -> bytes:
        state, language = app_state(), reader_language()
        return render_template("browse.html", classes=class_tree(state, language, linker()),
                               featured=featured_classes(state, language, linker())).encode()
    return serve("/browse/", HTML, build, formats=(HTML,))


@home.get("/browse/<name>")
def browse_class(name: str):
    state = app_state()
    class_iri = class_from_name(name, state.prefixes)
    if class_iri is None:
        raise NotFound(f"{name!r} names no class: use a prefixed name such as "
                       f"{next(iter(state.prefixes), 'prefix')}:ClassName, with one of the prefixes "
                       f"{', '.join(sorted(state.prefixes))}.")
    return class_page(class_iri)


@home.get("/healthz")
def healthz():
    state = app_state()
    return jsonify(status="ok", triples=state.store.count(), version=state.version)


def class_page(class_iri: str):
    """A class's instances, PAGE_SIZE at a time (`?page=`), sorted by name in the reader's language."""
    state = app_state()
    page = page_number()
    if class_iri not in class_counts(state):
        raise NotFound(f"No instance of <{class_iri}> in the data.")

    def build() -> bytes:
        language = reader_language()
        members = instances_of(state, class_iri, language)
        pages = max(1, ceil(len(members) / PAGE_SIZE))
        if page > pages:
            raise NotFound(f"There are {pages} pages of instances of <{class_iri}>; page {page} does not exist.")
        links = linker()
        shown = [(name, iri, links.href(iri)) for name, iri in members[(page - 1) * PAGE_SIZE:page * PAGE_SIZE]]
        return render_template(
            "class.html", class_iri=class_iri, title=term_names(state).of(class_iri, language),
            class_href=links.href(class_iri), count=len(members), members=shown, first=(page - 1) * PAGE_SIZE + 1,
            page=page, pages=pages,
            page_href=lambda number: same_page_with(page=number)).encode()

    return serve(request.path, HTML, build, formats=(HTML,), cache_key=(class_iri, page))


def page_number() -> int:
    raw = request.args.get("page", "1")
    if not raw.isdigit() or int(raw) < 1:
        raise BadRequest(f"page must be a whole number from 1, not {raw!r}.")
    return int(raw)


def render_home() -> bytes:
    state, language = app_state(), reader_language()
    graphs = [(iri, iri.rsplit("/", 1)[-1], state.store.count(iri)) for iri in state.store.graphs()]
    featured = featured_classes(state, language, linker())
    # One entity to try the formats on: the first, by name, of the first kind shown.
    sample = next((instances_of(state, entry.iri, language)[0] for entry in featured), None)
    return render_template(
        "home.html", triples=state.store.count(), graphs=graphs, featured=featured, sample=sample,
        formats=DOCUMENT_FORMATS, examples=example_queries(state.settings)).encode()


def example_queries(settings) -> list[tuple[str, str]]:
    """(question, query) pairs to show on the home page: the class counts, then the first few
    competency questions of the examples folder."""
    examples = [("How many instances does each class have?", QueryFiles()["class-counts"])]
    folder = Path(settings.examples_dir)
    for path in sorted(folder.glob("*.rq"))[:EXAMPLES_SHOWN] if folder.is_dir() else ():
        text = path.read_text(encoding="utf-8")
        first = text.splitlines()[0] if text else ""
        if first.startswith(QUESTION_PREFIX):
            examples.append((first[len(QUESTION_PREFIX):].strip(), text))
    return examples


def localized(texts: dict, language: str):
    """The text for the reader's language, else English, else any."""
    return texts.get(language) or texts.get("en") or next(iter(texts.values()), "")


def same_page_in(language: str) -> str:
    return same_page_with(lang=language)


def same_page_with(**changes) -> str:
    """This page's path with some query parameters changed."""
    arguments = {**request.args.to_dict(), **{key: str(value) for key, value in changes.items()}}
    return request.path + "?" + urlencode(arguments)

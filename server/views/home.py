"""The home page and the indexes (classes and their instances)."""

from __future__ import annotations

from math import ceil

from flask import Blueprint, render_template, request
from werkzeug.exceptions import NotFound

from server.figures import BY_NAME as FIGURES
from server.figures import INSTANCES
from server.formats import DOCUMENT_FORMATS, HTML
from server.i18n import reader_language, same_page_with
from server.indexes import class_counts, class_from_name, class_tree, featured_classes, instances_of, term_names
from server.names import Name
from server.negotiation import document, linker
from server.plurals import class_count_phrases
from server.request_args import page_number
from server.state import app_state
from server.store import QueryFiles
from server.structured_data import dataset_script
from server.ui_text import UI_TEXT

home = Blueprint("home", __name__)

PAGE_SIZE = 50
EXAMPLES_SHOWN = 3


@home.get("/")
def index():
    # Its JSON-LD lists the pinned build's dumps: tagged with that build, as /dataset is.
    published = app_state().published
    return page(render_home, tag=published.tag, last_modified=published.last_modified)


@home.get("/browse/")
def browse():
    if "class" in request.args:  # a class no prefix covers, named by its IRI
        return class_page(request.args["class"])

    def build() -> str:
        state, language = app_state(), reader_language()
        featured = featured_classes(state, language, linker())
        return render_template("browse.html", classes=class_tree(state, language, linker()), featured=featured,
                               counted=class_count_phrases(state, featured, language), figures=FIGURES)
    return page(build)


@home.get("/browse/<name>")
def browse_class(name: str):
    prefixes = app_state().dataset.prefixes
    class_iri = class_from_name(name, prefixes)
    if class_iri is None:
        raise NotFound(f"{name!r} names no class: use a prefixed name such as "
                       f"{next(iter(prefixes), 'prefix')}:ClassName, with one of the prefixes "
                       f"{', '.join(sorted(prefixes))}.")
    return class_page(class_iri)


def page(build, **finishing):
    """An HTML page of this site (no other format), built unless the client's copy is current."""
    return document(request.path, HTML, lambda: build().encode(), formats=(HTML,), **finishing)


def class_page(class_iri: str):
    """A class's instances, PAGE_SIZE at a time (`?page=`), sorted by name in the reader's language."""
    state = app_state()
    number = page_number()
    count = class_counts(state).get(class_iri)
    if count is None:
        raise NotFound(f"No instance of <{class_iri}> in the data.")
    language = reader_language()
    members = instances_of(state, class_iri, language)  # those with an IRI: `count` includes blank nodes
    pages = max(1, ceil(len(members) / PAGE_SIZE))
    if number > pages:
        raise NotFound(f"There are {pages} pages of instances of <{class_iri}>; page {number} does not exist.")

    def build() -> str:
        links = linker()
        shown = [(name, iri, links.href(iri)) for name, iri in members[(number - 1) * PAGE_SIZE:number * PAGE_SIZE]]
        return render_template(
            "class.html", class_iri=class_iri, title=term_names(state).of(class_iri, language),
            class_href=links.href(class_iri), count=count, figures=FIGURES, unlisted=count - len(members),
            members=shown, first=(number - 1) * PAGE_SIZE + 1, page=number, pages=pages,
            page_href=lambda n: same_page_with(page=n))
    return page(build)


def render_home() -> str:
    """The figures are those of server/figures.py, each shown with what it counts."""
    state, language = app_state(), reader_language()
    facts = state.published.facts
    in_default = set(state.settings.default_graph_iris)
    graphs = [(iri, iri.rsplit("/", 1)[-1], size, iri in in_default)
              for iri, size in sorted(facts.graph_sizes.items())]
    featured = featured_classes(state, language, linker())
    # One entity to try the formats on: the first, by name, of the first kind shown.
    sample = next((instances_of(state, entry.iri, language)[0] for entry in featured), None)
    examples = [(Name(UI_TEXT[language]["example_instances_question"], language), QueryFiles()[INSTANCES.query]),
                *((example.asked_in(language), example.query)
                  for example in list(state.examples.values())[:EXAMPLES_SHOWN])]
    return render_template("home.html", facts=facts, figures=FIGURES, graphs=graphs, featured=featured, sample=sample,
                           counted=class_count_phrases(state, featured, language),
                           formats=DOCUMENT_FORMATS, examples=examples,
                           structured_data=dataset_script(state, language))

"""The vocabulary, the shapes and the named graphs dereference too.

* `{base}def` (terms `{base}def#Term`): 303 to `/def.{html,ttl,jsonld,rdf,nt}`; the HTML is the
  documentation generated from the ontology graph, with an anchor per term; the RDF formats are
  the whole ontology graph, so `owl:imports` and Protégé get the ontology.
* the ontology's `owl:versionIRI` (`{base}def/1.0.0`): the same 303, for it is the version published;
  any other version is a 404 that names the current one.
* `{base}shapes` (shapes `{base}shapes#Name`): the same for the shapes graph.
* `{base}graph/{name}`: a short description of a named graph (its size, what the store says of it).
* `/context.jsonld`: the JSON-LD context every JSON-LD document inlines.
"""

from __future__ import annotations

import json

from flask import Blueprint, render_template, request
from pyoxigraph import Literal, NamedNode, Triple
from werkzeug.exceptions import NotFound

from server.entity_page import PageBuilder, describe
from server.figures import BY_NAME as FIGURES
from server.formats import HTML, JSON_LD
from server.graphs import ONTOLOGY, SHAPES
from server.i18n import reader_language
from server.indexes import browse_path, cached, class_counts, term_names
from server.namespaces import OWL, VOID
from server.negotiation import document, linker, rdf_document, respond, see_other, split_extension, variants
from server.ontology_docs import shapes_doc, vocabulary_doc
from server.state import app_state

vocabulary = Blueprint("vocabulary", __name__)

# The graphs published whole, by the path of their IRI.
GRAPH_DOCUMENTS = {"/def": ONTOLOGY, "/shapes": SHAPES}


@vocabulary.get("/def")
@vocabulary.get("/shapes")
def graph_document():
    return see_other(request.path)


@vocabulary.get("/def.<extension>")
@vocabulary.get("/shapes.<extension>")
def graph_document_variant(extension: str):
    stem, fmt = split_extension(request.path)
    if stem not in GRAPH_DOCUMENTS:  # `/def.x.html`: a dot too many
        raise NotFound(f"No document {request.path}: the vocabulary is at /def.<format>, the shapes at /shapes.<format>.")
    return document(stem, fmt, lambda: render_graph_document(GRAPH_DOCUMENTS[stem], fmt, stem))


@vocabulary.get("/def/<path:version>")
def ontology_version(version: str):
    """A version IRI dereferences (a tool resolving an import of this exact version gets the ontology); this
    server publishes one version, the current one: any other is not here, and the 404 says which is."""
    settings = app_state().settings
    ontology = NamedNode(settings.ontology_iri)
    versions = [t.object.value for t in graph_triples(ONTOLOGY)
                if t.subject == ontology and t.predicate.value == OWL + "versionIRI" and isinstance(t.object, NamedNode)]
    if settings.ontology_iri + "/" + version in versions:
        return see_other("/def")
    current = f"its current version, <{versions[0]}>, which" if versions else "the ontology, which has no version IRI and"
    raise NotFound(f"This server does not publish version {version!r} of the vocabulary: only {current} "
                   f"answers at <{settings.ontology_iri}> (as /def.html, /def.ttl, /def.jsonld, /def.rdf and /def.nt).")


@vocabulary.get("/graph/<name>")
def named_graph(name: str):
    stem, fmt = split_extension(name)
    state = app_state()
    iri = state.settings.graph_iri(stem)
    graphs = state.dataset.store.graphs()
    if iri not in graphs:
        raise NotFound(f"This dataset has no named graph <{iri}>; it has "
                       f"{', '.join('<' + graph + '>' for graph in graphs)}.")
    if fmt is None:
        return see_other(f"/graph/{stem}")
    return document(f"/graph/{stem}", fmt, lambda: render_graph_description(iri, fmt, f"/graph/{stem}"))


@vocabulary.get("/context.jsonld")
def context():
    return respond(JSON_LD, lambda: json.dumps(app_state().dataset.jsonld_context, indent=2,
                                               ensure_ascii=False).encode(), vary=())


def render_graph_document(graph: str, fmt, stem: str) -> bytes:
    """The whole ontology or shapes graph: documentation in HTML, the graph itself otherwise."""
    state = app_state()
    settings = state.settings
    triples = graph_triples(graph)
    if fmt is not HTML:
        return rdf_document(triples, fmt)
    document_iri = settings.base_iri + stem.lstrip("/")
    common = dict(term_names=term_names(state), prefixes=state.dataset.prefixes, language=reader_language(),
                  linker=linker(here=document_iri))
    if graph == ONTOLOGY:
        links = linker()
        doc = vocabulary_doc(triples, graph_triples(SHAPES), ontology_iri=document_iri,
                             shapes_iri=settings.base_iri + "shapes", class_counts=class_counts(state),
                             browse_href=lambda iri: links.local(browse_path(iri, state.dataset.prefixes)), **common)
        return render_template("vocabulary.html", doc=doc, formats=variants(stem)).encode()
    doc = shapes_doc(triples, shapes_iri=document_iri, **common)
    return render_template("shapes.html", doc=doc, formats=variants(stem)).encode()


def graph_triples(graph: str) -> tuple[Triple, ...]:
    state = app_state()
    iri = state.settings.graph_iri(graph)
    return cached(state, ("graph", iri), lambda: tuple(state.dataset.store.run_file("describe-graph", graph=iri)))


def render_graph_description(iri: str, fmt, stem: str) -> bytes:
    """What the store says of a named graph, plus its size (void:triples: the figure `graph_triples`)."""
    state = app_state()
    store = state.dataset.store
    sizes = state.published.facts.graph_sizes
    size = sizes[iri] if iri in sizes else store.count(iri)  # the same query, for a graph added since
    triples = (*describe(store, iri), Triple(NamedNode(iri), NamedNode(VOID + "triples"), Literal(size)))
    if fmt is not HTML:
        return rdf_document(triples, fmt)
    page = PageBuilder(triples, term_names=term_names(state), prefixes=state.dataset.prefixes,
                       language=reader_language(), linker=linker()).page(iri)
    return render_template("graph.html", page=page, size=size, figures=FIGURES, graph_name=iri.rsplit("/", 1)[-1],
                           in_default_graph=iri in state.settings.default_graph_iris, formats=variants(stem)).encode()

"""RDF to bytes, per format, and the JSON-LD context the server publishes.

pyoxigraph writes Turtle, N-Triples and RDF/XML (fast, streaming); rdflib compacts JSON-LD, which
pyoxigraph only writes expanded. The context is derived from the store itself (every predicate and
class in use gets a short name), so the server stays ignorant of what the dataset is about.
"""

from __future__ import annotations

import hashlib
import io
import re
from collections import defaultdict
from datetime import datetime
from typing import Iterable, Mapping, Sequence

import rdflib
from flask import Request, Response
from pyoxigraph import RdfFormat, Triple, serialize

from .negotiation import JSON_LD, Format

RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"

# JSON-LD keywords get friendlier aliases, as in schema.org's context.
KEYWORD_ALIASES = {"id": "@id", "type": "@type"}


def serialize_triples(
    triples: Iterable[Triple],
    fmt: Format,
    *,
    prefixes: Mapping[str, str],
    context: Mapping | None = None,
) -> bytes:
    """The triples in ``fmt``: Turtle, N-Triples, RDF/XML by pyoxigraph; JSON-LD compacted by rdflib."""
    if fmt is JSON_LD:
        return compact_jsonld(triples, context or {"@context": dict(prefixes)})
    if fmt.rdf_format is None:
        raise ValueError(f"{fmt.name} is not an RDF serialisation")
    # RDF/XML has no use for Turtle-style prefixes beyond namespaces; pyoxigraph handles both.
    return serialize(triples, format=fmt.rdf_format, prefixes=dict(prefixes))


def prefixes_used(triples: Iterable[Triple], prefixes: Mapping[str, str]) -> dict[str, str]:
    """The prefixes some IRI of the triples starts with (datatypes included), so a short document
    does not open with every prefix of the dataset."""
    iris = set()
    for triple in triples:
        for term in triple:
            iris.add(getattr(term, "value", ""))
            datatype = getattr(term, "datatype", None)
            if datatype is not None:
                iris.add(datatype.value)
    return {name: namespace for name, namespace in prefixes.items() if any(iri.startswith(namespace) for iri in iris)}


def compact_jsonld(triples: Iterable[Triple], context: Mapping) -> bytes:
    """Compacted JSON-LD with the context inlined, so the document stands alone and reads as plain JSON."""
    graph = rdflib.Graph()
    # N-Triples is the lossless hand-over between the two libraries.
    graph.parse(data=serialize(triples, format=RdfFormat.N_TRIPLES), format="nt")
    output = io.BytesIO()
    graph.serialize(output, format="json-ld", context=dict(context["@context"]), auto_compact=True)
    return output.getvalue()


def jsonld_context(
    predicate_usage: Iterable[tuple[str, str, str]],
    classes: Iterable[str],
    prefixes: Mapping[str, str],
) -> dict:
    """A JSON-LD context giving every predicate and class in use a short, unambiguous term.

    ``predicate_usage`` yields (predicate IRI, kind, datatype IRI) rows as the query
    ``predicate-usage.rq`` returns them. A predicate whose values are all IRIs gets ``"@type": "@id"``;
    one whose values are all language-tagged gets a language map (``{"fr": …, "en": …}``); one whose
    literals share a datatype gets that ``@type``. Where two IRIs share a local name, each is named
    ``prefix_local`` instead, so no term is ever ambiguous.
    """
    kinds: dict[str, set[str]] = defaultdict(set)
    datatypes: dict[str, set[str]] = defaultdict(set)
    for predicate, kind, datatype in predicate_usage:
        if predicate == RDF_TYPE:
            continue
        kinds[predicate].add(kind)
        if kind == "literal":
            datatypes[predicate].add(datatype)

    names = _short_names([*kinds, *classes], prefixes, reserved=set(KEYWORD_ALIASES) | set(prefixes))
    context: dict = {**KEYWORD_ALIASES, **dict(sorted(prefixes.items()))}
    for iri, term in sorted(names.items(), key=lambda item: item[1]):
        if iri not in kinds:  # a class
            context[term] = iri
            continue
        definition: dict = {"@id": iri}
        if kinds[iri] == {"node"}:  # IRIs only: rdflib writes a blank node coerced to @id without its triples
            definition["@type"] = "@id"
        elif kinds[iri] == {"lang"}:
            definition["@container"] = "@language"
        elif kinds[iri] == {"literal"} and len(datatypes[iri]) == 1:
            (datatype,) = datatypes[iri]
            if datatype != XSD_STRING:
                definition["@type"] = datatype
        context[term] = definition
    return {"@context": context}


def dataset_jsonld_context(store, prefixes: Mapping[str, str]) -> dict:
    """The JSON-LD context of a loaded dataset (a Store, or anything with its `run_file`): a short term
    for every predicate and class in use."""
    usage = [(row["p"].value, row["kind"].value, row["datatype"].value) for row in store.run_file("predicate-usage")]
    classes = [row["class"].value for row in store.run_file("classes-in-use")]
    named = {name: namespace for name, namespace in prefixes.items() if name}  # "" is no JSON-LD term
    return jsonld_context(usage, classes, named)


def _short_names(iris: Iterable[str], prefixes: Mapping[str, str], reserved: set[str]) -> dict[str, str]:
    by_local: dict[str, list[str]] = defaultdict(list)
    for iri in dict.fromkeys(iris):
        by_local[_local_name(iri)].append(iri)
    names = {}
    for local, sharing in by_local.items():
        unique = len(sharing) == 1 and local and local not in reserved
        for iri in sharing:
            names[iri] = local if unique else _prefixed_name(iri, local, prefixes)
    return names


def _local_name(iri: str) -> str:
    local = re.split(r"[#/]", iri)[-1]
    return local if re.fullmatch(r"[A-Za-z_][A-Za-z0-9_-]*", local) else ""


def _prefixed_name(iri: str, local: str, prefixes: Mapping[str, str]) -> str:
    for prefix, namespace in prefixes.items():
        if iri.startswith(namespace) and local:
            return f"{prefix}_{local}"
    return iri  # no safe short name: the IRI itself is a valid term


def alternates_link(alternates: Sequence[tuple[str, Format]]) -> str:
    """A Link header value naming each (URL, format) as an alternate."""
    return ", ".join(f'<{url}>; rel="alternate"; type="{fmt.media_type}"' for url, fmt in alternates)


def finish_response(
    response: Response,
    request: Request,
    *,
    version: str,
    last_modified: datetime | None,
    vary: Sequence[str] = ("Accept",),
    alternates: Sequence[tuple[str, Format]] = (),
) -> Response:
    """The headers every negotiated response carries, set in one place, then the conditional check.

    The ETag is derived from the dataset version, the URL and the negotiated variant (Content-Type,
    Content-Language), so it changes with any of them and costs nothing to compute. Werkzeug's
    ``make_conditional`` answers If-None-Match / If-Modified-Since with 304 and serves Range requests.
    CORS and gzip are applied app-wide by flask-cors and flask-compress.
    """
    response.vary.update(vary)
    if alternates:
        response.headers["Link"] = alternates_link(alternates)
    # Location too: a 303's variants differ only by where they send the client.
    variant = "|".join(
        (version, request.path, response.content_type or "", response.content_language.to_header() if response.content_language else "",
         response.headers.get("Location", ""))
    )
    response.set_etag(hashlib.sha256(variant.encode()).hexdigest()[:32])
    if last_modified is not None:
        response.last_modified = last_modified
    if not any(header in request.environ for header in CONDITIONAL_HEADERS):
        return response  # nothing to compare or cut: skip the parsing (a third of a cached page's cost)
    return response.make_conditional(request)


# The request headers make_conditional acts on (WSGI names).
CONDITIONAL_HEADERS = ("HTTP_IF_NONE_MATCH", "HTTP_IF_MODIFIED_SINCE", "HTTP_IF_MATCH", "HTTP_IF_UNMODIFIED_SINCE",
                       "HTTP_RANGE", "HTTP_IF_RANGE")
